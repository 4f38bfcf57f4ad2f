"""A run's record on disk — complete or absent, never half-written — and the workdir that
owns it.

Layout of a record directory::

  config.json     the resolved config (first, as big_vision's metric writer does)
  metrics.jsonl   one JSON object per log step
  arrays.npz      named arrays, seed axis first (e.g. amplitudes[seed, log_step, freq])
  summary.json    the run's headline numbers
  params.npz      (schema 2, optional) final params of every seed: the params pytree
                  flattened to keys like "params/Dense_0/kernel", each leaf [S, ...]
  record.json     manifest written LAST: schema_version, file names, sizes, sha256, and
                  (schema 3) every array's shape and dtype

Every file is first written into a private staging directory inside the workdir and moved
into place with `os.replace`; the manifest is removed before and written after the moves.
`load_record` accepts a directory only if its manifest exists and every file matches it, so
a crash at any point leaves either the previous complete record or none. Schema-1 records
(no params.npz) still load; their ``Record.params`` is None. Reading names the file and
what is wrong with it (not JSON, not a zip, an array whose shape or dtype differs from the
manifest, a foreign file that is no record manifest), as one `RecordError` (a ValueError);
a figure that asks a loaded record for an array, summary or config key it does not hold
gets a `MissingKey` naming the file and the keys it does hold.

`Workdir` is the one object an experiment driver uses: it validates the directory (refuses
to overwrite a record unless asked to), cleans what killed runs left, names the checkpoint
directories (orbax, `fourier_nn.checkpoints`), writes the record and then removes the
checkpoints. Low-level atomic writes live in
`fourier_nn.fileio`; ``atomic_savez``/``atomic_write_text`` here are aliases kept for old
callers.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Iterable, Mapping

import numpy as np

from fourier_nn import fileio

MANIFEST = "record.json"
FILES = ("config.json", "metrics.jsonl", "arrays.npz", "summary.json")  # in every record
PARAMS_FILE = "params.npz"  # schema >= 2, only when params were given
SCHEMA_VERSION = 3  # 3: the manifest lists every array's shape and dtype
READABLE_SCHEMAS = (1, 2, 3)
# Entries of a workdir that are checkpoints (removed by `Workdir` when a run starts afresh
# and after the record is written): orbax checkpoint directories (fourier_nn.checkpoints),
# and the .npz checkpoint files of versions before orbax ("group_*.npz": the finished-group
# files of older ntk_circle runs), which are removed but never resumed from.
CHECKPOINT_PATTERNS = ("checkpoint*" + fileio.CHECKPOINT_DIR_SUFFIX,)
LEGACY_CHECKPOINT_PATTERNS = ("checkpoint*.npz", "group_*.npz")
LIVE_METRICS = "metrics.live.jsonl"
RUN_CONFIG = "checkpoint_config.json"  # the config of the run the checkpoints belong to
# Keys that do not change a run's numbers: a resume may change them.
RESUME_NEUTRAL_KEYS = ("checkpoint_every",)
PROVENANCE_FILE = "provenance.json"  # written by Workdir.save: versions, commit, devices
_SEP = "/"

# Kept for existing callers; the implementations live in `fileio`.
_to_jsonable = fileio.to_jsonable
atomic_savez = fileio.savez_atomic
atomic_write_text = fileio.write_text_atomic


def dumps(x: Any) -> str:
  return json.dumps(fileio.to_jsonable(x), sort_keys=False)


def check_writable(workdir: str) -> str:
  """Creates ``workdir`` if needed and proves it is writable; returns its absolute path.

  If the check fails, every directory it created is removed again: a failed check leaves
  nothing new on disk.

  Raises:
    ValueError: with one line naming the directory and the reason.
  """
  path = os.path.abspath(os.path.expanduser(workdir))
  missing = []  # directories this call would create, deepest first
  d = path
  while not os.path.lexists(d) and os.path.dirname(d) != d:
    missing.append(d)
    d = os.path.dirname(d)
  try:
    os.makedirs(path, exist_ok=True)
    fd, probe = tempfile.mkstemp(dir=path, prefix=fileio.PROBE_PREFIX)
    os.close(fd)
    os.remove(probe)
  except OSError as e:
    for m in missing:
      try:
        os.rmdir(m)
      except OSError:
        pass
    if os.path.isfile(path):
      reason = "it is a file, not a directory"
    else:
      reason = e.strerror or str(e)
    raise ValueError(f"workdir={workdir!r} is not writable: {reason}") from None
  return path


def _sha256(path: str) -> str:
  h = hashlib.sha256()
  with open(path, "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
      h.update(block)
  return h.hexdigest()


# ----------------------------------------------------------------------------- params


def flatten_params(params: Mapping[str, Any], *, seed_axis: bool = True) -> dict[str, np.ndarray]:
  """Flattens a nested-dict params pytree (Flax style) to ``{"a/b/c": array}``.

  Args:
    params: nested mappings with str keys (no "/" in them) and array leaves, e.g. the
      ``History.params`` of `train.train_seeds`: ``{"params": {"Dense_0": {"kernel":
      [S, din, dout], "bias": [S, dout]}, ...}}``.
    seed_axis: require every leaf to have the same leading (seed) axis length.

  Returns:
    Flat dict of numpy arrays; `unflatten_params` inverts it. Empty sub-dicts are dropped.

  Raises:
    ValueError / TypeError: one line naming the offending key.
  """
  flat: dict[str, np.ndarray] = {}

  def walk(node, prefix):
    for k, v in node.items():
      if not isinstance(k, str) or not k or _SEP in k:
        raise ValueError(f"params key {k!r} at {prefix or '<root>'!r}: keys must be "
                         f"non-empty strings without {_SEP!r}")
      key = prefix + _SEP + k if prefix else k
      if isinstance(v, Mapping):
        walk(v, key)
      elif isinstance(v, (list, tuple)) or v is None:
        raise TypeError(f"params leaf {key!r} is a {type(v).__name__}: params must be "
                        "nested dicts of arrays")
      else:
        flat[key] = np.asarray(v)

  if not isinstance(params, Mapping):
    raise TypeError(f"params must be a nested dict of arrays, got {type(params).__name__}")
  walk(params, "")
  if not flat:
    raise ValueError("params has no arrays")
  if seed_axis:
    lead = {k: (a.shape[0] if a.ndim else None) for k, a in flat.items()}
    if len(set(lead.values())) != 1 or None in lead.values():
      raise ValueError("params leaves must all have the seed axis first (same leading "
                       f"size); got leading sizes {lead}")
  return flat


def unflatten_params(flat: Mapping[str, np.ndarray]) -> dict[str, Any]:
  """Inverse of `flatten_params`: ``{"a/b/c": x}`` -> ``{"a": {"b": {"c": x}}}``."""
  tree: dict[str, Any] = {}
  for key in sorted(flat):
    *parents, leaf = key.split(_SEP)
    node = tree
    for p in parents:
      node = node.setdefault(p, {})
    node[leaf] = flat[key]
  return tree


# ----------------------------------------------------------------------------- writing


def _write_record(path: str, config: Any, metrics: Iterable[Mapping[str, Any]],
                  arrays: Mapping[str, np.ndarray], summary: Mapping[str, Any],
                  params: Mapping[str, Any] | None,
                  provenance_info: Mapping[str, Any] | None = None) -> str:
  """Writes a record into the existing, writable directory ``path`` (module doc)."""
  flat_params = None if params is None else flatten_params(params)
  staging = tempfile.mkdtemp(dir=path, prefix=fileio.STAGING_PREFIX)
  try:
    with open(os.path.join(staging, "config.json"), "w") as f:
      f.write(json.dumps(fileio.to_jsonable(config), indent=2) + "\n")
    with open(os.path.join(staging, "metrics.jsonl"), "w") as f:
      for row in metrics:
        f.write(dumps(row) + "\n")
    np.savez(os.path.join(staging, "arrays.npz"), **{k: np.asarray(v) for k, v in arrays.items()})
    with open(os.path.join(staging, "summary.json"), "w") as f:
      f.write(json.dumps(fileio.to_jsonable(summary), indent=2) + "\n")
    names = list(FILES)
    if flat_params is not None:
      np.savez(os.path.join(staging, PARAMS_FILE), **flat_params)
      names.append(PARAMS_FILE)
    if provenance_info is not None:
      with open(os.path.join(staging, PROVENANCE_FILE), "w") as f:
        f.write(json.dumps(fileio.to_jsonable(provenance_info), indent=2) + "\n")
      names.append(PROVENANCE_FILE)
    for name in names:
      with open(os.path.join(staging, name), "rb+") as f:
        os.fsync(f.fileno())
    manifest = {"schema_version": SCHEMA_VERSION,
                "files": {n: {"bytes": os.path.getsize(os.path.join(staging, n)),
                              "sha256": _sha256(os.path.join(staging, n))} for n in names},
                "arrays": {k: {"shape": list(np.shape(v)), "dtype": np.asarray(v).dtype.str}
                           for k, v in arrays.items()}}
    # From here the old record (if any) stops being valid until the new manifest lands.
    if os.path.exists(os.path.join(path, MANIFEST)):
      os.remove(os.path.join(path, MANIFEST))
    for name in names:
      os.replace(os.path.join(staging, name), os.path.join(path, name))
    for optional in (PARAMS_FILE, PROVENANCE_FILE):  # the previous record's, not this one's
      if optional not in names and os.path.exists(os.path.join(path, optional)):
        os.remove(os.path.join(path, optional))
    fileio.write_text_atomic(os.path.join(path, MANIFEST), json.dumps(manifest, indent=2) + "\n")
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return path


def save_record(workdir: str, config: Any, metrics: Iterable[Mapping[str, Any]],
                arrays: Mapping[str, np.ndarray], summary: Mapping[str, Any],
                params: Mapping[str, Any] | None = None) -> str:
  """Writes a complete record into ``workdir`` (see module doc); returns the directory.

  Prefer `Workdir.save`, which also refuses to clobber a record and removes checkpoints.

  Args:
    workdir: directory (created if needed).
    config: the resolved config (ConfigDict or dict).
    metrics: one mapping per log step.
    arrays: named arrays, seed axis first.
    summary: headline numbers.
    params: optional final params pytree, leaves [S, ...] (see `flatten_params`).
  """
  path = check_writable(workdir)
  return _write_record(path, config, metrics, arrays, summary, params)


# ----------------------------------------------------------------------------- reading


@dataclasses.dataclass
class Record:
  """A loaded record; everything is loaded eagerly.

  Attributes:
    workdir: the directory it was loaded from.
    config: config.json.
    metrics: metrics.jsonl, one dict per log step.
    arrays: arrays.npz as a dict of numpy arrays (seed axis first).
    summary: summary.json.
    params: final params of every seed as a nested dict of numpy arrays, leaves [S, ...]
      (``jax.tree.map(lambda a: a[i], rec.params)`` is seed i's params for
      ``model.apply``); None for schema-1 records and records saved without params.
    provenance: provenance.json (`provenance`: versions, git commit, devices, matmul
      precision, wall time) of records written by `Workdir.save`; None otherwise.
  """

  workdir: str
  config: dict
  metrics: list[dict]
  arrays: dict[str, np.ndarray]
  summary: dict
  params: dict | None = None
  provenance: dict | None = None


def has_record(workdir: str) -> bool:
  """True if ``workdir`` holds a record's manifest (a record was completed there)."""
  return os.path.exists(os.path.join(workdir, MANIFEST))


