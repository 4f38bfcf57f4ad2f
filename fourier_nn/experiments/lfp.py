"""Linear F-Principle (Zhang, Xu, Luo, Ma 2019): a wide two-layer ReLU net on a few 1-D points.

The net (NTK parameterisation, m neurons)

  h(x) = (1/√m) Σ_i w_i ReLU(r_i (x + l_i)),   r_i ~ N(0, σ_r²), w_i ~ N(0, σ_w²),
                                               l_i ~ U(−L, L),

is trained by full-batch GD on the MSE (1/n) Σ_j (h(x_j) − y_j)². With
``antisymmetric=True`` the neurons come in pairs (w, r, l), (−w, r, l), so h ≡ 0 at
initialisation and the long-time limit is the interpolant of the data itself.

The net is `models.TwoLayerReLU(form="shifted")`. Infinite-width NTK (derived here,
exact for x, x′ ∈ [−L, L], r symmetric in sign and independent of l; `theory.lfp_ntk`):

  Θ̄(x, x′) = (⟨r²⟩ + ⟨w²⟩)·(x x′/2 + L²/6 + |x − x′|³/(24L)) + ⟨r²w²⟩·(1/2 − |x − x′|/(4L)).

The w- and r-gradients give the ramp term, the l-gradient the step term. Up to the
polynomial part (constants and x x′), Θ̄ = (ρ/16π⁴)·k(x − x′) with ρ = 1/(2L) the density
of l and k(s) = ∫ γ(ξ) e^{2πiξs} dξ, γ the LFP multiplier 4π²⟨r²w²⟩/ξ² + (⟨r²⟩+⟨w²⟩)/ξ⁴
(`theory.lfp_multiplier`). GD with step η on the MSE moves the residual by
−η (2/n) Θ r per step, while the LFP ∂_τ ĥ = −γ (ĥ_p − f̂_p), p = (1/n) Σ δ_{x_j}, moves it
by −(1/n) k r dτ. So one GD step is LFP time

  dτ = 2ρη/(16π⁴) = η / (16π⁴ L)                                 (`theory.lfp_time_per_step`)

and the LFP acting on the n sample residuals is the linear system dr/dτ = −(1/n) K r,
K_ij = (1/P) Σ_{ξ ∈ ℤ/P} γ(ξ) e^{2πiξ(x_i − x_j)} = `theory.lfp_kernel`(x_i − x_j)/P on a
period P ≫ the data (→ k as P → ∞), with the ξ = 0 mode (γ = ∞: the mean) learned
instantly. The crossover length ℓ = √(6⟨r²w²⟩/(⟨r²⟩+⟨w²⟩)) decides the regime: the
ξ⁻² (step) term dominates on the data when ℓ ≫ the data span (→ linear spline), the ξ⁻⁴
(ramp) term when ℓ ≪ the knot spacing (→ natural cubic spline).

``run(config, workdir)`` trains ``num_seeds`` nets in one compiled program, then writes a
record:

  arrays.npz: steps[L], loss[S, L], residuals[S, L, n] (h − y at the data, measured),
      predicted_residuals_lfp / _ntk_limit / _ntk_init [S, L, n],
      residual_fourier[S, L, F], predicted_residual_fourier_lfp[S, L, F]
          (|(1/n) Σ_j r_j e^{−2πiξ x_j}| = |(ĥ_p − f̂_p)(ξ)| at ξ = fourier_freqs[F]),
      grid[G], in_range[G], x_train[n], y_train[n],
      final_function[S, G], linear_spline[S, G], cubic_spline[S, G], lfp_interpolant[S, G],
      snapshot_functions[S, P, G], predicted_snapshot_functions_lfp[S, P, G] at
          snapshot_steps[P], moments[S, 3] = (⟨r²w²⟩, ⟨r²⟩, ⟨w²⟩) at init.
  summary.json: L2 distances on the data range of the trained function to the linear
      spline, the cubic spline and the LFP interpolant (per seed and mean); the relative
      error of the LFP- (and NTK-) predicted residuals; laziness diagnostics.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import logging

from fourier_nn import data, kernel_regime, losses, models, records, spectrum, theory, train
from fourier_nn.experiments import common

LOSS = losses.get("mse")

PREDICTIONS = ("lfp", "ntk_limit", "ntk_init")


# ----------------------------------------------------------------------------------------
# Experiment.


def validate(config) -> None:
  """Raises ConfigError with one clear line for any bad setting."""
  common.check_ridge_net(config)
  m = config.model
  common.require(m.init_dist in models.INIT_DISTS, "model.init_dist", m.init_dist,
                 f"choose one of {models.INIT_DISTS}")
  common.check_positive(config, "model.l_range")
  x = np.asarray(config.x_train, np.float64)
  common.require(x.ndim == 1 and x.size >= 3 and np.all(np.isfinite(x)), "x_train",
                 config.x_train, "must hold at least 3 finite numbers")
  common.require(np.unique(x).size == x.size, "x_train", config.x_train,
                 "must hold distinct points")
  common.require(np.max(np.abs(x)) + config.grid_margin < m.l_range, "model.l_range",
                 m.l_range, f"must exceed max|x_train| + grid_margin = "
                 f"{np.max(np.abs(x)) + config.grid_margin:g} (the l_i must cover the inputs)")
  common.require(math.isfinite(config.target_freq), "target_freq", config.target_freq,
                 "must be a finite number")
  common.require(config.grid_margin >= 0, "grid_margin", config.grid_margin, "must be >= 0")
  common.require(config.grid_points >= 10, "grid_points", config.grid_points, "must be >= 10")
  common.require(isinstance(config.lr, (int, float)) and config.lr >= 0, "lr", config.lr,
                 "must be >= 0 (0: lr_fraction x the GD stability limit)")
  span = x.max() - x.min() + 2 * config.grid_margin
  common.require(config.lfp_period > 2 * span, "lfp_period", config.lfp_period,
                 f"must exceed twice the evaluated span {span:g}")
  common.require(all(s % config.log_every == 0 and 0 <= s <= config.num_steps
                     for s in config.snapshot_steps), "snapshot_steps", config.snapshot_steps,
                 f"must be logged steps (multiples of log_every={config.log_every} "
                 f"in [0, num_steps])")
  common.check_training_memory(  # training on x_train, then every seed on the grid
      "model.width", m.width, config.num_seeds, [m.width], x.size + config.grid_points,
      sizes={"num_seeds": config.num_seeds, "model.width": m.width,
             "grid_points": config.grid_points})


def build(config):
  """Data, model functions, learning rate (everything but the training loop)."""
  m = config.model
  keys = common.seed_keys(config.seed, "init")
  x, y = data.lfp_points(config.x_train, config.target_freq)
  n = x.size
  grid, in_range = data.interval_grid(x, config.grid_margin, config.grid_points)
  model = models.TwoLayerReLU(width=m.width, form="shifted", inner_std=m.r_std,
                              outer_std=m.w_std, shift_range=m.l_range,
                              antisymmetric=m.antisymmetric, init_dist=m.init_dist)

  def init_fn(key):
    return model.init(key, jnp.zeros((1, 1), jnp.float32))

  def apply(params, xx):
    return model.apply(params, xx)

  def loss_fn(params, batch):
    return LOSS(apply(params, batch["x"]), batch["y"])

  def measure_fn(params, batch, step):
    del step
    return {"residual": apply(params, batch["x"]) - batch["y"],
            "grid": apply(params, batch["grid"])}

  # One learning rate for all seeds, below every seed's GD stability limit: the largest
  # λ_max of the infinite-width NTK over the seeds' *sampled* moments (with normal init
  # ⟨r²w²⟩ is heavy-tailed; from the expected moments, 1 in 4 quick seeds was past it).
  init_keys = jax.random.split(keys["init"], config.num_seeds)
  lam_max = max(
      float(np.linalg.eigvalsh(theory.lfp_ntk(x, x, *models.second_moments(init_fn(k)),
                                              m.l_range))[-1]) for k in init_keys)
  lr = float(config.lr) if config.lr > 0 else config.lr_fraction * n / lam_max
  batch = {"x": jnp.asarray(x[:, None], jnp.float32), "y": jnp.asarray(y, jnp.float32),
           "grid": jnp.asarray(grid[:, None], jnp.float32)}
  return dict(x=x, y=y, grid=grid, in_range=in_range, batch=batch, lr=lr, model=model,
              apply=apply, lam_max=lam_max, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, init_keys=init_keys)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains, compares with the LFP / splines, writes the record; returns its path."""
  validate(config)
  # resume, overwrite, tensorboard; a resume must have the checkpointed run's config
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  m = config.model
  logging.info("lfp: %d seeds x %d steps, m=%d, σ_r=%g σ_w=%g L=%g, n=%d, GD lr %.4g",
               config.num_seeds, config.num_steps, m.width, m.r_std, m.w_std, m.l_range,
               b["x"].size, b["lr"])
  hist = train.train_seeds(
      b["init_fn"], b["loss_fn"], optax.sgd(b["lr"]), b["batch"], b["init_keys"],
      config.num_steps, config.log_every, b["measure_fn"],
      chunk_logs=config.chunk_logs or None, checkpoint_path=wd.checkpoint_path(),
      monitor=wd.monitor(),
      checkpoint_every=config.checkpoint_every, name="lfp")
  arrays, metrics, summary = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  logging.info("lfp: closer to the %s spline: distance to linear %.4f, cubic %.4f, LFP "
               "interpolant %.4f (mean of %d seeds); record in %s", summary["closer_to"],
               summary["distance_to_linear_spline"], summary["distance_to_cubic_spline"],
               summary["distance_to_lfp_interpolant"], config.num_seeds, path)
  return path


