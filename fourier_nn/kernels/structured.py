"""Structured empirical NTK of a ``fourier_nn.models.MLP``, without forming Jacobians.

* :func:`mlp_empirical_ntk_fn` — builds ``ntk_fn(params, x1, x2=None) -> Θ [N1, N2]``
  for one MLP architecture, compiled once per returned function.
* :func:`mlp_empirical_ntk` — one-shot: builds that function and calls it once.

The kernel is the one :func:`fourier_nn.kernels.empirical_ntk` gives for
``model.apply``, computed from the Dense-layer structure as neural-tangents'
implementation 3 ("structured derivatives", Novak et al. 2022, arXiv:2206.08720) does:
O(N²·width) per layer instead of O(N²·P).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from fourier_nn.kernels._common import (HIGHEST, PyTree, blockwise_kernel,
                                        check_chunk_size, check_matrix_pair,
                                        params_dtype)


def mlp_empirical_ntk_fn(model: Any, *, chunk_size: Optional[int] = None
                         ) -> Callable[..., jax.Array]:
  r"""``ntk_fn(params, x1, x2=None) -> Θ [N1, N2]`` of a :class:`fourier_nn.models.MLP`.

  The same kernel as ``empirical_ntk(model.apply, params, x1, x2)`` (same output
  convention: the output axis traced and divided by ``O = model.out_dim``), computed
  from the Dense-layer structure, as neural-tangents' implementation 3 ("structured
  derivatives", Novak et al. 2022, arXiv:2206.08720) does. For a layer
  ``z_l = s_l · a_l W_l + β_l · b_l`` (per example; ``s_l = β_l = 1`` for
  ``init_scheme`` "flax"/"torch", ``s_l = w_std/√fan_in``, ``β_l = b_std`` for "ntk"),
  ∂f_o/∂W_l = s_l a_lᵀ δ_l^o and ∂f_o/∂b_l = β_l δ_l^o with δ_l^o = ∂f_o/∂z_l, so

      Θ[i, j] = (1/O) Σ_l (s_l² a_l(x1_i)·a_l(x2_j) + β_l² [use_bias])
                        · Σ_o δ_l^o(x1_i)·δ_l^o(x2_j).

  a_l comes from a forward pass, δ_l from ``O`` backward passes (``jax.vjp`` of the
  forward with zero perturbations added to every pre-activation), for any activation
  of ``models.ACTIVATIONS``.

  Cost, with ``F = Σ_l fan_in_l·fan_out_l`` (≈ P) and ``W = Σ_l (fan_in_l +
  O·fan_out_l)`` (≈ (1 + O)·depth·width): features ``O(O·(N1 + N2)·F)``, kernel
  ``O(N1·N2·W)`` — instead of ``O(N1·N2·O·P)`` for ``method="jacobian"``. Memory
  ``b·(N1 + N2)·W`` bytes of features (computed ``chunk_size`` rows at a time when
  chunked) plus ``b·N1·N2`` for Θ and a few ``c1 × c2`` blocks (``b`` = 4 or 8).

  The returned function holds one ``jax.jit`` program, traced once per input
  signature (shapes/dtypes, ``x2`` given or ``None``); no module-level cache.

  Args:
    model: a ``fourier_nn.models.MLP`` (any ``widths``/``depth``, ``activation``,
      ``use_bias``, ``init_scheme``, ``w_std``, ``b_std``, ``out_dim``); read once,
      here.
    chunk_size: at most this many rows of ``x1`` and of ``x2`` per block (``None``:
      one block); ragged last chunks are padded.

  Returns:
    ``ntk_fn(params, x1, x2=None)``: ``params`` the model's variables,
    ``model.init(...)`` (``params["params"]["hidden_i"]`` and ``["readout"]``;
    kernel/bias under ``["dense"]`` for ``init_scheme="flax"``), ``x1`` ``[N1, d]``,
    ``x2`` ``[N2, d]`` or ``None`` for ``x2 = x1`` (result exactly symmetric); returns
    Θ ``[N1, N2]`` in the dtype of ``params``.

  Raises:
    ValueError: here, bad ``chunk_size`` or an unknown activation / init scheme; from
      ``ntk_fn``, inputs that are not ``[N, d]`` with the same ``d``.

  Example:
    >>> from fourier_nn import models
    >>> model = models.MLP(depth=2, width=16, init_scheme="torch")
    >>> x = jnp.linspace(-1, 1, 10)[:, None]
    >>> ntk_fn = mlp_empirical_ntk_fn(model, chunk_size=4)
    >>> thetas = [ntk_fn(model.init(jax.random.key(s), x), x) for s in range(3)]
    >>> thetas[0].shape
    (10, 10)
  """
  from fourier_nn import models  # pylint: disable=g-import-not-at-top

  check_chunk_size(chunk_size)
  models.get_activation(model.activation)  # ValueError naming the choices
  if model.init_scheme not in models.INITS:
    raise ValueError(f"init_scheme={model.init_scheme!r} is not supported; choose "
                     f"one of {models.INITS}.")
  readout_bias = getattr(model, "readout_bias", None)
  if getattr(model, "residual", False) or (readout_bias is not None
                                           and readout_bias != model.use_bias):
    raise ValueError("the structured NTK covers plain MLPs (no residual connections, a "
                     "readout bias iff use_bias); use kernels.empirical_ntk for this model")
  spec = (tuple(int(w) for w in model.hidden_widths()), int(model.out_dim),
          str(model.activation), bool(model.use_bias), str(model.init_scheme),
          float(model.w_std), float(model.b_std))

  @jax.jit
  def program(params, x1, x2):
    theta = blockwise_kernel(functools.partial(_mlp_features, spec, params),
                             functools.partial(_mlp_block, spec), x1, x2, chunk_size,
                             precompute=True)
    return theta.astype(params_dtype(params))

  def ntk_fn(params: PyTree, x1: ArrayLike, x2: Optional[ArrayLike] = None) -> jax.Array:
    symmetric = x2 is None
    x1, x2 = check_matrix_pair(x1, x2)
    n1, n2 = x1.shape[0], x2.shape[0]
    if n1 == 0 or n2 == 0:
      return jnp.zeros((n1, n2), params_dtype(params))
    if not symmetric:
      return program(params, x1, x2)
    # Mirrored in a program of its own, from the materialised Θ: inside `program` XLA
    # (jax 0.5.0 on an AMD EPYC) fused the dots into the symmetrisation and computed the
    # two triangles by two code paths, 1 ulp apart, though the jaxpr is symmetric.
    return _mirror_upper(program(params, x1, None))

  return ntk_fn


@jax.jit
def _mirror_upper(theta: jax.Array) -> jax.Array:
  """Θ with its lower triangle replaced by the upper one's mirror image (exactly symmetric)."""
  return jnp.triu(theta) + jnp.triu(theta, 1).T


