"""fourier_nn.theory.predict against independent computations (float64 unless stated).

Explicit GD iteration (also η s λ > 2), scipy.linalg.expm for the flow, a linearised
net trained in parameter space, direct GP formulas, the linear model pushed through
the one-net predictor for the ensemble's mean and covariance, and an ensemble of 256
wide NTK-parameterised MLPs. Parity with neural-tangents: tests/test_parity_nt.py.
"""
import collections
import os
import re
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
from jax.flatten_util import ravel_pytree

from fourier_nn import kernels, models, theory


def _pd(rng, n, cond=30.0):
  """A random symmetric positive-definite [n, n] matrix with eigenvalues in [1, cond]."""
  Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
  return (Q * np.geomspace(1.0, cond, n)) @ Q.T


def _joint(rng, n, m):
  """NNGP-like K and NTK-like Θ on n train + m test points: [n+m, n+m] PD each."""
  A = rng.standard_normal((n + m, 3 * (n + m)))
  B = rng.standard_normal((n + m, 3 * (n + m)))
  K = A @ A.T / A.shape[1] + 0.05 * np.eye(n + m)
  theta = K + B @ B.T / B.shape[1]
  return K, theta


def _split(M, n):
  return M[:n, :n], M[n:, :n], M[n:, n:]


def _close(actual, desired, rtol, what=""):
  actual, desired = np.asarray(actual), np.asarray(desired)
  assert actual.shape == desired.shape, (what, actual.shape, desired.shape)
  np.testing.assert_allclose(actual, desired, rtol=rtol,
                             atol=rtol * max(np.max(np.abs(desired)), 1e-300), err_msg=what)


# --------------------------------------------------------------------------------------
# gradient_descent_mse: one net in the kernel regime
# --------------------------------------------------------------------------------------


def test_gd_equals_explicit_iteration_with_unstable_modes_multi_output_and_batch():
  """η s λ ∈ {0.05, 0.9, 1.5, 1.99, 2.3, 3.0}: modes past 2 oscillate and grow as |1 − η s λ|^t."""
  rng = np.random.default_rng(0)
  n, m, k, b = 6, 4, 3, 2
  Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
  rates = np.array([0.05, 0.9, 1.5, 1.99, 2.3, 3.0])
  lr, s = 0.7, 1.0 / n
  K = (Q * (rates / (lr * s))) @ Q.T
  kt = rng.standard_normal((m, n))
  y = rng.standard_normal((n, k))
  fx0, h0 = rng.standard_normal((b, n, k)), rng.standard_normal((b, m, k))
  steps = [0, 1, 2, 7, 24, 25]
  train, test = theory.gradient_descent_mse(K, y, lr, scale=s)(steps, fx0, h0, kt)
  assert train.shape == (b, len(steps), n, k) and test.shape == (b, len(steps), m, k)
  f, h = fx0.copy(), h0.copy()
  for t in range(26):
    if t in steps:
      i = steps.index(t)
      _close(train[:, i], f, 1e-10, f"train t={t}")
      _close(test[:, i], h, 1e-10, f"test t={t}")
    grad = s * np.einsum("ij,bjk->bik", K, f - y)  # function-space gradient of the loss
    h = h - lr * s * np.einsum("ij,bjk->bik", kt, f - y)
    f = f - lr * grad
  assert np.max(np.abs(train[:, -1])) > 1e4  # the η s λ = 3 mode grew like 2^25
  # One output column at a time ([N] targets) is the same numbers.
  tr1, te1 = theory.gradient_descent_mse(K, y[:, 1], lr, scale=s)(steps, fx0[..., 1],
                                                                 h0[..., 1], kt)
  _close(tr1, train[..., 1], 1e-13)
  _close(te1, test[..., 1], 1e-13)


def test_flow_equals_expm_with_and_without_diag_reg():
  rng = np.random.default_rng(1)
  n, m = 7, 5
  K, kt = _pd(rng, n), rng.standard_normal((m, n))
  y, fx0, h0 = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)
  lr, s, times = 0.3, 2.0 / n, [0.0, 0.25, 3.0, 40.0]
  for diag_reg, absolute, c in ((0.0, False, 0.0), (0.1, False, 0.1 * np.trace(K) / n),
                                (0.5, True, 0.5)):
    Kr = K + c * np.eye(n)
    train, test = theory.gradient_descent_mse(
        K, y, lr, scale=s, discrete=False, diag_reg=diag_reg,
        diag_reg_absolute_scale=absolute)(times, fx0, h0, kt)
    for i, t in enumerate(times):
      E = scipy.linalg.expm(-lr * s * t * Kr)
      _close(train[i], y + E @ (fx0 - y), 1e-10, f"train t={t} c={c}")
      want = h0 - kt @ np.linalg.solve(Kr, (np.eye(n) - E) @ (fx0 - y))
      _close(test[i], want, 1e-10, f"test t={t} c={c}")


