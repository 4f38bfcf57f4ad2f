"""Eigen-analysis of kernel Gram matrices and the kernel-regime dynamics of GD.

`eigh`, `project` (float64), `mode_factors`, `kernel_flow` (training residuals) and
`first_crossing` (the first logged step past a level, for measured and predicted curves).
The neural-tangents-shaped predictors built on them (train and test points, infinite
ensembles) are in `theory.predict`.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def eigh(K: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
  """Eigendecomposition of a symmetric kernel matrix in float64, largest first.

  K is cast to float64 and symmetrised, (K + Kᵀ)/2, before `numpy.linalg.eigh`. Each
  eigenvector's sign is fixed so that its entry of largest magnitude is positive (so
  repeated calls give the same vectors, up to rotations inside degenerate eigenspaces).

  Args:
    K: [N, N] kernel Gram matrix.

  Returns:
    eigvals: [N] eigenvalues, descending.
    eigvecs: [N, N], column i is the unit eigenvector of eigvals[i]; K = V diag(λ) Vᵀ.

  >>> lam, V = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
  >>> lam
  array([3., 1.])
  """
  K = np.asarray(K, dtype=np.float64)
  if K.ndim != 2 or K.shape[0] != K.shape[1]:
    raise ValueError(f"K must be a square [N, N] matrix, got shape {K.shape}")
  lam, V = np.linalg.eigh(0.5 * (K + K.T))
  lam, V = lam[::-1], V[:, ::-1]
  idx = np.argmax(np.abs(V), axis=0)
  signs = np.sign(V[idx, np.arange(V.shape[1])])
  signs[signs == 0] = 1.0
  return lam.copy(), V * signs


def project(residual: ArrayLike, eigvecs: ArrayLike) -> np.ndarray:
  """Coefficients Vᵀr of residuals on eigenvectors, in float64.

  Args:
    residual: [..., N], e.g. [seed, step, N].
    eigvecs: [N, M] eigenvectors as columns (e.g. from `eigh`).

  Returns:
    [..., M] coefficients; coefficient i belongs to eigvecs[:, i].

  >>> project(np.array([[1.0, 0.0]]), np.eye(2))
  array([[1., 0.]])
  """
  return np.asarray(residual, dtype=np.float64) @ np.asarray(eigvecs, dtype=np.float64)


def _check_steps(steps: ArrayLike, discrete: bool) -> np.ndarray:
  t = np.atleast_1d(np.asarray(steps, dtype=np.float64))
  if t.ndim != 1:
    raise ValueError(f"steps must be a scalar or 1-D array, got shape {t.shape}")
  if np.any(t < 0) or not np.all(np.isfinite(t)):
    raise ValueError("steps must be finite and >= 0")
  if discrete and np.any(t != np.round(t)):
    raise ValueError("steps must be integers for discrete=True (use discrete=False for "
                     "continuous time)")
  return t


def mode_factors(eigvals: ArrayLike, lr: float, steps: ArrayLike, *, scale: float = 1.0,
                 discrete: bool = True) -> np.ndarray:
  """Per-mode residual multipliers (1 − η s λ)^t (GD) or exp(−η s λ t) (gradient flow).

  Powers are formed as sign^t · exp(t log|1 − ηsλ|), never by repeated multiplication,
  so steps up to 1e6+ cost one broadcast.

  Args:
    eigvals: [M] kernel eigenvalues λ.
    lr: step size η.
    steps: [T] non-negative step counts t (integers when discrete).
    scale: s, the function-space gradient factor (see `kernel_flow`).
    discrete: GD (True) or gradient flow in time η·t (False).

  Returns:
    [T, M] multipliers; row t, column i multiplies the i-th coefficient of r_0.

  >>> mode_factors(np.array([1.0, 3.0]), 0.5, [0, 1, 2])
  array([[ 1.  ,  1.  ],
         [ 0.5 , -0.5 ],
         [ 0.25,  0.25]])
  """
  lam = np.asarray(eigvals, dtype=np.float64)
  t = _check_steps(steps, discrete)[:, None]
  rate = float(lr) * float(scale) * lam[None, :]
  if not discrete:
    with np.errstate(over="ignore"):
      return np.exp(-rate * t)
  q = 1.0 - rate
  with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
    mag = np.exp(t * np.log(np.abs(q)))
  mag = np.where(t == 0, 1.0, mag)  # 0 · log 0 = nan; q^0 = 1
  odd = np.mod(t, 2.0) == 1.0
  return np.where((q < 0) & odd, -mag, mag)


def kernel_flow(K, r0: ArrayLike, lr: float, steps: ArrayLike, *, scale: float = 1.0,
                discrete: bool = True, return_coeffs: bool = False) -> np.ndarray:
  """Kernel-regime prediction of the training residual r = u − y (or y − u) over time.

  For GD with step η on a loss whose function-space gradient is s·K·r, the residual
  obeys r_{t+1} = (I − η s K) r_t, so

    discrete:       r_t = V (1 − η s Λ)^t Vᵀ r_0,
    gradient flow:  r(t) = V exp(−η s Λ t) Vᵀ r_0   (t in steps, time = η t).

  s = 1 for ½‖y − u‖² (Basri et al. 2019, Arora et al. 2019); s = 2/N for the mean
  squared error (1/N) Σ (u_i − y_i)²; s = 1/N for (1/2N) Σ (u_i − y_i)².

  Cost: one `eigh` (skipped when (eigvals, eigvecs) are passed) plus a [T, N] @ [N, N]
  product; N = 4000 with 1 000 log points takes seconds.

  Args:
    K: [N, N] kernel Gram matrix on the training inputs, or a precomputed
      (eigvals [N], eigvecs [N, N]) tuple as returned by `eigh`.
    r0: [..., N] initial residual(s), e.g. [seed, N].
    lr: step size η.
    steps: [T] step counts (non-negative integers if discrete; any t >= 0 otherwise).
    scale: s above.
    discrete: GD (True) or gradient flow (False).
    return_coeffs: return per-mode coefficients Vᵀr_t instead of residuals.

  Returns:
    [..., T, N] predicted residuals r_t, or, with return_coeffs, coefficients
    c_t[i] = factor_i(t) · (Vᵀr_0)[i] in the eigenvalue order of `eigh` (descending).

  >>> K = np.array([[2.0, 1.0], [1.0, 2.0]])
  >>> kernel_flow(K, np.array([1.0, 1.0]), 0.1, [0, 1, 2])
  array([[1.  , 1.  ],
         [0.7 , 0.7 ],
         [0.49, 0.49]])
  """
  if isinstance(K, (tuple, list)) and len(K) == 2 and np.ndim(K[0]) == 1:
    lam, V = (np.asarray(a, dtype=np.float64) for a in K)
  else:
    lam, V = eigh(K)
  r0 = np.asarray(r0, dtype=np.float64)
  if r0.shape[-1] != V.shape[0]:
    raise ValueError(f"r0 has last dim {r0.shape[-1]} but the kernel is {V.shape[0]}x"
                     f"{V.shape[0]}")
  factors = mode_factors(lam, lr, steps, scale=scale, discrete=discrete)  # [T, N]
  coeffs = project(r0, V)[..., None, :] * factors  # [..., T, N]
  if return_coeffs:
    return coeffs
  return coeffs @ V.T


def first_crossing(steps: ArrayLike, values: ArrayLike, level: ArrayLike, *,
                   below: bool = False) -> np.ndarray:
  """First logged step at which a curve reaches a level; NaN where it never does.

  Args:
    steps: [L] logged steps.
    values: [..., L] curves, step axis last (NaN and ±inf never count as reaching).
    level: scalar or [...] (one level per curve).
    below: reaching means ``value < level`` (a falling loss or residual) instead of
      ``value >= level`` (a rising amplitude).

  Returns:
    [...] float64 steps (NaN: not reached within the logged steps).

  >>> first_crossing([0, 10, 20], np.array([[0.1, 0.6, 0.9], [0.0, 0.1, 0.2]]), 0.5)
  array([10., nan])
  >>> first_crossing([0, 10, 20], np.array([1.0, 0.3, 0.01]), 0.05, below=True)
  array(20.)
  """
  v = np.asarray(values, np.float64)
  lev = np.asarray(level, np.float64)[..., None]
  with np.errstate(invalid="ignore"):
    hit = np.isfinite(v) & ((v < lev) if below else (v >= lev))
  idx = np.argmax(hit, axis=-1)
  return np.where(hit.any(axis=-1), np.asarray(steps, np.float64)[idx], np.nan)
