"""Exact geometry of ReLU MLPs: Rahaman et al.'s Theorem 1 made computable.

A ReLU network is continuous and piecewise linear. Rahaman et al. 2019 ("On the Spectral
Bias of Neural Networks", Theorem 1) write its Fourier transform as a sum over the
pieces; in 1-D every ingredient can be computed exactly.

* `piecewise_linear` — breakpoints, values and slopes of a 1-input, 1-output `models.MLP`
  with ReLU on [lo, hi], found layer by layer (each pre-activation is affine between the
  current breakpoints, so its zero crossings are exact).
* `fourier_transform` — ∫_lo^hi f(x) e^{−2πiξx} dx in closed form from the pieces.
* `num_linear_regions`, `lipschitz` — number of distinct affine pieces and the true
  Lipschitz constant max |slope|; `lipschitz_bound` — Π_l ‖W_l‖₂, the usual upper bound.
* `activation_patterns`, `num_regions`, `num_regions_2d` — number of linear (activation)
  regions of a net with any input dimension on a set of points, as the number of distinct
  activation patterns (pre-activation > 0 bits of every hidden unit).

Every model of `models.MLP` with ``activation="relu"`` is covered: any depth and widths,
with or without bias (readout bias or not), residual or not, every ``init_scheme``
(flax / torch / kaiming_normal / ntk; for ntk the effective layer is
``w_std / sqrt(fan_in) * W`` and ``b_std * b``, see `affine_layers`). All the
geometry is float64 NumPy on the weights taken out of the params; jax x64 is never
switched on. ``params`` are one seed's (no leading seed axis; index stacked params with
``jax.tree.map(lambda a: a[s], params)`` first).
"""
from __future__ import annotations

import dataclasses
import math

import jax
import numpy as np
from numpy.typing import ArrayLike

from fourier_nn import models

__all__ = [
    "PiecewiseLinear", "affine_layers", "piecewise_linear", "fourier_transform",
    "num_linear_regions", "lipschitz", "lipschitz_bound", "activation_patterns",
    "num_regions", "num_regions_2d", "seed_geometry",
]

# init_scheme -> (params under a "dense" sub-module, NTK scaling).
_SCHEMES = {"flax": (True, False), "torch": (False, False), "kaiming_normal": (False, False),
            "ntk": (False, True)}


@dataclasses.dataclass(frozen=True)
class PiecewiseLinear:
  """A continuous piecewise-linear function on [breakpoints[0], breakpoints[-1]].

  Attributes:
    breakpoints: [M+1] strictly increasing t₀ = lo < … < t_M = hi.
    values: [M+1] f(tⱼ).
    slopes: [M] slope of f on [tⱼ, tⱼ₊₁] (kept separately from the values: for a very
      short piece it is exact where (values[j+1] − values[j]) / (tⱼ₊₁ − tⱼ) is not).

  Calling it evaluates f by linear interpolation (exact, f being continuous).

  >>> tent = PiecewiseLinear(np.array([-1., 0., 1.]), np.array([0., 1., 0.]), np.array([1., -1.]))
  >>> tent(np.array([-0.5, 0.25]))
  array([0.5 , 0.75])
  """

  breakpoints: np.ndarray
  values: np.ndarray
  slopes: np.ndarray

  def __post_init__(self):
    t, v, s = self.breakpoints, self.values, self.slopes
    if t.ndim != 1 or t.size < 2 or v.shape != t.shape or s.shape != (t.size - 1,):
      raise ValueError(f"need breakpoints[M+1], values[M+1], slopes[M]; got shapes "
                       f"{t.shape}, {v.shape}, {s.shape}")
    if np.any(np.diff(t) <= 0):
      raise ValueError("breakpoints must be strictly increasing")

  def __call__(self, x: ArrayLike) -> np.ndarray:
    x = np.asarray(x, np.float64)
    lo, hi = self.breakpoints[0], self.breakpoints[-1]
    slack = 1e-12 * (hi - lo)
    if np.any(x < lo - slack) or np.any(x > hi + slack):
      raise ValueError(f"points outside [{lo:g}, {hi:g}], where the pieces are not known")
    return np.interp(x, self.breakpoints, self.values)


