"""The Linear Frequency Principle (Zhang, Xu, Luo, Ma 2019): multiplier, kernels, the
infinite-width NTK of the shifted two-layer net, its minimum-FP-norm interpolant, splines.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
import scipy.linalg


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
  from scipy.interpolate import CubicSpline  # pylint: disable=import-outside-toplevel
  cs = CubicSpline(x, y, bc_type=bc_type)  # (imported here: ~0.4 s at import otherwise)
  xe = np.asarray(x_eval, dtype=np.float64)
  out = cs(xe)
  if bc_type == "natural":
    out = np.where(xe < x[0], y[0] + cs(x[0], 1) * (xe - x[0]), out)
    out = np.where(xe > x[-1], y[-1] + cs(x[-1], 1) * (xe - x[-1]), out)
  return out


def lfp_ntk(x1: ArrayLike, x2: ArrayLike, r2w2: float, r2: float, w2: float,
            l_range: float) -> np.ndarray:
  """Infinite-width NTK Θ̄(x1_i, x2_j) [N1, N2] of the 1-D shifted net, float64.

  For h(x) = (1/√m) Σ_i w_i ReLU(r_i (x + l_i)) (`models.TwoLayerReLU(form="shifted")`),
  l_i ~ U(−L, L) independent of (r_i, w_i), sign(r) symmetric, and x, x′ ∈ [−L, L]:

    Θ̄(x, x′) = (⟨r²⟩ + ⟨w²⟩)·(x x′/2 + L²/6 + |x − x′|³/(24L)) + ⟨r²w²⟩·(1/2 − |x − x′|/(4L)).

  The w- and r-gradients give the ramp term, the l-gradient the step term. Up to the
  polynomial part (constants and x x′), Θ̄ = (ρ/16π⁴)·k(x − x′) with ρ = 1/(2L) and k the
  inverse Fourier transform of `lfp_multiplier`.
  """
  X = np.asarray(x1, np.float64)[:, None]
  Xp = np.asarray(x2, np.float64)[None, :]
  s = np.abs(X - Xp)
  L = float(l_range)
  ramp = X * Xp / 2.0 + L * L / 6.0 + s**3 / (24.0 * L)
  step = 0.5 - s / (4.0 * L)
  return (r2 + w2) * ramp + r2w2 * step


def lfp_time_per_step(lr: float, l_range: float) -> float:
  """LFP time τ of one GD step of size lr on the MSE: 2ρη/(16π⁴), ρ = 1/(2L).

  GD on the MSE moves the residual by −η (2/n) Θ r per step, the LFP
  ∂_τ ĥ = −γ (ĥ_p − f̂_p) by −(1/n) k r dτ, and Θ = (ρ/16π⁴) k (`lfp_ntk`).
  """
  return float(lr) / (16.0 * np.pi**4 * float(l_range))


def lfp_data_kernel(x1: ArrayLike, x2: ArrayLike, r2w2: float, r2: float, w2: float,
                    period: float) -> np.ndarray:
  """K(x1_i, x2_j) = lfp_kernel(x1_i − x2_j)/P: the LFP acting on sample residuals,
  dr/dτ = −(1/n) K r, on a period P ≫ the data."""
  s = np.asarray(x1, np.float64)[:, None] - np.asarray(x2, np.float64)[None, :]
  return lfp_kernel(s, r2w2, r2, w2, period=period) / float(period)


def l2_distance(a: ArrayLike, b: ArrayLike, grid: ArrayLike, mask: ArrayLike) -> np.ndarray:
  """‖a − b‖_{L²} over grid[mask] (trapezoid rule); a, b [..., G] -> [...]."""
  grid, mask = np.asarray(grid), np.asarray(mask)
  d2 = (np.asarray(a, np.float64) - np.asarray(b, np.float64))[..., mask] ** 2
  return np.sqrt(np.trapezoid(d2, grid[mask], axis=-1))


# ----------------------------------------------------------------------------------------
# d dimensions: h(x) = (1/√m) Σ_i w_i ReLU(r_i·x − |r_i| l_i), x ∈ R^d.
#
# Derivation (used by every function below). Write r = ρu (ρ = |r|, u ∈ S^{d−1}) and
# z = u·x − l, so a neuron is w ρ (z)_+. Its gradients:
#   ∂_w = ρ z_+,   ∂_r = w H(z) (x − l u) = w [z_+ u + H(z) x_⊥],   ∂_l = −w ρ H(z),
# with x_⊥ = x − (u·x)u and H the step. The NTK is the mean over neurons of
#   (ρ² + w²) z_+ z′_+  +  ρ²w² H(z)H(z′)  +  w² H(z)H(z′) x_⊥·x′_⊥.
# Take l ~ U(−L, L) (density 1/2L), u uniform on the sphere (so ±u are equally likely),
# (ρ, w) jointly distributed in any way but independent of (u, l), and |x|, |x′| ≤ L.
# With a = u·x, b = u·x′, averaging over l and ±u gives exactly
#   E z_+ z′_+ = ab/2 + L²/6 + |a − b|³/(24L),   E H H′ = 1/2 − |a − b|/(4L),
# and E_u |u·s|^p = c_p |s|^p, c_p = Γ(d/2)Γ((p+1)/2)/(√π Γ((d+p)/2)) (`sphere_abs_moment`).
# So Θ̄ = Θ_rad + Θ_rot (`lfp_ntk_nd`), where the first two terms give
#   Θ_rad(x, x′) = polynomial(deg ≤ 1 in x and in x′)
#                  + (1/2L) [ (⟨ρ²⟩+⟨w²⟩) c₃|s|³/12 − ⟨ρ²w²⟩ c₁|s|/2 ],   s = x − x′,
# a function of s up to the polynomial. With ĥ(ξ) = ∫ h e^{−2πiξ·x} dx and the Riesz
# transform FT[|x|^α] = C_{d,α}|ξ|^{−d−α}, C_{d,α} = π^{−α−d/2} Γ((α+d)/2)/Γ(−α/2)
# (`riesz_constant`; C_{d,1} < 0 < C_{d,3}), one finds c₃C_{d,3}/12 = Γ(d/2)/(16π^{4+d/2})
# and −c₁C_{d,1}/2 = Γ(d/2)/(4π^{2+d/2}), hence the Fourier multiplier of Θ_rad
#   (Γ(d/2)/(32 L π^{4+d/2})) · [ (⟨|r|²⟩+⟨w²⟩)/|ξ|^{d+3} + 4π²⟨|r|²w²⟩/|ξ|^{d+1} ].
# The bracket is the slides' high-dimensional multiplier, relative constant 4π² included;
# the prefactor (`lfp_prefactor_nd`; = 1/(32π⁴L) = ρ/16π⁴ for d = 1, as `lfp_multiplier`)
# only rescales time. The third term, Θ_rot (from the angular part of ∂_r), is NOT
# translation invariant and is not in the slides: it is ⟨w²⟩ E_u[(1/2 − |u·s|/(4L))
# x_⊥·x′_⊥], and it annihilates every function radial about the origin (x′_⊥ ↦ −x′_⊥
# symmetry), so the slide multiplier is the exact LFP on radial functions, and on all
# functions when ⟨w²⟩ ≪ ⟨|r|²⟩ or the directions u_i are frozen. Θ_rot commutes with
# rotations; in Fourier, x_⊥ ↦ (i/2π)∇_⊥ = (i/2π|ξ|)·(angular gradient) and the step's
# 1-D transform is 1/(2πiτ), so it acts like (1/16π⁴)⟨w²⟩|ξ|^{−d−3}·(−Δ_S), Δ_S the
# Laplace–Beltrami operator of the directions ξ/|ξ|: on f̂(ξ) = F(|ξ|)·Y_ℓ(ξ/|ξ|) (Y_ℓ a
# spherical harmonic of degree ℓ) the full Θ̄ is the multiplier with the ramp moment
#   ⟨|r|²⟩ + ⟨w²⟩ (1 + ℓ(ℓ + d − 2))                       (`lfp_multiplier_nd(ell=ℓ)`).
# This last step is a heuristic, checked numerically (d = 2, ℓ = 0..3: the closed-form
# Θ̄ applied by 2-D quadrature matches the Hankel transform of this multiplier to 3e-4,
# tests/test_lfp_nd.py); the ℓ = 0 statement is exact.


def sphere_abs_moment(d: int, p: float) -> float:
  """E|u₁|^p for u uniform on S^{d−1}: Γ(d/2)Γ((p+1)/2)/(√π Γ((d+p)/2)).

  >>> round(sphere_abs_moment(2, 1), 12) == round(2 / np.pi, 12)
  True
  """
  from scipy.special import gammaln  # pylint: disable=import-outside-toplevel
  return float(np.exp(gammaln(d / 2) + gammaln((p + 1) / 2) - 0.5 * np.log(np.pi)
                      - gammaln((d + p) / 2)))


def riesz_constant(d: int, alpha: float) -> float:
  """C with ∫ |x|^α e^{−2πiξ·x} dx = C |ξ|^{−d−α} on R^d (as distributions, α ∉ 2ℕ):
  C = π^{−α−d/2} Γ((α+d)/2)/Γ(−α/2).

  >>> round(riesz_constant(1, 1) * 2 * np.pi**2, 12)   # FT|x| = −1/(2π²ξ²) in 1-D
  -1.0
  """
  from scipy.special import gamma  # pylint: disable=import-outside-toplevel
  return float(np.pi ** (-alpha - d / 2) * gamma((alpha + d) / 2) / gamma(-alpha / 2))


def _check_dim(d) -> int:
  if not (isinstance(d, (int, np.integer)) and d >= 1):
    raise ValueError(f"d must be an integer >= 1, got {d!r}")
  return int(d)


def lfp_multiplier_nd(xi: ArrayLike, d: int, r2w2: float, r2: float, w2: float, *,
                      ell: int = 0) -> np.ndarray:
  """High-dimensional LFP multiplier (⟨|r|²⟩+⟨w²⟩)/|ξ|^{d+3} + 4π²⟨|r|²w²⟩/|ξ|^{d+1}.

  The Fourier multiplier of the translation-invariant part Θ_rad of the infinite-width
  NTK of h(x) = (1/√m) Σ w_i ReLU(r_i·x − |r_i| l_i) on R^d, up to the factor
  `lfp_prefactor_nd` (derivation in the comment above `sphere_abs_moment`); it is the
  slides' formula, and the whole NTK's on functions radial about 0. d = 1 is
  `lfp_multiplier`. ell=ℓ > 0 adds the rotational part on angular degree ℓ: the ramp
  moment becomes ⟨|r|²⟩ + ⟨w²⟩(1 + ℓ(ℓ+d−2)) (numerically checked for d = 2).

  Args:
    xi: |ξ| (norms of the frequencies, cycles per unit x), any shape; 0 gives +inf.
    d: input dimension.
    r2w2, r2, w2: ⟨|r|²w²⟩, ⟨|r|²⟩, ⟨w²⟩ over the neurons at initialisation.
    ell: angular (spherical-harmonic) degree of the function acted on; 0 = the slides.

  >>> bool(np.isclose(lfp_multiplier_nd(0.7, 1, 0.3, 1.0, 2.0), lfp_multiplier(0.7, 0.3, 1.0, 2.0)))
  True
  """
  a, b = _check_moments(r2w2, r2, w2)
  d = _check_dim(d)
  if not (isinstance(ell, (int, np.integer)) and ell >= 0):
    raise ValueError(f"ell must be an integer >= 0, got {ell!r}")
  b = b + float(w2) * ell * (ell + d - 2)
  xi = np.abs(np.asarray(xi, dtype=np.float64))
  with np.errstate(divide="ignore"):
    return b * xi ** (-(d + 3.0)) + a * xi ** (-(d + 1.0))


def lfp_prefactor_nd(d: int, l_range: float) -> float:
  """Γ(d/2)/(32 L π^{4+d/2}): Θ_rad's multiplier is this times `lfp_multiplier_nd`."""
  from scipy.special import gamma  # pylint: disable=import-outside-toplevel
  d = _check_dim(d)
  return float(gamma(d / 2) / (32.0 * float(l_range) * np.pi ** (4 + d / 2)))


