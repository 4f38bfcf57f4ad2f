"""Rahaman et al. 2019, Exp 1 — which frequencies a ReLU net learns first.

``run(config, workdir)`` trains ``config.num_seeds`` nets (each with its own target
phases) in one compiled program, measures the normalised DFT amplitude of the network at
every target frequency in-graph every ``log_every`` steps, and writes a record:

  arrays.npz: steps[L], loss[S, L], amplitudes[S, L, K] (normalised by A_k),
              spectral_norms[S, Ls, layers] at spectral_norm_steps[Ls],
              predictions[S, P, N] at prediction_steps[P], x[N], targets[S, N],
              phases[S, K], freqs[K], amps[K]
              residual_amplitudes[S, L, K] = |DFT(f − y)(k)|/A_k (measured)
              geometry_steps[H] (0 and every chunk end), num_regions[S, H],
              lipschitz[S, H], lipschitz_bound[S, H] (``config.geometry``): the exact
              number of linear pieces of the net on [0, 1], its true Lipschitz constant
              max|f'| and the bound Π‖W_l‖₂, from `relu_geometry` on the host
  summary.json: per frequency the first step at which the seed-mean normalised amplitude
              reaches 0.5 and 0.9, final losses, divergence, timing.

  params.npz: the final params of every seed (leaves [S, ...]; `records.load_params`).

With ``config.theory_overlay`` (GD only) it also writes the kernel-regime prediction:
the empirical NTK Θ of each seed's net at initialisation (`kernel_regime.init_kernels`),
the residual under GD on the mean-squared loss r_t = V (1 − η·(2/N)·Λ)^t Vᵀ r_0 (s = 2/N:
`losses.get("mse").flow_scale`), and its normalised DFT amplitudes
predicted_residual_amplitudes[S, L, K], plus ntk_eigvals[S, N].
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import (data, kernel_regime, losses, models, records, relu_geometry, spectrum,
                        theory, train)
from fourier_nn.experiments import common

LOSS = losses.get("mse")


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.check_positive_int(config, "num_seeds", "num_points", "spectral_norm_every")
  common.check_schedule(config)
  common.check_positive(config, "lr")
  common.require(config.spectral_norm_every % config.log_every == 0, "spectral_norm_every",
                 config.spectral_norm_every, f"must be a multiple of log_every={config.log_every}")
  common.require(config.clip >= 0, "clip", config.clip, "must be >= 0 (0 = no clipping)")
  try:
    spectrum.check_frequencies(config.freqs, config.num_points, name="--config.freqs")
  except ValueError as e:
    raise common.ConfigError(str(e)) from None
  m = config.model
  common.require(m.activation in models.ACTIVATIONS, "model.activation", m.activation,
                 f"choose one of {sorted(models.ACTIVATIONS)}")
  common.require(m.init in models.INITS, "model.init", m.init, f"choose one of {models.INITS}")
  common.check_positive_int(config, "model.width")
  common.require(isinstance(m.depth, int) and m.depth >= 0, "model.depth", m.depth,
                 "must be an integer >= 0")
  common.require(config.amplitudes in data.AMPLITUDE_PROFILES, "amplitudes", config.amplitudes,
                 f"choose one of {data.AMPLITUDE_PROFILES}")
  common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  common.require(isinstance(config.geometry, bool), "geometry", config.geometry,
                 "must be True or False")
  common.require(not config.geometry or m.activation == "relu", "geometry", config.geometry,
                 f"the exact linear regions are for ReLU nets (model.activation="
                 f"{m.activation!r}); set --config.geometry=False")
  common.require(not config.theory_overlay or config.optimizer == "sgd", "theory_overlay",
                 config.theory_overlay, "the kernel-flow prediction is for plain GD: set "
                 "--config.optimizer=sgd (or use the :gd variant)")
  common.check_training_memory(
      "num_seeds", config.num_seeds, config.num_seeds, [m.width] * m.depth, config.num_points,
      width_key=("model.width", m.width), points_key=("num_points", config.num_points),
      sizes={"num_seeds": config.num_seeds, "model.width": m.width, "model.depth": m.depth,
             "num_points": config.num_points})


def build(config):
  """Model, data and functions of the experiment (everything but the training loop)."""
  keys = common.seed_keys(config.seed, "data", "init")
  z = data.uniform_grid(config.num_points)
  x = z[:, None]
  freqs = np.asarray(config.freqs)
  amps = data.amplitude_profile(config.amplitudes, len(freqs))
  phases = data.random_phases(keys["data"], config.num_seeds, len(freqs))
  y = data.sum_of_sines(z, freqs, amps, phases)  # [S, N]

  model = models.MLP(depth=config.model.depth, width=config.model.width,
                     activation=config.model.activation, use_bias=config.model.use_bias,
                     init_scheme=config.model.init)

  init_fn, apply, loss_fn = common.scalar_net(model, 1, LOSS)

  inv_amps = jnp.asarray(1.0 / amps, jnp.float32)
  num_layers = config.model.depth + 1

  def measure_fn(params, batch, step):
    pred = apply(params, batch["x"])
    amp = spectrum.dft_amplitudes(pred, freqs) * inv_amps
    res_amp = spectrum.dft_amplitudes(pred - batch["y"], freqs) * inv_amps

    def norms(p):
      return jnp.stack([jnp.linalg.norm(w, 2) for w in models.dense_kernels(p)])

    # Exact largest singular values, but only every spectral_norm_every steps: the step is
    # unbatched, so this cond stays a real branch under vmap.
    sn = jax.lax.cond(step % config.spectral_norm_every == 0, norms,
                      lambda p: jnp.full((num_layers,), jnp.nan, jnp.float32), params)
    return {"pred": pred, "amplitudes": amp, "residual_amplitudes": res_amp,
            "spectral_norms": sn}

  def geometry_fn(params, step):  # host side, every chunk end: exact pieces on [0, 1]
    return relu_geometry.seed_geometry(model, params, 0.0, 1.0)

  init_keys = jax.random.split(keys["init"], config.num_seeds)
  return dict(model=model, apply=apply, x=x, z=z, y=y, freqs=freqs, amps=amps,
              phases=phases, init_fn=init_fn, loss_fn=loss_fn, measure_fn=measure_fn,
              init_keys=init_keys, geometry_fn=geometry_fn if config.geometry else None)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains, measures and writes the record into ``workdir``; returns its path."""
  validate(config)
  # resume, overwrite, tensorboard; a resume must have the checkpointed run's config
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  optimizer = common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  logging.info("spectral_bias_1d: %d seeds x %d steps, %d-point grid, freqs %s, %s amplitudes",
               config.num_seeds, config.num_steps, config.num_points, b["freqs"].tolist(),
               config.amplitudes)
  hist = train_models(config, b, wd, name="spectral_bias_1d", optimizer=optimizer)
  arrays, metrics, summary = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  half = summary["first_step_mean_amplitude_0.5"]
  logging.info("spectral_bias_1d: the seed-mean amplitude first reaches half of A_k at: %s",
               ", ".join(f"k={k} step {int(t)}" if np.isfinite(t) else
                         f"k={k} not within {summary['steps_trained']}"
                         for k, t in zip(b["freqs"].tolist(), half)))
  logging.info("spectral_bias_1d: record written to %s (%.1f s)", path, hist.wall_time)
  return path