def affine_layers(model: models.MLP, params) -> list[tuple[np.ndarray, np.ndarray]]:
  """The effective float64 affine map (W [fan_in, fan_out], b [fan_out]) of every layer.

  Hidden layers in order, then the readout. The parameterisation's scale is folded in
  (ntk: W·w_std/sqrt(fan_in), b·b_std), and b = 0 where a layer has no bias, so that the
  network is h ← relu(h @ W + b) on the hidden layers (``+ h`` after the first with
  ``model.residual``) and f = h @ W + b at the readout. Param names per scheme are those
  of `models.Dense` (flax: ``<layer>/dense/kernel``; others ``<layer>/kernel``).

  Args:
    model: a `models.MLP` with activation "relu".
    params: its params, ``{"params": {...}}`` or the inner dict; one seed.

  Raises:
    ValueError: another activation, an unknown init scheme, or stacked (seed) params.
  """
  if model.activation != "relu":
    raise ValueError(f"activation={model.activation!r}: the exact geometry is for ReLU only")
  if model.init_scheme not in _SCHEMES:
    raise ValueError(f"init_scheme={model.init_scheme!r} is not supported; choose one of "
                     f"{tuple(_SCHEMES)}")
  nested, ntk = _SCHEMES[model.init_scheme]
  p = params["params"] if "params" in params else params
  names = [f"hidden_{i}" for i in range(len(model.hidden_widths()))] + ["readout"]
  layers = []
  for name in names:
    layer = p[name]["dense"] if nested else p[name]
    w = np.asarray(layer["kernel"], np.float64)
    if w.ndim != 2:
      raise ValueError(f"{name} kernel has shape {w.shape}: pass one seed's params")
    b = np.asarray(layer["bias"], np.float64) if "bias" in layer else np.zeros(w.shape[1])
    if ntk:
      w, b = w * (model.w_std / math.sqrt(w.shape[0])), b * model.b_std
    layers.append((w, b))
  return layers


def _residual(model: models.MLP, i: int) -> bool:
  """Whether hidden layer i adds its input (``MLP.residual``: every layer after the first)."""
  return bool(getattr(model, "residual", False)) and i > 0


def _merge(t: np.ndarray, roots: np.ndarray, tol: float) -> np.ndarray:
  """Sorted union of breakpoints t and new roots, dropping roots within tol of a
  breakpoint or of a smaller kept root (one crossing point computed twice)."""
  roots = np.unique(roots)
  i = np.clip(np.searchsorted(t, roots), 1, t.size - 1)
  roots = roots[np.minimum(roots - t[i - 1], t[i] - roots) > tol]
  roots = roots[np.diff(roots, prepend=-np.inf) > tol]
  return np.sort(np.concatenate([t, roots]))


