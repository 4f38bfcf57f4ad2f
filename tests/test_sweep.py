"""sweep: a grid cell is its config trained alone; sharded sweeps (4 host devices, 2
processes × 2 devices) give the one-device record; a killed sweep resumes to identical
arrays; bad grids are refused in one line before anything compiles.

How equal: a cell against its config alone, to float32 rounding (seen: 2 of 20 losses one
ulp apart after 20 steps). The per-seed update scale (−1·u)·lr equals optax's (−lr)·u
exactly and clip=inf is the identity, but the sweep's program has C·S seeds on its vmapped
axis instead of S, and XLA may vectorise and fuse the batched matmuls and the scaled update
differently for another batch size; the tolerance CELL_RTOL is ~10 ulps.
Sharded against one device: to float32 rounding, not bit for bit, for the reason given in
tests/test_sharding.py (XLA reassociates Adam's update in the partitioned program); the
same tolerance is used. 2 processes × 2 devices against 1 process × 4 devices: bit for bit.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, config_path
from fourier_nn import checkpoints, records, sweep, train
from fourier_nn.configs import sweep as sweep_config
from fourier_nn.experiments import common, spectral_bias_1d

RTOL, ATOL = 2e-5, 2e-6  # as tests/test_sharding.py
CELL_RTOL, CELL_ATOL = 1e-6, 1e-7
ARRAYS = ("loss", "amplitudes", "residual_amplitudes", "diverged")


def _tiny(**over):
  c = sweep_config.get_config("tiny")
  with c.unlocked():
    for k, v in over.items():
      parent = c
      *head, last = k.split(".")
      for p in head:
        parent = parent[p]
      parent[last] = v
  return c


def test_a_cell_equals_its_config_trained_alone(tmp_path):
  c = _tiny(**{"grid.clip": (0.0, 0.3), "grid.lr": (3e-3, 1e-2)})
  rec = records.load_record(sweep.run(c, str(tmp_path / "sweep")))
  a = rec.arrays
  assert a["loss"].shape == (2, 2, 1, 2, 1, 1, 4, 5)  # [lr, clip, amp, width, depth, N, seed, t]
  assert rec.summary["grid_axes"] == list(sweep.GRID_KEYS) + ["seed"]
  for il, ic, iw in [(1, 0, 1), (0, 1, 0)]:
    cell = sweep.cell_config(c, lr=c.grid.lr[il], clip=c.grid.clip[ic],
                             **{"model.width": c.grid.model.width[iw]})
    b = spectral_bias_1d.build(cell)
    wd = records.Workdir(str(tmp_path / f"alone{il}{ic}{iw}"), config=cell)
    h = spectral_bias_1d.train_models(cell, b, wd)
    got = (il, ic, 0, iw, 0, 0)
    np.testing.assert_allclose(a["loss"][got], h.loss, rtol=CELL_RTOL, atol=CELL_ATOL)
    np.testing.assert_allclose(a["amplitudes"][got], h.metrics["amplitudes"],
                               rtol=CELL_RTOL, atol=CELL_ATOL)
  # the half-amplitude steps, recomputed here by a plain loop over the logged steps
  mean = a["amplitudes"].mean(axis=-3)  # [..., t, k] over seeds (none diverged here)
  assert not a["diverged"].any()
  for idx in np.ndindex(mean.shape[:-2]):
    for k in range(mean.shape[-1]):
      hit = [s for s, v in zip(a["steps"], mean[idx][:, k]) if v >= 0.5]
      want = hit[0] if hit else np.nan
      np.testing.assert_equal(a["first_step_mean_amplitude_0.5"][idx + (k,)], want)
  assert np.isfinite(a["first_step_mean_amplitude_0.5"]).any()  # k = 1 at lr 1e-2
  import matplotlib
  matplotlib.use("Agg")
  from fourier_nn import plotting
  fig = plotting.figure_for(rec)
  assert len(fig.axes) >= 2
  # the cells differ: lr and clip are really per cell
  assert not np.array_equal(a["loss"][0, 0], a["loss"][1, 0])
  assert not np.array_equal(a["loss"][0, 0], a["loss"][0, 1])


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_update_scale_is_the_optimizer_at_that_lr_bit_for_bit(optimizer):
  """make_step with the optimizer at lr 1 and update_scale=lr vs the optimizer at lr:
  optax scales by −lr, the sweep by (−1)·lr afterwards; both are exact roundings of the
  same product, so 5 steps agree bit for bit."""
  import jax
  import jax.numpy as jnp
  from fourier_nn import models
  net = models.MLP(depth=2, width=16, activation="relu", init_scheme="torch")
  x = jnp.linspace(0, 1, 32)[:, None]
  batch = {"x": x, "y": jnp.sin(6.0 * x[:, 0]), "lr": jnp.float32(3e-3)}
  loss = lambda p, b: jnp.mean((net.apply(p, b["x"])[:, 0] - b["y"]) ** 2)
  p0 = net.init(jax.random.key(0), x[:1])
  alone = common.make_optimizer(optimizer, 3e-3)
  unit = common.make_optimizer(optimizer, 1.0)
  sa = {"params": p0, "opt": alone.init(p0)}
  su = {"params": p0, "opt": unit.init(p0)}
  step_a = jax.jit(train.make_step(loss, alone))
  step_u = jax.jit(train.make_step(loss, unit, update_scale="lr"))
  for _ in range(5):
    sa, su = step_a(sa, batch), step_u(su, batch)
  for a, b in zip(jax.tree_util.tree_leaves(sa["params"]), jax.tree_util.tree_leaves(su["params"])):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
  assert not np.array_equal(np.asarray(jax.tree_util.tree_leaves(p0)[0]),
                            np.asarray(jax.tree_util.tree_leaves(su["params"])[0]))


def _script(workdir, *flags, devices="4"):
  env = dict(os.environ, JAX_PLATFORMS="cpu", FOURIER_NN_PROGRESS_BAR="0",
             PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
  env.pop("XLA_FLAGS", None)
  cmd = [sys.executable, os.path.join(REPO, "scripts", "sweep.py"),
         f"--config={config_path('sweep')}:tiny", "--config.num_seeds=64",
         "--config.num_steps=20", f"--workdir={workdir}", f"--host_devices={devices}", *flags]
  return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, cwd=REPO)


def _wait(*procs):
  for p in procs:
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-3000:]


def test_64_seed_sweep_on_4_devices_and_2_processes_matches_one_device(tmp_path):
  import socket
  with socket.socket() as s:
    s.bind(("localhost", 0))
    port = s.getsockname()[1]
  multi = [_script(tmp_path / "p2x2", f"--coordinator_address=localhost:{port}",
                   "--num_processes=2", f"--process_id={i}", devices="2") for i in range(2)]
  _wait(*multi)
  _wait(_script(tmp_path / "d4", devices="4"))
  _wait(_script(tmp_path / "d1", devices="1"))
  d1, d4, p2 = (records.load_record(str(tmp_path / n)).arrays for n in ("d1", "d4", "p2x2"))
  assert d1["loss"].shape == (2, 1, 1, 2, 1, 1, 64, 3)
  for k in ARRAYS:
    np.testing.assert_array_equal(p2[k], d4[k], err_msg=k)
    np.testing.assert_allclose(d4[k], d1[k], rtol=RTOL, atol=ATOL, err_msg=k)
  assert (d1["loss"][..., -1] < d1["loss"][..., 0]).all()


def test_killed_sweep_resumes_to_identical_arrays_and_refuses_a_changed_grid(tmp_path,
                                                                             monkeypatch):
  c = _tiny(checkpoint_every=1, chunk_logs=1)
  straight = records.load_record(sweep.run(c, str(tmp_path / "straight"))).arrays
  saves = []
  real = train._save_checkpoint

  def save_then_die(*a, **k):  # group 0: 4 chunk saves (the last is its final state); die in group 1
    real(*a, **k)
    saves.append(a[0])
    if len(saves) == 6:
      raise KeyboardInterrupt

  monkeypatch.setattr(train, "_save_checkpoint", save_then_die)
  wd = str(tmp_path / "killed")
  with pytest.raises(KeyboardInterrupt):
    sweep.run(c, wd)
  monkeypatch.setattr(train, "_save_checkpoint", real)
  assert sorted(os.path.basename(p) for p in set(saves)) == ["checkpoint_group0.orbax",
                                                             "checkpoint_group1.orbax"]
  _, meta = checkpoints.restore(os.path.join(wd, "checkpoint_group1.orbax"))
  assert meta["done_chunks"] == 2  # a half group
  changed = _tiny(checkpoint_every=1, chunk_logs=1, **{"grid.lr": (1e-3, 2e-3)})
  with pytest.raises(ValueError, match=r"--resume refused.*grid\.lr"):
    sweep.run(changed, wd, resume=True)
  resumed = records.load_record(sweep.run(c, wd, resume=True)).arrays
  assert resumed.keys() == straight.keys()
  for k in resumed:
    np.testing.assert_array_equal(resumed[k], straight[k], err_msg=k)


@pytest.mark.parametrize("over,msg", [
    ({"grid.lr": ()}, "--config.grid.lr=() is invalid: give at least one value"),
    ({"grid.lr": (1e-3, 1e-3)}, "--config.grid.lr=(0.001, 0.001) is invalid: values must "
                                "be distinct"),
    ({"grid.lr": (1e-3, -1.0)}, "--config.grid.lr value -1.0 is invalid: must be a positive number"),
    ({"grid.model.width": (8, 0)}, "--config.grid.model.width value 0 is invalid"),
    ({"grid.amplitudes": ("equal", "banana")}, "--config.grid.amplitudes value 'banana' is "
                                               "invalid"),
    ({"grid.model.width": (10**6,)}, "memory"),
])
def test_bad_grid_is_one_line_and_writes_nothing(tmp_path, over, msg):
  c = _tiny(**over)
  with pytest.raises(ValueError) as e:
    sweep.run(c, str(tmp_path / "wd"))
  assert msg in str(e.value) and "\n" not in str(e.value)
  assert not (tmp_path / "wd").exists()


def test_unknown_grid_key_names_the_nearest():
  c = _tiny()
  with c.grid.unlocked():
    c.grid.lrr = (1e-3,)
  with pytest.raises(common.ConfigError, match=r"--config\.grid\.lrr is not a sweepable key.*"
                                               r"did you mean grid\.lr\?"):
    sweep.validate(c)
