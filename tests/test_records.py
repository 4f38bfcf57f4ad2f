import json
import os

import numpy as np
import pytest

from conftest import CHECKPOINT_DAMAGE, damage_checkpoint
from fourier_nn import checkpoints, fileio, records


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


# ----------------------------------------------------------------------------- Workdir

ARGS = dict(config={"a": 1}, metrics=[{"step": 0}], arrays={"x": np.ones((2, 3))},
            summary={"run": 1})


def _touch(*paths):
  for p in paths:
    with open(p, "w") as f:
      f.write("x")


def _ckpt(*paths, step=1):
  """Checkpoint directories holding (the name of) a finalized save, ``step_<step>``."""
  for p in paths:
    os.makedirs(os.path.join(p, f"step_{step}"))


def test_workdir_refuses_existing_record_without_overwrite(tmp_path):
  d = str(tmp_path / "r")
  records.Workdir(d).save(**ARGS)
  _ckpt(os.path.join(d, "checkpoint.orbax"))
  with pytest.raises(ValueError) as e:
    records.Workdir(d)
  msg = str(e.value)
  assert msg == (f"workdir={d!r} already holds a record; pass --overwrite to replace it "
                 "(or choose another --workdir)")
  # Refusing touches nothing: the record and even the checkpoint are still there.
  assert records.load_record(d).summary == {"run": 1}
  assert os.path.exists(os.path.join(d, "checkpoint.orbax", "step_1"))


def test_workdir_overwrite_and_resume_are_allowed(tmp_path):
  d = str(tmp_path / "r")
  records.Workdir(d).save(**ARGS)
  wd = records.Workdir(d, overwrite=True)
  assert records.load_record(d).summary == {"run": 1}  # old record valid until save
  wd.save(**{**ARGS, "summary": {"run": 2}})
  assert records.load_record(d).summary == {"run": 2}
  _ckpt(tmp_path / "r" / "checkpoint.orbax")  # resume needs something to resume from
  records.Workdir(d, resume=True).save(**{**ARGS, "summary": {"run": 3}})
  assert records.load_record(d).summary == {"run": 3}
  assert not os.path.exists(os.path.join(d, "checkpoint.orbax"))


@pytest.mark.parametrize("bad", ["", "   "])
def test_workdir_empty_path(bad, tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)
  with pytest.raises(ValueError, match=r"^workdir='\s*' is invalid: give a directory path$"):
    records.Workdir(bad)
  assert os.listdir(tmp_path) == []


def test_workdir_failed_check_leaves_nothing_on_disk(tmp_path, monkeypatch):
  # A file in the way: nothing can be created.
  blocker = tmp_path / "file"
  blocker.write_text("")
  with pytest.raises(ValueError, match="is not writable"):
    records.Workdir(str(blocker / "sub"))
  with pytest.raises(ValueError, match="is not writable: it is a file, not a directory"):
    records.Workdir(str(blocker))
  # Directories can be created but the probe fails: what was created is removed again.
  def no_write(*a, **k):
    raise PermissionError(13, "Permission denied")

  monkeypatch.setattr(records.tempfile, "mkstemp", no_write)
  with pytest.raises(ValueError, match=r"workdir='.*c' is not writable: Permission denied$"):
    records.Workdir(str(tmp_path / "a" / "b" / "c"))
  assert os.listdir(tmp_path) == ["file"]


def test_workdir_cleans_leftovers_and_stale_checkpoints(tmp_path):
  d = tmp_path / "r"
  d.mkdir()
  (d / ".staging-abc").mkdir()
  (d / ".staging-abc" / "arrays.npz").write_text("partial")
  _touch(d / ".tmp-123", d / "checkpoint.npz", d / "checkpoint_group3.npz",
         d / "group_0.npz", d / "notes.txt", d / "figure.png")
  _ckpt(d / "checkpoint.orbax", d / "checkpoint_group2.orbax", d / "x.orbax-checkpoint-tmp")
  wd = records.Workdir(str(d))
  assert sorted(os.listdir(d)) == ["figure.png", "notes.txt"]
  assert wd.path == str(d) and not wd.has_checkpoint()


