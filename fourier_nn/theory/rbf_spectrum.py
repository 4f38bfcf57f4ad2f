"""The "generalised spectrum" of Rahaman et al. 2019, Exp 4 and App. A.4 (float64 NumPy).

On N samples x_i, the Gaussian RBF Gram matrix K_ij = exp(−‖x_i − x_j‖²/(2σ²)) has unit
eigenvectors v_1, v_2, … by decreasing eigenvalue; a function given by its values f [N]
has generalised spectrum f̃[n] = v_nᵀ f (Parseval: Σ_n f̃[n]² = ‖f‖²). The index n acts as
a frequency: on an interval the Gaussian kernel is totally positive, so v_n has exactly
n − 1 sign changes (Gantmacher–Krein oscillation theorem) and looks like a wave of
increasing frequency (Fasshauer 2011; the paper's Fig 6).

* `rbf_gram` — K in float64; `rbf_eigenbasis` — its eigenpairs, largest first (`flow.eigh`);
* `generalised_spectrum` — f̃ = Vᵀ f; `bin_mean` — the authors' binned |f̃| (mean of
  contiguous, equal bins);
* `eigen_noise` — ψ = Σ_n c_n v_n with c_n = (n/N)^γ (paper) or linspace(0, 1, N)^γ
  (the authors' notebook ICML_MNISTWithKernels);
* `sign_changes` — the number of sign changes of a vector (the sanity check of Fig 6).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fourier_nn.theory.flow import eigh

EIGEN_NOISE_FORMS = ("n_over_N", "linspace")


def rbf_gram(x: ArrayLike, sigma: float) -> np.ndarray:
  """[N, N] float64 Gaussian Gram matrix exp(−‖x_i − x_j‖²/(2σ²)) of x [N, D].

  Squared distances come from ‖x‖² + ‖x′‖² − 2x·x′ in float64, clamped at 0, with an exact
  zero diagonal.

  >>> rbf_gram(np.array([[0.0], [1.0]]), 1.0).round(6).tolist()
  [[1.0, 0.606531], [0.606531, 1.0]]
  """
  if not sigma > 0:
    raise ValueError(f"sigma={sigma!r} must be > 0")
  x = np.asarray(x, np.float64)
  if x.ndim != 2:
    raise ValueError(f"x must be [N, D], got shape {x.shape}")
  sq = np.sum(x * x, axis=1)
  d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
  np.fill_diagonal(d2, 0.0)
  return np.exp(-d2 / (2 * sigma ** 2))


def rbf_eigenbasis(x: ArrayLike, sigma: float) -> tuple[np.ndarray, np.ndarray]:
  """Eigenvalues [N] (descending) and unit eigenvectors [N, N] (columns) of `rbf_gram`."""
  return eigh(rbf_gram(x, sigma))


def generalised_spectrum(f: ArrayLike, eigvecs: ArrayLike) -> np.ndarray:
  """f̃[..., n] = v_nᵀ f for f [..., N] and eigenvectors [N, M] as columns (float64)."""
  return np.asarray(f, np.float64) @ np.asarray(eigvecs, np.float64)


def bin_mean(a: ArrayLike, num_bins: int) -> np.ndarray:
  """Means of ``num_bins`` contiguous bins along the last axis (`numpy.array_split`: sizes
  differ by at most one when num_bins does not divide the length; the authors' 100 bins of
  20 for N = 2 000 otherwise).

  >>> bin_mean(np.arange(6.0), 3).tolist()
  [0.5, 2.5, 4.5]
  """
  a = np.asarray(a, np.float64)
  n = a.shape[-1]
  if not (isinstance(num_bins, (int, np.integer)) and 1 <= num_bins <= n):
    raise ValueError(f"num_bins={num_bins!r} must be an integer in [1, {n}]")
  return np.stack([p.mean(axis=-1) for p in np.array_split(a, num_bins, axis=-1)], axis=-1)


def bin_edges(n: int, num_bins: int) -> np.ndarray:
  """[num_bins + 1] index edges of `bin_mean`'s bins over n entries (bin b is
  [edges[b], edges[b + 1]))."""
  sizes = [len(p) for p in np.array_split(np.arange(n), num_bins)]
  return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def eigen_noise_coefficients(n: int, power: float, form: str = "n_over_N") -> np.ndarray:
  """[n] coefficients c of ψ = V c: (j/n)^γ for j = 1..n (paper, ``"n_over_N"``) or
  linspace(0, 1, n)^γ = (j/(n − 1))^γ for j = 0..n−1 (the notebook's ``"linspace"``)."""
  if form not in EIGEN_NOISE_FORMS:
    raise ValueError(f"form={form!r} is not supported; choose one of {EIGEN_NOISE_FORMS}")
  j = np.arange(1, n + 1) / n if form == "n_over_N" else np.linspace(0.0, 1.0, n)
  return j ** float(power)


def eigen_noise(eigvecs: ArrayLike, power: float, form: str = "n_over_N") -> np.ndarray:
  """High-"frequency" noise ψ = Σ_n c_n v_n [N] (`eigen_noise_coefficients`), float64."""
  V = np.asarray(eigvecs, np.float64)
  return V @ eigen_noise_coefficients(V.shape[1], power, form)


def sign_changes(v: ArrayLike, tol: float = 0.0) -> np.ndarray:
  """Number of sign changes along the last axis, ignoring entries with |v| <= tol.

  >>> int(sign_changes(np.array([1.0, -2.0, 0.0, -1.0, 3.0])))
  2
  """
  v = np.asarray(v, np.float64)
  flat = v.reshape(-1, v.shape[-1])
  out = np.empty(flat.shape[0], np.int64)
  for i, row in enumerate(flat):
    s = np.sign(row[np.abs(row) > tol])
    out[i] = int(np.count_nonzero(s[1:] != s[:-1]))
  return out.reshape(v.shape[:-1])
