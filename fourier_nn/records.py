"""A run's record on disk — complete or absent, never half-written.

Layout of a record directory::

  config.json     the resolved config (first, as big_vision's metric writer does)
  metrics.jsonl   one JSON object per log step
  arrays.npz      named arrays, seed axis first (e.g. amplitudes[seed, log_step, freq])
  summary.json    the run's headline numbers
  record.json     manifest written LAST: file names, sizes, sha256

Every file is first written into a private staging directory inside the workdir and moved
into place with `os.replace`; the manifest is removed before and written after the moves.
`load_record` accepts a directory only if its manifest exists and every file matches it, so
a crash at any point leaves either the previous complete record or none.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
from typing import Any, Iterable, Mapping

import numpy as np

MANIFEST = "record.json"
FILES = ("config.json", "metrics.jsonl", "arrays.npz", "summary.json")
SCHEMA_VERSION = 1


def _to_jsonable(x: Any) -> Any:
  if isinstance(x, Mapping):
    return {str(k): _to_jsonable(v) for k, v in x.items()}
  if isinstance(x, (list, tuple)):
    return [_to_jsonable(v) for v in x]
  if isinstance(x, np.ndarray):
    return _to_jsonable(x.tolist())
  if isinstance(x, (np.floating, float)):
    x = float(x)
    return x if math.isfinite(x) else None  # JSON has no NaN; null says "not reached"
  if isinstance(x, (np.integer,)):
    return int(x)
  if isinstance(x, (np.bool_,)):
    return bool(x)
  if hasattr(x, "to_dict"):  # ml_collections.ConfigDict
    return _to_jsonable(x.to_dict())
  return x


def dumps(x: Any) -> str:
  return json.dumps(_to_jsonable(x), sort_keys=False)


def check_writable(workdir: str) -> str:
  """Creates ``workdir`` if needed and proves it is writable; returns its absolute path.

  Raises:
    ValueError: with one line naming the directory and the reason.
  """
  path = os.path.abspath(os.path.expanduser(workdir))
  try:
    os.makedirs(path, exist_ok=True)
    fd, probe = tempfile.mkstemp(dir=path, prefix=".probe-")
    os.close(fd)
    os.remove(probe)
  except OSError as e:
    raise ValueError(f"workdir={workdir!r} is not writable: {e.strerror or e}") from None
  return path


def _write_bytes_atomic(path: str, data: bytes) -> None:
  d = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
  try:
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; records are meant to be shared
    with os.fdopen(fd, "wb") as f:
      f.write(data)
      f.flush()
      os.fsync(f.fileno())
    os.replace(tmp, path)
  except BaseException:
    if os.path.exists(tmp):
      os.remove(tmp)
    raise


def atomic_savez(path: str, arrays: Mapping[str, np.ndarray]) -> None:
  """np.savez to ``path`` atomically (temp file + os.replace)."""
  buf = io.BytesIO()
  np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
  _write_bytes_atomic(path, buf.getvalue())


def atomic_write_text(path: str, text: str) -> None:
  _write_bytes_atomic(path, text.encode())


def _sha256(path: str) -> str:
  h = hashlib.sha256()
  with open(path, "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
      h.update(block)
  return h.hexdigest()


def save_record(workdir: str, config: Any, metrics: Iterable[Mapping[str, Any]],
                arrays: Mapping[str, np.ndarray], summary: Mapping[str, Any]) -> str:
  """Writes a complete record into ``workdir`` (see module doc); returns the directory."""
  path = check_writable(workdir)
  staging = tempfile.mkdtemp(dir=path, prefix=".staging-")
  try:
    with open(os.path.join(staging, "config.json"), "w") as f:
      f.write(json.dumps(_to_jsonable(config), indent=2) + "\n")
    with open(os.path.join(staging, "metrics.jsonl"), "w") as f:
      for row in metrics:
        f.write(dumps(row) + "\n")
    np.savez(os.path.join(staging, "arrays.npz"), **{k: np.asarray(v) for k, v in arrays.items()})
    with open(os.path.join(staging, "summary.json"), "w") as f:
      f.write(json.dumps(_to_jsonable(summary), indent=2) + "\n")
    for name in FILES:
      with open(os.path.join(staging, name), "rb+") as f:
        os.fsync(f.fileno())
    manifest = {"schema_version": SCHEMA_VERSION,
                "files": {n: {"bytes": os.path.getsize(os.path.join(staging, n)),
                              "sha256": _sha256(os.path.join(staging, n))} for n in FILES}}
    # From here the old record (if any) stops being valid until the new manifest lands.
    if os.path.exists(os.path.join(path, MANIFEST)):
      os.remove(os.path.join(path, MANIFEST))
    for name in FILES:
      os.replace(os.path.join(staging, name), os.path.join(path, name))
    atomic_write_text(os.path.join(path, MANIFEST), json.dumps(manifest, indent=2) + "\n")
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return path


@dataclasses.dataclass
class Record:
  """A loaded record. ``arrays`` is a dict of numpy arrays (loaded eagerly)."""

  workdir: str
  config: dict
  metrics: list[dict]
  arrays: dict[str, np.ndarray]
  summary: dict


def has_record(workdir: str) -> bool:
  return os.path.exists(os.path.join(workdir, MANIFEST))


def load_record(workdir: str, verify: bool = True) -> Record:
  """Loads the record in ``workdir``.

  Raises:
    FileNotFoundError: no complete record there (no manifest: never written or interrupted).
    ValueError: files do not match the manifest (modified or truncated after writing).
  """
  man_path = os.path.join(workdir, MANIFEST)
  if not os.path.exists(man_path):
    raise FileNotFoundError(f"no complete record in {workdir!r} (missing {MANIFEST})")
  with open(man_path) as f:
    manifest = json.load(f)
  for name, meta in manifest["files"].items():
    p = os.path.join(workdir, name)
    if not os.path.exists(p) or os.path.getsize(p) != meta["bytes"] or (
        verify and _sha256(p) != meta["sha256"]):
      raise ValueError(f"record in {workdir!r} is inconsistent: {name} does not match {MANIFEST}")
  with open(os.path.join(workdir, "config.json")) as f:
    config = json.load(f)
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    metrics = [json.loads(line) for line in f if line.strip()]
  with np.load(os.path.join(workdir, "arrays.npz")) as z:
    arrays = {k: z[k] for k in z.files}
  with open(os.path.join(workdir, "summary.json")) as f:
    summary = json.load(f)
  return Record(workdir=workdir, config=config, metrics=metrics, arrays=arrays, summary=summary)
