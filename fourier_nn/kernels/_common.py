"""Shared pieces of the kernel modules: types, argument checks, blockwise assembly.

Private to ``fourier_nn.kernels``: input checks shared by several public functions,
and :func:`blockwise_kernel`, the one driver that turns a per-chunk ``features`` map and
a ``block`` contraction into a full kernel matrix ``[N1, N2]``, chunked or not, with
only the upper-triangular blocks computed when ``x2`` is ``None``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

PyTree = Any
ApplyFn = Callable[[PyTree, jax.Array], jax.Array]

# Kernel matrices feed eigendecompositions; TPU/GPU default matmul precision (bf16 or
# TF32 passes) would put ~1e-3 relative noise into them.
HIGHEST = lax.Precision.HIGHEST


def check_chunk_size(value: Any, name: str = "chunk_size") -> None:
  """Raises ValueError unless ``value`` is a positive int or None."""
  if value is not None and (isinstance(value, bool)
                            or not isinstance(value, (int, np.integer)) or value < 1):
    raise ValueError(f"{name}={value!r} must be a positive int or None.")


def check_batch_pair(x1: ArrayLike,
                     x2: Optional[ArrayLike]) -> Tuple[jax.Array, jax.Array]:
  """``(x1, x2)`` as arrays ``[N, *feature_shape]`` with one feature shape.

  ``x2=None`` gives ``x2 = x1``. Raises ValueError for a missing batch axis or
  differing feature shapes.
  """
  x1 = jnp.asarray(x1)
  x2 = x1 if x2 is None else jnp.asarray(x2)
  if x1.ndim < 1 or x2.ndim < 1:
    raise ValueError(f"x1 and x2 need a leading batch axis; got shapes {x1.shape} "
                     f"and {x2.shape}.")
  if x1.shape[1:] != x2.shape[1:]:
    raise ValueError(f"x1 and x2 must have the same feature shape; got x1 {x1.shape} "
                     f"and x2 {x2.shape}.")
  return x1, x2


def check_matrix_pair(x1: ArrayLike,
                      x2: Optional[ArrayLike]) -> Tuple[jax.Array, jax.Array]:
  """``(x1, x2)`` as 2-D arrays ``[N1, d]``, ``[N2, d]`` (``x2=None``: ``x2 = x1``)."""
  x1 = jnp.asarray(x1)
  x2 = x1 if x2 is None else jnp.asarray(x2)
  if x1.ndim != 2 or x2.ndim != 2:
    raise ValueError(f"x1 and x2 must be 2-D [N, d]; got shapes {x1.shape} and "
                     f"{x2.shape}.")
  if x1.shape[1] != x2.shape[1]:
    raise ValueError(f"x1 and x2 must have the same input dimension d; got x1 "
                     f"{x1.shape} and x2 {x2.shape}.")
  return x1, x2


def params_dtype(params: PyTree):
  """The floating dtype all of ``params``' leaves promote to."""
  leaves = jax.tree_util.tree_leaves(params)
  if not leaves:
    raise ValueError("params has no array leaves: there is nothing to differentiate.")
  return jnp.result_type(*leaves)


def float_dtype(*xs: jax.Array):
  """The dtype of ``xs`` if floating, else the default float (float32; float64 in x64)."""
  dtype = jnp.result_type(*xs)
  if not jnp.issubdtype(dtype, jnp.floating):
    dtype = jnp.asarray(0.0).dtype
  return dtype


