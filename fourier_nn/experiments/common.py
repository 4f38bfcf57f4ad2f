"""Pieces every experiment driver shares: config checks, optimizers, seeds, snapshots,
the batched training of a grid of cells."""
from __future__ import annotations

import hashlib
import math
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fourier_nn import models, train

OPTIMIZERS = ("adam", "sgd")


class ConfigError(ValueError):
  """A config value is not allowed; the message names the key, the value and the rule."""


def require(cond: bool, key: str, value: Any, rule: str) -> None:
  if not cond:
    raise ConfigError(f"--config.{key}={value!r} is invalid: {rule}")


def check_positive_int(config, *keys: str) -> None:
  """Each of ``keys`` (dotted, e.g. "model.width") is an integer > 0."""
  for key in keys:
    v = _get(config, key)
    require(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0, key, v,
            "must be a positive integer")


def check_positive(config, *keys: str) -> None:
  """Each of ``keys`` is a finite number > 0."""
  for key in keys:
    v = _get(config, key)
    require(isinstance(v, (int, float)) and math.isfinite(v) and v > 0, key, v,
            "must be a positive number")


def check_schedule(config) -> None:
  """num_steps and log_every are positive integers and num_steps is a multiple of it."""
  check_positive_int(config, "num_steps", "log_every")
  require(config.num_steps % config.log_every == 0, "num_steps", config.num_steps,
          f"must be a multiple of log_every={config.log_every}")


def check_training_memory(key: str, value: Any, nets: int, hidden: Sequence[int],
                          num_points: int, in_dim: int = 1, out_dim: int = 1,
                          extra_bytes: int = 0, sizes: dict | None = None,
                          what: str = "training", width_key: tuple[str, Any] | None = None,
                          points_key: tuple[str, Any] | None = None) -> None:
  """Refuses, before anything is built, a run whose ``nets`` vmapped MLPs (hidden widths
  ``hidden``, full batch of ``num_points``) plus ``extra_bytes`` cannot fit in memory
  (`fourier_nn.memory`). The one line names ``--config.KEY=VALUE`` (the count of nets), or
  ``width_key`` / ``points_key`` ((key, value) pairs) when a single net cannot fit —
  whichever of its parameters or activations weighs more — and the estimate."""
  from fourier_nn import memory
  need = memory.mlp_training_bytes(nets, hidden, num_points, in_dim, out_dim) + int(extra_bytes)
  limit, _ = memory.available_bytes()
  if limit is None or need <= limit:
    return
  one = memory.mlp_training_bytes(1, hidden, num_points, in_dim, out_dim)
  if one > limit and (width_key or points_key):
    acts = memory.mlp_training_bytes(1, hidden, num_points, in_dim, out_dim) - \
        memory.mlp_training_bytes(1, hidden, 0, in_dim, out_dim)
    key, value = (points_key if points_key and (acts > one - acts or not width_key)
                  else width_key)
  try:
    memory.check(need, key, value, sizes, what)
  except ValueError as e:
    raise ConfigError(str(e)) from None
def check_dataset(config, dataset_key: str = "dataset", dir_key: str = "data_dir") -> list[str]:
  """The real-data convention: ``dataset`` in `data.REAL_DATASETS` ("digits", the default,
  ships with scikit-learn) and ``data_dir`` (None, or the local directory of MNIST /
  CIFAR-10). Checked before anything compiles: an unknown dataset, mnist / cifar10
  without data_dir, a data_dir that is not a directory (whatever the dataset) or lacks a
  needed file. The files' contents are checked when `data.load_images` reads them.

  Returns:
    the files `data.load_images` will read (empty for digits).
  """
  from fourier_nn import data

  name, data_dir = _get(config, dataset_key), _get(config, dir_key)
  require(name in data.REAL_DATASETS, dataset_key, name,
          f"choose one of {data.REAL_DATASETS}")
  require(data_dir is None or isinstance(data_dir, str), dir_key, data_dir,
          "must be None or a directory path")
  if name != "digits":
    require(bool(data_dir), dir_key, data_dir,
            f"{dataset_key}={name!r} is read from a local directory (nothing is downloaded): "
            "set it")
  if data_dir is not None:  # also with digits, which does not read it: a typo is an error
    import os
    require(os.path.isdir(data_dir), dir_key, data_dir, "is not a directory")
  try:
    return data.dataset_files(name, data_dir)
  except FileNotFoundError as e:
    raise ConfigError(f"--config.{dir_key}={data_dir!r} is invalid: {e}") from None


def _get(config, key: str):
  obj = config
  for part in key.split("."):
    obj = obj[part]
  return obj


