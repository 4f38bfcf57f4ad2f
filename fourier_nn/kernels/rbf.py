"""The Gaussian (RBF, squared-exponential) kernel: :func:`rbf_kernel`."""
from __future__ import annotations

from typing import Optional

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from fourier_nn.kernels._common import HIGHEST, check_matrix_pair, float_dtype


def rbf_kernel(x1: ArrayLike, x2: Optional[ArrayLike] = None,
               sigma: float = 1.0) -> jax.Array:
  r"""Gaussian kernel k(x, x') = exp(-‖x − x'‖² / (2σ²)).

  Args:
    x1: inputs ``[N1, d]``.
    x2: inputs ``[N2, d]``; ``None`` means ``x2 = x1`` (diagonal exactly 1).
    sigma: length scale σ > 0.

  Returns:
    ``[N1, N2]`` in the floating dtype of the inputs.

  Raises:
    ValueError: non-2-D inputs, differing ``d``, or ``sigma <= 0``.

  Example:
    >>> rbf_kernel(jnp.array([[0.0], [1.0]]), sigma=1.0)[0, 1]  # exp(-1/2)
    Array(0.60653067, dtype=float32)
  """
  if not sigma > 0:
    raise ValueError(f"sigma={sigma!r} must be > 0.")
  symmetric = x2 is None
  x1, x2 = check_matrix_pair(x1, x2)
  dtype = float_dtype(x1, x2)
  x1, x2 = x1.astype(dtype), x2.astype(dtype)
  sq1 = jnp.sum(x1 * x1, axis=1)
  sq2 = jnp.sum(x2 * x2, axis=1)
  # ‖x‖² + ‖x'‖² − 2x·x' can round below 0 for near-equal points.
  d2 = jnp.maximum(sq1[:, None] + sq2[None, :]
                   - 2 * jnp.dot(x1, x2.T, precision=HIGHEST), 0.0)
  if symmetric:
    d2 = d2 * (1 - jnp.eye(d2.shape[0], dtype=dtype))
  return jnp.exp(-d2 / (2 * sigma ** 2))