class RecordError(ValueError):
  """A record file that cannot be read as what the manifest says it is (names the file)."""


class MissingKey(KeyError, ValueError):
  """A key a loaded record does not hold; the message names the file and what it holds."""

  def __str__(self) -> str:  # KeyError would quote the message
    return str(self.args[0]) if self.args else ""


class _Section(dict):
  """A dict read from one record file: a missing key raises `MissingKey` naming the file."""

  def __init__(self, data: Mapping[str, Any], path: str):
    super().__init__({k: _Section(v, path) if type(v) is dict else v for k, v in data.items()})
    self._path = path

  def __missing__(self, key):
    held = ", ".join(sorted(map(str, self))[:20]) + (", …" if len(self) > 20 else "")
    raise MissingKey(f"{self._path} has no {key!r} (it holds: {held or 'nothing'}); "
                     "is it a record of another experiment or an older fourier_nn?")

  def __reduce__(self):  # pickles and deep-copies as a plain dict
    return (dict, (dict(self),))


def _read_json(path: str, what: str = "JSON", lines: bool = False) -> Any:
  try:
    with open(path) as f:
      if lines:
        return [json.loads(line) for line in f if line.strip()]
      return json.load(f)
  except (json.JSONDecodeError, UnicodeDecodeError) as e:
    raise RecordError(f"{path}: not valid {what} ({e})") from None


