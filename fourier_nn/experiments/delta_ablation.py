"""Rahaman et al. 2019, A.5 — a δ on the grid, fit by ReLU nets of several depths, widths
and weight clips.

``run(config, workdir)`` trains, for every ablation in ``config.ablations`` ("depth",
"width", "clip") and every setting of it, ``config.num_seeds`` nets on the δ target
(`data.delta_target`, flat spectrum 2/N). Seeds are the vmapped axis; settings with
different shapes (depths, widths) are one program each; the clip settings share one
program whose vmapped axis is clip × seed (cell c·S + s), the clip value coming per cell
from the batch (`train.train_seeds(clip="clip")`). Seed s has the same init key in every
setting. In-graph every ``log_every`` steps: the loss and the net's single-sided DFT
amplitude |f̃(k)| at every frequency of ``config.freqs`` (default 1 … N/2 − 1), divided by
the target's (2/N). On the host at step 0 and every chunk end (`relu_geometry.seed_geometry`
on [0, 1]): the exact number of linear regions, the true Lipschitz constant and the bound
Π_l ‖W_l‖₂.

Record (A = depth | width | clip; P settings of A, S seeds):

  arrays.npz: A/values[P] (Dense layers, widths or clips), A/num_params[P],
              A/loss[P, S, L], A/amplitudes[P, S, L, K] (|f̃(k)| / (2/N)),
              A/num_regions[P, S, H], A/lipschitz[P, S, H], A/lipschitz_bound[P, S, H],
              A/predictions[P, S, Q, N] at prediction_steps[Q], A/diverged[P, S];
              shared: steps[L], geometry_steps[H], freqs[K], x[N], target[N],
              target_amplitudes[K] (2/N, measured by the same DFT).
  params.npz: ``{A}_{p}`` = the final params of setting p of A, leaves [S, ...].
  summary.json: per ablation and setting (lists over the settings) the final loss, the
              mean over the top half of the frequencies of the final normalised amplitude,
              the final region count, Lipschitz constant and bound — each as the mean and
              the standard deviation over seeds (keys ``A/…_mean``, ``A/…_std``), the
              fraction of frequencies whose seed-mean amplitude ends ≥ 0.5, wall times.
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, relu_geometry, spectrum, train
from fourier_nn.configs.delta_ablation import ABLATIONS
from fourier_nn.experiments import common

LOSS = losses.get("mse")
NAME = "delta_ablation"


def _is_int(v) -> bool:
  return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _check_values(config, key: str, ok, rule: str) -> None:
  values = config[key]
  common.require(isinstance(values, (tuple, list)) and len(values) > 0
                 and all(ok(v) for v in values), key, values, rule)


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.check_positive_int(config, "num_seeds", "num_points", "depths_width", "widths_depth",
                            "clips_width", "checkpoint_every")
  common.check_schedule(config)
  common.check_positive(config, "lr")
  common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  common.require(_is_int(config.chunk_logs) and config.chunk_logs >= 0, "chunk_logs",
                 config.chunk_logs, "must be an integer >= 0 (0 = automatic)")
  common.require(config.num_points >= 4, "num_points", config.num_points, "must be >= 4")
  n = config.num_points
  try:
    data.delta_target(n, config.delta_at)
  except (ValueError, TypeError):
    raise common.ConfigError(f"--config.delta_at={config.delta_at!r} is invalid: must be a "
                             f"point j/{n} of the grid, 0 <= j < {n}") from None
  if len(config.freqs):
    try:
      spectrum.check_frequencies(config.freqs, n, name="--config.freqs")
    except ValueError as e:
      raise common.ConfigError(str(e)) from None
    common.require(min(config.freqs) >= 1, "freqs", config.freqs, "must be >= 1")
  abl = config.ablations
  common.require(isinstance(abl, (tuple, list)) and len(abl) > 0 and len(set(abl)) == len(abl)
                 and all(a in ABLATIONS for a in abl), "ablations", abl,
                 f"a non-empty subset (no repeats) of {ABLATIONS}")
  dense = "Dense layers: integers >= 2 (one hidden ReLU layer at least)"
  _check_values(config, "depths", lambda v: _is_int(v) and v >= 2, f"must be {dense}")
  _check_values(config, "widths", lambda v: _is_int(v) and v > 0, "must be positive integers")
  _check_values(config, "clips", lambda v: isinstance(v, (int, float)) and not
                isinstance(v, bool) and v > 0, "must be numbers > 0 (clamp to [-c, c])")
  for key in ("widths_depth", "clips_depth"):
    common.require(_is_int(config[key]) and config[key] >= 2, key, config[key], f"must be {dense}")
  m = config.model
  common.require(m.activation == "relu", "model.activation", m.activation,
                 "must be 'relu' (the exact regions and Lipschitz constant are for ReLU nets)")
  common.require(m.init in models.INITS, "model.init", m.init, f"choose one of {models.INITS}")
  common.require(isinstance(m.use_bias, bool), "model.use_bias", m.use_bias, "must be a bool")
  common.require(isinstance(config.snapshot_steps, (tuple, list)), "snapshot_steps",
                 config.snapshot_steps, "must be a tuple of steps")
  hidden = ([[config.depths_width] * (d - 1) for d in config.depths]
            + [[w] * (config.widths_depth - 1) for w in config.widths]
            + [[config.clips_width] * (config.clips_depth - 1)] * len(config.clips))
  common.check_training_memory(  # the largest program: the clips share one
      "num_seeds", config.num_seeds, config.num_seeds * max(1, len(config.clips)),
      max(hidden, key=sum), n, points_key=("num_points", n),
      sizes={"num_seeds": config.num_seeds, "largest net": max(hidden, key=sum)})


def freqs_of(config) -> np.ndarray:
  """The measured frequencies: ``config.freqs``, or every bin 1 … N/2 − 1."""
  if len(config.freqs):
    return np.asarray(config.freqs, np.int64)
  return np.arange(1, (config.num_points + 1) // 2, dtype=np.int64)


def model_for(config, dense_layers: int, width: int) -> models.MLP:
  """The ReLU MLP with ``dense_layers`` Dense layers (the paper's depth) of ``width``."""
  m = config.model
  return models.MLP(depth=dense_layers - 1, width=width, activation=m.activation,
                    use_bias=m.use_bias, init_scheme=m.init)


def settings(config, ablation: str) -> list[tuple[float, int, int]]:
  """(value, Dense layers, width) of every setting of one ablation."""
  if ablation == "depth":
    return [(d, d, config.depths_width) for d in config.depths]
  if ablation == "width":
    return [(w, config.widths_depth, w) for w in config.widths]
  return [(float(c), config.clips_depth, config.clips_width) for c in config.clips]


def build(config):
  """Data, frequencies and measurement pieces shared by every setting."""
  keys = common.seed_keys(config.seed, "init")
  z = data.uniform_grid(config.num_points)
  y = data.delta_target(config.num_points, config.delta_at)
  freqs = freqs_of(config)
  target_amp = np.asarray(spectrum.dft_amplitudes(y, freqs))  # 2/N, measured the same way
  init_keys = jax.random.split(keys["init"], config.num_seeds)
  return dict(z=z, x=z[:, None], y=y, freqs=freqs, target_amp=target_amp, init_keys=init_keys)


def functions(model: models.MLP, b):
  """init_fn, loss_fn, measure_fn and host_measure_fn of one architecture."""
  inv = jnp.asarray(1.0 / b["target_amp"], jnp.float32)
  freqs = b["freqs"]

  init_fn, apply, loss_fn = common.scalar_net(model, 1, LOSS)

  def measure_fn(params, batch, step):
    pred = apply(params, batch["x"])
    return {"pred": pred, "amplitudes": spectrum.dft_amplitudes(pred, freqs) * inv}

  def host_measure_fn(params, step):  # a diverged cell's geometry is NaN, the others' exact
    return relu_geometry.seed_geometry(model, params, 0.0, 1.0)

  return init_fn, loss_fn, measure_fn, host_measure_fn


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every setting, measures and writes the record into ``workdir``; returns its path."""
  validate(config)
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  optimizer = common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  monitor = wd.monitor()
  S = config.num_seeds
  out, params, walls = {}, {}, {}
  done = {}  # (Dense layers, width) -> History of an unclipped net already trained
  program = 0
  for abl in config.ablations:
    rows = settings(config, abl)
    logging.info("%s: %s ablation, %d settings x %d seeds x %d steps", NAME, abl, len(rows), S,
                 config.num_steps)
    t0 = time.perf_counter()
    if abl == "clip":  # one program: the vmapped axis is clip x seed
      _, depth, width = rows[0]
      clips = np.repeat(np.asarray([r[0] for r in rows], np.float32), S)
      keys = jnp.concatenate([b["init_keys"]] * len(rows))
      hists = [_train(config, b, optimizer, model_for(config, depth, width), keys, wd,
                      monitor, program, f"{abl}", clips=clips)]
      program += 1
    else:  # a Python loop over shapes: each depth or width is its own program
      hists = []
      for p, (_, depth, width) in enumerate(rows):
        if (depth, width) not in done:  # depth 3 × width 16 is in both ablations: train once
          done[depth, width] = _train(config, b, optimizer, model_for(config, depth, width),
                                      b["init_keys"], wd, monitor, program, f"{abl}{p}")
          program += 1
        hists.append(done[depth, width])
    walls[abl] = time.perf_counter() - t0
    out[abl] = _stack(hists, len(rows), S)
    out[abl]["values"] = np.asarray([r[0] for r in rows])
    out[abl]["num_params"] = np.asarray([_num_params(config, d, w) for _, d, w in rows])
    for p in range(len(rows)):  # params.npz wants one leading size: [S] per setting
      params[f"{abl}_{p}"] = (jax.tree_util.tree_map(lambda a, p=p: a[p * S:(p + 1) * S],
                                                     hists[0].params)
                              if abl == "clip" else hists[p].params)
  arrays, metrics, summary = analyse(config, b, out, walls)
  path = wd.save(config, metrics, arrays, summary, params=params)
  for abl in config.ablations:
    logging.info("%s: %s %s -> top-half amplitude / (2/N) %s, regions %s", NAME, abl,
                 summary[f"{abl}/values"],
                 [f"{v:.3g}" for v in summary[f"{abl}/high_freq_amplitude_mean"]],
                 [f"{v:.3g}" for v in summary[f"{abl}/num_regions_mean"]])
  logging.info("%s: record written to %s (%.1f s)", NAME, path, sum(walls.values()))
  return path


def _num_params(config, depth: int, width: int) -> int:
  model = model_for(config, depth, width)
  return models.count_params(model.init(jax.random.key(0), jnp.zeros((1, 1))))


def _train(config, b, optimizer, model, keys, wd, monitor, program: int, name: str,
           clips=None) -> train.History:
  """One compiled program: the cells of ``keys`` (and per-cell ``clips``) on one model."""
  init_fn, loss_fn, measure_fn, host_fn = functions(model, b)
  batch = {"x": b["x"], "y": b["y"]}
  axes = {"x": None, "y": None}
  if clips is not None:
    batch["clip"], axes["clip"] = jnp.asarray(clips), 0
  return train.train_seeds(
      init_fn, loss_fn, optimizer, batch, keys, config.num_steps, config.log_every,
      measure_fn, batch_axes=axes, clip="clip" if clips is not None else None,
      chunk_logs=config.chunk_logs or None,
      checkpoint_path=wd.checkpoint_path(f"checkpoint_{name}"),
      checkpoint_every=config.checkpoint_every, keep_final_checkpoint=True,
      monitor=monitor.group(program), host_measure_fn=host_fn, name=f"{NAME}:{name}")


def _stack(hists: list[train.History], P: int, S: int) -> dict[str, np.ndarray]:
  """[P, S, ...] arrays of one ablation from its programs (one of P·S cells, or P of S).

  A program whose cells all diverged stops early (`train.train_seeds`); its time axis is
  padded with NaN to the longest, so every setting has the same steps."""
  L = max(h.loss.shape[1] for h in hists)
  H = max(h.host_steps.size for h in hists)

  def cat(get, length=None):
    parts = [np.asarray(get(h)) for h in hists]
    if length is not None and any(a.shape[1] != length for a in parts):
      parts = [np.pad(a.astype(np.float64), [(0, 0), (0, length - a.shape[1])] +
                      [(0, 0)] * (a.ndim - 2), constant_values=np.nan) for a in parts]
    a = np.concatenate(parts)
    return a.reshape((P, S) + a.shape[1:])

  res = {
      "loss": cat(lambda h: h.loss, L), "amplitudes": cat(lambda h: h.metrics["amplitudes"], L),
      "pred": cat(lambda h: h.metrics["pred"], L), "diverged": cat(lambda h: h.diverged),
      "steps": next(h.steps for h in hists if h.steps.size == L),
      "geometry_steps": next(h.host_steps for h in hists if h.host_steps.size == H),
  }
  for k in ("num_regions", "lipschitz", "lipschitz_bound"):
    res[k] = cat(lambda h, k=k: h.host_metrics[k], H)
  return res


def _mean_std(a: np.ndarray, ok: np.ndarray):
  """Mean and standard deviation over seeds (last axis of ``ok``) of the good seeds."""
  m = np.array([np.mean(r[k]) if k.any() else np.nan for r, k in zip(a, ok)])
  s = np.array([np.std(r[k]) if k.any() else np.nan for r, k in zip(a, ok)])
  return m, s


def analyse(config, b, out, walls):
  """Record arrays, metric rows and summary of the finished ablations."""
  first = max((out[a] for a in config.ablations), key=lambda r: r["steps"].size)
  steps = first["steps"]
  pred_idx, pred_steps = common.snapshot_indices(steps, config.snapshot_steps)
  K = len(b["freqs"])
  top = np.arange(K // 2, K)  # the top half of the measured frequencies
  arrays = {"steps": steps, "geometry_steps": first["geometry_steps"], "freqs": b["freqs"],
            "x": np.asarray(b["z"]), "target": np.asarray(b["y"]),
            "target_amplitudes": b["target_amp"], "prediction_steps": pred_steps}
  summary = {"experiment": NAME, "ablations": list(config.ablations),
             "freqs_top_half": [int(b["freqs"][top[0]]), int(b["freqs"][-1])],
             "steps_trained": int(steps[-1]), "backend": jax.default_backend()}
  for abl in config.ablations:
    r = out[abl]
    ok = ~r["diverged"]  # [P, S]
    for k in ("values", "num_params", "loss", "amplitudes", "num_regions", "lipschitz",
              "lipschitz_bound", "diverged"):
      arrays[f"{abl}/{k}"] = r[k]
    arrays[f"{abl}/predictions"] = r["pred"][:, :, pred_idx]
    final_amp = r["amplitudes"][:, :, -1]  # [P, S, K]
    high = final_amp[:, :, top].mean(axis=-1)
    stats = {"final_loss": r["loss"][:, :, -1], "high_freq_amplitude": high,
             "num_regions": r["num_regions"][:, :, -1].astype(np.float64),
             "lipschitz": r["lipschitz"][:, :, -1],
             "lipschitz_bound": r["lipschitz_bound"][:, :, -1]}
    summary[f"{abl}/values"] = r["values"].tolist()
    summary[f"{abl}/num_params"] = r["num_params"].tolist()
    for k, v in stats.items():
      summary[f"{abl}/{k}_mean"], summary[f"{abl}/{k}_std"] = _mean_std(v, ok)
    mean_amp = np.array([final_amp[p][ok[p]].mean(axis=0) if ok[p].any() else
                         np.full(K, np.nan) for p in range(len(ok))])
    summary[f"{abl}/frac_freqs_above_half"] = np.mean(mean_amp >= 0.5, axis=-1)
    summary[f"{abl}/diverged_cells"] = int((~ok).sum())
    summary[f"{abl}/wall_time_s"] = walls[abl]
  summary["wall_time_s"] = float(sum(walls.values()))

  def rows():
    for i, s in enumerate(steps):
      row = {"step": int(s)}
      for abl in config.ablations:
        if i < out[abl]["loss"].shape[2]:
          row[f"{abl}/loss_mean"] = np.nanmean(out[abl]["loss"][:, :, i], axis=1)
      yield row

  return arrays, rows(), summary