def test_small_steps_keep_full_relative_precision():
  """(f_t − 1)/λ is formed with expm1/log1p: one GD step with η s λ ~ 1e-11 moves the
  test outputs by exactly −η Θ_* (f₀ − y) (with exp(·) − 1 it was off by 5e-6)."""
  rng = np.random.default_rng(2)
  n, m = 5, 3
  K, kt = _pd(rng, n), rng.standard_normal((m, n))
  y, fx0 = rng.standard_normal(n), rng.standard_normal(n)
  lr = 1e-12
  step = -lr * kt @ (fx0 - y)
  for discrete, t in ((True, [1]), (False, [1.0])):
    train, test = theory.gradient_descent_mse(K, y, lr, discrete=discrete)(
        t, fx0, np.zeros(m), kt)
    # Flow over time η: the step plus O(η λ) ~ 3e-11 relative to it.
    _close(test[0], step, 1e-9, f"discrete={discrete}")
    _close(train[0], fx0 - lr * K @ (fx0 - y), 1e-13)


def test_test_points_match_a_linearised_net_trained_in_parameter_space():
  """GD on the parameters of f_lin(θ) = f(θ₀) + J (θ − θ₀) (float64, J from jax) gives
  the outputs that gradient_descent_mse predicts from Θ = J Jᵀ; and Θ from
  kernels.empirical_ntk is J Jᵀ (float32)."""
  model = models.MLP(depth=2, width=16, activation="tanh", init_scheme="ntk")
  x = jnp.linspace(-1, 1, 6)[:, None]
  xt = jnp.array([[-0.8], [0.1], [0.55]])
  params = model.init(jax.random.key(3), x[:1])
  flat, unravel = ravel_pytree(params)

  def f(theta, xs):
    return model.apply(unravel(theta), xs)[:, 0]

  J = np.asarray(jax.jacobian(f)(flat, x), np.float64)  # [N, P]
  Jt = np.asarray(jax.jacobian(f)(flat, xt), np.float64)
  f0, h0 = np.asarray(f(flat, x), np.float64), np.asarray(f(flat, xt), np.float64)
  y = np.sin(3 * np.asarray(x[:, 0], np.float64))
  n = y.size
  theta_tt = J @ J.T
  lr = 1.5 / np.linalg.eigvalsh(theta_tt / n)[-1]  # ½·mean loss, s = 1/n
  steps = [0, 3, 40, 200]
  train, test = theory.gradient_descent_mse(theta_tt, y, lr, scale=1.0 / n)(
      steps, f0, h0, Jt @ J.T)
  d = np.zeros(J.shape[1])
  for t in range(steps[-1] + 1):
    if t in steps:
      i = steps.index(t)
      _close(train[i], f0 + J @ d, 1e-9, f"train t={t}")
      _close(test[i], h0 + Jt @ d, 1e-9, f"test t={t}")
    d = d - lr * J.T @ (f0 + J @ d - y) / n
  ntk = np.asarray(kernels.empirical_ntk(lambda p, xs: model.apply(p, xs)[:, 0], params, x))
  _close(ntk, theta_tt, 1e-5, "empirical_ntk vs J Jᵀ")


