"""Kernel-regime predictions shaped like ``neural_tangents.predict``, in float64 NumPy.

Three predictors, each built once from the training kernel(s) and returning a
``predict_fn``:

* `gradient_descent_mse` — the outputs of ONE net trained by GD (exact
  (1 − η s λ)^t per mode, any η s λ, also > 2) or gradient flow on a squared loss, in
  the kernel (linearised) regime, on the training and test points, from the net's own
  f₀: ``predict_fn(t, fx_train_0, fx_test_0=None, k_test_train=None)``.
* `gp_inference` — the posterior of the infinite-width GP: mean (and covariance) on
  test points under the NNGP (Bayesian posterior), the NTK (infinite ensemble trained
  to convergence) or the NTK-GP: ``predict_fn(get, k_test_train, k_test_test=None)``.
* `gradient_descent_mse_ensemble` — the mean (and covariance) over initialisations of
  an infinite ensemble of infinitely wide nets at any time t:
  ``predict_fn(t, k_test_train, k_test_test=None, get=None, compute_cov=False)``.

The linear model (Lee et al. 2019, "Wide Neural Networks of Any Depth Evolve as Linear
Models Under Gradient Descent", arXiv:1902.06720, eqs. 9-16). Train on a loss whose
function-space gradient is s·(f − y) (s = 2/n for the mean squared error, 1/n for
neural-tangents' ½·mean, 1 for ½‖·‖²; `losses.Loss.flow_scale`) with step η. With
Θ = V Λ Vᵀ the NTK on the training inputs, Θ_* = Θ(x_test, x_train) and per mode

    f_t = (1 − η s λ)^t            (GD, ``discrete=True``, t integer steps),
    f_t = exp(−η s λ t)            (gradient flow, ``discrete=False``, time η t),

a net's outputs are f_t(X) = y + V f_t Vᵀ (f₀(X) − y) and f_t(x_*) = f₀(x_*) −
Θ_* V ((1 − f_t)/λ) Vᵀ (f₀(X) − y). Over random initialisations of an infinitely wide
net f₀ ~ GP(0, K) (K the NNGP) and Θ is deterministic, so with B_t = Θ_* V ((1 −
f_t)/λ) Vᵀ the outputs are Gaussian with mean B_t y and covariance
K_** − B_t K_*ᵀ − K_* B_tᵀ + B_t K B_tᵀ (Lee et al. eq. 16); as t → ∞ the mean is
kernel regression Θ_* Θ⁻¹ y. ``get="nngp"`` uses K in place of Θ: the flow of the
Bayesian posterior, the exact NNGP posterior at t = ∞ (Lee et al. 2018,
arXiv:1711.00165). ``get="ntkgp"`` (`gp_inference` only) is the GP posterior with
prior covariance Θ (He, Lakshminarayanan, Teh 2020, "Bayesian Deep Ensembles via the
Neural Tangent Kernel", arXiv:2007.05864).

Correspondence with neural-tangents 0.6.5 (Novak et al. 2020, "Neural Tangents: Fast
and Easy Infinite Neural Networks in Python", arXiv:1912.02803), equal to ~1e-14 (rtol
1e-10 asserted) in tests/test_parity_nt.py:

* ``nt.predict.gradient_descent_mse(k, y, learning_rate=η, diag_reg=c)`` is
  ``gradient_descent_mse(k, y, η, scale=1/y.size, discrete=False, diag_reg=c)``
  (nt's loss is ½·mean over all y.size entries, and it is gradient flow only).
* ``nt.predict.gp_inference(k, y, diag_reg)`` is ``gp_inference(k, y, diag_reg)``.
* ``nt.predict.gradient_descent_mse_ensemble(kernel_fn, x_train, y, η, diag_reg)``
  is ``gradient_descent_mse_ensemble(kernel_fn(x_train, None), y, η, scale=1/y.size,
  discrete=False, diag_reg=...)``, called with ``k_test_train=kernel_fn(x_test,
  x_train)`` (and ``k_test_test=kernel_fn(x_test, None)``) instead of ``x_test``:
  ours takes precomputed kernels, not a ``kernel_fn`` (e.g. from
  `fourier_nn.kernels.mlp_kernels`, which gives nt's ``stax`` numbers).

Differences from neural-tangents, by design:

* A time axis is always there: ``t`` is a scalar or 1-D array of T times and outputs
  carry a length-T axis (a scalar t gives T = 1); nt drops it for a scalar t.
  ``t=None`` is t = ∞ (no time axis), as in nt.
* Targets are ``y_train [N]`` or ``[N, K]``; the kernel ``[N, N]`` acts on each of the
  K output columns (nt's ``trace_axes=(-1,)``; for ``[N]`` nt needs ``trace_axes=()``).
  Other ``trace_axes`` are not supported.
* Modes with |λ| ≤ 1e-14·max|λ| neither move nor move the test points (nt divides by
  them); negative eigenvalues are used as they are (nt clamps them to 0): a kernel that
  is indefinite beyond rounding is not an NTK.
* Kernels can be given as an array, a dict ``{"nngp": K, "ntk": Θ}``, an object with
  ``.nngp``/``.ntk`` attributes (nt's ``Kernel``) or the ``(nngp, ntk)`` tuple of
  `fourier_nn.kernels.mlp_kernels`.

``diag_reg`` adds c·I to the training kernel before it is diagonalised or factorised,
c = ``diag_reg`` (``diag_reg_absolute_scale=True``) or ``diag_reg``·trace(K)/N, as nt;
test-train and test-test kernels are used as given.

Everything is float64 NumPy; inputs may be jax arrays.
"""
from __future__ import annotations

