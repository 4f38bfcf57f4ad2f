"""Tests for fourier_nn.theory: every closed form against an independent computation."""
import math
import time

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import scipy.special
import scipy.stats
from scipy.interpolate import CubicSpline

from fourier_nn import theory
from fourier_nn import theory as th


def _unit_sphere(rng, n, d):
  x = rng.standard_normal((n, d))
  return x / np.linalg.norm(x, axis=1, keepdims=True)


# ----------------------------------------------------------------------------------------
# eigh / project / kernel_flow


def test_eigh_descending_float64_and_reconstructs():
  rng = np.random.default_rng(0)
  A = rng.standard_normal((40, 40))
  K = (A @ A.T).astype(np.float32)
  K_asym = K + np.float32(1e-3) * rng.standard_normal((40, 40)).astype(np.float32)
  lam, V = th.eigh(K_asym)
  assert lam.dtype == np.float64 and V.dtype == np.float64
  assert np.all(np.diff(lam) <= 0)
  K64 = K_asym.astype(np.float64)
  Ks = 0.5 * (K64 + K64.T)
  np.testing.assert_allclose(V @ np.diag(lam) @ V.T, Ks, atol=1e-10)
  np.testing.assert_allclose(V.T @ V, np.eye(40), atol=1e-12)
  np.testing.assert_allclose(lam, np.sort(np.linalg.eigvalsh(Ks))[::-1], rtol=1e-12)
  # Sign convention: largest-magnitude entry of each eigenvector is positive.
  assert np.all(V[np.argmax(np.abs(V), axis=0), np.arange(40)] > 0)


def test_project_batched_seed_step():
  rng = np.random.default_rng(1)
  _, V = th.eigh(rng.standard_normal((12, 12)))
  r = rng.standard_normal((3, 5, 12)).astype(np.float32)  # [seed, step, N]
  c = th.project(r, V)
  assert c.shape == (3, 5, 12) and c.dtype == np.float64
  for s in range(3):
    for t in range(5):
      np.testing.assert_allclose(c[s, t], V.T @ r[s, t].astype(np.float64), atol=1e-12)
  import jax.numpy as jnp
  np.testing.assert_allclose(th.project(jnp.asarray(r[0, 0]), V), c[0, 0], atol=1e-6)


@pytest.mark.parametrize("loss", ["half_sse", "mse"])
def test_kernel_flow_equals_parameter_gd_of_linear_model(loss):
  # A linear model u = Φθ has NTK K = ΦΦᵀ; GD on θ is exactly kernel GD on u.
  rng = np.random.default_rng(2)
  n, p, lr = 30, 50, 0.02
  phi = rng.standard_normal((n, p)) / np.sqrt(p)
  y = rng.standard_normal(n)
  theta = 0.3 * rng.standard_normal(p)
  scale = 1.0 if loss == "half_sse" else 2.0 / n
  if loss == "mse":
    lr = 0.5
  steps = np.array([0, 1, 2, 7, 50, 199])
  measured = []
  for t in range(200):
    r = phi @ theta - y
    if t in steps:
      measured.append(r)
    grad = phi.T @ r if loss == "half_sse" else (2.0 / n) * phi.T @ r
    theta = theta - lr * grad
  measured = np.stack(measured)
  K = phi @ phi.T
  r0 = measured[0]
  pred = th.kernel_flow(K, r0, lr, steps, scale=scale)
  np.testing.assert_allclose(pred, measured, atol=1e-10)
  lam, V = th.eigh(K)
  coeffs = th.kernel_flow((lam, V), r0, lr, steps, scale=scale, return_coeffs=True)
  np.testing.assert_allclose(coeffs, th.project(measured, V), atol=1e-10)
  # A wrong loss scale must be detectably wrong.
  wrong = th.kernel_flow(K, r0, lr, steps, scale=1.0 if loss == "mse" else 2.0 / n)
  assert np.abs(wrong - measured).max() > 1e-2


def test_kernel_flow_gradient_flow_is_expm_and_batched():
  rng = np.random.default_rng(3)
  A = rng.standard_normal((15, 15))
  K = A @ A.T / 15
  r0 = rng.standard_normal((4, 15))  # [seed, N]
  lr, scale, steps = 0.1, 0.5, np.array([0.0, 0.5, 3.0, 40.0])
  pred = th.kernel_flow(K, r0, lr, steps, scale=scale, discrete=False)
  assert pred.shape == (4, 4, 15)
  for i, t in enumerate(steps):
    expect = r0 @ scipy.linalg.expm(-lr * scale * t * K).T
    np.testing.assert_allclose(pred[:, i], expect, atol=1e-12)
  with pytest.raises(ValueError, match="integers"):
    th.kernel_flow(K, r0, lr, [0.5])


