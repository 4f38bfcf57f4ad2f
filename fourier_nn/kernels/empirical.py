"""Empirical (finite-width) NTK of any ``apply_fn(params, x)`` by JAX autodiff.

* :func:`empirical_ntk_fn` — builds ``ntk_fn(params, x1, x2=None) -> Θ [N1, N2]``,
  compiled once per returned function (as ``nt.empirical_ntk_fn`` of neural-tangents).
* :func:`empirical_ntk` — one-shot: builds that function and calls it once.

Methods after Novak et al. 2022, "Fast Finite Width Neural Tangent Kernel",
arXiv:2206.08720: Jacobian contraction (``"jacobian"``) and NTK-vector products
(``"ntvp"``). ``backend="neural_tangents"`` routes to neural-tangents 0.6.5, imported
only when asked for (it does not import on jax>=0.6).
"""
from __future__ import annotations

import functools
from typing import Callable, Optional

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from fourier_nn.kernels._common import (HIGHEST, ApplyFn, PyTree, blockwise_kernel,
                                        check_batch_pair, check_chunk_size,
                                        params_dtype)

METHODS = ("jacobian", "ntvp")
BACKENDS = ("jax", "neural_tangents")
# neural-tangents' NtkImplementation enum values.
_NT_IMPLEMENTATION = {"jacobian": 1, "ntvp": 2}
_IMPLEMENTATION_METHOD = {1: "jacobian", 2: "ntvp"}

NtkFn = Callable[..., jax.Array]


