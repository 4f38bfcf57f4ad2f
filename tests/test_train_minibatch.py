"""train_seeds with mini-batches: seed alone == seed in a sweep, epochs, one step by hand, resume."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from fourier_nn import models, train

MODEL = models.MLP(depth=1, width=8, activation="tanh", init_scheme="torch")
N = 22  # not a multiple of the batch size: a ragged tail of 22 % 5 = 2 per epoch
X = (jnp.arange(N, dtype=jnp.float32) / N)[:, None]
MB = train.MiniBatch(size=5, entries=("x", "y"))
OPT = optax.sgd(0.1, momentum=0.9, nesterov=True)


def _targets(num_seeds):
  k = jnp.arange(1, num_seeds + 1, dtype=jnp.float32)[:, None]
  return jnp.sin(2 * jnp.pi * k * X[:, 0][None, :])  # [S, N]


def _init(key):
  return MODEL.init(key, X[:1])


def _loss(params, batch):
  return jnp.mean((MODEL.apply(params, batch["x"])[:, 0] - batch["y"]) ** 2)


def _run(num_seeds=3, keys=None, y=None, **kw):
  keys = jax.random.split(jax.random.key(0), num_seeds) if keys is None else keys
  y = _targets(num_seeds) if y is None else y
  kw.setdefault("num_steps", 24)
  kw.setdefault("log_every", 4)  # steps_per_epoch(22, 5) = 4: one log per epoch
  kw.setdefault("progress", False)
  kw.setdefault("minibatch", MB)
  return train.train_seeds(_init, _loss, OPT, {"x": X, "y": y}, keys,
                           batch_axes={"x": None, "y": 0}, **kw)


def test_each_epoch_visits_every_sample_at_most_once_and_drops_only_the_tail():
  kd = train.shuffle_key(jax.random.key(3))
  per = train.steps_per_epoch(N, MB.size)
  assert per == 4
  epochs = []
  for e in range(3):
    idx = np.concatenate([np.asarray(train.minibatch_indices(kd, jnp.int32(e * per + j), N,
                                                             MB.size)) for j in range(per)])
    assert idx.size == per * MB.size and np.unique(idx).size == idx.size  # no repeats
    assert set(idx) <= set(range(N))
    epochs.append(idx)
  assert not np.array_equal(epochs[0], epochs[1])  # reshuffled every epoch
  # With n a multiple of the size, an epoch is exactly a permutation of all samples.
  idx = np.concatenate([np.asarray(train.minibatch_indices(kd, jnp.int32(7 + j), 20, 5))
                        for j in range(-3, 1)])  # steps 4..7 = epoch 1 of 4-step epochs
  np.testing.assert_array_equal(np.sort(idx), np.arange(20))
  # Different seeds shuffle differently.
  other = train.shuffle_key(jax.random.key(4))
  assert not np.array_equal(train.minibatch_indices(kd, jnp.int32(0), N, 5),
                            train.minibatch_indices(other, jnp.int32(0), N, 5))


def test_one_minibatch_step_equals_a_handwritten_optax_step():
  key = jax.random.key(11)
  y = _targets(1)
  h = _run(1, keys=key[None], y=y, num_steps=1, log_every=1)
  params = _init(key)
  idx = np.asarray(train.minibatch_indices(train.shuffle_key(key), jnp.int32(0), N, MB.size))
  xb, yb = np.asarray(X)[idx], np.asarray(y[0])[idx]

  def loss(p):
    return jnp.mean((MODEL.apply(p, xb)[:, 0] - yb) ** 2)

  grads = jax.grad(loss)(params)
  updates, _ = OPT.update(grads, OPT.init(params), params)
  want = optax.apply_updates(params, updates)
  jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a[0], b, rtol=1e-6, atol=1e-7),
                         h.params, want)
  # The logged loss is measured on the whole batch, not the mini-batch.
  np.testing.assert_allclose(h.loss[0, 1], _loss(want, {"x": X, "y": y[0]}), rtol=1e-6)
  # And it differs from a full-batch step (the selection is really applied).
  full = _run(1, keys=key[None], y=y, num_steps=1, log_every=1, minibatch=None)
  assert not np.allclose(jax.tree_util.tree_leaves(full.params)[0],
                         jax.tree_util.tree_leaves(h.params)[0])


def test_seed_alone_equals_the_same_seed_in_a_sweep():
  keys = jax.random.split(jax.random.key(5), 4)
  y = _targets(4)
  sweep = _run(4, keys=keys, y=y)
  assert sweep.loss[:, -1].mean() < sweep.loss[:, 0].mean()  # it trains
  for i in (0, 3):
    alone = _run(1, keys=keys[i:i + 1], y=y[i:i + 1])
    np.testing.assert_allclose(sweep.loss[i], alone.loss[0], rtol=1e-5, atol=1e-6)
    jax.tree_util.tree_map(
        lambda a, b: np.testing.assert_allclose(a[i], b[0], rtol=1e-4, atol=1e-6),
        sweep.params, alone.params)


def test_resume_after_kill_is_bit_identical(tmp_path, monkeypatch):
  ckpt = str(tmp_path / "ckpt.orbax")
  kw = dict(num_steps=48, log_every=4, chunk_logs=2)  # 6 chunks of 2 epochs
  full = _run(**kw)
  real_save = train._save_checkpoint
  calls = []

  def save_then_die(*a, **k):
    real_save(*a, **k)
    calls.append(1)
    if len(calls) == 2:
      raise KeyboardInterrupt

  monkeypatch.setattr(train, "_save_checkpoint", save_then_die)
  with pytest.raises(KeyboardInterrupt):
    _run(checkpoint_path=ckpt, checkpoint_every=1, **kw)
  monkeypatch.setattr(train, "_save_checkpoint", real_save)
  assert os.path.exists(ckpt)
  resumed = _run(checkpoint_path=ckpt, checkpoint_every=1, **kw)
  np.testing.assert_array_equal(resumed.steps, full.steps)
  np.testing.assert_array_equal(resumed.loss, full.loss)
  jax.tree_util.tree_map(np.testing.assert_array_equal, resumed.params, full.params)
  # Another batch size is another run: its checkpoint is refused.
  with pytest.raises(ValueError, match="different run configuration"):
    _run(checkpoint_path=ckpt, minibatch=train.MiniBatch(size=4), **kw)


def test_train_in_groups_with_minibatches_equals_one_program():
  keys = jax.random.split(jax.random.key(2), 3)
  y = _targets(3)
  one = _run(3, keys=keys, y=y)
  groups = train.train_in_groups(_init, _loss, OPT, {"x": X, "y": y}, keys, 24, 4,
                                 group_size=2, batch_axes={"x": None, "y": 0},
                                 progress=False, minibatch=MB)
  np.testing.assert_allclose(groups.loss, one.loss, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mb, match", [
    (train.MiniBatch(size=0), "minibatch.size=0"),
    (train.MiniBatch(size=23), "exceeds the 22 samples"),
    (train.MiniBatch(size=5, entries=("x", "z")), "'z' names no top-level entry"),
])
def test_bad_minibatch(mb, match):
  with pytest.raises(ValueError, match=match):
    _run(minibatch=mb)
