"""Basri et al. 2019 — iterations to fit sin(kθ) (or P_k on S²) as a function of k.

The driver of two studies, each with its own config and script: ``ntk_circle``
(configs/ntk_circle.py: shallow nets with and without bias, deep and residual nets on the
circle) and ``basri_sphere`` (configs/basri_sphere.py: the shallow net on S²).

``run(config, workdir)`` trains one net per (frequency k, run r) pair. Every pair is a
"seed" of `train.train_seeds` with its own inputs, target and fixed output signs carried
in the batch (``batch_axes`` 0), so all pairs train in one compiled program (or, with
``config.pairs_per_program``, in equal-shaped groups of pairs run one after another).
Pair p = i_k · num_runs + r. Every pair draws its own inputs, initial weights, signs and
phase (the data/init/signs/phase keys are split per pair), as the authors reseed every
run of every k (``runOneSession.m``: ``rng(num)``), so the errors of different k are
independent.

Models (``config.model.kind``):
  * ``shallow`` — `models.TwoLayerReLU(outer="sign")`: u(x) = (1/√m) Σ_r a_r
    ReLU(w_rᵀx + b_r), a_r = ±1 fixed (in the batch, not trained), w_r ~ N(0, κ²I),
    b_r = 0 at init and trained (``model.bias``) or absent. Its NTK at init is
    `theory.sign_net_ntk`: H without bias, 2·H̄ with the unscaled trained bias; checked
    against the empirical NTK in the record.
  * ``deep`` — the authors' PyTorch net, `models.MLP(init_scheme="kaiming_normal",
    readout_bias=False)`: ``depth`` hidden Dense+ReLU layers of ``width``,
    W ~ N(0, 1/(3 fan_in)), b ~ U(±1/√fan_in), a bias-free linear readout.
  * ``residual`` — the same with ``residual=True``: x ← ReLU(Wx + b) + x after the first
    hidden layer.

Losses (`losses`): ``sum_half`` = ½‖y − u‖² (shallow, Basri), ``mse`` = mean (y − u)²
(deep), ``cross_entropy`` (residual, as the authors' code).
Converged: the first step t (updates done; every step checked in-graph,
`train_seeds(track_below="level")`, not only the logged ones) whose loss is < threshold
(``threshold_mode="absolute"``) or < threshold · loss(u = 0) ("relative": the authors'
deep nets stop at 5 % of ‖y‖²/n) — the authors' loops (``trainAr.m``: ``losses(i)`` after
update i, ``break`` at < 0.05, time = i). A pair that never gets there within
``num_steps`` has convergence step NaN and is counted in ``frac_converged``.
``fit_even_only`` restricts the fit to even k (the authors' no-bias fits, k = 8:2:30).

Theory per k (kernel regime, GD residual along mode k decays like (1 − η s n λ_k)^t with
s = 1 for ``sum_half``, 2/n for ``mse``, λ_k w.r.t. the uniform probability measure):
  * shallow: λ_k = ``theory.sign_net_eigenvalues(k, d, bias)`` (circle: closed form;
    S²: Funk–Hecke). ``predicted_steps``: the initial output u₀ included in expectation
    (`predicted_steps_with_init_output`: degree j of u₀ carries n ν_j mult_j, ν_j from
    `theory.sign_net_init_output_eigenvalues`, and decays at its own λ_j) — it sets the
    tens-of-steps floor at low k; "never" (inf) where a degree has η s n λ_j > 2 (k = 0,
    and on the circle k = 1, with bias: the catapult, not the kernel regime).
    ``predicted_target_steps``: `theory.convergence_steps` for the target's own mode only
    (u₀ ignored); ``u0_negligible_k`` lists the k where the two agree within 5 %.
  * deep/residual (and, as a second prediction, the shallow nets with
    ``empirical_prediction``): the empirical NTK Θ of each run's net at init
    (`kernel_regime.init_kernels`), eigendecomposed, the initial residual u₀ − y of each
    pair (initial output included) projected on it and flowed: the first step with ‖r_t‖²
    below the threshold (`theory.convergence_time`).

Record (seed axis = pair axis first):
  arrays.npz: steps[L] (to summary.last_step: the cap, or with stop_at_convergence the
    end of the chunk by which every pair converged; a group of pairs that stopped earlier
    is NaN after its stop), loss[P, L], target_residual[P, L] (⟨y − u, y⟩/‖y‖, the
    residual along the target), convergence_step[P] (NaN: never), level[P] (loss threshold),
    pair_freq[P], pair_run[P], freqs[K], mean_steps[K], median_steps[K], std_steps[K],
    frac_converged[K], predicted_steps[K] (inf: never), predicted_target_steps[K],
    predicted_empirical_steps[K] and predicted_pair_steps[P] (empirical-NTK prediction,
    one Θ per pair), init_ntk_top_eigs[P, 8],
    diverged[P], ntk_top_eigs_empirical[E], ntk_top_eigs_theory[E] (shallow check).
  summary.json: per-k statistics, fitted exponent p with 95 % CI for measurement and
    theory (u₀ included, target only, empirical NTK), the paper's range, η s n λ_k at
    init for k = 0, 1, 2 (``lr_s_n_lambda_init``), the NTK normalisation check, timing.
"""
from __future__ import annotations

