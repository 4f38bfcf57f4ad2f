"""Named losses: values, and the kernel-flow factor s checked against autodiff."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import losses


@pytest.mark.parametrize("name", ["mse", "half_mse", "sum_half"])
def test_flow_scale_is_the_function_space_gradient_factor(name):
  """∂L/∂u = s·(u − y): the factor the kernel flow r ← (I − η s Θ) r uses."""
  loss = losses.get(name)
  n = 7
  u = jax.random.normal(jax.random.key(0), (n,))
  y = jax.random.normal(jax.random.key(1), (n,))
  g = np.asarray(jax.grad(lambda uu: loss(uu, y))(u))
  np.testing.assert_allclose(g, loss.flow_scale(n) * np.asarray(u - y), rtol=1e-5)
  # ‖u − y‖² from a loss value, and the loss of u ≡ 0
  r2 = float(np.sum(np.asarray(u - y, np.float64) ** 2))
  np.testing.assert_allclose(loss.residual_sq(float(loss(u, y)), n), r2, rtol=1e-5)
  np.testing.assert_allclose(loss.at_zero_output(np.asarray(y)), float(loss(jnp.zeros(n), y)),
                             rtol=1e-5)


def test_classification_losses_have_no_kernel_flow():
  ce = losses.get("cross_entropy")
  logits = jnp.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
  labels = jnp.array([0, 1, 0])
  want = np.log(1 + np.exp(np.array([-2.0, -1.0, 0.0])))
  np.testing.assert_allclose(float(ce(logits, labels)), want.mean(), rtol=1e-6)
  np.testing.assert_allclose(float(ce(logits, labels, jnp.array([1.0, 0.0, 1.0]))),
                             want[[0, 2]].mean(), rtol=1e-6)
  bce = losses.get("bce")
  np.testing.assert_allclose(float(bce(jnp.array([0.0, 3.0]), jnp.array([1.0, 0.0]))),
                             np.mean([np.log(2), np.log(1 + np.exp(3.0))]), rtol=1e-6)
  assert not ce.is_squared
  with pytest.raises(ValueError, match="no linear kernel flow"):
    ce.flow_scale(3)
  with pytest.raises(ValueError, match="loss='l1'"):
    losses.get("l1")


def test_binary_accuracy_is_sigmoid_above_half_vs_label():
  rng = np.random.default_rng(0)
  logits = rng.standard_normal(101).astype(np.float32)
  labels = (rng.random(101) > 0.5).astype(np.float32)
  expected = np.mean((1 / (1 + np.exp(-logits)) > 0.5) == (labels == 1))
  assert float(losses.binary_accuracy(jnp.asarray(logits), jnp.asarray(labels))) == \
      pytest.approx(expected)
  # bce with labels in {0, 1} is the mean of -log σ(±logit)
  bce = float(losses.get("bce")(jnp.asarray(logits), jnp.asarray(labels)))
  p = 1 / (1 + np.exp(-logits.astype(np.float64)))
  assert bce == pytest.approx(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)),
                              rel=1e-5)