def mlp_empirical_ntk(
    model: Any,
    params: PyTree,
    x1: ArrayLike,
    x2: Optional[ArrayLike] = None,
    *,
    chunk_size: Optional[int] = None,
) -> jax.Array:
  r"""Empirical NTK of a :class:`fourier_nn.models.MLP` without forming its Jacobian.

  ``mlp_empirical_ntk_fn(model, chunk_size=chunk_size)(params, x1, x2)``: one call, one
  fresh compilation (see :func:`mlp_empirical_ntk_fn` for the method and its cost;
  build that once to evaluate many parameter sets).

  Args:
    model: a ``fourier_nn.models.MLP``.
    params: its variables, ``model.init(...)``.
    x1: inputs ``[N1, d]``.
    x2: inputs ``[N2, d]``; ``None`` means ``x2 = x1`` (result exactly symmetric).
    chunk_size: at most this many rows of ``x1`` and of ``x2`` per block.

  Returns:
    Θ ``[N1, N2]`` in the dtype of ``params``.

  Raises:
    ValueError: as :func:`mlp_empirical_ntk_fn` and its ``ntk_fn``.

  Example:
    >>> from fourier_nn import models
    >>> from fourier_nn.kernels import empirical_ntk
    >>> model = models.MLP(depth=2, width=16, init_scheme="torch")
    >>> x = jnp.linspace(-1, 1, 10)[:, None]
    >>> params = model.init(jax.random.key(0), x)
    >>> theta = mlp_empirical_ntk(model, params, x, chunk_size=4)
    >>> theta.shape
    (10, 10)
    >>> bool(jnp.allclose(theta, empirical_ntk(model.apply, params, x), rtol=1e-4))
    True
  """
  return mlp_empirical_ntk_fn(model, chunk_size=chunk_size)(params, x1, x2)


def _mlp_layers(spec, params):
  """[(kernel, bias or None)] of an MLP's Dense layers, input to output."""
  widths, _, _, use_bias, init_scheme, _, _ = spec
  p = params["params"]
  layers = []
  for name in [f"hidden_{i}" for i in range(len(widths))] + ["readout"]:
    leaf = p[name]["dense"] if init_scheme == "flax" else p[name]
    layers.append((leaf["kernel"], leaf["bias"] if use_bias else None))
  return layers


def _mlp_features(spec, params, x):
  """Per layer l: (s_l·a_l ``[n, fan_in]``, δ_l ``[n, O·fan_out]``) for inputs x."""
  from fourier_nn import models  # pylint: disable=g-import-not-at-top
  _, n_out, activation, _, init_scheme, w_std, b_std = spec
  act = models.get_activation(activation)
  layers = _mlp_layers(spec, params)
  x = x.astype(jnp.result_type(x, *[w for w, _ in layers]))
  n = x.shape[0]

  def forward(eps):
    a, inputs = x, []
    for l, ((w, b), e) in enumerate(zip(layers, eps)):
      inputs.append(a)
      if init_scheme == "ntk":
        z = (w_std / w.shape[0] ** 0.5) * (a @ w)
        if b is not None:
          z = z + b_std * b[None, :]
      else:
        z = a @ w
        if b is not None:
          z = z + b[None, :]
      z = z + e
      a = act(z) if l < len(layers) - 1 else z
    return a, inputs

  eps0 = [jnp.zeros((n, w.shape[1]), x.dtype) for w, _ in layers]
  out, vjp_fn, inputs = jax.vjp(forward, eps0, has_aux=True)
  basis = jnp.broadcast_to(jnp.eye(n_out, dtype=out.dtype)[:, None, :], (n_out,) + out.shape)
  (deltas,) = jax.vmap(vjp_fn)(basis)  # leaves [O, n, fan_out]
  feats = []
  for a, d in zip(inputs, deltas):
    s = (w_std / a.shape[1] ** 0.5) if init_scheme == "ntk" else 1.0
    feats.append((s * a, jnp.transpose(d, (1, 0, 2)).reshape(n, -1)))
  return feats


def _mlp_block(spec, fa, fb) -> jax.Array:
  """Θ block ``[ca, cb]`` from the features of both sides."""
  _, n_out, _, use_bias, init_scheme, _, b_std = spec
  bias_sq = (b_std ** 2 if init_scheme == "ntk" else 1.0) if use_bias else 0.0
  terms = []
  for (aa, da), (ab, db) in zip(fa, fb):
    ga = jnp.dot(aa, ab.T, precision=HIGHEST)
    if use_bias:
      ga = ga + bias_sq
    terms.append(ga * jnp.dot(da, db.T, precision=HIGHEST))
  return functools.reduce(jnp.add, terms) / n_out
