"""Multi-seed training (full batch or mini-batch SGD): one pure step, vmapped over seeds,
scanned in chunks.

The step is written for ONE seed over a plain dict state ``{"params", "opt"}``; `train_seeds`
vmaps it over the seed axis, scans it over ``log_every`` steps, evaluates the measurement
function in-graph at the end of each interval, and scans that over a chunk of intervals —
all under one `jax.jit`, compiled once. The Python loop over chunks only logs progress,
checks for divergence and (optionally) checkpoints.

Seeds are an axis, not a loop: every array in the returned `History` has the seed axis
first.

Mini-batches (``minibatch=MiniBatch(size, entries)``): before every step, a batch-selection
function (`select_minibatch`) gathers ``size`` samples of the named batch entries; which
samples depends only on the seed's own shuffle key and the global step (`minibatch_indices`:
epoch e is a fresh permutation of the n samples drawn from ``fold_in(shuffle_key, e)``, cut
into n // size consecutive batches; the ragged tail of n % size samples is left out of that
epoch). So a seed's run does not depend on the other seeds, and a resumed run draws the
same batches. Steps stay the unit of ``num_steps`` and ``log_every``; measurements see the
full batch.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import time
from typing import Any, Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import logging

from fourier_nn import checkpoints, sharding

PyTree = Any


@dataclasses.dataclass
class History:
  """What `train_seeds` returns. Seed axis first everywhere.

  Attributes:
    steps: [L] optimisation steps at which measurements were taken (0 = initialisation).
    loss: [S, L] training loss at those steps.
    metrics: pytree from ``measure_fn``, each leaf [S, L, ...].
    diverged: [S] bool, the loss became NaN/inf.
    diverged_step: [S] int, first logged step with a non-finite loss (-1 if none).
    params: final params, leaves [S, ...].
    opt_state: final optimizer state, leaves [S, ...].
    wall_time: seconds spent in the chunk loop (compilation included).
    host_steps: [H] steps at which ``host_measure_fn`` ran (0 and every chunk end), or
      None without one.
    host_metrics: pytree from ``host_measure_fn``, each leaf [S, H, ...], or None.
    first_below: [S] int, with ``track_below``: the first step t (0…num_steps, every step
      checked in-graph) whose loss — at the params after t updates — is below the seed's
      level; -1 where none is. None without ``track_below``.
  """

  steps: np.ndarray
  loss: np.ndarray
  metrics: PyTree
  diverged: np.ndarray
  diverged_step: np.ndarray
  params: PyTree
  opt_state: PyTree
  wall_time: float
  host_steps: np.ndarray | None = None
  host_metrics: PyTree = None
  first_below: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class MiniBatch:
  """Mini-batch SGD for `train_seeds`.

  Attributes:
    size: samples per step (1 <= size <= n); an epoch is n // size steps, the last
      n % size samples of each epoch's permutation are dropped (a fresh permutation next
      epoch, so every sample is used at the same rate).
    entries: names of the top-level batch entries whose leading (per-seed) axis is the
      sample axis, e.g. ("x", "y"); the other entries are passed whole.
  """

  size: int
  entries: tuple[str, ...] = ("x", "y")


# Folded into a seed's key to give its shuffle key: independent of the init stream.
_SHUFFLE_SALT = 0x5EED


def shuffle_key(key: jax.Array) -> jax.Array:
  """The shuffle key of the seed whose `train_seeds` key is ``key`` (raw uint32 data)."""
  return jax.random.key_data(jax.random.fold_in(key, _SHUFFLE_SALT))


def steps_per_epoch(num_samples: int, size: int) -> int:
  """Mini-batch steps in one epoch: n // size (the ragged tail is dropped)."""
  return int(num_samples) // int(size)


def minibatch_indices(key_data: jax.Array, step: jax.Array, num_samples: int,
                      size: int) -> jax.Array:
  """[size] sample indices of the mini-batch of global step ``step`` (0-based).

  Epoch e = step // (n // size) is ``jax.random.permutation(fold_in(key, e), n)``; step
  visits its slice ``[j·size, (j+1)·size)``, j = step mod (n // size).
  """
  per_epoch = num_samples // size
  epoch, j = step // per_epoch, step % per_epoch
  key = jax.random.fold_in(jax.random.wrap_key_data(key_data), epoch)
  perm = jax.random.permutation(key, num_samples)
  return jax.lax.dynamic_slice(perm, (j * size,), (size,))


