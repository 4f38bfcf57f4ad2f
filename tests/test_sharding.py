"""sharding: the seed axis over forced CPU host devices and over two processes gives the
numbers of the one-device run; ragged seed counts; checkpoints move between layouts.

The device count is fixed when JAX starts, so every multi-device run is a subprocess
(XLA_FLAGS=--xla_force_host_platform_device_count=D, or jax.distributed for processes).

How equal: two processes × two devices give the record of one process × four devices bit
for bit (the same per-device programs). Against ONE device the numbers agree to a few
float32 ulps, not bit for bit: XLA compiles the partitioned (shard_map) program with its
Adam update simplified in another order (divide and multiply reassociated; seen in the
optimised HLO), which moves the last bit of some parameters after the first step; the
difference then stays at the rounding level over a short run. The tolerance below is
the tightest that holds with margin here; a real difference (a wrong seed, a padded seed
kept, a lost step) is orders of magnitude larger.
"""
import json
import os
import socket
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

from conftest import REPO, config_path
from fourier_nn import sharding

RTOL, ATOL = 2e-5, 2e-6  # float32 rounding over the short runs below (see docstring)

# The train_seeds run of every comparison: test_train's tanh net, a different target
# per seed (a per-seed batch entry that must be padded and sharded with the seeds).
RUN = textwrap.dedent("""
    import sys, numpy as np, jax, jax.numpy as jnp, optax
    from fourier_nn import models, sharding, train
    S, out = int(sys.argv[1]), sys.argv[2]
    ckpt = sys.argv[3] if len(sys.argv) > 3 else None
    stop = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    net = models.MLP(depth=2, width=16, activation="tanh", init_scheme="torch")
    x = (jnp.arange(32, dtype=jnp.float32) / 32)[:, None]
    k = jnp.arange(1, S + 1, dtype=jnp.float32)[:, None]
    y = jnp.sin(2 * jnp.pi * k * x[:, 0][None, :])
    loss = lambda p, b: jnp.mean((net.apply(p, b["x"])[:, 0] - b["y"]) ** 2)
    measure = lambda p, b, s: {"pred": net.apply(p, b["x"])[:, 0]}
    class Stop:  # raises after `stop` chunks: a run killed part-way
      n = 0
      def start(self, *a): pass
      def update(self, *a):
        Stop.n += 1
        if stop and Stop.n == stop: raise KeyboardInterrupt
    keys = jax.random.split(jax.random.key(3), S)
    try:
      h = train.train_seeds(lambda kk: net.init(kk, x[:1]), loss, optax.adam(1e-2),
                            {"x": x, "y": y}, keys, 40, 5, measure,
                            batch_axes={"x": None, "y": 0}, chunk_logs=2, progress=False,
                            checkpoint_path=ckpt, checkpoint_every=1, monitor=Stop())
    except KeyboardInterrupt:
      print("stopped"); sys.exit(0)
    sh = sharding.SeedSharding(S, {"x": None, "y": 0})
    flat = {"p%d" % i: a for i, a in enumerate(jax.tree_util.tree_leaves(h.params))}
    np.savez(out, loss=h.loss, pred=h.metrics["pred"], diverged=h.diverged, **flat)
    print("devices", jax.device_count(), "used", sh.mesh.devices.size if sh.active else 1,
          "padded", sh.padded)
""")


