"""Rahaman et al. 2019, Exp 3 — the frequency of label noise decides how much it hurts.

Two classes of a real dataset (`data.load_images`, `data.two_classes`: negative → −1,
positive → +1), file order kept, the first ``val_split`` for training and the rest for
validation. Each cell trains a ReLU MLP by full-batch MSE on τ₀ + β·ψ_k over the training
inputs (ψ_k the radial wave `data.radial_wave`), and measures in-graph every ``log_every``
steps its validation MSE against the clean τ₀ on the held-out inputs (the training MSE
against the noised target is the trainer's loss).

Cells are the vmapped axis: c = (ik·|β| + ib)·S + s for the (k, β) grid, then, with
``baseline``, one clean cell (β = 0) per seed at c = |k|·|β|·S + s. The training inputs and
the validation set are shared (``batch_axes`` None); the targets y[c, N_train] travel with
the cells. Seed s's initial weights are fold_in(init key, s) in every cell, so cells of one
seed differ only in their target.

Record:
  arrays.npz: ks[nk], betas[nb], steps[T], val_loss[k, beta, seed, T] (MSE against τ₀ on
    the validation set), train_loss[k, beta, seed, T] (MSE against τ on the training set),
    baseline_val_loss[seed, T], baseline_train_loss[seed, T] (clean cells; absent without
    ``baseline``), noise[k, N_train] (ψ_k on the training inputs), clean_target[N_train],
    val_target[N_val], input_norms[N_train], diverged[k, beta, seed]
  params.npz: final params of the baseline cells (leaves [S, ...]); the grid's are not kept
    (≈ 1.9 MB per cell at 784 inputs).
  summary.json: per (k, β) the seed-mean best validation loss (± std over seeds), the step
    of the seed-mean minimum, the final validation loss, the dip (final − best); the same
    for the baseline; the data sizes; timing.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, train
from fourier_nn.experiments import common


# ----------------------------------------------------------------------------------------
# Config checks.


def _check_number_tuple(config, key: str, minimum: float) -> tuple[float, ...]:
  v = common._get(config, key)  # pylint: disable=protected-access
  ok = (isinstance(v, (tuple, list)) and len(v) > 0
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                and x > minimum for x in v)
        and len(set(v)) == len(v))
  common.require(ok, key, v, f"must be a non-empty tuple of distinct finite numbers > {minimum}")
  return tuple(float(x) for x in v)


def check_data(config) -> None:
  """The data keys every real-data Rahaman experiment shares."""
  common.require(config.dataset in data.REAL_DATASETS, "dataset", config.dataset,
                 f"choose one of {data.REAL_DATASETS}")
  common.require(isinstance(config.data_dir, str), "data_dir", config.data_dir,
                 "must be a path string ('' for digits)")
  common.require(config.dataset == "digits" or config.data_dir, "data_dir", config.data_dir,
                 f"dataset={config.dataset!r} is read from a local directory: give its path")
  for key in ("negative", "positive"):
    v = config[key]
    common.require(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9, key, v,
                   "must be a class label in 0..9")
  common.require(config.negative != config.positive, "positive", config.positive,
                 f"must differ from negative={config.negative}")


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.require(config.experiment == "label_noise", "experiment", config.experiment,
                 "must be 'label_noise'")
  check_data(config)
  v = config.val_split
  common.require(isinstance(v, float) and 0 < v < 1, "val_split", v,
                 "must be a fraction strictly between 0 and 1 (train share)")
  common.require(config.wave in data.RADIAL_WAVES, "wave", config.wave,
                 f"choose one of {data.RADIAL_WAVES}")
  _check_number_tuple(config, "ks", 0.0)
  _check_number_tuple(config, "betas", 0.0)
  common.require(isinstance(config.baseline, bool), "baseline", config.baseline,
                 "must be True or False")
  common.check_positive_int(config, "num_seeds", "model.width")
  common.check_schedule(config)
  common.check_positive(config, "lr")
  common.check_mlp_cells(config)


# ----------------------------------------------------------------------------------------
# Construction.


def load_task(config) -> tuple[np.ndarray, np.ndarray]:
  """x [N, D] float32 in [0, 1] and y [N] in {−1, +1} of the two classes, file order."""
  x, labels = data.load_images(config.dataset, config.data_dir or None,
                               classes=(config.negative, config.positive), flatten=True)
  return data.two_classes(x, labels, config.negative, config.positive)


def split(x: np.ndarray, y: np.ndarray, fraction: float):
  """The notebook's split: the first int(fraction·N) samples train, the rest validate."""
  stop = int(fraction * x.shape[0])
  if stop < 1 or stop >= x.shape[0]:
    raise common.ConfigError(f"--config.val_split={fraction!r} is invalid: leaves an empty "
                             f"training or validation set of the {x.shape[0]} samples")
  return x[:stop], y[:stop], x[stop:], y[stop:]