def select_minibatch(batch: PyTree, key_data: jax.Array, step: jax.Array,
                     minibatch: MiniBatch, num_samples: int) -> PyTree:
  """``batch`` with its ``minibatch.entries`` cut to the samples of step ``step``."""
  idx = minibatch_indices(key_data, step, num_samples, minibatch.size)
  out = dict(batch)
  for name in minibatch.entries:
    out[name] = jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=0), batch[name])
  return out


def clip_params(params: PyTree, clip: float) -> PyTree:
  """Clamps every parameter to [-clip, clip] (Rahaman et al. A.5 weight clipping)."""
  return jax.tree_util.tree_map(lambda p: jnp.clip(p, -clip, clip), params)


def make_step(loss_fn: Callable[[PyTree, PyTree], jax.Array],
              optimizer: optax.GradientTransformation,
              clip: float | str | None = None,
              track_below: str | None = None,
              update_scale: str | None = None) -> Callable:
  """Pure update for ONE seed: ``(state, batch) -> state``.

  Args:
    loss_fn: (params, batch) -> scalar loss.
    optimizer: an Optax transformation.
    clip: None (no clipping), a number c (every parameter clamped to [-c, c] after each
      step) or the name of a top-level ``batch`` entry holding this seed's clip value (a
      scalar here; one per seed, batch axis 0, under `train_seeds`), so that one program
      trains cells with different clips (Rahaman et al. A.5). An infinite value does not
      clip.
    track_below: None, or the name of a top-level ``batch`` entry holding this seed's loss
      level (a scalar). The state then also carries ``step`` (updates done) and
      ``first_below`` (-1 until the loss at the current params, the value computed with
      the gradient, is first below the level; then that step, kept): a first-crossing
      time resolved to one step at no extra forward pass.
    update_scale: None, or the name of a top-level ``batch`` entry holding this seed's
      factor on the optimizer's update (a scalar): with the optimizer built at lr 1, this
      is a per-seed learning rate, bit-identical to the optimizer built at that lr (optax
      scales by −lr; here (−1·u)·lr, and negation and commuted products are exact).
  """

  def step(state, batch):
    if track_below is None:
      grads = jax.grad(loss_fn)(state["params"], batch)
    else:
      loss, grads = jax.value_and_grad(loss_fn)(state["params"], batch)
    updates, opt = optimizer.update(grads, state["opt"], state["params"])
    if update_scale is not None:
      updates = jax.tree_util.tree_map(lambda u: u * batch[update_scale], updates)
    params = optax.apply_updates(state["params"], updates)
    if clip is not None:
      params = clip_params(params, batch[clip] if isinstance(clip, str) else clip)
    new = {"params": params, "opt": opt}
    if track_below is not None:
      hit = (state["first_below"] < 0) & (loss < batch[track_below])
      new["first_below"] = jnp.where(hit, state["step"], state["first_below"])
      new["step"] = state["step"] + 1
    return new

  return step


def _chunk_logs(num_logs: int, target: int | None) -> int:
  """Largest divisor of num_logs that is <= target (default ~5 % of the run), so every
  chunk has the same shape."""
  if target is None:
    target = max(1, num_logs // 20)
  target = max(1, min(target, num_logs))
  for c in range(target, 0, -1):
    if num_logs % c == 0:
      return c
  return 1


def _progress_bar(name: str, total: int, initial: int):
  """A tqdm.auto bar (notebook widget or terminal), or None when tqdm is missing/disabled.

  Set FOURIER_NN_PROGRESS_BAR=0 to switch it off (the absl log lines stay)."""
  if os.environ.get("FOURIER_NN_PROGRESS_BAR", "1") == "0":
    return None
  try:
    from tqdm.auto import tqdm
  except ImportError:  # pragma: no cover - tqdm is a dependency
    return None
  return tqdm(total=total, initial=initial, desc=name, unit="step", dynamic_ncols=True,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} steps "
                         "[{elapsed}{postfix}]")  # tqdm puts ", " before the postfix


