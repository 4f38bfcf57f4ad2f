"""Cao et al. 2019 — residual projections on spherical harmonics of degree 1, 2, 4.

``run(config, workdir)`` trains ``config.num_seeds`` two-layer ReLU nets at once (each seed
has its own inputs, directions ζ_k and initialisation, carried in the batch with
``batch_axes`` 0), measures in-graph after every ``log_every`` GD steps the projections
v_kᵀ(y − ŷ) of the training residual on the unit vectors

  v_k = (P_k(⟨ζ_k, x_i⟩))_i / ‖(P_k(⟨ζ_k, x_i⟩))_i‖,

and holds them against two kernel-regime predictions:

  (a) closed form: v_kᵀr_t = (1 − η c μ_k)^t v_kᵀr_0, with μ_k the eigenvalue of degree k of
      the net's infinite-width NTK w.r.t. the uniform probability measure on S^{d−1}
      (`theory.sphere_eigenvalues` of `ntk_kernel`) and c = s·n (s from the loss: the
      Gram matrix Θ on n uniform points has Θ v_k ≈ n μ_k v_k);
  (b) empirical NTK: Θ of each seed's net at initialisation (`kernels.empirical_ntk`),
      r_t = (I − η s Θ)^t r_0 (`theory.kernel_flow`), projected on v_k.

Model (Cao et al.'s two-layer net in the NTK parameterisation):
  f(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx),  w_r ~ N(0, w_std² I_d),  a_r ~ N(0, a_std²),
both layers trained (``model.train_outer``; False freezes a). For ‖x‖ = ‖x′‖ = 1 and
u = xᵀx′ its NTK at infinite width is

  κ(u) = a_std² · u κ₀(u)/2 + [train_outer] · w_std² · κ₁(u)/2,

κ₀, κ₁ the Cho–Saul arc-cosine kernels with κ_n(1) = 1 (`theory.arccos_kernel`): the
a-gradients give (1/m) Σ σ(w_rᵀx) σ(w_rᵀx′) → w_std² κ₁/2, the w-gradients
(1/m) Σ a_r² σ′σ′ xᵀx′ → a_std² u κ₀/2. At w_std = a_std = 1 this is exactly
``theory.two_layer_relu_ntk(u, train_outer=True)`` = (u κ₀ + κ₁)/2. The record checks it
against the empirical NTK at init elementwise, and lists v_kᵀΘv_k/n next to μ_k (at
n = 1 000, d = 10 they agree for k = 1, 2, but v_4 leaks onto the large low-degree
eigenvectors of Θ — N(10, 4) = 660 is not ≪ n — and v_4ᵀΘv_4/n ≈ 20 μ_4).

Loss and the factor c: ``mse`` = (1/n) Σ (f(x_i) − y_i)² gives r ← (I − η (2/n) Θ) r, so
s = 2/n and c = 2; ``half_mse`` = (1/2n) Σ (…)² gives s = 1/n, c = 1.

Gegenbauer normalisation (``gegenbauer_norm``), with λ = (d − 2)/2 and C_k^λ as in
`scipy.special.eval_gegenbauer`:
  * ``unit_at_one`` (default): P_k = C_k^λ(t)/C_k^λ(1), the Legendre polynomial of
    dimension d (P_k(1) = 1, as in the Funk–Hecke formula); E_{x~unif}[P_k(⟨ζ,x⟩)²] = 1/N(d,k);
  * ``unit_l2``: P_k = √N(d,k) · C_k^λ(t)/C_k^λ(1), so E_{x~unif}[P_k(⟨ζ,x⟩)²] = 1
    (addition theorem) and a_k is the L² size of component k;
  * ``standard``: P_k = C_k^λ(t).
v_k is unit-normalised, so the choice changes only the target's relative amplitudes (and
its size against the initial output f₀, whose rms is a_std·w_std/√2).

Inputs (``inputs``):
  * ``uniform`` on S^{d−1} (normalised Gaussians);
  * ``piecewise`` — piecewise-uniform: uniform, then x₁ ← ±|x₁| with P(+) =
    ``piecewise_mass``: density 2·mass on the hemisphere x₁ > 0 and 2·(1 − mass) on
    x₁ < 0 relative to uniform (4 : 1 at the default 0.8);
  * ``anisotropic`` — angular central Gaussian: g ~ N(0, diag(s_j²)),
    s_j = ratio^{−j/(d−1)} (j = 0…d−1, ``anisotropic_ratio`` = s_0/s_{d−1}), x = g/‖g‖.
    Normalised to the sphere so that the NTK stays the dot-product kernel κ(xᵀx′) (this
    bias-free net is positively homogeneous: unnormalised inputs would rescale it by
    ‖x‖‖x′‖). The closed form (a) keeps the uniform-measure μ_k (model misspecification,
    as in the paper); (b) uses the actual inputs.

Rates: the log-rate of degree k is −slope of a least-squares line through
log |v_kᵀr_t| over the early phase, from step 0 to the first logged step at which
|v_kᵀr_t| < ``fit_floor`` · |v_kᵀr_0| (inclusive; the whole run if it never gets there),
per seed; the same window is used for the empirical-NTK curve (b). The closed-form rate is
−log|1 − η c μ_k|.

Record (seed axis first):
  arrays.npz: steps[L], loss[S, L], proj[S, L, K] (signed v_kᵀ(y − ŷ)),
    pred_closed_form[S, L, K], pred_empirical_ntk[S, L, K], x[S, N, d], y[S, N],
    v[S, K, N], zeta[S, K, d], degrees[K], amplitudes[K], mu[K],
    rate_measured[S, K], rate_empirical_ntk[S, K], rate_closed_form[K],
    fit_end_step[S, K], ntk_top_eigs[S, E] (of Θ/n), ntk_rayleigh[S, K] (v_kᵀΘv_k/n),
    diverged[S]; with ``ntk_after_training`` also ntk_final_rayleigh[S, K] (v_kᵀΘ_Tv_k/n).
  summary.json: per degree the measured (mean, 95 % CI over seeds) and predicted rates,
    the first step below 10 % of the initial projection (measured on the seed mean of
    |v_kᵀr_t|/|v_kᵀr_0|, and both predictions), the order of the degrees by that step,
    the NTK check, GD stability at init, how far the NTK moved in training, timing.
"""
from __future__ import annotations

