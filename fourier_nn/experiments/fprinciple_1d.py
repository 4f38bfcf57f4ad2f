"""F-Principle in 1-D (Xu, Zhang, Luo et al.; the authors' ``f_principle.py``): Δ_F at the
peaks of the target's DFT over training.

``run(config, workdir)`` trains ``config.num_seeds`` tanh MLPs on y = Σ a_i sin(ω_i x) over
an evenly spaced grid (`data.sine_sum_1d`), full batch, all seeds in one compiled program
(`train.train_seeds`). In-graph every ``log_every`` steps: the loss, the prediction and its
raw DFT ĥ_k = Σ_j h(x_j) e^{−2πijk/n} at bins k = 0 … max_bin − 1. On the host: the peaks
(`spectrum.spectrum_peaks` of |DFT(y)|/n below ``max_bin``, the first ``num_peaks``) and
Δ_F at them in both forms (`spectrum.relative_error`, kind "magnitude" — the authors' code,
with their 1e-5 added to the raw |ŷ_k| — and "complex" — the slides), then the first logged
step at which each peak's Δ_F is below ``threshold``.

Record (S seeds, L log steps, P peaks, K = max_bin bins, Q snapshots):

  arrays.npz: delta_f[S, L, P] (the config's kind), delta_f_magnitude[S, L, P],
              delta_f_complex[S, L, P], peak_bins[P], peak_freqs[P] (angular frequency
              2πk/(n·Δx) of each peak bin, rad per unit x), steps[L], loss[S, L],
              crossing_steps[S, P] (first logged step with Δ_F < threshold, −1 if never;
              the config's kind), crossing_steps_magnitude / _complex[S, P],
              x[n], y[n], bins[K], target_spectrum[K] (|DFT(y)|/n),
              spectra[S, Q, K] (|DFT(h)|/n at snapshot_steps[Q]), predictions[S, Q, n],
              snapshot_steps[Q], diverged[S].
  params.npz: final params, leaves [S, ...].
  summary.json: peak bins and frequencies; per kind the crossing steps per seed, their
              mean over the seeds that crossed, and whether each seed's crossings are in
              order of increasing frequency (every peak crossed, steps non-decreasing with
              the bin); final loss mean/min/max; wall time.
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, spectrum, train
from fourier_nn.experiments import common

LOSS = losses.get("mse")  # Keras "mse": the mean over samples
NAME = "fprinciple_1d"
KINDS = ("magnitude", "complex")


def _is_int(v) -> bool:
  return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_num(v) -> bool:
  return isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and np.isfinite(v)


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.check_positive_int(config, "num_seeds", "num_points", "checkpoint_every", "max_bin",
                            "num_peaks")
  common.check_schedule(config)
  common.check_positive(config, "lr", "eps", "threshold")
  common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2, eps=config.eps)
  common.require(_is_int(config.chunk_logs) and config.chunk_logs >= 0, "chunk_logs",
                 config.chunk_logs, "must be an integer >= 0 (0 = automatic)")
  common.require(config.num_points >= 8, "num_points", config.num_points, "must be >= 8")
  common.require(_is_num(config.x_start) and _is_num(config.x_end)
                 and config.x_end > config.x_start, "x_end", config.x_end,
                 f"must be a number > x_start={config.x_start!r}")
  common.require(3 <= config.max_bin <= config.num_points // 2 + 1, "max_bin", config.max_bin,
                 f"must be in 3 … n/2 + 1 = {config.num_points // 2 + 1} (bins below the "
                 "Nyquist frequency, and room for a peak)")
  terms = config.terms
  common.require(isinstance(terms, (tuple, list)) and len(terms) > 0 and all(
      isinstance(t, (tuple, list)) and len(t) == 2 and all(_is_num(v) for v in t)
      for t in terms), "terms", terms, "must be a non-empty tuple of (amplitude, ω) pairs")
  common.require(config.delta_f in KINDS, "delta_f", config.delta_f, f"choose one of {KINDS}")
  m = config.model
  common.require(isinstance(m.widths, (tuple, list)) and len(m.widths) > 0
                 and all(_is_int(w) and w > 0 for w in m.widths), "model.widths", m.widths,
                 "must be a non-empty tuple of positive integers")
  try:
    models.get_activation(m.activation)
  except ValueError:
    raise common.ConfigError(f"--config.model.activation={m.activation!r} is invalid: choose "
                             f"one of {sorted(models.ACTIVATIONS)}") from None
  common.require(m.init in models.INITS and m.init != "ntk", "model.init", m.init,
                 f"choose one of {tuple(i for i in models.INITS if i != 'ntk')}")
  common.check_positive(config, "model.w_std", "model.b_std")
  common.require(isinstance(config.snapshot_steps, (tuple, list)) and all(
      _is_int(s) and 0 <= s <= config.num_steps for s in config.snapshot_steps),
                 "snapshot_steps", config.snapshot_steps,
                 f"must be a tuple of steps in 0 … num_steps={config.num_steps}")
  peaks = build(config)["peak_bins"]
  common.require(peaks.size > 0, "terms", terms,
                 f"give a target whose |DFT| has a peak below max_bin={config.max_bin}")


def model_of(config) -> models.MLP:
  m = config.model
  return models.MLP(widths=tuple(m.widths), activation=m.activation, init_scheme=m.init,
                    w_std=m.w_std, b_std=m.b_std)


def dft_matrix(n: int, num_bins: int) -> np.ndarray:
  """[2, K, n] float32 cos and −sin parts of e^{−2πijk/n}, k < K: Re and Im of the raw DFT
  (numpy's ``fft`` convention, no 1/n)."""
  phase = 2 * np.pi * np.outer(np.arange(num_bins), np.arange(n)) / n
  return np.stack([np.cos(phase), -np.sin(phase)]).astype(np.float32)


def build(config):
  """Data, peaks and the target's DFT (float64, numpy)."""
  x, y = data.sine_sum_1d(config.x_start, config.x_end, config.num_points, config.terms)
  n = config.num_points
  y_hat = np.fft.fft(y.astype(np.float64))[:config.max_bin]
  target_spectrum = np.abs(y_hat) / n
  peak_bins = spectrum.spectrum_peaks(target_spectrum, config.num_peaks, config.max_bin)
  dx = (config.x_end - config.x_start) / (n - 1)
  peak_freqs = 2 * np.pi * peak_bins / (n * dx)
  return dict(x=x, y=y, y_hat=y_hat, target_spectrum=target_spectrum, peak_bins=peak_bins,
              peak_freqs=peak_freqs)


def crossing_steps(delta: np.ndarray, steps: np.ndarray, threshold: float) -> np.ndarray:
  """[S, P] first logged step with delta[s, :, p] < threshold; −1 where it never is."""
  below = delta < threshold  # NaN (diverged) counts as not below
  first = np.argmax(below, axis=1)
  return np.where(below.any(axis=1), steps[first], -1)


def in_frequency_order(cross: np.ndarray) -> np.ndarray:
  """[S] every peak crossed and the crossing steps non-decreasing with frequency."""
  return (cross >= 0).all(axis=1) & (np.diff(cross, axis=1) >= 0).all(axis=1)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains, measures and writes the record into ``workdir``; returns its path."""
  validate(config)
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  keys = jax.random.split(common.seed_keys(config.seed, "init")["init"], config.num_seeds)
  init_fn, apply, loss_fn = common.scalar_net(model_of(config), 1, LOSS)
  basis = jnp.asarray(dft_matrix(config.num_points, config.max_bin))

  def measure_fn(params, batch, step):
    pred = apply(params, batch["x"])
    return {"pred": pred, "dft": basis @ pred}  # [2, K]: Re, Im

  optimizer = common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2,
                                    eps=config.eps)
  logging.info("%s: %d seeds x %d steps, peaks at bins %s", NAME, config.num_seeds,
               config.num_steps, b["peak_bins"].tolist())
  t0 = time.perf_counter()
  hist = train.train_seeds(
      init_fn, loss_fn, optimizer, {"x": jnp.asarray(b["x"])[:, None], "y": jnp.asarray(b["y"])},
      keys, config.num_steps, config.log_every, measure_fn,
      chunk_logs=config.chunk_logs or None, checkpoint_path=wd.checkpoint_path(),
      checkpoint_every=config.checkpoint_every, monitor=wd.monitor(), name=NAME)
  wall = time.perf_counter() - t0
  arrays, metrics, summary = analyse(config, b, hist, wall)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  for kind in KINDS:
    logging.info("%s: Δ_F (%s) < %g first at steps %s (seed x peak bins %s); in order: %s",
                 NAME, kind, config.threshold, summary[f"{kind}/crossing_steps"],
                 b["peak_bins"].tolist(), summary[f"{kind}/in_order"])
  logging.info("%s: record written to %s (%.1f s)", NAME, path, wall)
  return path


def analyse(config, b, hist: train.History, wall: float):
  """Record arrays, metric rows and summary of a finished run."""
  steps = hist.steps
  dft = np.asarray(hist.metrics["dft"], np.float64)  # [S, L, 2, K]
  h_hat = dft[:, :, 0] + 1j * dft[:, :, 1]  # [S, L, K]
  peaks = b["peak_bins"]
  y_peaks = b["y_hat"][peaks]
  n = config.num_points
  ok = ~hist.diverged
  arrays = {"steps": steps, "loss": hist.loss, "peak_bins": peaks, "peak_freqs": b["peak_freqs"],
            "x": b["x"], "y": b["y"], "bins": np.arange(config.max_bin),
            "target_spectrum": b["target_spectrum"], "diverged": hist.diverged}
  summary = {"experiment": NAME, "peak_bins": peaks.tolist(),
             "peak_freqs": b["peak_freqs"].tolist(), "delta_f": config.delta_f,
             "threshold": config.threshold, "steps_trained": int(steps[-1]),
             "num_seeds": int(config.num_seeds), "diverged_seeds": int((~ok).sum()),
             "backend": jax.default_backend(), "wall_time_s": wall}
  for kind in KINDS:
    h_peaks = h_hat[:, :, peaks]  # [S, L, P]; explicit broadcast (rank promotion is off in tests)
    delta = np.asarray(spectrum.relative_error(h_peaks, np.broadcast_to(y_peaks, h_peaks.shape),
                                               kind), np.float64)
    cross = crossing_steps(delta, steps, config.threshold)
    order = in_frequency_order(cross) & ok
    arrays[f"delta_f_{kind}"] = delta
    arrays[f"crossing_steps_{kind}"] = cross
    summary[f"{kind}/crossing_steps"] = cross.tolist()
    summary[f"{kind}/crossing_step_mean"] = [
        float(cross[ok & (cross[:, p] >= 0), p].mean()) if (ok & (cross[:, p] >= 0)).any()
        else None for p in range(peaks.size)]
    summary[f"{kind}/in_order"] = order.tolist()
    summary[f"{kind}/in_order_all_seeds"] = bool(order[ok].all()) if ok.any() else False
    summary[f"{kind}/final_delta_f_mean"] = (delta[ok, -1].mean(axis=0).tolist()
                                             if ok.any() else None)
  arrays["delta_f"] = arrays[f"delta_f_{config.delta_f}"]
  arrays["crossing_steps"] = arrays[f"crossing_steps_{config.delta_f}"]
  summary["in_order_all_seeds"] = summary[f"{config.delta_f}/in_order_all_seeds"]
  idx, snap = common.snapshot_indices(steps, config.snapshot_steps)
  arrays["snapshot_steps"] = snap
  arrays["spectra"] = np.abs(h_hat[:, idx]) / n
  arrays["predictions"] = np.asarray(hist.metrics["pred"])[:, idx]
  final = hist.loss[ok, -1]
  summary.update(final_loss_mean=float(final.mean()) if final.size else None,
                 final_loss_min=float(final.min()) if final.size else None,
                 final_loss_max=float(final.max()) if final.size else None)

  def rows():
    d = arrays["delta_f"]
    for i, s in enumerate(steps):
      yield {"step": int(s), "loss_mean": float(np.nanmean(hist.loss[:, i])),
             "delta_f_mean": np.nanmean(d[:, i], axis=0)}

  return arrays, rows(), summary
