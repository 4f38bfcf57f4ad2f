"""Basri et al. 2019 — iterations to fit sin(kθ) (or P_k on S²) as a function of k.

``run(config, workdir)`` trains one net per (frequency k, run r) pair. Every pair is a
"seed" of `train.train_seeds` with its own inputs, target and fixed output signs carried
in the batch (``batch_axes`` 0), so all pairs train in one compiled program (or, with
``config.pairs_per_program``, in equal-shaped groups of pairs run one after another).
Pair p = i_k · num_runs + r; run r's inputs and initial weights are shared by every k
(independent across r), so a pair differs from another of the same run only in its target.

Models (``config.model.kind``):
  * ``shallow`` — u(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx + b_r), a_r = ±1 fixed (in the batch,
    not trained), w_r ~ N(0, κ²I), b_r = 0 at init and trained (``model.bias``) or absent.
    Its NTK at init is exactly the kernel of ``theory.two_layer_relu_ntk`` times
    ``ntk_factor``: 1 without bias (H), 2 with an unscaled trained bias (2·H̄, since
    ∂u/∂b_r adds 1·1 to xᵀx′); checked against `kernels.empirical_ntk` in the record.
  * ``deep`` — the authors' PyTorch net: ``depth`` hidden Dense+ReLU layers of ``width``,
    W ~ N(0, 1/(3 fan_in)) (kaiming_normal, a = √5), b ~ U(±1/√fan_in), a bias-free
    linear readout.
  * ``residual`` — the same with x ← ReLU(Wx + b) + x after the first hidden layer.

Losses: ``sum_half`` = ½‖y − u‖² (shallow, Basri), ``mse`` = mean (y − u)² (deep).
Converged: the first LOGGED step (resolution ``log_every``) with loss < threshold
(``threshold_mode="absolute"``) or loss < threshold · loss(u = 0) ("relative": the
authors' deep nets stop at 5 % of ‖y‖²/n). A pair that never gets there within
``num_steps`` has convergence step NaN and is counted in ``frac_converged``.

Theory per k (kernel regime, GD residual along mode k decays like (1 − η s n λ_k)^t with
s = 1 for ``sum_half``, 2/n for ``mse``, λ_k w.r.t. the uniform probability measure):
  * shallow circle: λ_k = ntk_factor · ``theory.circle_eigenvalues(k, bias)``;
  * shallow sphere: λ_k = ``theory.sphere_eigenvalues(ntk_factor · two_layer_relu_ntk,
    d=3, k)``;
  both turned into steps by ``theory.convergence_steps`` for the target's own mode only
  (initial output ignored);
  * deep/residual (and, as a second prediction, the shallow nets with
    ``empirical_prediction``): the empirical NTK Θ of each run's net at init
    (`kernels.empirical_ntk`), eigendecomposed, the initial residual u₀ − y of each pair
    (initial output included) projected on it and flowed (`theory.mode_factors`): the
    first step with ‖r_t‖² below the threshold.

Record (seed axis = pair axis first):
  arrays.npz: steps[L], loss[P, L], target_residual[P, L] (⟨y − u, y⟩/‖y‖, the residual
    along the target), convergence_step[P] (NaN: never), level[P] (loss threshold),
    pair_freq[P], pair_run[P], freqs[K], mean_steps[K], median_steps[K], std_steps[K],
    frac_converged[K], predicted_steps[K] (inf: never), predicted_empirical_steps[K] and
    predicted_pair_steps[P] (empirical-NTK prediction), init_ntk_top_eigs[R, 8],
    diverged[P], ntk_top_eigs_empirical[E], ntk_top_eigs_theory[E] (shallow check).
  summary.json: per-k statistics, fitted exponent p with 95 % CI for measurement and
    theory, the paper's range, the NTK normalisation check, timing.
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
from absl import logging

from fourier_nn import data, kernels, records, theory, train
from fourier_nn.experiments import common

KINDS = ("shallow", "deep", "residual")
DOMAINS = ("circle", "sphere")
LOSSES = ("sum_half", "mse", "cross_entropy")
# Cross-entropy (authors' residual code): class y > 0, only points with |y| > 2/3 count.
CE_MARGIN = 2.0 / 3.0
THRESHOLD_MODES = ("absolute", "relative")
FIT_STATISTICS = ("mean", "median")
# Basri et al. 2019, convergence time ∝ k^p (shallow and deep nets).
PAPER_P = {"circle": (1.93, 2.15), "sphere": (2.74, 3.13)}


# ----------------------------------------------------------------------------------------
# Models.


class ShallowNet(nn.Module):
  """Basri's two-layer net; the output signs ``a`` [m] are an argument, not a parameter.

  ``apply(params, x[N, d], a[m]) -> [N]``.
  """

  width: int
  bias: bool
  kappa: float

  @nn.compact
  def __call__(self, x: jax.Array, a: jax.Array) -> jax.Array:
    w = self.param("w", nn.initializers.normal(self.kappa), (x.shape[-1], self.width))
    z = x @ w
    if self.bias:
      b = self.param("b", nn.initializers.zeros, (self.width,))
      z = z + b.reshape(1, -1)
    return jax.nn.relu(z) @ a / np.sqrt(self.width)


def _kaiming_a_sqrt5(key, shape, dtype=jnp.float32):
  # torch.nn.init.kaiming_normal_(W, a=√5): std = √(2/(1 + 5)) / √fan_in.
  return jax.random.normal(key, shape, dtype) / np.sqrt(3.0 * shape[0])


def _torch_bias(fan_in: int):
  bound = 1.0 / np.sqrt(fan_in)
  return lambda key, shape, dtype=jnp.float32: jax.random.uniform(key, shape, dtype, -bound,
                                                                   bound)


class DeepNet(nn.Module):
  """The authors' deep (and residual) ReLU MLP.

  ``apply(params, x) -> [N]`` (``out_dim=1``) or ``[N, out_dim]`` (logits).
  """

  depth: int
  width: int
  residual: bool = False
  out_dim: int = 1

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    for i in range(self.depth):
      h = nn.Dense(self.width, kernel_init=_kaiming_a_sqrt5,
                   bias_init=_torch_bias(x.shape[-1]), name=f"hidden_{i}")(x)
      h = jax.nn.relu(h)
      x = h + x if (self.residual and i > 0) else h
    out = nn.Dense(self.out_dim, use_bias=False, kernel_init=_kaiming_a_sqrt5,
                   name="readout")(x)
    return out[:, 0] if self.out_dim == 1 else out


# ----------------------------------------------------------------------------------------
# Small pure helpers (tested directly).


def first_step_below(steps: np.ndarray, loss: np.ndarray, level: np.ndarray) -> np.ndarray:
  """First logged step with loss < level, per pair; NaN where never (or non-finite).

  Args:
    steps: [L] logged steps.
    loss: [P, L] losses.
    level: [P] or scalar thresholds.

  Returns:
    [P] float64 steps (NaN: not converged within the logged steps).
  """
  loss = np.asarray(loss, np.float64)
  lev = np.broadcast_to(np.asarray(level, np.float64), loss.shape[:1])
  below = np.isfinite(loss) & (loss < lev[:, None])
  out = np.full(loss.shape[0], np.nan)
  hit = below.any(axis=1)
  out[hit] = np.asarray(steps, np.float64)[np.argmax(below[hit], axis=1)]
  return out


def per_k_stats(conv: np.ndarray, num_freqs: int, num_runs: int) -> dict[str, np.ndarray]:
  """Mean/median/std over runs of the convergence steps of converged runs, and fractions.

  ``conv`` is [K·R] in pair order (p = i_k·R + r). Median counts a non-converged run as
  +inf (so it is finite only if more than half converged); mean and std use converged
  runs only and are NaN if none converged.
  """
  c = np.asarray(conv, np.float64).reshape(num_freqs, num_runs)
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
          "frac_converged": n_ok / num_runs, "num_converged": n_ok}


def fit_exponent(freqs: np.ndarray, times: np.ndarray, kmin: int, kmax: int,
                 allowed: np.ndarray | None = None) -> dict[str, Any] | None:
  """theory.fit_power_law over kmin ≤ k ≤ kmax where ``times`` is finite and positive."""
  freqs = np.asarray(freqs)
  t = np.asarray(times, np.float64)
  use = (freqs >= kmin) & (freqs <= kmax) & np.isfinite(t) & (t > 0)
  if allowed is not None:
    use &= allowed
  if use.sum() < 3 or np.unique(freqs[use]).size < 2:
    return None
  fit = theory.fit_power_law(freqs[use], t[use])
  return {"p": fit.p, "ci95": list(fit.ci), "intercept": fit.intercept,
          "freqs_used": freqs[use].tolist()}


def predicted_steps_closed_form(config, freqs: np.ndarray, r0_norm: float) -> np.ndarray:
  """Kernel-regime steps for the target's mode: theory.convergence_steps on n·c·λ_k."""
  lam = mode_eigenvalues(config, freqs)
  s = loss_scale(config.loss, config.num_points)
  eps = np.sqrt(residual_sq_level(config, r0_norm ** 2))
  return theory.convergence_steps(lam, config.lr, eps, r0_coeff=r0_norm,
                                  scale=s * config.num_points)