import os
import time
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import scipy.special
import scipy.stats
from absl import logging

from fourier_nn import kernels, records, theory, train
from fourier_nn.experiments import common

INPUTS = ("uniform", "piecewise", "anisotropic")
NORMS = ("unit_l2", "unit_at_one", "standard")
LOSSES = ("mse", "half_mse")


# ----------------------------------------------------------------------------------------
# Model.


class TwoLayerNet(nn.Module):
  """f(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx) in the NTK parameterisation. ``apply -> [N]``.

  ``train_outer=False`` stops the gradient through ``a`` (it stays at its init).
  """

  width: int
  w_std: float = 1.0
  a_std: float = 1.0
  train_outer: bool = True

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    w = self.param("w", nn.initializers.normal(self.w_std), (x.shape[-1], self.width))
    a = self.param("a", nn.initializers.normal(self.a_std), (self.width,))
    if not self.train_outer:
      a = jax.lax.stop_gradient(a)
    return jax.nn.relu(x @ w) @ a / np.sqrt(self.width)


def ntk_kernel(u, w_std: float = 1.0, a_std: float = 1.0,
               train_outer: bool = True) -> np.ndarray:
  """Infinite-width NTK κ(u) of `TwoLayerNet` for unit-norm inputs, u = xᵀx′ (float64).

  κ(u) = a_std² u κ₀(u)/2 + [train_outer] w_std² κ₁(u)/2 (module docstring).
  """
  out = a_std ** 2 * theory.two_layer_relu_ntk(u)
  if train_outer:
    out = out + w_std ** 2 * theory.arccos_kernel(u, 1) / 2.0
  return out