def test_workdir_resume_keeps_checkpoints(tmp_path):
  d = tmp_path / "r"
  with pytest.raises(ValueError, match="has no checkpoint to resume from; run without --resume"):
    records.Workdir(str(d), resume=True)  # nothing to resume: one line, nothing created
  assert not d.exists()
  d.mkdir()
  _ckpt(d / "checkpoint.orbax", d / "checkpoint_group1.orbax")
  # saves killed half-way, as orbax 0.11.24 and 0.12.8 name them, and with a timestamp
  _ckpt(d / "checkpoint.orbax" / "step_2.orbax-checkpoint-tmp-1700000000",
        d / "checkpoint_group1.orbax" / "step_7.orbax-checkpoint-tmp")
  _touch(d / ".tmp-9")
  wd = records.Workdir(str(d), resume=True)
  assert wd.has_checkpoint()
  assert sorted(os.listdir(d)) == ["checkpoint.orbax", "checkpoint_group1.orbax"]
  assert os.listdir(d / "checkpoint.orbax") == ["step_1"]  # the killed save is cleaned
  assert os.listdir(d / "checkpoint_group1.orbax") == ["step_1"]
  assert wd.checkpoint_files() == [str(d / "checkpoint.orbax"),
                                   str(d / "checkpoint_group1.orbax")]


def test_workdir_resume_needs_a_finalized_orbax_save(tmp_path):
  """Only a killed first save (orbax's tmp directory): nothing to resume from. An .npz
  checkpoint of a version before orbax: one line saying to delete it; nothing touched."""
  d = tmp_path / "r"
  _ckpt(d / "checkpoint.orbax" / "step_1.orbax-checkpoint-tmp-1700000000")
  with pytest.raises(ValueError, match="has no checkpoint to resume from"):
    records.Workdir(str(d), resume=True)
  _touch(d / "checkpoint.npz")
  with pytest.raises(ValueError) as e:
    records.Workdir(str(d), resume=True)
  assert str(e.value) == (f"checkpoint {d / 'checkpoint.npz'} is an .npz checkpoint of an "
                          "older fourier_nn; this version reads orbax checkpoints only: "
                          "delete it and run without --resume")
  assert sorted(os.listdir(d)) == ["checkpoint.npz", "checkpoint.orbax"]


def test_workdir_save_removes_checkpoints(tmp_path):
  d = tmp_path / "r"
  wd = records.Workdir(str(d))
  assert wd.checkpoint_path() == str(d / "checkpoint.orbax")
  group = wd.checkpoint_path("checkpoint_group3")
  assert group == str(d / "checkpoint_group3.orbax")
  assert wd.checkpoint_path("checkpoint_group3.orbax") == wd.checkpoint_path(
      "checkpoint_group3.npz") == group
  checkpoints.save(wd.checkpoint_path(), {"state/0": np.ones(3)}, 1, {})
  _ckpt(group, d / "checkpoint_other.orbax")
  _touch(d / "checkpoint_other.npz", d / "group_2.npz", d / "notes.txt")
  assert wd.save(**ARGS) == str(d)
  assert sorted(os.listdir(d)) == sorted(records.FILES + (records.MANIFEST, "notes.txt",
                                                          records.PROVENANCE_FILE))
  assert records.load_record(str(d)).params is None


def test_workdir_checkpoint_names_follow_the_convention(tmp_path):
  wd = records.Workdir(str(tmp_path))
  for bad in ("state", "../checkpoint", "checkpoint/x", ""):
    with pytest.raises(ValueError, match="must be a file stem starting with 'checkpoint'"):
      wd.checkpoint_path(bad)


# ----------------------------------------------------------------------------- checkpoints