def mode_eigenvalues(config, freqs) -> np.ndarray:
  """λ_k of the shallow net's NTK w.r.t. the uniform probability measure (x ntk_factor)."""
  c = ntk_factor(config.model.bias)
  if config.domain == "circle":
    return c * theory.circle_eigenvalues(freqs, bias=config.model.bias)
  kern = lambda u: c * theory.two_layer_relu_ntk(u, bias=config.model.bias)
  return theory.sphere_eigenvalues(kern, 3, freqs)


def ntk_factor(bias: bool) -> float:
  """Our net's NTK / theory.two_layer_relu_ntk: 1 (no bias) or 2 (unscaled trained bias)."""
  return 2.0 if bias else 1.0


def loss_scale(loss: str, n: int) -> float:
  """s in r ← (I − η s Θ) r: 1 for ½‖r‖², 2/n for the mean squared error."""
  return 1.0 if loss == "sum_half" else 2.0 / n


def zero_output_loss(loss: str, y: np.ndarray) -> np.ndarray:
  """Loss at u = 0 (zero logits: log 2 for cross-entropy) for targets y[..., N]."""
  y = np.asarray(y, np.float64)
  if loss == "cross_entropy":
    return np.full(y.shape[:-1], np.log(2.0))
  return 0.5 * np.sum(y * y, -1) if loss == "sum_half" else np.mean(y * y, -1)