def piecewise_linear(model: models.MLP, params, lo: float, hi: float,
                     merge_tol: float = 1e-12) -> PiecewiseLinear:
  """The exact pieces of a 1-input, 1-output ReLU `models.MLP` on [lo, hi].

  Layer by layer: the hidden state h is affine on each current piece, so each unit's
  pre-activation z = h @ W + b is too; its zero crossings are found exactly by linear
  interpolation where z changes sign strictly between consecutive breakpoints, they are
  added as breakpoints, and h ← relu(z) is affine on each of the refined pieces. Values
  at the breakpoints and slopes dh/dx per piece are carried in float64 (the slope of a
  sub-piece is the parent's slope of z times [z > 0 at the sub-piece's midpoint]).

  Crossings closer than ``merge_tol · max(hi − lo, |lo|, |hi|)`` to a breakpoint or to
  each other are one breakpoint: the same point computed twice with round-off (e.g. every
  unit of a bias-free net crosses at 0) must not leave a spurious sliver piece, whose
  slope would be decided by round-off. Pieces shorter than that are not resolved; the
  values then err by at most |slope| times that length.

  The breakpoints are every zero crossing of every hidden unit in (lo, hi), so adjacent
  pieces may share one affine map (a crossing that does not reach the output);
  `num_linear_regions` counts distinct maps. In 1-D a layer of n units splits each piece
  into at most n + 1, so there are at most Π_l (n_l + 1) pieces.

  Args:
    model: `models.MLP` with activation "relu", input dimension 1 and ``out_dim=1``
      (the scalar output f(x) = apply(params, x[:, None])[:, 0]).
    params: its params (one seed).
    lo, hi: the interval, lo < hi.
    merge_tol: crossings this close (relative to the interval's scale) are merged.

  Returns:
    `PiecewiseLinear` with breakpoints [M+1], values [M+1], slopes [M].

  >>> import jax, jax.numpy as jnp
  >>> model = models.MLP(depth=2, width=8)
  >>> pwl = piecewise_linear(model, model.init(jax.random.key(0), jnp.zeros((1, 1))), -1, 1)
  >>> bool(pwl.breakpoints[0] == -1 and pwl.breakpoints[-1] == 1)
  True
  """
  if not lo < hi:
    raise ValueError(f"need lo < hi, got [{lo}, {hi}]")
  layers = affine_layers(model, params)
  if layers[0][0].shape[0] != 1 or layers[-1][0].shape[1] != 1:
    raise ValueError(f"piecewise_linear needs input dim 1 and out_dim 1, got "
                     f"{layers[0][0].shape[0]} and {layers[-1][0].shape[1]}")
  tol = merge_tol * max(hi - lo, abs(lo), abs(hi))
  t = np.array([lo, hi], np.float64)
  h = t[:, None]                 # [M+1, n] hidden state at the breakpoints
  dh = np.ones((1, 1))           # [M, n] its slope on each piece
  for i, (w, b) in enumerate(layers[:-1]):
    z, dz = h @ w + b, dh @ w    # affine on each piece: values [M+1, n], slopes [M, n]
    za, zb = z[:-1], z[1:]
    j, k = np.nonzero(np.sign(za) * np.sign(zb) < 0)
    roots = t[j] + (t[j + 1] - t[j]) * (za[j, k] / (za[j, k] - zb[j, k]))
    t_new = _merge(t, np.clip(roots, t[j], t[j + 1]), tol)
    parent = np.clip(np.searchsorted(t, t_new, side="right") - 1, 0, t.size - 2)
    mu = ((t_new - t[parent]) / (t[parent + 1] - t[parent]))[:, None]
    z_new = (1 - mu) * z[parent] + mu * z[parent + 1]
    on = 0.5 * (z_new[:-1] + z_new[1:]) > 0                 # z at the new midpoints
    h_new, dh_new = np.maximum(z_new, 0.0), dz[parent[:-1]] * on
    if _residual(model, i):
      h_new, dh_new = h_new + (1 - mu) * h[parent] + mu * h[parent + 1], dh_new + dh[parent[:-1]]
    t, h, dh = t_new, h_new, dh_new
  w, b = layers[-1]
  return PiecewiseLinear(t, (h @ w + b)[:, 0], (dh @ w)[:, 0])