def _fmt_time(s: float) -> str:
  s = int(round(s))
  return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def train_seeds(
    init_fn: Callable[[jax.Array], PyTree],
    loss_fn: Callable[[PyTree, PyTree], jax.Array],
    optimizer: optax.GradientTransformation,
    batch: PyTree,
    keys: jax.Array,
    num_steps: int,
    log_every: int,
    measure_fn: Callable[[PyTree, PyTree, jax.Array], PyTree] | None = None,
    *,
    batch_axes: Any = None,
    clip: float | str | None = None,
    chunk_logs: int | None = None,
    checkpoint_path: str | None = None,
    checkpoint_every: int = 10,
    name: str = "train",
    progress: bool = True,
    keep_final_checkpoint: bool = False,
    programs: tuple[Callable, Callable] | None = None,
    monitor: Any = None,
    host_measure_fn: Callable[[PyTree, int], PyTree] | None = None,
    minibatch: MiniBatch | None = None,
    track_below: str | None = None,
    stop_when_below: bool = False,
    update_scale: str | None = None,
) -> History:
  """Trains ``len(keys)`` seeds of one model at once, full batch or mini-batch.

  Args:
    init_fn: key -> params for one seed.
    loss_fn: (params, batch) -> scalar loss for one seed.
    optimizer: any Optax transformation (built outside jit).
    batch: the full training batch, a pytree of arrays.
    keys: [S] PRNG keys, one per seed (e.g. ``jax.random.split(init_key, S)``).
    num_steps: optimisation steps; must be a multiple of ``log_every``.
    log_every: measure every this many steps (and at step 0).
    measure_fn: (params, batch, step) -> pytree of arrays, evaluated in-graph for one seed;
      ``step`` is an unbatched int32 scalar, so ``lax.cond`` on it stays a real branch.
    batch_axes: vmap ``in_axes`` for ``batch`` — None (shared by all seeds, the default) or a
      matching pytree with 0 for leaves that carry a leading seed axis (e.g. per-seed targets).
    clip: clamp every parameter to [-clip, clip] after each step (None: no clipping). A
      string names a top-level ``batch`` entry [S] with one clip value per seed (its
      ``batch_axes`` must be 0): cells that differ only in the clip share one program.
    chunk_logs: log intervals per compiled chunk (default: ~ every 5 % of the run).
    checkpoint_path: if given, an orbax checkpoint directory (`fourier_nn.checkpoints`,
      e.g. ``<workdir>/checkpoint.orbax``): the state is saved there as a finalized step
      every ``checkpoint_every`` chunks, and a run that finds a finalized, matching save
      resumes from it (same numbers as an uninterrupted run: chunk boundaries do not move).
    name: label for logs.
    progress: after every chunk, a progress bar (tqdm.auto: in a terminal or a notebook)
      and an absl log line with step, loss mean [min, max] over seeds, speed and ETA. The
      speed and ETA leave out the first chunk, which includes the compilation.
    keep_final_checkpoint: also checkpoint the finished run, so that a resume returns it
      without training (`train_in_groups` keeps finished groups this way).
    programs: the compiled (init, chunk) pair of an earlier call with the same functions
      and settings (`train_in_groups` shares them so equal-shaped groups compile once).
    monitor: an object with ``start(steps[L], loss[S, L])`` (called once with everything
      logged so far, also after a resume) and ``update(steps[l], loss[S, l])`` (after each
      chunk), e.g. `records.Workdir.monitor()`: metrics as the run goes.
    host_measure_fn: (params [S, ...] as NumPy, step) -> pytree of arrays with the seed
      axis first, run on the host at step 0 and after every chunk: measurements that
      cannot be jitted (e.g. `relu_geometry`'s exact linear regions) at no cost inside
      the compiled step. Its results are checkpointed with the run (``History.host_*``).
    minibatch: None (full batch, the default) or a `MiniBatch`: every step trains on
      ``minibatch.size`` samples of ``minibatch.entries``, shuffled per epoch from the
      seed's own key (`shuffle_key`, kept in the state as ``state["shuffle"]``). The loss
      and metrics are still measured on the whole batch every ``log_every`` steps; use
      ``log_every = steps_per_epoch(n, size)`` to log once per epoch.
    track_below: name of a top-level ``batch`` entry [S] (``batch_axes`` 0) with one loss
      level per seed: every step's loss is compared with it in-graph and the first step
      below it is returned as ``History.first_below`` (`make_step`); checkpointed with
      the state.
    stop_when_below: with ``track_below``, stop after the first chunk by whose end every
      seed has been below its level (or diverged), as a per-run stop at convergence would
      (Basri et al.'s protocol), instead of training all ``num_steps``. The arrays then end
      at that chunk (`train_in_groups` pads a group that stopped with NaN); ``first_below``
      is that of the full run, since no seed's first step below changes after it.
    update_scale: name of a top-level ``batch`` entry [S] (``batch_axes`` 0): each seed's
      optimizer update is multiplied by it (`make_step`), a per-seed learning rate with
      the optimizer built at lr 1 (`fourier_nn.sweep`).

  Returns:
    `History` (seed axis first).
  """
  if num_steps <= 0 or log_every <= 0:
    raise ValueError(f"num_steps={num_steps} and log_every={log_every} must be positive")
  if num_steps % log_every:
    raise ValueError(f"num_steps={num_steps} must be a multiple of log_every={log_every}")
  num_seeds = int(keys.shape[0])
  if num_seeds < 1:
    raise ValueError("need at least one seed (keys is empty)")
  _check_clip(clip, batch, batch_axes, num_seeds)
  _check_clip(update_scale, batch, batch_axes, num_seeds, arg="update_scale")
  _num_samples(minibatch, batch, batch_axes)
  if stop_when_below and track_below is None:
    raise ValueError("stop_when_below needs track_below (the per-seed levels)")
  num_logs = num_steps // log_every
  chunk_logs = _chunk_logs(num_logs, chunk_logs)
  num_chunks = num_logs // chunk_logs

  if programs is None:
    programs = _programs(init_fn, loss_fn, optimizer, measure_fn, log_every, chunk_logs,
                         batch_axes, clip, minibatch, _num_samples(minibatch, batch, batch_axes),
                         track_below=track_below, update_scale=update_scale)
  init, chunk = programs

  t0 = time.perf_counter()
  # The seed axis over every device (a no-op on one): sharding.py.
  shard = sharding.SeedSharding(num_seeds, batch_axes)
  host_batch, batch = batch, shard.batch(batch)  # host_batch: S seeds, no padding
  state, first = init(shard.keys(keys), batch)
  done_chunks = 0
  logs = [shard.host(first)]
  host_logs = ([_host_measure(host_measure_fn, shard.host(state), 0, num_seeds)]
               if host_measure_fn is not None else [])
  fingerprint = _fingerprint(shard.host(state) if shard.active else state, num_steps,
                             log_every, chunk_logs, num_seeds, minibatch)
  wall_before = 0.0
  if checkpoint_path and checkpoints.exists(checkpoint_path):
    state, logs, done_chunks, wall_before, host_logs = _load_checkpoint(
        checkpoint_path, state, logs[0], fingerprint, host_logs[0] if host_logs else None)
    state = shard.state(state)
    logging.info("%s: resumed from %s at step %d", name, checkpoint_path,
                 done_chunks * chunk_logs * log_every)

  # seeds with a non-finite loss logged so far (a resumed run's too)
  diverged_seen = ~np.all([np.isfinite(logs[0]["loss"])]
                          + [np.isfinite(p["loss"]).all(axis=1) for p in logs[1:]], axis=0)
  start_chunk = done_chunks
  steps_per_chunk = chunk_logs * log_every
  if monitor is not None:
    so_far = np.concatenate([logs[0]["loss"][:, None]] + [p["loss"] for p in logs[1:]], axis=1)
    monitor.start(np.arange(so_far.shape[1]) * log_every, so_far)
  bar = _progress_bar(name, num_steps, done_chunks * steps_per_chunk) if progress else None
  t_first = None  # end of the first chunk of this call: the speed is measured from there
  for c in range(done_chunks, num_chunks):
    if stop_when_below and np.all((shard.host(state["first_below"]) >= 0) | diverged_seen):
      logging.info("%s: every seed below its level (or diverged) by step %d of %d; stopping",
                   name, c * steps_per_chunk, num_steps)
      break
    start = jnp.int32(c * steps_per_chunk)
    state, out = chunk(state, batch, shard.scalar(start))
    out = shard.host(out)  # blocks; [S, chunk_logs, ...]
    logs.append(out)
    done_chunks = c + 1
    steps_done = done_chunks * steps_per_chunk
    if host_measure_fn is not None:
      host_logs.append(_host_measure(host_measure_fn, shard.host(state), steps_done, num_seeds))
    if monitor is not None:
      monitor.update(c * steps_per_chunk + log_every * np.arange(1, chunk_logs + 1),
                     out["loss"])
    loss = out["loss"][:, -1]
    bad = ~np.isfinite(out["loss"]).all(axis=1)
    new_bad = bad & ~diverged_seen
    if new_bad.any():
      logging.warning("%s: seed(s) %s diverged (non-finite loss) by step %d; the others go on",
                      name, np.flatnonzero(new_bad).tolist(), steps_done)
      diverged_seen |= bad
    if progress:
      now = time.perf_counter()
      first = t_first is None
      if first:
        t_first, rate = now, float("nan")
      else:
        rate = (done_chunks - start_chunk - 1) * steps_per_chunk / max(now - t_first, 1e-9)
      eta = (_fmt_time((num_steps - steps_done) / rate) if rate == rate and rate > 0
             else "after the first chunk (compiling)")
      finite = loss[np.isfinite(loss)]
      lo, mean, hi = ((finite.min(), finite.mean(), finite.max()) if finite.size
                      else (np.nan,) * 3)
      logging.info("%s: step %d/%d  loss mean %.4g [min %.4g, max %.4g] over %d seeds  "
                   "%.0f steps/s  ETA %s", name, steps_done, num_steps, mean, lo, hi,
                   num_seeds, rate, eta)
      if bar is not None:
        bar.set_postfix_str(f"loss {mean:.4g} [{lo:.3g}, {hi:.3g}] over {num_seeds} seeds, "
                            f"{rate:.0f} steps/s, ETA {eta}", refresh=False)
        bar.update(steps_per_chunk)
        if first:  # tqdm skips redraws within its mininterval: show the first chunk's line
          bar.refresh()
    if diverged_seen.all():
      logging.error("%s: every seed diverged; stopping at step %d", name,
                    done_chunks * chunk_logs * log_every)
      break
    if checkpoint_path and done_chunks % checkpoint_every == 0 and done_chunks < num_chunks:
      _save_checkpoint(checkpoint_path, shard.host(state), logs, done_chunks, fingerprint,
                       wall_before + time.perf_counter() - t0, host_logs)
  if bar is not None:
    bar.close()
  if checkpoint_path and keep_final_checkpoint and done_chunks > start_chunk:
    _save_checkpoint(checkpoint_path, shard.host(state), logs, done_chunks, fingerprint,
                     wall_before + time.perf_counter() - t0, host_logs)

  # Concatenate the log pieces along the step axis: [S, 1 + done*chunk_logs, ...].
  first_piece = jax.tree_util.tree_map(lambda a: a[:, None], logs[0])
  merged = jax.tree_util.tree_map(lambda *a: np.concatenate(a, axis=1), first_piece, *logs[1:])
  steps = np.arange(merged["loss"].shape[1]) * log_every
  loss = merged["loss"]
  finite = np.isfinite(loss)
  diverged = ~finite.all(axis=1)
  diverged_step = np.where(diverged, steps[np.argmin(finite, axis=1)], -1)
  state = shard.host(state)
  host_steps = host_metrics = None
  if host_logs:
    host_metrics = jax.tree_util.tree_map(lambda *a: np.stack(a, axis=1), *host_logs)
    host_steps = np.arange(len(host_logs)) * steps_per_chunk
  first_below = None
  if track_below is not None:  # the last step's loss is only in the log: check it here
    first_below = np.asarray(state["first_below"], np.int64)
    last = np.asarray(host_batch[track_below]) > loss[:, -1]
    if done_chunks == num_chunks:
      first_below = np.where((first_below < 0) & last, num_steps, first_below)
  return History(steps=steps, loss=loss, metrics=merged.get("metrics"), diverged=diverged,
                 diverged_step=diverged_step, params=state["params"], opt_state=state["opt"],
                 wall_time=wall_before + time.perf_counter() - t0,
                 host_steps=host_steps, host_metrics=host_metrics, first_below=first_below)