def residual_sq_level(config, y_sq_norm):
  """Threshold on ‖r‖² equivalent to the convergence rule (absolute or relative)."""
  n = config.num_points
  to_sq = 2.0 if config.loss == "sum_half" else float(n)  # ‖r‖² = to_sq · loss
  if config.threshold_mode == "absolute":
    return to_sq * config.threshold
  return config.threshold * np.asarray(y_sq_norm, np.float64)  # loss/loss(0) = ‖r‖²/‖y‖²


def first_time_below(eigvals: np.ndarray, coeffs: np.ndarray, lr: float, scale: float,
                     level_sq: float, cap: int) -> float:
  """Smallest integer t ≤ cap with Σ_i c_i² (1 − η s λ_i)^{2t} < level_sq (NaN: none).

  Negative eigenvalues (round-off of a PSD kernel) are clipped to 0. Without modes that
  grow (η s λ > 2), ‖r_t‖² is non-increasing and bisection applies. With some (linearised
  GD diverging along them) the steps are scanned, but only until the growing modes alone
  pass the level, after which it is never reached.
  """
  lam = np.maximum(np.asarray(eigvals, np.float64), 0.0)
  c2 = np.asarray(coeffs, np.float64) ** 2
  rate = lr * scale * lam
  growing = (rate > 2.0) & (c2 > 0)

  def norm_sq(ts):
    f = theory.mode_factors(lam, lr, ts, scale=scale)
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