CKPT_ARRAYS = {
    "state/0": np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32),
    "state/1": np.array([1, -2, 3], np.int32),
    "state/2": np.array([[0xDEADBEEF, 7]], np.uint32),  # PRNG key data
    "log0/0": np.array([1.5, np.nan, np.inf, -0.0]),  # float64, NaN and -0 kept
    "host1/0": np.zeros((2, 0)),  # zero-size: orbax refuses those, the meta keeps them
    "meta/x": np.asarray(3.25),
}


def test_checkpoint_round_trip_is_bit_identical_and_keeps_the_latest_step(tmp_path):
  ckpt = str(tmp_path / "checkpoint.orbax")
  checkpoints.save(ckpt, CKPT_ARRAYS, 1, {"done_chunks": 1, "fingerprint": "ab"})
  checkpoints.save(ckpt, {**CKPT_ARRAYS, "meta/x": np.asarray(4.5)}, 2,
                   {"done_chunks": 2, "fingerprint": "ab"})
  assert checkpoints.finalized_steps(ckpt) == [2] and os.listdir(ckpt) == ["step_2"]
  flat, meta = checkpoints.restore(ckpt)
  assert meta == {"format": checkpoints.FORMAT, "done_chunks": 2, "fingerprint": "ab"}
  assert flat.keys() == CKPT_ARRAYS.keys()
  for k, a in {**CKPT_ARRAYS, "meta/x": np.asarray(4.5)}.items():
    assert type(flat[k]) is np.ndarray and flat[k].dtype == a.dtype and flat[k].shape == a.shape
    assert flat[k].tobytes() == a.tobytes(), k


@pytest.mark.parametrize("how", CHECKPOINT_DAMAGE)
def test_damaged_checkpoint_is_one_line_naming_the_path(tmp_path, how):
  ckpt = str(tmp_path / "checkpoint.orbax")
  checkpoints.save(ckpt, {**CKPT_ARRAYS, "state/big": np.arange(5000.0)}, 3, {})
  damage_checkpoint(ckpt, how)
  with pytest.raises(checkpoints.CheckpointError) as e:
    checkpoints.restore(ckpt)
  msg = str(e.value)
  assert isinstance(e.value, ValueError) and "\n" not in msg
  assert msg.startswith(f"checkpoint {os.path.join(ckpt, 'step_3')} cannot be read ("), msg
  assert msg.endswith("it is truncated or damaged); delete it to start afresh"), msg


def test_killed_save_is_ignored_and_cleaned(tmp_path):
  """orbax's temporary directory of a save killed half-way never counts as a step; the
  next save, or `fileio.clean_leftovers` of the workdir, removes it."""
  wd = tmp_path / "wd"
  ckpt = str(wd / "checkpoint.orbax")
  checkpoints.save(ckpt, CKPT_ARRAYS, 1, {"done_chunks": 1})
  _ckpt(os.path.join(ckpt, "step_2.orbax-checkpoint-tmp"))  # how 0.11.24 and 0.12.8 name it
  _ckpt(os.path.join(ckpt, "step_3.orbax-checkpoint-tmp-1700000000"))  # as orbax's docs show
  assert checkpoints.finalized_steps(ckpt) == [1]
  assert checkpoints.restore(ckpt)[1]["done_chunks"] == 1
  assert fileio.clean_leftovers(str(wd)) == [
      "checkpoint.orbax/step_2.orbax-checkpoint-tmp",
      "checkpoint.orbax/step_3.orbax-checkpoint-tmp-1700000000"]
  _ckpt(os.path.join(ckpt, "step_2.orbax-checkpoint-tmp"))
  checkpoints.save(ckpt, CKPT_ARRAYS, 2, {"done_chunks": 2})
  assert os.listdir(ckpt) == ["step_2"]
  with pytest.raises(checkpoints.CheckpointError, match="holds no finalized save"):
    os.makedirs(tmp_path / "empty.orbax" / "step_1.orbax-checkpoint-tmp")
    checkpoints.restore(str(tmp_path / "empty.orbax"))