def _read_npz(path: str) -> dict[str, np.ndarray]:
  import zipfile
  try:
    with np.load(path, allow_pickle=False) as z:
      return {k: z[k] for k in z.files}
  except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
    raise RecordError(f"{path}: not a readable .npz archive ({type(e).__name__}: {e})") from None


def _read_manifest(workdir: str) -> dict:
  man_path = os.path.join(workdir, MANIFEST)
  if not os.path.exists(man_path):
    raise FileNotFoundError(f"no complete record in {workdir!r} (missing {MANIFEST})")
  manifest = _read_json(man_path, "JSON (a record manifest)")
  files = manifest.get("files") if isinstance(manifest, dict) else None
  if not isinstance(files, dict) or not all(
      isinstance(m, dict) and {"bytes", "sha256"} <= set(m) for m in files.values()):
    raise RecordError(f"{man_path}: not a fourier_nn record manifest (needs 'schema_version' "
                      "and 'files' with bytes and sha256 per file)")
  version = manifest.get("schema_version")
  if version not in READABLE_SCHEMAS:
    raise RecordError(f"record in {workdir!r} has schema_version={version!r}; this fourier_nn "
                      f"reads {list(READABLE_SCHEMAS)}")
  missing = [n for n in FILES if n not in files]
  if missing:
    raise RecordError(f"{man_path}: the manifest lists no {', '.join(missing)}")
  return manifest