def test_infinite_time_is_kernel_regression_and_large_t_reaches_it():
  rng = np.random.default_rng(4)
  n, m, k = 6, 4, 2
  K, kt = _pd(rng, n), rng.standard_normal((m, n))
  y, fx0, h0 = rng.standard_normal((n, k)), rng.standard_normal((n, k)), rng.standard_normal((m, k))
  lr, s = 0.5, 1.0 / (n * k)
  for discrete in (True, False):
    predict = theory.gradient_descent_mse(K, y, lr, scale=s, discrete=discrete)
    train, test = predict(None, fx0, h0, kt)
    _close(train, y, 1e-12)
    _close(test, h0 + kt @ np.linalg.solve(K, y - fx0), 1e-10)
    # The slowest mode has η s λ = 0.5/12; 2 000 steps take it to ~e^-85.
    tr_big, te_big = predict([2000], fx0, h0, kt)
    _close(tr_big[0], train, 1e-12)
    _close(te_big[0], test, 1e-10)
  # t = ∞ needs convergence: GD with η s λ_max > 2 raises, gradient flow does not.
  unstable = theory.gradient_descent_mse(K, y, 2.5 / (s * np.linalg.eigvalsh(K)[-1]),
                                         scale=s)
  with pytest.raises(ValueError, match="converge"):
    unstable(None, fx0)
  # Zero modes do not move: a rank-deficient kernel's limit keeps their part of fx0.
  v = np.linalg.qr(rng.standard_normal((n, 2)))[0]
  K0 = v @ np.diag([2.0, 1.0]) @ v.T
  tr0 = theory.gradient_descent_mse(K0, y, 1.0, discrete=False)(None, fx0)
  P = v @ v.T
  _close(tr0, P @ y + (np.eye(n) - P) @ fx0, 1e-10)


def test_predict_fn_options_scalar_t_fx_train_none_and_eig_pairs():
  rng = np.random.default_rng(5)
  n, m = 5, 3
  K, kt = _pd(rng, n), rng.standard_normal((m, n))
  y, h0 = rng.standard_normal(n), rng.standard_normal(m)
  predict = theory.gradient_descent_mse(K, y, 0.2, discrete=False)
  train, test = predict(1.5, 0.0, h0, kt)  # a scalar t keeps a length-1 time axis
  assert train.shape == (1, n) and test.shape == (1, m)
  _close(predict(1.5, None, h0, kt), test, 0)  # fx_train_0=None: test only, from f₀ = 0
  via_eig = theory.gradient_descent_mse(theory.eigh(K), y, 0.2, discrete=False)
  _close(via_eig(1.5, 0.0, h0, kt)[1], test, 1e-13)
  # A [2, 2] kernel given as nested lists is a matrix, not an (eigvals, eigvecs) pair.
  two = theory.gradient_descent_mse([[2.0, 1.0], [1.0, 2.0]], [1.0, 1.0], 0.1)
  _close(two([1], [0.0, 0.0]), np.array([[0.3, 0.3]]), 1e-14)


# --------------------------------------------------------------------------------------
# gp_inference
# --------------------------------------------------------------------------------------


def test_gp_inference_equals_direct_formulas():
  rng = np.random.default_rng(6)
  n, m = 7, 4
  Kj, Tj = _joint(rng, n, m)
  K, Ks, Kss = _split(Kj, n)
  T, Ts, Tss = _split(Tj, n)
  y = rng.standard_normal((n, 2))
  inv = np.linalg.inv
  for diag_reg in (0.0, 0.2):
    Kr = K + diag_reg * np.trace(K) / n * np.eye(n)
    Tr = T + diag_reg * np.trace(T) / n * np.eye(n)
    predict = theory.gp_inference({"nngp": K, "ntk": T}, y, diag_reg)
    out = predict(("nngp", "ntk", "ntkgp"), {"nngp": Ks, "ntk": Ts},
                  {"nngp": Kss, "ntk": Tss})
    assert out._fields == ("nngp", "ntk", "ntkgp")
    _close(out.nngp.mean, Ks @ inv(Kr) @ y, 1e-10)
    _close(out.nngp.covariance, Kss - Ks @ inv(Kr) @ Ks.T, 1e-10)
    _close(out.ntk.mean, Ts @ inv(Tr) @ y, 1e-10)
    want = (Kss + Ts @ inv(Tr) @ K @ inv(Tr) @ Ts.T - Ts @ inv(Tr) @ Ks.T
            - Ks @ inv(Tr) @ Ts.T)
    _close(out.ntk.covariance, want, 1e-10)
    _close(out.ntkgp.mean, out.ntk.mean, 1e-13)
    _close(out.ntkgp.covariance, Tss - Ts @ inv(Tr) @ Ts.T, 1e-10)
    # get as a string: the value itself; without k_test_test: means only.
    _close(predict("ntk", {"nngp": Ks, "ntk": Ts}), out.ntk.mean, 1e-13)
    means = predict(None, {"nngp": Ks, "ntk": Ts})
    assert means._fields == ("nngp", "ntk")
    _close(means.nngp, out.nngp.mean, 1e-13)
  # The training points: N(y, 0).
  g = theory.gp_inference(T, y)("ntk", None, True)
  _close(g.mean, y, 0)
  assert np.all(g.covariance == 0) and g.covariance.shape == (n, n)
  # Kernel containers: the (nngp, ntk) tuple and an nt-like namedtuple give the same.
  Kern = collections.namedtuple("Kernel", "nngp ntk")
  a = theory.gp_inference((K, T), y)("ntk", (Ks, Ts), (Kss, Tss))
  b = theory.gp_inference(Kern(K, T), y)("ntk", Kern(Ks, Ts), Kern(Kss, Tss))
  _close(a.covariance, b.covariance, 0)