def empirical_ntk_fn(
    apply_fn: ApplyFn,
    *,
    method: str = "jacobian",
    chunk_size: Optional[int] = None,
    backend: str = "jax",
    implementation: Optional[int] = None,
) -> NtkFn:
  r"""``ntk_fn(params, x1, x2=None) -> Θ [N1, N2]``, the empirical NTK of ``apply_fn``.

  Θ[i, j] = (1/O) Σ_o Σ_p ∂f_o(x1_i)/∂θ_p · ∂f_o(x2_j)/∂θ_p (Jacot et al. 2018,
  arXiv:1806.07572), summed over every leaf of the parameter pytree; when ``apply_fn``
  returns ``[N, O]`` with ``O > 1`` the output axis is traced and divided by ``O``
  (the mean over outputs). This is exactly
  ``nt.empirical_ntk_fn(apply_fn, trace_axes=(-1,), vmap_axes=0)(x1, x2, params)`` of
  neural-tangents 0.6.5, whose ``trace_axes`` divide by the traced size; a
  ``[N]``-shaped output is treated as ``[N, 1]``. Multiply by ``O`` for the plain sum.

  Rows of a batch must not interact (no batch norm): like ``vmap_axes=0`` in
  neural-tangents, each input's Jacobian is taken through ``apply_fn(params, x[None])``.

  The returned function holds one ``jax.jit`` program: it traces and compiles once per
  distinct input signature (shapes/dtypes of ``params``, ``x1``, ``x2``, and whether
  ``x2`` is ``None``), and reuses it for every later call with new values. There is no
  module-level cache: two functions built from the same ``apply_fn`` share nothing,
  and a program lives as long as its function. ``ntk_fn.lower(params, x1, x2=None)``
  lowers it ahead of time (``.compile()`` then fills the cache calls use; ``backend``
  ``"jax"`` only). ``ntk_fn`` may itself be called under ``jit``/``vmap``.

  Methods (Novak et al. 2022, arXiv:2206.08720):

  * ``"jacobian"`` (Jacobian contraction): per-example ``jacrev`` Jacobians of a chunk
    of ``x1`` and of ``x2``, contracted leaf by leaf, summed over leaves.
    Peak memory ≈ ``b·O·P·(c1 + c2) + b·N1·N2`` bytes, where ``P`` is the number of
    parameters, ``b`` = 4 (float32) or 8 (float64) and ``c1 = min(chunk_size, N1)``,
    ``c2 = min(chunk_size, N2)`` (``c = N`` when unchunked; with ``x2=None`` unchunked
    the one Jacobian ``b·O·P·N1`` is reused for both sides), plus ``apply_fn``'s own
    backward-pass memory for ``c·O`` inputs. Chunked, each block pair recomputes
    both sides' Jacobians (≈ ``N2/c2`` passes over ``x1`` and ``N1/c1`` over ``x2``;
    with ``x2=None`` only the upper-triangular blocks are computed).
  * ``"ntvp"`` (NTK-vector products): column j of Θ is J(x1) (J(x2_j)ᵀ e_o) averaged
    over o, a ``vjp`` of one x2 row followed by a ``jvp`` over a chunk of x1, never
    materialising J. Peak memory ≈ ``b·O·P·c2 + b·N1·N2`` bytes plus ``c2·O``
    tangent copies of ``apply_fn``'s activations for ``c1`` rows. Cheaper in memory
    than ``"jacobian"`` for large ``P``, typically slower.

  Args:
    apply_fn: ``apply_fn(params, x) -> [N]`` or ``[N, O]`` for ``x`` of shape
      ``[N, *feature_shape]``, e.g. a Flax ``model.apply``.
    method: ``"jacobian"`` or ``"ntvp"``.
    chunk_size: at most this many rows of ``x1`` and of ``x2`` per piece (``None``:
      one piece). Ragged last chunks are padded, so one compiled program serves all.
    backend: ``"jax"`` (ours) or ``"neural_tangents"`` (the reference, needs the
      ``[nt]`` environment; ``chunk_size`` then loops over blocks in Python, and the
      jitted nt function compiles once per block shape).
    implementation: neural-tangents ``NtkImplementation`` number, overrides
      ``method``: 1 = Jacobian contraction, 2 = NTK-vector products, 3 = structured
      derivatives (``backend="neural_tangents"`` only).

  Returns:
    ``ntk_fn(params, x1, x2=None)``: ``params`` a pytree of float arrays (e.g. Flax
    ``variables``, differentiated leafwise), ``x1`` ``[N1, *feature_shape]``, ``x2``
    ``[N2, *feature_shape]`` or ``None`` for ``x2 = x1`` (the result is then exactly
    symmetric, and unchunked ``"jacobian"`` computes J(x1) once); it returns Θ
    ``[N1, N2]`` in the dtype of ``params`` (float32 normally, float64 under x64).

  Raises:
    ValueError: here, unknown ``method``/``backend``/``implementation`` or bad
      ``chunk_size``; from ``ntk_fn``, feature shapes of ``x1`` and ``x2`` that differ,
      or an ``apply_fn`` output that is not ``[N]`` or ``[N, O]``.
    ImportError: ``backend="neural_tangents"`` where neural-tangents does not import.

  Example:
    >>> import flax.linen as nn
    >>> model = nn.Sequential([nn.Dense(16), nn.tanh, nn.Dense(1)])
    >>> x = jnp.linspace(-1, 1, 10)[:, None]
    >>> ntk_fn = empirical_ntk_fn(model.apply, chunk_size=4)
    >>> thetas = [ntk_fn(model.init(jax.random.key(s), x), x) for s in range(3)]
    >>> thetas[0].shape  # three nets, one compilation
    (10, 10)
  """
  method = _check_options(method, chunk_size, backend, implementation)
  if backend == "neural_tangents":
    nt_call = _nt_ntk_call(apply_fn, implementation or _NT_IMPLEMENTATION[method],
                           chunk_size)
    program = None
  else:
    program = jax.jit(ntk_kernel(apply_fn, method, chunk_size))

  def ntk_fn(params: PyTree, x1: ArrayLike, x2: Optional[ArrayLike] = None) -> jax.Array:
    symmetric = x2 is None
    x1, x2 = check_batch_pair(x1, x2)
    dtype = params_dtype(params)
    n1, n2 = x1.shape[0], x2.shape[0]
    if n1 == 0 or n2 == 0 or program is None:
      _check_output(jax.eval_shape(apply_fn, params, x1), n1)
    if n1 == 0 or n2 == 0:
      return jnp.zeros((n1, n2), dtype)
    if program is None:
      return nt_call(params, x1, None if symmetric else x2, dtype)
    return program(params, x1, None if symmetric else x2)

  def lower(params: PyTree, x1: ArrayLike, x2: Optional[ArrayLike] = None):
    if program is None:
      raise ValueError("lower() exists for backend='jax' only.")
    x1, x2_ = check_batch_pair(x1, x2)
    return program.lower(params, x1, None if x2 is None else x2_)

  ntk_fn.lower = lower
  return ntk_fn


