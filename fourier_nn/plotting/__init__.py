"""Figures from records. Matplotlib only; reads records, computes nothing new.

One submodule per experiment driver, `FIGURES` maps ``summary["experiment"]`` to it, with
a ``figure(rec) -> matplotlib Figure`` function; `figure_for` dispatches on the name. The
library picks no matplotlib backend (notebooks keep `%matplotlib inline`); scripts do.
`save_figure` writes a figure atomically.
"""
from __future__ import annotations

import importlib

import matplotlib.pyplot as plt
import numpy as np

from fourier_nn import fileio

# summary["experiment"] -> the plotting module that draws it (one module per driver).
FIGURES = {
    "spectral_bias_1d": "spectral_bias_1d",
    "ntk_circle": "basri",
    "basri_sphere": "basri",
    "ntk_sphere": "ntk_sphere",
    "lfp": "lfp",
}

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "font.size": 9,
                     "axes.spines.top": False, "axes.spines.right": False})


def save_figure(fig, path: str) -> str:
  """Saves ``fig`` to ``path`` (.png, .pdf or .svg) atomically via `fileio.savefig_atomic`,
  so a crash never leaves a broken figure; returns ``path``."""
  return fileio.savefig_atomic(fig, path, bbox_inches="tight")


def figure_for(rec):
  """The standard figure of a loaded record, by its summary's ``experiment``."""
  name = rec.summary.get("experiment")
  if name not in FIGURES:
    raise ValueError(f"no figure is defined for experiment {name!r}; known: {sorted(FIGURES)}")
  return importlib.import_module(f"fourier_nn.plotting.{FIGURES[name]}").figure(rec)