def _check_file(workdir: str, name: str, meta: Mapping[str, Any], verify: bool) -> str:
  p = os.path.join(workdir, name)
  if not os.path.exists(p):
    raise RecordError(f"record in {workdir!r} is inconsistent: {name} is missing")
  if os.path.getsize(p) != meta["bytes"] or (verify and _sha256(p) != meta["sha256"]):
    raise RecordError(f"record in {workdir!r} is inconsistent: {name} does not match "
                      f"{MANIFEST} (size {os.path.getsize(p)} vs {meta['bytes']} bytes, or "
                      "its checksum: modified or truncated after writing)")
  return p


def _check_arrays(path: str, arrays: Mapping[str, np.ndarray], expected: Mapping[str, Any]):
  """Schema 3: the arrays are exactly those the manifest lists, with its shapes and dtypes."""
  if set(arrays) != set(expected):
    extra, lost = sorted(set(arrays) - set(expected)), sorted(set(expected) - set(arrays))
    raise RecordError(f"{path}: arrays differ from {MANIFEST} (missing {lost}, unexpected "
                      f"{extra})")
  for k, meta in expected.items():
    a = arrays[k]
    if list(a.shape) != list(meta["shape"]) or a.dtype.str != meta["dtype"]:
      raise RecordError(f"{path}: array {k!r} has shape {list(a.shape)} {a.dtype.str}; "
                        f"{MANIFEST} says {list(meta['shape'])} {meta['dtype']}")


def _read_params(path: str) -> dict[str, Any]:
  return unflatten_params(_read_npz(path))


def load_record(workdir: str, verify: bool = True) -> Record:
  """Loads the record in ``workdir`` (schema 1, 2 or 3).

  Raises:
    FileNotFoundError: no complete record there (no manifest: never written or interrupted).
    RecordError (a ValueError): a file does not match the manifest (modified or truncated
      after writing), cannot be parsed, or holds arrays of other shapes than the manifest
      lists; a foreign manifest; an unknown schema version. The message names the file.
  """
  manifest = _read_manifest(workdir)
  for name, meta in manifest["files"].items():
    _check_file(workdir, name, meta, verify)
  path = lambda name: os.path.join(workdir, name)  # noqa: E731
  config = _read_json(path("config.json"))
  metrics = _read_json(path("metrics.jsonl"), "JSON lines", lines=True)
  arrays = _read_npz(path("arrays.npz"))
  summary = _read_json(path("summary.json"))
  for name, obj in (("config.json", config), ("summary.json", summary)):
    if not isinstance(obj, dict):
      raise RecordError(f"{path(name)}: expected a JSON object, found {type(obj).__name__}")
  if "arrays" in manifest:
    _check_arrays(path("arrays.npz"), arrays, manifest["arrays"])
  params = (_read_params(path(PARAMS_FILE)) if PARAMS_FILE in manifest["files"] else None)
  prov = None
  if PROVENANCE_FILE in manifest["files"]:
    prov = _read_json(path(PROVENANCE_FILE))
  return Record(workdir=workdir, config=_Section(config, path("config.json")),
                metrics=metrics, arrays=_Section(arrays, path("arrays.npz")),
                summary=_Section(summary, path("summary.json")), params=params,
                provenance=prov)