def build(config):
  """Data, model, cells and functions of the study (everything but the training loop)."""
  x, y = load_task(config)
  x_tr, y_tr, x_va, y_va = split(x, y, config.val_split)
  ks = np.asarray(config.ks, np.float64)
  betas = np.asarray(config.betas, np.float64)
  S, nk, nb = config.num_seeds, len(ks), len(betas)
  noise = data.radial_wave(x_tr, ks, config.wave)  # [nk, N_train]
  grid_targets = y_tr[None, None] + betas[None, :, None] * noise[:, None]  # [nk, nb, N]
  targets = np.repeat(grid_targets.reshape(nk * nb, -1), S, axis=0)
  cell_seed = np.tile(np.arange(S), nk * nb)
  if config.baseline:
    targets = np.concatenate([targets, np.repeat(y_tr[None], S, axis=0)])
    cell_seed = np.concatenate([cell_seed, np.arange(S)])

  m = config.model
  model = models.MLP(depth=m.depth, width=m.width, init_scheme=m.init)
  D = x.shape[1]
  mse = losses.get("mse")
  init_fn, apply, loss_fn = common.scalar_net(model, D, mse)

  def measure_fn(params, b, step):
    del step
    return {"val_loss": mse(apply(params, b["x_val"]), b["y_val"])}

  batch = {"x": x_tr, "y": targets.astype(np.float32), "x_val": x_va, "y_val": y_va}
  init = common.seed_keys(config.seed, "init")["init"]
  init_keys = jax.vmap(lambda s: jax.random.fold_in(init, s))(jnp.asarray(cell_seed, jnp.uint32))
  return dict(model=model, apply=apply, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, batch=batch, ks=ks, betas=betas, noise=noise,
              x_train=x_tr, y_train=y_tr, x_val=x_va, y_val=y_va, cell_seed=cell_seed,
              init_keys=init_keys)


# ----------------------------------------------------------------------------------------
# Running.