def to_chunks(x: jax.Array, c: int) -> jax.Array:
  """``[n, ...] -> [ceil(n/c), c, ...]``, padding with copies of row 0.

  Copies of a real row (not zeros) keep the padding inside the domain of ``apply_fn``
  (no 0/0 in normalising layers); the padded rows are sliced off afterwards.

  >>> to_chunks(jnp.arange(5), 2)[:, :, None].shape
  (3, 2, 1)
  """
  n = x.shape[0]
  nb = -(-n // c)
  pad = nb * c - n
  if pad:
    x = jnp.concatenate([x, jnp.broadcast_to(x[:1], (pad,) + x.shape[1:])], axis=0)
  return x.reshape((nb, c) + x.shape[1:])


def _block_pairs(nb1: int, nb2: int, symmetric: bool) -> Tuple[np.ndarray, np.ndarray]:
  """Block indices ``(ii, jj)`` to compute: all pairs, or the upper triangle."""
  if symmetric:
    return np.triu_indices(nb1)
  ii, jj = np.meshgrid(np.arange(nb1), np.arange(nb2), indexing="ij")
  return ii.ravel(), jj.ravel()


def _assemble_blocks(pieces, ii, jj, nb1, nb2, c1, c2, n1, n2, symmetric):
  """[pairs, c1, c2] chunk blocks at block indices (ii, jj) -> Θ [n1, n2] (padding cut).

  With ``symmetric`` only upper-triangle blocks were computed; the lower ones are their
  transposes.
  """
  if symmetric:
    blocks = jnp.zeros((nb1, nb1, c1, c1), pieces.dtype)
    blocks = blocks.at[jj, ii].set(pieces.transpose(0, 2, 1))
    blocks = blocks.at[ii, jj].set(pieces)
  else:
    blocks = pieces.reshape(nb1, nb2, c1, c2)
  return blocks.transpose(0, 2, 1, 3).reshape(nb1 * c1, nb2 * c2)[:n1, :n2]


def blockwise_kernel(features: Callable[[jax.Array], PyTree],
                     block: Callable[[PyTree, PyTree], jax.Array], x1: jax.Array,
                     x2: Optional[jax.Array], chunk_size: Optional[int], *,
                     precompute: bool = False) -> jax.Array:
  """Θ ``[N1, N2]`` = ``block(features(x1), features(x2))``, in chunks of rows.

  Traceable (call it under ``jit``). With ``x2=None`` the kernel is of ``x1`` with
  itself: the features of ``x1`` serve both sides, only upper-triangular blocks are
  computed when chunked, and the result is symmetrised exactly.

  Args:
    features: ``x [c, ...] -> pytree`` of per-row features (Jacobians, or ``x`` itself).
    block: ``(features_a, features_b) -> [ca, cb]``.
    x1: ``[N1, ...]``.
    x2: ``[N2, ...]`` or ``None``.
    chunk_size: rows per chunk (``None``: one piece); ragged last chunks are padded.
    precompute: compute every chunk's features once up front (``lax.map`` over chunks;
      all of them alive at once) instead of both sides' features inside each block
      pair (only one block's features alive at a time).

  Returns:
    Θ ``[N1, N2]``.
  """
  symmetric = x2 is None
  x2 = x1 if symmetric else x2
  n1, n2 = x1.shape[0], x2.shape[0]
  if chunk_size is None or (chunk_size >= n1 and chunk_size >= n2):
    f1 = features(x1)
    theta = block(f1, f1 if symmetric else features(x2))
  else:
    c1, c2 = min(chunk_size, n1), min(chunk_size, n2)
    x1b = to_chunks(x1, c1)
    x2b = x1b if symmetric else to_chunks(x2, c2)
    nb1, nb2 = x1b.shape[0], x2b.shape[0]
    ii, jj = _block_pairs(nb1, nb2, symmetric)
    if precompute:
      f1 = lax.map(features, x1b)  # leaves [nb1, c1, ...]
      f2 = f1 if symmetric else lax.map(features, x2b)

      def piece(ij):
        pick = lambda f, k: jax.tree_util.tree_map(lambda t: t[k], f)  # noqa: E731
        return block(pick(f1, ij[0]), pick(f2, ij[1]))

      pieces = lax.map(piece, (jnp.asarray(ii), jnp.asarray(jj)))
    else:
      # One flat lax.map over block pairs, both sides computed in the same body: only
      # one block's features are alive at a time. (Nesting two lax.maps, the row
      # Jacobians hoisted out of the inner one, is miscompiled by jax 0.4.25 on CPU
      # for ~4M-parameter nets: silently ~10% off.)
      pieces = lax.map(lambda ab: block(features(ab[0]), features(ab[1])),
                       (x1b[ii], x2b[jj]))  # [pairs, c1, c2]
    theta = _assemble_blocks(pieces, ii, jj, nb1, nb2, c1, c2, n1, n2, symmetric)
  if symmetric:
    # Exact symmetry for eigh; the two triangles differ only by rounding.
    theta = (theta + theta.T) / 2
  return theta