def _check_clip(clip, batch, batch_axes, num_seeds: int, arg: str = "clip") -> None:
  """A per-seed clip or update scale (a batch entry's name, ``arg`` the option) must be in
  ``batch`` as [S] with axis 0."""
  if not isinstance(clip, str):
    return
  if not isinstance(batch, Mapping) or clip not in batch:
    raise ValueError(f"{arg}={clip!r} names no top-level entry of the batch")
  axis = batch_axes.get(clip) if isinstance(batch_axes, Mapping) else batch_axes
  shape = np.shape(batch[clip])
  if axis != 0 or shape != (num_seeds,):
    raise ValueError(f"{arg}={clip!r}: batch[{clip!r}] must be [S] = [{num_seeds}] with "
                     f"batch_axes 0, got shape {shape} and axis {axis}")


def _num_samples(minibatch, batch, batch_axes) -> int | None:
  """n, the common sample count of the mini-batched entries (None for full batch)."""
  if minibatch is None:
    return None
  size = minibatch.size
  if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
    raise ValueError(f"minibatch.size={size!r} must be a positive integer")
  if not isinstance(batch, Mapping) or not minibatch.entries:
    raise ValueError("minibatch.entries must name top-level entries of a dict batch")
  counts = set()
  for name in minibatch.entries:
    if name not in batch:
      raise ValueError(f"minibatch entry {name!r} names no top-level entry of the batch")
    axis = batch_axes.get(name) if isinstance(batch_axes, Mapping) else batch_axes
    for leaf in jax.tree_util.tree_leaves(batch[name]):
      shape = np.shape(leaf)
      dim = 0 if axis is None else 1  # per-seed entries carry the seed axis first
      if len(shape) <= dim:
        raise ValueError(f"minibatch entry {name!r} has no sample axis (shape {shape})")
      counts.add(int(shape[dim]))
  if len(counts) != 1:
    raise ValueError(f"minibatch entries {minibatch.entries} disagree on the sample count: "
                     f"{sorted(counts)}")
  n = counts.pop()
  if size > n:
    raise ValueError(f"minibatch.size={size} exceeds the {n} samples")
  return n