def load_params(workdir_or_record: str | os.PathLike | Record, verify: bool = True) -> dict:
  """The final params of every seed: a nested dict of numpy arrays, leaves [S, ...].

  Reads only the manifest and params.npz when given a directory.

  Raises:
    FileNotFoundError: no complete record, or the record holds no params (schema 1, or
      saved without ``params``).
    ValueError: params.npz does not match the manifest.
  """
  if isinstance(workdir_or_record, Record):
    if workdir_or_record.params is None:
      raise FileNotFoundError(f"record in {workdir_or_record.workdir!r} holds no params "
                              "(written before schema 2, or without params)")
    return workdir_or_record.params
  workdir = os.fspath(workdir_or_record)
  manifest = _read_manifest(workdir)
  meta = manifest["files"].get(PARAMS_FILE)
  if meta is None:
    raise FileNotFoundError(f"record in {workdir!r} holds no params "
                            "(written before schema 2, or without params)")
  return _read_params(_check_file(workdir, PARAMS_FILE, meta, verify))


# ----------------------------------------------------------------------------- workdir


def _flat_config(config: Any, prefix: str = "") -> dict[str, Any]:
  out = {}
  for k, v in fileio.to_jsonable(config).items():
    if isinstance(v, dict):
      out.update(_flat_config(v, f"{prefix}{k}."))
    else:
      out[f"{prefix}{k}"] = v
  return out


def _check_same_run(directory: str, config: Any) -> None:
  """A resume continues only the run its checkpoints came from: same config, key by key
  (but for `RESUME_NEUTRAL_KEYS`); one line naming the differing keys otherwise."""
  path = os.path.join(directory, RUN_CONFIG)
  if not os.path.exists(path):
    raise ValueError(f"workdir={directory!r}: the checkpoints have no {RUN_CONFIG}, so "
                     "--resume cannot prove they are this run's; run without --resume")
  with open(path) as f:
    old = _flat_config(json.load(f))
  new = _flat_config(config)
  diff = sorted(k for k in set(old) | set(new)
                if k not in RESUME_NEUTRAL_KEYS and old.get(k, "<absent>") != new.get(k, "<absent>"))
  if diff:
    shown = ", ".join(f"{k}: {old.get(k, '<absent>')!r} -> {new.get(k, '<absent>')!r}"
                      for k in diff[:4]) + (", ..." if len(diff) > 4 else "")
    raise ValueError(f"--resume refused: the config differs from the checkpointed run in "
                     f"{len(diff)} key(s) ({shown}); resume with the same config or run "
                     "without --resume")


def _checkpoints_in(directory: str, legacy: bool = True) -> list[str]:
  """Checkpoints of ``directory``: the directories named like `CHECKPOINT_PATTERNS` and
  (``legacy``) the files named like `LEGACY_CHECKPOINT_PATTERNS`."""
  try:
    names = os.listdir(directory)
  except (FileNotFoundError, NotADirectoryError):
    return []
  out = []
  for n in names:
    p = os.path.join(directory, n)
    if any(fnmatch.fnmatchcase(n, pat) for pat in CHECKPOINT_PATTERNS):
      if os.path.isdir(p) and not os.path.islink(p):
        out.append(p)
    elif legacy and any(fnmatch.fnmatchcase(n, pat) for pat in LEGACY_CHECKPOINT_PATTERNS):
      if os.path.isfile(p):
        out.append(p)
  return out


def _check_resumable(directory: str, path: str) -> None:
  """--resume needs a finalized orbax save; an .npz of an older version is refused."""
  from fourier_nn import checkpoints
  if any(checkpoints.finalized_steps(p) for p in _checkpoints_in(directory, legacy=False)):
    return
  legacy = sorted(p for p in _checkpoints_in(directory) if os.path.isfile(p))
  if legacy:
    raise ValueError(checkpoints.legacy_message(legacy[0]))
  raise ValueError(f"workdir={path!r} has no checkpoint to resume from; run without "
                   "--resume")


