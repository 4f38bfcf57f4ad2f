"""Convergence-time laws and fits: steps per mode, first time a kernel flow falls below
a level, power laws t ∝ k^p, exponential decay rates, means with confidence intervals.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from fourier_nn.theory.flow import mode_factors


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
  half = _t_ppf(0.5 + 0.5 * level, n - 2) * se
  return PowerLawFit(float(p), (float(p - half), float(p + half)), float(intercept))


def convergence_time(eigvals: ArrayLike, coeffs: ArrayLike, lr: float, scale: float,
                     level_sq: float, cap: int) -> float:
  """Smallest integer t ≤ cap with Σ_i c_i² (1 − η s λ_i)^{2t} < level_sq (NaN: none).

  The first step at which the kernel-regime GD residual r_t = V (1 − η s Λ)^t c has
  ‖r_t‖² below a level, from its initial coefficients c = Vᵀr_0 (initial output
  included). Negative eigenvalues (round-off of a PSD kernel) are clipped to 0. Without
  modes that grow (η s λ > 2), ‖r_t‖² is non-increasing and bisection applies. With some
  (linearised GD diverging along them) the steps are scanned, but only until the growing
  modes alone pass the level, after which it is never reached.

  >>> convergence_time([1.0], [1.0], 0.5, 1.0, 0.01, 100)  # 0.25^t < 0.01
  4.0
  """
  lam = np.maximum(np.asarray(eigvals, np.float64), 0.0)
  c2 = np.asarray(coeffs, np.float64) ** 2
  rate = lr * scale * lam
  growing = (rate > 2.0) & (c2 > 0)

  def norm_sq(ts):
    f = mode_factors(lam, lr, ts, scale=scale)
    return (f * f) @ c2

  if norm_sq([0])[0] < level_sq:
    return 0.0
  if growing.any():
    logq = np.log(rate[growing] - 1.0)  # |1 − ηsλ| = ηsλ − 1 > 1
    t_out = np.min(np.log(level_sq / c2[growing]) / (2.0 * logq))  # growing part >= level
    last = int(min(cap, max(0.0, np.ceil(t_out))))
    for start in range(0, last + 1, 4096):
      ts = np.arange(start, min(start + 4096, last + 1))
      hit = np.flatnonzero(norm_sq(ts) < level_sq)
      if hit.size:
        return float(ts[hit[0]])
    return np.nan
  if norm_sq([cap])[0] >= level_sq:
    return np.nan
  lo, hi = 0, cap  # norm_sq(lo) >= level, norm_sq(hi) < level
  while hi - lo > 1:
    mid = (lo + hi) // 2
    if norm_sq([mid])[0] < level_sq:
      hi = mid
    else:
      lo = mid
  return float(hi)


def fit_log_rate(steps: ArrayLike, values: ArrayLike, floor: float,
                 end_step: float | None = None) -> tuple[float, float]:
  """Exponential decay rate: −slope of log|values| vs step over the early phase.

  The window runs from the first logged step to the first step with
  |v| < floor·|v[0]| (inclusive), or to ``end_step`` if given, or to the last step; at
  least two points. Non-finite or zero entries are dropped.

  Returns:
    (rate, window end step); rate NaN when fewer than two usable points.

  >>> round(fit_log_rate([0, 1, 2, 3], 0.5 ** np.arange(4), 0.01)[0], 6)  # log 2
  0.693147
  """
  steps = np.asarray(steps, np.float64)
  a = np.abs(np.asarray(values, np.float64))
  if end_step is None:
    below = np.flatnonzero(a < floor * a[0])
    end = int(below[0]) if below.size else len(steps) - 1
  else:
    end = int(np.searchsorted(steps, end_step))
  end = min(max(end, 1), len(steps) - 1)
  t, val = steps[:end + 1], a[:end + 1]
  ok = np.isfinite(val) & (val > 0)
  if ok.sum() < 2:
    return float("nan"), float(steps[end])
  slope = np.polyfit(t[ok], np.log(val[ok]), 1)[0]
  return float(-slope), float(steps[end])


def mean_ci(x: ArrayLike, level: float = 0.95) -> tuple[float, list[float | None]]:
  """Mean of the finite entries and its Student-t confidence interval ([None, None] for
  fewer than two).

  >>> mean_ci([1.0, 2.0, 3.0])[0]
  2.0
  """
  x = np.asarray(x, np.float64)
  x = x[np.isfinite(x)]
  if x.size == 0:
    return float("nan"), [None, None]
  m = float(x.mean())
  if x.size < 2:
    return m, [None, None]
  h = _t_ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
  return m, [float(m - h), float(m + h)]


def group_stats(times: ArrayLike) -> dict[str, np.ndarray]:
  """Statistics over runs of convergence times times[G, R] (NaN: that run never converged).

  Median counts a non-converged run as +inf (finite only if more than half converged);
  mean and std use converged runs only and are NaN if none converged.

  Returns:
    mean_steps, median_steps, std_steps, frac_converged, num_converged, each [G].
  """
  c = np.asarray(times, np.float64)
  ok = np.isfinite(c)
  n_ok = ok.sum(axis=1)
  with np.errstate(invalid="ignore"):
    mean = np.where(n_ok > 0, np.nansum(c, axis=1) / np.maximum(n_ok, 1), np.nan)
    sq = np.nansum((c - mean[:, None]) ** 2, axis=1)
    std = np.where(n_ok > 1, np.sqrt(sq / np.maximum(n_ok - 1, 1)), 0.0)
  std = np.where(n_ok > 0, std, np.nan)
  med = np.median(np.where(ok, c, np.inf), axis=1)
  med = np.where(np.isfinite(med), med, np.nan)
  return {"mean_steps": mean, "median_steps": med, "std_steps": std,
          "frac_converged": n_ok / c.shape[1], "num_converged": n_ok}


def fit_exponent(k: ArrayLike, times: ArrayLike, kmin: float, kmax: float,
                 allowed: ArrayLike | None = None) -> dict[str, Any] | None:
  """`fit_power_law` over kmin ≤ k ≤ kmax where ``times`` is finite and positive (and
  ``allowed``); None when fewer than 3 points or 2 distinct k remain.

  Returns:
    {"p", "ci95", "intercept", "freqs_used"}.
  """
  k = np.asarray(k)
  t = np.asarray(times, np.float64)
  use = (k >= kmin) & (k <= kmax) & np.isfinite(t) & (t > 0)
  if allowed is not None:
    use &= np.asarray(allowed, bool)
  if use.sum() < 3 or np.unique(k[use]).size < 2:
    return None
  fit = fit_power_law(k[use], t[use])
  return {"p": fit.p, "ci95": list(fit.ci), "intercept": fit.intercept,
          "freqs_used": k[use].tolist()}


def _t_ppf(q: float, dof: int) -> float:
  """Student-t quantile. scipy.stats is imported here, not at module import: it costs
  ~1.5 s, which every script (and every bad-input run) would pay before validating."""
  import scipy.stats  # pylint: disable=import-outside-toplevel
  return float(scipy.stats.t.ppf(q, dof))
