"""Rahaman et al. 2019, Exp 2 — the high frequencies a net learned are the least robust.

``run(config, workdir)`` gets ``M`` trained nets θ* — trained here exactly as Exp 1
(`spectral_bias_1d.build` and `spectral_bias_1d.train_models` on ``config.train``) or
read from a spectral_bias_1d record (``config.from_workdir``, `records.load_params`) —
then evaluates θ = θ* + δ·θ̂ (`models.perturb`: θ̂ uniform on the unit sphere of all
parameters) for every model, every δ and ``num_draws`` directions in ONE compiled program
(`perturbation_program`: a `lax.map` over fixed-size chunks of ``draws_per_chunk`` nets),
and writes a record:

  arrays.npz: perturbed_amplitudes[M, D, K] = mean over draws of |f̃_θ(k)| / |f̃_θ*(k)|,
              deltas[D], freqs[K], trained_amplitudes[M, K] = |f̃_θ*(k)|/A_k,
              train_steps[L], train_loss[M, L], train_amplitudes[M, L, K] (Exp 1's
              normalised amplitudes over training), diverged[M]
  summary.json: per k the smallest δ at which the model-mean ratio falls below 0.5
              (and per model, with mean and std over models), the ratio at δ_max, the
              trained amplitudes, wall times.

  params.npz: θ* of every model (leaves [M, ...]).

Draw (m, d, r) uses the key fold_in(fold_in(key_m, d), r) with key_m the m-th split of
``seed_keys(seed, "perturb")``: the numbers do not depend on ``draws_per_chunk``.
"""
from __future__ import annotations

import math
import os
import time
import warnings

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from absl import logging

from fourier_nn import models, records, spectrum, theory
from fourier_nn.experiments import common, spectral_bias_1d

SOURCE = "spectral_bias_1d"


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.check_positive_int(config, "num_deltas", "num_draws", "draws_per_chunk")
  common.check_positive(config, "delta_max")
  common.require(isinstance(config.from_workdir, str), "from_workdir", config.from_workdir,
                 "must be a path (a spectral_bias_1d record) or '' to train")
  if config.from_workdir:
    source_record(config.from_workdir)
  else:
    try:
      spectral_bias_1d.validate(config.train)
    except common.ConfigError as e:  # name the key as the user gives it: --config.train.X
      raise common.ConfigError(str(e).replace("--config.", "--config.train.", 1)) from None
    common.require(not config.train.theory_overlay, "train.theory_overlay",
                   config.train.theory_overlay, "not used by robustness; leave it False")


def source_record(path: str) -> records.Record:
  """The spectral_bias_1d record at ``path``, checked to be usable; one line otherwise."""
  def bad(rule):
    return common.ConfigError(f"--config.from_workdir={path!r} is invalid: {rule}")

  if not records.has_record(path):
    raise bad("no complete record there")
  rec = records.load_record(path)
  if rec.summary.get("experiment") != SOURCE:
    raise bad(f"it is a {rec.summary.get('experiment')!r} record, not {SOURCE}")
  if rec.config.get("amplitudes") != "equal":
    raise bad(f"its amplitudes are {rec.config.get('amplitudes')!r}; the perturbation study "
              "needs equal amplitudes (A_k = 1)")
  if rec.params is None:
    raise bad("the record holds no params (written before schema 2)")
  return rec