def fourier_transform(pwl: PiecewiseLinear, xi: ArrayLike) -> np.ndarray:
  """F(ξ) = ∫_lo^hi f(x) e^{−2πiξx} dx of a continuous piecewise-linear f, in closed form.

  Derivation. Write ω = 2πξ and e(x) = e^{−iωx}. On a piece [tⱼ, tⱼ₊₁] f is affine with
  slope sⱼ; integrating by parts twice,
      ∫ f e dx = [f e / (−iω)] − sⱼ [e / (−iω)²]   (brackets evaluated tⱼ → tⱼ₊₁).
  Summed over the pieces, the first bracket telescopes (f is continuous) and the second
  regroups by breakpoint:
      F(ξ) = (f(hi) e(hi) − f(lo) e(lo)) / (−iω)
             + (s_{M−1} e(hi) − s₀ e(lo) − Σ_{j=1}^{M−1} Δsⱼ e(tⱼ)) / ω²,
  with Δsⱼ = sⱼ − sⱼ₋₁: each kink contributes Δsⱼ e(tⱼ) / (2πiξ)², the endpoints the
  1/ξ boundary term (and s e / ω² terms). For |ω|·(hi − lo) ≤ 1 (ξ = 0 included) those
  terms cancel against each other, so there F is integrated directly instead: 12-point
  Gauss–Legendre on each piece, exact to round-off since f e is entire and |ω| times
  the piece's length is ≤ 1. Phases are taken about the interval's centre.

  Args:
    pwl: the function, e.g. from `piecewise_linear`.
    xi: [F] frequencies in cycles per unit of x (any shape; a scalar works).

  Returns:
    complex128 array of xi's shape.

  >>> tent = PiecewiseLinear(np.array([-1., 0., 1.]), np.array([0., 1., 0.]), np.array([1., -1.]))
  >>> np.round(fourier_transform(tent, [0.0, 0.5]).real, 6)  # sinc²(ξ)
  array([1.      , 0.405285])
  """
  xi = np.asarray(xi, np.float64)
  shape, omega = xi.shape, 2 * np.pi * xi.reshape(-1)
  t, v, s = pwl.breakpoints, pwl.values, pwl.slopes
  c, length = 0.5 * (t[0] + t[-1]), t[-1] - t[0]
  y = t - c
  out = np.empty(omega.shape, np.complex128)
  small = np.abs(omega) * length <= 1.0
  if np.any(small):
    nodes, weights = np.polynomial.legendre.leggauss(12)
    half = 0.5 * np.diff(y)
    ys = (y[:-1] + half)[:, None] + half[:, None] * nodes                    # [M, 12]
    fs = v[:-1, None] + s[:, None] * (ys - y[:-1, None])
    wf = (half[:, None] * weights * fs).reshape(-1)
    out[small] = np.exp(-1j * np.outer(omega[small], ys.reshape(-1))) @ wf
  big = np.flatnonzero(~small)
  kinks = np.diff(s)
  for chunk in np.array_split(big, max(1, big.size * y.size // 2_000_000)):
    w = omega[chunk][:, None]
    e = np.exp(-1j * w * y)                                                   # [F, M+1]
    boundary = (v[-1] * e[:, -1] - v[0] * e[:, 0]) / (-1j * w[:, 0])
    ends = s[-1] * e[:, -1] - s[0] * e[:, 0] - e[:, 1:-1] @ kinks
    out[chunk] = boundary + ends / w[:, 0] ** 2
  return (np.exp(-1j * omega * c) * out).reshape(shape)


def num_linear_regions(pwl: PiecewiseLinear, rtol: float = 1e-9) -> int:
  """Number of distinct affine pieces: adjacent pieces whose slopes agree to within
  ``rtol · max|slope|`` are one region (f is continuous, so equal slopes mean the same
  affine map). At least 1.

  >>> pwl = PiecewiseLinear(np.arange(4.), np.array([0., 1., 2., 2.]), np.array([1., 1., 0.]))
  >>> num_linear_regions(pwl)
  2
  """
  jumps = np.abs(np.diff(pwl.slopes))
  return 1 + int(np.sum(jumps > rtol * np.max(np.abs(pwl.slopes), initial=0.0)))


def lipschitz(pwl: PiecewiseLinear) -> float:
  """The true Lipschitz constant of f on [lo, hi]: max_j |sⱼ|."""
  return float(np.max(np.abs(pwl.slopes)))


def lipschitz_bound(model: models.MLP, params) -> float:
  """Π_l ‖W_l‖₂ over every layer (readout included) of the effective weights of
  `affine_layers` (the parameterisation's scale included): an upper bound on the ℓ2
  Lipschitz constant of x ↦ f(x), relu being 1-Lipschitz (a residual layer contributes
  1 + ‖W_l‖₂). Any input / output dimension.
  """
  layers = affine_layers(model, params)
  norms = [np.linalg.norm(w, 2) + _residual(model, i) for i, (w, _) in enumerate(layers[:-1])]
  return float(np.prod(norms + [np.linalg.norm(layers[-1][0], 2)]))


def activation_patterns(model: models.MLP, params, points: ArrayLike,
                        chunk: int = 65_536) -> np.ndarray:
  """Activation pattern (pre-activation > 0) of every hidden unit at each point, packed.

  Args:
    model: a ReLU `models.MLP` of any input dimension d.
    params: its params (one seed).
    points: [P, d] inputs.
    chunk: points per float64 forward pass (bounds memory).

  Returns:
    uint8 [P, ceil(U / 8)]: `numpy.packbits` of the U = Σ_l n_l bits, hidden_0 first.
  """
  x = np.asarray(points, np.float64)
  layers = affine_layers(model, params)[:-1]
  if x.ndim != 2 or (layers and x.shape[1] != layers[0][0].shape[0]):
    raise ValueError(f"points must be [P, d] with the model's input dimension; got {x.shape}")
  out = []
  for start in range(0, x.shape[0], chunk):
    h, bits = x[start:start + chunk], []
    for i, (w, b) in enumerate(layers):
      z = h @ w + b
      bits.append(z > 0)
      h = np.maximum(z, 0.0) + (h if _residual(model, i) else 0.0)
    out.append(np.packbits(np.concatenate(bits, axis=1), axis=1))
  return np.concatenate(out, axis=0)


def num_regions(model: models.MLP, params, points: ArrayLike) -> int:
  """Number of linear regions of the net met by ``points`` [P, d].

  Counted as the number of distinct activation patterns over all hidden units. Each
  pattern's set of inputs is convex (given the pattern every pre-activation is affine in
  x, and the set is an intersection of half-spaces), so this is the number of activation
  regions containing at least one point: a lower bound on the regions in the points'
  hull, exact once every region contains a point. Regions are those of the hidden units,
  so two regions with the same output map are counted twice.
  """
  packed = activation_patterns(model, params, points)
  return int(np.unique(packed, axis=0).shape[0]) if packed.shape[1] else 1


def num_regions_2d(model: models.MLP, params, grid_x: ArrayLike, grid_y: ArrayLike) -> int:
  """`num_regions` of a 2-input net on the grid grid_x [Nx] × grid_y [Ny]."""
  gx, gy = np.meshgrid(np.asarray(grid_x, np.float64), np.asarray(grid_y, np.float64))
  return num_regions(model, params, np.stack([gx.ravel(), gy.ravel()], axis=1))


def seed_geometry(model: models.MLP, params, lo: float, hi: float) -> dict[str, np.ndarray]:
  """Exact 1-D geometry of every seed of stacked ``params`` (leading seed axis) on [lo, hi].

  Returns ``{"num_regions", "lipschitz", "lipschitz_bound"}``, each [S]: the shape
  `train.train_seeds` expects of a ``host_measure_fn`` (``lambda p, step:
  seed_geometry(model, p, lo, hi)``), so Exp 1 and A.5 follow the geometry over training
  at no cost inside the jitted step. A seed whose params are not all finite (it diverged)
  gets NaN for all three (the region counts are float64 for that reason).
  """
  num_seeds = int(np.shape(jax.tree_util.tree_leaves(params)[0])[0])
  out = {"num_regions": np.zeros(num_seeds), "lipschitz": np.zeros(num_seeds),
         "lipschitz_bound": np.zeros(num_seeds)}
  for s in range(num_seeds):
    p = jax.tree_util.tree_map(lambda a, s=s: np.asarray(a)[s], params)
    if not all(np.isfinite(x).all() for x in jax.tree_util.tree_leaves(p)):
      out["num_regions"][s] = out["lipschitz"][s] = out["lipschitz_bound"][s] = np.nan
      continue
    pwl = piecewise_linear(model, p, lo, hi)
    out["num_regions"][s] = num_linear_regions(pwl)
    out["lipschitz"][s] = lipschitz(pwl)
    out["lipschitz_bound"][s] = lipschitz_bound(model, p)
  return out

