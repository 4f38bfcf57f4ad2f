"""Rahaman et al. 2019, Exp 4 — spectral bias on real data, in RBF-kernel eigenvectors.

The first ``num_samples`` samples of two classes (`label_noise.load_task`), the float64
Gaussian-RBF eigenbasis of their inputs (`theory.rbf_spectrum`), and per cell a ReLU MLP
trained by full-batch MSE on τ = pure_amp·τ₀ + noise_amp·ψ over those inputs. In-graph
every ``log_every`` steps: the binned |f̃| = |Vᵀ f| of the net's outputs f (V float64 on the
host, cast to float32 for the projection), the MSE against the clean τ₀ and the sign
accuracy against τ₀; the training MSE against τ is the trainer's loss.

Cells are the vmapped axis, c = i_noise·S + s over ``noises`` × seeds; inputs, V and τ₀ are
shared, the targets y[c, N] travel with the cells. Seed s's initial weights are fold_in(init
key, s) and its white noise fold_in(data key, s), whatever the noise kind.

Record:
  arrays.npz: steps[T], eigvals[N] (descending), bin_edges[B + 1] (bin b holds indices
    [edges[b], edges[b+1])), net_spectrum[noise, seed, T, B] (binned |f̃| of the net),
    val_loss[noise, seed, T] (MSE against τ₀), train_loss[noise, seed, T] (against τ),
    accuracy[noise, seed, T] (sign agreement with τ₀), clean_spectrum[N] (f̃ of τ₀,
    signed), target_spectrum[noise, seed, N] and noise_spectrum[noise, seed, N] (signed),
    clean_target[N], input_norms[N], snapshot_steps[M] (logged steps the figure shows),
    sanity_x[P], sanity_eigvals[P], sanity_eigvecs[P, n] (first n eigenvectors of the RBF
    Gram on P uniform points of [0, 1]), sanity_sign_changes[n], diverged[noise, seed]
  params.npz: final params of every cell (leaves [C, ...], c = i_noise·S + s)
  summary.json: N used (and how many were available), σ and its rule, σ over the median
    pairwise and median nearest-neighbour distances, Parseval check of the target's
    spectrum, per noise kind the seed-mean best validation loss and its step, the final
    one, and the low-/high-n ratios of the net's spectrum to the target's at the best
    step and at the end (first and last fifth of the bins); timing.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, train
from fourier_nn.experiments import common, label_noise
from fourier_nn.theory import rbf_spectrum

NOISES = ("white", "hfn")
SIGMA_RULES = ("per_sqrt_dim", "absolute")
MNIST_DIM = 784


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting."""
  common.require(config.experiment == "kernel_spectrum", "experiment", config.experiment,
                 "must be 'kernel_spectrum'")
  label_noise.check_data(config)
  common.check_positive_int(config, "num_samples", "bin_size", "num_seeds", "model.width",
                            "sanity_points", "sanity_num")
  common.require(config.num_samples >= 2, "num_samples", config.num_samples, "must be >= 2")
  common.check_positive(config, "sigma", "sanity_sigma", "lr")
  common.require(config.sigma_rule in SIGMA_RULES, "sigma_rule", config.sigma_rule,
                 f"choose one of {SIGMA_RULES}")
  n = config.noises
  common.require(isinstance(n, (tuple, list)) and len(n) > 0 and len(set(n)) == len(n)
                 and all(v in NOISES for v in n), "noises", n,
                 f"must be a non-empty tuple of distinct names from {NOISES}")
  common.require(config.hfn_form in rbf_spectrum.EIGEN_NOISE_FORMS, "hfn_form",
                 config.hfn_form, f"choose one of {rbf_spectrum.EIGEN_NOISE_FORMS}")
  for key in ("noise_power", "noise_amp", "pure_amp"):
    v = config[key]
    common.require(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   and v >= 0, key, v, "must be a finite number >= 0")
  common.require(config.sanity_num <= config.sanity_points, "sanity_num", config.sanity_num,
                 f"must be <= sanity_points={config.sanity_points}")
  common.check_schedule(config)
  s = config.snapshot_steps
  common.require(isinstance(s, (tuple, list)) and all(
      isinstance(v, int) and 0 <= v <= config.num_steps and v % config.log_every == 0
      for v in s), "snapshot_steps", s,
      f"must be logged steps: multiples of log_every={config.log_every} in "
      f"[0, num_steps={config.num_steps}]")
  common.check_mlp_cells(config)


def effective_sigma(config, dim: int) -> float:
  """σ of the RBF kernel on D-dimensional inputs: σ·√(D/784) (``per_sqrt_dim``) or σ."""
  if config.sigma_rule == "per_sqrt_dim":
    return float(config.sigma) * math.sqrt(dim / MNIST_DIM)
  return float(config.sigma)


def sanity_eigenvectors(num_points: int, sigma: float, num: int):
  """x [P] uniform on [0, 1] (linspace), eigenvalues [P] and the first ``num``
  eigenvectors [P, num] of the RBF Gram matrix there (paper Fig 6)."""
  x = np.linspace(0.0, 1.0, num_points)
  lam, V = rbf_spectrum.rbf_eigenbasis(x[:, None], sigma)
  return x, lam, V[:, :num]