import collections
import functools
from typing import Callable, NamedTuple, Sequence

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from fourier_nn.theory.flow import _check_steps, eigh, mode_factors, project

_TINY = 1e-14  # |λ| <= _TINY * max|λ|: a zero mode
_GETS = ("nngp", "ntk", "ntkgp")


class Gaussian(NamedTuple):
  """Mean and covariance of the predicted output distribution.

  Attributes:
    mean: ``[..., M]`` or ``[..., M, K]`` means.
    covariance: ``[..., M, M]``, shared by the K output columns.
  """
  mean: np.ndarray
  covariance: np.ndarray


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def _is_eig_pair(k) -> bool:
  return (isinstance(k, (tuple, list)) and len(k) == 2 and np.ndim(k[0]) == 1
          and np.ndim(k[1]) == 2)


def _reg_amount(trace: float, n: int, diag_reg: float, absolute: bool) -> float:
  diag_reg = float(diag_reg)
  if diag_reg == 0.0:
    return 0.0
  return diag_reg if absolute else diag_reg * trace / n


def _eig(k, diag_reg: float = 0.0, absolute: bool = False):
  """(λ [N] descending, V [N, N]) of k + c·I; k a matrix or an (eigvals, eigvecs) pair."""
  if _is_eig_pair(k):
    lam, V = (np.asarray(a, np.float64) for a in k)
    if V.shape != (lam.size, lam.size):
      raise ValueError(f"eigvecs must be [N, N] for N = {lam.size} eigvals, got {V.shape}")
    trace = float(np.sum(lam))
  else:
    K = np.asarray(k, np.float64)
    lam, V = eigh(K)
    trace = float(np.trace(K))
  return lam + _reg_amount(trace, lam.size, diag_reg, absolute), V


def _zero_modes(lam: np.ndarray) -> np.ndarray:
  """[N] bool: modes with |λ| <= 1e-14·max|λ| (they do not move, nor move test points)."""
  return np.abs(lam) <= _TINY * (float(np.max(np.abs(lam))) if lam.size else 0.0)