def analyse(config, b, hist: train.History):
  """Theory next to the measurement: splines, LFP interpolant, predicted dynamics.

  Returns the record's arrays, metric rows and summary.
  """
  m = config.model
  x, y, grid, mask = b["x"], b["y"], b["grid"], b["in_range"]
  n = x.size
  steps = hist.steps
  lr = b["lr"]
  tau = theory.lfp_time_per_step(lr, m.l_range) * steps
  freqs = np.asarray(config.fourier_freqs, np.float64)
  res_meas = np.asarray(hist.metrics["residual"], np.float64)  # [S, L, n]
  grid_meas = np.asarray(hist.metrics["grid"], np.float64)  # [S, L, G]
  snap_idx, snap_steps = common.snapshot_indices(steps, config.snapshot_steps)
  s_gd = LOSS.flow_scale(n)

  out = {k: [] for k in ("moments", "lin", "cub", "lfp_int", "h0", "ntk_change")}
  pred = {k: [] for k in PREDICTIONS}
  pred_final = {k: [] for k in PREDICTIONS}  # predicted function on the grid, last step
  pred_snap_lfp = []
  apply_j = jax.jit(b["apply"])  # the initial function on the grid, once per seed
  params = (b["init_fn"](key) for key in b["init_keys"])
  inits = kernel_regime.init_kernels(b["apply"], params, b["batch"]["x"], name="lfp",
                                     chunk_size=128)
  for s, k in enumerate(inits):
    r2w2, r2, w2 = models.second_moments(k.params)
    out["moments"].append((r2w2, r2, w2))
    h0_grid = np.asarray(apply_j(k.params, b["batch"]["grid"]), np.float64)
    out["h0"].append(h0_grid)
    r0 = res_meas[s, 0]  # measured h_0(x) − y: every prediction starts from it
    fx0 = y + r0
    # The LFP limit from h_ini: h_ini + the interpolant of the remaining residual.
    dy = -r0
    out["lin"].append(h0_grid + theory.linear_spline(x, dy, grid))
    out["cub"].append(h0_grid + theory.cubic_spline(x, dy, grid))
    out["lfp_int"].append(h0_grid + theory.lfp_interpolant(x, dy, grid, r2w2, r2, w2))

    # LFP (periodic) in LFP time τ. The ξ = 0 mode (the mean, γ = ∞) is learned at once:
    # a constant 1e6·max|K| stands in for ∞ (relative effect ~1e-6).
    K = theory.lfp_data_kernel(x, x, r2w2, r2, w2, config.lfp_period)
    Kg = theory.lfp_data_kernel(grid, x, r2w2, r2, w2, config.lfp_period)
    big = 1e6 * np.max(np.abs(K))
    lfp_fn = theory.gradient_descent_mse(K + big, y, 1.0, scale=1.0 / n, discrete=False)
    fx_l, fg_l = lfp_fn(tau, fx0, h0_grid, Kg + big)
    pred["lfp"].append(fx_l - y)
    pred_snap_lfp.append(fg_l[snap_idx])
    pred_final["lfp"].append(fg_l[-1])

    Kn = theory.lfp_ntk(x, x, r2w2, r2, w2, m.l_range)
    Kng = theory.lfp_ntk(grid, x, r2w2, r2, w2, m.l_range)
    fx_n, fg_n = theory.gradient_descent_mse(Kn, y, lr, scale=s_gd)(steps, fx0, h0_grid, Kng)
    pred["ntk_limit"].append(fx_n - y)
    pred_final["ntk_limit"].append(fg_n[-1])
    fx_e, fg_e = k.predictor(y, lr, scale=s_gd)(steps, fx0, h0_grid,
                                                k.test_kernel(b["batch"]["grid"]))
    pred["ntk_init"].append(fx_e - y)
    pred_final["ntk_init"].append(fg_e[-1])
    p_end = jax.tree_util.tree_map(lambda a: a[s], hist.params)
    Ke_end = np.asarray(k.ntk_fn(p_end, k.x), np.float64)
    out["ntk_change"].append(np.linalg.norm(Ke_end - k.theta) / np.linalg.norm(k.theta))
  pred = {k: np.stack(v) for k, v in pred.items()}
  pred_final = {k: np.stack(v) for k, v in pred_final.items()}
  lin, cub, lfp_int = (np.stack(out[k]) for k in ("lin", "cub", "lfp_int"))
  mom = np.asarray(out["moments"])  # [S, 3]
  final = grid_meas[:, -1]
  ok = ~hist.diverged

  d_lin = theory.l2_distance(final, lin, grid, mask)
  d_cub = theory.l2_distance(final, cub, grid, mask)
  d_lfp = theory.l2_distance(final, lfp_int, grid, mask)
  r0n = np.linalg.norm(res_meas[:, 0], axis=-1)  # [S]

  def rel_err(p):  # [S]: max over logged steps of ‖r_meas − r_pred‖ / ‖r_0‖
    return np.max(np.linalg.norm(res_meas - p, axis=-1), axis=1) / r0n

  def mean(v):
    v = np.asarray(v, np.float64)[ok]
    return float(np.mean(v)) if v.size else None

  snap_meas = grid_meas[:, snap_idx]  # [S, P, G]
  snap_lfp = np.stack(pred_snap_lfp)
  fn_err = theory.l2_distance(snap_meas, snap_lfp, grid, mask)  # [S, P]
  fn_scale = theory.l2_distance(snap_meas, np.stack(out["h0"])[:, None], grid, mask)  # ‖h_t − h_0‖
  ell = np.sqrt(6.0 * mom[:, 0] / (mom[:, 1] + mom[:, 2]))
  summary = {
      "experiment": "lfp",
      "regime": config.regime,
      "num_points": n,
      "width": m.width,
      "lr": lr,
      "gd_stability_limit_lr": n / b["lam_max"],
      "lfp_time_per_step": theory.lfp_time_per_step(lr, m.l_range),
      "moments_mean": {"r2w2": mean(mom[:, 0]), "r2": mean(mom[:, 1]), "w2": mean(mom[:, 2])},
      "crossover_length": mean(ell),
      "data_span": float(x[-1] - x[0]),
      "min_knot_spacing": float(np.min(np.diff(x))),
      "distance_to_linear_spline": mean(d_lin),
      "distance_to_cubic_spline": mean(d_cub),
      "distance_to_lfp_interpolant": mean(d_lfp),
      "distance_to_linear_spline_per_seed": d_lin,
      "distance_to_cubic_spline_per_seed": d_cub,
      "distance_to_lfp_interpolant_per_seed": d_lfp,
      "closer_to": (None if mean(d_lin) is None or mean(d_cub) is None  # all seeds diverged
                    else "linear" if mean(d_lin) < mean(d_cub) else "cubic"),
      "linear_vs_cubic_spline_distance": mean(theory.l2_distance(lin, cub, grid, mask)),
      "lfp_interpolant_distance_to_linear_spline": mean(theory.l2_distance(lfp_int, lin, grid, mask)),
      "lfp_interpolant_distance_to_cubic_spline": mean(theory.l2_distance(lfp_int, cub, grid, mask)),
      "final_residual_rms": mean(np.sqrt(np.mean(res_meas[:, -1] ** 2, axis=-1))),
      "final_loss_mean": mean(hist.loss[:, -1]),
      "residual_rel_error_max": {k: mean(rel_err(pred[k])) for k in PREDICTIONS},
      "residual_rel_error_max_per_seed": {k: rel_err(pred[k]) for k in PREDICTIONS},
      "residual_rel_error_final": {
          k: mean(np.linalg.norm(res_meas[:, -1] - pred[k][:, -1], axis=-1) / r0n)
          for k in PREDICTIONS},
      "snapshot_steps": snap_steps,
      "final_function_distance_to_prediction": {
          k: mean(theory.l2_distance(final, pred_final[k], grid, mask)) for k in PREDICTIONS},
      "predicted_final_function_distance_to_linear_spline": {
          k: mean(theory.l2_distance(pred_final[k], lin, grid, mask)) for k in PREDICTIONS},
      "predicted_final_function_distance_to_cubic_spline": {
          k: mean(theory.l2_distance(pred_final[k], cub, grid, mask)) for k in PREDICTIONS},
      "function_rel_error_lfp_at_snapshots": np.mean(fn_err[ok] / fn_scale[ok], axis=0)
      if ok.any() else None,
      "ntk_relative_change": mean(out["ntk_change"]),
      "diverged_seeds": np.flatnonzero(hist.diverged).tolist(),
      "steps_trained": int(steps[-1]),
      "wall_time_s": hist.wall_time,
      "backend": jax.default_backend(),
  }
  arrays = {
      "steps": steps, "lfp_time": tau, "loss": hist.loss, "residuals": res_meas,
      **{f"predicted_residuals_{k}": v for k, v in pred.items()},
      "fourier_freqs": freqs,
      "residual_fourier": _residual_fourier(res_meas, x, freqs),
      "predicted_residual_fourier_lfp": _residual_fourier(pred["lfp"], x, freqs),
      "grid": grid, "in_range": mask, "x_train": x, "y_train": y,
      "final_function": final, "initial_function": np.stack(out["h0"]),
      "linear_spline": lin, "cubic_spline": cub, "lfp_interpolant": lfp_int,
      "snapshot_steps": snap_steps, "snapshot_functions": snap_meas,
      "predicted_snapshot_functions_lfp": snap_lfp, "moments": mom,
      **{f"predicted_final_function_{k}": v for k, v in pred_final.items()},
      "diverged": hist.diverged,
  }
  metrics = ({"step": int(t), "loss_mean": float(np.nanmean(hist.loss[:, i])),
              "loss": hist.loss[:, i]} for i, t in enumerate(steps))
  return arrays, metrics, summary


def _residual_fourier(res: np.ndarray, x: np.ndarray, freqs: np.ndarray) -> np.ndarray:
  """|(ĥ_p − f̂_p)(ξ)| = |(1/n) Σ_j r_j e^{−2πiξ x_j}| for res[..., n] -> [..., F]."""
  return np.abs(np.asarray(spectrum.nudft(x[:, None], res, [1.0], freqs)))