def test_gp_inference_errors():
  rng = np.random.default_rng(7)
  K = _pd(rng, 4)
  y = np.ones(4)
  with pytest.raises(ValueError, match="both the NNGP and the NTK"):
    theory.gp_inference(K, y)("ntk", np.ones((2, 4)), np.eye(2))
  with pytest.raises(ValueError, match="positive"):
    theory.gp_inference(np.ones((4, 4)), y)("nngp", np.ones((2, 4)))
  with pytest.raises(ValueError, match="get="):
    theory.gp_inference(K, y)("ntkk", np.ones((2, 4)))
  with pytest.raises(ValueError, match="no 'ntk' kernel"):
    theory.gp_inference({"nngp": K}, y)("ntk", {"nngp": np.ones((2, 4))})
  with pytest.raises(ValueError, match="y_train"):
    theory.gp_inference(K, np.ones(5))
  with pytest.raises(ValueError, match="k_test_train"):
    theory.gp_inference(K, y)("nngp", np.ones((2, 3)))


# --------------------------------------------------------------------------------------
# gradient_descent_mse_ensemble
# --------------------------------------------------------------------------------------


def _linear_map(theta, theta_s, y, lr, s, discrete, steps, n, m):
  """The one-net predictor is affine in the joint f₀ [n+m]: (mean_train [T, n],
  L_train [T, n, n+m], mean_test [T, m], L_test [T, m, n+m]) with outputs = mean + L f₀."""
  eye = np.eye(n + m)
  mean_tr, mean_te = theory.gradient_descent_mse(theta, y, lr, scale=s, discrete=discrete)(
      steps, 0.0, 0.0, theta_s)
  # With y = 0 the map is linear; row j of the batch starts from f₀ = e_j.
  l_tr, l_te = theory.gradient_descent_mse(theta, 0 * y, lr, scale=s, discrete=discrete)(
      steps, eye[:, :n], eye[:, n:], theta_s)
  return mean_tr, np.moveaxis(l_tr, 0, -1), mean_te, np.moveaxis(l_te, 0, -1)


@pytest.mark.parametrize("discrete", [True, False], ids=["gd", "flow"])
def test_ensemble_is_the_linear_model_averaged_over_gaussian_f0(discrete):
  """Mean B y and covariance L K Lᵀ of the one-net predictor's affine map of f₀ ~ N(0, K)."""
  rng = np.random.default_rng(8)
  n, m = 6, 4
  Kj, Tj = _joint(rng, n, m)
  K, Ks, Kss = _split(Kj, n)
  T, Ts, _ = _split(Tj, n)
  y = rng.standard_normal(n)
  s = 1.0 / n
  lr = 1.2 / (s * np.linalg.eigvalsh(T)[-1])
  steps = [0, 1, 5, 30, 200]
  predict = theory.gradient_descent_mse_ensemble({"nngp": K, "ntk": T}, y, lr, scale=s,
                                                 discrete=discrete)
  kts, ktt = {"nngp": Ks, "ntk": Ts}, {"nngp": Kss}
  out = predict(steps, kts, ktt, get=("nngp", "ntk"), compute_cov=True)
  train = predict(steps, None, None, get=("nngp", "ntk"), compute_cov=True)
  for g, theta, theta_s in (("ntk", T, Ts), ("nngp", K, Ks)):
    m_tr, L_tr, m_te, L_te = _linear_map(theta, theta_s, y, lr, s, discrete, steps, n, m)
    got, got_tr = getattr(out, g), getattr(train, g)
    _close(got.mean, m_te, 1e-10, f"{g} test mean")
    _close(got.covariance, L_te @ Kj @ np.swapaxes(L_te, 1, 2), 1e-9, f"{g} test cov")
    _close(got_tr.mean, m_tr, 1e-10, f"{g} train mean")
    _close(got_tr.covariance, L_tr @ Kj @ np.swapaxes(L_tr, 1, 2), 1e-9, f"{g} train cov")
  assert out.ntk.covariance.shape == (len(steps), m, m)
  # Means only, one get: the array itself.
  _close(predict(steps, kts, get="ntk"), out.ntk.mean, 1e-13)