def _host_measure(fn, state, step: int, num_seeds: int):
  """``fn(params on the host, step)``, checked to give the seed axis first."""
  out = jax.tree_util.tree_map(np.asarray, fn(jax.device_get(state["params"]), int(step)))
  for leaf in jax.tree_util.tree_leaves(out):
    if leaf.ndim < 1 or leaf.shape[0] != num_seeds:
      raise ValueError(f"host_measure_fn must return arrays with the seed axis first "
                       f"({num_seeds} seeds); got shape {leaf.shape}")
  return out


def _programs(init_fn, loss_fn, optimizer, measure_fn, log_every: int, chunk_logs: int,
              batch_axes, clip, minibatch=None, num_samples=None, track_below=None,
              update_scale=None):
  """The jitted, seed-vmapped (init, chunk) programs of `train_seeds`."""

  def measure(params, batch, step):
    out = {"loss": loss_fn(params, batch)}
    if measure_fn is not None:
      out["metrics"] = measure_fn(params, batch, step)
    return out

  step_fn = make_step(loss_fn, optimizer, clip, track_below, update_scale)

  def train_step(state, batch, step):
    if minibatch is None:
      return step_fn(state, batch)
    mb = select_minibatch(batch, state["shuffle"], step, minibatch, num_samples)
    inner = {k: v for k, v in state.items() if k != "shuffle"}  # params, opt, tracking
    return {**step_fn(inner, mb), "shuffle": state["shuffle"]}

  def seed_chunk(state, batch, start):
    def interval(carry, i):
      first = start + i * log_every
      state = jax.lax.fori_loop(0, log_every, lambda j, s: train_step(s, batch, first + j),
                                carry)
      return state, measure(state["params"], batch, start + (i + 1) * log_every)

    return jax.lax.scan(interval, state, jnp.arange(chunk_logs, dtype=jnp.int32))

  def seed_init(key, batch):
    params = init_fn(key)
    state = {"params": params, "opt": optimizer.init(params)}
    if minibatch is not None:
      state["shuffle"] = shuffle_key(key)
    if track_below is not None:
      state["step"], state["first_below"] = jnp.int32(0), jnp.int32(-1)
    return state, measure(params, batch, jnp.int32(0))

  # jax.jit of the vmapped functions, shard_mapped when the seeds are sharded (sharding.py)
  chunk = sharding.SeedProgram(jax.vmap(seed_chunk, in_axes=(0, batch_axes, None)),
                               (0, batch_axes, None), donate_argnums=0)
  init = sharding.SeedProgram(jax.vmap(seed_init, in_axes=(0, batch_axes)), (0, batch_axes))
  return init, chunk


