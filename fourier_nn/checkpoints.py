"""Checkpoints as orbax-checkpoint directories: only finalized saves count, every array is
checksummed, a damaged one is one line naming the path.

Layout of a checkpoint ``<workdir>/<stem>.orbax/``::

  step_<N>/                          a finalized orbax save (N = chunks done), holding
                                     the arrays (a PyTree of NumPy arrays, OCDBT) and, in
                                     orbax's step metadata (``custom_metadata``), the run's
                                     meta: format, fingerprint, done_chunks, wall_time and
                                     each array's shape, dtype and CRC32
  step_<N>.orbax-checkpoint-tmp*     a save in progress (or killed half-way): never read,
                                     removed by `fileio.clean_leftovers` (before each
                                     save, and by `records.Workdir` when a run starts)

A save writes ``step_<N>`` through orbax (a temporary directory renamed when complete), then
removes the older steps: at most the latest finalized step is kept, plus the one being
written. `restore` reads the highest finalized step and checks every array against the meta
(orbax does not notice every damaged byte), so a resume is exact or refused.

Only the writer process saves (`sharding.is_writer`, process 0); orbax is told that it is the
only process taking part (``MultiprocessingOptions(primary_host=me, active_processes={me})``,
in orbax-checkpoint 0.11.24 and 0.12.x alike), so it never waits at a barrier for processes
that do not save. orbax is imported lazily (the neural-tangents env imports this package
without it) and its own logging and warnings are silenced around our calls.

Checkpoints of fourier_nn before orbax were ``.npz`` files: they are refused with one line
(`LegacyCheckpoint`) saying to delete them; they are not read.
"""
from __future__ import annotations

import contextlib
import logging as _pylogging
import os
import re
import shutil
import zlib
from typing import Any, Mapping

import numpy as np

from fourier_nn import fileio

STEP_PREFIX = "step_"
FORMAT = 1
_STEP_RE = re.compile(r"step_(\d+)")
_SEP = "/"


class CheckpointError(ValueError):
  """A checkpoint that cannot be used; the message is one line naming its path."""


class LegacyCheckpoint(CheckpointError):
  """An ``.npz`` checkpoint written by fourier_nn before checkpoints moved to orbax."""


def legacy_message(path: str) -> str:
  return (f"checkpoint {path} is an .npz checkpoint of an older fourier_nn; this version "
          "reads orbax checkpoints only: delete it and run without --resume")


def finalized_steps(path: str) -> list[int]:
  """Steps of the finalized saves in the checkpoint directory ``path``, ascending ([] when
  there is none, or ``path`` is no directory). orbax's temporary directories never count."""
  try:
    names = os.listdir(path)
  except (FileNotFoundError, NotADirectoryError):
    return []
  return sorted(int(m.group(1)) for n in names
                if (m := _STEP_RE.fullmatch(n)) and os.path.isdir(os.path.join(path, n)))


def exists(path: str) -> bool:
  """True when ``path`` holds a finalized save (or is a legacy file, refused on restore)."""
  return bool(finalized_steps(path)) or os.path.isfile(path)


def crc32(a: np.ndarray) -> int:
  return zlib.crc32(np.ascontiguousarray(a).tobytes())


class _DropOrbaxLogs(_pylogging.Filter):
  """Drops the records of orbax (and its helpers) while we save or restore: a failure
  becomes our own one-line `CheckpointError`, so their lines would only be noise."""

  def filter(self, record):
    name = record.pathname.replace(os.sep, "/")
    return not ("/orbax/" in name or "/etils/" in name or "/tensorstore/" in name)


@contextlib.contextmanager
def _quiet():
  import warnings
  loggers = [_pylogging.getLogger(n) for n in ("absl", "", "orbax", "etils")]
  filt = _DropOrbaxLogs()
  for lg in loggers:
    lg.addFilter(filt)
  try:
    with warnings.catch_warnings():
      warnings.simplefilter("ignore")
      yield
  finally:
    for lg in loggers:
      lg.removeFilter(filt)


def _checkpointer():
  """(orbax.checkpoint, a Checkpointer in which this process is the only one)."""
  with _quiet():  # the import and the constructors log their versions and settings
    import jax
    import orbax.checkpoint as ocp
    me = jax.process_index()
    mp = ocp.options.MultiprocessingOptions(primary_host=me, active_processes={me})
    return ocp, ocp.Checkpointer(ocp.PyTreeCheckpointHandler(multiprocessing_options=mp),
                                 multiprocessing_options=mp)


