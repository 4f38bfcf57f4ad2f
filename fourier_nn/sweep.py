"""A sweep over config values × seeds of the Exp 1 workload (`experiments.spectral_bias_1d`).

``config`` is a spectral_bias_1d config plus ``config.grid``, a nested ConfigDict of
tuples laid out like the config itself (``grid.lr``, ``grid.clip``, ``grid.amplitudes``,
``grid.model.width``, ``grid.model.depth``, ``grid.num_points``). Every key in `GRID_KEYS`
is one named axis of the record, in that order, followed by the seed axis:

  arrays.npz: loss[lr, clip, amplitudes, model.width, model.depth, num_points, seed, t],
              amplitudes[..., seed, t, k], residual_amplitudes[..., seed, t, k],
              diverged[..., seed], steps[t], freqs[k], and grid_<key>[n] the values
  summary.json: grid_axes (the axis names), grid (their values), per cell the step at
              which the seed-mean normalised amplitude first reaches 0.5 [..., k], groups.

How cells are batched: the values of `ARRAY_KEYS` (lr, clip) keep every shape and every
compiled constant, so all their cells × seeds are ONE seed axis of one program
(`train.train_seeds` with a per-seed update scale — the optimizer built at lr 1 — and a
per-seed clip; sharded over the devices like seeds). The `GROUP_KEYS` change shapes
(width, depth, num_points) or compiled constants (amplitudes: the in-graph normalisation
1/A_k), so each of their combinations is a group, one program each, run one after another.
All cells of a group share the seeds' data and inits (`spectral_bias_1d.build` of the group
config), so a cell is the same run as its config trained alone (tests/test_sweep.py).

Each group checkpoints to ``checkpoint_group<i>.orbax`` and keeps its final checkpoint, so a
resumed sweep skips finished groups and continues a half group from its checkpoint; the
resume refusal (`records.Workdir`) compares the whole config, grid included.
"""
from __future__ import annotations

import difflib
import itertools

import jax
import numpy as np
from absl import logging

from fourier_nn import records, theory, train
from fourier_nn.experiments import common, spectral_bias_1d

ARRAY_KEYS = ("lr", "clip")
GROUP_KEYS = ("amplitudes", "model.width", "model.depth", "num_points")
GRID_KEYS = ARRAY_KEYS + GROUP_KEYS


def _flat(d, prefix=""):
  out = {}
  for k, v in d.items():
    if hasattr(v, "items"):
      out.update(_flat(v, f"{prefix}{k}."))
    else:
      out[f"{prefix}{k}"] = v
  return out


def grid_values(config) -> dict[str, tuple]:
  """``config.grid`` as {key: tuple of values} in `GRID_KEYS` order; one line if bad."""
  if "grid" not in config:
    raise common.ConfigError("--config.grid is missing: give a grid of values (see "
                             "fourier_nn/configs/sweep.py)")
  flat = _flat(config.grid)
  for k in flat:
    if k not in GRID_KEYS:
      near = difflib.get_close_matches(k, GRID_KEYS, n=1)
      hint = f"; did you mean grid.{near[0]}?" if near else ""
      raise common.ConfigError(f"--config.grid.{k} is not a sweepable key: choose from "
                               f"{list(GRID_KEYS)}{hint}")
  out = {}
  for k in GRID_KEYS:
    v = flat.get(k, None)
    if v is None:  # not swept: the base config's value
      v = (_get(config, k),)
    if isinstance(v, (str, int, float)):
      v = (v,)
    v = tuple(v)
    common.require(len(v) > 0, f"grid.{k}", v, "give at least one value")
    common.require(len(set(v)) == len(v), f"grid.{k}", v, "values must be distinct")
    out[k] = v
  return out


def _get(config, key):
  for part in key.split("."):
    config = config[part]
  return config


def cell_config(config, **values):
  """The plain spectral_bias_1d config of one cell (grid removed, values set)."""
  c = config.copy_and_resolve_references()
  with c.unlocked():
    if "grid" in c:
      del c["grid"]
    for k, v in values.items():
      parent = c
      *head, last = k.split(".")
      for part in head:
        parent = parent[part]
      parent[last] = v
  return c


def groups(grid):
  """[(group values {key: v}, group index tuple)] over `GROUP_KEYS`, row-major."""
  axes = [range(len(grid[k])) for k in GROUP_KEYS]
  return [({k: grid[k][i] for k, i in zip(GROUP_KEYS, idx)}, idx)
          for idx in itertools.product(*axes)]


