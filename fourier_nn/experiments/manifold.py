"""Rahaman et al. 2019, Exp 5 and 6 — the same signal is easier on a flower with more petals.

The driver of two studies, each with its own config and script (``config.experiment``):

  * ``flower_manifold`` (Exp 5, configs/flower_manifold.py): a ReLU MLP fit by MSE to
    λ(z) = Σ_i sin(2πk_i z + φ_i) given at the inputs γ_L(z_j) ∈ R² of the flower manifold
    `data.flower_manifold` (z_j = j/N); the normalised DFT amplitude in z of f∘γ_L at every
    target k, in-graph every ``log_every`` steps.
  * ``manifold_classification`` (Exp 6, configs/manifold_classification.py): labels
    sin(2πkz + φ) > 0 (`data.sine_labels`) on γ_L, BCE with logits, training accuracy
    (`losses.binary_accuracy`) over a (k, L) grid; decision maps (logits on a square grid)
    and their number of linear regions (`relu_geometry.num_regions_2d`) for the seeds of
    ``decision_map_cell``.

Cells are the vmapped axis. A cell is one (L, seed) (Exp 5) or one (k, L, seed) (Exp 6); all
cells train in one compiled program, or with ``cells_per_program`` in equal-shaped groups
compiled once (`train.train_in_groups`), never a Python loop of trainings. The inputs
x[cell, N, 2] and targets travel with the cells (``batch_axes`` 0). Cell order: c = iL·S + s
(Exp 5), c = (ik·|L| + iL)·S + s (Exp 6).

Seeds are paired across cells and do not depend on the grid: seed s's initial weights come
from fold_in(init key, s) for every cell; its phases from fold_in(data key, s) (Exp 5, the
same φ for every L) or fold_in(fold_in(data key, k), s) (Exp 6, the same φ for every L at
that k). So a cell trained alone is the same cell as inside the grid (tested).

Record, Exp 5:
  arrays.npz: Ls[nL], freqs[K], steps[T], amplitudes[L, seed, T, K] (|DFT_z(f∘γ_L)(k)|/A_k,
    A_k = 1), loss[L, seed, T], final_predictions[L, seed, N], phases[seed, K], z[N],
    inputs[L, N, 2], diverged[L, seed]
  params.npz: final params of every cell (leaves [C, ...], c = iL·S + s)
  summary.json: per L the final seed-mean loss (± std), the seed-mean amplitude averaged
    over k and training (1 = learned at once, 0 = never), the first step at which the
    seed-mean amplitude reaches 0.5 per k, timing.
Record, Exp 6:
  arrays.npz: ks[nk], Ls[nL], steps[T], accuracy[k, L, seed] (final training accuracy),
    accuracy_curve[k, L, seed, T], loss[k, L, seed, T], phases[k, seed], z[N],
    decision_logits[M, G, G] (final logits on the grid, row i = grid_y[i]), grid_x[G],
    grid_y[G], decision_inputs[N, 2], decision_labels[N], decision_seeds[M],
    num_regions[M] (linear regions met by the grid; −1 without ``count_regions``),
    diverged[k, L, seed]
  params.npz: final params of the decision-map cell's M seeds (leaves [M, ...]); the whole
    grid's params would be ~1 MB per cell.
  summary.json: seed-mean accuracy [k, L] and its std over seeds, per k the fraction of
    steps L_i → L_{i+1} that raise the mean accuracy, the region counts, timing.
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, relu_geometry, spectrum, train
from fourier_nn.experiments import common

EXPERIMENTS = ("flower_manifold", "manifold_classification")


# ----------------------------------------------------------------------------------------
# Config checks.


def _check_int_tuple(config, key: str, minimum: int) -> tuple[int, ...]:
  v = common._get(config, key)  # pylint: disable=protected-access
  ok = (isinstance(v, (tuple, list)) and len(v) > 0
        and all(isinstance(x, int) and not isinstance(x, bool) and x >= minimum for x in v)
        and len(set(v)) == len(v))
  common.require(ok, key, v, f"must be a non-empty tuple of distinct integers >= {minimum}")
  return tuple(v)


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.require(config.experiment in EXPERIMENTS, "experiment", config.experiment,
                 f"choose one of {EXPERIMENTS}")
  common.check_positive_int(config, "num_seeds", "num_points", "model.width")
  common.check_schedule(config)
  common.check_positive(config, "lr")
  common.check_mlp_cells(config)
  _check_int_tuple(config, "Ls", 0)
  freq_key = "freqs" if config.experiment == "flower_manifold" else "ks"
  _check_int_tuple(config, freq_key, 1)
  try:
    spectrum.check_frequencies(config[freq_key], config.num_points, name=f"--config.{freq_key}")
  except ValueError as e:
    raise common.ConfigError(str(e)) from None
  if config.experiment == "manifold_classification":
    cell = config.decision_map_cell
    common.require(isinstance(cell, (tuple, list)) and len(cell) == 2
                   and cell[0] in config.ks and cell[1] in config.Ls, "decision_map_cell",
                   cell, f"must be a (k, L) pair with k in ks={tuple(config.ks)} and L in "
                   f"Ls={tuple(config.Ls)}")
    common.require(isinstance(config.decision_map_seeds, int)
                   and 0 <= config.decision_map_seeds <= config.num_seeds,
                   "decision_map_seeds", config.decision_map_seeds,
                   f"must be an integer in [0, num_seeds={config.num_seeds}]")
    common.require(isinstance(config.grid_size, int) and config.grid_size >= 2, "grid_size",
                   config.grid_size, "must be an integer >= 2")
    common.check_positive(config, "grid_half_width")
  from fourier_nn import memory
  m = config.model
  cells = config.num_seeds * len(config.Ls) * (
      len(config.ks) if config.experiment == "manifold_classification" else 1)
  per_program = min(cells, config.cells_per_program or cells)
  inputs = 4 * 3 * cells * config.num_points  # every cell's inputs x[N, 2] and labels
  nets = memory.mlp_training_bytes(per_program, [m.width] * m.depth, config.num_points, 2)
  key = "cells_per_program" if per_program < cells and nets > inputs else "num_seeds"
  common.check_training_memory(
      key, config[key], per_program, [m.width] * m.depth, config.num_points, in_dim=2,
      extra_bytes=inputs, width_key=("model.width", m.width),
      points_key=("num_points", config.num_points),
      sizes={"cells": cells, "cells in one program": per_program, "model.width": m.width,
             "model.depth": m.depth, "num_points": config.num_points})


# ----------------------------------------------------------------------------------------
# Construction.


def seed_init_keys(config, seeds: np.ndarray) -> jax.Array:
  """[C] init keys: cell seed s → fold_in(init key, s), whatever the grid."""
  init = common.seed_keys(config.seed, "init")["init"]
  return jax.vmap(lambda s: jax.random.fold_in(init, s))(jnp.asarray(seeds, jnp.uint32))


def _phases(config, num_freqs: int, k: int | None = None) -> np.ndarray:
  """[S, num_freqs] phases φ ~ U(0, 2π): seed s (and target frequency k, Exp 6) only."""
  key = common.seed_keys(config.seed, "data")["data"]
  if k is not None:
    key = jax.random.fold_in(key, k)
  return np.stack([np.asarray(data.random_phases(jax.random.fold_in(key, s), 1, num_freqs))[0]
                   for s in range(config.num_seeds)]).astype(np.float64)


def build(config):
  """Data, model and functions of the study (everything but the training loop)."""
  S, N = config.num_seeds, config.num_points
  z = np.asarray(data.uniform_grid(N), np.float64)
  Ls = np.asarray(config.Ls, np.int64)
  inputs = data.flower_manifold(z, Ls)  # [nL, N, 2]
  m = config.model
  model = models.MLP(depth=m.depth, width=m.width, init_scheme=m.init)

  init_fn, apply, _ = common.scalar_net(model, 2)

  if config.experiment == "flower_manifold":
    freqs = np.asarray(config.freqs, np.int64)
    phases = _phases(config, len(freqs))  # [S, K], shared by every L
    y = np.asarray(data.sum_of_sines(jnp.asarray(z, jnp.float32), freqs, np.ones(len(freqs)),
                                     jnp.asarray(phases, jnp.float32)))  # [S, N]
    cell_L = np.repeat(np.arange(len(Ls)), S)
    cell_seed = np.tile(np.arange(S), len(Ls))
    batch = {"x": inputs[cell_L], "y": y[cell_seed]}
    loss = losses.get("mse")
    loss_fn = common.scalar_net(model, 2, loss)[2]

    def measure_fn(params, b, step):
      del step
      return {"amplitudes": spectrum.dft_amplitudes(apply(params, b["x"]), freqs)}

    extra = dict(freqs=freqs, cell_L=cell_L)
  else:
    ks = np.asarray(config.ks, np.int64)
    phases = np.stack([_phases(config, 1, int(k))[:, 0] for k in ks])  # [nk, S]
    labels = data.sine_labels(z, ks[:, None], phases)  # [nk, S, N]
    nk, nL = len(ks), len(Ls)
    cell_k = np.repeat(np.arange(nk), nL * S)
    cell_L = np.tile(np.repeat(np.arange(nL), S), nk)
    cell_seed = np.tile(np.arange(S), nk * nL)
    batch = {"x": inputs[cell_L], "y": labels[cell_k, cell_seed]}
    loss = losses.get("bce")
    loss_fn = common.scalar_net(model, 2, loss)[2]

    def measure_fn(params, b, step):
      del step
      return {"accuracy": losses.binary_accuracy(apply(params, b["x"]), b["y"])}

    extra = dict(ks=ks, labels=labels, cell_k=cell_k, cell_L=cell_L)
  return dict(model=model, apply=apply, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, batch=batch, z=z, Ls=Ls, inputs=inputs, phases=phases,
              cell_seed=cell_seed, init_keys=seed_init_keys(config, cell_seed), **extra)


# ----------------------------------------------------------------------------------------
# Running.


def train_cells(config, b, **kwargs) -> train.History:
  """Every cell of ``build``'s batch, batched (groups of ``cells_per_program``)."""
  return common.train_cells(config, b, batch_axes={"x": 0, "y": 0}, **kwargs)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every cell, measures, writes the record into ``workdir``; returns its path."""
  validate(config)
  # resume, overwrite, tensorboard; a resume must have the checkpointed run's config
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  C = int(b["init_keys"].shape[0])
  grid = (f"L={b['Ls'].tolist()}" if config.experiment == "flower_manifold"
          else f"k={b['ks'].tolist()} x L={b['Ls'].tolist()}")
  logging.info("%s: %s x %d seeds = %d cells, %d steps, %d points, %dx%d MLP, %d cells per "
               "program", config.experiment, grid, config.num_seeds, C, config.num_steps,
               config.num_points, config.model.depth + 1, config.model.width,
               config.cells_per_program or C)
  hist = train_cells(config, b,
                     checkpoint_path=lambda gi: wd.checkpoint_path(f"checkpoint_group{gi}"),
                     monitor=wd.monitor())
  if config.experiment == "flower_manifold":
    arrays, metrics, summary = analyse_flower(config, b, hist)
    params = hist.params
  else:
    arrays, metrics, summary, params = analyse_classification(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=params)
  _log_result(summary)
  logging.info("%s: record written to %s (%.1f s training)", config.experiment, path,
               hist.wall_time)
  return path


def _timing(config, C: int, hist: train.History) -> dict:
  return {"steps_trained": int(hist.steps[-1]), "wall_time_s": hist.wall_time,
          "cells": C, "cell_steps_per_s": C * int(hist.steps[-1]) / hist.wall_time,
          "cells_per_program": config.cells_per_program or C,
          "backend": jax.default_backend()}


def analyse_flower(config, b, hist: train.History):
  """Exp 5 record arrays, metric rows and summary."""
  nL, S = len(b["Ls"]), config.num_seeds
  T = hist.steps.size
  amp = hist.metrics["amplitudes"].reshape(nL, S, T, -1)
  loss = hist.loss.reshape(nL, S, T)
  diverged = hist.diverged.reshape(nL, S)
  ok = ~diverged
  final_pred = np.asarray(jax.vmap(b["apply"])(hist.params, jnp.asarray(b["batch"]["x"])))
  arrays = {"Ls": b["Ls"], "freqs": b["freqs"], "steps": hist.steps, "amplitudes": amp,
            "loss": loss, "final_predictions": final_pred.reshape(nL, S, -1),
            "phases": b["phases"], "z": b["z"], "inputs": b["inputs"], "diverged": diverged}
  mean_amp = np.stack([np.nanmean(amp[i][ok[i]], axis=0) if ok[i].any()
                       else np.full(amp.shape[2:], np.nan) for i in range(nL)])  # [nL, T, K]
  fl = [loss[i, ok[i], -1] for i in range(nL)]
  first_half = [_first_crossing(hist.steps, mean_amp[i], 0.5) for i in range(nL)]
  metrics = ({"step": int(s), "loss_mean_per_L": np.nanmean(loss[:, :, i], axis=1)}
             for i, s in enumerate(hist.steps))
  summary = {
      "experiment": config.experiment, "Ls": b["Ls"], "freqs": b["freqs"],
      "final_loss_mean_per_L": [float(np.mean(v)) if v.size else None for v in fl],
      "final_loss_std_per_L": [float(np.std(v)) if v.size else None for v in fl],
      "final_loss_per_L_seed": loss[:, :, -1],
      "mean_amplitude_over_training_per_L": np.nanmean(mean_amp, axis=(1, 2)),
      "final_mean_amplitude_per_L": np.nanmean(mean_amp[:, -1], axis=-1),
      "first_step_mean_amplitude_0.5": first_half,
      "diverged_cells": int(diverged.sum()),
      **_timing(config, nL * S, hist),
  }
  return arrays, metrics, summary


def _first_crossing(steps, curves, level: float) -> list:
  """Per column of curves [T, K], the first step with curve >= level (None: never)."""
  out = []
  for col in np.asarray(curves).T:
    hit = np.flatnonzero(col >= level)
    out.append(int(steps[hit[0]]) if hit.size else None)
  return out


def decision_maps(config, b, params) -> dict[str, np.ndarray]:
  """Logits of the M seeds' final ``params`` (leaves [M, ...]) on the square grid, and
  their linear-region counts there."""
  gx, gy = data.square_grid(config.grid_half_width, config.grid_size)
  pts = jnp.asarray(data.square_grid_points(config.grid_half_width, config.grid_size))
  M = int(jax.tree_util.tree_leaves(params)[0].shape[0])
  G = config.grid_size
  logits = np.asarray(jax.jit(jax.vmap(b["apply"], in_axes=(0, None)))(params, pts))
  regions = np.full(M, -1, np.int64)
  if config.count_regions:
    for i in range(M):
      p = jax.tree_util.tree_map(lambda a: np.asarray(a[i]), params)
      regions[i] = relu_geometry.num_regions_2d(b["model"], p, gx, gy)
  return {"decision_logits": logits.reshape(M, G, G), "grid_x": gx, "grid_y": gy,
          "num_regions": regions}


def analyse_classification(config, b, hist: train.History):
  """Exp 6 record arrays, metric rows, summary and the params kept (decision-map seeds)."""
  nk, nL, S = len(b["ks"]), len(b["Ls"]), config.num_seeds
  T = hist.steps.size
  acc_curve = hist.metrics["accuracy"].reshape(nk, nL, S, T)
  loss = hist.loss.reshape(nk, nL, S, T)
  diverged = hist.diverged.reshape(nk, nL, S)
  acc = acc_curve[..., -1]
  ik = int(np.flatnonzero(b["ks"] == config.decision_map_cell[0])[0])
  iL = int(np.flatnonzero(b["Ls"] == config.decision_map_cell[1])[0])
  M = config.decision_map_seeds
  cells = (ik * nL + iL) * S + np.arange(M)
  kept = jax.tree_util.tree_map(lambda a: np.asarray(a)[cells], hist.params)
  arrays = {"ks": b["ks"], "Ls": b["Ls"], "steps": hist.steps, "accuracy": acc,
            "accuracy_curve": acc_curve, "loss": loss, "phases": b["phases"], "z": b["z"],
            "decision_inputs": b["inputs"][iL], "decision_labels": b["labels"][ik, 0],
            "decision_seeds": np.arange(M), "diverged": diverged}
  t0 = time.perf_counter()
  if M:
    arrays.update(decision_maps(config, b, kept))
  map_time = time.perf_counter() - t0
  acc_ok = np.where(diverged, np.nan, acc)
  mean_acc = np.nanmean(acc_ok, axis=-1)  # [nk, nL]
  rises = (np.mean(np.diff(mean_acc, axis=1) > 0, axis=1) if nL > 1
           else np.full(nk, np.nan))
  metrics = ({"step": int(s), "accuracy_mean_per_k_L": np.nanmean(acc_curve[..., i], axis=-1)}
             for i, s in enumerate(hist.steps))
  summary = {
      "experiment": config.experiment, "ks": b["ks"], "Ls": b["Ls"],
      "accuracy_mean": mean_acc, "accuracy_std": np.nanstd(acc_ok, axis=-1),
      "frac_L_steps_raising_accuracy_per_k": rises,
      "accuracy_mean_first_L": mean_acc[:, 0], "accuracy_mean_last_L": mean_acc[:, -1],
      "decision_map_cell": list(config.decision_map_cell),
      "num_regions": arrays.get("num_regions", np.zeros(0)).tolist(),
      "decision_map_time_s": map_time,
      "diverged_cells": int(diverged.sum()),
      **_timing(config, nk * nL * S, hist),
  }
  return arrays, metrics, summary, (kept if M else None)


def _log_result(s) -> None:
  name = s["experiment"]
  if name == "flower_manifold":
    for L, lo, sd, a in zip(s["Ls"], s["final_loss_mean_per_L"], s["final_loss_std_per_L"],
                            s["mean_amplitude_over_training_per_L"]):
      logging.info("%s: L=%d final loss %.4g ± %.2g, mean amplitude over training %.3f",
                   name, L, lo if lo is not None else np.nan,
                   sd if sd is not None else np.nan, a)
  else:
    for k, row in zip(s["ks"], s["accuracy_mean"]):
      logging.info("%s: k=%d accuracy over L=%s: %s", name, k, [int(L) for L in s["Ls"]],
                   " ".join(f"{v:.3f}" for v in row))
