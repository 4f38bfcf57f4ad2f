"""Cao et al. 2019 experiment (ntk_sphere): targets, the net's NTK, predictions, script.
Gegenbauer polynomials and rate fits: test_theory.py; samplers: test_data.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

from conftest import config_path
from fourier_nn import data, kernels, losses, models, records, theory
from fourier_nn.configs.ntk_sphere import get_config
from fourier_nn.experiments import ntk_sphere

CFG = config_path("ntk_sphere")


def test_build_makes_target_and_unit_vectors_from_scipy_gegenbauer():
  cfg = get_config("amps135,tiny")
  b = ntk_sphere.build(cfg)
  d = cfg.dim
  S, N, K = cfg.num_seeds, cfg.num_points, 3
  assert b["x"].shape == (S, N, d) and b["v"].shape == (S, K, N) and b["y"].shape == (S, N)
  for s in range(S):
    y = np.zeros(N)
    for j, (k, a) in enumerate(zip(cfg.degrees, cfg.amplitudes)):
      c = scipy.special.eval_gegenbauer(k, (d - 2) / 2, b["x"][s] @ b["zeta"][s, j])
      np.testing.assert_allclose(b["v"][s, j], c / np.linalg.norm(c), rtol=1e-10)
      y += a * c / scipy.special.eval_gegenbauer(k, (d - 2) / 2, 1.0)  # P_k(1) = 1
    np.testing.assert_allclose(b["y"][s], y, rtol=1e-10)
  # The paper-size sample: distinct degrees give nearly orthogonal v_k (|v_jᵀv_k| ~ n^-1/2).
  x = data.sphere_inputs(jax.random.key(3), 1000, 10)
  _, v = data.harmonic_sum_target(x, data.random_directions(jax.random.key(4), 3, 10),
                                  (1, 2, 4), (1.0, 1.0, 1.0), "unit_l2")
  g = v @ v.T
  np.testing.assert_allclose(np.diag(g), 1.0, rtol=1e-12)
  assert cfg.gegenbauer_norm == "unit_at_one"
  assert np.max(np.abs(g - np.eye(3))) < 0.15, g


@pytest.mark.parametrize("w_std,a_std,train_outer", [(1.0, 1.0, True), (1.4, 0.6, True),
                                                     (1.0, 1.0, False)])
def test_closed_form_kernel_matches_empirical_ntk_at_init(w_std, a_std, train_outer):
  """κ(u) = a² uκ₀/2 + w² κ₁/2 (theory.two_layer_relu_ntk with the init scales) vs the
  empirical NTK of models.TwoLayerReLU(outer="trained" / "frozen")."""
  d, n, m = 10, 40, 8192
  x = data.sphere_inputs(jax.random.key(7), n, d)
  model = models.TwoLayerReLU(width=m, inner_std=w_std, outer_std=a_std,
                              outer="trained" if train_outer else "frozen")
  params = model.init(jax.random.key(8), jnp.zeros((1, d)))
  theta = np.asarray(kernels.empirical_ntk(model.apply, params, jnp.asarray(x, jnp.float32)),
                     np.float64)
  kinf = theory.two_layer_relu_ntk(np.clip(x @ x.T, -1, 1), train_outer=train_outer,
                                   inner_std=w_std, outer_std=a_std)
  # Monte Carlo error ~ m^-1/2: measured 0.020-0.025 at m = 8192 (0.014-0.018 at 16384).
  assert np.linalg.norm(theta - kinf) / np.linalg.norm(kinf) < 0.04
  if (w_std, a_std, train_outer) == (1.0, 1.0, True):  # the kernel of theory.py, exactly
    np.testing.assert_allclose(kinf, theory.two_layer_relu_ntk(np.clip(x @ x.T, -1, 1),
                                                               train_outer=True), rtol=1e-14)


@pytest.mark.parametrize("d", [3, 5, 10])
def test_mode_eigenvalues_closed_form_odd_degrees(d):
  """The odd part of κ is exactly (a² + w²)u/4 (u·arcsin u and √(1 − u²) are even), so by
  Funk–Hecke μ₁ = (a² + w²)/(4d) and μ_k = 0 for odd k ≥ 3; μ_even > 0, decreasing."""
  cfg = get_config("tiny")
  cfg.dim, cfg.model.w_std, cfg.model.a_std = d, 1.3, 0.8
  mu = ntk_sphere.mode_eigenvalues(cfg, [1, 2, 3, 4, 5, 6])
  assert mu[0] == pytest.approx((1.3 ** 2 + 0.8 ** 2) / (4 * d), rel=1e-10)
  np.testing.assert_allclose(mu[[2, 4]], 0.0, atol=1e-14)
  assert mu[1] > mu[3] > mu[5] > 0


@pytest.mark.parametrize("loss", ["mse", "half_mse"])
def test_one_gd_step_moves_outputs_by_eta_s_theta_r(loss):
  """Sets s in r ← (I − η s Θ) r: 2/n (mse) or 1/n (half_mse)."""
  cfg = get_config("tiny")
  cfg.loss = loss
  b = ntk_sphere.build(cfg)
  params = b["init_fn"](b["init_keys"][0])
  batch = {k: jnp.asarray(v[0]) for k, v in b["batch"].items()}
  u0 = b["apply"](params, batch["x"])
  lr = 1e-3
  g = jax.grad(b["loss_fn"])(params, batch)
  u1 = b["apply"](jax.tree_util.tree_map(lambda p, q: p - lr * q, params, g), batch["x"])
  theta = np.asarray(kernels.empirical_ntk(b["apply"], params, batch["x"]))
  s = losses.get(loss).flow_scale(cfg.num_points)
  expect = -lr * s * theta @ np.asarray(u0 - batch["y"])
  np.testing.assert_allclose(np.asarray(u1 - u0), expect, rtol=0.02,
                             atol=0.02 * np.abs(expect).max())


def test_tiny_end_to_end_via_script(tmp_path, script):
  wd = str(tmp_path / "cao")
  r = script("ntk_sphere.py", f"--config={CFG}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s = rec.arrays, rec.summary
  cfg = get_config("tiny")
  S, L, K = cfg.num_seeds, cfg.num_steps // cfg.log_every + 1, 3
  assert a["proj"].shape == (S, L, K) and a["pred_empirical_ntk"].shape == (S, L, K)
  assert a["steps"].tolist() == list(range(0, cfg.num_steps + 1, cfg.log_every))
  # Step-0 projections = v_kᵀ(y − f₀) with f₀ from an independent numpy forward pass.
  b = ntk_sphere.build(cfg)
  for i in range(S):
    p = b["init_fn"](b["init_keys"][i])["params"]
    w, amp = np.asarray(p["w"], np.float64), np.asarray(p["a"], np.float64)
    f0 = np.maximum(a["x"][i].astype(np.float64) @ w, 0) @ amp / np.sqrt(cfg.model.width)
    np.testing.assert_allclose(a["proj"][i, 0], a["v"][i] @ (a["y"][i] - f0), rtol=1e-4,
                               atol=1e-4)
    # The empirical-NTK flow starts from the same residual.
    np.testing.assert_allclose(a["pred_empirical_ntk"][i, 0], a["proj"][i, 0], rtol=1e-4,
                               atol=1e-4)
  # Closed form: p0 · (1 − η·2·μ_k)^t with μ_k from theory.sphere_eigenvalues of the NTK.
  mu = theory.sphere_eigenvalues(lambda u: theory.two_layer_relu_ntk(u, train_outer=True),
                                 cfg.dim, [1, 2, 4])
  np.testing.assert_allclose(a["mu"], mu, rtol=1e-12)
  q = 1 - cfg.lr * 2 * mu
  np.testing.assert_allclose(a["pred_closed_form"][:, 7], a["proj"][:, 0] * q ** 7, rtol=1e-10)
  np.testing.assert_allclose(a["rate_closed_form"], -np.log(np.abs(q)), rtol=1e-12)
  assert s["experiment"] == "ntk_sphere" and [r["degree"] for r in s["per_degree"]] == [1, 2, 4]
  assert s["gd_stable_at_init"] and s["rate_factor_c"] == 2.0
  assert "checkpoint.orbax" not in os.listdir(wd)
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


def test_eigenvalue_decay_fixes_the_dimension_convention():
  """Cao et al.: μ_k ~ k^{−d−1} for data on S^d. The two-layer ReLU NTK's even-k eigenvalues
  on S^{D−1} ⊂ R^D decay like k^{−D}: the local log-slope s(k) = −D + c/k + …, extrapolated
  from k = 16…32 and 32…64 (Richardson), is −D within 0.3 — so d = 10 is D = 11, S^10."""
  kern = lambda u: theory.two_layer_relu_ntk(u, train_outer=True)
  slopes = {}
  for D in (10, 11):
    k = np.array([16, 32, 64])
    mu = theory.sphere_eigenvalues(kern, D, k, num_nodes=1024)
    mid = np.sqrt(k[1:] * k[:-1])
    s = np.diff(np.log(mu)) / np.diff(np.log(k))
    slopes[D] = (s[1] * mid[1] - s[0] * mid[0]) / (mid[1] - mid[0])
    assert abs(slopes[D] + D) < 0.3, (D, s, slopes[D])
  assert abs(slopes[11] - slopes[10] + 1) < 0.3  # one dimension more, one power faster


@pytest.mark.parametrize("convention,D", [("sphere", 6), ("ambient", 5)])
def test_dim_convention_sets_the_input_sphere(convention, D):
  """dim = 5: "sphere" (the paper's S^d) puts inputs on S^5 ⊂ R^6, "ambient" on S^4 ⊂ R^5;
  μ_k follows (sphere_eigenvalues in R^D)."""
  cfg = get_config("tiny")
  cfg.dim_convention = convention
  b = ntk_sphere.build(cfg)
  assert b["x"].shape[-1] == D == ntk_sphere.ambient_dim(cfg)
  np.testing.assert_allclose(np.linalg.norm(b["x"], axis=-1), 1.0, rtol=1e-5)
  mu = theory.sphere_eigenvalues(lambda u: theory.two_layer_relu_ntk(u, train_outer=True),
                                 D, [1, 2, 4])
  np.testing.assert_allclose(ntk_sphere.mode_eigenvalues(cfg), mu, rtol=1e-12)
  assert get_config("paper").dim_convention == "sphere" and get_config("paper").dim == 10
