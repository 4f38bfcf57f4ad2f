"""train_seeds: vmap == loop, determinism, compile-once, divergence, clipping, resume."""
import os

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from conftest import CHECKPOINT_DAMAGE, damage_checkpoint
from fourier_nn import checkpoints, models, train

MODEL = models.MLP(depth=2, width=16, activation="tanh", init_scheme="torch")
X = (jnp.arange(32, dtype=jnp.float32) / 32)[:, None]


def _targets(num_seeds):
  k = jnp.arange(1, num_seeds + 1, dtype=jnp.float32)[:, None]
  return jnp.sin(2 * jnp.pi * k * X[:, 0][None, :])  # [S, N], a different target per seed


def _init(key):
  return MODEL.init(key, X[:1])


def _loss(params, batch):
  return jnp.mean((MODEL.apply(params, batch["x"])[:, 0] - batch["y"]) ** 2)


def _measure(params, batch, step):
  pred = MODEL.apply(params, batch["x"])[:, 0]
  return {"pred_mean": pred.mean(), "step": step}


def _run(num_seeds=3, keys=None, y=None, **kw):
  keys = jax.random.split(jax.random.key(0), num_seeds) if keys is None else keys
  y = _targets(num_seeds) if y is None else y
  kw.setdefault("num_steps", 40)
  kw.setdefault("log_every", 5)
  kw.setdefault("progress", False)
  return train.train_seeds(_init, _loss, optax.adam(1e-2), {"x": X, "y": y}, keys,
                           measure_fn=_measure, batch_axes={"x": None, "y": 0}, **kw)


def test_history_shapes_and_step0():
  h = _run()
  assert h.steps.tolist() == list(range(0, 41, 5))
  assert h.loss.shape == (3, 9) and h.metrics["pred_mean"].shape == (3, 9)
  np.testing.assert_array_equal(h.metrics["step"][0], h.steps)  # measured at the right steps
  p0 = _init(jax.random.split(jax.random.key(0), 3)[1])
  np.testing.assert_allclose(h.loss[1, 0], _loss(p0, {"x": X, "y": _targets(3)[1]}), rtol=1e-6)
  assert h.loss[:, -1].max() < h.loss[:, 0].min()  # it trains
  assert not h.diverged.any() and (h.diverged_step == -1).all()


def test_seed_in_vmapped_sweep_equals_seed_alone():
  keys = jax.random.split(jax.random.key(7), 4)
  y = _targets(4)
  sweep = _run(4, keys=keys, y=y)
  for i in (0, 2):
    alone = _run(1, keys=keys[i:i + 1], y=y[i:i + 1])
    np.testing.assert_allclose(sweep.loss[i], alone.loss[0], rtol=1e-5, atol=1e-6)
    jax.tree_util.tree_map(
        lambda a, b: np.testing.assert_allclose(a[i], b[0], rtol=1e-4, atol=1e-6),
        sweep.params, alone.params)


def test_same_seed_same_numbers():
  a, b = _run(), _run()
  np.testing.assert_array_equal(a.loss, b.loss)
  jax.tree_util.tree_map(np.testing.assert_array_equal, a.params, b.params)


def test_chunk_compiles_once():
  """The measurement is traced once for the init program and once for the chunk program,
  however many chunks run (4 here): the chunk is compiled once."""
  measure = chex.assert_max_traces(lambda p, b, s: _measure(p, b, s), n=2)
  keys = jax.random.split(jax.random.key(0), 3)
  train.train_seeds(_init, _loss, optax.adam(1e-2), {"x": X, "y": _targets(3)}, keys,
                    num_steps=60, log_every=5, measure_fn=measure, chunk_logs=3,
                    batch_axes={"x": None, "y": 0}, progress=False)