def validate(config) -> dict[str, tuple]:
  """Validates the whole grid before anything compiles; returns `grid_values`."""
  grid = grid_values(config)
  common.require(not config.geometry, "geometry", config.geometry,
                 "sweeps do not measure the host-side geometry: set it False")
  common.require(not config.theory_overlay, "theory_overlay", config.theory_overlay,
                 "sweeps do not compute the theory overlay: set it False")
  cells = len(grid["lr"]) * len(grid["clip"])
  for gv, _ in groups(grid):
    for lr, clip in itertools.product(grid["lr"], grid["clip"]):
      try:
        spectral_bias_1d.validate(cell_config(config, lr=lr, clip=clip, **gv))
      except ValueError as e:  # name the grid axis: --config.lr=... -> --config.grid.lr
        msg = str(e).splitlines()[0]
        for k in GRID_KEYS:
          msg = msg.replace(f"--config.{k}=", f"--config.grid.{k} value ")
        raise common.ConfigError(msg) from None
    # the memory of the whole group: every cell × seed in one program
    spectral_bias_1d.validate(cell_config(config, num_seeds=cells * config.num_seeds, **gv))
  return grid


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every group of the grid, writes one record into ``workdir``; returns its path."""
  grid = validate(config)
  wd = records.Workdir(workdir, config=config, **workdir_options)
  S = config.num_seeds
  cells = list(itertools.product(grid["lr"], grid["clip"]))
  C = len(cells)
  out: dict[str, np.ndarray] = {}
  steps = None
  group_list = groups(grid)
  wall = 0.0
  for gi, (gv, gidx) in enumerate(group_list):
    gcfg = cell_config(config, lr=1.0, clip=0.0, **gv)
    b = spectral_bias_1d.build(gcfg)
    lr = np.repeat(np.asarray([c[0] for c in cells], np.float32), S)
    clip = np.repeat(np.asarray([c[1] if c[1] > 0 else np.inf for c in cells], np.float32), S)
    y = np.tile(np.asarray(b["y"]), (C, 1))
    keys = b["init_keys"][np.tile(np.arange(S), C)]  # cell-major: index c·S + s
    optimizer = common.make_optimizer(config.optimizer, 1.0, config.b1, config.b2)
    logging.info("sweep: group %d/%d %s, %d cells x %d seeds in one program",
                 gi + 1, len(group_list), gv, C, S)
    hist = train.train_seeds(
        b["init_fn"], b["loss_fn"], optimizer, {"x": b["x"], "y": y, "lr": lr, "clip": clip},
        keys, config.num_steps, config.log_every, b["measure_fn"],
        batch_axes={"x": None, "y": 0, "lr": 0, "clip": 0}, clip="clip", update_scale="lr",
        chunk_logs=config.chunk_logs or None,
        checkpoint_path=wd.checkpoint_path(f"checkpoint_group{gi}"),
        checkpoint_every=config.checkpoint_every, keep_final_checkpoint=True,
        name=f"sweep group {gi + 1}/{len(group_list)}")
    wall += hist.wall_time
    steps = hist.steps
    shape = (len(grid["lr"]), len(grid["clip"]), S)
    parts = {"loss": hist.loss, "amplitudes": hist.metrics["amplitudes"],
             "residual_amplitudes": hist.metrics["residual_amplitudes"],
             "diverged": hist.diverged}
    for name, a in parts.items():
      a = np.asarray(a).reshape(shape + a.shape[1:])
      if name not in out:
        full = tuple(len(grid[k]) for k in GRID_KEYS) + (S,) + a.shape[3:]
        out[name] = np.zeros(full, a.dtype)
      out[name][(slice(None), slice(None)) + gidx] = a
  arrays = dict(out, steps=steps, freqs=np.asarray(config.freqs))
  for k in GRID_KEYS:
    arrays[f"grid_{k}"] = np.asarray(grid[k])
  ok = ~out["diverged"]
  amp = np.where(ok[..., None, None], out["amplitudes"], np.nan)
  with np.errstate(invalid="ignore"):
    mean_amp = np.nanmean(amp, axis=len(GRID_KEYS))  # [..., t, k]
  first = theory.first_crossing(steps, np.moveaxis(mean_amp, -1, -2), 0.5)  # [..., k]
  arrays["first_step_mean_amplitude_0.5"] = first
  summary = {
      "experiment": "sweep",
      "grid_axes": list(GRID_KEYS) + ["seed"],
      "grid": {k: list(v) for k, v in grid.items()},
      "array_keys": list(ARRAY_KEYS), "group_keys": list(GROUP_KEYS),
      "num_groups": len(group_list), "cells_per_program": C, "num_seeds": S,
      "freqs": list(config.freqs),
      "first_step_mean_amplitude_0.5": first,
      "final_loss_mean": np.nanmean(np.where(ok, out["loss"][..., -1], np.nan),
                                    axis=len(GRID_KEYS)) if ok.any() else None,
      "num_diverged": int((~ok).sum()),
      "steps_trained": int(steps[-1]),
      "wall_time_s": wall,
      "backend": jax.default_backend(),
  }
  metrics = ({"step": int(s), "loss_mean": float(np.nanmean(out["loss"][..., i]))}
             for i, s in enumerate(steps))
  path = wd.save(config, metrics, arrays, summary)
  logging.info("sweep: record written to %s (%.1f s)", path, wall)
  return path