import time
from typing import Any, Iterator

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import logging

from fourier_nn import data, kernel_regime, losses, models, records, theory, train
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


def predicted_steps_closed_form(config, freqs: np.ndarray, r0_norm: float) -> np.ndarray:
  """Kernel-regime steps for the target's own mode (initial output ignored):
  `theory.convergence_steps` on n·s·λ_k."""
  lam = mode_eigenvalues(config, freqs)
  loss = losses.get(config.loss)
  eps = np.sqrt(residual_sq_level(config, r0_norm ** 2))
  return theory.convergence_steps(lam, config.lr, eps, r0_coeff=r0_norm,
                                  scale=loss.flow_scale(config.num_points) * config.num_points)


def init_output_degrees(config) -> np.ndarray:
  """Degrees j the sample resolves: circle j ≤ (n − 1)/2; S² Σ_j (2j + 1) = (J + 1)² ≤ n."""
  n = config.num_points
  J = (n - 1) // 2 if config.domain == "circle" else int(np.floor(np.sqrt(n))) - 1
  return np.arange(0, J + 1)


def predicted_steps_with_init_output(config, freqs: np.ndarray, y_sq: float) -> np.ndarray:
  """Kernel-regime steps with the initial output u₀ included, in expectation over init.

  The residual r₀ = u₀ − y; over the init, E⟨u₀, y⟩ = 0 and degree j of u₀ carries
  E‖P_j u₀‖² = n ν_j mult_j (`theory.sign_net_init_output_eigenvalues`), which decays like
  (1 − η s n λ_j)^{2t}; the target adds ‖y‖² to its own degree. Returns the first t with
  Σ_j E‖P_j r_t‖² below the level (`theory.convergence_time`; inf: never within
  ``predict_max_steps`` — e.g. a degree with η s n λ_j > 2 grows, as k = 0 with bias).
  Where this equals `predicted_steps_closed_form` u₀ is negligible; at low k it is what
  sets the measured floor of tens of steps (shallow nets only).
  """
  n = config.num_points
  d = _dim(config)
  js = init_output_degrees(config)
  lam = n * mode_eigenvalues(config, js)
  mult = theory.sphere_multiplicity(d, js)
  energy = n * np.maximum(theory.sign_net_init_output_eigenvalues(js, d, config.model.kappa),
                          0.0) * mult
  s = losses.get(config.loss).flow_scale(n)
  level = float(residual_sq_level(config, y_sq))
  out = np.empty(len(freqs))
  for i, k in enumerate(freqs):
    c2 = energy.copy()
    c2[js == k] += y_sq
    t = theory.convergence_time(lam, np.sqrt(c2), config.lr, s, level, config.predict_max_steps)
    out[i] = np.inf if np.isnan(t) else t
  return out


def init_mode_rates(config, ks=(0, 1, 2)) -> dict[str, float]:
  """η·s·n·λ_k at init for low k: > 2 means GD on that mode's linearisation diverges."""
  s = losses.get(config.loss).flow_scale(config.num_points)
  lam = mode_eigenvalues(config, np.asarray(ks))
  return {f"k={k}": float(config.lr * s * config.num_points * v) for k, v in zip(ks, lam)}