def train_cells(config, b, **kwargs) -> train.History:
  """Every cell of ``build``'s batch, batched (groups of ``cells_per_program``)."""
  return common.train_cells(config, b, batch_axes={"x": None, "y": 0, "x_val": None, "y_val": None}, **kwargs)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every cell, measures, writes the record into ``workdir``; returns its path."""
  validate(config)
  b = build(config)  # before the workdir: a data-dependent error writes nothing
  wd = records.Workdir(workdir, config=config, **workdir_options)
  C = int(b["init_keys"].shape[0])
  logging.info("label_noise: %s, %d train / %d validation samples (D = %d); k=%s x beta=%s "
               "x %d seeds%s = %d cells, %d steps", config.dataset, b["x_train"].shape[0],
               b["x_val"].shape[0], b["x_train"].shape[1], b["ks"].tolist(),
               b["betas"].tolist(), config.num_seeds, " + baseline" if config.baseline else "",
               C, config.num_steps)
  hist = train_cells(config, b,
                     checkpoint_path=lambda gi: wd.checkpoint_path(f"checkpoint_group{gi}"),
                     monitor=wd.monitor())
  arrays, metrics, summary, params = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=params)
  _log_result(summary)
  logging.info("label_noise: record written to %s (%.1f s training)", path, hist.wall_time)
  return path


def curve_stats(steps: np.ndarray, val: np.ndarray, ok: np.ndarray) -> dict:
  """Best / final validation loss of the cells ``val[..., seed, T]`` over good seeds.

  Returns seed-mean and std of each seed's minimum over training, the step of the minimum
  of the seed-mean curve, the seed-mean final value and the dip (final − best of the mean
  curve): arrays over the leading axes.
  """
  lead = val.shape[:-2]
  best_m, best_s, best_step, final_m, dip = (np.full(lead, np.nan) for _ in range(5))
  for idx in np.ndindex(*lead):
    v = val[idx][ok[idx]]
    if not v.size:
      continue
    mins = np.nanmin(v, axis=-1)
    mean = np.nanmean(v, axis=0)
    best_m[idx], best_s[idx] = mins.mean(), mins.std()
    j = int(np.nanargmin(mean))
    best_step[idx] = steps[j]
    final_m[idx] = mean[-1]
    dip[idx] = mean[-1] - mean[j]
  return {"best_val_loss_mean": best_m, "best_val_loss_std": best_s,
          "best_step_of_mean": best_step, "final_val_loss_mean": final_m,
          "dip_final_minus_best": dip}


def analyse(config, b, hist: train.History):
  """Record arrays, metric rows, summary and the params kept (baseline cells)."""
  nk, nb, S = len(b["ks"]), len(b["betas"]), config.num_seeds
  G = nk * nb * S
  T = hist.steps.size
  val = hist.metrics["val_loss"]
  diverged = hist.diverged
  arrays = {"ks": b["ks"], "betas": b["betas"], "steps": hist.steps,
            "val_loss": val[:G].reshape(nk, nb, S, T),
            "train_loss": hist.loss[:G].reshape(nk, nb, S, T),
            "noise": b["noise"], "clean_target": b["y_train"], "val_target": b["y_val"],
            "input_norms": np.linalg.norm(b["x_train"].astype(np.float64), axis=1),
            "diverged": diverged[:G].reshape(nk, nb, S)}
  stats = curve_stats(hist.steps, arrays["val_loss"], ~arrays["diverged"])
  summary = {
      "experiment": "label_noise", "dataset": config.dataset, "wave": config.wave,
      "ks": b["ks"], "betas": b["betas"], "num_train": int(b["x_train"].shape[0]),
      "num_val": int(b["x_val"].shape[0]), "input_dim": int(b["x_train"].shape[1]),
      "input_norm_range": [float(arrays["input_norms"].min()),
                           float(arrays["input_norms"].max())],
      **{f"{k}[k, beta]": v for k, v in stats.items()},
      "diverged_cells": int(diverged.sum()),
      "steps_trained": int(hist.steps[-1]), "wall_time_s": hist.wall_time,
      "cells": int(diverged.size), "backend": jax.default_backend(),
  }
  params = None
  if config.baseline:
    arrays["baseline_val_loss"] = val[G:]
    arrays["baseline_train_loss"] = hist.loss[G:]
    base = curve_stats(hist.steps, val[G:][None], ~diverged[G:][None])
    summary.update({f"baseline_{k}": float(v[0]) for k, v in base.items()})
    params = jax.tree_util.tree_map(lambda a: np.asarray(a)[G:], hist.params)
  metrics = ({"step": int(s), "val_loss_mean[k, beta]": np.nanmean(arrays["val_loss"][..., i],
                                                                    axis=-1)}
             for i, s in enumerate(hist.steps))
  return arrays, metrics, summary, params


def _log_result(s) -> None:
  for ik, k in enumerate(s["ks"]):
    logging.info("label_noise: k=%g best validation loss over beta=%s: %s", k,
                 [float(v) for v in s["betas"]],
                 " ".join(f"{v:.4g}" for v in s["best_val_loss_mean[k, beta]"][ik]))
  if "baseline_best_val_loss_mean" in s:
    logging.info("label_noise: clean baseline best validation loss %.4g (final %.4g)",
                 s["baseline_best_val_loss_mean"], s["baseline_final_val_loss_mean"])