# ----------------------------------------------------------------------------------------
# Config checks and construction.


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.require(config.domain in DOMAINS, "domain", config.domain, f"choose one of {DOMAINS}")
  m = config.model
  common.require(m.kind in KINDS, "model.kind", m.kind, f"choose one of {KINDS}")
  common.require(config.domain == "circle" or m.kind == "shallow", "domain", config.domain,
                 "the sphere experiment uses the shallow net (set --config.model.kind=shallow)")
  common.check_positive_int(config, "num_points")
  common.check_positive_int(config, "num_runs")
  common.check_positive_int(config, "num_steps")
  common.check_positive_int(config, "log_every")
  common.check_positive_int(config, "model.width")
  common.check_positive(config, "lr")
  common.check_positive(config, "threshold")
  common.check_positive(config, "model.kappa")
  common.require(isinstance(m.depth, int) and m.depth >= 1, "model.depth", m.depth,
                 "must be an integer >= 1")
  common.require(config.num_steps % config.log_every == 0, "num_steps", config.num_steps,
                 f"must be a multiple of log_every={config.log_every}")
  common.require(config.loss in LOSSES, "loss", config.loss, f"choose one of {LOSSES}")
  common.require(config.loss != "cross_entropy" or m.kind != "shallow", "loss", config.loss,
                 "cross_entropy is for the deep/residual nets (authors' residual code)")
  common.require(config.threshold_mode in THRESHOLD_MODES, "threshold_mode",
                 config.threshold_mode, f"choose one of {THRESHOLD_MODES}")
  common.require(config.fit_statistic in FIT_STATISTICS, "fit_statistic", config.fit_statistic,
                 f"choose one of {FIT_STATISTICS}")
  common.require(isinstance(config.pairs_per_program, int) and config.pairs_per_program >= 0,
                 "pairs_per_program", config.pairs_per_program,
                 "must be an integer >= 0 (0: every pair in one program)")
  freqs = config.freqs
  common.require(len(freqs) > 0 and all(isinstance(k, int) and k >= 1 for k in freqs)
                 and len(set(freqs)) == len(freqs), "freqs", freqs,
                 "must be distinct integers >= 1")
  # The target must be resolved by the sample: k well below the n/2 of a uniform grid.
  common.require(max(freqs) < config.num_points // 4, "freqs", max(freqs),
                 f"highest frequency must be < num_points/4 = {config.num_points // 4} "
                 f"(num_points={config.num_points})")
  common.require(config.fit_min_k < config.fit_max_k, "fit_min_k", config.fit_min_k,
                 f"must be < fit_max_k={config.fit_max_k}")