def test_old_npz_checkpoint_is_refused(tmp_path):
  old = tmp_path / "checkpoint.npz"
  np.savez(old, a=np.ones(2))
  for call in (lambda: checkpoints.restore(str(old)),
               lambda: checkpoints.save(str(old), CKPT_ARRAYS, 1, {})):
    with pytest.raises(checkpoints.LegacyCheckpoint, match="is an .npz checkpoint of an "
                                                           "older fourier_nn"):
      call()


def _mlp_params(num_seeds=3):
  import jax
  import jax.numpy as jnp

  from fourier_nn import models
  model = models.MLP(depth=2, width=8)
  x = jnp.linspace(-1, 1, 5)[:, None]
  keys = jax.random.split(jax.random.key(0), num_seeds)
  params = jax.device_get(jax.vmap(lambda k: model.init(k, x))(keys))
  return model, x, params


def test_params_roundtrip_with_flax_mlp(tmp_path):
  import jax
  model, x, params = _mlp_params()
  d = str(tmp_path / "r")
  records.Workdir(d).save(**ARGS, params=params)
  assert records.PARAMS_FILE in os.listdir(d)
  with open(os.path.join(d, records.MANIFEST)) as f:
    manifest = json.load(f)
  assert manifest["schema_version"] == 3 and records.PARAMS_FILE in manifest["files"]
  with np.load(os.path.join(d, records.PARAMS_FILE)) as z:
    # One key per leaf, "/"-joined path (e.g. "params/hidden_0/dense/kernel"), seed axis first.
    want = {"/".join(k.key for k in path)
            for path, _ in jax.tree_util.tree_leaves_with_path(params)}
    assert set(z.files) == want and all(k.startswith("params/") for k in want)
    assert all(z[k].shape[0] == 3 for k in z.files)
  rec = records.load_record(d)
  for loaded in (records.load_params(d), records.load_params(rec), rec.params):
    assert jax.tree.structure(loaded) == jax.tree.structure(params)
    jax.tree.map(lambda a, b: (np.testing.assert_array_equal(a, b),
                               np.testing.assert_equal(a.dtype, b.dtype)), loaded, params)
    for i in range(3):
      np.testing.assert_array_equal(
          model.apply(jax.tree.map(lambda a: a[i], loaded), x),
          model.apply(jax.tree.map(lambda a: a[i], params), x))


def test_params_are_checked_and_stale_params_removed(tmp_path):
  _, _, params = _mlp_params()
  d = str(tmp_path / "r")
  records.Workdir(d).save(**ARGS, params=params)
  # A record saved without params over one with params: no stale params.npz is left.
  records.Workdir(d, overwrite=True).save(**ARGS)
  assert records.PARAMS_FILE not in os.listdir(d)
  with pytest.raises(FileNotFoundError, match="holds no params"):
    records.load_params(d)
  # Leaves without a common seed axis are refused before anything is written.
  one_seed = {"params": {"Dense_0": {"kernel": np.ones((1, 8)), "bias": np.ones(8)}}}
  with pytest.raises(ValueError, match="seed axis first"):
    records.Workdir(d, overwrite=True).save(**ARGS, params=one_seed)
  assert records.load_record(d).summary == {"run": 1}
  # Tampering with params.npz is detected.
  records.Workdir(d, overwrite=True).save(**ARGS, params=params)
  with open(os.path.join(d, records.PARAMS_FILE), "ab") as f:
    f.write(b"x")
  with pytest.raises(ValueError, match="params.npz does not match"):
    records.load_params(d)