def empirical_ntk(
    apply_fn: ApplyFn,
    params: PyTree,
    x1: ArrayLike,
    x2: Optional[ArrayLike] = None,
    *,
    method: str = "jacobian",
    chunk_size: Optional[int] = None,
    backend: str = "jax",
    implementation: Optional[int] = None,
) -> jax.Array:
  r"""Finite-width NTK Θ = J(x1) J(x2)ᵀ of ``apply_fn`` at ``params``, in one call.

  ``empirical_ntk_fn(apply_fn, method=..., chunk_size=..., backend=...,
  implementation=...)(params, x1, x2)``; see :func:`empirical_ntk_fn` for the kernel,
  the methods and their memory. Each call builds and compiles a fresh program: to
  evaluate the kernel of many parameter sets or inputs of one shape, build
  ``ntk_fn = empirical_ntk_fn(apply_fn, ...)`` once and call it.

  Args:
    apply_fn: ``apply_fn(params, x) -> [N]`` or ``[N, O]``.
    params: pytree of float arrays; differentiated leafwise.
    x1: inputs ``[N1, *feature_shape]``.
    x2: inputs ``[N2, *feature_shape]``; ``None`` means ``x2 = x1`` (exactly symmetric).
    method: ``"jacobian"`` or ``"ntvp"``.
    chunk_size: at most this many rows of ``x1`` and of ``x2`` per piece.
    backend: ``"jax"`` or ``"neural_tangents"``.
    implementation: neural-tangents ``NtkImplementation`` number 1, 2 or 3.

  Returns:
    Θ ``[N1, N2]`` in the dtype of ``params``.

  Raises:
    ValueError, ImportError: as :func:`empirical_ntk_fn` and its ``ntk_fn``.

  Example:
    >>> import flax.linen as nn
    >>> model = nn.Sequential([nn.Dense(16), nn.tanh, nn.Dense(1)])
    >>> x = jnp.linspace(-1, 1, 10)[:, None]
    >>> params = model.init(jax.random.key(0), x)
    >>> theta = empirical_ntk(model.apply, params, x, chunk_size=4)
    >>> theta.shape
    (10, 10)
  """
  return empirical_ntk_fn(apply_fn, method=method, chunk_size=chunk_size,
                          backend=backend, implementation=implementation)(params, x1, x2)


def _check_options(method, chunk_size, backend, implementation) -> str:
  """Validates the options of :func:`empirical_ntk_fn`; returns the method to use."""
  if backend not in BACKENDS:
    raise ValueError(f"backend={backend!r} is not supported; use one of {BACKENDS}.")
  if implementation is not None:
    if isinstance(implementation, bool) or implementation not in (1, 2, 3):
      raise ValueError(
          f"implementation={implementation!r} is not supported; use 1 (Jacobian "
          "contraction), 2 (NTK-vector products) or 3 (structured derivatives).")
    if implementation == 3 and backend != "neural_tangents":
      raise ValueError("implementation=3 (structured derivatives) exists only with "
                       "backend='neural_tangents'; use method='jacobian' or 'ntvp'.")
    method = _IMPLEMENTATION_METHOD.get(implementation, method)
  check_method(method)
  check_chunk_size(chunk_size)
  return method


def check_method(method: str) -> None:
  if method not in METHODS:
    raise ValueError(f"method={method!r} is not supported; use one of {METHODS}.")


def _check_output(out, n: int) -> None:
  """ValueError unless ``out`` (an array or ShapeDtypeStruct) is ``[n]`` or ``[n, O]``."""
  shape = getattr(out, "shape", None)
  if shape is None or len(shape) not in (1, 2) or shape[0] != n:
    raise ValueError(
        f"apply_fn(params, x) must return an array [N1] or [N1, O] for x of N1={n} "
        f"rows; got {shape if shape is not None else type(out).__name__}.")


def _single(apply_fn: ApplyFn) -> Callable[[PyTree, jax.Array], jax.Array]:
  """``f(params, x_i) -> [O]`` for one input ``x_i`` of shape ``feature_shape``."""
  def f(params, xi):
    return jnp.reshape(apply_fn(params, xi[None]), (-1,))
  return f


def _batched(apply_fn: ApplyFn) -> Callable[[PyTree, jax.Array], jax.Array]:
  """``f(params, x) -> [N, O]`` for ``x`` of shape ``[N, *feature_shape]``."""
  def f(params, x):
    return jnp.reshape(apply_fn(params, x), (x.shape[0], -1))
  return f


def _jacobians(f_single, params: PyTree, x: jax.Array) -> PyTree:
  """Per-example Jacobians: a pytree like ``params`` with leaves ``[c, O, *leaf]``."""
  # vmap over examples of a single-example jacrev: c·O backward passes of one row
  # each, instead of c·O passes through the whole chunk that jacrev of the batch does.
  return jax.vmap(jax.jacrev(f_single), in_axes=(None, 0))(params, x)