def build(config):
  """Data, model and functions of the experiment (everything but the training loop)."""
  K, R = len(config.freqs), config.num_runs
  freqs = np.asarray(config.freqs, np.int64)
  keys = common.seed_keys(config.seed, "data", "init", "signs", "phase")
  run_data = jax.random.split(keys["data"], R)
  d = 2 if config.domain == "circle" else 3
  xs, angles = [], []
  for r in range(R):
    if config.domain == "circle":
      th, x = data.sample_circle(run_data[r], config.num_points)
      angles.append(np.asarray(th, np.float64))
    else:
      x = data.sample_sphere(run_data[r], config.num_points, 3)
      angles.append(np.arccos(np.clip(np.asarray(x[:, 2], np.float64), -1.0, 1.0)))
    xs.append(np.asarray(x, np.float32))
  xs = np.stack(xs)  # [R, N, d]
  angles = np.stack(angles)  # [R, N]: θ (circle) or polar angle to e_3 (sphere)

  phases = (np.asarray(jax.random.uniform(keys["phase"], (K, R), minval=-np.pi, maxval=np.pi),
                       np.float64) if config.random_phase else np.zeros((K, R)))
  ys = np.empty((K, R, config.num_points))
  for i, k in enumerate(freqs):
    if config.domain == "circle":
      ys[i] = np.sin(k * (angles + phases[i][:, None]))
    else:
      ys[i] = scipy.special.eval_legendre(int(k), np.cos(angles))
  if config.normalize_target:
    ys /= np.linalg.norm(ys, axis=-1, keepdims=True)
  P = K * R
  pair_freq = np.repeat(freqs, R)
  pair_run = np.tile(np.arange(R), K)
  y = ys.reshape(P, -1).astype(np.float32)
  x = xs[pair_run]  # [P, N, d]

  m = config.model
  if m.kind == "shallow":
    model = ShallowNet(width=m.width, bias=m.bias, kappa=m.kappa)
    signs = np.asarray(jax.vmap(lambda k: jax.random.rademacher(k, (m.width,), jnp.float32))(
        jax.random.split(keys["signs"], R)))
    batch = {"x": x, "y": y, "a": signs[pair_run]}
    apply = lambda params, b: model.apply(params, b["x"], b["a"])
    init_fn = lambda key: model.init(key, jnp.zeros((1, d), jnp.float32),
                                     jnp.zeros((m.width,), jnp.float32))
  else:
    ce = config.loss == "cross_entropy"
    model = DeepNet(depth=m.depth, width=m.width, residual=m.kind == "residual",
                    out_dim=2 if ce else 1)
    batch = {"x": x, "y": y}
    if ce:
      batch["label"] = (y > 0).astype(np.int32)
      batch["weight"] = (np.abs(y) > CE_MARGIN).astype(np.float32)
    apply = lambda params, b: model.apply(params, b["x"])
    init_fn = lambda key: model.init(key, jnp.zeros((1, d), jnp.float32))

  if config.loss == "sum_half":
    loss_fn = lambda params, b: 0.5 * jnp.sum((apply(params, b) - b["y"]) ** 2)
  elif config.loss == "mse":
    loss_fn = lambda params, b: jnp.mean((apply(params, b) - b["y"]) ** 2)
  else:
    def loss_fn(params, b):  # mean over the points with |y| > 2/3 (weight 1), as filtered
      ce = optax.softmax_cross_entropy_with_integer_labels(apply(params, b), b["label"])
      return jnp.sum(b["weight"] * ce) / jnp.sum(b["weight"])

  def measure_fn(params, b, step):
    del step
    if config.loss == "cross_entropy":
      hit = jnp.argmax(apply(params, b), axis=-1) == b["label"]
      return {"train_accuracy": jnp.sum(b["weight"] * hit) / jnp.sum(b["weight"])}
    y_ = b["y"]
    return {"target_residual": jnp.dot(y_ - apply(params, b), y_) / jnp.linalg.norm(y_)}

  run_init = jax.random.split(keys["init"], R)
  init_keys = run_init[pair_run]
  y_sq = np.sum(np.asarray(y, np.float64) ** 2, -1)
  zero_loss = zero_output_loss(config.loss, y)
  level = (np.full(P, config.threshold) if config.threshold_mode == "absolute"
           else config.threshold * zero_loss)
  return dict(model=model, apply=apply, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, batch=batch, init_keys=init_keys, run_init=run_init,
              freqs=freqs, pair_freq=pair_freq, pair_run=pair_run, xs=xs, angles=angles,
              phases=phases, y=y, y_sq=y_sq, level=level, d=d)


# ----------------------------------------------------------------------------------------
# Running.


def _slice_batch(batch, idx):
  return {k: v[idx] for k, v in batch.items()}


def train_pairs(config, b, workdir: str, resume: bool) -> dict[str, Any]:
  """train_seeds over all pairs, in groups of ``pairs_per_program`` (0: one group).

  Returns steps[L], loss[P, L], metric[P, L] (named ``metric_name``), diverged[P],
  wall_time and num_groups; finished groups are kept on disk for ``resume``.
  """
  P = len(b["pair_freq"])
  g = config.pairs_per_program or P
  groups = [np.arange(s, min(s + g, P)) for s in range(0, P, g)]
  if len(groups) > 1 and groups[-1].size < g:  # pad: every group has the same shape
    pad = g - groups[-1].size
    groups[-1] = np.concatenate([groups[-1], np.full(pad, groups[-1][-1])])
  optimizer = optax.sgd(config.lr)
  hists = []
  for gi, idx in enumerate(groups):
    done_path = os.path.join(workdir, f"group_{gi}.npz")
    ckpt = os.path.join(workdir, f"checkpoint_{gi}.npz")
    if not resume:
      for p in (done_path, ckpt):
        if os.path.exists(p):
          os.remove(p)
    if resume and os.path.exists(done_path):
      with np.load(done_path) as z:
        hists.append({k: z[k] for k in z.files})
      continue
    logging.info("ntk_circle: group %d/%d, %d pairs", gi + 1, len(groups), idx.size)
    h = train.train_seeds(
        b["init_fn"], b["loss_fn"], optimizer, _slice_batch(b["batch"], idx),
        jnp.asarray(b["init_keys"][idx]), config.num_steps, config.log_every, b["measure_fn"],
        batch_axes={k: 0 for k in b["batch"]}, chunk_logs=config.chunk_logs or None,
        checkpoint_path=ckpt, checkpoint_every=config.checkpoint_every, name="ntk_circle")
    out = {"steps": h.steps, "loss": h.loss, "diverged": h.diverged,
           "wall_time": np.asarray(h.wall_time), **h.metrics}
    if len(groups) > 1:
      records.atomic_savez(done_path, out)
    hists.append(out)
  # Equal lengths unless a whole group diverged and stopped early: pad that one with NaN.
  L = max(h["loss"].shape[1] for h in hists)
  steps = next(h["steps"] for h in hists if h["loss"].shape[1] == L)

  def cat(key):
    parts = [h[key] if h[key].ndim == 1 else np.pad(
        h[key].astype(np.float64), ((0, 0), (0, L - h[key].shape[1])), constant_values=np.nan)
             for h in hists]
    return np.concatenate(parts)[:P]

  metric = "train_accuracy" if config.loss == "cross_entropy" else "target_residual"
  return dict(steps=steps, loss=cat("loss"), metric_name=metric,
              metric=cat(metric), diverged=cat("diverged"),
              wall_time=float(sum(float(h["wall_time"]) for h in hists)),
              num_groups=len(groups))