class AllDiverged(ValueError):
  """Raised by `Workdir.save` after writing a record in which every seed diverged: the
  run is kept for inspection, but it did not succeed (the scripts exit non-zero)."""


def _is_writer() -> bool:
  from fourier_nn import sharding
  return sharding.is_writer()


def _sync_processes(name: str) -> None:
  """A barrier across the processes of a multi-process run (nothing with one)."""
  if "jax" in sys.modules:
    import jax
    if jax.process_count() > 1:
      from jax.experimental import multihost_utils
      multihost_utils.sync_global_devices(f"fourier_nn.records.{name}")


class Workdir:
  """The directory of one run: it owns the record and the checkpoints in it.

  Construction validates and prepares the directory, in this order (a failed check leaves
  nothing new on disk):

  1. ``path`` must be a non-empty string; it must not already hold a record unless
     ``overwrite`` or ``resume`` is given (the old record stays valid until `save` replaces
     it atomically);
  2. it is created if needed and proven writable;
  3. what killed runs left is removed (``.tmp-*``, ``.probe-*``, ``.staging-*``, orbax's
     ``*.orbax-checkpoint-tmp*`` directories of a save killed half-way);
  4. unless ``resume``, old checkpoints (`CHECKPOINT_PATTERNS` directories and the .npz
     files of `LEGACY_CHECKPOINT_PATTERNS`) are removed, so a fresh run never picks up a
     stale state. With ``resume`` they are kept, and there must be a finalized orbax save
     (else one line: nothing to resume from, or an .npz of an older version to delete).

  Typical use in an experiment driver::

    wd = records.Workdir(workdir, resume=resume, overwrite=overwrite)
    hist = train.train_seeds(..., checkpoint_path=wd.checkpoint_path())
    return wd.save(config, metrics, arrays, summary, params=hist.params)

  Attributes:
    path: absolute path of the directory.
    resume: as given.
    overwrite: as given.

  Raises (from the constructor):
    ValueError: one line — empty path, an existing record without overwrite/resume, or not
      writable.
  """

  def __init__(self, path: str | os.PathLike, *, resume: bool = False,
               overwrite: bool = False, tensorboard: bool = False, config: Any = None):
    if isinstance(path, os.PathLike):
      path = os.fspath(path)
    if not isinstance(path, str) or not path.strip():
      raise ValueError(f"workdir={path!r} is invalid: give a directory path")
    absolute = os.path.abspath(os.path.expanduser(path))
    if not (overwrite or resume) and has_record(absolute):
      raise ValueError(f"workdir={path!r} already holds a record; pass --overwrite to "
                       "replace it (or choose another --workdir)")
    if resume:
      _check_resumable(absolute, path)
    if resume and config is not None:
      _check_same_run(absolute, config)
    # In a multi-process run only process 0 writes; the others read (resume) and
    # compute the same numbers (sharding.py).
    self.writes = _is_writer()
    self.path = check_writable(path) if self.writes else absolute
    self.resume = bool(resume)
    self.overwrite = bool(overwrite)
    self.tensorboard = bool(tensorboard)
    self._t0 = time.time()
    self._monitors: list[LiveMetrics] = []
    self._registered: set[str] = set()
    if not self.writes:
      _sync_processes("workdir")  # process 0 has cleaned and removed stale checkpoints
      return
    fileio.clean_leftovers(self.path)
    if not self.resume:
      self.remove_checkpoints()
      live = os.path.join(self.path, LIVE_METRICS)
      if os.path.exists(live):
        os.remove(live)
      if config is not None:  # what a later --resume must match
        fileio.write_json_atomic(os.path.join(self.path, RUN_CONFIG), config)
    _sync_processes("workdir")

  def __repr__(self) -> str:
    return f"Workdir({self.path!r}, resume={self.resume}, overwrite={self.overwrite})"

  def __fspath__(self) -> str:
    return self.path

  def checkpoint_path(self, name: str = "checkpoint") -> str:
    """Path of a checkpoint directory in this workdir, ``<path>/<name>.orbax`` (an orbax
    checkpoint, `fourier_nn.checkpoints`); registers it.

    Args:
      name: a stem starting with "checkpoint" (e.g. "checkpoint", "checkpoint_group3",
        "checkpoint_group3_done"), so that a later run finds it by `CHECKPOINT_PATTERNS`;
        a trailing ".orbax" (or the ".npz" of older callers) is accepted.

    Raises:
      ValueError: the name does not follow the convention.
    """
    stem = name
    for suffix in (fileio.CHECKPOINT_DIR_SUFFIX, ".npz"):
      stem = stem[:-len(suffix)] if stem.endswith(suffix) else stem
    if (not stem.startswith("checkpoint") or os.sep in stem or "/" in stem
        or (os.altsep and os.altsep in stem)):
      raise ValueError(f"checkpoint name {name!r} must be a file stem starting with "
                       "'checkpoint'")
    p = os.path.join(self.path, stem + fileio.CHECKPOINT_DIR_SUFFIX)
    self._registered.add(p)
    return p

  def checkpoint_files(self) -> list[str]:
    """Absolute paths of the checkpoints now in the workdir (registered, or matching
    `CHECKPOINT_PATTERNS` / `LEGACY_CHECKPOINT_PATTERNS`): directories, and .npz files of
    older versions; sorted."""
    found = {p for p in self._registered if os.path.isdir(p)}
    return sorted(found | set(_checkpoints_in(self.path)))

  def has_checkpoint(self) -> bool:
    """True if there is a checkpoint (directory, or legacy .npz) in the workdir."""
    return bool(self.checkpoint_files())

  def remove_checkpoints(self) -> list[str]:
    """Removes every checkpoint of the workdir (directories whole) and the config they
    belong to; returns the removed paths."""
    files = self.checkpoint_files()
    if os.path.exists(os.path.join(self.path, RUN_CONFIG)):
      files.append(os.path.join(self.path, RUN_CONFIG))
    for p in files:
      if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p, ignore_errors=True)
      elif os.path.lexists(p):
        os.remove(p)
    return files

  def has_record(self) -> bool:
    """True if the workdir holds a (completed) record."""
    return has_record(self.path)

  def save(self, config: Any, metrics: Iterable[Mapping[str, Any]],
           arrays: Mapping[str, np.ndarray], summary: Mapping[str, Any],
           params: Mapping[str, Any] | None = None) -> str:
    """Writes the record atomically (`save_record`), then removes every checkpoint.

    Args:
      config: the resolved config.
      metrics: one mapping per log step.
      arrays: named arrays, seed axis first.
      summary: headline numbers.
      params: final params of every seed (e.g. ``History.params``), leaves [S, ...];
        stored in params.npz, read back by `load_params` / ``Record.params``.

    Returns:
      The workdir's absolute path.

    Raises:
      AllDiverged: after writing, when ``arrays["diverged"]`` (the drivers' [S] flags) is
        true for every seed.
    """
    if self.writes:
      check_writable(self.path)
      _write_record(self.path, config, metrics, arrays, summary, params,
                    provenance(wall_time_s=time.time() - self._t0))
      self.remove_checkpoints()
      for mon in self._monitors:
        mon.close()
      live = os.path.join(self.path, LIVE_METRICS)
      if os.path.exists(live):
        os.remove(live)
    diverged = np.asarray(arrays.get("diverged", False), bool)
    if diverged.size and diverged.all():
      raise AllDiverged(f"every one of the {diverged.size} seeds/runs diverged (non-finite "
                        f"loss); the record is written to {self.path} — lower the learning "
                        "rate")
    return self.path

  def monitor(self) -> "LiveMetrics":
    """Metrics as the run goes, for ``train.train_seeds(monitor=...)``: one JSON line per
    log step in ``metrics.live.jsonl`` (replaced by the record's metrics.jsonl when it is
    saved) and, with ``tensorboard=True``, TensorBoard event files in ``tensorboard/``
    (written by tensorboardX, no TensorFlow needed; kept after the run)."""
    if not self.writes:
      return LiveMetrics(None)  # writes nothing
    mon = LiveMetrics(os.path.join(self.path, LIVE_METRICS),
                      os.path.join(self.path, "tensorboard") if self.tensorboard else None)
    self._monitors.append(mon)
    return mon