def mode_eigenvalues(config, freqs) -> np.ndarray:
  """λ_k of the shallow net's NTK w.r.t. the uniform probability measure."""
  return theory.sign_net_eigenvalues(freqs, _dim(config), bias=config.model.bias)


def residual_sq_level(config, y_sq_norm):
  """Threshold on ‖r‖² equivalent to the convergence rule (absolute or relative)."""
  if config.threshold_mode == "absolute":
    return losses.get(config.loss).residual_sq(config.threshold, config.num_points)
  return config.threshold * np.asarray(y_sq_norm, np.float64)  # loss/loss(0) = ‖r‖²/‖y‖²


def _dim(config) -> int:
  return 2 if config.domain == "circle" else 3


# ----------------------------------------------------------------------------------------
# Config checks and construction.


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.require(config.domain in DOMAINS, "domain", config.domain, f"choose one of {DOMAINS}")
  m = config.model
  common.require(m.kind in KINDS, "model.kind", m.kind, f"choose one of {KINDS}")
  common.require(config.domain == "circle" or m.kind == "shallow", "domain", config.domain,
                 "the sphere experiment uses the shallow net (set --config.model.kind=shallow)")
  common.check_positive_int(config, "num_points", "num_runs", "model.width")
  common.check_schedule(config)
  common.check_positive(config, "lr", "threshold", "model.kappa")
  common.require(isinstance(m.depth, int) and m.depth >= 1, "model.depth", m.depth,
                 "must be an integer >= 1")
  common.require(config.loss in LOSSES, "loss", config.loss, f"choose one of {LOSSES}")
  common.require(config.loss != "cross_entropy" or m.kind != "shallow", "loss", config.loss,
                 "cross_entropy is for the deep/residual nets (authors' residual code)")
  common.require(config.threshold_mode in THRESHOLD_MODES, "threshold_mode",
                 config.threshold_mode, f"choose one of {THRESHOLD_MODES}")
  common.require(isinstance(config.fit_even_only, bool), "fit_even_only",
                 config.fit_even_only, "must be True or False")
  common.require(config.fit_statistic in FIT_STATISTICS, "fit_statistic", config.fit_statistic,
                 f"choose one of {FIT_STATISTICS}")
  common.require(isinstance(config.stop_at_convergence, bool), "stop_at_convergence",
                 config.stop_at_convergence, "must be True or False")
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
  pairs = config.num_runs * len(freqs)
  per_program = min(pairs, config.pairs_per_program or pairs)
  in_dim = 2 if config.domain == "circle" else 3
  from fourier_nn import memory
  nets = memory.mlp_training_bytes(per_program, [m.width] * (m.depth if m.kind != "shallow"
                                                             else 1), config.num_points, in_dim)
  inputs = 4 * (in_dim + 1) * pairs * config.num_points
  key = "pairs_per_program" if per_program < pairs and nets > inputs else "num_runs"
  common.check_training_memory(  # one program's nets, and every pair's inputs and targets
      key, config[key], per_program, [m.width] * (m.depth if m.kind != "shallow" else 1),
      config.num_points, in_dim=in_dim, extra_bytes=inputs,
      width_key=("model.width", m.width), points_key=("num_points", config.num_points),
      sizes={"pairs": pairs, "pairs in one program": per_program, "model.width": m.width,
             "num_points": config.num_points})


