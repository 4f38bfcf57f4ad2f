"""Kernel-regime theory: eigen-analysis, per-mode flow, closed-form spectra, LFP.

* `eigh`, `project` — float64 eigendecomposition of a kernel Gram matrix and the
  coefficients of residuals on its eigenvectors.
* `kernel_flow` — predicted residuals (or per-mode coefficients) of GD / gradient flow in
  the kernel regime: r_t = V (1 − η s Λ)^t Vᵀ r_0, or V exp(−η s Λ t) Vᵀ r_0.
* `circle_eigenvalues` — exact eigenvalues of Basri et al.'s two-layer ReLU NTK on the
  circle (with and without bias).
* `sphere_eigenvalues`, `sphere_multiplicity`, `arccos_kernel`, `two_layer_relu_ntk` —
  eigenvalues of any dot-product kernel on S^{d−1} (Funk–Hecke), Cao et al. 2019.
* `lfp_multiplier`, `lfp_kernel`, `lfp_interpolant`, `linear_spline`, `cubic_spline` —
  the Linear Frequency Principle of Zhang, Xu, Luo, Ma 2019 and its long-time limit.
* `convergence_steps`, `fit_power_law` — convergence-time laws t ∝ 1/λ ∝ k^p.

Everything here is NumPy/SciPy in float64 (eigen-analysis is float64 by design; jax x64
is never switched on). Inputs may be jax arrays; outputs are NumPy arrays.

Normalisations (used throughout):
  * Integral operators on the circle / sphere are taken with respect to the uniform
    PROBABILITY measure, (T f)(x) = ∫ κ(xᵀx′) f(x′) dσ(x′). Their eigenvalues are the
    large-N limits of the eigenvalues of the Gram matrix K/N on N uniform points.
  * The Fourier transform of the LFP is ĥ(ξ) = ∫ h(x) e^{−2πiξx} dx (ξ in cycles per unit
    of x), the convention of the Zhang/Luo slides.

References:
  Basri, Jacobs, Kasten, Kritchman 2019, "The convergence rate of neural networks for
  learned functions of different frequencies" (NeurIPS).
  Cao, Fang, Wu, Zhou, Gu 2019, "Towards understanding the spectral bias of deep learning".
  Cho & Saul 2009, "Kernel methods for deep learning" (arc-cosine kernels).
  Zhang, Xu, Luo, Ma 2019, "Explicitizing an implicit bias of the frequency principle in
  two-layer neural networks" (LFP).
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
import scipy.linalg
import scipy.special
import scipy.stats
from scipy.interpolate import CubicSpline

__all__ = [
    "eigh", "project", "mode_factors", "kernel_flow",
    "circle_eigenvalues", "arccos_kernel", "two_layer_relu_ntk",
    "sphere_multiplicity", "sphere_eigenvalues",
    "lfp_multiplier", "lfp_kernel", "lfp_interpolant", "linear_spline", "cubic_spline",
    "convergence_steps", "fit_power_law", "PowerLawFit",
]


# ----------------------------------------------------------------------------------------
# Eigen-analysis and kernel flow.


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


# ----------------------------------------------------------------------------------------
# Closed-form spectra on the circle and the sphere.


def _int_array(k: ArrayLike, name: str = "k") -> np.ndarray:
  k_arr = np.asarray(k)
  if not np.all(np.asarray(k_arr, dtype=np.float64) == np.round(np.asarray(k_arr, np.float64))):
    raise ValueError(f"{name} must hold integers, got {k!r}")
  return np.asarray(k_arr, dtype=np.int64)


def circle_eigenvalues(k: ArrayLike, bias: bool = False) -> np.ndarray:
  """Exact eigenvalues of Basri et al.'s two-layer ReLU NTK on the unit circle.

  The operator is (T f)(x) = ∫ H(xᵀx′) f(x′) dμ(x′), μ the uniform PROBABILITY measure
  on S¹; its eigenfunctions are cos kθ, sin kθ (k ≥ 1 twice, k = 0 once) with
  λ_k = (1/2π) ∫_{−π}^{π} H(cos θ) cos kθ dθ. Using ∫_0^π (π − θ) cos mθ dθ = π²/2
  (m = 0), (1 − (−1)^m)/m² (m ≠ 0):

  no bias, H(u) = u(π − arccos u)/(2π):
    λ_0 = 1/π²,  λ_1 = 1/8,  λ_k = (k² + 1)/(π²(k² − 1)²) (k ≥ 2 even),  0 (k ≥ 3 odd);
  with bias, H̄(u) = (u + 1)(π − arccos u)/(4π) = H/2 + (π − arccos u)/(4π):
    λ_0 = 1/8 + 1/(2π²),  λ_1 = 1/16 + 1/(2π²),
    λ_k = (k² + 1)/(2π²(k² − 1)²) (k ≥ 2 even),  1/(2π²k²) (k ≥ 3 odd).

  The Basri et al. slides use Lebesgue measure (length 2π): their a_k = 2π λ_k, except
  that their with-bias even-k entry 2(k²+1)/(π(k²−1)²) drops the factor ½ that H̄ puts
  on H (the correct value is (k²+1)/(π(k²−1)²) in their normalisation); verified here
  by quadrature and against the Gram-matrix spectrum.

  Args:
    k: integer frequencies, any shape (negative k gives λ_|k|).
    bias: use H̄ (trained bias initialised at 0) instead of H.

  Returns:
    float64 array of k's shape.

  >>> circle_eigenvalues([0, 1, 2, 3]) * np.pi**2
  array([1.        , 1.23370055, 0.55555556, 0.        ])
  """
  k = np.abs(_int_array(k)).astype(np.float64)
  k2 = k * k
  with np.errstate(divide="ignore", invalid="ignore"):
    even = (k2 + 1.0) / (np.pi**2 * (k2 - 1.0) ** 2)
    odd = 1.0 / (2.0 * np.pi**2 * k2)
  is_even = np.mod(k, 2.0) == 0.0
  if bias:
    lam = np.where(is_even, 0.5 * even, odd)
    lam = np.where(k == 1, 1.0 / 16 + 1.0 / (2 * np.pi**2), lam)
    lam = np.where(k == 0, 1.0 / 8 + 1.0 / (2 * np.pi**2), lam)
  else:
    lam = np.where(is_even, even, 0.0)
    lam = np.where(k == 1, 1.0 / 8, lam)
    lam = np.where(k == 0, 1.0 / np.pi**2, lam)
  return lam


def arccos_kernel(u: ArrayLike, degree: int) -> np.ndarray:
  """Cho & Saul arc-cosine kernels on unit-norm inputs, u = xᵀx′ = cos θ.

  Normalised so that, for w ~ N(0, I) and σ = ReLU, with unit-norm x, x′:
    κ_0(u) = 2 E[σ′(wᵀx) σ′(wᵀx′)] = (π − arccos u)/π,
    κ_1(u) = 2 E[σ(wᵀx) σ(wᵀx′)]   = (u(π − arccos u) + √(1 − u²))/π,
  i.e. κ_n = J_n(θ)/π in Cho & Saul's notation, κ_n(1) = 1 (as in Cao et al. 2019).

  Args:
    u: cosines in [−1, 1], any shape (clipped to [−1, 1] against round-off).
    degree: 0 or 1.

  Returns:
    float64 array of u's shape.

  >>> arccos_kernel(np.array([1.0, 0.0, -1.0]), 1)
  array([1.        , 0.31830989, 0.        ])
  """
  u = np.clip(np.asarray(u, dtype=np.float64), -1.0, 1.0)
  if degree == 0:
    return (np.pi - np.arccos(u)) / np.pi
  if degree == 1:
    return (u * (np.pi - np.arccos(u)) + np.sqrt(1.0 - u * u)) / np.pi
  raise ValueError(f"degree={degree!r} is not supported; choose 0 or 1")


def two_layer_relu_ntk(u: ArrayLike, bias: bool = False,
                       train_outer: bool = False) -> np.ndarray:
  """Infinite-width NTK of the two-layer ReLU net of Basri et al. 2019, as κ(u).

  f(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx), w_r ~ N(0, I), a_r = ±1 fixed, ‖x‖ = 1: the NTK
  with respect to the w_r is (1/m) Σ_r 1[w_rᵀx > 0] 1[w_rᵀx′ > 0] xᵀx′ → u(π − arccos u)/(2π)
  = u κ_0(u)/2 = H(u).

  bias=True gives Basri's H̄(u) = (u + 1)(π − arccos u)/(4π) = (u + 1) κ_0(u)/4. It is
  the NTK of the net on augmented unit-norm inputs x̃ = (x, 1)/√2 with weights (w_r, b_r),
  b_r initialised at 0 (equivalently ReLU(w_rᵀx + b_r) with the gradient scaled by
  1/√2: exactly half the NTK (u + 1)κ_0(u)/2 of an unscaled bias initialised at 0).

  train_outer=True adds the gradient with respect to a_r: (1/m) Σ σ(·)σ(·) → κ_1(u)/2
  (no bias) or κ_1(u)/4 (bias, augmented input) — the full two-layer NTK of
  Cao et al. 2019, (u κ_0(u) + κ_1(u))/2 without bias.

  Args:
    u: cosines in [−1, 1], any shape.
    bias: H̄ instead of H.
    train_outer: include the output-layer term.

  Returns:
    float64 array of u's shape.

  >>> two_layer_relu_ntk(np.array([1.0, 0.0]))
  array([0.5, 0. ])
  """
  u = np.clip(np.asarray(u, dtype=np.float64), -1.0, 1.0)
  k0 = arccos_kernel(u, 0)
  if bias:
    out = (u + 1.0) * k0 / 4.0
    return out + arccos_kernel(u, 1) / 4.0 if train_outer else out
  out = u * k0 / 2.0
  return out + arccos_kernel(u, 1) / 2.0 if train_outer else out


def sphere_multiplicity(d: int, k: ArrayLike) -> np.ndarray:
  """Dimension N(d, k) of the degree-k spherical harmonics on S^{d−1} ⊂ R^d.

  N(d, k) = (2k + d − 2)(k + d − 3)!/(k!(d − 2)!) for k ≥ 1, N(d, 0) = 1; N(2, k) = 2,
  N(3, k) = 2k + 1. Exact integer arithmetic.

  Args:
    d: ambient dimension, >= 2.
    k: non-negative integer degrees, any shape.

  Returns:
    int64 array of k's shape.

  >>> sphere_multiplicity(3, [0, 1, 2])
  array([1, 3, 5])
  """
  if d < 2:
    raise ValueError(f"d={d} must be >= 2")
  k = _int_array(k)
  if np.any(k < 0):
    raise ValueError("k must be >= 0")
  def one(kk: int) -> int:
    if kk == 0:
      return 1
    return (2 * kk + d - 2) * math.comb(kk + d - 3, kk - 1) // kk
  return np.vectorize(one, otypes=[np.int64])(k)


def _sphere_legendre(kmax: int, d: int, t: np.ndarray) -> np.ndarray:
  """[kmax+1, len(t)] Legendre polynomials of dimension d, P_k(1) = 1 (stable recurrence)."""
  P = np.empty((kmax + 1,) + t.shape)
  P[0] = 1.0
  if kmax >= 1:
    P[1] = t
  for k in range(1, kmax):
    P[k + 1] = ((2 * k + d - 2) * t * P[k] - k * P[k - 1]) / (k + d - 2)
  return P


def sphere_eigenvalues(kernel: Callable[[np.ndarray], np.ndarray], d: int, k: ArrayLike,
                       *, num_nodes: int | None = None, method: str = "theta") -> np.ndarray:
  """Eigenvalues μ_k of a dot-product kernel on S^{d−1} by the Funk–Hecke formula.

  For the uniform PROBABILITY measure σ on S^{d−1} ⊂ R^d,
  ∫ κ(xᵀy) Y_k(y) dσ(y) = μ_k Y_k(x) for every degree-k spherical harmonic, with

    μ_k = (|S^{d−2}|/|S^{d−1}|) ∫_{−1}^{1} κ(t) P_k(t) (1 − t²)^{(d−3)/2} dt,
    |S^{d−2}|/|S^{d−1}| = Γ(d/2)/(√π Γ((d−1)/2)),

  P_k the Legendre polynomial of dimension d, P_k = C_k^{(d−2)/2}/C_k^{(d−2)/2}(1)
  (Chebyshev T_k for d = 2), evaluated by its three-term recurrence. Each μ_k has
  multiplicity `sphere_multiplicity(d, k)`. d = 2 reproduces `circle_eigenvalues`.

  Quadrature:
    * method="theta" (default): t = cos θ and Gauss–Legendre in θ ∈ [0, π] of
      κ(cos θ) P_k(cos θ) sin^{d−2}θ. Arc-cosine kernels are analytic in θ (their
      √(1 − t²) branch points at t = ±1 disappear), so this converges exponentially.
      Measured absolute error with the default nodes: ≤ 2e-14 for k ≤ 40 and 400
      (ReLU NTK at d = 2 vs `circle_eigenvalues`; e^t at d = 3, 10 vs its Bessel closed
      form), 2e-13 at k = 2000; round-off grows slowly with num_nodes.
    * method="jacobi": Gauss–Jacobi in t with weight (1 − t²)^{(d−3)/2}. Exact up to
      round-off for polynomial-like smooth κ, but the ReLU kernels' branch points leave an
      O(n^{−(d+1)}) error: 1e-8 at d = 2 and 8e-12 at d = 3 with 2000 nodes.
    Accuracy is absolute (≈ 1e-14 · max|κ|): eigenvalues far below that (high k, or
    k ≳ 10 at large d) are dominated by cancellation.

  Args:
    kernel: κ, a vectorised callable on float64 arrays in [−1, 1].
    d: ambient dimension (inputs x ∈ R^d with ‖x‖ = 1), >= 2.
    k: non-negative integer degrees, any shape.
    num_nodes: quadrature nodes; default max(256, 2·max(k) + 64).
    method: "theta" or "jacobi".

  Returns:
    float64 array of k's shape.

  >>> mu = sphere_eigenvalues(two_layer_relu_ntk, 2, [0, 1, 2])
  >>> np.allclose(mu, circle_eigenvalues([0, 1, 2]))
  True
  """
  if d < 2:
    raise ValueError(f"d={d} must be >= 2")
  k = _int_array(k)
  if np.any(k < 0):
    raise ValueError("k must be >= 0")
  kmax = int(k.max()) if k.size else 0
  n = num_nodes if num_nodes is not None else max(256, 2 * kmax + 64)
  ratio = math.exp(math.lgamma(d / 2) - 0.5 * math.log(math.pi) - math.lgamma((d - 1) / 2))
  if method == "theta":
    x, w = scipy.special.roots_legendre(n)
    theta = 0.5 * np.pi * (x + 1.0)
    t = np.cos(theta)
    w = 0.5 * np.pi * w * np.sin(theta) ** (d - 2)
  elif method == "jacobi":
    a = 0.5 * (d - 3)
    t, w = scipy.special.roots_jacobi(n, a, a)
  else:
    raise ValueError(f"method={method!r} is not supported; choose 'theta' or 'jacobi'")
  vals = np.asarray(kernel(t), dtype=np.float64)
  mu = ratio * (_sphere_legendre(kmax, d, t) @ (vals * w))
  return mu[k]


# ----------------------------------------------------------------------------------------
# Linear Frequency Principle (Zhang, Xu, Luo, Ma 2019).


def _check_moments(r2w2: float, r2: float, w2: float) -> tuple[float, float]:
  a = 4.0 * np.pi**2 * float(r2w2)
  b = float(r2) + float(w2)
  if min(float(r2w2), float(r2), float(w2)) < 0 or (a == 0 and b == 0):
    raise ValueError(f"moments must be >= 0 and not all zero, got r2w2={r2w2}, r2={r2}, "
                     f"w2={w2}")
  return a, b


def lfp_multiplier(xi: ArrayLike, r2w2: float, r2: float, w2: float) -> np.ndarray:
  """LFP multiplier γ(ξ) = 4π²⟨r²w²⟩/ξ² + (⟨r²⟩ + ⟨w²⟩)/ξ⁴ (1-D, Zhang et al. 2019).

  For a wide two-layer net h(x) = Σ_i w_i ReLU(r_i(x + l_i)) in the NTK regime, with the
  l_i spread uniformly (density ρ) over a range much wider than the data and r_i
  symmetric in sign, the NTK is, up to polynomials of degree ≤ 1 in each of x and x′,
    ρ [ (⟨r²⟩ + ⟨w²⟩) |x − x′|³/12 − ⟨r²w²⟩ |x − x′|/2 ],
  from the w- and r-gradients ((x+l)_+ ramps, d⁴|s|³/12 = δ) and the l-gradient (steps,
  d²(−|s|/2) = −δ). With ĥ(ξ) = ∫ h e^{−2πiξx} dx, FT[|s|³/12] = 1/(16π⁴ξ⁴) and
  FT[−|s|/2] = 1/(4π²ξ²), so the kernel's Fourier multiplier is
  (ρ/16π⁴)·γ(ξ): the slide formula is exact in this convention up to the overall factor
  ρ/16π⁴, which only rescales time. (With angular frequency ω = 2πξ the 4π² disappears:
  γ ∝ ⟨r²w²⟩/ω² + (⟨r²⟩+⟨w²⟩)/ω⁴.)

  Args:
    xi: frequencies ξ (cycles per unit x), any shape; ξ = 0 gives +inf.
    r2w2, r2, w2: ⟨r²w²⟩, ⟨r²⟩, ⟨w²⟩ over neurons at initialisation.

  Returns:
    float64 array of xi's shape.

  >>> float(lfp_multiplier(1.0, 0.0, 1.0, 1.0))
  2.0
  """
  a, b = _check_moments(r2w2, r2, w2)
  xi = np.asarray(xi, dtype=np.float64)
  with np.errstate(divide="ignore"):
    x2 = 1.0 / (xi * xi)
  return a * x2 + b * x2 * x2


def lfp_kernel(s: ArrayLike, r2w2: float, r2: float, w2: float, *, period: float,
               num_freqs: int | None = None) -> np.ndarray:
  """Periodic kernel whose Fourier coefficients are γ(ξ), ξ ∈ (1/P)ℤ \\ {0}.

  k(s) = Σ_{ξ ≠ 0} γ(ξ) e^{2πiξs} = 2 Σ_{j ≥ 1} γ(j/P) cos(2πjs/P), up to an additive
  constant (irrelevant: the ξ = 0 mode is left unpenalised by `lfp_interpolant`).

  num_freqs=None sums the series exactly with Bernoulli polynomials (x = frac(s/P)):
  Σ_j cos(2πjx)/j² = π² B₂(x), Σ_j cos(2πjx)/j⁴ = −(π⁴/3) B₄(x); the constants of B₂, B₄
  are dropped. num_freqs=J truncates at j ≤ J (constant dropped likewise).

  Args:
    s: differences x − x′, any shape.
    r2w2, r2, w2: moments as in `lfp_multiplier`.
    period: P.
    num_freqs: None (exact) or J.

  Returns:
    float64 array of s's shape.
  """
  a, b = _check_moments(r2w2, r2, w2)
  P = float(period)
  s = np.asarray(s, dtype=np.float64)
  x = np.mod(s / P, 1.0)
  if num_freqs is None:
    b2 = x * x - x                     # B₂ − 1/6
    b4 = x * x * (x * x - 2.0 * x + 1.0)  # B₄ + 1/30
    return 2.0 * (a * P**2 * np.pi**2 * b2 - b * P**4 * np.pi**4 / 3.0 * b4)
  j = np.arange(1, int(num_freqs) + 1, dtype=np.float64)
  g = a * (P / j) ** 2 + b * (P / j) ** 4
  out = np.cos(2.0 * np.pi * x[..., None] * j) @ g - g.sum()
  return 2.0 * out


def lfp_interpolant(x_train: ArrayLike, y_train: ArrayLike, x_eval: ArrayLike,
                    r2w2: float, r2: float, w2: float, *, period: float | None = None,
                    num_freqs: int | None = None) -> np.ndarray:
  """Minimum-FP-norm interpolant, the t → ∞ limit of the LFP dynamics from h_ini = 0.

  Solves  min Σ_ξ |ĥ(ξ)|²/γ(ξ)  s.t.  h(x_i) = y_i  (γ = `lfp_multiplier`), a kernel
  interpolation h(x) = p(x) + Σ_i α_i k(x − x_i) with α ⟂ the free polynomials p.

  * period=P: functions of period P, ξ ∈ (1/P)ℤ, k = `lfp_kernel` (exact series, or
    truncated to num_freqs frequencies). The ξ = 0 mode (the mean) is left unpenalised —
    γ(ξ) → ∞ as ξ → 0, so its FP-norm weight 1/γ is 0 — which is the constant p = c in
    the bordered system [K 1; 1ᵀ 0][α; c] = [y; 0].
  * period=None (default): the real-line problem of the slides, ξ ∈ R. The kernel is the
    generalised inverse transform k(s) = ∫ γ(ξ) e^{2πiξs} dξ
    = (4/3)π⁴(⟨r²⟩+⟨w²⟩)|s|³ − 8π⁴⟨r²w²⟩|s| (up to polynomials), and the functions of
    zero FP-norm are the polynomials of degree ≤ 1 if ⟨r²⟩+⟨w²⟩ > 0 (γ ~ ξ^{−4} at 0),
    else the constants (γ ~ ξ^{−2}); they form p.

  Limits (x_eval inside [min x_i, max x_i]; on R also outside):
    * ξ^{−2} only (r2 = w2 = 0): min ∫|h′|² → the piecewise-linear interpolant
      (`linear_spline`), exact on R and for any P with num_freqs=None; a truncation to J
      frequencies is off by O(1/J).
    * ξ^{−4} only (r2w2 = 0): min ∫|h″|² → the NATURAL cubic spline (`cubic_spline`),
      exact on R. With a period P the wrap-around gap forces h″ ≈ 0 at the ends only up
      to O(span/P), with a data-dependent constant (measured max error at P = 20 × span,
      12 random knots in [−1, 1], |y| ≲ 1.5: 4e-4 to 5e-2, larger when end knots crowd).
    A truncation to J frequencies acts like a ridge of size ≈ 2 Σ_{j>J} γ(j/P) on the
    diagonal of K; keep J/P ≫ the inverse knot spacing, or use num_freqs=None.
    Outside the data range a periodic h wraps around and differs from the R limit.

  Args:
    x_train: [n] distinct inputs.
    y_train: [n] targets.
    x_eval: [m] where to evaluate (any shape).
    r2w2, r2, w2: ⟨r²w²⟩, ⟨r²⟩, ⟨w²⟩.
    period: None (real line) or P > span of x_train and x_eval together.
    num_freqs: with a period: None (exact infinite series) or a truncation J (frequencies
      j/P, 1 ≤ j ≤ J).

  Returns:
    h(x_eval), x_eval's shape.

  >>> x = np.array([0.0, 1.0, 3.0]); y = np.array([0.0, 1.0, -1.0])
  >>> np.round(lfp_interpolant(x, y, [0.5, 2.0, 5.0], 1.0, 0.0, 0.0), 6)
  array([ 0.5,  0. , -1. ])
  """
  a, b = _check_moments(r2w2, r2, w2)
  x_train = np.asarray(x_train, dtype=np.float64).ravel()
  y_train = np.asarray(y_train, dtype=np.float64).ravel()
  x_eval = np.asarray(x_eval, dtype=np.float64)
  if x_train.shape != y_train.shape:
    raise ValueError(f"x_train {x_train.shape} and y_train {y_train.shape} differ in shape")
  if np.unique(x_train).size != x_train.size:
    raise ValueError("x_train must hold distinct points")
  n = x_train.size
  if period is None:
    def kern(s):
      s = np.abs(s)
      return 4.0 / 3.0 * np.pi**4 * b * s**3 - 2.0 * np.pi**2 * a * s
    degree = 1 if b > 0 else 0
  else:
    P = float(period)
    span = max(x_train.max(), x_eval.max(initial=-np.inf)) - min(
        x_train.min(), x_eval.min(initial=np.inf))
    if not P > span:
      raise ValueError(f"period={P} must exceed the span {span} of the inputs")
    def kern(s):
      return lfp_kernel(s, r2w2, r2, w2, period=P, num_freqs=num_freqs)
    degree = 0
  if n <= degree:
    raise ValueError(f"need more than {degree} training points")
  center = x_train.mean()  # conditioning of the polynomial block
  K = kern(x_train[:, None] - x_train[None, :])
  scale = np.max(np.abs(K)) or 1.0  # conditioning only; α is rescaled back below
  Pm = np.vander(x_train - center, degree + 1, increasing=True)  # [n, degree+1]
  q = degree + 1
  A = np.zeros((n + q, n + q))
  A[:n, :n] = K / scale
  A[:n, n:] = Pm
  A[n:, :n] = Pm.T
  sol = scipy.linalg.solve(A, np.concatenate([y_train, np.zeros(q)]), assume_a="sym")
  alpha, coef = sol[:n] / scale, sol[n:]
  Ke = kern(x_eval[..., None] - x_train)
  Pe = np.vander((x_eval - center).ravel(), q, increasing=True).reshape(x_eval.shape + (q,))
  return Ke @ alpha + Pe @ coef


def linear_spline(x_train: ArrayLike, y_train: ArrayLike, x_eval: ArrayLike) -> np.ndarray:
  """Piecewise-linear interpolant (constant outside the data: the min ∫|h′|² on R).

  >>> linear_spline([0.0, 2.0], [0.0, 2.0], [1.0, 3.0])
  array([1., 2.])
  """
  x = np.asarray(x_train, dtype=np.float64)
  order = np.argsort(x)
  return np.interp(np.asarray(x_eval, dtype=np.float64), x[order],
                   np.asarray(y_train, dtype=np.float64)[order])


def cubic_spline(x_train: ArrayLike, y_train: ArrayLike, x_eval: ArrayLike,
                 bc_type: str = "natural") -> np.ndarray:
  """Cubic spline interpolant (scipy CubicSpline); "natural" is the LFP ξ^{−4} limit.

  The natural spline (h″ = 0 at both ends) minimises ∫|h″|² over all interpolants on R;
  with bc_type="natural" it is continued linearly outside the data, which is that
  minimiser on all of R. Other bc_type values ("not-a-knot", "clamped") extrapolate with
  the end cubic, as CubicSpline does.

  >>> cubic_spline([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], [1.0, 3.0])
  array([ 1. , -1.5])
  """
  x = np.asarray(x_train, dtype=np.float64)
  order = np.argsort(x)
  x, y = x[order], np.asarray(y_train, dtype=np.float64)[order]
  cs = CubicSpline(x, y, bc_type=bc_type)
  xe = np.asarray(x_eval, dtype=np.float64)
  out = cs(xe)
  if bc_type == "natural":
    out = np.where(xe < x[0], y[0] + cs(x[0], 1) * (xe - x[0]), out)
    out = np.where(xe > x[-1], y[-1] + cs(x[-1], 1) * (xe - x[-1]), out)
  return out


# ----------------------------------------------------------------------------------------
# Convergence-time laws.


def convergence_steps(eigvals: ArrayLike, lr: float, eps: float, r0_coeff: ArrayLike = 1.0,
                      scale: float = 1.0, *, discrete: bool = True) -> np.ndarray:
  """Steps until a mode's residual coefficient falls to eps.

  discrete (GD): the smallest integer t >= 0 with |1 − ηsλ|^t |c_0| <= eps; inf if
    |1 − ηsλ| >= 1 (λ = 0, or ηsλ >= 2) while |c_0| > eps.
  gradient flow: t = log(|c_0|/eps)/(ηsλ) (in steps; 0 if |c_0| <= eps; inf if λ <= 0).
  For ηsλ ≪ 1 both agree to first order: t ≈ log(|c_0|/eps)/(ηsλ) ∝ 1/λ (Basri et al.
  2019, Arora et al. 2019).

  Args:
    eigvals: λ, any shape.
    lr: η.
    eps: target |coefficient| (> 0).
    r0_coeff: c_0, broadcast against eigvals.
    scale: s, as in `kernel_flow`.
    discrete: GD (True) or gradient flow (False).

  Returns:
    float64 array (integer-valued when discrete, possibly inf) of the broadcast shape.

  >>> convergence_steps([0.5, 0.0], 1.0, 0.1)
  array([ 4., inf])
  """
  if not eps > 0:
    raise ValueError(f"eps={eps} must be > 0")
  lam = np.asarray(eigvals, dtype=np.float64)
  c0 = np.abs(np.asarray(r0_coeff, dtype=np.float64))
  lam, c0 = np.broadcast_arrays(lam, c0)
  rate = float(lr) * float(scale) * lam
  done = c0 <= eps
  with np.errstate(divide="ignore", invalid="ignore"):
    target = np.log(eps / c0)  # < 0 where not done
    if not discrete:
      t = np.where(rate > 0, -target / rate, np.inf)
      return np.where(done, 0.0, t)
    q = np.abs(1.0 - rate)
    logq = np.log(q)
    t = np.where(q < 1.0, np.ceil(target / logq), np.inf)
    t = np.where(q == 0.0, 1.0, t)
  # Guard against round-off in the ceil: step back while t − 1 still satisfies.
  fin = np.isfinite(t) & (t > 1)
  tm1 = np.where(fin, t - 1.0, 0.0)
  with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
    ok_before = fin & (tm1 * logq + np.log(c0) <= np.log(eps))
  t = np.where(ok_before, tm1, t)
  return np.where(done, 0.0, t)


class PowerLawFit(NamedTuple):
  """t ≈ exp(intercept) · k^p; ci = (lo, hi) confidence interval on p."""
  p: float
  ci: tuple[float, float]
  intercept: float


def fit_power_law(k: ArrayLike, t: ArrayLike, level: float = 0.95) -> PowerLawFit:
  """Least-squares fit of log t = intercept + p log k, with a t-distribution CI on p.

  As Basri et al. 2019 fit convergence time vs frequency (p ≈ 2 on the circle).

  Args:
    k: [n] positive abscissae (frequencies).
    t: [n] positive values (e.g. iterations to converge); n >= 3.
    level: confidence level of the interval.

  Returns:
    PowerLawFit(p, (lo, hi), intercept) — natural-log intercept; the CI is
    p ± t_{(1+level)/2, n−2} · SE(p).

  >>> fit = fit_power_law([1, 2, 4], [3.0, 12.0, 48.0])
  >>> round(fit.p, 6), round(float(np.exp(fit.intercept)), 6)
  (2.0, 3.0)
  """
  k = np.asarray(k, dtype=np.float64).ravel()
  t = np.asarray(t, dtype=np.float64).ravel()
  if k.shape != t.shape or k.size < 3:
    raise ValueError(f"need k and t of equal length >= 3, got {k.size} and {t.size}")
  if np.any(~np.isfinite(k) | ~np.isfinite(t) | (k <= 0) | (t <= 0)):
    raise ValueError("k and t must be finite and > 0 (drop non-converged runs first)")
  X, Y = np.log(k), np.log(t)
  n = X.size
  xm, ym = X.mean(), Y.mean()
  sxx = np.sum((X - xm) ** 2)
  if sxx == 0:
    raise ValueError("k must take at least two distinct values")
  p = np.sum((X - xm) * (Y - ym)) / sxx
  intercept = ym - p * xm
  resid = Y - intercept - p * X
  se = math.sqrt(np.sum(resid**2) / (n - 2) / sxx)
  half = scipy.stats.t.ppf(0.5 + 0.5 * level, n - 2) * se
  return PowerLawFit(float(p), (float(p - half), float(p + half)), float(intercept))
