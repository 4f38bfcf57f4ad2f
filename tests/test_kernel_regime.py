"""The overlay path Θ at init → eigenpairs → predictions, against explicit iteration."""
import chex
import jax
import jax.numpy as jnp
import numpy as np

from fourier_nn import kernel_regime, kernels, models, theory


def _net():
  model = models.MLP(depth=2, width=32, init_scheme="ntk")
  return model, (lambda p, x: model.apply(p, x)[:, 0])


def test_init_kernels_match_empirical_ntk_and_explicit_linearised_gd():
  model, apply = _net()
  x = jnp.linspace(-1, 1, 12)[:, None]
  params = [model.init(jax.random.key(s), x[:1]) for s in range(3)]
  y = np.sin(3 * np.asarray(x[:, 0], np.float64))
  ks = list(kernel_regime.init_kernels(apply, params, x))
  assert len(ks) == 3
  for p, k in zip(params, ks):
    theta = np.asarray(kernels.empirical_ntk(apply, p, x), np.float64)
    np.testing.assert_allclose(k.theta, theta, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(k.f0, np.asarray(apply(p, x)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(k.eigvecs @ np.diag(k.eigvals) @ k.eigvecs.T, k.theta,
                               atol=1e-8 * np.abs(k.theta).max())
    lr, s, T = 0.5, 2.0 / 12, 30
    M = np.eye(12) - lr * s * k.theta
    r, want = k.f0 - y, []
    for t in range(T + 1):
      want.append(r.copy())
      r = M @ r
    np.testing.assert_allclose(k.residuals(y, lr, np.arange(T + 1), scale=s), np.array(want),
                               atol=1e-10)
    # test points: the same linear GD, outputs moving by −η s Θ(x_test, x) r_t
    xt = jnp.array([[0.3], [-0.7]])
    kt = k.test_kernel(xt)
    np.testing.assert_allclose(kt, np.asarray(kernels.empirical_ntk(apply, p, xt, x)),
                               rtol=1e-5, atol=1e-6)
    f_test, ft = np.asarray(apply(p, xt), np.float64), []
    r = k.f0 - y
    for t in range(T + 1):
      ft.append(f_test.copy())
      f_test = f_test - lr * s * kt @ r
      r = M @ r
    _, got = k.predictor(y, lr, scale=s)(np.arange(T + 1), k.f0, np.asarray(apply(p, xt)), kt)
    np.testing.assert_allclose(got, np.array(ft), atol=1e-9)


def test_one_compiled_ntk_program_serves_every_seed():
  model, apply = _net()
  x = jnp.linspace(-1, 1, 6)[:, None]
  traced = chex.assert_max_traces(apply, n=2)  # the NTK program (+ the f0 forward pass)
  params = (model.init(jax.random.key(s), x[:1]) for s in range(4))
  out = list(kernel_regime.init_kernels(traced, params, [x, x + 0.1, x - 0.1, x * 2]))
  assert len(out) == 4 and not np.allclose(out[0].theta, out[1].theta)