def _env(devices: int | None = None) -> dict:
  env = dict(os.environ, JAX_PLATFORMS="cpu", FOURIER_NN_PROGRESS_BAR="0",
             PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
  env.pop("XLA_FLAGS", None)
  env.pop(sharding.ENV_HOST_DEVICES, None)
  if devices is not None:
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
  return env


def _run(tmp_path, devices: int, seeds: int, *extra: str) -> tuple[str, dict | None]:
  out = str(tmp_path / f"d{devices}_s{seeds}_{len(extra)}.npz")
  r = subprocess.run([sys.executable, "-c", RUN, str(seeds), out, *extra], env=_env(devices),
                     capture_output=True, text=True, timeout=600, cwd=REPO)
  assert r.returncode == 0, r.stderr[-3000:]
  last = r.stdout.strip().splitlines()[-1]
  return last, (dict(np.load(out)) if os.path.exists(out) else None)


def _assert_close(a: dict, b: dict, exact: bool = False) -> None:
  assert a.keys() == b.keys()
  for k in a:
    assert a[k].shape == b[k].shape, k
    if exact or a[k].dtype == bool:
      np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    else:
      np.testing.assert_allclose(a[k], b[k], rtol=RTOL, atol=ATOL, err_msg=k)


@pytest.mark.parametrize("seeds,devices", [(20, 8), (13, 7), (5, 64), (1, 4), (3, 4)])
def test_layout_pads_least_and_loads_devices_evenly(seeds, devices):
  d, padded = sharding.layout(seeds, devices)
  k = -(-seeds // devices)                 # the least possible seeds per device
  assert d <= devices and padded == k * d and padded >= seeds
  assert -(-seeds // d) == k               # ... is what each used device gets
  assert d == 1 or -(-seeds // (d - 1)) > k  # and no fewer devices would do
  # across processes every device holds a shard
  assert sharding.layout(seeds, devices, num_processes=2)[0] == devices


def test_one_device_hands_everything_through():
  sh = sharding.SeedSharding(5, {"x": None, "y": 0}, devices=jax.devices()[:1])
  keys = jax.random.split(jax.random.key(0), 5)
  batch = {"x": np.zeros(3), "y": np.zeros((5, 3))}
  assert not sh.active and sh.padded == 5
  assert sh.keys(keys) is keys and sh.batch(batch) is batch


def test_ragged_seeds_over_four_devices_match_one_device(tmp_path):
  """10 seeds on 4 host devices (padded to 12, 3 per device) and 4 seeds (one each)."""
  for seeds, padded in ((10, 12), (4, 4)):
    info, many = _run(tmp_path, 4, seeds)
    assert info == f"devices 4 used 4 padded {padded}"
    info1, one = _run(tmp_path, 1, seeds)
    assert info1 == f"devices 1 used 1 padded {seeds}"
    _assert_close(many, one)
    assert (many["loss"][:, -1] < many["loss"][:, 0]).all()  # every seed trains
    # each seed is itself, not a neighbour or the padding: seed i fits sin(2π(i+1)x)
    assert len({round(float(v), 6) for v in many["loss"][:, -1]}) == seeds


# train_seeds with track_below (Basri's every-step convergence check): a per-seed level in
# the batch, padded with the seeds when they do not fill the devices.
RUN_BELOW = textwrap.dedent("""
    import sys, numpy as np, jax, jax.numpy as jnp, optax
    from fourier_nn import models, train
    S, out = int(sys.argv[1]), sys.argv[2]
    net = models.MLP(depth=2, width=16, activation="tanh", init_scheme="torch")
    x = (jnp.arange(32, dtype=jnp.float32) / 32)[:, None]
    y = jnp.sin(2 * jnp.pi * x[:, 0])
    level = jnp.linspace(0.3, 0.05, S).astype(jnp.float32)
    loss = lambda p, b: jnp.mean((net.apply(p, b["x"])[:, 0] - b["y"]) ** 2)
    keys = jax.random.split(jax.random.key(5), S)
    h = train.train_seeds(lambda kk: net.init(kk, x[:1]), loss, optax.adam(1e-2),
                          {"x": x, "y": y, "level": level}, keys, 60, 20, None,
                          batch_axes={"x": None, "y": None, "level": 0}, progress=False,
                          track_below="level")
    np.savez(out, first_below=h.first_below, loss=h.loss)
    print("devices", jax.device_count())
""")


def test_track_below_with_padded_seeds_matches_one_device(tmp_path):
  """3 seeds on 2 devices (padded to 4): the first step below each seed's level is that of
  the one-device run (a regression: the padded level met the unpadded loss and the run
  failed after training, with an odd number of Basri pairs on the 2-core default)."""
  outs = {}
  for devices in (2, 1):
    out = str(tmp_path / f"below{devices}.npz")
    r = subprocess.run([sys.executable, "-c", RUN_BELOW, "3", out], env=_env(devices),
                       capture_output=True, text=True, timeout=600, cwd=REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == f"devices {devices}"
    outs[devices] = dict(np.load(out))
  assert outs[2]["first_below"].shape == (3,)
  np.testing.assert_array_equal(outs[2]["first_below"], outs[1]["first_below"])
  assert (outs[1]["first_below"] > 0).any()  # some seed did get below its level


def test_two_and_four_devices_agree_with_each_other_closely(tmp_path):
  """3 seeds on 2 devices (2 + 1 padded) and on 4 (3 used, one seed each)."""
  info2, two = _run(tmp_path, 2, 3)
  info4, four = _run(tmp_path, 4, 3)
  assert info2 == "devices 2 used 2 padded 4" and info4 == "devices 4 used 3 padded 3"
  _assert_close(two, four)


def test_checkpoint_of_a_sharded_run_resumes_on_one_device(tmp_path):
  """A 4-device run stopped in its 2nd of 4 chunks leaves the checkpoint of chunk 1 with
  exactly S seeds (gathered, padding dropped); one device resumes it to the uninterrupted
  numbers."""
  from fourier_nn import checkpoints
  ckpt = str(tmp_path / "checkpoint.orbax")
  info, _ = _run(tmp_path, 4, 5, ckpt, "2")
  assert info == "stopped"
  z, meta = checkpoints.restore(ckpt)
  assert meta["done_chunks"] == 1
  assert {z[k].shape[0] for k in z if k.startswith("state/")} == {5}
  _, resumed = _run(tmp_path, 1, 5, ckpt)
  _, straight = _run(tmp_path, 4, 5)
  _assert_close(resumed, straight)


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


def _script(workdir, *flags, devices: str = "4", env=None):
  cmd = [sys.executable, os.path.join(REPO, "scripts", "spectral_bias_1d.py"),
         f"--config={config_path('spectral_bias_1d')}:tiny", "--config.num_seeds=5",
         f"--workdir={workdir}", f"--host_devices={devices}", *flags]
  return subprocess.Popen(cmd, env=env or _env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, cwd=REPO)


def test_two_processes_times_two_devices_write_the_record_of_one_process(tmp_path):
  """jax.distributed over gloo on localhost: 2 processes × 2 host devices (5 seeds padded
  to 8) give the arrays of 1 process × 4 devices bit for bit; only process 0 writes,
  checkpoints included (an orbax save after every chunk: process 0 alone, no barrier with
  process 1)."""
  from fourier_nn import records

  port = _free_port()
  multi = tmp_path / "two_processes"
  procs = [_script(multi, f"--coordinator_address=localhost:{port}", "--num_processes=2",
                   f"--process_id={i}", "--config.checkpoint_every=1", devices="2")
           for i in range(2)]
  single = _script(tmp_path / "one_process", "--config.checkpoint_every=1")
  outs = [p.communicate(timeout=600) for p in procs + [single]]
  for p, (_, err) in zip(procs + [single], outs):
    assert p.returncode == 0, err[-3000:]
  a = records.load_record(str(multi))
  b = records.load_record(str(tmp_path / "one_process"))
  assert a.arrays.keys() == b.arrays.keys()
  _assert_close(a.arrays, b.arrays, exact=True)
  prov = json.load(open(multi / "provenance.json"))
  assert prov["process_count"] == 2 and prov["device_count"] == 4
  assert sorted(os.listdir(multi)) == sorted(os.listdir(tmp_path / "one_process"))


def test_bad_host_devices_is_one_line(tmp_path):
  p = _script(tmp_path / "wd", devices="banana")
  out, err = p.communicate(timeout=300)
  assert p.returncode == 2
  assert err.strip().splitlines()[-1] == (
      "spectral_bias_1d: error: host_devices='banana' is invalid: give a positive integer "
      "or 'cores' (one host device per usable core)")
  assert not (tmp_path / "wd").exists()