def test_mode_factors_large_steps_signs_and_speed():
  lam = np.array([0.0, 0.5, 1.0, 1.5, 1.9999, 2.5e-5, -1e-6])
  steps = np.array([0, 1, 2, 3, 1001, 100_000, 123_457])
  f = th.mode_factors(lam, 1.0, steps)
  q = 1.0 - lam
  expect = np.power(q[None, :], steps[:, None].astype(np.float64))
  np.testing.assert_allclose(f, expect, rtol=1e-9, atol=1e-300)
  assert f[0, 2] == 1.0 and f[1, 2] == 0.0  # q = 0: 0^0 = 1, 0^t = 0
  # Speed: N = 2000 modes × 300 log points up to 1e5, residuals via one matmul.
  n = 2000
  lam_big = np.linspace(1.0, 1e-6, n)
  V = np.eye(n)
  r0 = np.ones(n)
  steps_big = np.unique(np.geomspace(1, 1e5, 300).astype(int))
  t0 = time.perf_counter()
  r = th.kernel_flow((lam_big, V), r0, 0.5, steps_big)
  elapsed = time.perf_counter() - t0
  assert r.shape == (steps_big.size, n)
  np.testing.assert_allclose(r[-1, :3], (1 - 0.5 * lam_big[:3]) ** 100_000, rtol=1e-9)
  assert elapsed < 30.0, elapsed


# ----------------------------------------------------------------------------------------
# Circle (Basri et al. 2019)


def _H(u, bias):
  return th.two_layer_relu_ntk(u, bias=bias)