def _fingerprint(state, num_steps, log_every, chunk_logs, num_seeds, minibatch=None) -> str:
  """Identifies a run's shape so a checkpoint from another configuration is refused."""
  leaves = jax.tree_util.tree_leaves(state)
  desc = (num_steps, log_every, chunk_logs, num_seeds,
          [(tuple(x.shape), str(x.dtype)) for x in leaves],
          str(jax.tree_util.tree_structure(state)))
  if minibatch is not None:  # full-batch fingerprints stay as they were
    desc += (minibatch.size, tuple(minibatch.entries))
  desc = repr(desc)
  return hashlib.sha256(desc.encode()).hexdigest()[:16]


def _save_checkpoint(path: str, state, logs, done_chunks: int, fingerprint: str,
                     wall_time: float, host_logs=()) -> None:
  """Saves the run as step ``done_chunks`` of the orbax checkpoint directory ``path``
  (`fourier_nn.checkpoints`); only the writer process saves (the state is gathered on
  all)."""
  if not sharding.is_writer():
    return
  arrays = {f"state/{i}": np.asarray(x)
            for i, x in enumerate(jax.tree_util.tree_leaves(jax.device_get(state)))}
  for j, piece in enumerate(logs):
    for i, x in enumerate(jax.tree_util.tree_leaves(piece)):
      arrays[f"log{j}/{i}"] = np.asarray(x)
  for j, piece in enumerate(host_logs):
    for i, x in enumerate(jax.tree_util.tree_leaves(piece)):
      arrays[f"host{j}/{i}"] = np.asarray(x)
  checkpoints.save(path, arrays, done_chunks,
                   {"done_chunks": int(done_chunks), "num_pieces": len(logs),
                    "num_host_pieces": len(host_logs), "fingerprint": fingerprint,
                    "wall_time": float(wall_time)})