def test_train_in_groups_equals_one_program_and_resumes_finished_groups(tmp_path):
  """5 seeds in groups of 2 (3 groups, the last padded; compiled once) = one program of 5;
  a second call with the groups' final checkpoints present trains nothing, same numbers."""
  keys = jax.random.split(jax.random.key(3), 5)
  kw = dict(num_steps=20, log_every=5, measure_fn=_measure, batch_axes={"x": None, "y": 0},
            progress=False)
  batch = {"x": X, "y": _targets(5)}
  one = train.train_seeds(_init, _loss, optax.adam(1e-2), batch, keys, **kw)
  path = lambda g: str(tmp_path / f"checkpoint_group{g}.orbax")
  measure = chex.assert_max_traces(lambda p, b, s: _measure(p, b, s), n=2)  # 3 groups
  grp = train.train_in_groups(_init, _loss, optax.adam(1e-2), batch, keys, group_size=2,
                              checkpoint_path=path, **{**kw, "measure_fn": measure})
  assert grp.loss.shape == one.loss.shape == (5, 5)
  np.testing.assert_allclose(grp.loss, one.loss, rtol=1e-5, atol=1e-6)
  jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6),
                         grp.params, one.params)
  assert sorted(os.listdir(tmp_path)) == [f"checkpoint_group{g}.orbax" for g in range(3)]
  # init only: no chunk program is traced
  measure = chex.assert_max_traces(lambda p, b, s: _measure(p, b, s), n=1)
  again = train.train_in_groups(_init, _loss, optax.adam(1e-2), batch, keys, group_size=2,
                                checkpoint_path=path, **{**kw, "measure_fn": measure})
  np.testing.assert_array_equal(again.loss, grp.loss)


def test_diverging_seed_is_reported_and_others_finish():
  # A quadratic whose curvature is 1e4 times larger for seed 1: plain GD with lr 0.1 is
  # stable for seeds 0 and 2 (lr * 2 * scale < 2) and blows up for seed 1.
  def loss(w, batch):
    return batch["scale"] * jnp.mean((X[:, 0] * w["w"] - batch["y"]) ** 2) * 3.0

  batch = {"y": jnp.broadcast_to(2 * X[:, 0], (3, 32)), "scale": jnp.array([1.0, 1e4, 1.0])}
  keys = jax.random.split(jax.random.key(0), 3)
  init = lambda k: {"w": jax.random.normal(k, ())}
  h = train.train_seeds(init, loss, optax.sgd(0.1), batch, keys, 400, 20, batch_axes=0,
                        progress=False)
  assert h.diverged.tolist() == [False, True, False]
  assert h.diverged_step[1] > 0 and (h.diverged_step[[0, 2]] == -1).all()
  assert np.isfinite(h.loss[[0, 2]]).all() and h.loss[0, -1] < 1e-3 * h.loss[0, 0]
  alone = train.train_seeds(init, loss, optax.sgd(0.1), jax.tree_util.tree_map(lambda a: a[:1], batch),
                            keys[:1], 400, 20, batch_axes=0, progress=False)
  np.testing.assert_allclose(h.loss[0], alone.loss[0], rtol=1e-5)


def test_weight_clipping():
  h = _run(clip=0.05)
  leaves = jax.tree_util.tree_leaves(h.params)
  assert max(float(np.abs(x).max()) for x in leaves) <= 0.05 + 1e-7
  assert any(float(np.abs(x).max()) == pytest.approx(0.05) for x in leaves)  # clip is active


def test_per_seed_clip_from_the_batch_equals_separate_runs():
  """One program whose cells carry clips [0.1, 2.0] in the batch (same init key, same
  target) = two runs with clip=0.1 and clip=2.0; and the two cells really differ."""
  key = jax.random.split(jax.random.key(5), 1)
  y = _targets(1)
  kw = dict(num_steps=40, log_every=5, measure_fn=_measure, progress=False)
  batch = {"x": X, "y": jnp.concatenate([y, y]), "clip": jnp.array([0.1, 2.0])}
  both = train.train_seeds(_init, _loss, optax.adam(1e-2), batch, jnp.concatenate([key, key]),
                           batch_axes={"x": None, "y": 0, "clip": 0}, clip="clip", **kw)
  for i, c in enumerate((0.1, 2.0)):
    alone = train.train_seeds(_init, _loss, optax.adam(1e-2), {"x": X, "y": y}, key,
                              batch_axes={"x": None, "y": 0}, clip=c, **kw)
    np.testing.assert_allclose(both.loss[i], alone.loss[0], rtol=1e-5, atol=1e-7)
    jax.tree_util.tree_map(
        lambda a, b: np.testing.assert_allclose(a[i], b[0], rtol=1e-5, atol=1e-7),
        both.params, alone.params)
  top = [max(float(np.abs(x[i]).max()) for x in jax.tree_util.tree_leaves(both.params))
         for i in range(2)]
  assert top[0] == pytest.approx(0.1) and top[1] > 0.1, top  # clip 0.1 binds, 2.0 not at 0.1
  assert np.abs(both.loss[0] - both.loss[1]).max() > 1e-3