def test_schema1_record_still_loads(tmp_path):
  # A record as schema 1 wrote it: the four files and a manifest without params.npz.
  d = tmp_path / "old"
  d.mkdir()
  (d / "config.json").write_text('{\n  "a": 1\n}\n')
  (d / "metrics.jsonl").write_text('{"step": 0, "loss": null}\n')
  np.savez(d / "arrays.npz", amplitudes=np.arange(6.0).reshape(2, 3))
  (d / "summary.json").write_text('{\n  "x": 3\n}\n')
  files = {n: {"bytes": os.path.getsize(d / n), "sha256": records._sha256(str(d / n))}
           for n in records.FILES}
  (d / records.MANIFEST).write_text(json.dumps({"schema_version": 1, "files": files}))
  rec = records.load_record(str(d))
  assert rec.config == {"a": 1} and rec.summary == {"x": 3} and rec.params is None
  assert rec.metrics == [{"step": 0, "loss": None}]
  np.testing.assert_array_equal(rec.arrays["amplitudes"], np.arange(6.0).reshape(2, 3))
  with pytest.raises(FileNotFoundError, match="holds no params"):
    records.load_params(str(d))
  (d / records.MANIFEST).write_text(json.dumps({"schema_version": 99, "files": files}))
  with pytest.raises(ValueError, match="schema_version=99"):
    records.load_record(str(d))


def test_workdir_records_provenance_and_live_metrics(tmp_path):
  """Workdir.save writes provenance.json (versions, commit, devices); its monitor writes
  one JSON line per log step as the run goes, rewritten on a resume."""
  import jax  # the devices are recorded only when jax is in use
  d = tmp_path / "r"
  wd = records.Workdir(str(d))
  mon = wd.monitor()
  mon.start(np.array([0]), np.array([[1.0], [3.0]]))
  mon.update(np.array([5, 10]), np.array([[0.5, 0.2], [np.nan, np.nan]]))
  rows = [json.loads(l) for l in open(d / records.LIVE_METRICS)]
  assert [r["step"] for r in rows] == [0, 5, 10]
  assert rows[0]["loss_mean"] == 2.0 and rows[1]["loss_max"] == 0.5 and rows[1]["diverged"] == 1
  mon2 = wd.monitor()  # what a resumed run's train_seeds gets
  mon2.start(np.array([0, 5]), np.array([[1.0, 0.5], [3.0, 1.0]]))  # a resume: rewritten
  assert [json.loads(l)["step"] for l in open(d / records.LIVE_METRICS)] == [0, 5]
  wd.save(**ARGS)
  assert not (d / records.LIVE_METRICS).exists()  # the record's metrics.jsonl replaces it
  prov = records.load_record(str(d)).provenance
  assert prov["jax"] == jax.__version__ and prov["device_count"] == jax.device_count()
  assert prov["python"] and prov["wall_time_s"] >= 0 and "git_commit" in prov


def test_tensorboard_event_files_without_tensorflow(tmp_path):
  wd = records.Workdir(str(tmp_path / "tb"), tensorboard=True)
  wd.monitor().start(np.array([0, 10]), np.array([[2.0, 1.0]]))
  wd.save(**ARGS)  # closes the writer: the event file is complete
  events = os.listdir(tmp_path / "tb" / "tensorboard")
  assert len(events) == 1 and events[0].startswith("events.out.tfevents")
  assert os.path.getsize(tmp_path / "tb" / "tensorboard" / events[0]) > 100


def test_resume_continues_only_the_same_run(tmp_path):
  """The checkpoints' run config is kept; a resume with a config that differs in anything
  that changes numbers is refused, naming the keys; checkpoint_every may change."""
  d = str(tmp_path / "r")
  cfg = {"lr": 0.01, "seed": 0, "model": {"width": 8}, "checkpoint_every": 5}
  records.Workdir(d, config=cfg)
  _ckpt(os.path.join(d, "checkpoint.orbax"))
  records.Workdir(d, resume=True, config={**cfg, "checkpoint_every": 2})  # same run
  with pytest.raises(ValueError, match=r"differs from the checkpointed run in 2 key\(s\) "
                                       r"\(lr: 0.01 -> 0.02, model.width: 8 -> 16\)"):
    records.Workdir(d, resume=True, config={**cfg, "lr": 0.02, "model": {"width": 16}})
  wd = records.Workdir(d, resume=True, config=cfg)
  wd.save(**ARGS)  # the record lands: checkpoints and their config are gone
  assert not os.path.exists(os.path.join(d, records.RUN_CONFIG))
  os.makedirs(tmp_path / "old")
  _ckpt(tmp_path / "old" / "checkpoint.orbax")  # a checkpoint with no saved config
  with pytest.raises(ValueError, match="cannot prove"):
    records.Workdir(str(tmp_path / "old"), resume=True, config=cfg)