def perturbation_program(apply, x, freqs, num_draws: int, draws_per_chunk: int):
  """The jitted measurement: ``(params [M, ...], keys [M], deltas [D]) -> [M, D, K]``.

  Entry [m, d, k] is the mean over ``num_draws`` directions θ̂ of |f̃(k)| of
  ``apply(models.perturb(θ*_m, key, δ_d), x)`` (`spectrum.dft_amplitudes`: single-sided,
  2|F_k|/N). All M·D·R nets go through one `lax.map` over chunks of ``draws_per_chunk``
  (vmapped inside; the last chunk is padded by repeating the last net), so memory is
  bounded by the chunk and the program compiles once for all models and δ.

  Args:
    apply: (params of one net, x [N, 1]) -> [N].
    x: [N, 1] grid inputs (z_j = j/N).
    freqs: [K] integer frequencies.
    num_draws: R, directions per (model, δ).
    draws_per_chunk: nets evaluated at once.
  """
  freqs = np.asarray(freqs)
  R = int(num_draws)

  def one(params, keys, deltas, m, d, r):
    p = jax.tree_util.tree_map(lambda a: a[m], params)
    key = jax.random.fold_in(jax.random.fold_in(keys[m], d), r)
    return spectrum.dft_amplitudes(apply(models.perturb(p, key, deltas[d]), x), freqs)

  @jax.jit
  def program(params, keys, deltas):
    M, D = keys.shape[0], deltas.shape[0]
    total = M * D * R
    C = min(int(draws_per_chunk), total)
    n_chunks = math.ceil(total / C)
    idx = jnp.minimum(jnp.arange(n_chunks * C), total - 1).reshape(n_chunks, C)
    m, d, r = idx // (D * R), idx // R % D, idx % R

    def chunk(mdr):
      return jax.vmap(one, in_axes=(None, None, None, 0, 0, 0))(params, keys, deltas, *mdr)

    amps = jax.lax.map(chunk, (m, d, r))  # [n_chunks, C, K]
    return amps.reshape(n_chunks * C, -1)[:total].reshape(M, D, R, -1).mean(axis=2)

  return program


def trained_models(config, wd: records.Workdir):
  """θ* and their training history: trained here (``config.train``) or from a record.

  Returns:
    (b, params, info): `spectral_bias_1d.build` of the training config, params with
    leaves [M, ...], and a dict with train_steps, train_loss, train_amplitudes, diverged,
    train_wall_time_s, models_from.
  """
  if config.from_workdir:
    rec = source_record(config.from_workdir)
    b = spectral_bias_1d.build(ml_collections.ConfigDict(rec.config))
    a = rec.arrays
    return b, jax.tree_util.tree_map(jnp.asarray, rec.params), {
        "train_steps": a["steps"], "train_loss": a["loss"], "train_amplitudes": a["amplitudes"],
        "diverged": a["diverged"], "train_wall_time_s": 0.0,
        "models_from": os.path.abspath(config.from_workdir)}
  b = spectral_bias_1d.build(config.train)
  hist = spectral_bias_1d.train_models(config.train, b, wd, name="robustness")
  return b, hist.params, {
      "train_steps": hist.steps, "train_loss": hist.loss,
      "train_amplitudes": hist.metrics["amplitudes"], "diverged": hist.diverged,
      "train_wall_time_s": hist.wall_time, "models_from": "trained"}