def build(config):
  """Data, eigenbasis, targets, model and functions (everything but the training loop)."""
  x_all, y_all = label_noise.load_task(config)
  available = int(x_all.shape[0])
  N = min(config.num_samples, available)
  x, y = x_all[:N], y_all[:N].astype(np.float64)
  if N // config.bin_size < 1:
    raise common.ConfigError(f"--config.bin_size={config.bin_size!r} is invalid: larger "
                             f"than the {N} samples")
  sigma = effective_sigma(config, x.shape[1])
  eigvals, V = rbf_spectrum.rbf_eigenbasis(x, sigma)
  num_bins = N // config.bin_size
  edges = rbf_spectrum.bin_edges(N, num_bins)
  # [N, B] bin-averaging matrix: binned = |f̃| @ A, the same bins as rbf_spectrum.bin_mean.
  A = np.zeros((N, num_bins))
  for b in range(num_bins):
    A[edges[b]:edges[b + 1], b] = 1.0 / (edges[b + 1] - edges[b])

  S = config.num_seeds
  data_key = common.seed_keys(config.seed, "data")["data"]
  noises = []
  for kind in config.noises:
    if kind == "white":
      noises.append(np.stack([data.uniform_noise(jax.random.fold_in(data_key, s), (N,))
                              for s in range(S)]).astype(np.float64))
    else:
      hfn = rbf_spectrum.eigen_noise(V, config.noise_power, config.hfn_form)
      noises.append(np.repeat(hfn[None], S, axis=0))
  noise = np.stack(noises)  # [nn, S, N]
  targets = config.pure_amp * y[None, None] + config.noise_amp * noise  # [nn, S, N]
  cell_seed = np.tile(np.arange(S), len(config.noises))

  m = config.model
  model = models.MLP(depth=m.depth, width=m.width, init_scheme=m.init)
  mse = losses.get("mse")
  init_fn, apply, loss_fn = common.scalar_net(model, x.shape[1], mse)

  def measure_fn(params, b, step):
    del step
    f = apply(params, b["x"])
    spec = jnp.abs(jnp.dot(f, b["V"], precision=jax.lax.Precision.HIGHEST))
    return {"spectrum": jnp.dot(spec, b["A"], precision=jax.lax.Precision.HIGHEST),
            "val_loss": mse(f, b["y_clean"]),
            "accuracy": jnp.mean(((f > 0) == (b["y_clean"] > 0)).astype(jnp.float32))}

  batch = {"x": x, "y": targets.reshape(-1, N).astype(np.float32), "V": V.astype(np.float32),
           "A": A.astype(np.float32), "y_clean": y.astype(np.float32)}
  init = common.seed_keys(config.seed, "init")["init"]
  init_keys = jax.vmap(lambda s: jax.random.fold_in(init, s))(jnp.asarray(cell_seed, jnp.uint32))
  return dict(model=model, apply=apply, init_fn=init_fn, loss_fn=loss_fn,
              measure_fn=measure_fn, batch=batch, x=x, y=y, available=available, sigma=sigma,
              eigvals=eigvals, eigvecs=V, bin_edges=edges, noise=noise, targets=targets,
              cell_seed=cell_seed, init_keys=init_keys)


