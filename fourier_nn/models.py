"""Flax Linen models: every network of the experiments.

* `MLP` — the fully-connected net (Rahaman's 6×256 ReLU net, the F-Principle tanh nets,
  Basri's deep and residual nets with ``init_scheme="kaiming_normal"``, ``residual=True``).
* `TwoLayerReLU` — the two-layer ReLU family of the kernel papers: Basri et al.'s
  (fixed ±1 outer signs, bias zero-initialised and trained or absent, scale κ), Cao et
  al.'s (both layers Gaussian, outer layer trained or frozen) and the LFP form
  Σ wᵢ ReLU(rᵢ(x + lᵢ)) of Zhang, Xu, Luo, Ma.
* `FilterCNN` — the authors' CNN of the F-Principle filtering experiment (Keras defaults).
* `random_direction` / `perturb` — θ* + δ·θ̂ with θ̂ uniform on the unit sphere of all
  parameters together (Rahaman et al.'s robustness experiment).

Nothing here is stateful: a model is a description, `init` gives a params pytree and
`apply(params, x)` is a pure function of it.

Init schemes (``init_scheme=``):
  * ``"flax"``  — Flax defaults: lecun-normal kernels, zero biases.
  * ``"torch"`` — PyTorch's ``nn.Linear`` default that Rahaman et al. used:
    W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  * ``"ntk"``   — NTK parameterisation (Jacot et al. 2018): W, b ~ N(0, 1) and the layer
    computes ``w_std / sqrt(fan_in) * x @ W + b_std * b``. Its infinite-width kernels are
    `fourier_nn.kernels.mlp_kernels(..., parameterization="ntk")`.
  * ``"kaiming_normal"`` — Basri et al.'s PyTorch deep nets: W ~ N(0, 1/(3 fan_in))
    (``torch.nn.init.kaiming_normal_(W, a=√5)``), b ~ U(±1/√fan_in).
  * ``"glorot_uniform"`` — Keras' Dense default, as the F-Principle authors' newest
    ``f_principle.py``: W ~ U(±√(6/(fan_in + fan_out))), b = 0.
  * ``"normal"`` — W ~ N(0, w_std²), b ~ N(0, b_std²), standard parameterisation (the
    authors' older TF1 scripts: ``tf.random_normal_initializer(stddev=0.05)`` for both).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "sin": jnp.sin,
    "erf": jax.scipy.special.erf,
    "gelu": jax.nn.gelu,
    "softplus": jax.nn.softplus,
    "identity": lambda x: x,
}
INITS = ("flax", "torch", "ntk", "kaiming_normal", "glorot_uniform", "normal")


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


def _kaiming_normal_a_sqrt5(key, shape, dtype=jnp.float32):
  # torch.nn.init.kaiming_normal_(W, a=√5): std = √(2/(1 + 5)) / √fan_in.
  return jax.random.normal(key, shape, dtype) / np.sqrt(3.0 * shape[0])


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
    if self.init_scheme in ("torch", "kaiming_normal"):
      w_init = _torch_uniform(fan_in) if self.init_scheme == "torch" else _kaiming_normal_a_sqrt5
      w = self.param("kernel", w_init, (fan_in, self.features))
      y = x @ w
      if self.use_bias:
        b = self.param("bias", _torch_uniform(fan_in), (self.features,))
        y = y + b.reshape((1,) * (y.ndim - 1) + (-1,))
      return y
    if self.init_scheme in ("glorot_uniform", "normal"):
      glorot = self.init_scheme == "glorot_uniform"
      w_init = nn.initializers.glorot_uniform() if glorot else nn.initializers.normal(self.w_std)
      y = x @ self.param("kernel", w_init, (fan_in, self.features))
      if self.use_bias:
        b_init = nn.initializers.zeros if glorot else nn.initializers.normal(self.b_std)
        b = self.param("bias", b_init, (self.features,))
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
    init_scheme: "flax" | "torch" | "ntk" | "kaiming_normal" | "glorot_uniform" | "normal"
      (see module docstring).
    w_std, b_std: NTK-parameterisation scales (``init_scheme="ntk"``), or the init
      standard deviations of ``init_scheme="normal"``; unused otherwise.
    readout_bias: bias on the output layer (None: as ``use_bias``; Basri's deep nets have
      none).
    residual: x ← act(Dense(x)) + x for every hidden layer after the first (Basri's
      residual MLP; needs equal hidden widths).

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
  readout_bias: bool | None = None
  residual: bool = False

  def hidden_widths(self) -> tuple[int, ...]:
    return tuple(self.widths) if self.widths is not None else (self.width,) * self.depth

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    act = get_activation(self.activation)
    kw = dict(init_scheme=self.init_scheme, w_std=self.w_std, b_std=self.b_std)
    for i, n in enumerate(self.hidden_widths()):
      h = act(Dense(n, use_bias=self.use_bias, name=f"hidden_{i}", **kw)(x))
      x = h + x if (self.residual and i > 0) else h
    readout_bias = self.use_bias if self.readout_bias is None else self.readout_bias
    return Dense(self.out_dim, use_bias=readout_bias, name="readout", **kw)(x)


class FilterCNN(nn.Module):
  """The CNN of the F-Principle filtering experiment (authors' ``filter_gd.py``, Keras):
  Conv 32·3×3 – act – Conv 64·3×3 – act – MaxPool 2 – Flatten – Dense 400 – act – Dense
  ``out_dim`` (logits; the authors' softmax is applied by the loss / measurement).

  Keras defaults throughout: "valid" convolutions, stride 1, Glorot-uniform kernels, zero
  biases; max pooling 2×2 with stride 2. ``apply(params, x[N, H, W, C]) -> [N, out_dim]``.

  >>> net = FilterCNN()
  >>> p = net.init(jax.random.key(0), jnp.zeros((1, 8, 8, 1)))
  >>> net.apply(p, jnp.zeros((2, 8, 8, 1))).shape
  (2, 10)
  """

  out_dim: int = 10
  activation: str = "relu"

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    act = get_activation(self.activation)
    kw = dict(kernel_init=nn.initializers.glorot_uniform(), bias_init=nn.initializers.zeros)
    x = act(nn.Conv(32, (3, 3), padding="VALID", name="conv_0", **kw)(x))
    x = act(nn.Conv(64, (3, 3), padding="VALID", name="conv_1", **kw)(x))
    x = nn.max_pool(x, (2, 2), strides=(2, 2), padding="VALID")
    x = x.reshape((x.shape[0], -1))
    x = act(nn.Dense(400, name="dense_0", **kw)(x))
    return nn.Dense(self.out_dim, name="readout", **kw)(x)


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


def random_direction(key: jax.Array, params: Any) -> Any:
  """A random unit direction θ̂ in the space of ALL parameters of ``params`` (one net).

  Every entry of every leaf (weights and biases) is drawn N(0, 1), then the whole pytree
  is divided by its joint L2 norm √(Σ_leaves Σ θ̂²), so θ̂ is uniform on the unit sphere
  of R^P (P = `count_params`), not normalised tensor by tensor (Rahaman et al. 2019,
  Exp 2; the authors' ``unit_params``).

  Args:
    key: PRNG key.
    params: pytree of float arrays (the shapes and dtypes of θ̂).

  Returns:
    A pytree like ``params`` with Σ θ̂² = 1.

  >>> u = random_direction(jax.random.key(0), {"w": jnp.zeros((3, 4)), "b": jnp.zeros(4)})
  >>> round(float(sum(jnp.sum(x * x) for x in jax.tree_util.tree_leaves(u))), 5)
  1.0
  """
  leaves, treedef = jax.tree_util.tree_flatten(params)
  sizes = [int(np.prod(jnp.shape(p))) for p in leaves]
  # One draw of all P entries, cut into the leaves: one RNG call compiles in a third of
  # the time of one call per leaf (the unrolled threefry dominates compilation on CPU).
  z = jax.random.normal(key, (sum(sizes),), jnp.result_type(*leaves))
  z = z / jnp.sqrt(jnp.sum(z * z))
  ends = np.cumsum(sizes)
  return jax.tree_util.tree_unflatten(treedef, [
      z[e - n:e].reshape(jnp.shape(p)).astype(jnp.result_type(p))
      for p, n, e in zip(leaves, sizes, ends)])


def perturb(params: Any, key: jax.Array, delta: ArrayLike) -> Any:
  """θ = θ* + δ·θ̂ with θ̂ = `random_direction` (key, θ*): a point at distance δ from θ*.

  Args:
    params: θ*, a pytree of float arrays (one net; vmap for many).
    key: PRNG key of the direction.
    delta: δ >= 0, scalar (may be traced).

  Returns:
    A pytree like ``params`` with ‖θ − θ*‖₂ = δ over all leaves together.
  """
  u = random_direction(key, params)
  return jax.tree_util.tree_map(lambda p, d: p + delta * d, params, u)


OUTER_MODES = ("trained", "frozen", "sign")
FORMS = ("standard", "shifted")
INIT_DISTS = ("normal", "sign")


def _draw(dist: str, std: float, antisymmetric: bool, mirror: float):
  """Initializer of a [..., m] parameter: N(0, std²) or ±std; with ``antisymmetric`` the
  first half is drawn and the second is ``mirror`` × the first (neurons in pairs)."""

  def init(key, shape, dtype=jnp.float32):
    half = shape[:-1] + (shape[-1] // 2 if antisymmetric else shape[-1],)
    if dist == "normal":
      v = std * jax.random.normal(key, half, dtype)
    else:
      v = std * jax.random.rademacher(key, half, dtype)
    return jnp.concatenate([v, mirror * v], axis=-1) if antisymmetric else v

  return init


class TwoLayerReLU(nn.Module):
  """The two-layer ReLU nets of the kernel papers, in the NTK parameterisation (1/√m).

  ``form="standard"``: u(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx + b_r), params ``w`` [d, m]
  ~ N(0, inner_std²), ``b`` [m] (``bias=True``: zero at init, trained) and the outer
  weights by ``outer``:
    * ``"sign"`` — a_r = ±1 fixed, passed to ``apply(params, x, a)`` (not a parameter;
      Basri et al. 2019: w_r ~ N(0, κ²I), κ = ``inner_std``);
    * ``"trained"`` — param ``a`` [m] ~ N(0, outer_std²), trained (Cao et al. 2019);
    * ``"frozen"`` — the same draw behind ``stop_gradient`` (stays at its init).
  Its infinite-width NTK is `theory.two_layer_relu_ntk` (Basri: ×2 with a trained
  unscaled bias, see there; Cao: `theory.two_layer_ntk_scaled`).

  ``form="shifted"`` (the LFP net of Zhang, Xu, Luo, Ma 2019):
  h(x) = (1/√m) Σ_i w_i ReLU(r_iᵀ(x + l_i)), params ``w`` [m] (outer, ~ N(0, outer_std²)),
  ``r`` [d, m] ~ N(0, inner_std²), ``l`` [d, m] ~ U(−shift_range, shift_range), all
  trained. ``init_dist="sign"`` draws w, r as ±std (same second moments, exact ⟨r²w²⟩).
  ``antisymmetric=True`` pairs neuron i with i + m/2 (same r, l; opposite w), so h ≡ 0
  at initialisation (m even). Its infinite-width NTK in 1-D is `theory.lfp_ntk`.

  ``apply(params, x[N, d]) -> [N]`` (``outer="sign"``: ``apply(params, x, a[m])``).

  >>> net = TwoLayerReLU(width=8, outer="trained")
  >>> p = net.init(jax.random.key(0), jnp.zeros((1, 3)))
  >>> sorted(p["params"]), net.apply(p, jnp.ones((5, 3))).shape
  (['a', 'w'], (5,))
  """

  width: int
  form: str = "standard"
  inner_std: float = 1.0
  outer: str = "trained"
  outer_std: float = 1.0
  bias: bool = False
  shift_range: float = 1.0
  antisymmetric: bool = False
  init_dist: str = "normal"

  @nn.compact
  def __call__(self, x: jax.Array, a: jax.Array | None = None) -> jax.Array:
    m, d = self.width, x.shape[-1]
    if self.form == "shifted":
      w = self.param("w", _draw(self.init_dist, self.outer_std, self.antisymmetric, -1.0), (m,))
      r = self.param("r", _draw(self.init_dist, self.inner_std, self.antisymmetric, 1.0), (d, m))
      l = self.param("l", _uniform(self.shift_range, self.antisymmetric), (d, m))
      z = x @ r + jnp.sum(r * l, axis=0)[None, :]
      return jax.nn.relu(z) @ w / np.sqrt(m)
    if self.form != "standard":
      raise ValueError(f"form={self.form!r} is not supported; choose one of {FORMS}")
    w = self.param("w", nn.initializers.normal(self.inner_std), (d, m))
    z = x @ w
    if self.bias:
      b = self.param("b", nn.initializers.zeros, (m,))
      z = z + b.reshape(1, -1)
    if self.outer == "sign":
      if a is None:
        raise ValueError("TwoLayerReLU(outer='sign') needs the signs: apply(params, x, a)")
    elif self.outer in ("trained", "frozen"):
      a = self.param("a", nn.initializers.normal(self.outer_std), (m,))
      if self.outer == "frozen":
        a = jax.lax.stop_gradient(a)
    else:
      raise ValueError(f"outer={self.outer!r} is not supported; choose one of {OUTER_MODES}")
    return jax.nn.relu(z) @ a / np.sqrt(m)


def _uniform(bound: float, antisymmetric: bool):
  """Initializer U(−bound, bound); with ``antisymmetric`` both halves are equal."""

  def init(key, shape, dtype=jnp.float32):
    half = shape[:-1] + (shape[-1] // 2 if antisymmetric else shape[-1],)
    v = jax.random.uniform(key, half, dtype, -bound, bound)
    return jnp.concatenate([v, v], axis=-1) if antisymmetric else v

  return init


def random_signs(key: jax.Array, width: int) -> jax.Array:
  """[width] float32 outer signs a_r = ±1 for ``TwoLayerReLU(outer="sign")``."""
  return jax.random.rademacher(key, (width,), jnp.float32)


def second_moments(params: Any) -> tuple[float, float, float]:
  """(⟨|r|²w²⟩, ⟨|r|²⟩, ⟨w²⟩) over the neurons of a ``form="shifted"`` net, float64."""
  p = params["params"] if "params" in params else params
  w = np.asarray(p["w"], np.float64)
  r2 = np.sum(np.asarray(p["r"], np.float64) ** 2, axis=0)
  return float(np.mean(r2 * w * w)), float(np.mean(r2)), float(np.mean(w * w))


RIDGE_COUPLINGS = ("independent", "proportional")


def ridge_shift_apply(params: Any, x: jax.Array) -> jax.Array:
  """h(x) = (1/√m) Σ_i w_i ReLU(r_i·x − |r_i| l_i), x [N, d] -> [N].

  The d-dimensional LFP net (`theory.lfp_ntk_nd`): l_i is the signed offset of neuron i
  along its direction r_i/|r_i| (d = 1: the ``form="shifted"`` net up to l ↦ −sign(r) l).
  ``params``: ``w`` [m], ``r`` [d, m], ``l`` [m], all trained.
  """
  p = params["params"] if "params" in params else params
  rho = jnp.sqrt(jnp.sum(p["r"] ** 2, axis=0))
  return jax.nn.relu(x @ p["r"] - (rho * p["l"])[None, :]) @ p["w"] / np.sqrt(p["w"].shape[0])


def ridge_shift_init(key: jax.Array, width: int, d: int, r_std: float, w_std: float,
                     l_range: float, *, coupling: str = "independent",
                     antisymmetric: bool = False) -> dict:
  """Parameters of `ridge_shift_apply`: r ~ N(0, r_std² I_d), l ~ U(−L, L), and

  * ``coupling="independent"``: w ~ N(0, w_std²), so ⟨|r|²w²⟩ = ⟨|r|²⟩⟨w²⟩;
  * ``coupling="proportional"``: w = ±w_std |r|/(r_std √d) (random sign), so
    ⟨w²⟩ = w_std² but ⟨|r|²w²⟩ = (d+2)/d · ⟨|r|²⟩⟨w²⟩ (|r|² ~ r_std² χ²_d): correlated.

  ``antisymmetric``: neuron i + m/2 copies i with −w (h ≡ 0 at init; m even).
  Returns {"w": [m], "r": [d, m], "l": [m]} float32.
  """
  if coupling not in RIDGE_COUPLINGS:
    raise ValueError(f"coupling={coupling!r}; choose one of {RIDGE_COUPLINGS}")
  half = width // 2 if antisymmetric else width
  kr, kw, kl, ks = jax.random.split(key, 4)
  r = r_std * jax.random.normal(kr, (d, half))
  if coupling == "independent":
    w = w_std * jax.random.normal(kw, (half,))
  else:
    w = jax.random.rademacher(ks, (half,), jnp.float32) * w_std * jnp.sqrt(
        jnp.sum(r * r, axis=0)) / (r_std * np.sqrt(d))
  l = jax.random.uniform(kl, (half,), jnp.float32, -l_range, l_range)
  if antisymmetric:
    r, w, l = jnp.concatenate([r, r], 1), jnp.concatenate([w, -w]), jnp.concatenate([l, l])
  return {"w": w.astype(jnp.float32), "r": r.astype(jnp.float32), "l": l.astype(jnp.float32)}