def test_ensemble_limits_equal_gp_inference_and_multi_output():
  rng = np.random.default_rng(9)
  n, m = 6, 3
  Kj, Tj = _joint(rng, n, m)
  K, Ks, Kss = _split(Kj, n)
  T, Ts, _ = _split(Tj, n)
  y = rng.standard_normal((n, 2))
  kdd, kts, ktt = {"nngp": K, "ntk": T}, {"nngp": Ks, "ntk": Ts}, {"nngp": Kss}
  for diag_reg in (0.0, 0.1):
    gp = theory.gp_inference(kdd, y, diag_reg)(("nngp", "ntk"), kts, ktt)
    ens = theory.gradient_descent_mse_ensemble(kdd, y, 1.0, scale=1.0 / y.size,
                                               discrete=False, diag_reg=diag_reg)
    at_inf = ens(None, kts, ktt, compute_cov=True)
    late = ens([1e6], kts, ktt, compute_cov=True)  # slowest η s λ t ~ 1e3
    for g in ("nngp", "ntk"):
      for a in (getattr(at_inf, g), (getattr(late, g).mean[0], getattr(late, g).covariance[0])):
        _close(a[0], getattr(gp, g).mean, 1e-9, f"{g} mean c={diag_reg}")
        _close(a[1], getattr(gp, g).covariance, 1e-9, f"{g} cov c={diag_reg}")
    # the "ntk" mean at t = ∞ is kernel regression Θ_* Θ⁻¹ y
    if diag_reg == 0.0:
      _close(at_inf.ntk.mean, Ts @ np.linalg.solve(T, y), 1e-10)
  # Each output column alone gives the same mean; the covariance is shared.
  ens = theory.gradient_descent_mse_ensemble(kdd, y, 0.3, scale=0.1)
  both = ens([0, 4, 50], kts, ktt, get="ntk", compute_cov=True)
  one = theory.gradient_descent_mse_ensemble(kdd, y[:, 0], 0.3, scale=0.1)(
      [0, 4, 50], kts, ktt, get="ntk", compute_cov=True)
  assert both.mean.shape == (3, m, 2)
  _close(both.mean[..., 0], one.mean, 1e-13)
  _close(both.covariance, one.covariance, 1e-13)


def test_ensemble_errors():
  K = np.eye(3)
  ens = theory.gradient_descent_mse_ensemble(K, np.ones(3), 0.1)
  with pytest.raises(ValueError, match="k_test_test"):
    ens([1], np.ones((2, 3)), get="nngp", compute_cov=True)
  with pytest.raises(ValueError, match="both the NNGP and the NTK"):
    ens([1], np.ones((2, 3)), np.eye(2), get="ntk", compute_cov=True)
  with pytest.raises(ValueError, match="get="):
    ens([1], np.ones((2, 3)), get="ntkgp")
  with pytest.raises(ValueError, match="integers"):
    ens([1.5], np.ones((2, 3)), get="ntk")


# --------------------------------------------------------------------------------------
# An ensemble of wide nets
# --------------------------------------------------------------------------------------

_WIDTH, _NETS, _W_STD, _B_STD = 2048, 256, 1.4, 0.3