def _factors_minus_one(lam, lr: float, t: np.ndarray, scale: float, discrete: bool):
  """[T, N] f_t − 1 without cancellation: expm1, and log1p for 0 < 1 − η s λ."""
  rate = float(lr) * float(scale) * lam[None, :]
  t = t[:, None]
  with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
    if not discrete:
      return np.expm1(-rate * t)
    q = 1.0 - rate
    log_abs = np.where(q >= 0, np.log1p(-np.minimum(rate, 1.0)),
                       np.log(np.maximum(rate - 1.0, 0.0)))
    x = np.where(t == 0, 0.0, t * log_abs)
    negative = (q < 0) & (np.mod(t, 2.0) == 1.0)
    return np.where(negative, -np.exp(x) - 1.0, np.expm1(x))


def _factors(lam, lr: float, t, scale: float, discrete: bool):
  """(f [T, N], f − 1 [T, N]) at times t [T], or their t = ∞ limit [1, N] for t=None.

  The limit exists when every non-zero mode decays: 0 < η s λ < 2 (GD) or η s λ > 0
  (flow); zero modes keep f = 1.
  """
  zero = _zero_modes(lam)
  if t is None:
    rate = float(lr) * float(scale) * lam[~zero]
    bad = (rate <= 0) | ((rate >= 2) if discrete else False)
    if np.any(bad):
      kind = "GD" if discrete else "gradient flow"
      raise ValueError(
          f"t=None (t = infinity) needs every non-zero mode to converge, i.e. 0 < "
          f"learning_rate*scale*eigenvalue {'< 2 ' if discrete else ''}for {kind}; got "
          f"values in [{rate.min():.4g}, {rate.max():.4g}] (pass finite t to see the "
          f"divergence; a kernel rounded in float32 can have eigenvalues ~ -1e-7*max: "
          f"add diag_reg)")
    f = np.where(zero, 1.0, 0.0)[None, :]
    return f, f - 1.0
  ts = _check_steps(t, discrete)
  return (mode_factors(lam, lr, ts, scale=scale, discrete=discrete),
          _factors_minus_one(lam, lr, ts, scale, discrete))


def _over_lambda(a: np.ndarray, lam: np.ndarray) -> np.ndarray:
  """a / λ per mode (last axis), 0 on zero modes."""
  zero = _zero_modes(lam)
  with np.errstate(divide="ignore", invalid="ignore"):
    return np.where(zero, 0.0, a / np.where(zero, 1.0, lam))


def _check_y(y_train, n: int) -> np.ndarray:
  y = np.asarray(y_train, np.float64)
  if y.ndim not in (1, 2) or y.shape[0] != n:
    raise ValueError(f"y_train must be [N] or [N, K] with N = {n} (the kernel's size), "
                     f"got shape {y.shape}")
  return y


def _check_k_test_train(k, n: int, what: str = "k_test_train") -> np.ndarray:
  k = np.asarray(k, np.float64)
  if k.ndim != 2 or k.shape[1] != n:
    raise ValueError(f"{what} must be [M, N] with N = {n}, got shape {k.shape}")
  return k


class _Kernels:
  """NNGP / NTK matrices from an array, a dict, an nt ``Kernel`` or ``(nngp, ntk)``.

  A bare array stands for whichever kernel is asked for (as in neural-tangents).
  """

  def __init__(self, k, what: str):
    self.what = what
    self.single = False
    if isinstance(k, dict):
      unknown = set(k) - {"nngp", "ntk"}
      if unknown:
        raise ValueError(f"{what}: unknown kernel name(s) {sorted(unknown)}; use 'nngp', "
                         "'ntk'")
      items = {g: k.get(g) for g in ("nngp", "ntk")}
    elif hasattr(k, "nngp") or hasattr(k, "ntk"):
      items = {g: getattr(k, g, None) for g in ("nngp", "ntk")}
    elif (isinstance(k, tuple) and len(k) == 2 and np.ndim(k[0]) == 2
          and np.ndim(k[1]) == 2):
      items = {"nngp": k[0], "ntk": k[1]}
    else:
      self.single = True
      items = {"nngp": k, "ntk": k}
    self.items = {g: None if v is None else np.asarray(v, np.float64)
                  for g, v in items.items()}

  def has(self, g: str) -> bool:
    return self.items[g] is not None

  def both(self) -> bool:
    return not self.single and self.has("nngp") and self.has("ntk")

  def __getitem__(self, g: str) -> np.ndarray:
    v = self.items[g]
    if v is None:
      raise ValueError(f"{self.what} has no {g!r} kernel (give a dict {{'nngp': ..., "
                       f"'ntk': ...}} or the (nngp, ntk) tuple of kernels.mlp_kernels)")
    return v


