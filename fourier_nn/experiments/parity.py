"""F-Principle slides: parity on {−1, 1}^n does not generalise; digits of the same size do.

For each n in ``config.ns``: the cube x [2^n, n], y = Π_j x_j (`data.parity_cube`); per
seed a random split (`data.random_splits` from fold_in(fold_in(data key, n), s)) into
M_n = round(train_fraction · 2^n) training points and the rest as test points. One MLP per
seed (`models.MLP`, scalar output), full batch, MSE on ±1 (or BCE on (y + 1)/2); accuracy
= fraction of points where the output (logit) has the label's sign (`losses.binary_accuracy`),
on the training and the test points, in-graph every ``log_every`` steps. Seeds are the
vmapped axis (`train.train_seeds`), one program per n (input width and set sizes differ),
one more for the natural task: two classes of `data.load_images(dataset, data_dir)` (digits
by default) mapped to ±1 (`data.two_classes`), M = round(train_fraction · 2^digits_n)
random training images per seed, the rest of the two classes as test, the same hidden
layers, loss and optimiser. Seed s has init key fold_in(init key, s) in every task.

Record:
  arrays.npz: ns[nN], num_train[nN], num_test[nN], steps[T],
    train_accuracy[n, seed], test_accuracy[n, seed] (final), train_accuracy_curve[n, seed, T],
    test_accuracy_curve[n, seed, T], loss[n, seed, T], diverged[n, seed],
    train_index[n][seed, M_n] is not stored (it follows from the seed); digits_*:
    digits_train_accuracy[seed], digits_test_accuracy[seed], digits_train_accuracy_curve,
    digits_test_accuracy_curve, digits_loss [seed, T], digits_diverged[seed],
    digits_num_train, digits_num_test (scalars as [1]).
  summary.json: per n the seed mean ± std of train and test accuracy, the two-sided 95 %
    binomial band of chance, 0.5 ± 1.96·√(0.25 / (S · test points)) — the interval a
    classifier that guesses would fall in — and whether the mean test accuracy lies
    below, inside or above it; the same for the digits task; timing.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from fourier_nn import data, losses, models, records, train
from fourier_nn.experiments import common

LOSSES = ("mse", "bce")
MAX_N = 16


def validate(config) -> None:
  """Raises ConfigError/ValueError with one clear line for any bad setting (before any
  compilation; the data files of mnist / cifar10 are only checked for presence here)."""
  common.require(config.experiment == "parity", "experiment", config.experiment,
                 "must be 'parity'")
  common.check_dataset(config)
  common.check_positive_int(config, "num_seeds", "model.depth", "model.width")
  common.check_schedule(config)
  common.check_positive(config, "lr")
  common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  common.require(config.model.activation in models.ACTIVATIONS, "model.activation",
                 config.model.activation, f"choose one of {sorted(models.ACTIVATIONS)}")
  common.require(config.model.init in models.INITS, "model.init", config.model.init,
                 f"choose one of {models.INITS}")
  common.require(config.loss in LOSSES, "loss", config.loss, f"choose one of {LOSSES}")
  ns = config.ns
  common.require(isinstance(ns, (tuple, list)) and len(ns) > 0 and len(set(ns)) == len(ns)
                 and all(isinstance(n, int) and not isinstance(n, bool) and 2 <= n <= MAX_N
                         for n in ns), "ns", ns,
                 f"must be a non-empty tuple of distinct integers in 2..{MAX_N}")
  f = config.train_fraction
  common.require(isinstance(f, (int, float)) and 0 < f < 1, "train_fraction", f,
                 "must be a number in (0, 1)")
  for n in ns:
    m = num_train(f, n)
    common.require(1 <= m < 2**n, "train_fraction", f,
                   f"leaves no training or no test point at n={n} ({m} of {2**n} to train)")
  common.require(isinstance(config.digits_n, int) and not isinstance(config.digits_n, bool)
                 and 2 <= config.digits_n <= MAX_N, "digits_n", config.digits_n,
                 f"must be an integer in 2..{MAX_N}")
  cls = config.classes
  common.require(isinstance(cls, (tuple, list)) and len(cls) == 2 and cls[0] != cls[1]
                 and all(isinstance(c, int) and 0 <= c <= 9 for c in cls), "classes", cls,
                 "must be two distinct classes in 0..9 (mapped to −1, +1)")


def num_train(fraction: float, n: int) -> int:
  """M_n = round(fraction · 2^n) training points of the 2^n (at least one)."""
  return max(1, int(round(fraction * 2**n)))


def init_keys(config) -> jax.Array:
  """[S] init keys fold_in(init key, s), the same in every task."""
  init = common.seed_keys(config.seed, "init")["init"]
  return jax.vmap(lambda s: jax.random.fold_in(init, s))(jnp.arange(config.num_seeds,
                                                                     dtype=jnp.uint32))


def parity_task(config, n: int) -> dict[str, np.ndarray]:
  """Batch of every seed at n: x/y [S, M, ...] train, x_test/y_test [S, 2^n − M, ...]."""
  x, y = data.parity_cube(n)
  key = jax.random.fold_in(common.seed_keys(config.seed, "data")["data"], n)
  tr, te = data.random_splits(key, 2**n, num_train(config.train_fraction, n),
                              config.num_seeds)
  return {"x": x[tr], "y": y[tr], "x_test": x[te], "y_test": y[te]}


def digits_task(config) -> dict[str, np.ndarray]:
  """The natural task of the same size: two classes → ±1, M = M_{digits_n} train images."""
  x, labels = data.load_images(config.dataset, config.data_dir, classes=config.classes)
  x, y = data.two_classes(x, labels, *config.classes)
  m = num_train(config.train_fraction, config.digits_n)
  if not m < len(x):
    raise common.ConfigError(
        f"--config.digits_n={config.digits_n!r} is invalid: it asks for {m} training images "
        f"but classes {tuple(config.classes)} of {config.dataset} have {len(x)}")
  key = common.seed_keys(config.seed, "digits_split")["digits_split"]
  tr, te = data.random_splits(key, len(x), m, config.num_seeds)
  return {"x": x[tr], "y": y[tr], "x_test": x[te], "y_test": y[te]}


def build(config):
  """Model, loss, measurement (the same for every task)."""
  m = config.model
  model = models.MLP(depth=m.depth, width=m.width, activation=m.activation,
                     init_scheme=m.init)
  loss = losses.get(config.loss)
  to_target = (lambda y: (y + 1) / 2) if config.loss == "bce" else (lambda y: y)

  def apply(params, x):
    return model.apply(params, x)[:, 0]

  def loss_fn(params, b):
    return loss(apply(params, b["x"]), to_target(b["y"]))

  def measure_fn(params, b, step):
    del step
    return {"train_accuracy": losses.binary_accuracy(apply(params, b["x"]), b["y"] > 0),
            "test_accuracy": losses.binary_accuracy(apply(params, b["x_test"]),
                                                    b["y_test"] > 0)}

  def init_fn_for(dim):
    return lambda key: model.init(key, jnp.zeros((1, dim), jnp.float32))

  return dict(model=model, apply=apply, loss_fn=loss_fn, measure_fn=measure_fn,
              init_fn_for=init_fn_for)


def train_task(config, b, batch, name: str, **kwargs) -> train.History:
  """All seeds of one task (``batch`` leaves [S, ...]) in one program."""
  optimizer = common.make_optimizer(config.optimizer, config.lr, config.b1, config.b2)
  dim = batch["x"].shape[-1]
  return train.train_seeds(
      b["init_fn_for"](dim), b["loss_fn"], optimizer, {k: jnp.asarray(v) for k, v in batch.items()},
      init_keys(config), config.num_steps, config.log_every, b["measure_fn"],
      batch_axes={k: 0 for k in batch}, chunk_logs=config.chunk_logs or None,
      checkpoint_every=config.checkpoint_every, name=name, **kwargs)


def chance_band(num_test: int, num_seeds: int) -> tuple[float, float]:
  """95 % band of the seed-mean accuracy of a guesser: 0.5 ± 1.96 √(0.25 / (S·m))."""
  h = 1.96 * math.sqrt(0.25 / (num_seeds * num_test))
  return 0.5 - h, 0.5 + h


def _where(mean: float, band: tuple[float, float]) -> str:
  if not np.isfinite(mean):
    return "diverged"
  return "below" if mean < band[0] else "above" if mean > band[1] else "inside"


def run(config, workdir: str, **workdir_options) -> str:
  """Trains every task, writes the record into ``workdir``; returns its path."""
  validate(config)
  digits_batch = digits_task(config)  # reads the files: a damaged one is one line, no workdir
  wd = records.Workdir(workdir, config=config, **workdir_options)
  b = build(config)
  ns = list(config.ns)
  monitor = wd.monitor()
  logging.info("parity: n=%s x %d seeds, train_fraction %.3g, %d steps, %d x %d %s MLP; "
               "%s %s with %d training images", ns, config.num_seeds, config.train_fraction,
               config.num_steps, config.model.depth, config.model.width,
               config.model.activation, config.dataset, tuple(config.classes),
               digits_batch["x"].shape[1])
  hists = []
  for i, n in enumerate(ns):
    hists.append(train_task(config, b, parity_task(config, n), f"parity n={n}",
                            checkpoint_path=wd.checkpoint_path(f"checkpoint_n{n}"),
                            keep_final_checkpoint=True, monitor=monitor.group(i)))
  dh = train_task(config, b, digits_batch, f"{config.dataset}",
                  checkpoint_path=wd.checkpoint_path("checkpoint_digits"),
                  keep_final_checkpoint=True, monitor=monitor.group(len(ns)))
  arrays, metrics, summary = analyse(config, hists, dh, digits_batch)
  path = wd.save(config, metrics, arrays, summary)
  for n, m, s, w in zip(ns, summary["test_accuracy_mean"], summary["test_accuracy_std"],
                        summary["test_vs_chance"]):
    logging.info("parity: n=%d test accuracy %.3f ± %.3f (%s chance)", n, m, s, w)
  logging.info("parity: %s test accuracy %.3f ± %.3f", config.dataset,
               summary["digits_test_accuracy_mean"], summary["digits_test_accuracy_std"])
  logging.info("parity: record written to %s", path)
  return path


def _pad(curve: np.ndarray, T: int) -> np.ndarray:
  """[S, t] → [S, T], NaN after a diverged run stopped early."""
  out = np.full((curve.shape[0], T), np.nan)
  out[:, :curve.shape[1]] = curve
  return out


def analyse(config, hists, dh, digits_batch):
  """Record arrays, metric rows and summary."""
  S, ns = config.num_seeds, np.asarray(config.ns, np.int64)
  T = config.num_steps // config.log_every + 1
  steps = np.arange(T) * config.log_every
  curve = lambda h, k: _pad(np.asarray(h.metrics[k], np.float64), T)
  tr_c = np.stack([curve(h, "train_accuracy") for h in hists])  # [nN, S, T]
  te_c = np.stack([curve(h, "test_accuracy") for h in hists])
  loss = np.stack([_pad(np.asarray(h.loss, np.float64), T) for h in hists])
  diverged = np.stack([h.diverged for h in hists])
  n_train = np.asarray([num_train(config.train_fraction, int(n)) for n in ns])
  n_test = 2**ns - n_train
  d_tr, d_te = curve(dh, "train_accuracy"), curve(dh, "test_accuracy")
  d_ntest = int(digits_batch["x_test"].shape[1])
  arrays = {
      "ns": ns, "num_train": n_train, "num_test": n_test, "steps": steps,
      "train_accuracy": tr_c[..., -1], "test_accuracy": te_c[..., -1],
      "train_accuracy_curve": tr_c, "test_accuracy_curve": te_c, "loss": loss,
      "diverged": diverged,
      "digits_train_accuracy": d_tr[:, -1], "digits_test_accuracy": d_te[:, -1],
      "digits_train_accuracy_curve": d_tr, "digits_test_accuracy_curve": d_te,
      "digits_loss": _pad(np.asarray(dh.loss, np.float64), T), "digits_diverged": dh.diverged,
      "digits_num_train": np.asarray([digits_batch["x"].shape[1]]),
      "digits_num_test": np.asarray([d_ntest]),
  }
  ok = lambda a, d: np.where(d, np.nan, a)
  te, tr = ok(te_c[..., -1], diverged), ok(tr_c[..., -1], diverged)
  bands = [chance_band(int(m), S) for m in n_test]
  te_mean = np.nanmean(te, axis=1) if (~diverged).any() else np.full(len(ns), np.nan)
  dte = ok(d_te[:, -1], dh.diverged)
  d_band = chance_band(d_ntest, S)
  d_mean = float(np.nanmean(dte)) if (~dh.diverged).any() else float("nan")
  summary = {
      "experiment": "parity", "ns": ns, "num_train": n_train, "num_test": n_test,
      "train_accuracy_mean": np.nanmean(tr, axis=1), "train_accuracy_std": np.nanstd(tr, axis=1),
      "test_accuracy_mean": te_mean, "test_accuracy_std": np.nanstd(te, axis=1),
      "chance_band_95": [list(bd) for bd in bands],
      "test_vs_chance": [_where(float(m), bd) for m, bd in zip(te_mean, bands)],
      "dataset": config.dataset, "classes": list(config.classes),
      "digits_train_accuracy_mean": float(np.nanmean(ok(d_tr[:, -1], dh.diverged))),
      "digits_test_accuracy_mean": d_mean, "digits_test_accuracy_std": float(np.nanstd(dte)),
      "digits_chance_band_95": list(d_band), "digits_test_vs_chance": _where(d_mean, d_band),
      "diverged_runs": int(diverged.sum() + dh.diverged.sum()),
      "wall_time_s": float(sum(h.wall_time for h in hists) + dh.wall_time),
      "backend": jax.default_backend(),
  }
  metrics = ({"step": int(s), "test_accuracy_mean_per_n": np.nanmean(te_c[:, :, i], axis=1),
              "digits_test_accuracy_mean": float(np.nanmean(d_te[:, i]))}
             for i, s in enumerate(steps))
  # records.Workdir.save reads arrays["diverged"]: every run, parity and digits
  arrays["diverged"] = np.concatenate([diverged.ravel(), dh.diverged])
  arrays["parity_diverged"] = diverged
  return arrays, metrics, summary