def mode_eigenvalues(config, degrees=None) -> np.ndarray:
  """μ_k of `ntk_kernel` on S^{d−1} (uniform probability measure); default config.degrees."""
  m = config.model
  kern = lambda u: ntk_kernel(u, m.w_std, m.a_std, m.train_outer)
  k = np.asarray(config.degrees if degrees is None else degrees)
  return theory.sphere_eigenvalues(kern, config.dim, k)


def loss_scale(loss: str, n: int) -> float:
  """s in r ← (I − η s Θ) r: 2/n for ``mse``, 1/n for ``half_mse``."""
  return 2.0 / n if loss == "mse" else 1.0 / n


# ----------------------------------------------------------------------------------------
# Data.


def gegenbauer(k: int, d: int, t, norm: str = "unit_at_one") -> np.ndarray:
  """P_k(t) of dimension d (Gegenbauer parameter λ = (d − 2)/2) in float64; see module doc.

  >>> float(gegenbauer(2, 3, 1.0, "unit_at_one"))  # Legendre P_2(1)
  1.0
  """
  if d < 3:
    raise ValueError(f"d={d} must be >= 3 (Gegenbauer parameter (d-2)/2 > 0)")
  lam = 0.5 * (d - 2)
  t = np.asarray(t, np.float64)
  c = scipy.special.eval_gegenbauer(int(k), lam, t)
  if norm == "standard":
    return c
  c1 = scipy.special.eval_gegenbauer(int(k), lam, 1.0)
  if norm == "unit_at_one":
    return c / c1
  if norm == "unit_l2":
    return np.sqrt(float(theory.sphere_multiplicity(d, int(k)))) * c / c1
  raise ValueError(f"norm={norm!r} is not supported; choose one of {NORMS}")


def sample_inputs(key: jax.Array, n: int, d: int, kind: str = "uniform",
                  mass: float = 0.8, ratio: float = 4.0) -> np.ndarray:
  """[n, d] float64 unit vectors from the ``kind`` distribution (module docstring)."""
  k1, k2 = jax.random.split(key)
  g = np.asarray(jax.random.normal(k1, (n, d)), np.float64)
  if kind == "anisotropic":
    g = g * (float(ratio) ** (-np.arange(d) / max(d - 1, 1)))[None, :]
  x = g / np.linalg.norm(g, axis=1, keepdims=True)
  if kind == "piecewise":
    up = np.asarray(jax.random.bernoulli(k2, mass, (n,)))
    x[:, 0] = np.where(up, 1.0, -1.0) * np.abs(x[:, 0])
  elif kind not in ("uniform", "anisotropic"):
    raise ValueError(f"inputs={kind!r} is not supported; choose one of {INPUTS}")
  return x


def random_directions(key: jax.Array, num: int, d: int) -> np.ndarray:
  """[num, d] independent uniform unit vectors ζ_k (float64)."""
  z = np.asarray(jax.random.normal(key, (num, d)), np.float64)
  return z / np.linalg.norm(z, axis=1, keepdims=True)


def make_target(x: np.ndarray, zeta: np.ndarray, degrees, amplitudes, norm: str
                ) -> tuple[np.ndarray, np.ndarray]:
  """y_i = Σ_k a_k P_k(⟨ζ_k, x_i⟩) and the unit vectors v_k.

  Args:
    x: [N, d] unit inputs.
    zeta: [K, d] unit directions.
    degrees, amplitudes: [K].
    norm: Gegenbauer normalisation.

  Returns:
    y [N], v [K, N] (float64; ‖v_k‖ = 1).
  """
  d = x.shape[1]
  comps = np.stack([gegenbauer(k, d, x @ z, norm) for k, z in zip(degrees, zeta)])  # [K, N]
  y = np.asarray(amplitudes, np.float64) @ comps
  return y, comps / np.linalg.norm(comps, axis=1, keepdims=True)


# ----------------------------------------------------------------------------------------
# Theory curves and rate fits (pure, tested directly).