def shallow_ntk_check(config, b, max_points: int = 1001, num_eigs: int = 7) -> dict[str, Any]:
  """Empirical NTK of run 0's net at init vs ntk_factor · theory.two_layer_relu_ntk.

  Returns the median elementwise ratio Θ_ij / H(x_iᵀx_j) (over |H| > 1e-3; expected
  ``ntk_factor``), and the top eigenvalues of Θ next to n·λ_k of the theory, listed with
  their multiplicities (circle: 1 for k = 0, 2 after; sphere: 2k + 1).
  """
  n = min(config.num_points, max_points)
  x = jnp.asarray(b["xs"][0, :n])
  params = b["init_fn"](jnp.asarray(b["run_init"][0]))
  a = jnp.asarray(b["batch"]["a"][0])
  theta = np.asarray(kernels.empirical_ntk(lambda p, xx: b["model"].apply(p, xx, a), params,
                                           x, chunk_size=256), np.float64)
  xd = np.asarray(x, np.float64)
  H = theory.two_layer_relu_ntk(np.clip(xd @ xd.T, -1, 1), bias=config.model.bias)
  big = np.abs(H) > 1e-3
  ratio = float(np.median(theta[big] / H[big]))
  emp = np.linalg.eigvalsh(0.5 * (theta + theta.T))[::-1][:num_eigs]
  ks = np.arange(0, 16)
  lam = n * mode_eigenvalues(config, ks)
  mult = (np.where(ks == 0, 1, 2) if config.domain == "circle"
          else theory.sphere_multiplicity(3, ks))
  th = np.sort(np.repeat(lam, mult))[::-1][:num_eigs]
  return {"points": n, "expected_factor": ntk_factor(config.model.bias),
          "median_elementwise_ratio": ratio, "top_eigs_empirical": emp,
          "top_eigs_theory": th}


