"""Rahaman Exp 1 (spectral_bias_1d): the script end to end on a tiny config, the theory
overlay, and the effect itself. Bad flags of every script: tests/test_bad_inputs.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import config_path
from fourier_nn import relu_geometry, models, records
from fourier_nn.configs.spectral_bias_1d import get_config
from fourier_nn.experiments import spectral_bias_1d

EXP1 = config_path("spectral_bias_1d")


def test_spectral_bias_1d_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "exp1")
  r = script("spectral_bias_1d.py", f"--config={EXP1}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a = rec.arrays
  assert a["amplitudes"].shape == (2, 7, 3)  # [seed, log_step, freq]
  assert a["loss"].shape == (2, 7) and a["steps"].tolist() == list(range(0, 61, 10))
  assert a["spectral_norms"].shape == (2, 4, 3) and a["spectral_norm_steps"].tolist() == [0, 20, 40, 60]
  assert np.isfinite(a["spectral_norms"]).all()
  # Step-0 spectral norms are the exact largest singular values of the initial weights
  # (independent check: rebuild the nets in-process, numpy SVD).
  b = spectral_bias_1d.build(get_config("tiny"))
  for seed in range(2):
    ws = models.dense_kernels(b["init_fn"](b["init_keys"][seed]))
    np.testing.assert_allclose(a["spectral_norms"][seed, 0],
                               [np.linalg.norm(np.asarray(w), 2) for w in ws], rtol=1e-4)
  assert a["predictions"].shape == (2, 2, 64) and a["prediction_steps"].tolist() == [10, 60]
  s = rec.summary
  assert s["experiment"] == "spectral_bias_1d" and len(s["first_step_mean_amplitude_0.5"]) == 3
  assert "checkpoint.orbax" not in os.listdir(wd)
  assert rec.metrics[0]["step"] == 0 and len(rec.metrics) == 7
  # The final params of every seed are in the record: the net evaluated from them
  # reproduces the recorded prediction at the last step.
  params = records.load_params(wd)
  for seed in range(2):
    p = jax.tree_util.tree_map(lambda a: jnp.asarray(a[seed]), params)
    f = np.asarray(b["apply"](p, jnp.asarray(a["x"][:, None], jnp.float32)))
    np.testing.assert_allclose(f, a["predictions"][seed, -1], rtol=1e-5, atol=1e-6)
  # Geometry over training (host side, every chunk end): at step 0 and at the end it is
  # that of the init / final params, recomputed here; the count is a number of pieces, and
  # the true Lipschitz constant never exceeds the bound.
  assert a["geometry_steps"][0] == 0 and a["geometry_steps"][-1] == 60
  assert a["num_regions"].shape == a["lipschitz"].shape == (2, a["geometry_steps"].size)
  init = jax.vmap(b["init_fn"])(b["init_keys"])
  for params, j in ((init, 0), (params, -1)):
    g = relu_geometry.seed_geometry(b["model"], params, 0.0, 1.0)
    np.testing.assert_array_equal(a["num_regions"][:, j], g["num_regions"])
    np.testing.assert_allclose(a["lipschitz"][:, j], g["lipschitz"], rtol=1e-5)
    np.testing.assert_allclose(a["lipschitz_bound"][:, j], g["lipschitz_bound"], rtol=1e-5)
  assert (a["lipschitz"] <= a["lipschitz_bound"] * (1 + 1e-9)).all()
  assert (a["num_regions"] >= 1).all()
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


def _overlay(tmp_path, width):
  cfg = get_config("tiny")
  cfg.optimizer, cfg.lr, cfg.theory_overlay = "sgd", 0.05, True
  cfg.model.init, cfg.model.width = "ntk", width
  cfg.geometry = False  # linear regions of a width-1024 net: half the test's time, not its subject
  rec = records.load_record(spectral_bias_1d.run(cfg, str(tmp_path / f"w{width}")))
  return rec.arrays["residual_amplitudes"], rec.arrays["predicted_residual_amplitudes"], rec


def test_theory_overlay_starts_at_measurement_and_improves_with_width(tmp_path):
  """The kernel-flow prediction starts from the measured residual, and the gap to the
  measured per-frequency residual shrinks as an NTK-parameterised net widens (the kernel
  regime). Measured here: width 1024 → max gap ≈ 0.2 of the change, width 32 larger."""
  meas, pred, rec = _overlay(tmp_path, 1024)
  assert pred.shape == meas.shape == (2, 7, 3)
  assert rec.arrays["ntk_eigvals"].shape == (2, 64)
  np.testing.assert_allclose(pred[:, 0], meas[:, 0], rtol=1e-4, atol=1e-5)
  change = np.abs(meas - meas[:, :1]).max()
  assert change > 0.02  # it did learn something
  gap_wide = np.abs(pred - meas).max()
  assert gap_wide < 0.3 * change, (gap_wide, change)
  meas_n, pred_n, _ = _overlay(tmp_path, 32)
  assert np.abs(pred_n - meas_n).max() > gap_wide


def test_theory_overlay_refuses_adam(tmp_path):
  cfg = get_config("tiny")
  cfg.theory_overlay = True
  with pytest.raises(ValueError, match="plain GD"):
    spectral_bias_1d.run(cfg, str(tmp_path / "r"))


def test_robustness_tiny_end_to_end(tmp_path, script):
  """Rahaman Exp 2 through its script: record arrays and summary, then its figure."""
  wd = str(tmp_path / "exp2")
  r = script("robustness.py", f"--config={config_path('robustness')}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s = rec.arrays, rec.summary
  assert a["perturbed_amplitudes"].shape == (2, 5, 3)  # [model, delta, freq]
  np.testing.assert_allclose(a["deltas"], np.linspace(0, 2, 5))
  assert a["freqs"].tolist() == [2, 5, 9] and a["trained_amplitudes"].shape == (2, 3)
  assert a["train_loss"].shape == (2, 7) and a["train_steps"].tolist() == list(range(0, 61, 10))
  np.testing.assert_allclose(a["perturbed_amplitudes"][:, 0], 1.0, rtol=1e-5)  # δ = 0: θ*
  assert np.isfinite(a["perturbed_amplitudes"]).all()
  assert s["experiment"] == "robustness" and len(s["first_delta_mean_ratio_below_0.5"]) == 3
  assert np.asarray(s["first_delta_ratio_below_0.5_per_model"], float).shape == (2, 3)
  assert s["perturb_wall_time_s"] > 0 and s["models_from"] == "trained"
  assert len(rec.metrics) == 5 and rec.metrics[0]["delta"] == 0.0
  assert "checkpoint.orbax" not in os.listdir(wd)
  assert jax.tree_util.tree_leaves(records.load_params(wd))[0].shape[0] == 2
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000
