"""High-dimensional LFP (issue 8 item 8): a wide two-layer ReLU net on a few 2-D points
against the minimum-FP-norm interpolant of the d-dimensional LFP multiplier.

The net (NTK parameterisation, m neurons, `models.ridge_shift_apply`)

  h(x) = (1/√m) Σ_i w_i ReLU(r_i·x − |r_i| l_i),  r_i ~ N(0, σ_r² I_d), l_i ~ U(−L, L),
  w_i ~ N(0, σ_w²) (``coupling="independent"``) or ±σ_w|r_i|/(σ_r√d) ("proportional"),

is trained by full-batch GD on the MSE (1/n) Σ_j (h(x_j) − y_j)²; with ``antisymmetric``
h ≡ 0 at init, so the long-time limit is the interpolant of the data itself. Theory
(`theory.lfp_ntk_nd`, `theory.lfp_multiplier_nd`, derived in theory/lfp.py): the
translation-invariant part of the infinite-width NTK has the Fourier multiplier
∝ (⟨|r|²⟩+⟨w²⟩)/|ξ|^{d+3} + 4π²⟨|r|²w²⟩/|ξ|^{d+1}; its minimum-FP-norm interpolant is
Σ_j c_j k(x − x_j) + p, k = `theory.lfp_green_nd` (|s|³ and −|s| pieces), p affine or
constant. The record compares the trained function on a grid of [−1, 1]² with

  * ``interp_step`` — the pure |ξ|^{−d−1} interpolant (k = −|s|, p constant),
  * ``interp_ramp`` — the pure |ξ|^{−d−3} interpolant (k = |s|³, p affine),
  * ``interp_lfp``  — the interpolant of the full multiplier at the seed's moments,
  * ``ntk_limit``   — kernel regression with the full infinite-width NTK Θ̄ (polynomial
    and rotational parts included): the GD t → ∞ limit at infinite width.

``run(config, workdir)`` writes arrays.npz: steps[T], loss[S, T], x_train[n, 2],
y_train[n], grid_axis[G], final_function[S, G, G], interp_step[G, G], interp_ramp[G, G],
interp_lfp[S, G, G], ntk_limit[S, G, G], moments[S, 3] = (⟨|r|²w²⟩, ⟨|r|²⟩, ⟨w²⟩),
diverged[S]; summary.json: RMS distances of the trained function to each (per seed and
mean), ``closer_to`` (step or ramp), the final training residual.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import logging

from fourier_nn import losses, models, records, theory, train
from fourier_nn.experiments import common

LOSS = losses.get("mse")
REFERENCES = ("interp_step", "interp_ramp", "interp_lfp", "ntk_limit")


def validate(config) -> None:
  """Raises ConfigError with one clear line for any bad setting."""
  common.check_ridge_net(config)
  m = config.model
  common.require(m.coupling in models.RIDGE_COUPLINGS, "model.coupling", m.coupling,
                 f"choose one of {models.RIDGE_COUPLINGS}")
  x = np.asarray(config.x_train, np.float64)
  common.require(x.ndim == 2 and x.shape[1] == 2 and x.shape[0] >= 4
                 and np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 1, "x_train",
                 config.x_train, "must be at least 4 finite (x1, x2) pairs in [-1, 1]^2")
  common.require(np.unique(x, axis=0).shape[0] == x.shape[0], "x_train", config.x_train,
                 "must hold distinct points")
  common.require(m.l_range > np.sqrt(2), "model.l_range", m.l_range,
                 "must exceed sqrt(2) (the offsets l_i must cover the corners of [-1, 1]^2)")
  common.require(config.grid_points >= 5, "grid_points", config.grid_points, "must be >= 5")


def target(x: np.ndarray) -> np.ndarray:
  """y = sin(πx₁) cos(πx₂/2)."""
  return np.sin(np.pi * x[:, 0]) * np.cos(0.5 * np.pi * x[:, 1])


def build(config):
  m = config.model
  keys = common.seed_keys(config.seed, "init")
  x = np.asarray(config.x_train, np.float64)
  y = target(x)
  n = x.shape[0]
  axis = np.linspace(-1.0, 1.0, config.grid_points)
  g1, g2 = np.meshgrid(axis, axis, indexing="ij")
  grid = np.stack([g1.ravel(), g2.ravel()], 1)

  def init_fn(key):
    return models.ridge_shift_init(key, m.width, 2, m.r_std, m.w_std, m.l_range,
                                   coupling=m.coupling, antisymmetric=m.antisymmetric)

  def loss_fn(params, batch):
    return LOSS(models.ridge_shift_apply(params, batch["x"]), batch["y"])

  init_keys = jax.random.split(keys["init"], config.num_seeds)
  moments = [models.second_moments(init_fn(k)) for k in init_keys]
  lam_max = max(float(np.linalg.eigvalsh(theory.lfp_ntk_nd(x, x, *mo, m.l_range))[-1])
                for mo in moments)
  lr = config.lr_fraction * n / lam_max
  batch = {"x": jnp.asarray(x, jnp.float32), "y": jnp.asarray(y, jnp.float32)}
  return dict(x=x, y=y, axis=axis, grid=grid, batch=batch, lr=lr, lam_max=lam_max,
              init_fn=init_fn, loss_fn=loss_fn, init_keys=init_keys, moments=moments)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains, compares with the interpolants, writes the record; returns its path."""
  validate(config)
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  m = config.model
  logging.info("lfp_2d: %d seeds x %d steps, m=%d, σ_r=%g σ_w=%g L=%g, n=%d, GD lr %.4g",
               config.num_seeds, config.num_steps, m.width, m.r_std, m.w_std, m.l_range,
               b["x"].shape[0], b["lr"])
  hist = train.train_seeds(
      b["init_fn"], b["loss_fn"], optax.sgd(b["lr"]), b["batch"], b["init_keys"],
      config.num_steps, config.log_every, checkpoint_path=wd.checkpoint_path(),
      monitor=wd.monitor(), name="lfp_2d")
  arrays, metrics, summary = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  logging.info("lfp_2d: closer to the %s interpolant: RMS distance to |s| %.4f, to |s|^3 "
               "%.4f, to the NTK limit %.4f (mean of %d seeds); record in %s",
               summary["closer_to"], summary["distance_to_interp_step"],
               summary["distance_to_interp_ramp"], summary["distance_to_ntk_limit"],
               config.num_seeds, path)
  return path