@pytest.mark.parametrize("bias", [False, True])
def test_circle_eigenvalues_vs_quadrature(bias):
  ks = np.arange(0, 41)
  quad = []
  for k in ks:
    f = lambda th_, k=k: _H(np.cos(th_), bias) * np.cos(k * th_)
    val, _ = scipy.integrate.quad(f, 0.0, np.pi, limit=400, epsabs=1e-14, epsrel=1e-12)
    quad.append(val / np.pi)  # (1/2π)∫_{−π}^{π} of an even integrand
  np.testing.assert_allclose(th.circle_eigenvalues(ks, bias), quad, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("bias", [False, True])
def test_circle_eigenvalues_vs_gram_matrix_on_grid(bias):
  n = 720
  theta = 2 * np.pi * np.arange(n) / n
  x = np.stack([np.cos(theta), np.sin(theta)], 1)
  ev = np.linalg.eigvalsh(_H(x @ x.T, bias) / n)[::-1]
  kmax = 30
  lam = th.circle_eigenvalues(np.arange(kmax + 1), bias)
  spectrum = np.sort(np.concatenate([lam[:1], np.repeat(lam[1:], 2)]))[::-1]
  m = spectrum.size if bias else int(np.sum(spectrum > 0))
  # Aliasing of the grid (Σ_{j≠0} λ_{k+jn}) is O(1/n²) ≈ 3e-7 here.
  np.testing.assert_allclose(ev[:m], spectrum[:m], atol=1e-6)
  # The whole spectrum: K/n is circulant, its eigenvalue at DFT index k is Σ_j λ_{|k+jn|}.
  j = np.arange(-1000, 1001)  # truncation error ≈ 2/(π² 1000 n²) ≈ 4e-10
  aliased = th.circle_eigenvalues(np.arange(n)[:, None] + n * j, bias).sum(1)
  np.testing.assert_allclose(ev, np.sort(aliased)[::-1], atol=2e-9)
  if not bias:  # odd k ≥ 3 vanish: n/2 − 1 zero eigenvalues (minus the aliased k = ±1)
    assert np.sum(np.abs(ev) < 1e-9) == n // 2 - 2


def test_circle_eigenvalue_structure_and_slide_typo():
  k = np.arange(2, 200)
  lam, lam_b = th.circle_eigenvalues(k, False), th.circle_eigenvalues(k, True)
  even, odd = k % 2 == 0, k % 2 == 1
  assert np.all(lam[odd] == 0) and np.all(lam[even] > 0) and np.all(lam_b > 0)
  np.testing.assert_allclose((k**2 * lam)[even][-5:], 1 / np.pi**2, rtol=1e-3)
  np.testing.assert_allclose((k**2 * lam_b)[-5:], 1 / (2 * np.pi**2), rtol=1e-3)
  # Slides (Lebesgue measure, a_k = 2π λ_k): no-bias values and with-bias k = 0, 1, odd
  # agree; the with-bias even entry misses H̄'s factor ½.
  slide = 2 * (k**2 + 1) / (np.pi * (k**2 - 1) ** 2)
  np.testing.assert_allclose(2 * np.pi * lam[even], slide[even], rtol=1e-12)
  np.testing.assert_allclose(2 * np.pi * lam_b[even], 0.5 * slide[even], rtol=1e-12)
  np.testing.assert_allclose(2 * np.pi * lam_b[odd], 1 / (np.pi * k[odd] ** 2), rtol=1e-12)
  np.testing.assert_allclose(2 * np.pi * th.circle_eigenvalues([0, 1], False),
                             [2 / np.pi, np.pi / 4], rtol=1e-12)
  np.testing.assert_allclose(2 * np.pi * th.circle_eigenvalues([0, 1], True),
                             [1 / np.pi + np.pi / 4, 1 / np.pi + np.pi / 8], rtol=1e-12)


# ----------------------------------------------------------------------------------------
# Arc-cosine kernels and the two-layer NTK normalisation (Monte Carlo over features)


def test_arccos_and_ntk_normalisation_by_sampling_features():
  rng = np.random.default_rng(4)
  m, d = 400_000, 3
  w = rng.standard_normal((m, d))
  b = np.zeros(m)  # Basri: bias initialised at 0
  u = np.array([-0.9, -0.3, 0.0, 0.4, 0.8, 0.99])
  x0 = np.array([1.0, 0.0, 0.0])
  xs = np.stack([u, np.sqrt(1 - u**2), np.zeros_like(u)], 1)  # unit vectors, x0ᵀx = u
  z0, z = w @ x0, xs @ w.T  # [m], [6, m]
  ind = (z0 > 0) * (z > 0)
  relu = np.maximum(z0, 0) * np.maximum(z, 0)
  tol = 5 / math.sqrt(m)  # 5 σ, every per-feature term has variance ≤ 1
  np.testing.assert_allclose(2 * ind.mean(1), th.arccos_kernel(u, 0), atol=2 * tol)
  np.testing.assert_allclose(2 * relu.mean(1), th.arccos_kernel(u, 1), atol=3 * tol)
  # Gradient of f = (1/√m) Σ a ReLU(wᵀx) w.r.t. w: a·1[wᵀx>0]·x/√m; a² = 1.
  ntk_w = (ind * u[:, None]).mean(1)
  np.testing.assert_allclose(ntk_w, th.two_layer_relu_ntk(u), atol=tol)
  np.testing.assert_allclose(ntk_w + relu.mean(1), th.two_layer_relu_ntk(u, train_outer=True),
                             atol=2 * tol)
  # Bias: augmented input x̃ = (x, 1)/√2, weights (w, b), b = 0 at init.
  xt0, xt = np.append(x0, 1) / np.sqrt(2), np.c_[xs, np.ones(6)] / np.sqrt(2)
  wt = np.c_[w, b]
  zt0, zt = wt @ xt0, xt @ wt.T
  ntk_b = (((zt0 > 0) * (zt > 0)) * (xt @ xt0)[:, None]).mean(1)
  outer_b = (np.maximum(zt0, 0) * np.maximum(zt, 0)).mean(1)
  np.testing.assert_allclose(ntk_b, th.two_layer_relu_ntk(u, bias=True), atol=tol)
  np.testing.assert_allclose(ntk_b + outer_b,
                             th.two_layer_relu_ntk(u, bias=True, train_outer=True), atol=2 * tol)
  # ... and it is Basri's H̄ = (u + 1)(π − arccos u)/(4π).
  np.testing.assert_allclose(th.two_layer_relu_ntk(u, bias=True),
                             (u + 1) * (np.pi - np.arccos(u)) / (4 * np.pi), rtol=1e-14)


# ----------------------------------------------------------------------------------------
# Sphere (Funk–Hecke, Cao et al. 2019)


def test_sphere_multiplicity():
  k = np.arange(0, 12)
  np.testing.assert_array_equal(th.sphere_multiplicity(2, k), np.r_[1, 2 * np.ones(11)])
  np.testing.assert_array_equal(th.sphere_multiplicity(3, k), 2 * k + 1)
  for d in (4, 10, 17):
    # dim of harmonic polynomials = dim P_k − dim P_{k−2} on R^d.
    expect = [math.comb(kk + d - 1, d - 1) - (math.comb(kk + d - 3, d - 1) if kk >= 2 else 0)
              for kk in k]
    np.testing.assert_array_equal(th.sphere_multiplicity(d, k), expect)


@pytest.mark.parametrize("bias", [False, True])
def test_sphere_d2_equals_circle(bias):
  k = np.arange(0, 61)
  kern = lambda u: th.two_layer_relu_ntk(u, bias=bias)
  np.testing.assert_allclose(th.sphere_eigenvalues(kern, 2, k), th.circle_eigenvalues(k, bias),
                             rtol=1e-11, atol=1e-14)
  np.testing.assert_allclose(th.sphere_eigenvalues(kern, 2, k, method="jacobi", num_nodes=4000),
                             th.circle_eigenvalues(k, bias), atol=1e-8)


@pytest.mark.parametrize("d", [3, 5, 10])
def test_sphere_eigenvalues_exp_kernel_closed_form(d):
  # e^{xᵀy} = Γ(ν)(1/2)^{−ν} Σ_k (ν + k) I_{ν+k}(1) C_k^ν(xᵀy), ν = (d−2)/2, which gives
  # μ_k = Γ(d/2) 2^{d/2−1} I_{k+d/2−1}(1) for the uniform probability measure.
  k = np.arange(0, 13)
  expect = math.gamma(d / 2) * 2 ** (d / 2 - 1) * scipy.special.iv(k + d / 2 - 1, 1.0)
  for method in ("theta", "jacobi"):
    mu = th.sphere_eigenvalues(np.exp, d, k, method=method)
    np.testing.assert_allclose(mu, expect, rtol=1e-9, atol=5e-14)
  # Linear kernel κ(t) = t: T x_1 = ∫ (x·y) y_1 dσ(y) = x_1 E[y_1²] = x_1/d, so only μ_1 = 1/d.
  np.testing.assert_allclose(th.sphere_eigenvalues(lambda t: t, d, k), np.r_[0, 1 / d, np.zeros(11)],
                             atol=1e-14)


def test_sphere_methods_agree_for_relu_ntk():
  k = np.arange(0, 41)
  kern = lambda u: th.two_layer_relu_ntk(u, train_outer=True)
  for d in (3, 10):
    a = th.sphere_eigenvalues(kern, d, k)
    b = th.sphere_eigenvalues(kern, d, k, method="jacobi", num_nodes=4000)
    np.testing.assert_allclose(a, b, atol=1e-11)


def _cluster_means(kernel, d, n, seed, kmax):
  x = _unit_sphere(np.random.default_rng(seed), n, d)
  ev = np.linalg.eigvalsh(kernel(x @ x.T) / n)[::-1]
  ks = np.arange(kmax + 1)
  mu = th.sphere_eigenvalues(kernel, d, ks)
  mult = th.sphere_multiplicity(d, ks)
  order = np.argsort(-mu, kind="stable")
  start, out = 0, {}
  for k in order:
    out[k] = (mu[k], ev[start:start + mult[k]].mean())
    start += mult[k]
  return out


@pytest.mark.parametrize("d,kernel,kmax,check", [
    (3, lambda u: th.two_layer_relu_ntk(u, bias=True), 12, (0, 1, 2, 3, 4, 5)),
    (10, lambda u: th.two_layer_relu_ntk(u, train_outer=True), 4, (0, 1, 2)),
])
def test_sphere_eigenvalues_vs_gram_matrix(d, kernel, kmax, check):
  n = 2000
  clusters = _cluster_means(kernel, d, n, seed=d, kmax=kmax)
  # Monte Carlo scale: relative O(1/√n) = 2.2 %; finite-n bias grows for small clusters,
  # so only the leading clusters are checked (measured ≤ 2.8 % over 3 seeds).
  for k in check:
    mu, emp = clusters[k]
    assert abs(emp / mu - 1) < 2 / math.sqrt(n), (k, mu, emp)


def test_sphere_decay_d3_is_k_to_minus_3():
  k = np.arange(10, 41, 2)  # odd k ≥ 3 vanish for the bias-free ReLU NTK
  mu = th.sphere_eigenvalues(th.two_layer_relu_ntk, 3, np.arange(0, 42))
  np.testing.assert_allclose(mu[3::2], 0, atol=1e-14)
  slope = np.polyfit(np.log(k), np.log(mu[k]), 1)[0]
  assert abs(slope + 3) < 0.2, slope
  slope_full = np.polyfit(np.log(k), np.log(th.sphere_eigenvalues(
      lambda u: th.two_layer_relu_ntk(u, train_outer=True), 3, k)), 1)[0]
  assert abs(slope_full + 3) < 0.2, slope_full


# ----------------------------------------------------------------------------------------
# LFP (Zhang, Xu, Luo, Ma 2019)


def test_lfp_multiplier_constants_from_empirical_ntk():
  # Wide two-layer net h(x) = Σ w ReLU(r(x + l)): l on a fine grid (uniform density), a few
  # (r, w) with both signs of r. Fit its NTK on [−1, 1]² by |s|³, |s| and polynomials, and
  # turn the |s|³, |s| coefficients into a Fourier multiplier (FT|s|³ = 12/(2πξ)⁴,
  # FT|s| = −2/(2πξ)²): it must be (1/16π⁴)·lfp_multiplier for every ξ.
  h = 1e-3
  grid = np.arange(-2 + h / 2, 2, h)
  rw = np.array([(r, w) for r in (0.5, -0.5, 1.5, -1.5) for w in (0.7, 2.0)])
  r, w, l = np.repeat(rw[:, 0], grid.size), np.repeat(rw[:, 1], grid.size), np.tile(grid, len(rw))
  x = np.linspace(-1, 1, 41)
  z = r * (x[:, None] + l)
  act = z > 0
  grads = np.concatenate([np.maximum(z, 0), w * (x[:, None] + l) * act, w * r * act], axis=1)
  K = grads @ grads.T * h / len(rw)
  X, Xp = np.meshgrid(x, x, indexing="ij")
  S = np.abs(X - Xp)
  basis = np.stack([S**3, S, np.ones_like(S), X + Xp, X * Xp, X**3 + Xp**3, X * Xp * (X + Xp)], -1)
  coef = np.linalg.lstsq(basis.reshape(-1, 7), K.ravel(), rcond=None)[0]
  r2, w2, r2w2 = np.mean(rw[:, 0] ** 2), np.mean(rw[:, 1] ** 2), np.mean(np.prod(rw**2, 1))
  xi = np.array([0.05, 0.3, 1.0, 3.0, 20.0])
  gamma_emp = 12 * coef[0] / (2 * np.pi * xi) ** 4 - 2 * coef[1] / (2 * np.pi * xi) ** 2
  np.testing.assert_allclose(gamma_emp * 16 * np.pi**4, th.lfp_multiplier(xi, r2w2, r2, w2),
                             rtol=1e-5)


@pytest.fixture
def knots():
  rng = np.random.default_rng(5)
  x = np.sort(rng.uniform(-1, 1, 12))
  return x, np.sin(3 * x) + 0.3 * rng.standard_normal(12)


def test_lfp_xi2_limit_is_linear_spline(knots):
  x, y = knots
  inside = np.linspace(x[0], x[-1], 401)
  outside = np.linspace(-2, 2, 401)
  lin_in, lin_out = th.linear_spline(x, y, inside), th.linear_spline(x, y, outside)
  np.testing.assert_allclose(th.lfp_interpolant(x, y, outside, 1.0, 0, 0), lin_out, atol=1e-10)
  np.testing.assert_allclose(th.lfp_interpolant(x, y, inside, 1.0, 0, 0, period=8.0), lin_in,
                             atol=1e-10)
  # Truncated Fourier basis: O(1/J) convergence to the same limit.
  errs = [np.abs(th.lfp_interpolant(x, y, inside, 1.0, 0, 0, period=8.0, num_freqs=J)
                 - lin_in).max() for J in (1024, 4096)]
  assert errs[1] < 0.03 and errs[1] < errs[0] / 2.5, errs


def test_lfp_xi4_limit_is_natural_cubic_spline(knots):
  x, y = knots
  inside = np.linspace(x[0], x[-1], 401)
  outside = np.linspace(-2, 2, 401)
  nat = th.cubic_spline(x, y, outside)
  np.testing.assert_allclose(th.lfp_interpolant(x, y, outside, 0, 0.5, 0.5), nat, atol=1e-7)
  nat_in = th.cubic_spline(x, y, inside)
  # With a period P the gap forces h'' ≈ 0 at the ends only to O(1/P): error × P ≈ const.
  periodic = {P: np.abs(th.lfp_interpolant(x, y, inside, 0, 1.0, 0, period=P) - nat_in).max()
              for P in (10.0, 40.0, 160.0)}
  assert 3.0 < periodic[10.0] / periodic[40.0] < 5.0, periodic
  assert 3.0 < periodic[40.0] / periodic[160.0] < 5.0, periodic
  assert periodic[160.0] < 0.03, periodic
  # The other boundary conditions are far off: natural is the one that matches.
  for bc in ("not-a-knot", "clamped"):
    other = CubicSpline(x, y, bc_type=bc)(inside)
    assert np.abs(other - nat_in).max() > 0.1


def test_lfp_interpolates_mixed_and_rejects_bad_input(knots):
  x, y = knots
  for period in (None, 10.0):
    np.testing.assert_allclose(th.lfp_interpolant(x, y, x, 0.3, 1.0, 2.0, period=period), y,
                               atol=1e-9)
  with pytest.raises(ValueError, match="period"):
    th.lfp_interpolant(x, y, x, 1.0, 0, 0, period=1.0)
  with pytest.raises(ValueError, match="moments"):
    th.lfp_multiplier(1.0, 0, 0, 0)
  assert np.isinf(th.lfp_multiplier(0.0, 1.0, 1.0, 1.0))


# ----------------------------------------------------------------------------------------
# Convergence-time laws


def test_convergence_steps_vs_brute_force():
  lam = np.array([1e-3, 0.01, 0.3, 1.0, 1.7, 2.0, 0.0, 2.5])
  c0 = np.array([1.0, -2.0, 0.5, 3.0, 1.0, 1.0, 1.0, 1.0])
  lr, eps = 1.0, 1e-3
  t = th.convergence_steps(lam, lr, eps, c0)
  for i in range(lam.size):
    c, steps, q = abs(c0[i]), 0, abs(1 - lr * lam[i])
    if q >= 1:
      assert t[i] == np.inf, (i, t[i])
      continue
    while c > eps:
      c *= q
      steps += 1
    assert t[i] == steps, (i, t[i], steps)
  gf = th.convergence_steps(lam, 0.5, eps, c0, scale=2.0, discrete=False)
  with np.errstate(divide="ignore"):
    np.testing.assert_allclose(gf, np.log(np.abs(c0) / eps) / lam)
  assert th.convergence_steps(0.1, 1.0, 10.0, 1.0) == 0


def test_fit_power_law_and_basri_circle_exponent():
  rng = np.random.default_rng(6)
  k = np.arange(8, 31, dtype=float)
  fit = th.fit_power_law(k, 3.0 * k**2.1)
  assert abs(fit.p - 2.1) < 1e-12 and abs(fit.intercept - math.log(3.0)) < 1e-10
  t = 3.0 * k**2.1 * np.exp(0.1 * rng.standard_normal(k.size))
  fit = th.fit_power_law(k, t)
  ref = scipy.stats.linregress(np.log(k), np.log(t))
  half = scipy.stats.t.ppf(0.975, k.size - 2) * ref.stderr
  np.testing.assert_allclose([fit.p, *fit.ci], [ref.slope, ref.slope - half, ref.slope + half])
  # Coverage of the 95 % interval over repeated noisy fits.
  hits = sum(lo <= 2.1 <= hi for lo, hi in (
      th.fit_power_law(k, 3.0 * k**2.1 * np.exp(0.1 * rng.standard_normal(k.size))).ci
      for _ in range(400)))
  assert 0.91 < hits / 400 < 0.99, hits
  # Basri et al.: time ∝ 1/λ_k on the circle (even k, no bias) gives p ≈ 2.
  ke = np.arange(8, 31, 2)
  steps = th.convergence_steps(th.circle_eigenvalues(ke) * 1001, 0.01, 0.05, 1.0)
  p = th.fit_power_law(ke, steps).p
  assert 1.95 < p < 2.1, p


@pytest.mark.parametrize("d", [3, 5, 10])
def test_gegenbauer_normalisations_against_scipy_and_quadrature(d):
  t = np.linspace(-1, 1, 41)
  lam = (d - 2) / 2
  for k in range(6):
    c = scipy.special.eval_gegenbauer(k, lam, t)
    # rtol alone is ill-posed at the roots (scipy: -3e-15 where the recurrence gives 0)
    np.testing.assert_allclose(theory.gegenbauer(k, d, t, "standard"), c, rtol=1e-12,
                               atol=1e-13 * np.abs(c).max())
    p1 = theory.gegenbauer(k, d, t, "unit_at_one")
    assert p1[-1] == pytest.approx(1.0)
    if d == 3:  # Gegenbauer 1/2 = Legendre
      np.testing.assert_allclose(p1, scipy.special.eval_legendre(k, t), atol=1e-12)
  # unit_l2: orthonormal for the law of t = <ζ, x>, x uniform on S^{d-1}:
  # density Γ(d/2)/(√π Γ((d-1)/2)) (1 - t²)^{(d-3)/2}; Gauss–Jacobi is exact for these.
  tq, wq = scipy.special.roots_jacobi(40, (d - 3) / 2, (d - 3) / 2)
  wq = wq * math.gamma(d / 2) / (math.sqrt(math.pi) * math.gamma((d - 1) / 2))
  P = np.stack([theory.gegenbauer(k, d, tq, "unit_l2") for k in range(6)])
  np.testing.assert_allclose((P * wq) @ P.T, np.eye(6), atol=1e-10)


def test_fit_log_rate_recovers_exponential_rate_and_window():
  steps = np.arange(0, 200)
  q = 0.97
  p = 5.0 * q ** steps
  p[100:] = 1e-3 * (-1) ** steps[100:]  # a noise floor after the early phase
  rate, end = theory.fit_log_rate(steps, p, 0.1)
  first = int(np.ceil(np.log(0.1) / np.log(q)))  # first t with q^t < 0.1
  assert end == first
  assert rate == pytest.approx(-np.log(q), rel=1e-10)
  rate2, end2 = theory.fit_log_rate(steps, p, 0.1, end_step=30)
  assert end2 == 30 and rate2 == pytest.approx(-np.log(q), rel=1e-10)
  assert theory.first_crossing(steps, np.abs(p) / 5.0, 0.1, below=True) == first


def test_gradient_descent_mse_equals_explicit_gd_at_train_and_test_points():
  rng = np.random.default_rng(0)
  A = rng.standard_normal((5, 5))
  K = A @ A.T + 0.1 * np.eye(5)
  Ke = rng.standard_normal((7, 5))
  r0 = rng.standard_normal(5)
  lr, n, T = 0.3 / np.linalg.eigvalsh(K)[-1], 5, 40
  y = rng.standard_normal(5)
  h0 = rng.standard_normal(7)
  fx, fh = theory.gradient_descent_mse(K, y, lr, scale=2.0 / n)([0, 17, T], y + r0, h0, Ke)
  res, dh = fx - y, fh - h0
  r, h = r0.copy(), np.zeros(7)
  hist = {0: (r.copy(), h.copy())}
  for t in range(1, T + 1):
    h = h - lr * (2.0 / n) * Ke @ r
    r = r - lr * (2.0 / n) * K @ r
    hist[t] = (r.copy(), h.copy())
  for i, t in enumerate([0, 17, T]):
    np.testing.assert_allclose(res[i], hist[t][0], atol=1e-12)
    np.testing.assert_allclose(dh[i], hist[t][1], atol=1e-12)


# ----------------------------------------------------------------------------------------
# Shared helpers moved out of the drivers: crossings, group statistics, convergence times.


def test_first_crossing_matches_hand_computed_crossing():
  steps = np.array([0, 10, 20, 30, 40])
  loss = np.array([[5.0, 0.2, 0.06, 0.049, 0.01],   # first < 0.05 at step 30
                   [5.0, 0.05, 0.05, 0.05, 0.05],   # never strictly below
                   [0.01, 1.0, 1.0, 1.0, 1.0],      # already below at init
                   [5.0, np.nan, 0.0, 0.0, 0.0],    # diverged (NaN) then "0": step 20
                   [5.0, 1.0, 0.5, 0.3, 0.1]])      # relative level 0.6: step 20
  level = np.array([0.05, 0.05, 0.05, 0.05, 0.6])
  got = theory.first_crossing(steps, loss, level, below=True)
  np.testing.assert_array_equal(got, [30.0, np.nan, 0.0, 20.0, 20.0])
  amp = np.array([[0.1, 0.5, 0.4, 0.9, 1.0], [0.0, 0.1, np.inf, 0.2, 0.3]])
  np.testing.assert_array_equal(theory.first_crossing(steps, amp, 0.5), [10.0, np.nan])


def test_group_stats_mean_median_and_fraction():
  conv = np.array([[100.0, 300.0, np.nan], [50.0, np.nan, np.nan]])  # 2 groups x 3 runs
  s = theory.group_stats(conv)
  np.testing.assert_allclose(s["mean_steps"], [200.0, 50.0])
  np.testing.assert_allclose(s["std_steps"], [np.std([100, 300], ddof=1), 0.0])
  # Median counts non-converged runs as +inf: (100, 300, inf) -> 300; (50, inf, inf) -> inf.
  np.testing.assert_array_equal(s["median_steps"], [300.0, np.nan])
  np.testing.assert_allclose(s["frac_converged"], [2 / 3, 1 / 3])


def test_mean_ci_against_scipy():
  x = np.array([1.0, 2.0, 4.0, 7.0, np.nan])
  m, (lo, hi) = theory.mean_ci(x)
  ref = scipy.stats.t.interval(0.95, 3, loc=3.5, scale=scipy.stats.sem([1, 2, 4, 7]))
  assert m == 3.5 and lo == pytest.approx(ref[0]) and hi == pytest.approx(ref[1])
  assert theory.mean_ci([2.0]) == (2.0, [None, None])


def test_convergence_time_equals_matrix_iteration():
  rng = np.random.default_rng(0)
  A = rng.normal(size=(12, 12))
  K = A @ A.T / 12 + 0.2 * np.eye(12)  # condition number ~ 30: a few hundred steps
  lam, V = theory.eigh(K)
  r0 = rng.normal(size=12)
  lr, scale = 0.3, 1.0 / lam[0]
  level = 0.02 * float(r0 @ r0)
  got = theory.convergence_time(lam, V.T @ r0, lr, scale, level, 100_000)
  r, t = r0.copy(), 0
  M = np.eye(12) - lr * scale * K
  while r @ r >= level:
    r = M @ r
    t += 1
  assert got == t
  assert np.isnan(theory.convergence_time(lam, V.T @ r0, lr, scale, level, t - 1))


def test_convergence_time_with_a_growing_mode_equals_iteration():
  """η s λ_max = 2.05: linearised GD diverges along the top mode, but a small coefficient
  there lets the residual dip below the level first; after that it is never reached."""
  lam = np.array([2.05, 1.0, 0.3, 0.05])
  c = np.array([1e-3, 1.0, 1.0, 1.0])
  level = 0.05
  got = theory.convergence_time(lam, c, 1.0, 1.0, level, 10_000)
  r, t = c.copy(), 0
  while r @ r >= level:
    r = (1 - lam) * r
    t += 1
  assert got == t and t > 10
  c[0] = 0.3  # now the growing mode exceeds the level before the others decay
  assert np.isnan(theory.convergence_time(lam, c, 1.0, 1.0, level, 10_000_000))


def test_sign_net_eigenvalues_on_circle_and_sphere():
  """Basri's net as trained here: ×2 with the unscaled trained bias, on the circle and on
  S² (Funk–Hecke of the same kernel; its circle case agrees with the closed form)."""
  k = np.arange(0, 9)
  np.testing.assert_allclose(theory.sign_net_eigenvalues(k, 2, bias=True),
                             2 * theory.circle_eigenvalues(k, bias=True), rtol=1e-15)
  np.testing.assert_allclose(
      theory.sphere_eigenvalues(lambda u: theory.sign_net_ntk(u, True), 2, k),
      theory.sign_net_eigenvalues(k, 2, bias=True), atol=1e-13)
  mu3 = theory.sign_net_eigenvalues(k, 3, bias=False)
  np.testing.assert_allclose(mu3[[3, 5, 7]], 0.0, atol=1e-14)  # odd k ≥ 3 vanish w/o bias


def test_cao_eigenvalues_at_d10_against_independent_adaptive_quadrature():
  """μ_k of Cao's two-layer NTK (uκ₀ + κ₁)/2 on S⁹ (d = 10) for k = 1, 2, 4, from the
  Funk–Hecke integral done by scipy.integrate.quad in t with scipy's Gegenbauer
  polynomials — independent of theory.legendre and of our Gauss–Legendre-in-θ rule."""
  d = 10
  lam = (d - 2) / 2
  kern = lambda t: theory.two_layer_relu_ntk(np.array(t), train_outer=True)
  c = math.gamma(d / 2) / (math.sqrt(math.pi) * math.gamma((d - 1) / 2))
  for k in (1, 2, 4):
    pk = lambda t: scipy.special.eval_gegenbauer(k, lam, t) / scipy.special.eval_gegenbauer(k, lam, 1.0)
    want = c * scipy.integrate.quad(lambda t: float(kern(t)) * pk(t) * (1 - t * t) ** ((d - 3) / 2),
                                    -1, 1, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    got = theory.sphere_eigenvalues(lambda u: theory.two_layer_relu_ntk(u, train_outer=True),
                                    d, [k])[0]
    assert got == pytest.approx(want, rel=1e-8, abs=1e-15), (k, got, want)
  # the values the Cao config docstring quotes: μ = 0.050, 4.3e-3, 4.8e-5
  mu = theory.sphere_eigenvalues(lambda u: theory.two_layer_relu_ntk(u, train_outer=True), d,
                                 [1, 2, 4])
  np.testing.assert_allclose(mu, [0.050, 4.3e-3, 4.8e-5], rtol=0.05)
