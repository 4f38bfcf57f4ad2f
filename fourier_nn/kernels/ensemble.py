"""Monte-Carlo (ensemble) NTK: the empirical NTK averaged over random initialisations.

* :func:`ensemble_ntk_fn` — builds ``fn(keys [E], x1, x2=None) -> [N1, N2]``, the mean
  of the empirical NTK over the ``E`` nets ``init_fn(key)``, vmapped over the keys
  (optionally in chunks of keys), compiled once per returned function.
* :func:`ensemble_ntk` — one-shot: builds that function and calls it once.

For a net whose NTK concentrates at infinite width (e.g. ``models.MLP`` with
``init_scheme="ntk"``), the ensemble mean estimates the expected finite-width NTK;
its fluctuation falls as ~1/√(E·width) and it approaches
``mlp_kernels(..., parameterization="ntk")`` as the width grows.
"""
from __future__ import annotations

from typing import Callable, Optional

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from fourier_nn.kernels._common import (ApplyFn, PyTree, check_batch_pair,
                                        check_chunk_size, params_dtype, to_chunks)
from fourier_nn.kernels.empirical import check_method, ntk_kernel

InitFn = Callable[[jax.Array], PyTree]


def ensemble_ntk_fn(
    apply_fn: ApplyFn,
    init_fn: InitFn,
    *,
    method: str = "jacobian",
    chunk_size: Optional[int] = None,
    key_chunk_size: Optional[int] = None,
) -> Callable[..., jax.Array]:
  r"""``fn(keys, x1, x2=None) -> (1/E) Σ_e Θ(init_fn(keys[e])) [N1, N2]``.

  Each of the ``E`` nets is initialised inside the compiled program, ``params_e =
  init_fn(keys[e])``, and its empirical NTK is that of
  :func:`~fourier_nn.kernels.empirical_ntk_fn` (same convention: output axis traced and
  divided by ``O``; same ``method`` and ``chunk_size`` over inputs), vmapped over the
  keys. The returned function holds one ``jax.jit`` program, traced once per input
  signature (number of keys, shapes of ``x1``/``x2``, ``x2`` given or ``None``); there
  is no module-level cache.

  Peak memory, with ``K = min(key_chunk_size, E)`` nets in flight (``K = E`` when
  ``key_chunk_size`` is ``None``) and ``b`` = 4 (float32) or 8 (float64) bytes:
  ``K ×`` (one net's parameters ``b·P`` + one net's empirical-NTK working memory, e.g.
  ``b·O·P·(c1 + c2)`` for ``"jacobian"``, see :func:`empirical_ntk_fn`) ``+ K·b·N1·N2``
  for the stacked kernels ``+ b·N1·N2`` for the running sum. Chunking over keys
  (a ``lax.scan`` over groups of ``K`` keys, the last group padded and masked) trades
  that factor ``K`` for ``ceil(E/K)`` sequential steps.

  Args:
    apply_fn: ``apply_fn(params, x) -> [N]`` or ``[N, O]``, as for ``empirical_ntk_fn``.
    init_fn: ``init_fn(key) -> params`` for one PRNG key, traceable, e.g.
      ``lambda k: model.init(k, jnp.zeros((1, d)))``.
    method: ``"jacobian"`` or ``"ntvp"``.
    chunk_size: at most this many rows of ``x1`` and of ``x2`` per piece, per net.
    key_chunk_size: at most this many nets at a time (``None``: all ``E`` in one vmap).

  Returns:
    ``fn(keys, x1, x2=None)``: ``keys`` ``[E]`` (``jax.random.split(key, E)``; typed
    keys or raw ``[E, 2]`` ``PRNGKey`` data), ``x1`` ``[N1, *feature_shape]``, ``x2``
    ``[N2, *feature_shape]`` or ``None`` for ``x2 = x1`` (then exactly symmetric);
    returns the mean kernel ``[N1, N2]`` in the dtype of the params.

  Raises:
    ValueError: here, unknown ``method`` or bad ``chunk_size``/``key_chunk_size``; from
      ``fn``, no keys, differing feature shapes, or a bad ``apply_fn`` output.

  Example:
    >>> from fourier_nn import models
    >>> model = models.MLP(depth=1, width=64, init_scheme="ntk")
    >>> x = jnp.linspace(-1, 1, 5)[:, None]
    >>> fn = ensemble_ntk_fn(model.apply, lambda k: model.init(k, x), key_chunk_size=4)
    >>> fn(jax.random.split(jax.random.key(0), 10), x).shape  # 10 nets, 4 at a time
    (5, 5)
  """
  check_method(method)
  check_chunk_size(chunk_size)
  check_chunk_size(key_chunk_size, "key_chunk_size")
  kernel = ntk_kernel(apply_fn, method, chunk_size)

  @jax.jit
  def program(keys, x1, x2):
    n_keys = keys.shape[0]

    def one(key):
      return kernel(init_fn(key), x1, x2)

    if key_chunk_size is None or key_chunk_size >= n_keys:
      return jnp.mean(jax.vmap(one)(keys), axis=0)
    ids = to_chunks(jnp.arange(n_keys), key_chunk_size)  # [groups, K], padded with 0
    real = jnp.arange(ids.size).reshape(ids.shape) < n_keys  # padding masked out
    dtype = params_dtype(jax.eval_shape(init_fn, keys[0]))

    def step(total, group):
      ids_g, real_g = group
      thetas = jax.vmap(one)(keys[ids_g])  # [K, N1, N2]
      return total + jnp.sum(jnp.where(real_g[:, None, None], thetas, 0), axis=0), None

    n1 = x1.shape[0]
    n2 = n1 if x2 is None else x2.shape[0]
    total, _ = lax.scan(step, jnp.zeros((n1, n2), dtype), (ids, real))
    return total / n_keys

  def fn(keys: jax.Array, x1: ArrayLike, x2: Optional[ArrayLike] = None) -> jax.Array:
    if getattr(keys, "ndim", 0) < 1 or keys.shape[0] < 1:
      raise ValueError("keys must be [E] (E >= 1) PRNG keys, e.g. jax.random.split("
                       f"key, E); got shape {getattr(keys, 'shape', None)}.")
    symmetric = x2 is None
    x1, x2 = check_batch_pair(x1, x2)
    if x1.shape[0] == 0 or x2.shape[0] == 0:
      dtype = params_dtype(jax.eval_shape(init_fn, keys[0]))
      return jnp.zeros((x1.shape[0], x2.shape[0]), dtype)
    return program(keys, x1, None if symmetric else x2)

  return fn


