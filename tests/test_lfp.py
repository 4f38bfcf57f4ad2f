"""Linear F-Principle experiment: the shifted net's NTK, the LFP time scale, the regimes,
the script. The net's forward pass: test_models.py; gradient_descent_mse: test_theory.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import config_path
from fourier_nn import kernels, models, records, theory
from fourier_nn.configs.lfp import get_config
from fourier_nn.experiments import lfp

CONFIG = config_path("lfp")
X = np.array([-1.0, -0.72, -0.45, -0.1, 0.15, 0.42, 0.7, 1.0])


def _shifted_net(width, r_std, w_std, l_range, antisymmetric, dist="normal"):
  return models.TwoLayerReLU(width=width, form="shifted", inner_std=r_std, outer_std=w_std,
                             shift_range=l_range, antisymmetric=antisymmetric, init_dist=dist)


@pytest.mark.parametrize("r_std,w_std", [(10.0, 10.0), (100.0, 0.01)])
def test_empirical_ntk_matches_closed_form(r_std, w_std):
  """Autodiff NTK of a wide net at init vs the closed-form infinite-width Θ̄ (measured
  moments). 'sign' init: only the l positions fluctuate, ~1 % at m = 20 000; the formula
  with a wrong l-range L is off by > 8 %."""
  net = _shifted_net(20_000, r_std, w_std, 2.0, True, "sign")
  p = net.init(jax.random.key(0), jnp.zeros((1, 1)))
  mom = models.second_moments(p)
  np.testing.assert_allclose(mom, (r_std**2 * w_std**2, r_std**2, w_std**2), rtol=1e-5)
  emp = np.asarray(kernels.empirical_ntk(net.apply, p, jnp.asarray(X[:, None], jnp.float32)),
                   np.float64)
  err = lambda L: np.linalg.norm(emp - theory.lfp_ntk(X, X, *mom, L)) / np.linalg.norm(emp)
  assert err(2.0) < 0.03, err(2.0)
  assert err(3.0) > 0.08, err(3.0)


@pytest.mark.parametrize("r_std,w_std,steps", [(10.0, 10.0, 2_000), (100.0, 0.01, 40_000)])
def test_lfp_time_scale_matches_ntk_flow(r_std, w_std, steps):
  """dτ = lr/(16π⁴L) per GD step: the LFP (theory.lfp_kernel, ξ = 0 instantaneous) then
  follows GD under the infinite-width NTK to < 2 % of ‖r_0‖ at every logged step; a
  time scale off by 2× in either direction is off by > 15 %."""
  r2, w2 = r_std**2, w_std**2
  n, L = X.size, 2.0
  y = np.sin(2 * np.pi * X)
  K = theory.lfp_ntk(X, X, r2 * w2, r2, w2, L)
  lr = 0.9 * n / np.linalg.eigvalsh(K)[-1]
  t = np.arange(0, steps + 1, steps // 100)
  r_ntk = theory.gradient_descent_mse(K, y, lr, scale=2.0 / n)(t, np.zeros(n)) - y
  KL = theory.lfp_data_kernel(X, X, r2 * w2, r2, w2, 50.0)
  big = 1e6 * np.abs(KL).max()

  def err(factor):
    tau = factor * theory.lfp_time_per_step(lr, L) * t
    lfp_fn = theory.gradient_descent_mse(KL + big, y, 1.0, scale=1.0 / n, discrete=False)
    r_lfp = lfp_fn(tau, np.zeros(n)) - y
    return np.max(np.linalg.norm(r_lfp - r_ntk, axis=1)) / np.linalg.norm(y)

  assert err(1.0) < 0.02, err(1.0)
  assert min(err(0.5), err(2.0)) > 0.15


def test_l2_distance_and_residual_fourier():
  g = np.linspace(-1, 2, 3001)
  mask = (g >= 0) & (g <= 1)
  np.testing.assert_allclose(theory.l2_distance(g, 0 * g, g, mask), np.sqrt(1 / 3),
                             rtol=1e-6)
  x = np.array([0.0, 0.25, 0.5, 0.75])
  np.testing.assert_allclose(lfp._residual_fourier(np.cos(2 * np.pi * x), x, [1.0, 2.0]),
                             [0.5, 0.0], atol=1e-6)  # float32 NUDFT


def test_regimes_flip_with_the_init(tmp_path):
  """Large ⟨r²w²⟩/(⟨r²⟩+⟨w²⟩) → the net ends near the linear spline; small → near the
  cubic one. Small nets and short runs; 'sign' init halves the finite-width noise of the
  kernel (measured: 0.063 vs 0.262 and 0.018 vs 0.267; LFP residual error 0.02)."""
  out = {}
  for regime, steps in (("linear", 1_000), ("cubic", 20_000)):
    cfg = get_config(regime)
    cfg.num_seeds, cfg.model.width, cfg.model.l_range = 2, 2_000, 1.5
    cfg.model.init_dist = "sign"
    cfg.num_steps, cfg.log_every, cfg.snapshot_steps = steps, steps // 20, (steps,)
    out[regime] = records.load_record(lfp.run(cfg, str(tmp_path / regime))).summary
  lin, cub = out["linear"], out["cubic"]
  assert lin["closer_to"] == "linear" and cub["closer_to"] == "cubic"
  assert lin["distance_to_linear_spline"] < 0.5 * lin["distance_to_cubic_spline"], lin
  assert cub["distance_to_cubic_spline"] < 0.5 * cub["distance_to_linear_spline"], cub
  for s in (lin, cub):  # the LFP-predicted residuals track the measured ones
    assert s["residual_rel_error_max"]["lfp"] < 0.1, s["residual_rel_error_max"]


def test_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "lfp")
  r = script("lfp.py", f"--config={CONFIG}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s = rec.arrays, rec.summary
  n = X.size
  assert a["steps"].tolist() == list(range(0, 201, 20))
  assert a["residuals"].shape == (2, 11, n) and a["loss"].shape == (2, 11)
  for k in lfp.PREDICTIONS:
    assert a[f"predicted_residuals_{k}"].shape == (2, 11, n)
    # every prediction starts from the initial residual h_0 − y = −y (± pairs cancel up
    # to float32 round-off of terms of size ~σ_r σ_w/√m ≈ 6)
    np.testing.assert_allclose(a[f"predicted_residuals_{k}"][:, 0], a["residuals"][:, 0],
                               atol=1e-4)
  np.testing.assert_allclose(a["residuals"][:, 0], -np.sin(2 * np.pi * X)[None].repeat(2, 0),
                             atol=1e-4)
  G = a["grid"].size
  assert a["final_function"].shape == a["linear_spline"].shape == (2, G)
  assert a["snapshot_functions"].shape == (2, 2, G)
  # the splines interpolate the data (knots lie on the grid; h_0 ≈ 0 up to float32)
  on = np.searchsorted(a["grid"], X)
  for k in ("linear_spline", "cubic_spline", "lfp_interpolant"):
    np.testing.assert_allclose(a[k][:, on], np.broadcast_to(a["y_train"], (2, n)), atol=1e-4)
  # loss is the MSE of the recorded residuals
  np.testing.assert_allclose(a["loss"], np.mean(a["residuals"] ** 2, axis=-1), rtol=1e-4)
  assert s["experiment"] == "lfp" and s["regime"] == "linear"
  assert set(s["residual_rel_error_max"]) == set(lfp.PREDICTIONS)
  assert len(s["distance_to_linear_spline_per_seed"]) == 2
  assert "checkpoint.orbax" not in os.listdir(wd)
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


def test_ntk_formula_uses_the_joint_moment_not_the_product():
  """(r, w) drawn correlated, w = 0.5·|r|·sign, so ⟨r²w²⟩ = 3⟨r²⟩⟨w²⟩ (normal r): the
  closed-form Θ̄ with the measured joint moment matches the empirical NTK; swapping in the
  product ⟨r²⟩⟨w²⟩ (a swapped-moment bug) does not."""
  m, L = 20_000, 2.0
  net = _shifted_net(m, 1.0, 1.0, L, True)
  p = net.init(jax.random.key(4), jnp.zeros((1, 1)))
  kr, ks = jax.random.split(jax.random.key(5))
  r_h = jax.random.normal(kr, (m // 2,))
  w_h = 0.5 * jnp.abs(r_h) * jax.random.rademacher(ks, (m // 2,), jnp.float32)
  params = {"params": {"w": jnp.concatenate([w_h, -w_h]),
                       "r": jnp.concatenate([r_h, r_h])[None, :],
                       "l": p["params"]["l"]}}
  r2w2, r2, w2 = models.second_moments(params)
  assert 2.7 < r2w2 / (r2 * w2) < 3.3
  emp = np.asarray(kernels.empirical_ntk(net.apply, params, jnp.asarray(X[:, None], jnp.float32)),
                   np.float64)
  err = lambda a: np.linalg.norm(emp - theory.lfp_ntk(X, X, a, r2, w2, L)) / np.linalg.norm(emp)
  assert err(r2w2) < 0.03, err(r2w2)
  assert err(r2 * w2) > 0.1, err(r2 * w2)
