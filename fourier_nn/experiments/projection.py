"""F-Principle, projection method in high dimension: Δ_F along the first principal component.

x [n, D] = the first ``max_points`` images of `data.load_images(dataset, data_dir)` (digits
by default), y = their class labels as numbers; p₁ = `spectrum.first_principal_component(x)`;
the target's NUDFT ŷ(k) = (1/n) Σ_i y_i e^{−i2πk p₁·x_i} on k = linspace(0, k_max,
num_freqs); peaks: `spectrum.spectrum_peaks(|ŷ|, num_peaks)`. An MLP per seed (seeds
vmapped, one program, `train.train_seeds`) fit by MSE, full batch; in-graph every
``log_every`` steps the output's NUDFT ĥ at the peak frequencies and
Δ_F = `spectrum.relative_error(ĥ, ŷ, kind=delta_f)`.

Record:
  arrays.npz: steps[T], freqs[F], target_spectrum[F] (|ŷ(k)|), peak_bins[P],
    peak_freqs[P], target_nudft[P] (complex ŷ at the peaks), output_nudft[seed, T, P]
    (complex ĥ), delta_f[seed, T, P] (of kind ``delta_f``), loss[seed, T], direction[D]
    (p₁), diverged[seed]
  params.npz: final params, leaves [S, ...].
  summary.json: per peak the first step at which the seed-mean Δ_F is below
    ``threshold`` (None: never) and per seed, and the step from which on it stays below
    (``settled_step_mean``); whether those steps rise with the peak frequency; timing.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, spectrum, train
from fourier_nn.experiments import common


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.require(config.experiment == "projection", "experiment", config.experiment,
                 "must be 'projection'")
  common.check_dataset(config)
  common.check_positive_int(config, "num_seeds", "max_points", "num_peaks", "model.depth",
                            "model.width")
  common.check_schedule(config)
  common.check_positive(config, "lr", "k_max", "threshold")
  common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  common.require(isinstance(config.num_freqs, int) and config.num_freqs >= 3, "num_freqs",
                 config.num_freqs, "must be an integer >= 3")
  common.require(config.max_points >= 2, "max_points", config.max_points, "must be >= 2")
  common.require(config.delta_f in spectrum.DELTA_F_KINDS, "delta_f", config.delta_f,
                 f"choose one of {spectrum.DELTA_F_KINDS}")
  common.require(config.model.activation in models.ACTIVATIONS, "model.activation",
                 config.model.activation, f"choose one of {sorted(models.ACTIVATIONS)}")
  common.require(config.model.init in models.INITS, "model.init", config.model.init,
                 f"choose one of {models.INITS}")


def build(config):
  """Data, direction, peaks, model and functions (everything but the training loop)."""
  x, labels = data.load_images(config.dataset, config.data_dir)
  x = x[:config.max_points]
  y = labels[:config.max_points].astype(np.float32)
  p1 = np.asarray(spectrum.first_principal_component(jnp.asarray(x, jnp.float32)))
  freqs = np.linspace(0.0, config.k_max, config.num_freqs)
  y_hat = np.asarray(spectrum.nudft(jnp.asarray(x), jnp.asarray(y), p1, freqs))
  peaks = spectrum.spectrum_peaks(np.abs(y_hat), config.num_peaks)
  if peaks.size < 2:
    raise common.ConfigError(
        f"--config.k_max={config.k_max!r} is invalid: |ŷ(k)| on [0, k_max] has "
        f"{peaks.size} peak(s), at least 2 are needed; raise k_max or num_freqs")
  peak_freqs = freqs[peaks]
  target_nudft = y_hat[peaks]
  m = config.model
  model = models.MLP(depth=m.depth, width=m.width, activation=m.activation,
                     init_scheme=m.init)
  init_fn, apply, loss_fn = common.scalar_net(model, x.shape[1], losses.get("mse"))
  pf = jnp.asarray(peak_freqs, jnp.float32)
  yk = jnp.asarray(target_nudft)
  p = jnp.asarray(p1)

  def measure_fn(params, b, step):
    del step
    hk = spectrum.nudft(b["x"], apply(params, b["x"]), p, pf)
    return {"output_nudft": hk, "delta_f": spectrum.relative_error(hk, yk, config.delta_f)}

  init = common.seed_keys(config.seed, "init")["init"]
  keys = jax.random.split(init, config.num_seeds)
  return dict(model=model, apply=apply, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, batch={"x": jnp.asarray(x), "y": jnp.asarray(y)},
              init_keys=keys, direction=p1, freqs=freqs, target_spectrum=np.abs(y_hat),
              peaks=peaks, peak_freqs=peak_freqs, target_nudft=target_nudft)


def first_below(steps: np.ndarray, curve: np.ndarray, level: float) -> list:
  """Per column of curve [T, P], the first step with value < level (None: never)."""
  out = []
  for col in np.asarray(curve).T:
    hit = np.flatnonzero(col < level)
    out.append(int(steps[hit[0]]) if hit.size else None)
  return out


def settled(steps: np.ndarray, curve: np.ndarray, level: float) -> list:
  """Per column of curve [T, P], the first logged step from which on every value is
  < level (None: not below at the end) — robust to early transient dips."""
  out = []
  for col in np.asarray(curve).T:
    above = np.flatnonzero(~(col < level))
    if above.size and above[-1] == len(col) - 1:
      out.append(None)
    else:
      out.append(int(steps[above[-1] + 1]) if above.size else int(steps[0]))
  return out


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every seed, measures Δ_F, writes the record into ``workdir``."""
  validate(config)
  b = build(config)  # reads the data: a damaged file is one line before the workdir exists
  wd = records.Workdir(workdir, config=config, **workdir_options)
  logging.info("projection: %s, %d images of %d pixels, peaks at k = %s, %d seeds, %d steps",
               config.dataset, b["batch"]["x"].shape[0], b["batch"]["x"].shape[1],
               np.round(b["peak_freqs"], 3).tolist(), config.num_seeds, config.num_steps)
  optimizer = common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  hist = train.train_seeds(
      b["init_fn"], b["loss_fn"], optimizer, b["batch"], b["init_keys"], config.num_steps,
      config.log_every, b["measure_fn"], chunk_logs=config.chunk_logs or None,
      checkpoint_path=wd.checkpoint_path(), checkpoint_every=config.checkpoint_every,
      name="projection", monitor=wd.monitor())
  arrays, metrics, summary = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  logging.info("projection: seed-mean Δ_F < %g per peak k = %s first at %s, for good from %s",
               config.threshold, np.round(b["peak_freqs"], 3).tolist(),
               summary["first_step_below_mean"], summary["settled_step_mean"])
  logging.info("projection: record written to %s", path)
  return path


