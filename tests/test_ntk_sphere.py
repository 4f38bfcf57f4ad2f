"""Cao et al. 2019 experiment: Gegenbauer targets, NTK predictions, rate fits, script smoke test."""
import math
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

from fourier_nn import kernels, records, theory
from fourier_nn.configs.ntk_sphere import get_config
from fourier_nn.experiments import ntk_sphere

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFG = os.path.join(REPO, "fourier_nn", "configs", "ntk_sphere.py")


def _script(name, *args, timeout=600):
  env = dict(os.environ, JAX_PLATFORMS="cpu")
  return subprocess.run([sys.executable, os.path.join(REPO, "scripts", name), *args],
                        capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)


@pytest.mark.parametrize("d", [3, 5, 10])
def test_gegenbauer_normalisations_against_scipy_and_quadrature(d):
  t = np.linspace(-1, 1, 41)
  lam = (d - 2) / 2
  for k in range(6):
    c = scipy.special.eval_gegenbauer(k, lam, t)
    np.testing.assert_allclose(ntk_sphere.gegenbauer(k, d, t, "standard"), c, rtol=1e-12)
    p1 = ntk_sphere.gegenbauer(k, d, t, "unit_at_one")
    assert p1[-1] == pytest.approx(1.0)
    if d == 3:  # Gegenbauer 1/2 = Legendre
      np.testing.assert_allclose(p1, scipy.special.eval_legendre(k, t), atol=1e-12)
  # unit_l2: orthonormal for the law of t = <ζ, x>, x uniform on S^{d-1}:
  # density Γ(d/2)/(√π Γ((d-1)/2)) (1 - t²)^{(d-3)/2}; Gauss–Jacobi is exact for these.
  tq, wq = scipy.special.roots_jacobi(40, (d - 3) / 2, (d - 3) / 2)
  wq = wq * math.gamma(d / 2) / (math.sqrt(math.pi) * math.gamma((d - 1) / 2))
  P = np.stack([ntk_sphere.gegenbauer(k, d, tq, "unit_l2") for k in range(6)])
  np.testing.assert_allclose((P * wq) @ P.T, np.eye(6), atol=1e-10)


def test_sampled_components_have_unit_l2_norm_and_are_orthogonal():
  """Monte Carlo on the sphere (independent of the quadrature): E[P_k²] = 1, cross ≈ 0."""
  d, n = 10, 50_000
  x = ntk_sphere.sample_inputs(jax.random.key(1), n, d)
  np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
  z = ntk_sphere.random_directions(jax.random.key(2), 3, d)
  comps = np.stack([ntk_sphere.gegenbauer(k, d, x @ zz, "unit_l2")
                    for k, zz in zip((1, 2, 4), z)])
  gram = comps @ comps.T / n
  np.testing.assert_allclose(np.diag(gram), 1.0, atol=0.05)
  assert np.max(np.abs(gram - np.diag(np.diag(gram)))) < 0.03, gram


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
  x = ntk_sphere.sample_inputs(jax.random.key(3), 1000, 10)
  _, v = ntk_sphere.make_target(x, ntk_sphere.random_directions(jax.random.key(4), 3, 10),
                                (1, 2, 4), (1.0, 1.0, 1.0), "unit_l2")
  g = v @ v.T
  np.testing.assert_allclose(np.diag(g), 1.0, rtol=1e-12)
  assert cfg.gegenbauer_norm == "unit_at_one"
  assert np.max(np.abs(g - np.eye(3))) < 0.15, g


def test_non_uniform_inputs():
  n, d = 20_000, 10
  x = ntk_sphere.sample_inputs(jax.random.key(5), n, d, "piecewise", mass=0.8)
  np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
  frac = np.mean(x[:, 0] > 0)
  assert abs(frac - 0.8) < 4 * np.sqrt(0.16 / n), frac
  x = ntk_sphere.sample_inputs(jax.random.key(6), n, d, "anisotropic", ratio=4.0)
  np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
  m2 = np.mean(x ** 2, axis=0)
  assert m2[0] > 3 * m2[-1] and np.all(np.diff(m2) < 0.01), m2


