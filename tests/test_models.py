import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import models


def _init(model, d=1):
  return model.init(jax.random.key(0), jnp.zeros((1, d)))


def test_exp1_net_shape_and_param_count():
  params = _init(models.MLP(depth=5, width=256))
  # 1→256, 4×(256→256), 256→1 with biases.
  assert models.count_params(params) == 2 * 256 + 4 * (256 * 256 + 256) + 257
  ks = models.dense_kernels(params)
  assert [k.shape for k in ks] == [(1, 256)] + [(256, 256)] * 4 + [(256, 1)]


def test_torch_init_is_uniform_within_fan_in_bound():
  params = _init(models.MLP(depth=2, width=512, init_scheme="torch"), d=1)
  w = np.asarray(params["params"]["hidden_1"]["kernel"])
  b = np.asarray(params["params"]["hidden_1"]["bias"])
  bound = 1 / np.sqrt(512)
  assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
  np.testing.assert_allclose(w.var(), bound**2 / 3, rtol=0.02)  # variance of U(-a, a)


def test_ntk_parameterisation_forward():
  model = models.MLP(depth=1, width=8, activation="tanh", init_scheme="ntk", w_std=1.5, b_std=0.2)
  params = _init(model, d=3)
  p = params["params"]
  x = jnp.asarray(np.random.default_rng(0).normal(size=(4, 3)), jnp.float32)
  h = jnp.tanh(1.5 / np.sqrt(3) * x @ p["hidden_0"]["kernel"] + 0.2 * p["hidden_0"]["bias"][None])
  ref = 1.5 / np.sqrt(8) * h @ p["readout"]["kernel"] + 0.2 * p["readout"]["bias"][None]
  np.testing.assert_allclose(model.apply(params, x), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("act", ["relu", "tanh", "sin", "erf", "gelu"])
def test_activations_and_no_bias(act):
  params = _init(models.MLP(depth=2, width=4, activation=act, use_bias=False, init_scheme="torch"))
  assert all("bias" not in layer for layer in params["params"].values())
  out = models.MLP(depth=2, width=4, activation=act, use_bias=False, init_scheme="torch").apply(
      params, jnp.zeros((3, 1)))
  np.testing.assert_allclose(out, 0.0, atol=1e-6) if act != "gelu" else None


def test_explicit_widths():
  params = _init(models.MLP(widths=(200, 100, 50), activation="tanh"))
  assert [k.shape[1] for k in models.dense_kernels(params)] == [200, 100, 50, 1]


def test_unknown_activation_is_a_clear_error():
  with pytest.raises(ValueError, match="activation='swish' is not supported"):
    _init(models.MLP(depth=1, width=4, activation="swish"))
