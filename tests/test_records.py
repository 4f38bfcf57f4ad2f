import json
import os

import numpy as np
import pytest

from fourier_nn import records


def _save(d, **over):
  kw = dict(config={"a": 1, "t": (1, 2)}, metrics=[{"step": 0, "loss": np.float32(1.5)},
                                                   {"step": 10, "loss": np.nan}],
            arrays={"amplitudes": np.arange(24.0).reshape(2, 3, 4)}, summary={"x": np.int64(3)})
  kw.update(over)
  return records.save_record(str(d), **kw)


def test_roundtrip(tmp_path):
  _save(tmp_path / "r")
  rec = records.load_record(str(tmp_path / "r"))
  assert rec.config == {"a": 1, "t": [1, 2]}
  assert rec.metrics == [{"step": 0, "loss": 1.5}, {"step": 10, "loss": None}]
  np.testing.assert_array_equal(rec.arrays["amplitudes"], np.arange(24.0).reshape(2, 3, 4))
  assert rec.summary == {"x": 3}
  assert sorted(os.listdir(tmp_path / "r")) == sorted(records.FILES + (records.MANIFEST,))


def _crash(*a, **k):
  raise OSError("disk full (simulated)")


def test_crash_mid_write_leaves_no_record(tmp_path, monkeypatch):
  monkeypatch.setattr(np, "savez", _crash)
  with pytest.raises(OSError):
    _save(tmp_path / "r")
  with pytest.raises(FileNotFoundError, match="no complete record"):
    records.load_record(str(tmp_path / "r"))
  assert os.listdir(tmp_path / "r") == []  # no staging leftovers, no partial files


def test_crash_mid_write_keeps_previous_record(tmp_path, monkeypatch):
  _save(tmp_path / "r", summary={"run": 1})
  monkeypatch.setattr(np, "savez", _crash)
  with pytest.raises(OSError):
    _save(tmp_path / "r", summary={"run": 2})
  assert records.load_record(str(tmp_path / "r")).summary == {"run": 1}


def test_crash_while_moving_files_leaves_no_valid_record(tmp_path, monkeypatch):
  _save(tmp_path / "r", summary={"run": 1})
  real = os.replace
  n = []

  def flaky(a, b):
    n.append(1)
    if len(n) == 2:
      raise OSError("killed (simulated)")
    return real(a, b)

  monkeypatch.setattr(os, "replace", flaky)
  with pytest.raises(OSError):
    _save(tmp_path / "r", summary={"run": 2})
  monkeypatch.setattr(os, "replace", real)
  # Half old, half new files on disk: the manifest is gone, so it is not a record.
  with pytest.raises(FileNotFoundError):
    records.load_record(str(tmp_path / "r"))


def test_tampered_record_is_refused(tmp_path):
  _save(tmp_path / "r")
  with open(tmp_path / "r" / "summary.json", "w") as f:
    json.dump({"x": 4}, f)
  with pytest.raises(ValueError, match="summary.json does not match"):
    records.load_record(str(tmp_path / "r"))


def test_unwritable_workdir(tmp_path):
  blocker = tmp_path / "file"
  blocker.write_text("")
  with pytest.raises(ValueError, match="is not writable"):
    records.check_writable(str(blocker / "sub"))


def test_atomic_savez(tmp_path):
  p = str(tmp_path / "c.npz")
  records.atomic_savez(p, {"a": np.ones(3)})
  with np.load(p) as z:
    np.testing.assert_array_equal(z["a"], np.ones(3))
  assert os.listdir(tmp_path) == ["c.npz"]
