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
