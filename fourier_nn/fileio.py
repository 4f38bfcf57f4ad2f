"""Atomic file writes: a file is either the old complete one or the new complete one.

Every writer here puts the bytes into a temp file ``.tmp-*`` in the destination's own
directory (same filesystem, so the rename is atomic), fsyncs it, makes it 0644 and moves it
over the destination with `os.replace`. If anything fails — or the process is interrupted —
before the rename, the temp file is removed and the destination is untouched. A process
killed outright (SIGKILL, power loss) can leave a ``.tmp-*`` file, never a half-written
destination; `clean_leftovers` removes such files (and the ``.staging-*`` directories of
`fourier_nn.records`, and orbax's temporary directories of a checkpoint save killed
half-way, `fourier_nn.checkpoints`).

Used by `records` (record files), `train` (checkpoints), `plotting` and ``scripts/plot.py``
(figures) and the benchmarks (result files). Depends on numpy only, so it also imports in
the pinned neural-tangents environment.
"""
from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from typing import Any, Callable, Mapping

import numpy as np

TMP_PREFIX = ".tmp-"          # temp files of the writers below
STAGING_PREFIX = ".staging-"  # staging directories of records.Workdir / save_record
PROBE_PREFIX = ".probe-"      # writability probes of records.check_writable
# orbax's directory of a save in progress, next to its final name: <name>.orbax-checkpoint-tmp
# in orbax-checkpoint 0.11.24 and 0.12.8 (atomicity._get_tmp_directory); orbax's docstrings
# and its step-naming helpers also show <name>.orbax-checkpoint-tmp-<timestamp>
ORBAX_TMP_MARK = ".orbax-checkpoint-tmp"
CHECKPOINT_DIR_SUFFIX = ".orbax"  # fourier_nn.checkpoints: a checkpoint directory
FIGURE_FORMATS = ("png", "pdf", "svg")


def write_bytes_atomic(path: str, data: bytes) -> None:
  """Writes ``data`` to ``path`` atomically (temp file + fsync + os.replace, mode 0644).

  The directory of ``path`` must exist. On any failure the previous file at ``path`` (if
  any) is left as it was and no temp file remains.
  """
  d = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(dir=d, prefix=TMP_PREFIX)
  try:
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; records and figures are meant to be shared
    with os.fdopen(fd, "wb") as f:
      fd = None
      f.write(data)
      f.flush()
      os.fsync(f.fileno())
    os.replace(tmp, path)
  except BaseException:
    if fd is not None:
      os.close(fd)
    if os.path.exists(tmp):
      os.remove(tmp)
    raise


def write_text_atomic(path: str, text: str) -> None:
  """`write_bytes_atomic` of ``text`` encoded as UTF-8."""
  write_bytes_atomic(path, text.encode("utf-8"))


def savez_atomic(path: str, arrays: Mapping[str, Any]) -> None:
  """``np.savez(path, **arrays)`` atomically; values go through `np.asarray`.

  The archive is built in memory, then written with `write_bytes_atomic`, so ``path`` is
  used exactly as given (no ``.npz`` is appended).
  """
  buf = io.BytesIO()
  np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
  write_bytes_atomic(path, buf.getvalue())


def to_jsonable(x: Any) -> Any:
  """Converts numpy scalars/arrays, tuples and ConfigDicts to plain JSON types.

  Non-finite floats become None (JSON has no NaN; null reads as "not reached"). Objects it
  does not know are returned unchanged (``json.dumps`` then decides).
  """
  if isinstance(x, Mapping):
    return {str(k): to_jsonable(v) for k, v in x.items()}
  if isinstance(x, (list, tuple)):
    return [to_jsonable(v) for v in x]
  if isinstance(x, np.ndarray):
    return to_jsonable(x.tolist())
  if isinstance(x, (bool, np.bool_)):
    return bool(x)
  if isinstance(x, (np.floating, float)):
    x = float(x)
    return x if math.isfinite(x) else None
  if isinstance(x, np.integer):
    return int(x)
  if hasattr(x, "to_dict"):  # ml_collections.ConfigDict
    return to_jsonable(x.to_dict())
  return x


def write_json_atomic(path: str, obj: Any, *, indent: int | None = 2,
                      default: Callable[[Any], Any] | None = None) -> None:
  """Writes ``to_jsonable(obj)`` as strict JSON (NaN -> null) plus a newline, atomically.

  Args:
    path: destination file.
    obj: anything `to_jsonable` turns into JSON types.
    indent: ``json.dumps`` indent.
    default: ``json.dumps`` fallback for objects that remain unknown (e.g. ``str``).
  """
  text = json.dumps(to_jsonable(obj), indent=indent, default=default, allow_nan=False)
  write_text_atomic(path, text + "\n")


def savefig_atomic(fig, path: str, **kwargs) -> str:
  """Saves a Matplotlib figure atomically; the format comes from the suffix of ``path``.

  Args:
    fig: a ``matplotlib.figure.Figure``.
    path: destination ending in .png, .pdf or .svg.
    **kwargs: passed to ``fig.savefig`` (e.g. ``bbox_inches="tight"``, ``dpi``).

  Returns:
    ``path``.

  Raises:
    ValueError: the suffix is not a supported format (one line).
  """
  fmt = os.path.splitext(path)[1].lower().lstrip(".")
  if fmt not in FIGURE_FORMATS:
    raise ValueError(f"cannot save a figure to {path!r}: the suffix must be one of "
                     f"{', '.join('.' + f for f in FIGURE_FORMATS)}")
  kwargs.pop("format", None)
  buf = io.BytesIO()
  fig.savefig(buf, format=fmt, **kwargs)
  write_bytes_atomic(path, buf.getvalue())
  return path


def clean_leftovers(directory: str) -> list[str]:
  """Removes what killed writers left in ``directory`` (not recursive).

  That is: ``.tmp-*`` and ``.probe-*`` files and ``.staging-*`` directories. Nothing else
  is touched. Meant to be called by the one process that owns ``directory`` (a workdir)
  before it writes there; a missing directory is fine.

  Returns:
    The names removed, sorted.
  """
  try:
    names = os.listdir(directory)
  except FileNotFoundError:
    return []
  removed = []
  for name in sorted(names):
    p = os.path.join(directory, name)
    real_dir = os.path.isdir(p) and not os.path.islink(p)
    if (name.startswith(STAGING_PREFIX) or ORBAX_TMP_MARK in name) and real_dir:
      shutil.rmtree(p, ignore_errors=True)
      removed.append(name)
    elif name.endswith(CHECKPOINT_DIR_SUFFIX) and real_dir:
      removed += [f"{name}/{n}" for n in clean_leftovers(p)]
    elif name.startswith((TMP_PREFIX, PROBE_PREFIX)) and (os.path.isfile(p) or
                                                          os.path.islink(p)):
      os.remove(p)
      removed.append(name)
  return removed
