"""fileio: atomic writes survive a crash at any point; clean_leftovers removes only leftovers."""
import json
import os
import stat

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fourier_nn import fileio  # noqa: E402


def _raise(*a, **k):
  raise OSError("killed (simulated)")


def test_write_bytes_roundtrip_mode_and_no_leftover(tmp_path):
  p = tmp_path / "f.bin"
  fileio.write_bytes_atomic(str(p), b"abc")
  fileio.write_bytes_atomic(str(p), b"new")
  assert p.read_bytes() == b"new"
  assert stat.S_IMODE(os.stat(p).st_mode) == 0o644
  assert os.listdir(tmp_path) == ["f.bin"]


@pytest.mark.parametrize("where", ["replace", "fsync", "interrupt"])
def test_crash_keeps_old_file_and_removes_temp(tmp_path, monkeypatch, where):
  p = tmp_path / "f.txt"
  p.write_text("old")
  if where == "replace":
    monkeypatch.setattr(os, "replace", _raise)
  elif where == "fsync":  # after the data went out, before it is durable: still the old file
    monkeypatch.setattr(os, "fsync", _raise)
  else:
    def interrupt(*a, **k):
      raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupt)
  with pytest.raises((OSError, KeyboardInterrupt)):
    fileio.write_text_atomic(str(p), "new and longer")
  assert p.read_text() == "old"
  assert os.listdir(tmp_path) == ["f.txt"]


def test_crash_without_previous_file_leaves_nothing(tmp_path, monkeypatch):
  monkeypatch.setattr(os, "replace", _raise)
  with pytest.raises(OSError):
    fileio.savez_atomic(str(tmp_path / "c.npz"), {"a": np.ones(3)})
  assert os.listdir(tmp_path) == []


def test_savez_atomic(tmp_path):
  p = str(tmp_path / "c.npz")
  fileio.savez_atomic(p, {"a": np.arange(3), "b/c": np.float32(2.5)})
  with np.load(p) as z:
    np.testing.assert_array_equal(z["a"], np.arange(3))
    assert z["b/c"] == np.float32(2.5) and z["b/c"].dtype == np.float32
  assert os.listdir(tmp_path) == ["c.npz"]


def test_write_json_atomic_is_strict_json(tmp_path):
  p = tmp_path / "r.json"
  fileio.write_json_atomic(str(p), {"x": np.float32(1.5), "n": np.nan, "i": np.int64(2),
                                    "t": (1, np.inf), "b": np.bool_(True),
                                    "a": np.arange(2), "o": object}, default=str)
  text = p.read_text()
  assert "NaN" not in text and "Infinity" not in text and text.endswith("\n")
  assert json.loads(text) == {"x": 1.5, "n": None, "i": 2, "t": [1, None], "b": True,
                              "a": [0, 1], "o": str(object)}


@pytest.mark.parametrize("suffix,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF"),
                                          ("svg", b"<?xml")])
def test_savefig_atomic_formats(tmp_path, suffix, magic):
  fig, ax = plt.subplots()
  ax.plot([0, 1], [1, 0])
  p = str(tmp_path / f"fig.{suffix}")
  assert fileio.savefig_atomic(fig, p, bbox_inches="tight") == p
  plt.close(fig)
  with open(p, "rb") as f:
    assert f.read(len(magic)) == magic
  assert os.listdir(tmp_path) == [f"fig.{suffix}"]


def test_savefig_atomic_crash_keeps_old_figure(tmp_path, monkeypatch):
  fig = plt.figure()
  p = tmp_path / "fig.png"
  p.write_bytes(b"old figure")
  monkeypatch.setattr(os, "replace", _raise)
  with pytest.raises(OSError):
    fileio.savefig_atomic(fig, str(p))
  plt.close(fig)
  assert p.read_bytes() == b"old figure" and os.listdir(tmp_path) == ["fig.png"]


def test_savefig_atomic_refuses_unknown_suffix(tmp_path):
  fig = plt.figure()
  with pytest.raises(ValueError, match=r"suffix must be one of \.png, \.pdf, \.svg"):
    fileio.savefig_atomic(fig, str(tmp_path / "fig.jpg"))
  plt.close(fig)
  assert os.listdir(tmp_path) == []


def test_clean_leftovers_removes_only_leftovers(tmp_path):
  (tmp_path / ".tmp-abc").write_text("partial")
  (tmp_path / ".probe-xyz").write_text("")
  (tmp_path / ".staging-1").mkdir()
  (tmp_path / ".staging-1" / "arrays.npz").write_text("partial")
  keep = ["record.json", "tmp-notes.txt", ".staging-file", "staging-dir", ".tmp-dir", "sub"]
  (tmp_path / "record.json").write_text("{}")
  (tmp_path / "tmp-notes.txt").write_text("")
  (tmp_path / ".staging-file").write_text("")  # a file, not a staging directory
  (tmp_path / "staging-dir").mkdir()
  (tmp_path / ".tmp-dir").mkdir()  # a directory, not a temp file
  (tmp_path / "sub").mkdir()
  (tmp_path / "sub" / ".tmp-deeper").write_text("")  # not recursive
  removed = fileio.clean_leftovers(str(tmp_path))
  assert removed == [".probe-xyz", ".staging-1", ".tmp-abc"]
  assert sorted(os.listdir(tmp_path)) == sorted(keep)
  assert os.listdir(tmp_path / "sub") == [".tmp-deeper"]
  assert fileio.clean_leftovers(str(tmp_path / "missing")) == []