def ensemble_ntk(
    apply_fn: ApplyFn,
    init_fn: InitFn,
    keys: jax.Array,
    x1: ArrayLike,
    x2: Optional[ArrayLike] = None,
    *,
    method: str = "jacobian",
    chunk_size: Optional[int] = None,
    key_chunk_size: Optional[int] = None,
) -> jax.Array:
  r"""Mean empirical NTK over the nets ``init_fn(keys[e])``, in one call.

  ``ensemble_ntk_fn(apply_fn, init_fn, method=..., chunk_size=...,
  key_chunk_size=...)(keys, x1, x2)``; see :func:`ensemble_ntk_fn` (memory included).
  Each call compiles afresh: build the function once to reuse it.

  Args:
    apply_fn: ``apply_fn(params, x) -> [N]`` or ``[N, O]``.
    init_fn: ``init_fn(key) -> params``.
    keys: ``[E]`` PRNG keys, one per net.
    x1: inputs ``[N1, *feature_shape]``.
    x2: inputs ``[N2, *feature_shape]`` or ``None`` (``x2 = x1``).
    method: ``"jacobian"`` or ``"ntvp"``.
    chunk_size: rows of ``x1``/``x2`` per piece, per net.
    key_chunk_size: nets at a time.

  Returns:
    ``[N1, N2]``, the mean over the ``E`` nets, in the dtype of the params.

  Raises:
    ValueError: as :func:`ensemble_ntk_fn` and its ``fn``.

  Example:
    >>> import flax.linen as nn
    >>> model = nn.Sequential([nn.Dense(32), nn.relu, nn.Dense(1)])
    >>> x = jnp.linspace(-1, 1, 6)[:, None]
    >>> keys = jax.random.split(jax.random.key(0), 8)
    >>> ensemble_ntk(model.apply, lambda k: model.init(k, x), keys, x).shape
    (6, 6)
  """
  return ensemble_ntk_fn(apply_fn, init_fn, method=method, chunk_size=chunk_size,
                         key_chunk_size=key_chunk_size)(keys, x1, x2)