def empirical_projections(eig: tuple[np.ndarray, np.ndarray], r0: np.ndarray, v: np.ndarray,
                          lr: float, steps, scale: float) -> np.ndarray:
  """v_kᵀ r_t for r_t = (I − η s Θ)^t r_0, by `theory.kernel_flow` on Θ's eigenpairs.

  Args:
    eig: (eigvals [N], eigvecs [N, N]) of Θ, as from `theory.eigh`.
    r0: [N] initial residual.
    v: [K, N] unit vectors.
    lr, scale: η and s.
    steps: [T] integer steps.

  Returns:
    [T, K] float64.
  """
  coeffs = theory.kernel_flow(eig, r0, lr, steps, scale=scale, return_coeffs=True)  # [T, N]
  return coeffs @ (eig[1].T @ np.asarray(v, np.float64).T)


def closed_form_projections(p0: np.ndarray, mu: np.ndarray, lr: float, steps,
                            c: float) -> np.ndarray:
  """p0_k · (1 − η c μ_k)^t: [..., K] initial projections → [..., T, K]."""
  f = theory.mode_factors(mu, lr, steps, scale=c)  # [T, K]
  return np.asarray(p0, np.float64)[..., None, :] * f


def fit_log_rate(steps: np.ndarray, proj: np.ndarray, floor: float,
                 end_step: float | None = None) -> tuple[float, float]:
  """−slope of log|proj| vs step over the early phase; returns (rate, window end step).

  The window runs from the first logged step to the first step with
  |proj| < floor·|proj[0]| (inclusive), or to ``end_step`` if given, or to the last step;
  at least two points. Non-finite or zero entries are dropped.
  """
  steps = np.asarray(steps, np.float64)
  a = np.abs(np.asarray(proj, np.float64))
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


def first_step_below(steps: np.ndarray, ratio: np.ndarray, level: float) -> list[int | None]:
  """ratio[L, K]: per column the first step with ratio < level (None: never)."""
  out = []
  for col in np.asarray(ratio, np.float64).T:
    hit = np.flatnonzero(col < level)
    out.append(int(steps[hit[0]]) if hit.size else None)
  return out


def _order(degrees, first_steps) -> list[int]:
  key = [(np.inf if s is None else s, i) for i, s in enumerate(first_steps)]
  return [int(degrees[i]) for _, i in sorted(key)]


def _mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, list[float | None]]:
  x = np.asarray(x, np.float64)
  x = x[np.isfinite(x)]
  if x.size == 0:
    return float("nan"), [None, None]
  m = float(x.mean())
  if x.size < 2:
    return m, [None, None]
  h = scipy.stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
  return m, [float(m - h), float(m + h)]


# ----------------------------------------------------------------------------------------
# Config checks and construction.


def validate(config) -> None:
  """Raises ConfigError with one clear line for any bad setting."""
  for key in ("num_seeds", "num_points", "num_steps", "log_every", "model.width",
              "checkpoint_every"):
    common.check_positive_int(config, key)
  common.check_positive(config, "lr")
  common.check_positive(config, "model.w_std")
  common.check_positive(config, "model.a_std")
  common.require(isinstance(config.dim, int) and config.dim >= 3, "dim", config.dim,
                 "must be an integer >= 3 (Gegenbauer parameter (d-2)/2 > 0)")
  common.require(config.num_steps % config.log_every == 0, "num_steps", config.num_steps,
                 f"must be a multiple of log_every={config.log_every}")
  deg = tuple(config.degrees)
  common.require(len(deg) > 0 and all(isinstance(k, int) and k >= 1 for k in deg)
                 and len(set(deg)) == len(deg), "degrees", deg,
                 "must be distinct integers >= 1")
  amps = tuple(config.amplitudes)
  common.require(len(amps) == len(deg) and all(isinstance(a, (int, float)) and np.isfinite(a)
                                               and a != 0 for a in amps),
                 "amplitudes", amps, f"must be {len(deg)} finite non-zero numbers, one per "
                 f"degree in {deg}")
  common.require(config.inputs in INPUTS, "inputs", config.inputs, f"choose one of {INPUTS}")
  common.require(config.gegenbauer_norm in NORMS, "gegenbauer_norm", config.gegenbauer_norm,
                 f"choose one of {NORMS}")
  common.require(config.loss in LOSSES, "loss", config.loss, f"choose one of {LOSSES}")
  common.require(isinstance(config.piecewise_mass, float) and 0 < config.piecewise_mass < 1,
                 "piecewise_mass", config.piecewise_mass, "must be in (0, 1)")
  common.require(isinstance(config.anisotropic_ratio, (int, float))
                 and config.anisotropic_ratio >= 1, "anisotropic_ratio",
                 config.anisotropic_ratio, "must be >= 1")
  common.require(isinstance(config.fit_floor, float) and 0 < config.fit_floor < 1,
                 "fit_floor", config.fit_floor, "must be in (0, 1)")
  common.require(isinstance(config.ntk_after_training, bool), "ntk_after_training",
                 config.ntk_after_training, "must be True or False")
  common.require(isinstance(config.chunk_logs, int) and config.chunk_logs >= 0, "chunk_logs",
                 config.chunk_logs, "must be an integer >= 0 (0: automatic)")


