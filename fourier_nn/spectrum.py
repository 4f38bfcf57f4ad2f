"""Measuring what a function holds per frequency.

* `dft_amplitudes` — single-sided DFT amplitudes on a uniform grid (Rahaman et al. 2019).
* `nudft` — non-uniform DFT along a direction (Xu, Zhang, Luo et al., projection method).
* `filtered_errors` — Gaussian low/high filtering errors (F-Principle, filtering method).
* `relative_error` — Δ_F(k), the slides' complex |ĥ_k − ŷ_k| / |ŷ_k| or the authors'
  magnitude form; `spectrum_peaks` — the bins at which Δ_F is read.

All functions are pure jax.numpy and may be called inside jit (frequency arguments are
static: they are checked eagerly, in Python, so bad frequencies fail with a clear message
rather than deep inside a trace).
"""
from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp
from jax.typing import ArrayLike


def check_frequencies(freqs: ArrayLike, num_points: int, name: str = "freqs") -> np.ndarray:
  """Validates integer DFT bins for an ``num_points`` uniform grid; returns them as ints.

  Raises:
    ValueError: non-integer, negative, or at/above the Nyquist frequency N/2 — such a
      component aliases onto a lower bin and would be silently misread.
  """
  f = np.asarray(freqs, dtype=np.float64).reshape(-1)
  if f.size == 0:
    raise ValueError(f"{name} is empty")
  if np.any(f != np.round(f)) or np.any(f < 0):
    raise ValueError(f"{name}={f.tolist()} must be non-negative integers (DFT bins)")
  nyq = num_points / 2
  bad = f[f >= nyq]
  if bad.size:
    raise ValueError(
        f"{name} {bad.astype(int).tolist()} at or above the Nyquist frequency {nyq:g} of a "
        f"{num_points}-point grid would alias; use more points or lower frequencies")
  return f.astype(np.int64)


def dft_amplitudes(values: ArrayLike, freqs: ArrayLike) -> jax.Array:
  """Single-sided DFT amplitudes of samples on the uniform grid z_j = j/N, j = 0..N-1.

  Normalised so that ``A * sin(2πkz + φ)`` reads ``A`` at bin ``k`` (2|F_k|/N; for k = 0
  the mean, |F_0|/N).

  Args:
    values: [..., N] real samples (leading axes, e.g. seed and step, are kept).
    freqs: [K] integer bins, 0 <= k < N/2.

  Returns:
    [..., K] amplitudes, dtype of ``values``.

  >>> z = jnp.arange(200) / 200
  >>> dft_amplitudes(0.7 * jnp.sin(2 * jnp.pi * 5 * z + 1.0), [5, 10]).round(5)
  Array([0.7, 0. ], dtype=float32)
  """
  values = jnp.asarray(values)
  n = values.shape[-1]
  k = check_frequencies(freqs, n)
  # A K x N real DFT matrix is cheaper than a full FFT when K << N and stays in-graph.
  phase = 2 * np.pi * np.outer(np.arange(n), k) / n  # [N, K], float64 then cast
  cos = jnp.asarray(np.cos(phase), values.dtype)
  sin = jnp.asarray(np.sin(phase), values.dtype)
  re = values @ cos
  im = values @ sin
  scale = np.where(k == 0, 1.0, 2.0) / n
  scale = jnp.asarray(scale.reshape((1,) * (re.ndim - 1) + (-1,)), values.dtype)
  return scale * jnp.sqrt(re * re + im * im)


def nudft(x: ArrayLike, values: ArrayLike, direction: ArrayLike, freqs: ArrayLike) -> jax.Array:
  """Non-uniform DFT along a direction: ŷ(k) = (1/n) Σ_i y_i exp(−i 2π k p·x_i).

  Args:
    x: [n, d] inputs. values: [..., n]. direction: [d] (normalised here to unit length;
      typically the first principal component). freqs: [K] (any real numbers).

  Returns:
    [..., K] complex coefficients.
  """
  x = jnp.asarray(x)
  p = jnp.asarray(direction, x.dtype)
  p = p / jnp.linalg.norm(p)
  t = x @ p  # [n]
  f = jnp.asarray(freqs, x.dtype)
  phase = -2 * jnp.pi * t[:, None] * f.reshape(1, -1)
  basis = jnp.exp(1j * phase)  # [n, K]
  return jnp.asarray(values).astype(basis.dtype) @ basis / x.shape[0]


