"""Figures from records. Matplotlib only; reads records, computes nothing new.

One submodule per experiment, named like the experiment (``summary["experiment"]``), with
a ``figure(rec) -> matplotlib Figure`` function; `figure_for` dispatches on the name.
`save_figure` writes a figure atomically.
"""
from __future__ import annotations

import importlib
import os
import tempfile

import matplotlib

matplotlib.use("Agg")  # headless by default; notebooks switch to inline themselves
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "font.size": 9,
                     "axes.spines.top": False, "axes.spines.right": False})


def save_figure(fig, path: str) -> str:
  """Saves atomically (temp file + rename) so a crash never leaves a broken PNG."""
  d = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(dir=d, prefix=".fig-", suffix=os.path.splitext(path)[1])
  os.close(fd)
  try:
    fig.savefig(tmp, bbox_inches="tight")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
  finally:
    if os.path.exists(tmp):
      os.remove(tmp)
  return path


def figure_for(rec):
  """The standard figure of a loaded record, by its summary's ``experiment``."""
  name = rec.summary.get("experiment")
  try:
    mod = importlib.import_module(f"fourier_nn.plotting.{name}")
  except ModuleNotFoundError:
    raise ValueError(f"no figure is defined for experiment {name!r}") from None
  return mod.figure(rec)
