"""F-Principle filtering method (filtering): the script end to end on the tiny config, e_low
and e_high checked against an independent NumPy float64 computation from the saved params,
the CNN's shapes, and the effect itself (e_low < e_high early, every δ and seed).
Bad flags: tests/test_bad_inputs.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np

from conftest import config_path
from fourier_nn import models, records
from fourier_nn.configs.filtering import get_config
from fourier_nn.experiments import filtering


def _errors_float64(flat, onehot, h, delta):
  """Independent reference: δ a variance, rows normalised, Frobenius norms over [n, C]."""
  x = flat.astype(np.float64)
  n = len(x)
  g = np.empty((n, n))
  for i in range(n):
    g[i] = np.exp(-((x - x[i]) ** 2).sum(1) / (2.0 * delta))
    g[i] /= g[i].sum()
  y_low, h_low = g @ onehot, g @ h
  fro = np.linalg.norm
  return fro(y_low - h_low) / fro(y_low), fro(onehot - y_low - h + h_low) / fro(onehot - y_low)


def test_filter_cnn_is_the_authors_architecture():
  net = models.FilterCNN()
  p = net.init(jax.random.key(0), jnp.zeros((1, 32, 32, 3)))["params"]
  shapes = {k: v["kernel"].shape for k, v in p.items()}
  # CIFAR: 32 → 30 → 28 (valid 3×3) → 14 (pool) → 14·14·64 = 12 544 inputs of Dense 400.
  assert shapes == {"conv_0": (3, 3, 3, 32), "conv_1": (3, 3, 32, 64),
                    "dense_0": (12544, 400), "readout": (400, 10)}
  assert all(np.all(np.asarray(v["bias"]) == 0) for v in p.values())


def test_filtering_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "filt")
  r = script("filtering.py", f"--config={config_path('filtering')}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s, cfg = rec.arrays, rec.summary, get_config("tiny")
  S, L, D = cfg.num_seeds, cfg.epochs + 1, len(cfg.deltas)
  assert a["e_low"].shape == a["e_high"].shape == (S, L, D)
  assert a["epochs"].tolist() == list(range(L))
  assert a["steps"].tolist() == [e * (300 // 50) for e in range(L)]
  x, flat, labels = filtering.load(cfg)
  med = filtering.median_sq_dist(flat)
  d2 = ((flat[:, None].astype(np.float64) - flat[None]) ** 2).sum(-1)
  np.testing.assert_allclose(med, np.median(d2[np.triu_indices(300, 1)]), rtol=1e-6)
  np.testing.assert_allclose(a["deltas"], np.asarray(cfg.deltas) * med, rtol=1e-6)
  params = records.load_params(wd)
  model = filtering.model_of(cfg)
  onehot = np.eye(10)[labels]
  for seed in range(S):
    ps = jax.tree_util.tree_map(lambda l: jnp.asarray(l[seed]), params)
    h = np.asarray(jax.nn.softmax(model.apply(ps, jnp.asarray(x))), np.float64)
    for d in (0, D - 1):
      want = _errors_float64(flat, onehot, h, a["deltas"][d])
      np.testing.assert_allclose([a["e_low"][seed, -1, d], a["e_high"][seed, -1, d]], want,
                                 rtol=2e-4)
    np.testing.assert_allclose(a["accuracy"][seed, -1], np.mean(h.argmax(1) == labels))
  assert "checkpoint" not in " ".join(os.listdir(wd))
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


def test_low_frequencies_are_fitted_first_for_every_delta_and_seed(tmp_path):
  """The effect, tiny variant: after the first epoch e_low < e_high for every δ and seed,
  and training lowered e_low (so the comparison is not only the init's)."""
  rec = records.load_record(filtering.run(get_config("tiny"), str(tmp_path / "f")))
  lo, hi = rec.arrays["e_low"], rec.arrays["e_high"]
  assert (lo[:, 1] < hi[:, 1]).all(), (lo[:, 1], hi[:, 1])
  assert (lo[:, -1] < lo[:, 0]).all()
  assert rec.summary["low_first_all"]