def first_principal_component(x: ArrayLike) -> jax.Array:
  """[d] unit vector: the top right-singular vector of the centred inputs x[n, d]."""
  x = jnp.asarray(x)
  xc = x - x.mean(axis=0, keepdims=True)
  _, _, vt = jnp.linalg.svd(xc, full_matrices=False)
  return vt[0]


DELTA_F_KINDS = ("complex", "magnitude")


def relative_error(h_hat: ArrayLike, y_hat: ArrayLike, kind: str = "complex",
                   eps: float = 1e-5) -> jax.Array:
  """Δ_F(k), elementwise (Xu, Zhang, Luo et al.).

  kind="complex" (the slides): |ĥ_k − ŷ_k| / |ŷ_k|.
  kind="magnitude" (the authors' code, ``f_principle.py``): ||ĥ_k| − |ŷ_k|| / (eps + |ŷ_k|);
  blind to phase errors, so it can only be smaller than the complex form (up to eps).
  """
  h_hat, y_hat = jnp.asarray(h_hat), jnp.asarray(y_hat)
  if kind == "complex":
    return jnp.abs(h_hat - y_hat) / jnp.abs(y_hat)
  if kind == "magnitude":
    return jnp.abs(jnp.abs(h_hat) - jnp.abs(y_hat)) / (eps + jnp.abs(y_hat))
  raise ValueError(f"delta_f={kind!r} is not supported; choose one of {DELTA_F_KINDS}")


def spectrum_peaks(amplitudes: ArrayLike, num_peaks: int, max_bin: int | None = None) -> np.ndarray:
  """The first ``num_peaks`` local maxima of a 1-D spectrum (host-side, NumPy).

  A bin k (0 < k < len − 1) is a peak if |a_k| > |a_{k−1}| and |a_k| ≥ |a_{k+1}|, as the
  authors' ``f_principle.py`` picks them from |DFT(y)|/n; only bins below ``max_bin`` count.

  Returns:
    [≤ num_peaks] int bins, increasing.
  """
  a = np.abs(np.asarray(amplitudes))
  if a.ndim != 1:
    raise ValueError(f"amplitudes must be 1-D, got shape {a.shape}")
  a = a[:max_bin] if max_bin is not None else a
  k = np.arange(1, len(a) - 1)
  peaks = k[(a[1:-1] > a[:-2]) & (a[1:-1] >= a[2:])]
  return peaks[:num_peaks]


def gaussian_filter_matrix(x: ArrayLike, delta: float) -> jax.Array:
  """[n, n] row-normalised G^δ(x_i − x_j) = exp(−|x_i − x_j|²/(2δ)); δ is a variance."""
  x = jnp.asarray(x)
  sq = jnp.sum(x * x, axis=-1)
  d2 = jnp.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
  g = jnp.exp(-d2 / (2 * delta))
  return g / g.sum(axis=1, keepdims=True)