# ----------------------------------------------------------------------------- provenance


def provenance(**extra: Any) -> dict[str, Any]:
  """Where a result came from: versions, git commit, devices, precision, time.

  Python, jax, jaxlib, flax, optax, numpy, fourier_nn versions; the git commit of the
  fourier_nn checkout (and whether it had uncommitted changes) when it is one; the JAX
  backend, device kind and count, process count; the default matmul precision (TF32 is
  the accelerators' default unless set); host, UTC time; plus ``extra`` (wall time).
  """
  import importlib.metadata as md

  def version(pkg):
    try:
      return md.version(pkg)
    except md.PackageNotFoundError:
      return None

  import fourier_nn
  out: dict[str, Any] = {
      "python": platform.python_version(),
      **{pkg: version(pkg) for pkg in ("jax", "jaxlib", "flax", "optax", "numpy")},
      "fourier_nn": fourier_nn.__version__,
      "git_commit": None, "git_dirty": None,
      "host": platform.node(), "written_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                            time.gmtime()),
      "argv": list(sys.argv),
  }
  repo = os.path.dirname(os.path.dirname(os.path.abspath(fourier_nn.__file__)))
  try:
    commit = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True,
                            text=True, timeout=10)
    if commit.returncode == 0:
      out["git_commit"] = commit.stdout.strip()
      dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                             capture_output=True, text=True, timeout=10)
      out["git_dirty"] = bool(dirty.stdout.strip()) if dirty.returncode == 0 else None
  except (OSError, subprocess.SubprocessError):
    pass
  if "jax" in sys.modules:  # never import jax just for this
    import jax
    devices = jax.devices()
    out.update(backend=jax.default_backend(), device_kind=devices[0].device_kind,
               device_count=jax.device_count(), local_device_count=jax.local_device_count(),
               process_count=jax.process_count(),
               matmul_precision=str(jax.config.jax_default_matmul_precision))
  out.update(extra)
  return out