def run(config, workdir: str, **workdir_options) -> str:
  """Trains (or loads), perturbs, measures and writes the record; returns its path."""
  validate(config)
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b, params, info = trained_models(config, wd)
  freqs = b["freqs"]
  M = int(jax.tree_util.tree_leaves(params)[0].shape[0])
  deltas = np.linspace(0.0, config.delta_max, config.num_deltas)
  logging.info("robustness: %d models (%s) x %d deltas in [0, %g] x %d draws, freqs %s",
               M, info["models_from"], config.num_deltas, config.delta_max, config.num_draws,
               freqs.tolist())
  trained = np.asarray(jax.vmap(lambda p: spectrum.dft_amplitudes(b["apply"](p, b["x"]),
                                                                   freqs))(params))  # [M, K]
  keys = jax.random.split(common.seed_keys(config.seed, "perturb")["perturb"], M)
  program = perturbation_program(b["apply"], b["x"], freqs, config.num_draws,
                                 config.draws_per_chunk)
  d32 = jnp.asarray(deltas, jnp.float32)
  t0 = time.perf_counter()
  compiled = program.lower(params, keys, d32).compile()
  t1 = time.perf_counter()
  mean_amp = np.asarray(jax.block_until_ready(compiled(params, keys, d32)))  # [M, D, K]
  t2 = time.perf_counter()
  with np.errstate(divide="ignore", invalid="ignore"):
    ratio = mean_amp / trained[:, None, :]
  arrays = {
      "perturbed_amplitudes": ratio, "deltas": deltas, "freqs": freqs,
      "trained_amplitudes": trained / b["amps"][None, :],
      "train_steps": np.asarray(info["train_steps"]), "train_loss": np.asarray(info["train_loss"]),
      "train_amplitudes": np.asarray(info["train_amplitudes"]),
      "diverged": np.asarray(info["diverged"]),
  }
  timing = {"train_wall_time_s": info["train_wall_time_s"], "perturb_compile_s": t1 - t0,
            "perturb_wall_time_s": t2 - t1,
            "perturbed_nets_per_s": M * config.num_deltas * config.num_draws / (t2 - t1)}
  summary = analyse(config, arrays, info["models_from"], timing)
  path = wd.save(config, metrics(arrays), arrays, summary, params=params)
  half = summary["first_delta_mean_ratio_below_0.5"]
  logging.info("robustness: the model-mean ratio first falls below 0.5 at: %s",
               ", ".join(f"k={k} δ={d:.3g}" if np.isfinite(d) else f"k={k} not by δ_max"
                         for k, d in zip(freqs.tolist(), half)))
  logging.info("robustness: record written to %s (perturbations %.1f s + compile %.1f s)",
               path, t2 - t1, t1 - t0)
  return path


def metrics(arrays):
  """One row per δ: the model-mean ratio at every k."""
  ok = ~arrays["diverged"]
  mean = np.nanmean(arrays["perturbed_amplitudes"][ok], axis=0)
  return ({"delta": float(d), "ratio_mean": mean[i]} for i, d in enumerate(arrays["deltas"]))


def analyse(config, arrays, models_from: str, timing: dict) -> dict:
  """Summary: δ_½ per k (of the model mean, and per model with mean ± std), wall times."""
  ratio, deltas = arrays["perturbed_amplitudes"], arrays["deltas"]
  ok = ~arrays["diverged"]
  mean = np.nanmean(ratio[ok], axis=0) if ok.any() else np.full(ratio.shape[1:], np.nan)
  per_model = theory.first_crossing(deltas, np.swapaxes(ratio, 1, 2), 0.5, below=True)  # [M, K]
  good = per_model[ok]
  with warnings.catch_warnings():  # a k no model brought below 0.5: NaN, not a warning
    warnings.simplefilter("ignore", RuntimeWarning)
    pm_mean, pm_std = np.nanmean(good, axis=0), np.nanstd(good, axis=0)
  return {
      "experiment": "robustness",
      "freqs": arrays["freqs"],
      "models_from": models_from,
      "num_models": int(ratio.shape[0]),
      "first_delta_mean_ratio_below_0.5": theory.first_crossing(deltas, mean.T, 0.5,
                                                                below=True),
      "first_delta_ratio_below_0.5_per_model": per_model,
      "first_delta_ratio_below_0.5_model_mean": pm_mean,
      "first_delta_ratio_below_0.5_model_std": pm_std,
      "models_not_below_0.5": np.sum(~np.isfinite(good), axis=0),
      "mean_ratio_at_delta_max": mean[-1],
      "trained_amplitude_mean": np.mean(arrays["trained_amplitudes"][ok], axis=0),
      "trained_amplitude_min": np.min(arrays["trained_amplitudes"][ok], axis=0),
      "final_train_loss_per_model": arrays["train_loss"][:, -1],
      "diverged_models": np.flatnonzero(~ok).tolist(),
      **timing,
      "backend": jax.default_backend(),
  }