def _load_checkpoint(path: str, state_like, log_like, fingerprint: str, host_like=None):
  """(state, log pieces, chunks done, wall time so far, host pieces) from the latest
  finalized save in the checkpoint directory ``path``, for this run shape.

  Raises:
    ValueError: one line naming the path when the checkpoint is truncated, empty, missing
      a file or damaged (`checkpoints.restore` verifies every array), an .npz of an older
      version, or from another run configuration.
  """
  z, meta = checkpoints.restore(path)
  if not isinstance(meta.get("done_chunks"), int):
    raise ValueError(f"checkpoint {path} has no done_chunks in its meta (it is damaged); "
                     "delete it to start afresh")
  if meta.get("fingerprint") != fingerprint:
    raise ValueError(f"checkpoint {path} is from a different run configuration; "
                     "delete it or use another workdir")

  def piece(prefix: str, like):  # the arrays "<prefix>/<i>" in the structure of ``like``
    treedef = jax.tree_util.tree_structure(like)
    keys = [f"{prefix}/{i}" for i in range(treedef.num_leaves)]
    missing = [k for k in keys if k not in z]
    if missing:
      raise ValueError(f"checkpoint {path} lacks the array {missing[0]!r} (it is damaged "
                       "or from another version); delete it to start afresh")
    return jax.tree_util.tree_unflatten(treedef, [z[k] for k in keys])

  state = jax.tree_util.tree_map(jnp.asarray, piece("state", state_like))
  logs = [piece(f"log{j}", log_like) for j in range(int(meta.get("num_pieces", 0)))]
  host = []
  if host_like is not None:
    num_host = int(meta.get("num_host_pieces", 0))
    if num_host != len(logs):
      raise ValueError(f"checkpoint {path} has no host measurements for every chunk; "
                       "delete it or use another workdir")
    host = [piece(f"host{j}", host_like) for j in range(num_host)]
  return state, logs, int(meta["done_chunks"]), float(meta.get("wall_time", 0.0)), host