def test_empirical_projections_equal_matrix_power_simulation():
  rng = np.random.default_rng(0)
  n, K = 12, 3
  A = rng.normal(size=(n, n))
  theta = A @ A.T / n
  r0 = rng.normal(size=n)
  v = rng.normal(size=(K, n))
  v /= np.linalg.norm(v, axis=1, keepdims=True)
  lr, scale = 0.7, 2.0 / n
  steps = np.arange(0, 41, 4)
  got = ntk_sphere.empirical_projections(theory.eigh(theta), r0, v, lr, steps, scale)
  M = np.eye(n) - lr * scale * theta
  r, want = r0.copy(), []
  for t in range(41):
    if t % 4 == 0:
      want.append(v @ r)
    r = M @ r
  np.testing.assert_allclose(got, np.array(want), rtol=1e-10, atol=1e-12)
  # Closed form: p0 (1 - η c μ)^t, including a mode with η c μ > 1 (sign flips).
  mu, p0, c = np.array([0.3, 0.02, 0.9]), np.array([2.0, -1.0, 0.5]), 2.0
  cf = ntk_sphere.closed_form_projections(p0, mu, lr, steps, c)
  np.testing.assert_allclose(cf, p0 * (1 - lr * c * mu) ** steps[:, None], rtol=1e-12)


def test_fit_log_rate_recovers_exponential_rate_and_window():
  steps = np.arange(0, 200)
  q = 0.97
  p = 5.0 * q ** steps
  p[100:] = 1e-3 * (-1) ** steps[100:]  # a noise floor after the early phase
  rate, end = ntk_sphere.fit_log_rate(steps, p, 0.1)
  first = int(np.ceil(np.log(0.1) / np.log(q)))  # first t with q^t < 0.1
  assert end == first
  assert rate == pytest.approx(-np.log(q), rel=1e-10)
  rate2, end2 = ntk_sphere.fit_log_rate(steps, p, 0.1, end_step=30)
  assert end2 == 30 and rate2 == pytest.approx(-np.log(q), rel=1e-10)
  assert ntk_sphere.first_step_below(steps, (np.abs(p) / 5.0)[:, None], 0.1) == [first]


@pytest.mark.parametrize("w_std,a_std,train_outer", [(1.0, 1.0, True), (1.4, 0.6, True),
                                                     (1.0, 1.0, False)])
def test_closed_form_kernel_matches_empirical_ntk_at_init(w_std, a_std, train_outer):
  """κ(u) = a² uκ₀/2 + w² κ₁/2 (module docstring) vs kernels.empirical_ntk of the net."""
  d, n, m = 10, 40, 8192
  x = ntk_sphere.sample_inputs(jax.random.key(7), n, d)
  model = ntk_sphere.TwoLayerNet(width=m, w_std=w_std, a_std=a_std, train_outer=train_outer)
  params = model.init(jax.random.key(8), jnp.zeros((1, d)))
  theta = np.asarray(kernels.empirical_ntk(model.apply, params, jnp.asarray(x, jnp.float32)),
                     np.float64)
  kinf = ntk_sphere.ntk_kernel(np.clip(x @ x.T, -1, 1), w_std, a_std, train_outer)
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
  s = ntk_sphere.loss_scale(loss, cfg.num_points)
  expect = -lr * s * theta @ np.asarray(u0 - batch["y"])
  np.testing.assert_allclose(np.asarray(u1 - u0), expect, rtol=0.02,
                             atol=0.02 * np.abs(expect).max())


def test_tiny_end_to_end_via_script(tmp_path):
  wd = str(tmp_path / "cao")
  r = _script("ntk_sphere.py", f"--config={CFG}:tiny", f"--workdir={wd}")
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
  assert "checkpoint.npz" not in os.listdir(wd)
  r = _script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


@pytest.mark.parametrize("flag,needle", [
    ("--config.inputs=gaussian", "inputs"),
    ("--config.amplitudes=(1.0,2.0)", "amplitudes"),
    ("--config.dim=2", "dim"),
])
def test_bad_flags_fail_with_one_clear_line(tmp_path, flag, needle):
  wd = tmp_path / "never"
  r = _script("ntk_sphere.py", f"--config={CFG}:tiny", f"--workdir={wd}", flag)
  assert r.returncode != 0
  lines = [l for l in r.stderr.splitlines() if l.strip()]
  assert len(lines) == 1, r.stderr
  assert lines[0].startswith("ntk_sphere: error:") and needle in lines[0], lines[0]
  assert "Traceback" not in r.stderr
  assert not wd.exists()