def train_models(config, b, wd: records.Workdir, name: str = "spectral_bias_1d",
                 optimizer=None) -> train.History:
  """Trains the ``config.num_seeds`` nets of ``b = build(config)``, checkpointing in ``wd``.

  Other drivers that start from Exp 1's trained nets (`experiments.robustness`) call this
  with their training sub-config, so both train exactly alike.
  """
  if optimizer is None:
    optimizer = common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  return train.train_seeds(
      b["init_fn"], b["loss_fn"], optimizer, {"x": b["x"], "y": b["y"]}, b["init_keys"],
      config.num_steps, config.log_every, b["measure_fn"],
      batch_axes={"x": None, "y": 0}, clip=config.clip or None,
      chunk_logs=config.chunk_logs or None, checkpoint_path=wd.checkpoint_path(),
      monitor=wd.monitor(), checkpoint_every=config.checkpoint_every, name=name,
      host_measure_fn=b["geometry_fn"])


def analyse(config, b, hist: train.History):
  """Record arrays, metric rows and summary of a finished training (+ theory overlay)."""
  steps = hist.steps
  amp = hist.metrics["amplitudes"]  # [S, L, K]
  sn_all = hist.metrics["spectral_norms"]  # [S, L, layers]; NaN off-cadence
  sn_idx = np.flatnonzero(steps % config.spectral_norm_every == 0)
  pred_idx, pred_steps = common.snapshot_indices(steps, config.snapshot_steps)
  ok = ~hist.diverged
  mean_amp = np.nanmean(amp[ok], axis=0) if ok.any() else np.full(amp.shape[1:], np.nan)
  arrays = {
      "steps": steps, "loss": hist.loss, "amplitudes": amp,
      "spectral_norms": sn_all[:, sn_idx], "spectral_norm_steps": steps[sn_idx],
      "predictions": hist.metrics["pred"][:, pred_idx], "prediction_steps": pred_steps,
      "x": np.asarray(b["z"]), "targets": np.asarray(b["y"]), "phases": np.asarray(b["phases"]),
      "freqs": b["freqs"], "amps": b["amps"], "diverged": hist.diverged,
  }
  metrics = ({"step": int(s), "loss_mean": float(np.nanmean(hist.loss[:, i])),
              "loss": hist.loss[:, i], "amplitude_mean": mean_amp[i]}
             for i, s in enumerate(steps))
  train_steps = int(steps[-1])
  summary = {
      "experiment": "spectral_bias_1d",
      "freqs": b["freqs"],
      "first_step_mean_amplitude_0.5": theory.first_crossing(steps, mean_amp.T, 0.5),
      "first_step_mean_amplitude_0.9": theory.first_crossing(steps, mean_amp.T, 0.9),
      "final_mean_amplitude": mean_amp[-1],
      "final_loss_mean": float(np.nanmean(hist.loss[ok, -1])) if ok.any() else None,
      "final_loss_per_seed": hist.loss[:, -1],
      "diverged_seeds": np.flatnonzero(hist.diverged).tolist(),
      "diverged_step": hist.diverged_step,
      "spectral_norm_first": np.nanmean(sn_all[ok][:, sn_idx[0]], axis=0) if ok.any() else None,
      "spectral_norm_last": np.nanmean(sn_all[ok][:, sn_idx[-1]], axis=0) if ok.any() else None,
      "steps_trained": train_steps,
      "wall_time_s": hist.wall_time,
      "seed_steps_per_s": config.num_seeds * train_steps / hist.wall_time,
      "backend": jax.default_backend(),
  }
  arrays["residual_amplitudes"] = hist.metrics["residual_amplitudes"]
  if hist.host_metrics is not None:
    geo = hist.host_metrics
    arrays["geometry_steps"] = hist.host_steps
    arrays.update({k: geo[k] for k in ("num_regions", "lipschitz", "lipschitz_bound")})
    for k in ("num_regions", "lipschitz", "lipschitz_bound"):
      v = geo[k][ok].astype(np.float64)
      summary[f"{k}_first_last"] = ([float(v[:, 0].mean()), float(v[:, -1].mean())]
                                    if ok.any() else None)
  if config.theory_overlay:
    overlay = kernel_flow_overlay(b, config, steps)
    arrays.update(overlay)
    meas = np.nanmean(hist.metrics["residual_amplitudes"][ok], axis=0)  # [L, K]
    pred = np.nanmean(overlay["predicted_residual_amplitudes"][ok], axis=0)
    summary["theory_first_step_residual_below_0.5"] = theory.first_crossing(
        steps, pred.T, 0.5, below=True)
    summary["measured_first_step_residual_below_0.5"] = theory.first_crossing(
        steps, meas.T, 0.5, below=True)
    summary["theory_abs_error_per_freq"] = np.mean(np.abs(meas - pred), axis=0)
    summary["theory_abs_error_final"] = np.abs(meas[-1] - pred[-1])
  return arrays, metrics, summary


def kernel_flow_overlay(b, config, steps: np.ndarray) -> dict[str, np.ndarray]:
  """Kernel-regime prediction of the residual's normalised amplitudes, per seed."""
  inv_amps = 1.0 / b["amps"]
  params = (b["init_fn"](key) for key in b["init_keys"])
  pred, eigs = [], []
  for s, k in enumerate(kernel_regime.init_kernels(b["apply"], params, b["x"],
                                                   name="spectral_bias_1d")):
    r = k.residuals(b["y"][s], config.lr, steps, scale=LOSS.flow_scale(config.num_points))
    amp = np.asarray(spectrum.dft_amplitudes(jnp.asarray(r, jnp.float32), b["freqs"]))
    pred.append(amp * inv_amps[None, :])
    eigs.append(k.eigvals)
  return {"predicted_residual_amplitudes": np.stack(pred), "ntk_eigvals": np.stack(eigs)}