def build(config) -> dict[str, Any]:
  """Data, model and functions of the experiment (everything but the training loop)."""
  S, N, d = config.num_seeds, config.num_points, config.dim
  degrees = np.asarray(config.degrees, np.int64)
  amps = np.asarray(config.amplitudes, np.float64)
  keys = common.seed_keys(config.seed, "data", "zeta", "init")
  data_keys = jax.random.split(keys["data"], S)
  zeta_keys = jax.random.split(keys["zeta"], S)
  xs, ys, vs, zetas = [], [], [], []
  for s in range(S):
    x = sample_inputs(data_keys[s], N, d, config.inputs, config.piecewise_mass,
                      config.anisotropic_ratio)
    z = random_directions(zeta_keys[s], len(degrees), d)
    y, v = make_target(x, z, degrees, amps, config.gegenbauer_norm)
    xs.append(x); ys.append(y); vs.append(v); zetas.append(z)
  x, y, v, zeta = (np.stack(a) for a in (xs, ys, vs, zetas))

  m = config.model
  model = TwoLayerNet(width=m.width, w_std=m.w_std, a_std=m.a_std, train_outer=m.train_outer)
  apply = lambda params, xx: model.apply(params, xx)
  init_fn = lambda key: model.init(key, jnp.zeros((1, d), jnp.float32))
  if config.loss == "mse":
    loss_fn = lambda params, b: jnp.mean((apply(params, b["x"]) - b["y"]) ** 2)
  else:
    loss_fn = lambda params, b: 0.5 * jnp.mean((apply(params, b["x"]) - b["y"]) ** 2)

  def measure_fn(params, b, step):
    del step
    return {"proj": b["v"] @ (b["y"] - apply(params, b["x"]))}

  batch = {"x": x.astype(np.float32), "y": y.astype(np.float32), "v": v.astype(np.float32)}
  init_keys = jax.random.split(keys["init"], S)
  return dict(model=model, apply=apply, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, batch=batch, init_keys=init_keys, x=x, y=y, v=v,
              zeta=zeta, degrees=degrees, amps=amps)


# ----------------------------------------------------------------------------------------
# Running.