def _canonical_get(get, allowed: Sequence[str]):
  """(single: bool, names: tuple) for get = None, a name or a sequence of names."""
  if get is None:
    return False, ("nngp", "ntk")
  single = isinstance(get, str)
  names = (get,) if single else tuple(get)
  names = tuple(str(g).lower() for g in names)
  if not names or len(set(names)) != len(names) or any(g not in allowed for g in names):
    raise ValueError(f"get={get!r} must be one of {allowed}, or a tuple of distinct ones")
  return single, names


@functools.lru_cache(maxsize=None)
def _gaussians_type(names: tuple):
  return collections.namedtuple("Gaussians", names)


def _pack(out: dict, single: bool, names: tuple):
  if single:
    return out[names[0]]
  return _gaussians_type(names)(*(out[g] for g in names))


# --------------------------------------------------------------------------------------
# One net in the kernel regime
# --------------------------------------------------------------------------------------


def gradient_descent_mse(k_train_train, y_train: ArrayLike, learning_rate: float, *,
                         scale: float = 1.0, discrete: bool = True, diag_reg: float = 0.0,
                         diag_reg_absolute_scale: bool = False) -> Callable:
  """Kernel-regime predictor of GD on a squared loss, shaped like neural-tangents'.

  With Θ = V Λ Vᵀ the kernel on the training inputs (plus ``diag_reg``, see the module
  docstring) and f_t = (1 − η s λ)^t per mode (GD, exact for any η s λ, also > 2) or
  exp(−η s λ t) (gradient flow), for each output column

    fx_train_t = y + V f_t Vᵀ (fx_train_0 − y),
    fx_test_t  = fx_test_0 + k_test_train V ((f_t − 1)/λ) Vᵀ (fx_train_0 − y)

  (Lee et al. 2019, arXiv:1902.06720, eqs. 10-11; modes with λ ≈ 0 neither move nor
  move the test points; (f_t − 1) is formed with expm1/log1p, so small t and small λ
  keep full relative precision). ``scale`` is the loss's function-space factor s
  (`losses.Loss.flow_scale`): 2/n for the mean squared error, 1/n for (1/2n) Σ, 1 for
  ½‖·‖². ``nt.predict.gradient_descent_mse(k, y, learning_rate=η, diag_reg=c)`` is
  ``gradient_descent_mse(k, y, η, scale=1/y.size, discrete=False, diag_reg=c)``.

  Args:
    k_train_train: [N, N] kernel on the training inputs, or (eigvals [N], eigvecs [N, N])
      from `eigh`.
    y_train: [N] targets, or [N, K] (the kernel acts on each of the K columns).
    learning_rate: η.
    scale: s above.
    discrete: GD (True; t in integer steps) or gradient flow in time η·t (False).
    diag_reg: c ≥ 0 added to the kernel's diagonal (relative to trace/N unless
      ``diag_reg_absolute_scale``), as nt.
    diag_reg_absolute_scale: ``diag_reg`` in absolute units.

  Returns:
    ``predict_fn(t, fx_train_0=0., fx_test_0=None, k_test_train=None)``: t a scalar or
    [T] steps, or None for t = ∞ (the converged limit; ValueError where GD or the flow
    does not converge). fx_train_0 [..., N] (or [..., N, K]; a scalar broadcasts) →
    fx_train_t [..., T, N] (or [..., T, N, K]; no T axis for t=None). With fx_test_0
    [..., M] (or [..., M, K]) and k_test_train [M, N] it returns (fx_train_t,
    fx_test_t [..., T, M]); with fx_train_0=None only fx_test_t (computed from
    fx_train_0 = 0, as nt).

  >>> predict = gradient_descent_mse(np.eye(2), np.zeros(2), 0.5)
  >>> predict([0, 1, 2], np.array([1.0, 2.0]))
  array([[1.  , 2.  ],
         [0.5 , 1.  ],
         [0.25, 0.5 ]])
  >>> predict = gradient_descent_mse(np.array([[2.0, 1.0], [1.0, 2.0]]), np.ones(2), 0.1)
  >>> train, test = predict(None, 0.0, 0.0, np.array([[1.0, 0.0]]))  # t = ∞
  >>> train, test.round(6)
  (array([1., 1.]), array([0.333333]))
  """
  lam, V = _eig(k_train_train, diag_reg, diag_reg_absolute_scale)
  n = lam.size
  y = _check_y(y_train, n)
  multi = y.ndim == 2
  # Internally the N axis is last: [..., K, N] for multi-output targets.
  y_cols = y.T if multi else y

  def to_cols(a, what, m):
    a = np.asarray(a, np.float64)
    shape = (m,) + y.shape[1:]
    if a.ndim == 0:
      a = np.broadcast_to(a, shape)
    if a.shape[a.ndim - y.ndim:] != shape:
      raise ValueError(f"{what} must end in shape {shape}, got {a.shape}")
    return np.moveaxis(a, -2, -1) if multi else a

  def from_cols(a, has_t):
    # a [..., (K,) T, M] -> [..., T, M, (K)]; t=None drops T.
    if has_t is False:
      a = a[..., 0, :]
      return np.moveaxis(a, -2, -1) if multi else a
    return np.moveaxis(a, -3, -1) if multi else a

  def predict_fn(t, fx_train_0=0.0, fx_test_0=None, k_test_train=None):
    if fx_train_0 is None and fx_test_0 is None:
      raise ValueError("fx_train_0 and fx_test_0 are both None: nothing to predict")
    if fx_test_0 is not None and k_test_train is None:
      raise ValueError("fx_test_0 needs k_test_train [M, N]")
    f, fm1 = _factors(lam, learning_rate, t, scale, discrete)  # [T, N]
    has_t = t is not None
    fx0 = to_cols(0.0 if fx_train_0 is None else fx_train_0, "fx_train_0", n)
    c0 = project(fx0 - y_cols, V)  # [..., (K,) N]
    out = []
    if fx_train_0 is not None:
      out.append(from_cols(y_cols[..., None, :] + (c0[..., None, :] * f) @ V.T, has_t))
    if fx_test_0 is not None:
      kt = _check_k_test_train(k_test_train, n)
      h0 = to_cols(fx_test_0, "fx_test_0", kt.shape[0])
      g = _over_lambda(fm1, lam)  # [T, N]
      test = h0[..., None, :] + (c0[..., None, :] * g) @ (kt @ V).T
      out.append(from_cols(test, has_t))
    return out[0] if len(out) == 1 else tuple(out)

  return predict_fn