def train_in_groups(
    init_fn: Callable[[jax.Array], PyTree],
    loss_fn: Callable[[PyTree, PyTree], jax.Array],
    optimizer: optax.GradientTransformation,
    batch: PyTree,
    keys: jax.Array,
    num_steps: int,
    log_every: int,
    measure_fn: Callable[[PyTree, PyTree, jax.Array], PyTree] | None = None,
    *,
    group_size: int,
    batch_axes: Any = None,
    checkpoint_path: Callable[[int], str] | None = None,
    name: str = "train",
    **kwargs,
) -> History:
  """`train_seeds` over the seeds in groups of ``group_size``, one program after another.

  Every group has the same shape (the last is padded by repeating its last seed, dropped
  from the result), so the program compiles once. With ``checkpoint_path`` (group index
  -> path) each group checkpoints as `train_seeds` does, and a finished group keeps its
  final checkpoint, so a resume skips it; remove the files when the record is written
  (`records.Workdir.save` does).

  Args:
    group_size: seeds per program (>= 1; >= len(keys): one group).
    batch_axes: as `train_seeds`; leaves with axis 0 are sliced per group.
    **kwargs: further `train_seeds` options (chunk_logs, checkpoint_every, clip, ...).

  Returns:
    One `History` over all seeds in their original order. A group whose seeds all
    diverged (or, with ``stop_when_below``, were all below their levels) stops early; its
    loss and metrics are padded with NaN to the longest group's length.
  """
  P = int(keys.shape[0])
  g = max(1, min(int(group_size), P))
  groups = [np.arange(s, min(s + g, P)) for s in range(0, P, g)]
  if len(groups) > 1 and groups[-1].size < g:  # pad: every group has the same shape
    groups[-1] = np.concatenate([groups[-1], np.full(g - groups[-1].size, groups[-1][-1])])
  axes = batch_axes if batch_axes is not None else jax.tree_util.tree_map(lambda _: None, batch)
  num_logs = num_steps // log_every if num_steps > 0 and log_every > 0 else 1
  chunk_logs = _chunk_logs(num_logs, kwargs.pop("chunk_logs", None))
  minibatch = kwargs.get("minibatch")
  programs = _programs(init_fn, loss_fn, optimizer, measure_fn, log_every, chunk_logs,
                       batch_axes, kwargs.get("clip"), minibatch,
                       _num_samples(minibatch, batch, batch_axes),
                       track_below=kwargs.get("track_below"))
  monitor = kwargs.pop("monitor", None)
  hists = []
  for gi, idx in enumerate(groups):
    if len(groups) > 1:
      logging.info("%s: group %d/%d, %d seeds", name, gi + 1, len(groups), idx.size)
    part = jax.tree_util.tree_map(lambda a, ax: a if ax is None else a[idx], batch, axes,
                                  is_leaf=lambda x: x is None)
    hists.append(train_seeds(
        init_fn, loss_fn, optimizer, part, keys[idx], num_steps, log_every, measure_fn,
        batch_axes=batch_axes, checkpoint_path=checkpoint_path(gi) if checkpoint_path else None,
        keep_final_checkpoint=len(groups) > 1, name=name, chunk_logs=chunk_logs,
        programs=programs, **kwargs,
        monitor=monitor.group(gi) if len(groups) > 1 and hasattr(monitor, "group")
        else monitor))
  if len(hists) == 1:
    return hists[0]
  L = max(h.loss.shape[1] for h in hists)
  steps = next(h.steps for h in hists if h.loss.shape[1] == L)

  cat_time = functools.partial(_cat_padded, length=L, num=P)

  def cat_seeds(*trees):
    return jax.tree_util.tree_map(lambda *a: np.concatenate([np.asarray(x) for x in a])[:P],
                                  *trees)

  metrics = (jax.tree_util.tree_map(cat_time, *[h.metrics for h in hists])
             if hists[0].metrics is not None else None)
  host_steps = host_metrics = None
  if hists[0].host_metrics is not None:
    H = max(h.host_steps.size for h in hists)
    host_steps = next(h.host_steps for h in hists if h.host_steps.size == H)
    host_metrics = jax.tree_util.tree_map(
        functools.partial(_cat_padded, length=H, num=P), *[h.host_metrics for h in hists])
  return History(steps=steps, loss=cat_time(*[h.loss for h in hists]), metrics=metrics,
                 diverged=cat_seeds(*[h.diverged for h in hists]),
                 diverged_step=cat_seeds(*[h.diverged_step for h in hists]),
                 params=cat_seeds(*[h.params for h in hists]),
                 opt_state=cat_seeds(*[h.opt_state for h in hists]),
                 wall_time=float(sum(h.wall_time for h in hists)),
                 host_steps=host_steps, host_metrics=host_metrics,
                 first_below=(cat_seeds(*[h.first_below for h in hists])
                              if hists[0].first_below is not None else None))


def _cat_padded(*parts, length: int, num: int) -> np.ndarray:
  """[g, T, ...] pieces joined along the seed axis (first ``num`` kept), NaN-padding the
  time axis of groups that stopped early to ``length``."""
  parts = [np.asarray(p) for p in parts]
  if any(p.shape[1] != length for p in parts):
    parts = [np.pad(p.astype(np.float64), [(0, 0), (0, length - p.shape[1])] +
                    [(0, 0)] * (p.ndim - 2), constant_values=np.nan) for p in parts]
  return np.concatenate(parts)[:num]