def build(config):
  """Data, model and functions of the experiment (everything but the training loop).

  Every (k, run) pair has its own inputs, init, output signs and phase (keys split per
  pair, as the authors reseed every run of every k), so no two pairs share an error.
  """
  K, R = len(config.freqs), config.num_runs
  P = K * R
  freqs = np.asarray(config.freqs, np.int64)
  keys = common.seed_keys(config.seed, "data", "init", "signs", "phase")
  pair_data = jax.random.split(keys["data"], P)
  d = _dim(config)
  xs, angles = [], []
  for p in range(P):
    if config.domain == "circle":
      th, x = data.sample_circle(pair_data[p], config.num_points)
      angles.append(np.asarray(th, np.float64))
    else:
      x = data.sample_sphere(pair_data[p], config.num_points, 3)
      angles.append(data.polar_angle(x))
    xs.append(np.asarray(x, np.float32))
  xs = np.stack(xs)  # [P, N, d]
  angles = np.stack(angles)  # [P, N]: θ (circle) or polar angle to e_3 (sphere)

  pair_freq = np.repeat(freqs, R)
  pair_run = np.tile(np.arange(R), K)
  phases = (np.asarray(jax.random.uniform(keys["phase"], (P,), minval=-np.pi, maxval=np.pi),
                       np.float64) if config.random_phase else np.zeros(P))
  ys = np.empty((P, config.num_points))
  for p in range(P):
    k = pair_freq[p]
    ys[p] = (data.sine_target(angles[p], k, phases[p]) if config.domain == "circle"
             else data.legendre_target(xs[p], k))
  if config.normalize_target:
    ys = data.unit_normalize(ys)
  y = ys.astype(np.float32)
  x = xs

  m = config.model
  loss = losses.get(config.loss)
  if m.kind == "shallow":
    model = models.TwoLayerReLU(width=m.width, inner_std=m.kappa, bias=m.bias, outer="sign")
    signs = np.asarray(jax.vmap(lambda k: models.random_signs(k, m.width))(
        jax.random.split(keys["signs"], P)))
    batch = {"x": x, "y": y, "a": signs}
    apply = lambda params, b: model.apply(params, b["x"], b["a"])
    init_fn = lambda key: model.init(key, jnp.zeros((1, d), jnp.float32),
                                     jnp.zeros((m.width,), jnp.float32))
  else:
    ce = not loss.is_squared
    model = models.MLP(depth=m.depth, width=m.width, out_dim=2 if ce else 1,
                       init_scheme="kaiming_normal", readout_bias=False,
                       residual=m.kind == "residual")
    batch = {"x": x, "y": y}
    if ce:
      batch["label"] = (y > 0).astype(np.int32)
      batch["weight"] = (np.abs(y) > CE_MARGIN).astype(np.float32)
    apply = ((lambda params, b: model.apply(params, b["x"])) if ce
             else (lambda params, b: model.apply(params, b["x"])[:, 0]))
    init_fn = lambda key: model.init(key, jnp.zeros((1, d), jnp.float32))

  def loss_fn(params, b):  # cross-entropy: mean over the points with |y| > 2/3 (weight 1)
    if loss.is_squared:
      return loss(apply(params, b), b["y"])
    return loss(apply(params, b), b["label"], b["weight"])

  def measure_fn(params, b, step):
    del step
    if not loss.is_squared:
      hit = jnp.argmax(apply(params, b), axis=-1) == b["label"]
      return {"train_accuracy": jnp.sum(b["weight"] * hit) / jnp.sum(b["weight"])}
    y_ = b["y"]
    return {"target_residual": jnp.dot(y_ - apply(params, b), y_) / jnp.linalg.norm(y_)}

  init_keys = jax.random.split(keys["init"], P)
  y_sq = np.sum(np.asarray(y, np.float64) ** 2, -1)
  level = (np.full(P, config.threshold) if config.threshold_mode == "absolute"
           else config.threshold * loss.at_zero_output(y))
  batch["level"] = np.asarray(level, np.float32)  # the in-graph first-crossing check
  return dict(model=model, loss=loss, apply=apply, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, batch=batch, init_keys=init_keys,
              freqs=freqs, pair_freq=pair_freq, pair_run=pair_run, xs=xs, angles=angles,
              phases=phases, y=y, y_sq=y_sq, level=level, d=d)