# --------------------------------------------------------------------------------------
# Infinite width: GP posterior and the infinite ensemble
# --------------------------------------------------------------------------------------


def gp_inference(k_train_train, y_train: ArrayLike, diag_reg: float = 0.0,
                 diag_reg_absolute_scale: bool = False) -> Callable:
  """Posterior of the infinite-width GP (NNGP), of the converged NTK ensemble, or NTK-GP.

  With K the NNGP and Θ the NTK on the training inputs (each plus its own ``diag_reg``
  in the solves), K_*, Θ_* test-train and K_** test-test, as nt's ``gp_inference``:

    "nngp":  mean K_* K⁻¹ y,   cov K_** − K_* K⁻¹ K_*ᵀ   (the Bayesian posterior;
             Lee et al. 2018, arXiv:1711.00165);
    "ntk":   mean Θ_* Θ⁻¹ y,   cov K_** + Θ_* Θ⁻¹ K Θ⁻¹ Θ_*ᵀ − (Θ_* Θ⁻¹ K_*ᵀ + h.c.)
             (an infinite ensemble of infinitely wide nets trained to convergence by
             gradient flow; Lee et al. 2019, arXiv:1902.06720, eq. 16 at t = ∞; K
             unregularised here, as nt);
    "ntkgp": mean Θ_* Θ⁻¹ y,   cov Θ_** − Θ_* Θ⁻¹ Θ_*ᵀ   (He et al. 2020,
             arXiv:2007.05864).

  Solves use a Cholesky factorisation of the regularised training kernel (float64;
  ValueError if it is not positive definite: add ``diag_reg``), done once per kernel.

  Args:
    k_train_train: [N, N] array (used for every ``get``), a dict ``{"nngp", "ntk"}``,
      an object with ``.nngp``/``.ntk`` (nt's ``Kernel``) or the ``(nngp, ntk)`` tuple
      of `fourier_nn.kernels.mlp_kernels`. The "ntk" covariance needs both.
    y_train: [N] or [N, K] targets.
    diag_reg: c ≥ 0 added to the diagonal (times trace/N unless absolute).
    diag_reg_absolute_scale: ``diag_reg`` in absolute units.

  Returns:
    ``predict_fn(get=None, k_test_train=None, k_test_test=None)``: ``get`` is "nngp",
    "ntk", "ntkgp" or a tuple of them (None: ("nngp", "ntk")); ``k_test_train``
    [M, N] (same forms as k_train_train; None: the training points, N(y, 0)),
    ``k_test_test`` [M, M] (its NNGP; the "ntkgp" covariance uses its NTK) or None for
    means only. Returns, per name, the mean [M] (or [M, K]) or, with k_test_test, a
    `Gaussian` (mean, covariance [M, M]); one value for a string ``get``, else a
    namedtuple ``Gaussians`` with one field per name.

  >>> K = np.array([[2.0, 1.0], [1.0, 2.0]])
  >>> predict = gp_inference(K, np.array([1.0, -1.0]))
  >>> predict("nngp", np.array([[1.0, 0.0]]), np.array([[1.0]]))
  Gaussian(mean=array([1.]), covariance=array([[0.33333333]]))
  """
  k_dd = _Kernels(k_train_train, "k_train_train")
  n = next(v.shape[0] for v in k_dd.items.values() if v is not None)
  y = _check_y(y_train, n)
  factors = {}

  def solve(g: str, b: np.ndarray) -> np.ndarray:
    """(k_dd[g] + c·I)⁻¹ b."""
    if g not in factors:
      A = k_dd[g]
      if A.shape != (n, n):
        raise ValueError(f"k_train_train[{g!r}] must be [{n}, {n}], got {A.shape}")
      c = _reg_amount(float(np.trace(A)), n, diag_reg, diag_reg_absolute_scale)
      try:
        factors[g] = scipy.linalg.cho_factor(A + c * np.eye(n), lower=False)
      except np.linalg.LinAlgError:
        raise ValueError(f"the {g!r} training kernel (+ diag_reg) is not positive "
                         "definite; pass diag_reg > 0") from None
    return scipy.linalg.cho_solve(factors[g], b)

  def predict_fn(get=None, k_test_train=None, k_test_test=None):
    single, names = _canonical_get(get, _GETS)
    k_td = None if k_test_train is None else _Kernels(k_test_train, "k_test_train")
    k_tt = None if k_test_test is None else (
        None if k_td is None else _Kernels(k_test_test, "k_test_test"))
    out = {}
    for g in names:
      k = "ntk" if g == "ntkgp" else g
      if k_td is None:  # the training points: N(y, 0)
        mean = y.copy()
        out[g] = mean if k_test_test is None else Gaussian(mean, np.zeros((n, n)))
        continue
      ktd = _check_k_test_train(k_td[k], n)
      mean = ktd @ solve(k, y)
      if k_tt is None:
        out[g] = mean
        continue
      if g == "nngp":
        cov = k_tt["nngp"] - ktd @ solve("nngp", ktd.T)
      elif g == "ntkgp":
        cov = k_tt["ntk"] - ktd @ solve("ntk", ktd.T)
      else:
        if not (k_dd.both() and k_td.both()):
          raise ValueError("the 'ntk' covariance needs both the NNGP and the NTK in "
                           "k_train_train and k_test_train (a dict or (nngp, ntk))")
        a = solve("ntk", ktd.T)  # Θ⁻¹ Θ_*ᵀ [N, M]
        cross = ktd @ solve("ntk", k_td["nngp"].T)  # Θ_* Θ⁻¹ K_*ᵀ [M, M]
        cov = k_tt["nngp"] + a.T @ k_dd["nngp"] @ a - cross - cross.T
      out[g] = Gaussian(mean, cov)
    return _pack(out, single, names)

  return predict_fn