def ntk_theory(config, b, steps: np.ndarray, final_params=None,
               num_eigs: int = 24) -> dict[str, np.ndarray]:
  """Per seed: Θ at init, its flow projected on v_k, and the checks against κ and μ_k.

  With ``final_params`` (leaves [S, ...], the trained nets) also how far the NTK moved:
  λ_max(Θ_T)/λ_max(Θ_0), ‖Θ_T − Θ_0‖_F/‖Θ_0‖_F and v_kᵀΘ_T v_k/n.
  """
  S, N = config.num_seeds, config.num_points
  s = loss_scale(config.loss, N)
  m = config.model
  chunk = None if N <= 1024 else 512
  pred, top, rayleigh, rel_err, ratio, lam_max = [], [], [], [], [], []
  moved = {"lambda_max_ratio": [], "rel_change": [], "rayleigh": []}
  for i in range(S):
    t0 = time.perf_counter()
    params = b["init_fn"](b["init_keys"][i])
    x32 = jnp.asarray(b["batch"]["x"][i])
    theta = np.asarray(kernels.empirical_ntk(b["apply"], params, x32, chunk_size=chunk),
                       np.float64)
    lam, vec = theory.eigh(theta)
    r0 = b["y"][i] - np.asarray(b["apply"](params, x32), np.float64)
    pred.append(empirical_projections((lam, vec), r0, b["v"][i], config.lr, steps, s))
    top.append(lam[:num_eigs] / N)
    rayleigh.append(np.einsum("kn,nm,km->k", b["v"][i], theta, b["v"][i]) / N)
    xd = b["x"][i]
    kinf = ntk_kernel(np.clip(xd @ xd.T, -1, 1), m.w_std, m.a_std, m.train_outer)
    rel_err.append(np.linalg.norm(theta - kinf) / np.linalg.norm(kinf))
    big = np.abs(kinf) > 1e-3
    ratio.append(np.median(theta[big] / kinf[big]))
    lam_max.append(lam[0])
    if final_params is not None:
      p_t = jax.tree_util.tree_map(lambda l: l[i], final_params)
      theta_t = np.asarray(kernels.empirical_ntk(b["apply"], p_t, x32, chunk_size=chunk),
                           np.float64)
      finite = bool(np.all(np.isfinite(theta_t)))  # a diverged seed has NaN params
      moved["lambda_max_ratio"].append(
          np.linalg.eigvalsh(theta_t)[-1] / lam[0] if finite else np.nan)
      moved["rel_change"].append(np.linalg.norm(theta_t - theta) / np.linalg.norm(theta))
      moved["rayleigh"].append(np.einsum("kn,nm,km->k", b["v"][i], theta_t, b["v"][i]) / N)
    logging.info("ntk_sphere: empirical NTK of seed %d (%d points) in %.1f s", i, N,
                 time.perf_counter() - t0)
  return {"pred_empirical_ntk": np.stack(pred), "ntk_top_eigs": np.stack(top),
          "ntk_rayleigh": np.stack(rayleigh), "ntk_rel_frobenius_error": np.asarray(rel_err),
          "ntk_median_ratio": np.asarray(ratio), "ntk_lambda_max": np.asarray(lam_max),
          **{f"ntk_final_{k}": np.asarray(v) for k, v in moved.items() if v}}


