"""Closed-form spectra: Basri's circle eigenvalues, arc-cosine kernels, the two-layer
ReLU NTK, Funk–Hecke eigenvalues on S^{d−1}, Legendre/Gegenbauer polynomials.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
import scipy.special


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


def two_layer_relu_ntk(u: ArrayLike, bias: bool = False, train_outer: bool = False,
                       inner_std: float = 1.0, outer_std: float = 1.0) -> np.ndarray:
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

  Scales (`models.TwoLayerReLU`: w_r ~ N(0, inner_std² I), a_r ~ N(0, outer_std²) or
  ±outer_std): the w-term is multiplied by outer_std² (the indicator does not see the
  scale of w), the a-term by inner_std². Cao et al.'s net with both scales is
  outer_std² u κ_0/2 + inner_std² κ_1/2.

  Args:
    u: cosines in [−1, 1], any shape.
    bias: H̄ instead of H.
    train_outer: include the output-layer term.
    inner_std, outer_std: the init scales above.

  Returns:
    float64 array of u's shape.

  >>> two_layer_relu_ntk(np.array([1.0, 0.0]))
  array([0.5, 0. ])
  """
  u = np.clip(np.asarray(u, dtype=np.float64), -1.0, 1.0)
  k0 = arccos_kernel(u, 0)
  out = (u + 1.0) * k0 / 4.0 if bias else u * k0 / 2.0
  if outer_std != 1.0:
    out = outer_std ** 2 * out
  if not train_outer:
    return out
  return out + inner_std ** 2 * arccos_kernel(u, 1) / (4.0 if bias else 2.0)


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


GEGENBAUER_NORMS = ("unit_at_one", "unit_l2", "standard")


def legendre_all(kmax: int, d: int, t: ArrayLike) -> np.ndarray:
  """[kmax + 1, *t.shape] Legendre polynomials of dimension d, P_0 … P_kmax, float64.

  P_k = C_k^{(d−2)/2}/C_k^{(d−2)/2}(1), so P_k(1) = 1 (the normalisation of the
  Funk–Hecke formula); d = 3 gives the classical Legendre polynomials, d = 2 Chebyshev's
  T_k. Evaluated by the stable three-term recurrence
  P_{k+1} = ((2k + d − 2) t P_k − k P_{k−1})/(k + d − 2).

  >>> legendre_all(2, 3, np.array([0.5]))[:, 0]  # 1, t, (3t² − 1)/2
  array([ 1.   ,  0.5  , -0.125])
  """
  if d < 2:
    raise ValueError(f"d={d} must be >= 2")
  t = np.asarray(t, np.float64)
  P = np.empty((kmax + 1,) + t.shape)
  P[0] = 1.0
  if kmax >= 1:
    P[1] = t
  for k in range(1, kmax):
    P[k + 1] = ((2 * k + d - 2) * t * P[k] - k * P[k - 1]) / (k + d - 2)
  return P


def legendre(k: int, d: int, t: ArrayLike) -> np.ndarray:
  """P_k(t) of dimension d (see `legendre_all`), float64 of t's shape.

  >>> float(legendre(2, 3, 1.0)), float(legendre(3, 2, 0.5))  # P_2(1); T_3(0.5) = cos(π)
  (1.0, -1.0)
  """
  return legendre_all(int(k), d, t)[int(k)]


def gegenbauer(k: int, d: int, t: ArrayLike, norm: str = "unit_at_one") -> np.ndarray:
  """Gegenbauer polynomial of degree k and parameter λ = (d − 2)/2, float64, normalised:

  * ``unit_at_one``: P_k = C_k^λ/C_k^λ(1) = `legendre` (P_k(1) = 1); then
    E_{x~unif(S^{d−1})}[P_k(⟨ζ, x⟩)²] = 1/N(d, k);
  * ``unit_l2``: √N(d, k) · P_k, so that mean square over the sphere is 1 (addition
    theorem);
  * ``standard``: C_k^λ itself (`scipy.special.eval_gegenbauer`), C_k^λ(1) = C(k + d − 3, k).

  >>> float(gegenbauer(2, 3, 1.0, "unit_at_one")), float(gegenbauer(2, 3, 1.0, "unit_l2"))
  (1.0, 2.23606797749979)
  """
  if d < 3:
    raise ValueError(f"d={d} must be >= 3 (Gegenbauer parameter (d-2)/2 > 0)")
  p = legendre(k, d, t)
  if norm == "unit_at_one":
    return p
  if norm == "unit_l2":
    return np.sqrt(float(sphere_multiplicity(d, int(k)))) * p
  if norm == "standard":
    return scipy.special.binom(int(k) + d - 3, int(k)) * p
  raise ValueError(f"norm={norm!r} is not supported; choose one of {GEGENBAUER_NORMS}")


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
  mu = ratio * (legendre_all(kmax, d, t) @ (vals * w))
  return mu[k]


def sign_net_ntk(u: ArrayLike, bias: bool = False) -> np.ndarray:
  """Infinite-width NTK of Basri's net as we train it, `models.TwoLayerReLU(outer="sign")`.

  Without bias it is H = `two_layer_relu_ntk(u)`. With a trained bias b_r that is
  unscaled and zero at init, ∂u/∂b_r adds 1·1 to xᵀx′ inside the indicator sum, so the
  NTK is (u + 1)κ_0(u)/2 = 2·H̄ (H̄ = `two_layer_relu_ntk(u, bias=True)`, the kernel of
  the 1/√2-scaled bias of the slides).
  """
  return (2.0 if bias else 1.0) * two_layer_relu_ntk(u, bias=bias)


def sign_net_eigenvalues(k: ArrayLike, d: int, bias: bool = False) -> np.ndarray:
  """Eigenvalues λ_k of `sign_net_ntk` on S^{d−1} w.r.t. the uniform probability measure:
  the closed form (×2 with bias) of `circle_eigenvalues` for d = 2, Funk–Hecke above."""
  if d == 2:
    return (2.0 if bias else 1.0) * circle_eigenvalues(k, bias=bias)
  return sphere_eigenvalues(lambda u: sign_net_ntk(u, bias=bias), d, k)


def sign_net_init_output_eigenvalues(k: ArrayLike, d: int, inner_std: float = 1.0) -> np.ndarray:
  """Eigenvalues ν_k of the covariance of Basri's net's output at init on S^{d−1}.

  u₀(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx + b_r), a_r = ±1, w_r ~ N(0, inner_std² I), b_r = 0:
  E u₀(x)u₀(x′) = E[ReLU(wᵀx) ReLU(wᵀx′)] = inner_std² κ_1(xᵀx′)/2 (`arccos_kernel`),
  whatever the signs and the (zero) bias. Its Funk–Hecke eigenvalues (uniform probability
  measure) split E‖u₀‖² = n·inner_std²/2 on n sample points over the degrees: degree k
  carries n · ν_k · `sphere_multiplicity(d, k)` in expectation. Like the NTK's, ν_k = 0
  for odd k ≥ 3.

  >>> nu = sign_net_init_output_eigenvalues(np.arange(200), 2)
  >>> round(float(np.sum(nu * sphere_multiplicity(2, np.arange(200)))), 4)  # = κ_1(1)/2
  0.5
  """
  return sphere_eigenvalues(lambda u: inner_std ** 2 * arccos_kernel(u, 1) / 2.0, d, k)