def gradient_descent_mse_ensemble(k_train_train, y_train: ArrayLike, learning_rate: float,
                                  *, scale: float = 1.0, discrete: bool = True,
                                  diag_reg: float = 0.0,
                                  diag_reg_absolute_scale: bool = False) -> Callable:
  """Mean and covariance of an infinite ensemble of infinitely wide nets at time t.

  Over initialisations f₀ ~ GP(0, K) (K the NNGP) with a deterministic NTK Θ, GD or
  gradient flow on a squared loss gives Gaussian outputs (Lee et al. 2019,
  arXiv:1902.06720, eqs. 15-16): with Θ = V Λ Vᵀ (plus ``diag_reg``), f_t per mode as
  in `gradient_descent_mse` and B_t = Θ_* V ((1 − f_t)/λ) Vᵀ,

    "ntk"   mean B_t y,   cov K_** − B_t K_*ᵀ − K_* B_tᵀ + B_t K B_tᵀ,
            on the training points mean V (1 − f_t) Vᵀ y, cov (V f_t Vᵀ) K (V f_t Vᵀ);
    "nngp"  the same with K for Θ, which simplifies to cov K_** − K_* V ((1 − f_t²)/λ)
            Vᵀ K_*ᵀ (training points: V λ f_t² Vᵀ), λ the eigenvalues of the
            regularised K: the flow of the Bayesian posterior, the NNGP posterior with
            noise c at t = ∞ (as nt).

  At t = ∞ (``t=None``) these are `gp_inference`'s (kernel regression Θ_* Θ⁻¹ y for
  the "ntk" mean), computed in the eigenbasis. nt's
  ``gradient_descent_mse_ensemble(kernel_fn, x_train, y, η, diag_reg)`` takes a
  ``kernel_fn`` and ``x_test``; this one takes the precomputed kernels (e.g. from
  `fourier_nn.kernels.mlp_kernels`); with ``scale=1/y.size, discrete=False`` the
  numbers are nt's.

  Args:
    k_train_train: the training kernels: a dict ``{"nngp": K, "ntk": Θ}``, an object
      with ``.nngp``/``.ntk``, the ``(nngp, ntk)`` tuple of `kernels.mlp_kernels`, or
      one [N, N] array (used for every ``get``; no "ntk" covariance then).
    y_train: [N] or [N, K] targets.
    learning_rate: η.
    scale: s, the loss's function-space factor (1/y.size for nt's ½·mean).
    discrete: GD (True; t in integer steps) or gradient flow in time η t (False).
    diag_reg, diag_reg_absolute_scale: as `gradient_descent_mse`.

  Returns:
    ``predict_fn(t=None, k_test_train=None, k_test_test=None, get=None,
    compute_cov=False)``: t a scalar or [T] (None: t = ∞), ``k_test_train`` [M, N]
    (same forms as k_train_train; None: the training points), ``k_test_test`` [M, M]
    (its NNGP is used; needed for ``compute_cov`` on test points). Per name in ``get``
    ("nngp", "ntk" or both; None: both) the mean [T, M] (or [T, M, K]; no T axis for
    t=None) or, with compute_cov, a `Gaussian` (mean, covariance [T, M, M]); one value
    for a string ``get``, else a namedtuple ``Gaussians``.

  >>> K = {"nngp": np.array([[1.0, 0.5], [0.5, 1.0]]), "ntk": np.array([[2.0, 1.0], [1.0, 2.0]])}
  >>> predict = gradient_descent_mse_ensemble(K, np.array([1.0, 1.0]), 0.1)
  >>> predict([0, 1, 100], get="ntk")  # training points: V (1 − (1 − 0.3)^t) Vᵀ y
  array([[0. , 0. ],
         [0.3, 0.3],
         [1. , 1. ]])
  """
  k_dd = _Kernels(k_train_train, "k_train_train")
  n = next(v.shape[0] for v in k_dd.items.values() if v is not None)
  y = _check_y(y_train, n)

  @functools.lru_cache(maxsize=2)
  def eigenspace(g: str):
    A = k_dd[g]
    if A.shape != (n, n):
      raise ValueError(f"k_train_train[{g!r}] must be [{n}, {n}], got {A.shape}")
    lam, V = _eig(A, diag_reg, diag_reg_absolute_scale)
    return lam, V, V.T @ y  # Vᵀy [N] or [N, K]

  def predict_fn(t=None, k_test_train=None, k_test_test=None, get=None,
                 compute_cov=False):
    single, names = _canonical_get(get, ("nngp", "ntk"))
    k_td = None if k_test_train is None else _Kernels(k_test_train, "k_test_train")
    if compute_cov and k_td is not None and k_test_test is None:
      raise ValueError("compute_cov on test points needs k_test_test (its NNGP) [M, M]")
    k_tt = (_Kernels(k_test_test, "k_test_test") if compute_cov and k_td is not None
            else None)
    out = {}
    for g in names:
      lam, V, vty = eigenspace(g)
      f, fm1 = _factors(lam, learning_rate, t, scale, discrete)  # [T, N]
      h = _over_lambda(-fm1, lam)  # (1 − f)/λ
      if k_td is None:
        mean = np.einsum("ji,ti,i...->tj...", V, -fm1, vty)
      else:
        P = _check_k_test_train(k_td[g], n) @ V  # Θ_* V [M, N]
        mean = np.einsum("mi,ti,i...->tm...", P, h, vty)
      if not compute_cov:
        out[g] = mean if t is not None else mean[0]
        continue
      if g == "nngp":
        if k_td is None:
          cov = np.einsum("ji,ti,ki->tjk", V, lam * f ** 2, V)
        else:
          w = _over_lambda(-fm1 * (f + 1.0), lam)  # (1 − f²)/λ
          cov = k_tt["nngp"][None] - np.einsum("mi,ti,li->tml", P, w, P)
      else:
        if not (k_dd.both() and (k_td is None or k_td.both())):
          raise ValueError("the 'ntk' covariance needs both the NNGP and the NTK in "
                           "k_train_train and k_test_train (a dict or (nngp, ntk))")
        K = k_dd["nngp"]
        if k_td is None:
          E = np.einsum("ji,ti,ki->tjk", V, f, V)  # V f Vᵀ
          cov = E @ K @ E
        else:
          Q = _check_k_test_train(k_td["nngp"], n) @ V  # K_* V
          a = np.einsum("ji,ti,mi->tjm", V, h, P)  # V h Vᵀ Θ_*ᵀ  [T, N, M]
          cross = np.einsum("mi,ti,li->tml", P, h, Q)  # B_t K_*ᵀ
          cov = (k_tt["nngp"][None] + np.swapaxes(a, 1, 2) @ K @ a - cross
                 - np.swapaxes(cross, 1, 2))
      out[g] = Gaussian(mean, cov) if t is not None else Gaussian(mean[0], cov[0])
    return _pack(out, single, names)

  return predict_fn