def empirical_predictions(config, b) -> tuple[np.ndarray, np.ndarray]:
  """Per-pair kernel-regime steps from each run's empirical NTK at init.

  Θ_r = `kernels.empirical_ntk` of run r's net (trainable parameters only; the shallow
  net's signs a_r are fixed), eigendecomposed once per run; every pair of that run flows
  its own initial residual u₀ − y (initial output included) with `first_time_below`.

  Returns:
    pred[P] steps (NaN: not within ``predict_max_steps``), top_eigs[R, 8] of Θ_r.
  """
  P = len(b["pair_freq"])
  s = loss_scale(config.loss, config.num_points)
  pred = np.full(P, np.nan)
  eigs = []
  if config.model.kind == "shallow":
    # The signs ride along in the pytree behind stop_gradient (zero Jacobian: not trained),
    # so one function, hence one compiled NTK program, serves every run.
    f = lambda p, xx: b["model"].apply(p["net"], xx, jax.lax.stop_gradient(p["a"]))
  else:
    f = lambda p, xx: b["model"].apply(p["net"], xx)
  for r in range(config.num_runs):
    t0 = time.perf_counter()
    pairs = np.flatnonzero(b["pair_run"] == r)
    params = {"net": b["init_fn"](jnp.asarray(b["run_init"][r]))}
    if config.model.kind == "shallow":
      params["a"] = jnp.asarray(b["batch"]["a"][pairs[0]])
    x = jnp.asarray(b["xs"][r])
    theta = kernels.empirical_ntk(f, params, x, chunk_size=128)
    lam, vec = theory.eigh(theta)
    u0 = np.asarray(f(params, x), np.float64)
    for p in pairs:
      c = theory.project(u0 - np.asarray(b["y"][p], np.float64), vec)
      pred[p] = first_time_below(lam, c, config.lr, s,
                                 float(residual_sq_level(config, b["y_sq"][p])),
                                 config.predict_max_steps)
    eigs.append(lam[:8])
    logging.info("ntk_circle: empirical NTK of run %d (%d points) in %.1f s", r,
                 config.num_points, time.perf_counter() - t0)
  return pred, np.stack(eigs)


