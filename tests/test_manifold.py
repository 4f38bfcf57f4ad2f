"""Rahaman Exp 5 and 6 (flower_manifold, manifold_classification): both scripts end to end
on tiny configs, recorded numbers against independent computations, and a cell inside the
batched grid equal to the same cell trained alone. Bad flags: tests/test_bad_inputs.py;
the effects themselves: tests/test_phenomena.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np

from conftest import config_path
from fourier_nn import data, records, relu_geometry
from fourier_nn.configs import flower_manifold, manifold_classification
from fourier_nn.experiments import manifold


def _seed(params, i):
  return jax.tree_util.tree_map(lambda a: jnp.asarray(a[i]), params)


def test_flower_manifold_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "exp5")
  r = script("flower_manifold.py", f"--config={config_path('flower_manifold')}:tiny",
             f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a = rec.arrays
  assert a["amplitudes"].shape == (2, 2, 3, 3)  # [L, seed, log_step, freq]
  assert a["loss"].shape == (2, 2, 3) and a["steps"].tolist() == [0, 10, 20]
  assert a["Ls"].tolist() == [0, 4] and a["freqs"].tolist() == [2, 5, 9]
  assert rec.summary["experiment"] == "flower_manifold"
  assert not [f for f in os.listdir(wd) if f.startswith("checkpoint")]
  # Independent check: the final net of every cell (params, c = iL·S + s) evaluated on
  # γ_L reproduces the recorded prediction, its numpy-FFT amplitude in z the last
  # recorded amplitude, and its MSE against the seed's own sum of sines the last loss.
  cfg = flower_manifold.get_config("tiny")
  b = manifold.build(cfg)
  params = records.load_params(wd)
  z = np.arange(64) / 64
  for iL, L in enumerate((0, 4)):
    x = data.flower_manifold(z, L)
    for s in range(2):
      f = np.asarray(b["apply"](_seed(params, iL * 2 + s), jnp.asarray(x)), np.float64)
      np.testing.assert_allclose(f, a["final_predictions"][iL, s], rtol=1e-5, atol=1e-6)
      amp = 2 * np.abs(np.fft.fft(f)[[2, 5, 9]]) / 64
      np.testing.assert_allclose(amp, a["amplitudes"][iL, s, -1], rtol=1e-3, atol=1e-5)
      y = sum(np.sin(2 * np.pi * k * z + p) for k, p in zip((2, 5, 9), a["phases"][s]))
      # the loss is logged before the step's update; the prediction is after the last one
      assert abs(np.mean((f - y) ** 2) - a["loss"][iL, s, -1]) < 0.05 * a["loss"][iL, s, -1]
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


def test_manifold_classification_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "exp6")
  r = script("manifold_classification.py",
             f"--config={config_path('manifold_classification')}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a = rec.arrays
  assert a["accuracy"].shape == (3, 3, 2)  # [k, L, seed]
  assert a["accuracy_curve"].shape == a["loss"].shape == (3, 3, 2, 3)
  assert a["ks"].tolist() == [3, 8, 20] and a["Ls"].tolist() == [0, 4, 8]
  assert a["decision_logits"].shape == (2, 24, 24) and a["num_regions"].shape == (2,)
  np.testing.assert_array_equal(a["accuracy"], a["accuracy_curve"][..., -1])
  # Independent checks on the decision-map cell (k, L) = (8, 4): labels from the formula,
  # logits on the grid from the stored params, the region count from relu_geometry.
  cfg = manifold_classification.get_config("tiny")
  b = manifold.build(cfg)
  z = np.arange(64) / 64
  np.testing.assert_array_equal(
      a["decision_labels"], (np.sin(2 * np.pi * 8 * z + a["phases"][1, 0]) > 0).astype(float))
  np.testing.assert_allclose(a["decision_inputs"], data.flower_manifold(z, 4), atol=1e-7)
  params = records.load_params(wd)
  gx, gy = np.meshgrid(a["grid_x"], a["grid_y"])
  pts = jnp.asarray(np.stack([gx.ravel(), gy.ravel()], 1), jnp.float32)
  for s in range(2):
    p = _seed(params, s)
    np.testing.assert_allclose(np.asarray(b["apply"](p, pts)).reshape(24, 24),
                               a["decision_logits"][s], rtol=1e-5, atol=1e-5)
    assert a["num_regions"][s] == relu_geometry.num_regions_2d(
        b["model"], jax.tree_util.tree_map(np.asarray, p), a["grid_x"], a["grid_y"])
  assert rec.summary["decision_map_cell"] == [8, 4]
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


def test_a_cell_in_the_grid_equals_the_cell_trained_alone():
  """Cell (k, L) = (8, 4), seed 1 of the 3 × 3 × 2 grid (grouped, 8 cells per program) vs
  the same cell as a 1 × 1 × 2 grid in one program: same data, same init, same training."""
  cfg = manifold_classification.get_config("tiny")
  b = manifold.build(cfg)
  grid = manifold.train_cells(cfg, b, progress=False)
  alone_cfg = manifold_classification.get_config("tiny")
  alone_cfg.ks, alone_cfg.Ls, alone_cfg.cells_per_program = (8,), (4,), 0
  ba = manifold.build(alone_cfg)
  alone = manifold.train_cells(alone_cfg, ba, progress=False)
  c = (1 * 3 + 1) * 2 + 1  # (ik·|L| + iL)·S + s
  np.testing.assert_array_equal(ba["batch"]["y"][1], b["batch"]["y"][c])
  np.testing.assert_array_equal(ba["batch"]["x"][1], b["batch"]["x"][c])
  np.testing.assert_allclose(alone.loss[1], grid.loss[c], rtol=1e-5)
  np.testing.assert_allclose(alone.metrics["accuracy"][1], grid.metrics["accuracy"][c])
  jax.tree_util.tree_map(lambda u, v: np.testing.assert_allclose(u[1], v[c], rtol=1e-4,
                                                                 atol=1e-6),
                         alone.params, grid.params)
  # and the seeds differ: another seed of the same cell is not the same net
  assert not np.allclose(grid.loss[c - 1], grid.loss[c])
