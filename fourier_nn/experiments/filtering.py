"""F-Principle, filtering method (the authors' ``filter_gd.py``): e_low and e_high of the
softmax outputs against the one-hot labels, for a sweep of Gaussian filter widths δ, after
every epoch of mini-batch SGD.

``run(config, workdir)`` loads the images (`data.load_images`), trains ``config.num_seeds``
nets (`models.FilterCNN` or an MLP) by Nesterov SGD with mini-batches
(`train.train_seeds(minibatch=train.MiniBatch(batch_size, ("x", "labels")))`, one program
over seeds, logged once per epoch) and measures in-graph, for every δ,
`spectrum.filtered_errors(x_flat, onehot, softmax(h), δ)` (Frobenius norms over [n, 10]).

Record (S seeds, L = epochs + 1 log points, D values of δ):

  arrays.npz: e_low[S, L, D], e_high[S, L, D], deltas[D] (the variances used),
              deltas_given[D] (the config's values), steps[L], epochs[L], loss[S, L]
              (cross-entropy on the whole training set), accuracy[S, L], diverged[S].
  params.npz: final params, leaves [S, ...].
  summary.json: median squared distance, per δ the fraction of seeds with e_low < e_high
              after epoch 1 and at the end, whether that holds for every δ and seed after
              epoch 1 (``low_first_all``), final loss and accuracy.
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import logging

from fourier_nn import data, losses, models, records, spectrum, train
from fourier_nn.experiments import common

NAME = "filtering"
LOSS = losses.get("cross_entropy")
MODELS = ("cnn", "mlp")
DELTA_UNITS = ("median_sq_dist", "absolute")


def _is_int(v) -> bool:
  return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.check_positive_int(config, "num_seeds", "batch_size", "epochs", "checkpoint_every")
  common.check_positive(config, "lr")
  common.require(config.dataset in data.REAL_DATASETS, "dataset", config.dataset,
                 f"choose one of {data.REAL_DATASETS}")
  common.require(config.dataset == "digits" or bool(config.data_dir), "data_dir",
                 config.data_dir, f"must name the local directory of {config.dataset}")
  common.require(_is_int(config.num_train) and config.num_train >= 0, "num_train",
                 config.num_train, "must be an integer >= 0 (0 = every image)")
  common.require(config.model in MODELS, "model", config.model, f"choose one of {MODELS}")
  common.require(isinstance(config.mlp_widths, (tuple, list)) and len(config.mlp_widths) > 0
                 and all(_is_int(w) and w > 0 for w in config.mlp_widths), "mlp_widths",
                 config.mlp_widths, "must be a non-empty tuple of positive integers")
  common.require(config.delta_unit in DELTA_UNITS, "delta_unit", config.delta_unit,
                 f"choose one of {DELTA_UNITS}")
  d = config.deltas
  common.require(isinstance(d, (tuple, list)) and len(d) > 0 and all(
      isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and v > 0
      for v in d), "deltas", d, "must be a non-empty tuple of positive numbers (variances)")
  common.require(0 <= config.momentum < 1, "momentum", config.momentum, "must be in [0, 1)")
  common.require(config.lr_decay >= 0, "lr_decay", config.lr_decay, "must be >= 0")
  common.require(_is_int(config.chunk_logs) and config.chunk_logs >= 0, "chunk_logs",
                 config.chunk_logs, "must be an integer >= 0 (0 = automatic)")
  if config.num_train:
    common.require(config.num_train >= config.batch_size, "num_train", config.num_train,
                   f"must be >= batch_size={config.batch_size}")


def load(config):
  """(x for the net, x flattened [n, D], integer labels [n])."""
  x, labels = data.load_images(config.dataset, config.data_dir or None,
                               flatten=config.model == "mlp")
  if config.num_train:
    if config.num_train > len(x):
      raise common.ConfigError(f"--config.num_train={config.num_train} is invalid: the "
                               f"{config.dataset} set has {len(x)} images")
    x, labels = x[:config.num_train], labels[:config.num_train]
  flat = x.reshape(len(x), -1).astype(np.float32)
  return x.astype(np.float32), flat, labels.astype(np.int32)


def median_sq_dist(flat: np.ndarray) -> float:
  """Median of ‖x_i − x_j‖² over pairs i < j (float64)."""
  f = flat.astype(np.float64)
  sq = (f * f).sum(1)
  d2 = np.maximum(sq[:, None] + sq[None] - 2 * f @ f.T, 0)
  return float(np.median(d2[np.triu_indices(len(f), 1)]))


def model_of(config):
  if config.model == "cnn":
    return models.FilterCNN(out_dim=10)
  return models.MLP(widths=tuple(config.mlp_widths), out_dim=10, activation="relu",
                    init_scheme="glorot_uniform")


def optimizer_of(config) -> optax.GradientTransformation:
  """SGD, Nesterov momentum, Keras' legacy decay lr/(1 + decay·t)."""
  sched = lambda t: config.lr / (1.0 + config.lr_decay * t)
  return optax.sgd(sched, momentum=config.momentum or None, nesterov=config.nesterov)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains, measures and writes the record into ``workdir``; returns its path."""
  validate(config)
  x, flat, labels = load(config)
  n = len(x)
  wd = records.Workdir(workdir, config=config, **workdir_options)
  med = median_sq_dist(flat)
  given = np.asarray(config.deltas, np.float64)
  deltas = given * med if config.delta_unit == "median_sq_dist" else given
  model = model_of(config)
  keys = jax.random.split(common.seed_keys(config.seed, "init")["init"], config.num_seeds)
  deltas_j = jnp.asarray(deltas, jnp.float32)

  def init_fn(key):
    return model.init(key, jnp.zeros((1,) + x.shape[1:], jnp.float32))

  def loss_fn(params, batch):
    return LOSS(model.apply(params, batch["x"]), batch["labels"])

  def measure_fn(params, batch, step):
    logits = model.apply(params, batch["x"])
    h = jax.nn.softmax(logits)
    e_low, e_high = jax.lax.map(
        lambda d: spectrum.filtered_errors(batch["flat"], batch["onehot"], h, d), deltas_j)
    acc = jnp.mean(jnp.argmax(logits, -1) == batch["labels"])
    return {"e_low": e_low, "e_high": e_high, "accuracy": acc}

  per_epoch = train.steps_per_epoch(n, config.batch_size)
  logging.info("%s: %s on %d %s images, %d seeds x %d epochs of %d steps, %d deltas "
               "(median sq. distance %.4g)", NAME, config.model, n, config.dataset,
               config.num_seeds, config.epochs, per_epoch, len(deltas), med)
  t0 = time.perf_counter()
  hist = train.train_seeds(
      init_fn, loss_fn, optimizer_of(config),
      # flat and onehot ride in the batch (whole, not mini-batched) rather than as closed-over
      # constants, which XLA would try to constant-fold into the [n, n] distances.
      {"x": jnp.asarray(x), "labels": jnp.asarray(labels), "flat": jnp.asarray(flat),
       "onehot": jnp.asarray(np.eye(10, dtype=np.float32)[labels])}, keys,
      config.epochs * per_epoch, per_epoch, measure_fn,
      minibatch=train.MiniBatch(config.batch_size, ("x", "labels")),
      chunk_logs=config.chunk_logs or None, checkpoint_path=wd.checkpoint_path(),
      checkpoint_every=config.checkpoint_every, monitor=wd.monitor(), name=NAME)
  wall = time.perf_counter() - t0
  arrays, metrics, summary = analyse(config, hist, deltas, given, med, per_epoch, wall)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  logging.info("%s: e_low < e_high after epoch 1 for every delta and seed: %s; record "
               "written to %s (%.1f s)", NAME, summary["low_first_all"], path, wall)
  return path


def analyse(config, hist, deltas, given, med, per_epoch, wall):
  m = hist.metrics
  e_low, e_high = np.asarray(m["e_low"]), np.asarray(m["e_high"])  # [S, L, D]
  ok = ~hist.diverged
  steps = hist.steps
  arrays = {"e_low": e_low, "e_high": e_high, "deltas": deltas, "deltas_given": given,
            "steps": steps, "epochs": steps // per_epoch, "loss": hist.loss,
            "accuracy": np.asarray(m["accuracy"]), "diverged": hist.diverged}
  first = e_low[:, 1] < e_high[:, 1]  # [S, D] after epoch 1
  last = e_low[:, -1] < e_high[:, -1]
  summary = {"experiment": NAME, "dataset": config.dataset, "model": config.model,
             "num_train": int(config.num_train), "median_sq_dist": med,
             "deltas": deltas.tolist(), "steps_per_epoch": int(per_epoch),
             "low_first_epoch1_frac": first[ok].mean(axis=0).tolist() if ok.any() else None,
             "low_first_final_frac": last[ok].mean(axis=0).tolist() if ok.any() else None,
             "low_first_all": bool(first[ok].all()) if ok.any() else False,
             "e_low_epoch1_mean": e_low[ok, 1].mean(axis=0).tolist() if ok.any() else None,
             "e_high_epoch1_mean": e_high[ok, 1].mean(axis=0).tolist() if ok.any() else None,
             "final_loss_mean": float(hist.loss[ok, -1].mean()) if ok.any() else None,
             "final_accuracy_mean": float(arrays["accuracy"][ok, -1].mean()) if ok.any() else None,
             "diverged_seeds": int((~ok).sum()), "backend": jax.default_backend(),
             "wall_time_s": wall}

  def rows():
    for i, s in enumerate(steps):
      yield {"step": int(s), "epoch": int(s // per_epoch),
             "loss_mean": float(np.nanmean(hist.loss[:, i])),
             "e_low_mean": np.nanmean(e_low[:, i], axis=0),
             "e_high_mean": np.nanmean(e_high[:, i], axis=0)}

  return arrays, rows(), summary
