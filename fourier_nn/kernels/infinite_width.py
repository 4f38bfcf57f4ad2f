"""Infinite-width NNGP and NTK of fully-connected nets, in closed form or by quadrature.

* :func:`mlp_kernels` — ``(nngp, ntk)`` ``[N1, N2]`` of an MLP with a scalar readout,
  the numbers ``neural_tangents.stax`` gives for the same architecture (Lee et al. 2018,
  "Deep Neural Networks as Gaussian Processes", arXiv:1711.00165; Arora et al. 2019,
  "On Exact Computation with an Infinitely Wide Neural Net", arXiv:1904.11955), in
  "ntk" or "standard" parameterisation. ReLU, erf, sin, cos and identity in closed
  form; tanh, GELU and any elementwise callable by polar Gauss–Legendre quadrature.
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Optional, Tuple, Union

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from fourier_nn.kernels._common import HIGHEST, check_matrix_pair, float_dtype, to_chunks

_CLOSED_FORM = ("relu", "erf", "sin", "cos", "identity")
_QUADRATURE = {
    "tanh": jnp.tanh,
    # The exact (erf) GELU, as neural-tangents' stax.Gelu; jax.nn.gelu defaults to the
    # tanh approximation — pass that as a callable if it is what the model uses.
    "gelu": lambda z: jax.nn.gelu(z, approximate=False),
}
_ACTIVATIONS = _CLOSED_FORM + tuple(_QUADRATURE)

# Radial cut-off of the polar quadrature: the weight r·exp(-r²/2) is < 2e-20 beyond it.
_R_MAX = 10.0
# Entries per quadrature block; each block holds ~4 arrays of BLOCK·4·m·n floats.
_QUAD_ELEMENTS_PER_BLOCK = 2 ** 21


def mlp_kernels(
    x1: ArrayLike,
    x2: Optional[ArrayLike] = None,
    depth: int = 1,
    activation: Union[str, Callable[[jax.Array], jax.Array]] = "relu",
    w_std: float = 1.0,
    b_std: Optional[float] = 0.0,
    parameterization: str = "ntk",
    *,
    width: Optional[int] = None,
    quad_points: int = 48,
) -> Tuple[jax.Array, jax.Array]:
  r"""Infinite-width NNGP and NTK of a fully-connected net with a scalar readout.

  The net is exactly the one neural-tangents builds with ::

      stax.serial(*[stax.Dense(width, W_std=w_std, b_std=b_std, parameterization=p),
                    act()] * depth,
                  stax.Dense(1, W_std=w_std, b_std=b_std, parameterization=p))

  and the kernels are those of its output (Lee et al. 2018, arXiv:1711.00165; Jacot
  et al. 2018, arXiv:1806.07572). With inputs of dimension d and per-input variances
  ``q``, starting from K₀ = x1·x2ᵀ/d, Θ₀ = 0, every Dense layer maps

  * ``"ntk"`` parameterisation, z = w_std/√fan_in · W h + b_std · b:
    K ← w_std²·K + b_std², Θ ← K + w_std²·Θ (K already updated);
  * ``"standard"`` parameterisation (Sohl-Dickstein et al. 2020, arXiv:2001.07301),
    z = W h + b with W ~ N(0, w_std²/fan_in), b ~ N(0, b_std²):
    Θ ← fan_in·K + w_std²·Θ + [bias present], then K ← w_std²·K + b_std²,

  and every activation maps K ← E[φ(u)φ(v)], Θ ← Θ·E[φ'(u)φ'(v)] for
  (u, v) ~ N(0, [[q₁, K], [K, q₂]]). In standard parameterisation the NTK grows with
  the layer widths (fan_in = d for the first layer, ``width`` after), exactly as in
  ``nt.stax.Dense`` (``ntk = input_width * nngp + W_std**2 * ntk + 1``); that is why
  it needs ``width``. The NNGP does not depend on the parameterisation.

  Closed forms: ReLU by the arc-cosine kernel (Cho & Saul 2009, "Kernel Methods for
  Deep Learning"), erf by Williams' arcsin formula (Williams 1997, "Computing with
  Infinite Networks"; nt's ``stax.Erf()`` = erf(x)), sin and cos by Gaussian
  characteristic functions, identity trivially. Everything else — ``"tanh"``,
  ``"gelu"`` (exact erf form) and any callable — by quadrature over the bivariate
  Gaussian in polar coordinates: (u, v) = r(√q₁ cos α, √q₂ cos(α − θ)) with
  cos θ = K/√(q₁q₂); the circle is cut at the four angles where u or v is zero, so an
  activation whose only kink is at 0 (ReLU, leaky ReLU, its step derivative) is
  integrated to machine precision, and a smooth one spectrally (Gauss–Legendre,
  ``quad_points // 2`` angles per arc, ``quad_points`` radii on [0, 10]). The
  derivative kernel uses φ' from ``jax.jvp`` of the activation.

  Cosines are clipped to [-1, 1]; an input of zero norm gets cos θ = 0 (as nt); a
  point paired with itself (the diagonal when ``x2=None``) gets θ = 0 exactly.

  Args:
    x1: inputs ``[N1, d]``.
    x2: inputs ``[N2, d]``; ``None`` means ``x2 = x1`` (variances are then read off the
      diagonal, so the result is symmetric).
    depth: number of hidden layers (0 = a linear readout of the inputs).
    activation: ``"relu"``, ``"erf"``, ``"sin"``, ``"cos"``, ``"identity"``,
      ``"tanh"``, ``"gelu"``, or an elementwise callable ``φ(z)`` (quadrature).
    w_std: weight standard deviation σ_w of every layer, readout included.
    b_std: bias standard deviation σ_b of every layer; ``None`` means no biases
      (differs from 0.0 only in standard parameterisation, where a zero-initialised
      bias still adds 1 per layer to the NTK).
    parameterization: ``"ntk"`` or ``"standard"``.
    width: hidden-layer width n; required for ``"standard"`` with ``depth >= 1``,
      ignored for ``"ntk"``.
    quad_points: radial quadrature nodes (angular: half as many per arc); cost per
      kernel entry per layer ≈ 2·quad_points² activation evaluations.

  Returns:
    ``(nngp, ntk)``, each ``[N1, N2]`` in the floating dtype of the inputs.

  Raises:
    ValueError: inputs that are not 2-D or whose dimensions differ, or an unknown or
      out-of-range ``depth``, ``activation``, ``w_std``, ``b_std``,
      ``parameterization``, ``width`` or ``quad_points``.

  Example:
    >>> x = jnp.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    >>> nngp, ntk = mlp_kernels(x, depth=2, activation="relu", w_std=1.4, b_std=0.1)
    >>> nngp.shape, ntk.shape
    ((3, 3), (3, 3))
  """
  if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
    raise ValueError(f"depth={depth!r} must be an int >= 0 (number of hidden layers).")
  if isinstance(activation, str):
    if activation not in _ACTIVATIONS:
      raise ValueError(f"activation={activation!r} is not supported; use one of "
                       f"{_ACTIVATIONS} or an elementwise callable.")
  elif not callable(activation):
    raise ValueError(f"activation={activation!r} must be a name or a callable.")
  if not w_std >= 0:
    raise ValueError(f"w_std={w_std!r} must be >= 0.")
  if b_std is not None and not b_std >= 0:
    raise ValueError(f"b_std={b_std!r} must be >= 0 or None (no bias).")
  if parameterization not in ("ntk", "standard"):
    raise ValueError(f"parameterization={parameterization!r} is not supported; use "
                     "'ntk' or 'standard'.")
  if parameterization == "standard" and depth >= 1:
    if (width is None or isinstance(width, bool)
            or not isinstance(width, (int, np.integer)) or width < 1):
      raise ValueError(
          f"width={width!r}: parameterization='standard' needs the hidden-layer "
          "width (a positive int), because its NTK scales with the fan-in.")
  if isinstance(quad_points, bool) or not isinstance(quad_points, (int, np.integer)) \
          or quad_points < 4:
    raise ValueError(f"quad_points={quad_points!r} must be an int >= 4.")

  symmetric = x2 is None
  x1, x2 = check_matrix_pair(x1, x2)
  if x1.shape[1] == 0:
    raise ValueError("inputs of dimension d=0 have no kernel (K0 = x1·x2ᵀ/d).")
  dtype = float_dtype(x1, x2)

  return _mlp_kernels_impl(
      x1.astype(dtype), x2.astype(dtype), depth=int(depth), activation=activation,
      w_std=float(w_std), b_std=None if b_std is None else float(b_std),
      parameterization=parameterization,
      width=None if width is None else int(width), quad_points=int(quad_points),
      symmetric=symmetric)


@functools.partial(jax.jit, static_argnames=(
    "depth", "activation", "w_std", "b_std", "parameterization", "width",
    "quad_points", "symmetric"))
def _mlp_kernels_impl(x1, x2, *, depth, activation, w_std, b_std, parameterization,
                      width, quad_points, symmetric):
  d = x1.shape[1]
  w2 = w_std ** 2
  b2 = 0.0 if b_std is None else b_std ** 2
  bias_ntk = 0.0 if b_std is None else 1.0

  nngp = jnp.dot(x1, x2.T, precision=HIGHEST) / d
  if symmetric:
    q1 = q2 = jnp.diagonal(nngp)
  else:
    q1 = jnp.sum(x1 * x1, axis=1) / d
    q2 = jnp.sum(x2 * x2, axis=1) / d
  ntk = jnp.zeros_like(nngp)

  fan_in = d
  for layer in range(depth + 1):
    if parameterization == "ntk":
      nngp, q1, q2 = w2 * nngp + b2, w2 * q1 + b2, w2 * q2 + b2
      ntk = nngp + w2 * ntk
    else:
      ntk = fan_in * nngp + w2 * ntk + bias_ntk
      nngp, q1, q2 = w2 * nngp + b2, w2 * q1 + b2, w2 * q2 + b2
    if layer == depth:
      break
    nngp, kdot, q1, q2 = _activation_kernels(activation, nngp, q1, q2, symmetric,
                                             quad_points)
    ntk = ntk * kdot
    fan_in = width
  return nngp, ntk


def _activation_kernels(activation, k, q1, q2, symmetric, quad_points):
  """(K [N1,N2], q1 [N1], q2 [N2]) → (E[φφ], E[φ'φ'], E[φ(u)²] [N1], [N2])."""
  qa = jnp.broadcast_to(q1[:, None], k.shape)
  qb = jnp.broadcast_to(q2[None, :], k.shape)
  # Entries that pair a point with itself: their angle is exactly 0.
  same = jnp.eye(k.shape[0], dtype=bool) if symmetric else jnp.zeros(k.shape, bool)
  if isinstance(activation, str) and activation in _CLOSED_FORM:
    fn = functools.partial(_closed_form, activation)
    k_new, kdot = fn(k, qa, qb, same)
    if symmetric:
      q1_new = q2_new = jnp.diagonal(k_new)
    else:
      q1_new, _ = fn(q1, q1, q1, jnp.ones(q1.shape, bool))
      q2_new, _ = fn(q2, q2, q2, jnp.ones(q2.shape, bool))
    return k_new, kdot, q1_new, q2_new

  phi = _QUADRATURE[activation] if isinstance(activation, str) else activation
  # One quadrature pass over the cross entries and, if needed, both diagonals.
  parts = [(k.reshape(-1), qa.reshape(-1), qb.reshape(-1), same.reshape(-1))]
  if not symmetric:
    parts += [(q1, q1, q1, jnp.ones(q1.shape, bool)),
              (q2, q2, q2, jnp.ones(q2.shape, bool))]
  kk, aa, bb, ss = (jnp.concatenate(p) for p in zip(*parts))
  e_phi, e_dphi = _gaussian_expectations(phi, kk, aa, bb, ss, quad_points)
  m = k.size
  k_new = e_phi[:m].reshape(k.shape)
  kdot = e_dphi[:m].reshape(k.shape)
  if symmetric:
    q1_new = q2_new = jnp.diagonal(k_new)
  else:
    n1 = q1.shape[0]
    q1_new, q2_new = e_phi[m:m + n1], e_phi[m + n1:]
  return k_new, kdot, q1_new, q2_new


def _angle(k, qa, qb, same):
  """θ = arccos(K/√(qa·qb)) ∈ [0, π] and √(qa·qb − K²) = √(qa·qb)·sin θ.

  Formed as arctan2(√(qa·qb − K²), K), as neural-tangents does; |K| > √(qa·qb) from
  rounding is clipped (cos θ to ±1), and a zero variance gets θ = π/2 (as nt).
  Where ``same`` (a point paired with itself) θ is set to 0: computed, qa·qb − K²
  is rounding noise (XLA fuses it into an FMA) and its square root makes θ ~ √eps,
  a 1e-4 relative error in a float32 ReLU NTK.
  """
  root = jnp.sqrt(jnp.maximum(qa * qb - k * k, 0.0))
  root = jnp.where(same, 0.0, root)
  theta = jnp.where((root == 0) & (k == 0), math.pi / 2, jnp.arctan2(root, k))
  return theta, root


def _closed_form(name, k, qa, qb, same):
  """(E[φ(u)φ(v)], E[φ'(u)φ'(v)]) for (u, v) ~ N(0, [[qa, k], [k, qb]]), elementwise."""
  if name == "relu":
    # Arc-cosine kernel of degree 1 (NNGP) and 0 (derivative), Cho & Saul 2009.
    # √(qa·qb)·(sin θ + (π − θ) cos θ)/(2π), written without dividing by √(qa·qb).
    theta, root = _angle(k, qa, qb, same)
    k_new = (root + (math.pi - theta) * k) / (2 * math.pi)
    kdot = (math.pi - theta) / (2 * math.pi)
    return k_new, kdot
  if name == "erf":
    # Williams 1997: E[erf(u) erf(v)] = 2/π · arcsin(2K / √((1+2qa)(1+2qb))).
    # prod − 4K² >= 1 + 2qa + 2qb > 0 by Cauchy–Schwarz (the floor only absorbs
    # rounding), so the arcsin argument stays inside (−1, 1).
    prod = (1 + 2 * qa) * (1 + 2 * qb)
    root = jnp.sqrt(jnp.maximum(prod - 4 * k * k, 1 + 2 * qa + 2 * qb))
    k_new = 2 / math.pi * jnp.arctan2(2 * k, root)
    kdot = 4 / math.pi / root
    return k_new, kdot
  if name in ("sin", "cos"):
    # E[e^{i(u ± v)}] = exp(-(qa + qb)/2 ∓ K); exponents kept <= 0 against overflow.
    half = (qa + qb) / 2
    plus, minus = jnp.exp(k - half), jnp.exp(-k - half)
    sinh, cosh = (plus - minus) / 2, (plus + minus) / 2
    return (sinh, cosh) if name == "sin" else (cosh, sinh)
  if name == "identity":
    return k, jnp.ones_like(k)
  raise AssertionError(name)


def _gaussian_expectations(phi, k, qa, qb, same, quad_points):
  """E[φ(u)φ(v)] and E[φ'(u)φ'(v)], (u, v) ~ N(0, [[qa, k], [k, qb]]); all ``[M]``.

  Polar coordinates of the standard bivariate normal (z1, z2) = r(cos α, sin α) give
  u = √qa·r·cos α, v = √qb·r·cos(α − θ) with density r·e^{-r²/2}/(2π). u and v change
  sign only on the rays α ∈ {π/2, 3π/2, θ+π/2, θ+3π/2}, so on each of the four arcs
  between them an activation with its only kink at 0 is smooth in (α, r), and
  tensor Gauss–Legendre converges spectrally there (plain Gauss–Hermite on a ReLU
  stalls at ~1e-2).
  """
  dtype = k.dtype
  n_r, n_a = quad_points, max(quad_points // 2, 2)
  xr, wr = np.polynomial.legendre.leggauss(n_r)
  r = (xr + 1) * (_R_MAX / 2)
  wr = wr * (_R_MAX / 2) * r * np.exp(-r * r / 2) / (2 * np.pi)
  xa, wa = np.polynomial.legendre.leggauss(n_a)
  r, wr, xa, wa = (jnp.asarray(a, dtype) for a in (r, wr, xa, wa))

  def dphi(z):
    return jax.jvp(phi, (z,), (jnp.ones_like(z),))[1]

  def block(args):
    kb, ab, bb, sb = args  # [B]
    theta, _ = _angle(kb, ab, bb, sb)
    cuts = jnp.stack([jnp.full_like(theta, math.pi / 2),
                      jnp.full_like(theta, 3 * math.pi / 2),
                      theta + math.pi / 2, theta + 3 * math.pi / 2], axis=1)
    lo = jnp.sort(jnp.mod(cuts, 2 * math.pi), axis=1)  # [B, 4]
    hi = jnp.concatenate([lo[:, 1:], lo[:, :1] + 2 * math.pi], axis=1)
    half, mid = (hi - lo) / 2, (hi + lo) / 2
    alpha = (mid[:, :, None] + half[:, :, None] * xa[None, None, :]).reshape(
        kb.shape[0], -1)  # [B, 4·n_a]
    w_alpha = (half[:, :, None] * wa[None, None, :]).reshape(kb.shape[0], -1)
    rad = r[None, None, :]
    u = (jnp.sqrt(jnp.maximum(ab, 0.0))[:, None] * jnp.cos(alpha))[:, :, None] * rad
    v = (jnp.sqrt(jnp.maximum(bb, 0.0))[:, None]
         * jnp.cos(alpha - theta[:, None]))[:, :, None] * rad
    w = w_alpha[:, :, None] * wr[None, None, :]  # [B, 4·n_a, n_r]
    e_phi = jnp.sum(w * phi(u) * phi(v), axis=(1, 2))
    e_dphi = jnp.sum(w * dphi(u) * dphi(v), axis=(1, 2))
    return e_phi, e_dphi

  m = k.shape[0]
  b = max(1, min(m, _QUAD_ELEMENTS_PER_BLOCK // (4 * n_a * n_r)))
  blocks = [to_chunks(a, b) for a in (k, qa, qb, same)]
  e_phi, e_dphi = lax.map(block, tuple(blocks))
  return e_phi.reshape(-1)[:m], e_dphi.reshape(-1)[:m]