def analyse(config, b, hist: train.History):
  """Record arrays, metric rows and summary."""
  d = np.asarray(hist.metrics["delta_f"], np.float64)  # [S, T, P]
  ok = ~hist.diverged
  mean = np.nanmean(d[ok], axis=0) if ok.any() else np.full(d.shape[1:], np.nan)
  first = first_below(hist.steps, mean, config.threshold)
  per_seed = [first_below(hist.steps, d[s], config.threshold) for s in range(d.shape[0])]
  reached = [f for f in first if f is not None]
  settle = settled(hist.steps, mean, config.threshold)
  arrays = {"steps": hist.steps, "freqs": b["freqs"], "target_spectrum": b["target_spectrum"],
            "peak_bins": b["peaks"], "peak_freqs": b["peak_freqs"],
            "target_nudft": b["target_nudft"],
            "output_nudft": np.asarray(hist.metrics["output_nudft"]), "delta_f": d,
            "loss": hist.loss, "direction": b["direction"], "diverged": hist.diverged}
  summary = {
      "experiment": "projection", "dataset": config.dataset, "delta_f": config.delta_f,
      "peak_freqs": b["peak_freqs"], "threshold": config.threshold,
      "first_step_below_mean": first, "first_step_below_per_seed": per_seed,
      "settled_step_mean": settle,
      "order_nondecreasing_in_k": bool(None not in first and np.all(np.diff(first) >= 0)),
      "settled_order_nondecreasing_in_k": bool(None not in settle
                                                and np.all(np.diff(settle) >= 0)),
      "lowest_before_highest": (first[0] is not None
                                and (first[-1] is None or first[0] < first[-1])),
      "num_reached": len(reached), "final_delta_f_mean": mean[-1],
      "diverged_seeds": int(hist.diverged.sum()), "wall_time_s": hist.wall_time,
      "backend": jax.default_backend(),
  }
  metrics = ({"step": int(s), "delta_f_mean": mean[i]} for i, s in enumerate(hist.steps))
  return arrays, metrics, summary