def lfp_green_nd(s: ArrayLike, d: int, r2w2: float, r2: float, w2: float) -> np.ndarray:
  """The Green's function k(s) = ∫ γ_d(|ξ|) e^{2πiξ·s} dξ of `lfp_multiplier_nd`, up to
  polynomials: (⟨|r|²⟩+⟨w²⟩)|s|³/C_{d,3} + 4π²⟨|r|²w²⟩|s|/C_{d,1} (`riesz_constant`),
  polyharmonic-type radial kernels |s|³ (conditionally positive definite of order 2)
  and −|s| (order 1) in every dimension.

  Args:
    s: |x − x′|, any shape.
  """
  a, b = _check_moments(r2w2, r2, w2)
  d = _check_dim(d)
  s = np.abs(np.asarray(s, np.float64))
  return b / riesz_constant(d, 3) * s**3 + a / riesz_constant(d, 1) * s


def lfp_ntk_nd(x1: ArrayLike, x2: ArrayLike, r2w2: float, r2: float, w2: float,
               l_range: float, *, rotation: bool = True) -> np.ndarray:
  """Infinite-width NTK Θ̄(x1_i, x2_j) [N1, N2] of h(x) = (1/√m) Σ w_i ReLU(r_i·x − |r_i|l_i).

  Exact for |x|, |x′| ≤ L with l_i ~ U(−L, L), r_i/|r_i| uniform on S^{d−1}, and (|r_i|, w_i)
  jointly distributed in any way (correlated allowed) but independent of (r_i/|r_i|, l_i):

    Θ̄ = (⟨ρ²⟩+⟨w²⟩)(x·x′/(2d) + L²/6 + c₃|s|³/(24L)) + ⟨ρ²w²⟩(1/2 − c₁|s|/(4L)) + Θ_rot,
    Θ_rot = ⟨w²⟩ [ (1 − 1/d) x·x′/2 − (|s|/(4L)) ((c₁ − α) x·x′ − β (ŝ·x)(ŝ·x′)) ],

  ρ = |r|, s = x − x′, ŝ = s/|s|, c_p = `sphere_abs_moment`(d, p), and
  E_u[|u·ŝ| u uᵀ] = α I + β ŝŝᵀ with α = (c₁ − c₃)/(d − 1), β = c₃ − α (Θ_rot = 0 for
  d = 1). rotation=False drops Θ_rot (the part the slides' multiplier describes).

  Args:
    x1: [N1, d]; x2: [N2, d].
    r2w2, r2, w2: ⟨|r|²w²⟩, ⟨|r|²⟩, ⟨w²⟩.
    l_range: L.
  """
  X = np.asarray(x1, np.float64)
  Xp = np.asarray(x2, np.float64)
  if X.ndim != 2 or Xp.ndim != 2 or X.shape[1] != Xp.shape[1]:
    raise ValueError(f"x1 {X.shape} and x2 {Xp.shape} must be [N, d] with the same d")
  d = X.shape[1]
  L = float(l_range)
  c1, c3 = sphere_abs_moment(d, 1), sphere_abs_moment(d, 3)
  dot = X @ Xp.T
  S = X[:, None, :] - Xp[None, :, :]
  s = np.sqrt(np.sum(S * S, axis=-1))
  ramp = dot / (2.0 * d) + L * L / 6.0 + c3 * s**3 / (24.0 * L)
  step = 0.5 - c1 * s / (4.0 * L)
  out = (r2 + w2) * ramp + r2w2 * step
  if rotation and d > 1:
    alpha = (c1 - c3) / (d - 1)
    beta = c3 - alpha
    with np.errstate(invalid="ignore", divide="ignore"):
      sx = np.where(s > 0, np.einsum("ijk,ik->ij", S, X) / s, 0.0)
      sxp = np.where(s > 0, np.einsum("ijk,jk->ij", S, Xp) / s, 0.0)
    rot = (1.0 - 1.0 / d) * dot / 2.0 - s / (4.0 * L) * ((c1 - alpha) * dot - beta * sx * sxp)
    out = out + w2 * rot
  return out