def analyse(config, b, hist: train.History):
  m = config.model
  x, y, grid, G = b["x"], b["y"], b["grid"], config.grid_points
  apply_j = jax.jit(models.ridge_shift_apply)
  final = np.stack([
      np.asarray(apply_j(jax.tree_util.tree_map(lambda a, s=s: a[s], hist.params),
                         jnp.asarray(grid, jnp.float32)), np.float64)
      for s in range(config.num_seeds)])  # [S, G²]
  res = np.stack([
      np.asarray(apply_j(jax.tree_util.tree_map(lambda a, s=s: a[s], hist.params),
                         b["batch"]["x"]), np.float64) - y
      for s in range(config.num_seeds)])
  step_i = theory.lfp_interpolant_nd(x, y, grid, 1.0, 0.0, 0.0)
  ramp_i = theory.lfp_interpolant_nd(x, y, grid, 0.0, 1.0, 0.0)
  mom = np.asarray(b["moments"], np.float64)
  lfp_i = np.stack([theory.lfp_interpolant_nd(x, y, grid, *mo) for mo in mom])
  ntk = np.stack([theory.lfp_ntk_nd(grid, x, *mo, m.l_range)
                  @ np.linalg.solve(theory.lfp_ntk_nd(x, x, *mo, m.l_range), y) for mo in mom])
  refs = {"interp_step": np.broadcast_to(step_i, final.shape),
          "interp_ramp": np.broadcast_to(ramp_i, final.shape), "interp_lfp": lfp_i,
          "ntk_limit": ntk}
  ok = ~hist.diverged

  def rms(a, c):
    return np.sqrt(np.mean((a - c) ** 2, axis=-1))

  def mean(v):
    v = np.asarray(v, np.float64)[ok]
    return float(np.mean(v)) if v.size else None

  dist = {k: rms(final, v) for k, v in refs.items()}
  d_step, d_ramp = mean(dist["interp_step"]), mean(dist["interp_ramp"])
  summary = {
      "experiment": "lfp_2d",
      "regime": config.regime,
      "num_points": int(x.shape[0]),
      "width": m.width,
      "lr": b["lr"],
      "moments_mean": {"r2w2": mean(mom[:, 0]), "r2": mean(mom[:, 1]), "w2": mean(mom[:, 2])},
      **{f"distance_to_{k}": mean(v) for k, v in dist.items()},
      **{f"distance_to_{k}_per_seed": v for k, v in dist.items()},
      "step_vs_ramp_interpolant_distance": float(rms(step_i, ramp_i)),
      "closer_to": (None if d_step is None else "step" if d_step < d_ramp else "ramp"),
      "final_residual_max": mean(np.max(np.abs(res), axis=-1)),
      "diverged_seeds": np.flatnonzero(hist.diverged).tolist(),
      "steps_trained": int(hist.steps[-1]),
      "wall_time_s": hist.wall_time,
      "backend": jax.default_backend(),
  }
  sq = lambda a: np.asarray(a).reshape(a.shape[:-1] + (G, G))
  arrays = {"steps": hist.steps, "loss": hist.loss, "x_train": x, "y_train": y,
            "grid_axis": b["axis"], "final_function": sq(final), "interp_step": sq(step_i),
            "interp_ramp": sq(ramp_i), "interp_lfp": sq(lfp_i), "ntk_limit": sq(ntk),
            "moments": mom, "diverged": hist.diverged}
  metrics = ({"step": int(t), "loss_mean": float(np.nanmean(hist.loss[:, i])),
              "loss": hist.loss[:, i]} for i, t in enumerate(hist.steps))
  return arrays, metrics, summary