def _nest(flat: Mapping[str, np.ndarray]) -> dict[str, Any]:
  tree: dict[str, Any] = {}
  for key, value in flat.items():
    *parents, leaf = key.split(_SEP)
    node = tree
    for p in parents:
      node = node.setdefault(p, {})
    node[leaf] = value
  return tree


def save(path: str, arrays: Mapping[str, Any], step: int, meta: Mapping[str, Any]) -> None:
  """Saves ``arrays`` (flat names like ``"state/0"`` -> arrays) as finalized step ``step``
  of the checkpoint directory ``path``, with ``meta`` (JSON types) and each array's shape,
  dtype and CRC32; then removes the older steps. Call from the writer process only."""
  if os.path.isfile(path):
    raise LegacyCheckpoint(legacy_message(path))
  arrays = {k: np.asarray(v) for k, v in arrays.items()}
  record = {"format": FORMAT, **meta,
            "arrays": {k: {"shape": list(a.shape), "dtype": a.dtype.str, "crc32": crc32(a)}
                       for k, a in arrays.items()}}
  os.makedirs(path, exist_ok=True)
  fileio.clean_leftovers(path)  # a save killed half-way: orbax's tmp directory
  target = os.path.join(path, f"{STEP_PREFIX}{int(step)}")
  if os.path.isdir(target):  # the same step again (a repeated final save): replace it
    shutil.rmtree(target)
  ocp, ckptr = _checkpointer()
  with _quiet():
    # orbax refuses zero-size arrays: those live in the meta alone (shape and dtype)
    ckptr.save(target, args=ocp.args.PyTreeSave(_nest({k: a for k, a in arrays.items()
                                                       if a.size})),
               custom_metadata=record)
    ckptr.close()
  for s in finalized_steps(path):
    if s != int(step):
      shutil.rmtree(os.path.join(path, f"{STEP_PREFIX}{s}"), ignore_errors=True)


def restore(path: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
  """(flat arrays, meta) of the latest finalized step of ``path``, verified.

  Raises:
    LegacyCheckpoint: ``path`` is a file (an .npz checkpoint of an older version).
    CheckpointError: no finalized step, or a missing, truncated, zero-byte or damaged file
      (orbax's error, or a shape, dtype or CRC32 that differs from the meta); one line
      naming the path.
  """
  if os.path.isfile(path):
    raise LegacyCheckpoint(legacy_message(path))
  steps = finalized_steps(path)
  if not steps:
    raise CheckpointError(f"checkpoint {path} holds no finalized save; delete it to start "
                          "afresh")
  step_dir = os.path.join(path, f"{STEP_PREFIX}{steps[-1]}")

  def damaged(why: str) -> CheckpointError:
    why = " ".join(str(why).split())[:200]
    return CheckpointError(f"checkpoint {step_dir} cannot be read ({why}: it is truncated "
                           "or damaged); delete it to start afresh")

  ocp, ckptr = _checkpointer()
  try:
    with _quiet():
      meta = ckptr.metadata(step_dir).custom_metadata
  except Exception as e:  # orbax raises many types for a damaged directory
    raise damaged(type(e).__name__) from None
  if not isinstance(meta, Mapping) or meta.get("format") != FORMAT or not isinstance(
      meta.get("arrays"), Mapping):
    raise damaged("its meta is missing or not fourier_nn's")
  specs = meta["arrays"]
  try:
    restore_args = _nest({k: ocp.RestoreArgs(restore_type=np.ndarray) for k, spec in
                          specs.items() if np.prod(spec["shape"], dtype=np.int64)})
    with _quiet():
      tree = ckptr.restore(step_dir, args=ocp.args.PyTreeRestore(restore_args=restore_args))
  except Exception as e:
    raise damaged(type(e).__name__) from None
  finally:
    ckptr.close()
  flat: dict[str, np.ndarray] = {}

  def walk(node, prefix):
    for k, v in node.items():
      key = f"{prefix}{_SEP}{k}" if prefix else str(k)
      if isinstance(v, Mapping):
        walk(v, key)
      else:
        flat[key] = np.asarray(v)

  walk(tree, "")
  for k, spec in specs.items():  # the zero-size arrays, kept in the meta only
    if k not in flat and not np.prod(spec["shape"], dtype=np.int64):
      flat[k] = np.empty(spec["shape"], np.dtype(spec["dtype"]))
  if set(flat) != set(specs):
    raise damaged("its arrays differ from its meta")
  for k, spec in specs.items():
    a = flat[k]
    if (list(a.shape) != spec.get("shape") or a.dtype.str != spec.get("dtype")
        or crc32(a) != spec.get("crc32")):
      raise damaged(f"array {k!r} does not match its checksum")
  return flat, {k: v for k, v in meta.items() if k != "arrays"}