def test_per_seed_clip_must_be_a_per_seed_batch_entry():
  batch = {"x": X, "y": _targets(2), "clip": jnp.array([0.1, 2.0])}
  keys = jax.random.split(jax.random.key(0), 2)
  args = (_init, _loss, optax.adam(1e-2), batch, keys, 10, 5)
  with pytest.raises(ValueError, match="names no top-level entry"):
    train.train_seeds(*args, batch_axes={"x": None, "y": 0, "clip": 0}, clip="c")
  with pytest.raises(ValueError, match="batch_axes 0"):
    train.train_seeds(*args, batch_axes={"x": None, "y": 0, "clip": None}, clip="clip")


def test_bad_arguments():
  with pytest.raises(ValueError, match="multiple of log_every"):
    _run(num_steps=42, log_every=5)
  with pytest.raises(ValueError, match="positive"):
    _run(num_steps=0)


def _killed_run(ckpt, monkeypatch, after_saves=2, **kw):
  """A run with checkpoint_every=1 interrupted right after its ``after_saves``-th save."""
  real_save = train._save_checkpoint
  calls = []

  def save_then_die(*a, **k):
    real_save(*a, **k)
    calls.append(1)
    if len(calls) == after_saves:
      raise KeyboardInterrupt  # killed right after the checkpoint

  monkeypatch.setattr(train, "_save_checkpoint", save_then_die)
  with pytest.raises(KeyboardInterrupt):
    _run(checkpoint_path=ckpt, checkpoint_every=1, **kw)
  monkeypatch.setattr(train, "_save_checkpoint", real_save)


def _assert_identical(a, b):
  np.testing.assert_array_equal(a.steps, b.steps)  # no lost or duplicated log points
  np.testing.assert_array_equal(a.loss, b.loss)
  np.testing.assert_array_equal(a.metrics["pred_mean"], b.metrics["pred_mean"])
  jax.tree_util.tree_map(np.testing.assert_array_equal, a.params, b.params)
  jax.tree_util.tree_map(np.testing.assert_array_equal, a.opt_state, b.opt_state)


def test_resume_after_kill_is_bit_identical(tmp_path, monkeypatch):
  ckpt = str(tmp_path / "ckpt.orbax")
  kw = dict(num_steps=60, log_every=5, chunk_logs=2)
  full = _run(**kw)  # 6 chunks, uninterrupted
  _killed_run(ckpt, monkeypatch, **kw)
  assert checkpoints.finalized_steps(ckpt) == [2]  # only the latest finalized step is kept
  resumed = _run(checkpoint_path=ckpt, checkpoint_every=1, **kw)
  _assert_identical(resumed, full)
  # A checkpoint from another configuration is refused, not silently mixed in.
  with pytest.raises(ValueError, match="different run configuration"):
    _run(num_steps=80, log_every=5, chunk_logs=2, checkpoint_path=ckpt)


def test_a_save_killed_half_way_is_never_picked_up(tmp_path, monkeypatch):
  """A kill during the 3rd save leaves orbax's unfinalized temporary directory next to the
  finalized step 2: the resume starts from step 2 (exactly) and the next save removes
  the leftover."""
  assert "records" not in vars(train)  # checkpoints go through fileio/checkpoints only
  ckpt = str(tmp_path / "checkpoint.orbax")
  kw = dict(num_steps=60, log_every=5, chunk_logs=2)
  full = _run(**kw)
  _killed_run(ckpt, monkeypatch, **kw)
  tmp = os.path.join(ckpt, "step_3.orbax-checkpoint-tmp-1700000000")
  os.makedirs(os.path.join(tmp, "d"))
  with open(os.path.join(tmp, "d", "half"), "wb") as f:
    f.write(b"\0" * 100)
  assert checkpoints.finalized_steps(ckpt) == [2]
  loaded = []
  real_load = train._load_checkpoint
  monkeypatch.setattr(train, "_load_checkpoint",
                      lambda *a, **k: loaded.append(real_load(*a, **k)) or loaded[-1])
  resumed = _run(checkpoint_path=ckpt, checkpoint_every=1, **kw)
  assert loaded[0][2] == 2  # chunks done in the checkpoint it resumed from
  _assert_identical(resumed, full)
  assert os.listdir(ckpt) == ["step_5"]  # the leftover is gone; step 6 is the end, not saved


def test_legacy_npz_checkpoint_is_refused_in_one_line(tmp_path):
  old = tmp_path / "checkpoint.npz"
  np.savez(old, **{"meta/done_chunks": np.asarray(1)})
  with pytest.raises(ValueError) as e:
    _run(checkpoint_path=str(old))
  assert str(e.value) == (f"checkpoint {old} is an .npz checkpoint of an older fourier_nn; "
                          "this version reads orbax checkpoints only: delete it and run "
                          "without --resume")


