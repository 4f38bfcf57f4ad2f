"""Inputs and targets. Key in, arrays out; nothing here trains or measures.

Shapes: inputs are [N, d]; targets [N] (or [S, N] when they differ per seed).
"""
from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

AMPLITUDE_PROFILES = ("equal", "increasing")


def uniform_grid(n: int, dtype=jnp.float32) -> jax.Array:
  """[n] points z_j = j/n on [0, 1), so DFT bin k is frequency k."""
  if n < 2:
    raise ValueError(f"num_points={n} must be >= 2")
  return jnp.arange(n, dtype=dtype) / n


def amplitude_profile(name: str, num: int) -> np.ndarray:
  """Rahaman Exp 1 amplitudes: "equal" → all 1; "increasing" → (0.1, 0.2, …, 1.0) scaled to num."""
  if name == "equal":
    return np.ones(num)
  if name == "increasing":
    return np.arange(1, num + 1) / num
  raise ValueError(f"amplitudes={name!r} is not supported; choose one of {AMPLITUDE_PROFILES}")


def random_phases(key: jax.Array, num_seeds: int, num_freqs: int) -> jax.Array:
  """[S, K] phases φ ~ U(0, 2π), one set per seed (Rahaman: each run has its own phases)."""
  return jax.random.uniform(key, (num_seeds, num_freqs), minval=0.0, maxval=2 * jnp.pi)


def sum_of_sines(z: ArrayLike, freqs: Sequence[float], amps: ArrayLike, phases: ArrayLike) -> jax.Array:
  """λ(z) = Σ_i A_i sin(2π k_i z + φ_i).

  Args:
    z: [N] positions. freqs, amps: [K]. phases: [..., K] (e.g. [S, K]).

  Returns:
    [..., N] target values.
  """
  z = jnp.asarray(z)
  k = jnp.asarray(freqs, z.dtype)
  a = jnp.asarray(amps, z.dtype)
  ph = jnp.asarray(phases, z.dtype)
  lead = (1,) * (ph.ndim - 1)
  kz = (k[:, None] * z[None, :]).reshape(lead + (k.size, z.size))
  arg = 2 * jnp.pi * kz + ph[..., :, None]  # [..., K, N]
  return jnp.sum(a.reshape(lead + (-1, 1)) * jnp.sin(arg), axis=-2)


def sample_circle(key: jax.Array, n: int) -> tuple[jax.Array, jax.Array]:
  """n points with θ ~ U(−π, π) on the unit circle; returns (θ[n], x[n, 2])."""
  theta = jax.random.uniform(key, (n,), minval=-jnp.pi, maxval=jnp.pi)
  return theta, jnp.stack([jnp.cos(theta), jnp.sin(theta)], axis=-1)


def sample_sphere(key: jax.Array, n: int, d: int) -> jax.Array:
  """[n, d] points uniform on the unit sphere S^{d−1} (normalised Gaussians)."""
  x = jax.random.normal(key, (n, d))
  return x / jnp.linalg.norm(x, axis=-1, keepdims=True)