def _saved(tmp_path):
  d = tmp_path / "r"
  records.Workdir(str(d)).save(**ARGS)
  return d


def test_manifest_lists_array_shapes_and_a_mismatch_names_the_file(tmp_path):
  d = _saved(tmp_path)
  manifest = json.loads((d / records.MANIFEST).read_text())
  rec = records.load_record(str(d))
  assert manifest["arrays"] == {k: {"shape": list(v.shape), "dtype": v.dtype.str}
                                for k, v in rec.arrays.items()}
  # A manifest that lies about a shape (the checksums still agree): caught without verify.
  name = sorted(manifest["arrays"])[0]
  manifest["arrays"][name]["shape"] = [7, 7]
  (d / records.MANIFEST).write_text(json.dumps(manifest))
  with pytest.raises(records.RecordError, match=rf"arrays.npz: array '{name}' has shape"):
    records.load_record(str(d))


@pytest.mark.parametrize("damage, match", [
    ("manifest_not_json", r"record.json: not valid JSON"),
    ("manifest_foreign", r"record.json: not a fourier_nn record manifest"),
    ("config_not_json", r"config.json: not valid JSON"),
    ("arrays_not_zip", r"arrays.npz: not a readable .npz archive"),
    ("summary_a_list", r"summary.json: expected a JSON object"),
    ("file_missing", r"metrics.jsonl is missing"),
])
def test_damaged_records_name_the_file(tmp_path, damage, match):
  """Each damage (re-checksummed, so only the parse can catch it) is one RecordError
  naming the file; verify=False takes the same path."""
  d = _saved(tmp_path)
  manifest = json.loads((d / records.MANIFEST).read_text())

  def rewrite(name, data: bytes):
    (d / name).write_bytes(data)
    manifest["files"][name] = {"bytes": len(data), "sha256": records._sha256(str(d / name))}
    (d / records.MANIFEST).write_text(json.dumps(manifest))

  if damage == "manifest_not_json":
    (d / records.MANIFEST).write_text('{"schema_version": 3, "files": ')
  elif damage == "manifest_foreign":
    (d / records.MANIFEST).write_text('{"name": "some other tool", "version": 3}')
  elif damage == "config_not_json":
    rewrite("config.json", b"{not json")
  elif damage == "arrays_not_zip":
    rewrite("arrays.npz", b"PK\x03\x04 truncated")
  elif damage == "summary_a_list":
    rewrite("summary.json", b"[1, 2]")
  elif damage == "file_missing":
    os.remove(d / "metrics.jsonl")
  for verify in (True, False):
    with pytest.raises(records.RecordError, match=match):
      records.load_record(str(d), verify=verify)


def test_missing_keys_of_a_loaded_record_name_the_file(tmp_path):
  rec = records.load_record(str(_saved(tmp_path)))
  with pytest.raises(records.MissingKey, match=r"arrays.npz has no 'amplitudes' \(it holds: "):
    rec.arrays["amplitudes"]
  with pytest.raises(KeyError):  # still a KeyError for code that catches one
    rec.summary["nope"]
  with pytest.raises(ValueError, match=r"config.json has no 'depth'"):
    rec.config["depth"]
  nested = records._Section({"model": {"width": 3}}, "c.json")
  with pytest.raises(records.MissingKey, match=r"c.json has no 'depth' \(it holds: width\)"):
    nested["model"]["depth"]
  assert rec.summary.get("nope") is None and "nope" not in rec.arrays
  import copy
  import pickle
  assert type(pickle.loads(pickle.dumps(rec.summary))) is dict
  assert copy.deepcopy(rec.config) == rec.config