def _train_ensemble(x, y, xt, lr, steps, activation):
  """Test outputs [E, T, M] (float32 training) of _NETS NTK-parameterised MLPs of depth 1.

  The nets come in antithetic pairs: the second of each pair has its readout layer
  negated (the same distribution), so f₀ cancels in the ensemble mean exactly and the
  mean's Monte-Carlo error is the (much smaller) one of the kernel's fluctuations.
  """
  model = models.MLP(depth=1, width=_WIDTH, activation=activation, init_scheme="ntk",
                     w_std=_W_STD, b_std=_B_STD)
  keys = jax.random.split(jax.random.key(0), _NETS // 2)
  p = jax.vmap(lambda k: model.init(k, jnp.zeros((1, 1))))(keys)
  twin = jax.tree_util.tree_map_with_path(
      lambda path, a: -a if any(getattr(q, "key", None) == "readout" for q in path) else a, p)
  p = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a, b]), p, twin)
  xj, xtj, yj = (jnp.asarray(a, jnp.float32) for a in (x, xt, y))

  def step(q, _):
    g = jax.grad(lambda r: 0.5 * jnp.mean((model.apply(r, xj)[:, 0] - yj) ** 2))(q)
    return jax.tree_util.tree_map(lambda a, b: a - lr * b, q, g), None

  @jax.jit
  def run(q):
    outs, prev = [], 0
    for t in steps:
      if t > prev:
        q, _ = jax.lax.scan(jax.vmap(step), q, None, length=int(t - prev))
      prev = t
      outs.append(jax.vmap(lambda r: model.apply(r, xtj)[:, 0])(q))
    return jnp.stack(outs, 1)

  return np.asarray(run(p), np.float64)


def test_ensemble_of_wide_ntk_mlps_matches_the_infinite_ensemble():
  """256 erf MLPs (depth 1, width 2048, NTK parameterisation) trained by full-batch GD
  on ½·mean loss over 6 points of sin(0.9πx), η s λ_max = 1, to 300 steps (the slowest
  mode then at e^-0.4).

  Measured (seed 0, ~15 s on 2 CPU cores): mean test output vs the predicted
  infinite-ensemble mean, max over 9 test points: 1.8e-4 / 5.2e-4 / 6.4e-4 / 6.0e-4 at
  steps 10 / 40 / 150 / 300 (tolerance 2e-3), against outputs of size 0.66-0.97 and
  differences of 0.022-0.66 between consecutive logged times (a prediction with s
  doubled is off by 0.72-0.79); empirical variance of 128 independent nets / predicted
  variance: 0.77-1.23 (vs the prior NNGP variance: down to 4e-5).
  Antithetic pairs remove f₀'s noise from the mean; what is left is finite width.
  ReLU instead of erf (same set-up, width 4096) leaves a gap of ~0.02 at 200 steps that
  shrinks only like ~width^-0.3 (the kinks), so the smooth activation is the sharp test.
  """
  start = time.time()
  n = 6
  x = np.linspace(-1, 1, n)[:, None]
  y = np.sin(0.9 * np.pi * x[:, 0])
  xt = np.linspace(-0.95, 0.95, 9)[:, None]
  X = np.concatenate([x, xt]).astype(np.float32)
  nngp, ntk = (np.asarray(a, np.float64)
               for a in kernels.mlp_kernels(X, None, 1, "erf", _W_STD, _B_STD))
  kdd = {"nngp": nngp[:n, :n], "ntk": ntk[:n, :n]}
  kts = {"nngp": nngp[n:, :n], "ntk": ntk[n:, :n]}
  s = 1.0 / n
  lr = 1.0 / (s * np.linalg.eigvalsh(kdd["ntk"])[-1])
  steps = np.array([0, 10, 40, 150, 300])
  pred = theory.gradient_descent_mse_ensemble(kdd, y, lr, scale=s)(
      steps, kts, nngp[n:, n:], get="ntk", compute_cov=True)
  out = _train_ensemble(x, y, xt, lr, steps, "erf")
  gap = np.max(np.abs(out.mean(0) - pred.mean), axis=1)
  assert np.all(gap <= 2e-3), gap
  # The test can tell times apart: consecutive predictions differ by far more.
  assert np.min(np.max(np.abs(np.diff(pred.mean, axis=0)), axis=1)) > 5 * 2e-3
  ratio = out[:_NETS // 2].var(0, ddof=1) / np.diagonal(pred.covariance, axis1=1, axis2=2)
  assert 0.6 < ratio.min() and ratio.max() < 1.6, ratio
  assert time.time() - start < 60


def test_readme_neural_tangents_example_runs():
  """The five-line example under "Coming from neural-tangents" in README.md runs and fits."""
  readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
  section = readme[readme.index("### Coming from neural-tangents"):]
  code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
  assert len(code.strip().splitlines()) == 5
  env = {}
  exec(compile(code, "README.md", "exec"), env)
  fx_t, y = env["fx_t"], np.asarray(env["y"], np.float64)
  assert fx_t.shape == (3, 16) and fx_t.dtype == np.float64
  assert np.max(np.abs(fx_t[-1] - y)) < 0.1 * np.max(np.abs(fx_t[0] - y))
