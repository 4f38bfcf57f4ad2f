"""Flax Linen models: the MLP used across the experiments.

Nothing here is stateful: a model is a description, `init` gives a params pytree and
`apply(params, x)` is a pure function of it.

Init schemes (``init_scheme=``):
  * ``"flax"``  — Flax defaults: lecun-normal kernels, zero biases.
  * ``"torch"`` — PyTorch's ``nn.Linear`` default that Rahaman et al. used:
    W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  * ``"ntk"``   — NTK parameterisation (Jacot et al. 2018): W, b ~ N(0, 1) and the layer
    computes ``w_std / sqrt(fan_in) * x @ W + b_std * b``. Its infinite-width kernels are
    `fourier_nn.kernels.mlp_kernels(..., parameterization="ntk")`.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "sin": jnp.sin,
    "erf": jax.scipy.special.erf,
    "gelu": jax.nn.gelu,
    "softplus": jax.nn.softplus,
    "identity": lambda x: x,
}
INITS = ("flax", "torch", "ntk")


def get_activation(name: str) -> Callable[[jax.Array], jax.Array]:
  """Returns the activation called ``name``; ValueError naming the choices otherwise."""
  try:
    return ACTIVATIONS[name]
  except KeyError:
    raise ValueError(
        f"activation={name!r} is not supported; choose one of {sorted(ACTIVATIONS)}"
    ) from None


def _torch_uniform(fan_in: int):
  bound = 1.0 / (fan_in ** 0.5)

  def init(key, shape, dtype=jnp.float32):
    return jax.random.uniform(key, shape, dtype, -bound, bound)

  return init


class Dense(nn.Module):
  """A dense layer with a choice of init scheme / parameterisation (see module doc)."""

  features: int
  use_bias: bool = True
  init_scheme: str = "flax"
  w_std: float = 1.0
  b_std: float = 1.0

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    fan_in = x.shape[-1]
    if self.init_scheme == "flax":
      return nn.Dense(self.features, use_bias=self.use_bias, name="dense")(x)
    if self.init_scheme == "torch":
      w = self.param("kernel", _torch_uniform(fan_in), (fan_in, self.features))
      y = x @ w
      if self.use_bias:
        b = self.param("bias", _torch_uniform(fan_in), (self.features,))
        y = y + b.reshape((1,) * (y.ndim - 1) + (-1,))
      return y
    if self.init_scheme == "ntk":
      w = self.param("kernel", nn.initializers.normal(1.0), (fan_in, self.features))
      y = (self.w_std / fan_in ** 0.5) * (x @ w)
      if self.use_bias:
        b = self.param("bias", nn.initializers.normal(1.0), (self.features,))
        y = y + self.b_std * b.reshape((1,) * (y.ndim - 1) + (-1,))
      return y
    raise ValueError(f"init_scheme={self.init_scheme!r} is not supported; choose one of {INITS}")


class MLP(nn.Module):
  """Fully-connected network ``in -> width x depth (hidden) -> out_dim``.

  Attributes:
    depth: number of hidden layers (Rahaman's "6-layer" net is depth=5: six Dense layers).
    width: units per hidden layer; ignored where ``widths`` is given.
    widths: explicit hidden widths, e.g. (200, 200, 200, 100) for the F-Principle net.
    out_dim: output units.
    activation: a name from `ACTIVATIONS`.
    use_bias: biases on every layer or none.
    init_scheme: "flax" | "torch" | "ntk" (see module docstring).
    w_std, b_std: NTK-parameterisation scales (``init_scheme="ntk"`` only).

  ``apply(params, x[N, d]) -> [N, out_dim]``.

  >>> model = MLP(depth=2, width=16)
  >>> params = model.init(jax.random.key(0), jnp.zeros((1, 1)))
  >>> model.apply(params, jnp.ones((5, 1))).shape
  (5, 1)
  """

  depth: int = 5
  width: int = 256
  widths: Sequence[int] | None = None
  out_dim: int = 1
  activation: str = "relu"
  use_bias: bool = True
  init_scheme: str = "flax"
  w_std: float = 1.0
  b_std: float = 1.0

  def hidden_widths(self) -> tuple[int, ...]:
    return tuple(self.widths) if self.widths is not None else (self.width,) * self.depth

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    act = get_activation(self.activation)
    kw = dict(use_bias=self.use_bias, init_scheme=self.init_scheme, w_std=self.w_std, b_std=self.b_std)
    for i, n in enumerate(self.hidden_widths()):
      x = act(Dense(n, name=f"hidden_{i}", **kw)(x))
    return Dense(self.out_dim, name="readout", **kw)(x)


def validate_mlp_args(depth: int, width: int, activation: str, init: str) -> None:
  """Checks model settings up front so bad config fails with one clear line."""
  get_activation(activation)
  if init not in INITS:
    raise ValueError(f"init={init!r} is not supported; choose one of {INITS}")
  if depth < 0:
    raise ValueError(f"depth={depth} must be >= 0")
  if width < 1:
    raise ValueError(f"width={width} must be >= 1")


def dense_kernels(params: Any) -> list[jax.Array]:
  """The weight matrices of every Dense layer, input to output order.

  Works for `MLP` params of any init scheme; leading (seed) axes are kept, so on stacked
  params each entry is [S, fan_in, fan_out].
  """
  out = []
  flat = jax.tree_util.tree_flatten_with_path(params)[0]
  for path, leaf in flat:
    keys = [getattr(p, "key", None) for p in path]
    if keys and keys[-1] == "kernel":
      out.append((keys, leaf))
  # Order hidden_0, hidden_1, ..., readout (dict order is already sorted that way in Flax,
  # but sort explicitly so it does not depend on it).
  def order(item):
    keys = item[0]
    name = next((k for k in keys if isinstance(k, str) and (k.startswith("hidden_") or k == "readout")), "")
    return (1, 0) if name == "readout" else (0, int(name.split("_")[1]) if name else 0)
  return [leaf for _, leaf in sorted(out, key=order)]


def count_params(params: Any) -> int:
  """Total number of scalars in a params pytree (one seed)."""
  return sum(int(x.size) for x in jax.tree_util.tree_leaves(params))