def run(config, workdir: str, resume: bool = False) -> str:
  """Trains, measures, adds both theory curves and writes the record; returns its path."""
  validate(config)
  workdir = records.check_writable(workdir)
  b = build(config)
  S, N, K = config.num_seeds, config.num_points, len(b["degrees"])
  ckpt = os.path.join(workdir, "checkpoint.npz")
  if not resume and os.path.exists(ckpt):
    os.remove(ckpt)
  logging.info("ntk_sphere: %d seeds x %d GD steps (lr %g), n=%d on S^%d (%s), width %d, "
               "degrees %s, amplitudes %s", S, config.num_steps, config.lr, N, config.dim - 1,
               config.inputs, config.model.width, b["degrees"].tolist(), b["amps"].tolist())
  hist = train.train_seeds(
      b["init_fn"], b["loss_fn"], optax.sgd(config.lr), b["batch"], b["init_keys"],
      config.num_steps, config.log_every, b["measure_fn"],
      batch_axes={"x": 0, "y": 0, "v": 0}, chunk_logs=config.chunk_logs or None,
      checkpoint_path=ckpt, checkpoint_every=config.checkpoint_every, name="ntk_sphere")
  steps = hist.steps
  proj = np.asarray(hist.metrics["proj"], np.float64)  # [S, L, K]

  t_theory = time.perf_counter()
  s = loss_scale(config.loss, N)
  c = s * N
  mu = mode_eigenvalues(config)
  th = ntk_theory(config, b, steps, hist.params if config.ntk_after_training else None)
  pred_emp = th["pred_empirical_ntk"]  # [S, L, K]
  pred_cf = closed_form_projections(proj[:, 0, :], mu, config.lr, steps, c)  # [S, L, K]
  rate_cf = -np.log(np.abs(1.0 - config.lr * c * mu))
  rate_meas = np.full((S, K), np.nan)
  rate_emp = np.full((S, K), np.nan)
  fit_end = np.full((S, K), np.nan)
  for i in range(S):
    for k in range(K):
      rate_meas[i, k], fit_end[i, k] = fit_log_rate(steps, proj[i, :, k], config.fit_floor)
      rate_emp[i, k], _ = fit_log_rate(steps, pred_emp[i, :, k], config.fit_floor,
                                       end_step=fit_end[i, k])
  t_theory = time.perf_counter() - t_theory

  ok = ~hist.diverged
  level = 0.1

  def mean_ratio(p):
    r = np.abs(p[ok]) / np.abs(p[ok][:, :1, :])
    return np.mean(r, axis=0) if ok.any() else np.full(p.shape[1:], np.nan)

  below_meas = first_step_below(steps, mean_ratio(proj), level)
  below_emp = first_step_below(steps, mean_ratio(pred_emp), level)
  below_cf = [None if not np.isfinite(t) else int(t) for t in
              theory.convergence_steps(mu, config.lr, level, 1.0, scale=c)]
  per_seed_below = [first_step_below(steps, np.abs(proj[i]) / np.abs(proj[i, :1]), level)
                    for i in range(S)]
  degrees = b["degrees"]
  per_degree = []
  for k in range(K):
    m_rate, ci = _mean_ci(rate_meas[ok, k])
    per_degree.append({
        "degree": int(degrees[k]), "amplitude": float(b["amps"][k]), "mu": float(mu[k]),
        "rate_measured": m_rate, "rate_measured_ci95": ci,
        # Robust to one seed whose v_kᵀr_0 is small (f₀ cancelling the target component).
        "rate_measured_median": float(np.nanmedian(rate_meas[ok, k])) if ok.any() else np.nan,
        "rate_measured_per_seed": rate_meas[:, k],
        "rate_empirical_ntk": float(np.nanmean(rate_emp[ok, k])) if ok.any() else np.nan,
        "rate_closed_form": float(rate_cf[k]),
        "measured_over_closed_form": m_rate / float(rate_cf[k]),
        "fit_window_end_steps": fit_end[:, k],
        "step_below_10pct_measured": below_meas[k],
        "step_below_10pct_measured_per_seed": [p[k] for p in per_seed_below],
        "step_below_10pct_empirical_ntk": below_emp[k],
        "step_below_10pct_closed_form": below_cf[k],
        "ntk_rayleigh_over_n_mean": float(np.mean(th["ntk_rayleigh"][:, k])),
    })
  expected = sorted(int(k) for k in degrees)
  order_meas = _order(degrees, below_meas)
  stab = config.lr * s * th["ntk_lambda_max"]
  summary = {
      "experiment": "ntk_sphere",
      "inputs": config.inputs, "dim": config.dim, "num_points": N, "width": config.model.width,
      "num_seeds": S, "lr": config.lr, "loss": config.loss, "rate_factor_c": c,
      "gegenbauer_norm": config.gegenbauer_norm,
      "degrees": degrees, "amplitudes": b["amps"], "per_degree": per_degree,
      "order_measured": order_meas,
      "order_empirical_ntk": _order(degrees, below_emp),
      "order_closed_form": _order(degrees, below_cf),
      "order_as_expected": order_meas == expected,
      "ntk_check": {
          "kernel": "a_std^2 u k0(u)/2 + w_std^2 k1(u)/2" if config.model.train_outer
                    else "a_std^2 u k0(u)/2",
          "median_elementwise_ratio": th["ntk_median_ratio"],
          "rel_frobenius_error": th["ntk_rel_frobenius_error"],
          "top_eigs_over_n_seed0": th["ntk_top_eigs"][0, :12],
          "mu_0": float(mode_eigenvalues(config, [0])[0]),
      },
      "ntk_after_training": ({
          "lambda_max_over_init": th["ntk_final_lambda_max_ratio"],
          "rel_frobenius_change": th["ntk_final_rel_change"],
          "rayleigh_over_n_mean": np.mean(th["ntk_final_rayleigh"], axis=0),
          "gd_step_times_lambda_max": stab * th["ntk_final_lambda_max_ratio"],
      } if config.ntk_after_training else None),
      "gd_step_times_lambda_max_at_init": stab,
      "gd_stable_at_init": bool(np.all(stab < 2.0)),
      # GD left the stable regime if the full-batch loss ever rose (edge of stability).
      "loss_increase_count_per_seed": np.sum(np.diff(hist.loss, axis=1) > 0, axis=1),
      "final_loss_mean": float(np.nanmean(hist.loss[ok, -1])) if ok.any() else None,
      "initial_loss_mean": float(np.nanmean(hist.loss[ok, 0])) if ok.any() else None,
      "diverged_seeds": np.flatnonzero(hist.diverged).tolist(),
      "steps_trained": int(steps[-1]), "log_every": config.log_every,
      "fit_floor": config.fit_floor,
      "wall_time_s": hist.wall_time, "theory_time_s": t_theory,
      "seed_steps_per_s": S * int(steps[-1]) / max(hist.wall_time, 1e-9),
      "backend": jax.default_backend(),
  }
  if np.any(summary["loss_increase_count_per_seed"] > 0):
    logging.warning("ntk_sphere: the training loss rose at %s logged steps (per seed): GD "
                    "is not in the stable kernel regime; lower --config.lr",
                    summary["loss_increase_count_per_seed"].tolist())
  if not summary["gd_stable_at_init"]:
    logging.warning("ntk_sphere: η·s·λ_max(Θ) = %s >= 2: GD is unstable along the top NTK "
                    "mode; lower --config.lr", np.round(stab, 3).tolist())
  arrays = {
      "steps": steps, "loss": hist.loss, "proj": proj, "pred_closed_form": pred_cf,
      "pred_empirical_ntk": pred_emp, "x": b["x"].astype(np.float32), "y": b["y"],
      "v": b["v"], "zeta": b["zeta"], "degrees": degrees, "amplitudes": b["amps"], "mu": mu,
      "rate_measured": rate_meas, "rate_empirical_ntk": rate_emp, "rate_closed_form": rate_cf,
      "fit_end_step": fit_end, "ntk_top_eigs": th["ntk_top_eigs"],
      "ntk_rayleigh": th["ntk_rayleigh"], "diverged": hist.diverged,
  }
  if config.ntk_after_training:
    arrays["ntk_final_rayleigh"] = th["ntk_final_rayleigh"]
  mean_abs = np.mean(np.abs(proj[ok]), axis=0) if ok.any() else np.full(proj.shape[1:], np.nan)
  metrics = ({"step": int(t), "loss_mean": float(np.nanmean(hist.loss[:, i])),
              "abs_proj_mean": mean_abs[i]} for i, t in enumerate(steps))
  path = records.save_record(workdir, config, metrics, arrays, summary)
  if os.path.exists(ckpt):
    os.remove(ckpt)
  for row in per_degree:
    logging.info("ntk_sphere: degree %d: rate measured %.4g (95%% CI %s, median %.4g) | "
                 "empirical NTK %.4g | "
                 "closed form %.4g (mu %.3g); 10%% at step %s (emp. NTK %s, closed form %s)",
                 row["degree"], row["rate_measured"], row["rate_measured_ci95"],
                 row["rate_measured_median"],
                 row["rate_empirical_ntk"], row["rate_closed_form"], row["mu"],
                 row["step_below_10pct_measured"], row["step_below_10pct_empirical_ntk"],
                 row["step_below_10pct_closed_form"])
  logging.info("ntk_sphere: order %s (expected %s); record written to %s (%.1f s training)",
               order_meas, expected, path, hist.wall_time)
  return path