def run(config, workdir: str, resume: bool = False) -> str:
  """Trains every (k, run) pair, detects convergence, adds theory; returns the record path."""
  validate(config)
  workdir = records.check_writable(workdir)
  b = build(config)
  K, R = len(b["freqs"]), config.num_runs
  logging.info("ntk_circle: %s %s net (bias=%s, width %d) on the %s, k=%s, %d runs each "
               "(%d pairs), cap %d steps", config.model.kind, config.loss, config.model.bias,
               config.model.width, config.domain, b["freqs"].tolist(), R, K * R,
               config.num_steps)
  h = train_pairs(config, b, workdir, resume)
  steps = h["steps"]
  conv = first_step_below(steps, h["loss"], b["level"])
  stats = per_k_stats(conv, K, R)

  arrays = {"steps": steps, "loss": h["loss"], h["metric_name"]: h["metric"],
            "convergence_step": conv, "level": b["level"], "pair_freq": b["pair_freq"],
            "pair_run": b["pair_run"], "freqs": b["freqs"], "diverged": h["diverged"]}
  arrays.update({k: v for k, v in stats.items()})

  t_theory = time.perf_counter()
  extra = {}
  pred = np.full(K, np.nan)  # NaN: no prediction (cross-entropy, or switched off)
  if config.model.kind == "shallow":
    r0 = float(np.median(np.sqrt(b["y_sq"])))
    pred = predicted_steps_closed_form(config, b["freqs"], r0)
    arrays["mode_eigenvalues"] = mode_eigenvalues(config, b["freqs"])
    if config.ntk_check:
      chk = shallow_ntk_check(config, b)
      arrays["ntk_top_eigs_empirical"] = chk.pop("top_eigs_empirical")
      arrays["ntk_top_eigs_theory"] = chk.pop("top_eigs_theory")
      chk["top_eigs_empirical"] = arrays["ntk_top_eigs_empirical"]
      chk["top_eigs_theory"] = arrays["ntk_top_eigs_theory"]
      extra["ntk_check"] = chk
  pred_emp = None
  if config.empirical_prediction and config.loss != "cross_entropy":
    pair_pred, top = empirical_predictions(config, b)
    pstats = per_k_stats(pair_pred, K, R)
    pred_emp = np.where(pstats["frac_converged"] == 1, pstats["mean_steps"], np.inf)
    arrays["predicted_pair_steps"] = pair_pred
    arrays["predicted_empirical_steps"] = pred_emp
    arrays["init_ntk_top_eigs"] = top
    # > 2: the linearised GD diverges along the top mode (the nonlinear net "catapults").
    extra["lr_s_lambda_max_init_ntk"] = (config.lr * loss_scale(config.loss, config.num_points)
                                         * top[:, 0])
  if config.model.kind != "shallow" and pred_emp is not None:
    pred = pred_emp
  arrays["predicted_steps"] = pred
  t_theory = time.perf_counter() - t_theory

  stat = stats[f"{config.fit_statistic}_steps"]
  all_conv = stats["frac_converged"] == 1
  fit_meas = fit_exponent(b["freqs"], stat, config.fit_min_k, config.fit_max_k, all_conv)
  # Predictions are fitted over the same k as the measurement (every run converged), so
  # the exponents compare like with like (and a finite-width NTK's tiny odd-k eigenvalues,
  # converging after ~10⁷ steps, do not enter).
  fit_pred = fit_exponent(b["freqs"], pred, config.fit_min_k, config.fit_max_k, all_conv)
  fit_emp = (fit_exponent(b["freqs"], pred_emp, config.fit_min_k, config.fit_max_k, all_conv)
             if pred_emp is not None and config.model.kind == "shallow" else None)
  in_range = (b["freqs"] >= config.fit_min_k) & (b["freqs"] <= config.fit_max_k)
  odd = b["freqs"] % 2 == 1
  fin = np.where(np.isfinite(h["loss"]), h["loss"], np.inf)  # a diverged pair counts as +inf
  metrics = ({"step": int(s), "loss_median": float(np.median(fin[:, i])),
              "num_converged": int(np.sum(conv <= s))} for i, s in enumerate(steps))
  summary = {
      "experiment": "ntk_circle",
      "domain": config.domain, "model": config.model.kind, "bias": config.model.bias,
      "width": config.model.width, "num_points": config.num_points, "num_runs": R,
      "cap_steps": config.num_steps, "log_every": config.log_every,
      "convergence_rule": (f"{config.loss} loss < {config.threshold}"
                           if config.threshold_mode == "absolute" else
                           f"{config.loss} loss < {config.threshold} x loss at u=0"),
      "freqs": b["freqs"],
      "mean_steps": stats["mean_steps"], "median_steps": stats["median_steps"],
      "std_steps": stats["std_steps"], "frac_converged": stats["frac_converged"],
      "predicted_steps": pred,
      "predicted_empirical_steps": pred_emp,
      "prediction": ("closed-form NTK eigenvalues" if config.model.kind == "shallow"
                     else "empirical NTK at init" if pred_emp is not None
                     else "none (no kernel-flow law for cross-entropy)"
                     if config.loss == "cross_entropy" else "none"),
      "fit_statistic": config.fit_statistic,
      "fit_range": [config.fit_min_k, config.fit_max_k],
      "fit_measured": fit_meas, "fit_predicted": fit_pred, "fit_predicted_empirical": fit_emp,
      "fit_excluded_not_all_converged": b["freqs"][in_range & ~all_conv].tolist(),
      "paper_p_range": list(PAPER_P[config.domain]),
      "odd_k_ge3_frac_converged": (float(np.mean(stats["frac_converged"][odd & (b["freqs"] >= 3)]))
                                   if np.any(odd & (b["freqs"] >= 3)) else None),
      "diverged_pairs": np.flatnonzero(h["diverged"]).tolist(),
      "max_loss": float(np.nanmax(h["loss"])),
      "num_programs": h["num_groups"],
      "wall_time_s": h["wall_time"], "theory_time_s": t_theory,
      "pair_steps_per_s": K * R * int(steps[-1]) / max(h["wall_time"], 1e-9),
      "backend": jax.default_backend(),
  }
  summary.update(extra)
  path = records.save_record(workdir, config, metrics, arrays, summary)
  for name in os.listdir(workdir):
    if name.startswith(("group_", "checkpoint_")) and name.endswith(".npz"):
      os.remove(os.path.join(workdir, name))
  _log_result(summary)
  logging.info("ntk_circle: record written to %s (%.1f s training)", path, h["wall_time"])
  return path


def _log_result(s) -> None:
  for name in ("fit_measured", "fit_predicted", "fit_predicted_empirical"):
    f = s[name]
    if f is None and name == "fit_predicted_empirical":
      continue
    if f is None:
      logging.info("ntk_circle: %s: too few converged k in %s to fit", name, s["fit_range"])
    else:
      logging.info("ntk_circle: %s p = %.3f (95%% CI %.3f–%.3f) over k=%s; paper %s", name,
                   f["p"], f["ci95"][0], f["ci95"][1], f["freqs_used"], s["paper_p_range"])