@pytest.mark.parametrize("how", CHECKPOINT_DAMAGE)
def test_damaged_checkpoint_is_one_line_naming_the_path(how, tmp_path, monkeypatch):
  ckpt = str(tmp_path / "checkpoint.orbax")
  kw = dict(num_steps=60, log_every=5, chunk_logs=2)
  _killed_run(ckpt, monkeypatch, **kw)
  damage_checkpoint(ckpt, how)
  with pytest.raises(ValueError) as e:
    _run(checkpoint_path=ckpt, checkpoint_every=1, **kw)
  msg = str(e.value)
  assert "\n" not in msg and os.path.join(ckpt, "step_2") in msg, msg
  assert msg.endswith("delete it to start afresh"), msg


def test_progress_bar_and_live_metrics_in_library_use(capsys, monkeypatch, tmp_path):
  """Called from Python (no absl app.run), a training still shows its progress: a tqdm bar
  on stderr with step, loss over seeds and ETA; and the monitor gets every log step."""
  monkeypatch.setenv("FOURIER_NN_PROGRESS_BAR", "1")

  class Monitor:
    def __init__(self):
      self.steps = []

    def start(self, steps, loss):
      self.steps = list(steps)

    def update(self, steps, loss):
      assert loss.shape == (3, len(steps))
      self.steps += list(steps)

  monkeypatch.setenv("TQDM_MININTERVAL", "600")  # every chunk within tqdm's redraw interval,
  mon = Monitor()                                 # as on a fast box with the compile cached
  h = _run(num_steps=40, log_every=5, chunk_logs=2, progress=True, monitor=mon)
  err = capsys.readouterr().err
  assert "40/40 steps" in err and "over 3 seeds" in err and "ETA" in err
  assert "compiling" in err  # the first chunk's ETA is not a guess from the compile time
  assert mon.steps == h.steps.tolist()


def _host_norm(params, step):
  """Host-side measurement: per-seed squared norm of all params (NumPy, not jitted)."""
  leaves = jax.tree_util.tree_leaves(params)
  return {"sq_norm": sum(np.sum(np.asarray(x, np.float64) ** 2, axis=tuple(range(1, x.ndim)))
                         for x in leaves),
          "step": np.full(leaves[0].shape[0], step)}


def test_host_measure_at_init_and_every_chunk_end():
  h = _run(num_steps=40, log_every=5, chunk_logs=2, host_measure_fn=_host_norm)
  assert h.host_steps.tolist() == [0, 10, 20, 30, 40]
  assert h.host_metrics["sq_norm"].shape == (3, 5)
  np.testing.assert_array_equal(h.host_metrics["step"][0], h.host_steps)
  final = _host_norm(h.params, 40)["sq_norm"]
  np.testing.assert_allclose(h.host_metrics["sq_norm"][:, -1], final, rtol=1e-12)
  keys = jax.random.split(jax.random.key(0), 3)
  init = _host_norm(jax.vmap(_init)(keys), 0)["sq_norm"]
  np.testing.assert_allclose(h.host_metrics["sq_norm"][:, 0], init, rtol=1e-6)
  assert not np.allclose(h.host_metrics["sq_norm"][:, 1], init)  # it sees training
  assert _run().host_metrics is None and _run().host_steps is None
  with pytest.raises(ValueError, match="seed axis first"):
    _run(host_measure_fn=lambda p, s: {"x": np.float64(1.0)})


