"""2-D image fit (issue 8 item 6; F-Principle slides, "How DNN fits a 2-d image?"): an
MLP maps pixel position x ∈ [−1, 1]² to the grey value I(x) of a photograph shipped with
scikit-learn (`data.sample_photo`), trained full batch on all pixels.

Measured over training: the prediction on the pixel grid (snapshots), and per ring of
the 2-D DFT (`spectrum.radial_rings`: annuli of |k| up to the Nyquist radius S/2) the
relative error ‖DFT(h) − DFT(I)‖/‖DFT(I)‖ over the ring (`spectrum.radial_relative_error`,
the 2-D Δ_F), and the annulus-averaged power of prediction and image
(`spectrum.radial_power`). F-Principle: the low rings' error falls first.

``run(config, workdir)`` writes arrays.npz: steps[T], loss[S, T], image[H, W],
snapshot_steps[P], snapshots[S, P, H, W], radial_error[S, T, R], radial_power[S, T, R],
image_radial_power[R], ring_edges[R + 1] (|k| in cycles per image), first_below[S, R]
(first logged step with radial_error < ``threshold``, −1 if never), diverged[S];
summary.json: first_below per ring (median over seeds), whether it increases with the
ring, the final relative errors.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, spectrum, train
from fourier_nn.experiments import common

LOSS = losses.get("mse")


def validate(config) -> None:
  """Raises ConfigError with one clear line for any bad setting."""
  common.check_positive_int(config, "num_seeds", "model.depth", "model.width", "size",
                            "num_rings")
  common.check_schedule(config)
  m = config.model
  common.require(config.photo in data.SAMPLE_PHOTOS, "photo", config.photo,
                 f"choose one of {data.SAMPLE_PHOTOS}")
  common.require(8 <= config.size <= 256, "size", config.size, "must be in [8, 256] pixels")
  common.require(config.num_rings <= config.size // 2, "num_rings", config.num_rings,
                 f"must be <= size/2 = {config.size // 2} (rings up to the Nyquist radius)")
  common.require(m.activation in models.ACTIVATIONS, "model.activation", m.activation,
                 f"choose one of {sorted(models.ACTIVATIONS)}")
  common.require(config.optimizer in common.OPTIMIZERS, "optimizer", config.optimizer,
                 f"choose one of {common.OPTIMIZERS}")
  common.check_positive(config, "lr")
  common.require(0 < config.threshold < 1, "threshold", config.threshold, "must be in (0, 1)")
  common.require(all(s % config.log_every == 0 and 0 <= s <= config.num_steps
                     for s in config.snapshot_steps), "snapshot_steps", config.snapshot_steps,
                 f"must be logged steps (multiples of log_every={config.log_every} "
                 f"in [0, num_steps])")


def pixel_grid(size: int) -> np.ndarray:
  """[size², 2] pixel centres in [−1, 1]², row-major: (x₁ = column, x₂ = −row)."""
  c = -1.0 + (2.0 * np.arange(size) + 1.0) / size
  rows, cols = np.meshgrid(c, c, indexing="ij")
  return np.stack([cols.ravel(), -rows.ravel()], 1)


def build(config):
  m = config.model
  image = data.sample_photo(config.photo, config.size)
  x = pixel_grid(config.size)
  model = models.MLP(depth=m.depth, width=m.width, activation=m.activation,
                     init_scheme=m.init)
  init_fn, apply, loss_fn = common.scalar_net(model, 2, LOSS)

  def measure_fn(params, batch, step):
    del step
    return {"pred": apply(params, batch["x"])}

  keys = common.seed_keys(config.seed, "init")
  batch = {"x": jnp.asarray(x, jnp.float32), "y": jnp.asarray(image.ravel(), jnp.float32)}
  return dict(image=image, x=x, batch=batch, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn,
              init_keys=jax.random.split(keys["init"], config.num_seeds))


def run(config, workdir: str, **workdir_options) -> str:
  validate(config)
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  m = config.model
  logging.info("image_fit: %s %d², %d seeds x %d steps, MLP %dx%d %s, %s lr %g",
               config.photo, config.size, config.num_seeds, config.num_steps, m.depth,
               m.width, m.activation, config.optimizer, config.lr)
  hist = train.train_seeds(
      b["init_fn"], b["loss_fn"], common.make_optimizer(config.optimizer, config.lr),
      b["batch"], b["init_keys"], config.num_steps, config.log_every, b["measure_fn"],
      checkpoint_path=wd.checkpoint_path(), monitor=wd.monitor(), name="image_fit")
  arrays, metrics, summary = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  logging.info("image_fit: first step below %.2f per ring (median over seeds): %s; "
               "increasing with the ring: %s; record in %s", config.threshold,
               summary["first_below_median"], summary["first_below_increasing"], path)
  return path


def first_below(err: np.ndarray, steps: np.ndarray, threshold: float) -> np.ndarray:
  """err [..., T, R] -> [..., R]: first logged step with err < threshold (−1 if never)."""
  below = err < threshold
  idx = np.argmax(below, axis=-2)
  return np.where(below.any(axis=-2), np.asarray(steps)[idx], -1)


def _kendall_tau(fb: np.ndarray) -> float | None:
  """τ_b of (ring, first crossing) pooled over seeds fb [seeds, R] (inf = never)."""
  if fb.size == 0:
    return None
  from scipy.stats import kendalltau  # pylint: disable=import-outside-toplevel
  rings = np.broadcast_to(np.arange(fb.shape[-1]), fb.shape).ravel()
  v = np.where(np.isfinite(fb), fb, np.nanmax(np.where(np.isfinite(fb), fb, np.nan),
                                              initial=0.0) + 1.0).ravel()
  tau = kendalltau(rings, v).statistic
  return None if not np.isfinite(tau) else float(tau)


def analyse(config, b, hist: train.History):
  S, R = config.size, config.num_rings
  img = b["image"]
  pred = np.asarray(hist.metrics["pred"], np.float64).reshape(
      hist.loss.shape + (S, S))  # [seeds, T, S, S]
  err = spectrum.radial_relative_error(pred, img, R)  # [seeds, T, R]
  power = spectrum.radial_power(pred, R)
  fb = first_below(err, hist.steps, config.threshold)  # [seeds, R]
  snap_idx, snap_steps = common.snapshot_indices(hist.steps, config.snapshot_steps)
  ok = ~hist.diverged
  fb_ok = np.where(fb[ok] < 0, np.inf, fb[ok]).astype(np.float64)
  med = np.median(fb_ok, axis=0) if ok.any() else np.full(R, np.nan)
  finite = med[np.isfinite(med)]
  summary = {
      "experiment": "image_fit",
      "photo": config.photo,
      "size": S,
      "threshold": config.threshold,
      "first_below_median": [None if not np.isfinite(v) else float(v) for v in med],
      "first_below_per_seed": fb,
      # non-decreasing over the rings that cross, and no ring crosses before a lower one
      # that never does
      "first_below_increasing": bool(ok.any() and np.all(med[:-1] <= med[1:])),
      "rings_crossed": int(finite.size),
      # Kendall's τ between ring index and first crossing (never = +inf), over rings and
      # good seeds: +1 when every lower ring crosses strictly first
      "first_below_kendall_tau": _kendall_tau(fb_ok),
      "low_half_before_high_half": bool(ok.any() and np.max(med[:R // 2]) < np.min(med[R // 2:])),
      "final_radial_error_mean": np.mean(err[ok, -1], axis=0) if ok.any() else None,
      "final_loss_mean": float(np.mean(hist.loss[ok, -1])) if ok.any() else None,
      "diverged_seeds": np.flatnonzero(hist.diverged).tolist(),
      "steps_trained": int(hist.steps[-1]),
      "wall_time_s": hist.wall_time,
      "backend": jax.default_backend(),
  }
  arrays = {"steps": hist.steps, "loss": hist.loss, "image": img,
            "snapshot_steps": snap_steps, "snapshots": pred[:, snap_idx].astype(np.float32),
            "radial_error": err, "radial_power": power,
            "image_radial_power": spectrum.radial_power(img, R),
            "ring_edges": np.linspace(0.0, S / 2, R + 1), "first_below": fb,
            "diverged": hist.diverged}
  metrics = ({"step": int(t), "loss_mean": float(np.nanmean(hist.loss[:, i])),
              "loss": hist.loss[:, i]} for i, t in enumerate(hist.steps))
  return arrays, metrics, summary