class LiveMetrics:
  """`Workdir.monitor`: the loss over seeds per log step, written as training goes."""

  def __init__(self, path: str, tensorboard_dir: str | None = None, tag: str = "loss"):
    self.path, self.tensorboard_dir, self.tag = path, tensorboard_dir, tag
    self._started = False
    self._writer = None

  def group(self, index: int) -> "LiveMetrics":
    """The same files, rows and scalars tagged with a group index (`train_in_groups`)."""
    if self.path is None:
      return self
    if not self._started:  # a new run: the first group starts the file afresh
      open(self.path, "w").close()
      self._started = True
    child = LiveMetrics(self.path, self.tensorboard_dir, f"group{index}/loss")
    child._started, child._writer = True, self._writer_or_none()
    return child

  def close(self) -> None:
    """Flushes and closes the TensorBoard writer (event files are complete after this)."""
    if self._writer is not None:
      self._writer.close()
      self._writer = None

  def _writer_or_none(self):
    if self.tensorboard_dir and self._writer is None:
      from tensorboardX import SummaryWriter
      self._writer = SummaryWriter(self.tensorboard_dir)
    return self._writer

  def start(self, steps, loss) -> None:
    """Rows for everything logged so far (a resume rewrites the file from them)."""
    mode = "a" if self._started else "w"
    self._started = True
    self._write(steps, loss, mode)

  def update(self, steps, loss) -> None:
    self._write(steps, loss, "a")

  def _write(self, steps, loss, mode: str) -> None:
    if self.path is None:  # a process other than 0 of a multi-process run
      return
    loss = np.asarray(loss, np.float64)
    rows = []
    writer = self._writer_or_none()
    for i, step in enumerate(np.asarray(steps)):
      col = loss[:, i]
      fin = col[np.isfinite(col)]
      stats = ({"mean": float(fin.mean()), "min": float(fin.min()), "max": float(fin.max())}
               if fin.size else {"mean": None, "min": None, "max": None})
      rows.append(fileio.to_jsonable({"step": int(step), "tag": self.tag,
                                      **{f"loss_{k}": v for k, v in stats.items()},
                                      "loss": col, "diverged": int((~np.isfinite(col)).sum())}))
      if writer is not None and fin.size:
        for k, v in stats.items():
          writer.add_scalar(f"{self.tag}/{k}", v, int(step))
    with open(self.path, mode) as f:
      for row in rows:
        f.write(json.dumps(row) + "\n")
      f.flush()
    if writer is not None:
      writer.flush()