def filtered_errors(x: ArrayLike, y: ArrayLike, h: ArrayLike, delta: float) -> tuple[jax.Array, jax.Array]:
  """Low/high-frequency errors of the F-Principle filtering method (authors' ``filter_gd.py``).

  y^low = G^δ y (`gaussian_filter_matrix`: row-normalised exp(−|x_i − x_j|²/(2δ)), δ a
  variance), y^high = y − y^low, likewise for the network output h; e_low =
  ‖y^low − h^low‖/‖y^low‖ and e_high alike. For vector-valued targets (one-hot labels vs
  softmax outputs) the filter acts on each class column and the norms are Frobenius norms
  over [n, classes], as the authors' ``np.linalg.norm`` of the [n, 10] arrays.

  Args:
    x: [n, d] inputs; delta: filter variance.
    y: [n] scalar targets, with h: [..., n] outputs; or
    y: [n, C] vector targets, with h: [..., n, C] outputs.

  Returns:
    (e_low, e_high), each of shape h.shape[:-1] (scalar targets) or h.shape[:-2] (vector).
  """
  g = gaussian_filter_matrix(x, delta)
  y, h = jnp.asarray(y), jnp.asarray(h)
  if y.ndim == 2:
    if h.ndim < 2 or h.shape[-2:] != y.shape:
      raise ValueError(f"h must be [..., n, C] = [..., {y.shape[0]}, {y.shape[1]}] for targets "
                       f"of shape {y.shape}; got {h.shape}")
    h_low = jnp.einsum("ij,...jc->...ic", g, h)
    norm = lambda a: jnp.sqrt(jnp.sum(a * a, axis=(-2, -1)))  # Frobenius over [n, C]
  elif y.ndim == 1:
    h_low = h @ g.T
    norm = lambda a: jnp.linalg.norm(a, axis=-1)
  else:
    raise ValueError(f"y must be [n] or [n, C]; got shape {y.shape}")
  y_low = jnp.broadcast_to(g @ y, h_low.shape)  # explicit: tests run with rank promotion off
  y_high, h_high = jnp.broadcast_to(y, h.shape) - y_low, h - h_low
  return norm(y_low - h_low) / norm(y_low), norm(y_high - h_high) / norm(y_high)


def radial_rings(size: int, num_rings: int) -> np.ndarray:
  """Ring index [size, size] of every 2-D DFT bin of a size × size image (np.fft order):
  ring = ⌊|k| / k_max · num_rings⌋ with |k| = √(k₁² + k₂²) in cycles per image (signed
  frequencies, np.fft.fftfreq · size) and k_max = size/2 (the Nyquist radius); bins with
  |k| ≥ k_max (the corners) get −1 and are left out. Ring 0 holds the mean (k = 0).
  """
  if not (isinstance(size, (int, np.integer)) and size >= 2):
    raise ValueError(f"size must be an integer >= 2, got {size!r}")
  if not (isinstance(num_rings, (int, np.integer)) and 1 <= num_rings <= size // 2):
    raise ValueError(f"num_rings must be an integer in [1, {size // 2}], got {num_rings!r}")
  k = np.fft.fftfreq(size) * size
  kr = np.hypot(k[:, None], k[None, :])
  ring = np.floor(kr / (size / 2) * num_rings).astype(np.int64)
  return np.where(kr < size / 2, ring, -1)


def radial_power(images: ArrayLike, num_rings: int) -> np.ndarray:
  """Annulus-averaged power spectrum: mean over the bins of each ring (`radial_rings`) of
  |DFT|²/(H W)², images [..., S, S] -> [..., num_rings], float64 (NumPy)."""
  im = np.asarray(images, np.float64)
  size = im.shape[-1]
  if im.ndim < 2 or im.shape[-2] != size:
    raise ValueError(f"images must be [..., S, S], got {im.shape}")
  ring = radial_rings(size, num_rings)
  p = np.abs(np.fft.fft2(im)) ** 2 / size**4
  return _ring_mean(p, ring, num_rings)


def radial_relative_error(pred: ArrayLike, target: ArrayLike, num_rings: int) -> np.ndarray:
  """Per ring r: ‖DFT(pred) − DFT(target)‖ / ‖DFT(target)‖ over the bins of ring r (the
  2-D analogue of Δ_F, complex form), pred [..., S, S], target [S, S] -> [..., num_rings].
  A ring where the target has no power is meaningless (inf, nan, or round-off ratios)."""
  p = np.fft.fft2(np.asarray(pred, np.float64))
  t = np.fft.fft2(np.asarray(target, np.float64))
  ring = radial_rings(t.shape[-1], num_rings)
  num = _ring_mean(np.abs(p - t) ** 2, ring, num_rings)
  den = _ring_mean(np.abs(t) ** 2, ring, num_rings)
  with np.errstate(divide="ignore", invalid="ignore"):
    return np.sqrt(num / den)


def _ring_mean(values: np.ndarray, ring: np.ndarray, num_rings: int) -> np.ndarray:
  flat = values.reshape(values.shape[:-2] + (-1,))
  r = ring.ravel()
  onehot = (r[:, None] == np.arange(num_rings)[None, :]).astype(np.float64)  # [S², R]
  return flat @ onehot / onehot.sum(axis=0)