def _contract(ja: PyTree, jb: PyTree) -> jax.Array:
  """(1/O) Σ_leaves Σ_{o, p} ja[i, o, p] jb[j, o, p] → ``[ca, cb]``."""
  n_out = jax.tree_util.tree_leaves(ja)[0].shape[1]
  terms = [
      jnp.dot(a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1).T, precision=HIGHEST)
      for a, b in zip(jax.tree_util.tree_leaves(ja), jax.tree_util.tree_leaves(jb))
  ]
  return functools.reduce(jnp.add, terms) / n_out


def _ntvp_block(f_single, f_batch, params: PyTree, xa: jax.Array,
                xb: jax.Array) -> jax.Array:
  """Θ block ``[ca, cb]`` from NTK-vector products, without materialising J."""
  def column(xj):
    out, vjp_fn = jax.vjp(lambda p: f_single(p, xj), params)
    basis = jnp.eye(out.shape[0], dtype=out.dtype)
    (tangents,) = jax.vmap(vjp_fn)(basis)  # J(x_j)ᵀ e_o, leaves [O, *leaf]

    def push(t):
      return jax.jvp(lambda p: f_batch(p, xa), (params,), (t,))[1]  # [ca, O]

    # [O_tangent, ca, O_out]; the trace pairs output o of x1 with output o of x_j.
    return jnp.trace(jax.vmap(push)(tangents), axis1=0, axis2=2) / out.shape[0]

  return jax.vmap(column)(xb).T


def ntk_kernel(apply_fn: ApplyFn, method: str, chunk_size: Optional[int]
               ) -> Callable[[PyTree, jax.Array, Optional[jax.Array]], jax.Array]:
  """Traceable, unjitted ``(params, x1, x2 or None) -> Θ [N1, N2]`` in params' dtype.

  Inputs must already be checked (:func:`check_batch_pair`, non-empty).
  """
  f_single, f_batch = _single(apply_fn), _batched(apply_fn)

  def kernel(params, x1, x2):
    _check_output(jax.eval_shape(apply_fn, params, x1), x1.shape[0])  # at trace time
    if method == "jacobian":
      features = functools.partial(_jacobians, f_single, params)
      block = _contract
    else:
      features = lambda x: x  # noqa: E731
      block = functools.partial(_ntvp_block, f_single, f_batch, params)
    theta = blockwise_kernel(features, block, x1, x2, chunk_size)
    return theta.astype(params_dtype(params))

  return kernel


def _nt_ntk_call(apply_fn: ApplyFn, implementation: int, chunk_size: Optional[int]):
  """``call(params, x1, x2, dtype) -> Θ`` through ``neural_tangents.empirical_ntk_fn``."""
  try:
    import neural_tangents as nt  # pylint: disable=g-import-not-at-top
  except Exception as e:  # nt 0.6.5 fails with AttributeError, not ImportError, on jax>=0.6
    raise ImportError(
        "backend='neural_tangents' needs neural-tangents, an optional reference "
        "backend installed into its own pinned environment by `make nt-parity` "
        "(neural-tangents 0.6.5 does not import on jax>=0.6); use backend='jax'. "
        f"Import failed with: {type(e).__name__}: {e}") from e

  jitted = {}  # feature rank -> jitted nt function; state of this one `call`

  def nt_fn(feature_ndim: int):
    if feature_ndim not in jitted:
      def f(p, x, **kwargs):
        out = apply_fn(p, x, **kwargs)
        # A per-example scalar output gets an explicit size-1 output axis, so that
        # trace_axes=(-1,) traces outputs and never the batch axis (with or without the
        # batch axis that vmap_axes=0 may strip).
        if out.ndim == x.ndim - feature_ndim:
          out = out[..., None]
        return out

      jitted[feature_ndim] = jax.jit(nt.empirical_ntk_fn(
          f, trace_axes=(-1,), vmap_axes=0, implementation=implementation))
    return jitted[feature_ndim]

  def call(params, x1, x2, dtype):
    ntk_fn = nt_fn(x1.ndim - 1)
    if chunk_size is None:
      theta = ntk_fn(x1, x2, params)
    else:
      xb = x1 if x2 is None else x2
      rows = []
      for i in range(0, x1.shape[0], chunk_size):
        rows.append(jnp.concatenate(
            [ntk_fn(x1[i:i + chunk_size], xb[j:j + chunk_size], params)
             for j in range(0, xb.shape[0], chunk_size)], axis=1))
      theta = jnp.concatenate(rows, axis=0)
      if x2 is None:
        theta = (theta + theta.T) / 2
    return jnp.asarray(theta, dtype)

  return call