# ----------------------------------------------------------------------------------------
# Running.


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every (k, run) pair, detects convergence, adds theory; returns the record path."""
  validate(config)
  # resume, overwrite, tensorboard; a resume must have the checkpointed run's config
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  K, R = len(b["freqs"]), config.num_runs
  logging.info("%s: %s %s net (bias=%s, width %d) on the %s, k=%s, %d runs each "
               "(%d pairs), cap %d steps", config.experiment, config.model.kind, config.loss,
               config.model.bias, config.model.width, config.domain, b["freqs"].tolist(), R,
               K * R, config.num_steps)
  hist = train.train_in_groups(
      b["init_fn"], b["loss_fn"], optax.sgd(config.lr), b["batch"], jnp.asarray(b["init_keys"]),
      config.num_steps, config.log_every, b["measure_fn"],
      group_size=config.pairs_per_program or K * R, batch_axes={k: 0 for k in b["batch"]},
      checkpoint_path=lambda gi: wd.checkpoint_path(f"checkpoint_group{gi}"),
      monitor=wd.monitor(),
      chunk_logs=config.chunk_logs or None, checkpoint_every=config.checkpoint_every,
      name=config.experiment, track_below="level",
      stop_when_below=config.stop_at_convergence)
  arrays, metrics, summary = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  _log_result(summary)
  logging.info("%s: record written to %s (%.1f s training)", config.experiment, path,
               hist.wall_time)
  return path


def shallow_ntk_check(config, b, k0: kernel_regime.InitKernel,
                      num_eigs: int = 7) -> dict[str, Any]:
  """Empirical NTK of pair 0's net at init vs `theory.sign_net_ntk`.

  Returns the median elementwise ratio Θ_ij / H(x_iᵀx_j) (over |H| > 1e-3; expected 1),
  and the top eigenvalues of Θ next to n·λ_k of the theory, listed with their
  multiplicities (circle: 1 for k = 0, 2 after; sphere: 2k + 1).
  """
  n = config.num_points
  xd = np.asarray(b["xs"][0], np.float64)
  H = theory.sign_net_ntk(np.clip(xd @ xd.T, -1, 1), bias=config.model.bias)
  big = np.abs(H) > 1e-3
  ratio = float(np.median(k0.theta[big] / H[big]))
  ks = np.arange(0, 16)
  lam = n * mode_eigenvalues(config, ks)
  mult = (np.where(ks == 0, 1, 2) if config.domain == "circle"
          else theory.sphere_multiplicity(3, ks))
  th = np.sort(np.repeat(lam, mult))[::-1][:num_eigs]
  return {"points": n, "expected_ratio": 1.0, "median_elementwise_ratio": ratio,
          "top_eigs_empirical": k0.eigvals[:num_eigs], "top_eigs_theory": th}


def init_kernels(config, b, pairs) -> Iterator[kernel_regime.InitKernel]:
  """`kernel_regime.init_kernels` of the given pairs' nets (one compiled NTK program).

  Θ_p is over the trainable parameters only: the shallow net's signs a_p ride along in
  the pytree behind stop_gradient (zero Jacobian), so one function serves every pair.
  """
  if config.model.kind == "shallow":
    f = lambda p, xx: b["model"].apply(p["net"], xx, jax.lax.stop_gradient(p["a"]))
  else:
    f = lambda p, xx: b["apply"](p["net"], {"x": xx})

  def params(q):
    p = {"net": b["init_fn"](jnp.asarray(b["init_keys"][q]))}
    if config.model.kind == "shallow":
      p["a"] = jnp.asarray(b["batch"]["a"][q])
    return p

  pairs = list(pairs)
  return kernel_regime.init_kernels(f, (params(q) for q in pairs), [b["xs"][q] for q in pairs],
                                    name=config.experiment, chunk_size=128)


def empirical_predictions(config, b) -> tuple[np.ndarray, np.ndarray, dict | None]:
  """Per-pair kernel-regime steps from each pair's empirical NTK at init.

  Θ_p of pair p's net on its own inputs, eigendecomposed (`init_kernels`); the pair's
  initial residual u₀ − y (initial output included) flows with `theory.convergence_time`.
  Pair 0's Θ also serves the shallow NTK check.

  Returns:
    pred[P] steps (NaN: not within ``predict_max_steps``), top_eigs[P, 8] of Θ_p, and the
    `shallow_ntk_check` (None unless a shallow net with ``ntk_check``).
  """
  s = b["loss"].flow_scale(config.num_points)
  P = len(b["pair_freq"])
  pred, eigs, check = np.full(P, np.nan), [], None
  for p, k in enumerate(init_kernels(config, b, range(P))):
    c = k.coeffs(k.f0 - np.asarray(b["y"][p], np.float64))
    pred[p] = theory.convergence_time(k.eigvals, c, config.lr, s,
                                      float(residual_sq_level(config, b["y_sq"][p])),
                                      config.predict_max_steps)
    eigs.append(k.eigvals[:8])
    if p == 0 and config.model.kind == "shallow" and config.ntk_check:
      check = shallow_ntk_check(config, b, k)
  return pred, np.stack(eigs), check


def analyse(config, b, hist: train.History):
  """Convergence steps per pair, statistics per k, predictions and fitted exponents."""
  K, R = len(b["freqs"]), config.num_runs
  steps = hist.steps
  # The first step below the level, every step checked in-graph (-1: never).
  conv = np.where(hist.first_below >= 0, hist.first_below, np.nan).astype(np.float64)
  stats = theory.group_stats(conv.reshape(K, R))
  metric_name = "target_residual" if b["loss"].is_squared else "train_accuracy"
  arrays = {"steps": steps, "loss": hist.loss, metric_name: hist.metrics[metric_name],
            "convergence_step": conv, "level": b["level"], "pair_freq": b["pair_freq"],
            "pair_run": b["pair_run"], "freqs": b["freqs"], "diverged": hist.diverged}
  arrays.update(stats)

  t_theory = time.perf_counter()
  extra = {}
  pred = np.full(K, np.nan)  # NaN: no prediction (cross-entropy, or switched off)
  pred_target = None
  if config.model.kind == "shallow":
    r0 = float(np.median(np.sqrt(b["y_sq"])))
    pred_target = predicted_steps_closed_form(config, b["freqs"], r0)
    pred = predicted_steps_with_init_output(config, b["freqs"], r0 ** 2)
    arrays["predicted_target_steps"] = pred_target
    arrays["mode_eigenvalues"] = mode_eigenvalues(config, b["freqs"])
    extra["lr_s_n_lambda_init"] = init_mode_rates(config)
  pred_emp, check = None, None
  if config.empirical_prediction and b["loss"].is_squared:
    pair_pred, top, check = empirical_predictions(config, b)
    pstats = theory.group_stats(pair_pred.reshape(K, R))
    pred_emp = np.where(pstats["frac_converged"] == 1, pstats["mean_steps"], np.inf)
    arrays["predicted_pair_steps"] = pair_pred
    arrays["predicted_empirical_steps"] = pred_emp
    arrays["init_ntk_top_eigs"] = top
    # > 2: the linearised GD diverges along the top mode (the nonlinear net "catapults").
    extra["lr_s_lambda_max_init_ntk"] = (
        config.lr * b["loss"].flow_scale(config.num_points) * top[:, 0])
  if check is None and config.model.kind == "shallow" and config.ntk_check:
    check = shallow_ntk_check(config, b, next(iter(init_kernels(config, b, [0]))))
  if check is not None:
    arrays["ntk_top_eigs_empirical"] = check["top_eigs_empirical"]
    arrays["ntk_top_eigs_theory"] = check["top_eigs_theory"]
    extra["ntk_check"] = check
  if config.model.kind != "shallow" and pred_emp is not None:
    pred = pred_emp
  arrays["predicted_steps"] = pred
  t_theory = time.perf_counter() - t_theory

  stat = stats[f"{config.fit_statistic}_steps"]
  every_run = stats["frac_converged"] == 1
  all_conv = every_run & ((b["freqs"] % 2 == 0) if config.fit_even_only else True)
  kfit = (b["freqs"], config.fit_min_k, config.fit_max_k)
  fit_meas = theory.fit_exponent(kfit[0], stat, *kfit[1:], allowed=all_conv)
  # Predictions are fitted over the same k as the measurement (every run converged), so
  # the exponents compare like with like (and a finite-width NTK's tiny odd-k eigenvalues,
  # converging after ~10⁷ steps, do not enter).
  fit_pred = theory.fit_exponent(kfit[0], pred, *kfit[1:], allowed=all_conv)
  with np.errstate(invalid="ignore"):  # inf − inf where neither prediction converges
    u0_small = (np.isfinite(pred) & (np.abs(pred - pred_target) <= 0.05 * pred_target)
                if pred_target is not None else None)
  fit_target = (theory.fit_exponent(kfit[0], pred_target, *kfit[1:], allowed=all_conv)
                if pred_target is not None else None)
  fit_emp = (theory.fit_exponent(kfit[0], pred_emp, *kfit[1:], allowed=all_conv)
             if pred_emp is not None and config.model.kind == "shallow" else None)
  in_range = (b["freqs"] >= config.fit_min_k) & (b["freqs"] <= config.fit_max_k)
  odd = b["freqs"] % 2 == 1
  # A diverged pair counts as +inf; NaN after a program stopped at convergence is left out.
  fin = np.where(np.isfinite(hist.loss), hist.loss,
                 np.where(hist.diverged[:, None], np.inf, np.nan))
  metrics = ({"step": int(s), "loss_median": float(np.nanmedian(fin[:, i])),
              "num_converged": int(np.sum(conv <= s))} for i, s in enumerate(steps))
  summary = {
      "experiment": config.experiment,
      "domain": config.domain, "model": config.model.kind, "bias": config.model.bias,
      "width": config.model.width, "num_points": config.num_points, "num_runs": R,
      "cap_steps": config.num_steps, "log_every": config.log_every,
      "last_step": int(steps[-1]),  # < cap_steps: stopped once every pair converged
      "convergence_rule": (f"{config.loss} loss < {config.threshold}"
                           if config.threshold_mode == "absolute" else
                           f"{config.loss} loss < {config.threshold} x loss at u=0"),
      "freqs": b["freqs"],
      "mean_steps": stats["mean_steps"], "median_steps": stats["median_steps"],
      "std_steps": stats["std_steps"], "frac_converged": stats["frac_converged"],
      "predicted_steps": pred,
      "predicted_target_steps": pred_target,
      "u0_negligible_k": b["freqs"][u0_small].tolist() if u0_small is not None else None,
      "predicted_empirical_steps": pred_emp,
      "prediction": ("closed-form NTK eigenvalues, initial output included in expectation"
                     if config.model.kind == "shallow"
                     else "empirical NTK at init" if pred_emp is not None
                     else "none (no kernel-flow law for cross-entropy)"
                     if not b["loss"].is_squared else "none"),
      "fit_statistic": config.fit_statistic,
      "fit_range": [config.fit_min_k, config.fit_max_k],
      "fit_measured": fit_meas, "fit_predicted": fit_pred,
      "fit_predicted_target_only": fit_target, "fit_predicted_empirical": fit_emp,
      "fit_even_only": config.fit_even_only,
      "fit_excluded_not_all_converged": b["freqs"][in_range & ~every_run].tolist(),
      "paper_p_range": list(PAPER_P[config.domain]),
      "odd_k_ge3_frac_converged": (float(np.mean(stats["frac_converged"][odd & (b["freqs"] >= 3)]))
                                   if np.any(odd & (b["freqs"] >= 3)) else None),
      "diverged_pairs": np.flatnonzero(hist.diverged).tolist(),
      "max_loss": float(np.nanmax(hist.loss)),
      "num_programs": -(-K * R // (config.pairs_per_program or K * R)),
      "wall_time_s": hist.wall_time, "theory_time_s": t_theory,
      "pair_steps_per_s": K * R * int(steps[-1]) / max(hist.wall_time, 1e-9),
      "backend": jax.default_backend(),
  }
  summary.update(extra)
  return arrays, metrics, summary


def _log_result(s) -> None:
  name = s["experiment"]
  for fit in ("fit_measured", "fit_predicted", "fit_predicted_target_only",
              "fit_predicted_empirical"):
    f = s[fit]
    if f is None and fit in ("fit_predicted_empirical", "fit_predicted_target_only"):
      continue
    if f is None:
      logging.info("%s: %s: too few converged k in %s to fit", name, fit, s["fit_range"])
    else:
      logging.info("%s: %s p = %.3f (95%% CI %.3f–%.3f) over k=%s; paper %s", name, fit,
                   f["p"], f["ci95"][0], f["ci95"][1], f["freqs_used"], s["paper_p_range"])
