"""Named training losses, each with the factor its gradient puts into the kernel flow.

A squared loss L(u) of the outputs u[N] has the function-space gradient s·(u − y), so GD
with step η moves the residual by r ← (I − η s Θ) r in the kernel regime
(`theory.kernel_flow`, `theory.gradient_descent_mse`). s is `Loss.flow_scale(n)`:

  ============  =====================  ========  ===================
  name          L(u)                   s         ‖u − y‖² / L
  ============  =====================  ========  ===================
  mse           (1/n) Σ (u − y)²       2/n       n
  half_mse      (1/2n) Σ (u − y)²      1/n       2n
  sum_half      ½ Σ (u − y)²           1         2
  ============  =====================  ========  ===================

Classification losses (``cross_entropy`` over integer labels with optional per-point
weights — Basri's residual net — and ``bce`` with logits, whose training accuracy is
`binary_accuracy`) have no linear kernel flow: their ``flow_scale`` raises.

  >>> loss = get("mse")
  >>> float(loss(jnp.array([1.0, 3.0]), jnp.array([0.0, 1.0]))), loss.flow_scale(2)
  (2.5, 1.0)
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax


@dataclasses.dataclass(frozen=True)
class Loss:
  """A named loss ``loss(pred, target, weight=None) -> scalar`` for one seed.

  Attributes:
    name: its name in configs.
    fn: (pred, target, weight) -> scalar; pred [N] (regression) or logits [N, C].
    scale_per_n: s·n for squared losses (s = scale_per_n / n), None otherwise.
    sq_per_loss: ‖u − y‖² / L as a multiple of n**power: (coefficient, power).
  """

  name: str
  fn: Callable[..., jax.Array]
  scale_per_n: tuple[float, int] | None = None
  sq_per_loss: tuple[float, int] | None = None

  def __call__(self, pred, target, weight=None) -> jax.Array:
    return self.fn(pred, target, weight)

  @property
  def is_squared(self) -> bool:
    return self.scale_per_n is not None

  def flow_scale(self, n: int) -> float:
    """s in r ← (I − η s Θ) r for n training points."""
    if self.scale_per_n is None:
      raise ValueError(f"loss {self.name!r} has no linear kernel flow (not a squared loss)")
    c, power = self.scale_per_n
    return c / n ** power if power else c

  def residual_sq(self, loss_value, n: int):
    """‖u − y‖² that a loss value of ``loss_value`` means on n points."""
    if self.sq_per_loss is None:
      raise ValueError(f"loss {self.name!r} is not a squared loss")
    c, power = self.sq_per_loss
    return c * float(n) ** power * np.asarray(loss_value, np.float64)

  def at_zero_output(self, y) -> np.ndarray:
    """The loss of u ≡ 0 (zero logits for classification) for targets y[..., N], float64."""
    y = np.asarray(y, np.float64)
    if not self.is_squared:
      return np.full(y.shape[:-1], np.log(2.0))  # two classes, zero logits
    return np.sum(y * y, -1) / self.residual_sq(1.0, y.shape[-1])


def _mse(pred, target, weight):
  del weight
  return jnp.mean((pred - target) ** 2)


def _half_mse(pred, target, weight):
  del weight
  return 0.5 * jnp.mean((pred - target) ** 2)


def _sum_half(pred, target, weight):
  del weight
  return 0.5 * jnp.sum((pred - target) ** 2)


def _cross_entropy(logits, labels, weight):
  ce = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
  if weight is None:
    return jnp.mean(ce)
  return jnp.sum(weight * ce) / jnp.sum(weight)


def _bce(logits, labels, weight):
  bce = optax.sigmoid_binary_cross_entropy(logits, labels)
  if weight is None:
    return jnp.mean(bce)
  return jnp.sum(weight * bce) / jnp.sum(weight)


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse, scale_per_n=(2.0, 1), sq_per_loss=(1.0, 1)),
    "half_mse": Loss("half_mse", _half_mse, scale_per_n=(1.0, 1), sq_per_loss=(2.0, 1)),
    "sum_half": Loss("sum_half", _sum_half, scale_per_n=(1.0, 0), sq_per_loss=(2.0, 0)),
    "cross_entropy": Loss("cross_entropy", _cross_entropy),
    "bce": Loss("bce", _bce),
}
NAMES = tuple(LOSSES)


def binary_accuracy(logits: jax.Array, labels: jax.Array) -> jax.Array:
  """Fraction of points with (sigmoid(logit) > 0.5) == label, for ``bce`` logits [N] and
  labels [N] in {0, 1} (sigmoid > 0.5 ⇔ logit > 0, as the authors' Exp 6 code measures).

  >>> round(float(binary_accuracy(jnp.array([2.0, -1.0, 0.5]), jnp.array([1.0, 0.0, 0.0]))), 6)
  0.666667
  """
  return jnp.mean(((logits > 0) == (labels > 0.5)).astype(jnp.float32))


def get(name: str) -> Loss:
  """The loss called ``name``; ValueError naming the choices otherwise."""
  try:
    return LOSSES[name]
  except KeyError:
    raise ValueError(f"loss={name!r} is not supported; choose one of {NAMES}") from None