def lfp_interpolant_nd(x_train: ArrayLike, y_train: ArrayLike, x_eval: ArrayLike,
                       r2w2: float, r2: float, w2: float) -> np.ndarray:
  """Minimum-FP-norm interpolant on R^d: min ∫ |ĥ(ξ)|²/γ_d(|ξ|) dξ s.t. h(x_i) = y_i.

  γ_d = `lfp_multiplier_nd`. The minimiser is h(x) = p(x) + Σ_j α_j k(x − x_j),
  k = `lfp_green_nd`, α ⟂ the polynomials p of zero FP-norm: degree ≤ 1 when
  ⟨|r|²⟩+⟨w²⟩ > 0 (γ ~ |ξ|^{−d−3} at 0), constants when only ⟨|r|²w²⟩ > 0
  (γ ~ |ξ|^{−d−1}). The two pure regimes are the polyharmonic-type splines
  min ∫|ξ|^{d+1}|ĥ|² (kernel −|s|, "linear" in any d) and min ∫|ξ|^{d+3}|ĥ|² (kernel |s|³,
  the 1-D natural cubic spline for d = 1).

  Args:
    x_train: [n, d] distinct points; y_train: [n]; x_eval: [M, d].

  Returns:
    h(x_eval) [M].
  """
  a, b = _check_moments(r2w2, r2, w2)
  X = np.asarray(x_train, np.float64)
  y = np.asarray(y_train, np.float64).ravel()
  Xe = np.asarray(x_eval, np.float64)
  if X.ndim != 2 or Xe.ndim != 2 or X.shape[1] != Xe.shape[1] or X.shape[0] != y.size:
    raise ValueError(f"x_train {X.shape}, y_train {y.shape}, x_eval {Xe.shape}: need "
                     "[n, d], [n], [M, d]")
  n, d = X.shape
  if np.unique(X, axis=0).shape[0] != n:
    raise ValueError("x_train must hold distinct points")
  center = X.mean(axis=0)

  def poly(Z):
    Z = Z - center
    return np.concatenate([np.ones((Z.shape[0], 1)), Z], axis=1) if b > 0 else np.ones(
        (Z.shape[0], 1))

  def kern(A, B):
    s = np.sqrt(np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=-1))
    return lfp_green_nd(s, d, r2w2, r2, w2)

  Pm = poly(X)
  q = Pm.shape[1]
  if n <= q:
    raise ValueError(f"need more than {q} training points")
  K = kern(X, X)
  scale = np.max(np.abs(K)) or 1.0
  A = np.zeros((n + q, n + q))
  A[:n, :n] = K / scale
  A[:n, n:] = Pm
  A[n:, :n] = Pm.T
  sol = scipy.linalg.solve(A, np.concatenate([y, np.zeros(q)]), assume_a="sym")
  return kern(Xe, X) @ (sol[:n] / scale) + poly(Xe) @ sol[n:]