def test_host_measure_survives_resume_and_groups(tmp_path, monkeypatch):
  ckpt = str(tmp_path / "ckpt.orbax")
  kw = dict(num_steps=60, log_every=5, chunk_logs=2, host_measure_fn=_host_norm)
  full = _run(**kw)
  real_save = train._save_checkpoint

  def save_then_die(*a, **k):
    real_save(*a, **k)
    raise KeyboardInterrupt

  monkeypatch.setattr(train, "_save_checkpoint", save_then_die)
  with pytest.raises(KeyboardInterrupt):
    _run(checkpoint_path=ckpt, checkpoint_every=2, **kw)
  monkeypatch.setattr(train, "_save_checkpoint", real_save)
  resumed = _run(checkpoint_path=ckpt, checkpoint_every=2, **kw)
  np.testing.assert_array_equal(resumed.host_steps, full.host_steps)
  np.testing.assert_allclose(resumed.host_metrics["sq_norm"], full.host_metrics["sq_norm"],
                             rtol=1e-6)
  # a checkpoint written without host measurements cannot feed a run that wants them
  plain = str(tmp_path / "plain.orbax")
  monkeypatch.setattr(train, "_save_checkpoint", save_then_die)
  with pytest.raises(KeyboardInterrupt):
    _run(num_steps=60, log_every=5, chunk_logs=2, checkpoint_path=plain, checkpoint_every=2)
  monkeypatch.setattr(train, "_save_checkpoint", real_save)
  with pytest.raises(ValueError, match="no host measurements"):
    _run(checkpoint_path=plain, **kw)
  keys = jax.random.split(jax.random.key(0), 3)
  grp = train.train_in_groups(_init, _loss, optax.adam(1e-2), {"x": X, "y": _targets(3)}, keys,
                              measure_fn=_measure, batch_axes={"x": None, "y": 0},
                              group_size=2, progress=False, **kw)
  np.testing.assert_allclose(grp.host_metrics["sq_norm"], full.host_metrics["sq_norm"],
                             rtol=1e-4)


# stop_when_below: a program ends once every seed has been below its level (Basri's stop at
# convergence). Per-seed targets sin(2πkx), k = 1, 2, 3, with levels each seed reaches at a
# different step; the reference is the same run trained to the cap.
def _below_run(levels, num_steps=200, stop=True, **kw):
  S = len(levels)
  keys = jax.random.split(jax.random.key(0), S)
  batch = {"x": X, "y": _targets(S), "level": jnp.asarray(levels, jnp.float32)}
  kw.setdefault("progress", False)
  return train.train_seeds(_init, _loss, optax.adam(1e-2), batch, keys, num_steps, 5,
                           _measure, batch_axes={"x": None, "y": 0, "level": 0},
                           chunk_logs=4, track_below="level", stop_when_below=stop, **kw)


def test_stop_when_below_ends_after_the_chunk_of_the_last_crossing():
  full = _below_run([0.1, 0.43, 0.469], stop=False)
  fb = full.first_below
  assert (fb > 0).all() and len(set(fb.tolist())) > 1 and fb.max() < 150  # crossings spread
  stop = _below_run([0.1, 0.43, 0.469])
  np.testing.assert_array_equal(stop.first_below, fb)
  L = stop.loss.shape[1]
  last = stop.steps[-1]  # chunks of 4 logs × 5 steps = 20 steps
  assert last - 20 <= fb.max() < last and L < full.loss.shape[1]
  np.testing.assert_array_equal(stop.steps, full.steps[:L])
  np.testing.assert_array_equal(stop.loss, full.loss[:, :L])
  np.testing.assert_array_equal(stop.metrics["pred_mean"], full.metrics["pred_mean"][:, :L])
  # a seed that never gets below keeps the program going to the cap
  never = _below_run([0.1, 0.43, 1e-12])
  assert never.first_below[2] == -1 and never.loss.shape == full.loss.shape
  with pytest.raises(ValueError, match="stop_when_below needs track_below"):
    _run(stop_when_below=True)


def test_stopped_run_resumes_to_itself_and_groups_pad_with_nan(tmp_path):
  ckpt = str(tmp_path / "checkpoint.orbax")
  stop = _below_run([0.1, 0.43, 0.469], checkpoint_path=ckpt, keep_final_checkpoint=True)
  again = _below_run([0.1, 0.43, 0.469], checkpoint_path=ckpt, keep_final_checkpoint=True)
  _assert_identical(stop, again)
  # two groups: seeds {0, 1} stop early, seed 2 (level never reached) runs to the cap
  keys = jax.random.split(jax.random.key(0), 3)
  batch = {"x": X, "y": _targets(3), "level": jnp.asarray([0.1, 0.43, 1e-12], jnp.float32)}
  grp = train.train_in_groups(_init, _loss, optax.adam(1e-2), batch, keys, 200, 5, _measure,
                              group_size=2, batch_axes={"x": None, "y": 0, "level": 0},
                              chunk_logs=4, progress=False, track_below="level",
                              stop_when_below=True)
  assert grp.loss.shape == (3, 41)
  stopped = ~np.isfinite(grp.loss[:2])
  assert stopped[:, -1].all() and not stopped[:, :5].any()  # NaN after the stop only
  assert np.isfinite(grp.loss[2]).all() and grp.first_below[2] == -1
  assert not grp.diverged.any()  # stopping is not diverging