def make_optimizer(name: str, lr: float, b1: float = 0.9, b2: float = 0.999,
                   momentum: float = 0.0, eps: float = 1e-8) -> optax.GradientTransformation:
  """Optax optimizer by name; "adam" (β1, β2, ε) or "sgd" (plain GD, optional momentum)."""
  if name == "adam":
    return optax.adam(lr, b1=b1, b2=b2, eps=eps)
  if name == "sgd":
    return optax.sgd(lr, momentum=momentum or None)
  raise ConfigError(f"--config.optimizer={name!r} is invalid: choose one of {OPTIMIZERS}")


def check_mlp_cells(config) -> None:
  """The settings of a grid of Rahaman MLP cells trained together: the optimizer,
  ``model.depth``, ``model.init`` and ``cells_per_program``."""
  make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  m = config.model
  require(isinstance(m.depth, int) and m.depth >= 1, "model.depth", m.depth,
          "must be an integer >= 1")
  require(m.init in models.INITS, "model.init", m.init, f"choose one of {models.INITS}")
  require(isinstance(config.cells_per_program, int) and config.cells_per_program >= 0,
          "cells_per_program", config.cells_per_program,
          "must be an integer >= 0 (0: every cell in one program)")


def check_ridge_net(config) -> None:
  """The settings shared by the LFP drivers' two-layer ridge nets: ``num_seeds``,
  ``model.width``, ``grid_points``, the schedule, ``model.antisymmetric`` (even width),
  ``model.r_std``, ``model.w_std`` and ``lr_fraction``."""
  check_positive_int(config, "num_seeds", "model.width", "grid_points")
  check_schedule(config)
  m = config.model
  require(not m.antisymmetric or m.width % 2 == 0, "model.width", m.width,
          "must be even with model.antisymmetric=True (neurons come in ± pairs)")
  check_positive(config, "model.r_std")
  check_positive(config, "model.w_std")
  require(0 < config.lr_fraction < 1, "lr_fraction", config.lr_fraction,
          "must be in (0, 1) (fraction of the GD stability limit n/λ_max)")


def train_cells(config, b: dict, batch_axes: dict, **kwargs) -> train.History:
  """Every cell of a driver's ``build`` output ``b`` (``init_fn``, ``loss_fn``, ``batch``,
  ``init_keys``, ``measure_fn``), batched in groups of ``config.cells_per_program`` (0: all
  in one program), with the config's optimizer and schedule; ``kwargs`` go to
  ``train.train_in_groups`` (progress, monitor, checkpoint_path, ...)."""
  optimizer = make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  C = int(b["init_keys"].shape[0])
  return train.train_in_groups(
      b["init_fn"], b["loss_fn"], optimizer, b["batch"], b["init_keys"], config.num_steps,
      config.log_every, b["measure_fn"], group_size=config.cells_per_program or C,
      batch_axes=batch_axes, chunk_logs=config.chunk_logs or None,
      checkpoint_every=config.checkpoint_every, name=config.experiment, **kwargs)


def seed_keys(seed: int, *names: str) -> dict[str, jax.Array]:
  """One config seed → named, independent keys (``data``, ``init``, …) by fold-in of a hash.

  The hash covers the whole name (sha256), so distinct names give distinct streams
  ("init" and "init_readout" differ). Until 2026-12 only the first 4 bytes were hashed:
  every stream changed then (records of earlier runs are not bit-reproducible with it).

  >>> k = seed_keys(0, "init", "init_readout")
  >>> bool((jax.random.key_data(k["init"]) != jax.random.key_data(k["init_readout"])).any())
  True
  """
  root = jax.random.key(seed)
  return {n: jax.random.fold_in(root, _stable_hash(n)) for n in names}


def _stable_hash(name: str) -> int:
  # Python's hash() is salted per process; this is not.
  return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little") % (2**31 - 1)


def scalar_net(model, in_dim: int, loss: Callable[[jax.Array, jax.Array], jax.Array] | None = None):
  """The glue of a scalar-output net for `train.train_seeds`: ``(init_fn, apply, loss_fn)``.

  ``init_fn(key)`` initialises ``model`` for [·, in_dim] inputs, ``apply(params, x)`` is
  its output [N] on x [N, in_dim], ``loss_fn(params, batch) = loss(apply(params,
  batch["x"]), batch["y"])`` (None without a loss).
  """

  def init_fn(key):
    return model.init(key, jnp.zeros((1, in_dim), jnp.float32))

  def apply(params, x):
    return model.apply(params, x)[:, 0]

  def loss_fn(params, batch):
    return loss(apply(params, batch["x"]), batch["y"])

  return init_fn, apply, loss_fn if loss is not None else None


def snapshot_indices(steps: np.ndarray, wanted: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
  """Indices into ``steps`` of the wanted snapshot steps that were logged."""
  idx = [int(np.flatnonzero(steps == s)[0]) for s in wanted if np.any(steps == s)]
  return np.asarray(idx, dtype=np.int64), np.asarray(steps[idx], dtype=np.int64)