def train_cells(config, b, **kwargs) -> train.History:
  """Every cell of ``build``'s batch, batched (groups of ``cells_per_program``)."""
  return common.train_cells(config, b, batch_axes={"x": None, "y": 0, "V": None, "A": None, "y_clean": None}, **kwargs)


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every cell, measures, writes the record into ``workdir``; returns its path."""
  validate(config)
  b = build(config)  # before the workdir: a data-dependent error writes nothing
  wd = records.Workdir(workdir, config=config, **workdir_options)
  N = b["x"].shape[0]
  logging.info("kernel_spectrum: %s, %d of %d samples (D = %d), sigma = %.4g, %d bins; "
               "noises %s x %d seeds, %d steps", config.dataset, N, b["available"],
               b["x"].shape[1], b["sigma"], len(b["bin_edges"]) - 1, list(config.noises),
               config.num_seeds, config.num_steps)
  hist = train_cells(config, b,
                     checkpoint_path=lambda gi: wd.checkpoint_path(f"checkpoint_group{gi}"),
                     monitor=wd.monitor())
  arrays, metrics, summary = analyse(config, b, hist)
  path = wd.save(config, metrics, arrays, summary, params=hist.params)
  _log_result(summary)
  logging.info("kernel_spectrum: record written to %s (%.1f s training)", path, hist.wall_time)
  return path


def _pairwise_medians(x: np.ndarray) -> tuple[float, float]:
  """Median pairwise distance and median nearest-neighbour distance of x [N, D]."""
  x = np.asarray(x, np.float64)
  sq = np.sum(x * x, axis=1)
  d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0))
  iu = np.triu_indices(x.shape[0], 1)
  np.fill_diagonal(d, np.inf)
  return float(np.median(d[iu])), float(np.median(d.min(axis=1)))


def low_high_ratio(net_binned: np.ndarray, target_binned: np.ndarray) -> tuple:
  """Mean of net/target binned |f̃| over the first and the last fifth of the bins."""
  r = net_binned / target_binned
  q = max(1, r.shape[-1] // 5)
  return r[..., :q].mean(axis=-1), r[..., -q:].mean(axis=-1)


def analyse(config, b, hist: train.History):
  nn, S = len(config.noises), config.num_seeds
  T = hist.steps.size
  V = b["eigvecs"]
  nb = len(b["bin_edges"]) - 1
  spec = hist.metrics["spectrum"].reshape(nn, S, T, nb)
  val = hist.metrics["val_loss"].reshape(nn, S, T)
  diverged = hist.diverged.reshape(nn, S)
  clean_spec = rbf_spectrum.generalised_spectrum(b["y"], V)
  target_spec = rbf_spectrum.generalised_spectrum(b["targets"], V)
  noise_spec = rbf_spectrum.generalised_spectrum(b["noise"], V)
  sx, slam, sV = sanity_eigenvectors(config.sanity_points, config.sanity_sigma,
                                     config.sanity_num)
  snaps, snap_steps = common.snapshot_indices(hist.steps, config.snapshot_steps)
  del snaps
  arrays = {"steps": hist.steps, "eigvals": b["eigvals"], "bin_edges": b["bin_edges"],
            "net_spectrum": spec, "val_loss": val,
            "train_loss": hist.loss.reshape(nn, S, T),
            "accuracy": hist.metrics["accuracy"].reshape(nn, S, T),
            "clean_spectrum": clean_spec, "target_spectrum": target_spec,
            "noise_spectrum": noise_spec, "clean_target": b["y"],
            "input_norms": np.linalg.norm(np.asarray(b["x"], np.float64), axis=1),
            "snapshot_steps": snap_steps, "sanity_x": sx, "sanity_eigvals": slam,
            "sanity_eigvecs": sV, "sanity_sign_changes": rbf_spectrum.sign_changes(sV.T),
            "diverged": diverged}
  med, nn_med = _pairwise_medians(b["x"])
  target_binned = rbf_spectrum.bin_mean(np.abs(target_spec), nb)  # [nn, S, B]
  per_noise = {}
  for i, kind in enumerate(config.noises):
    ok = ~diverged[i]
    if not ok.any():
      per_noise[kind] = None
      continue
    mean_val = val[i][ok].mean(axis=0)
    j = int(np.argmin(mean_val))
    lo_b, hi_b = low_high_ratio(spec[i][ok][:, j], target_binned[i][ok])
    lo_e, hi_e = low_high_ratio(spec[i][ok][:, -1], target_binned[i][ok])
    per_noise[kind] = {
        "best_val_loss_mean": float(mean_val[j]), "best_step": int(hist.steps[j]),
        "best_val_loss_per_seed_min": np.min(val[i][ok], axis=-1),
        "final_val_loss_mean": float(mean_val[-1]),
        "final_train_loss_mean": float(arrays["train_loss"][i][ok][:, -1].mean()),
        "low_bins_ratio_at_best": lo_b, "high_bins_ratio_at_best": hi_b,
        "low_bins_ratio_final": lo_e, "high_bins_ratio_final": hi_e,
    }
  summary = {
      "experiment": "kernel_spectrum", "dataset": config.dataset,
      "num_samples_used": int(b["x"].shape[0]), "num_samples_available": b["available"],
      "input_dim": int(b["x"].shape[1]), "sigma": b["sigma"], "sigma_rule": config.sigma_rule,
      "median_pairwise_distance": med, "median_nn_distance": nn_med,
      "sigma_over_median_distance": b["sigma"] / med, "sigma_over_nn_distance": b["sigma"] / nn_med,
      "num_bins": nb, "noises": list(config.noises),
      "parseval_rel_error_clean": float(abs(np.sum(clean_spec ** 2) / np.sum(b["y"] ** 2) - 1)),
      "per_noise": per_noise,
      "sanity_sign_changes": arrays["sanity_sign_changes"],
      "diverged_cells": int(diverged.sum()), "steps_trained": int(hist.steps[-1]),
      "wall_time_s": hist.wall_time, "cells": nn * S, "backend": jax.default_backend(),
  }
  metrics = ({"step": int(s), "val_loss_mean_per_noise": val[:, :, t].mean(axis=1)}
             for t, s in enumerate(hist.steps))
  return arrays, metrics, summary


def _log_result(s) -> None:
  for kind, r in s["per_noise"].items():
    if r is None:
      continue
    logging.info("kernel_spectrum: %s noise: best validation loss %.4g at step %d (final "
                 "%.4g); net/target spectrum at the best step: low bins %s, high bins %s",
                 kind, r["best_val_loss_mean"], r["best_step"], r["final_val_loss_mean"],
                 np.round(r["low_bins_ratio_at_best"], 3), np.round(r["high_bins_ratio_at_best"], 3))
