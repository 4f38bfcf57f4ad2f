"""Projection method (F-Principle slides): the script end to end on the tiny config, the
recorded NUDFT and Δ_F against direct numpy sums, and the effect on a small setting.
Bad flags: tests/test_bad_inputs.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np

from conftest import config_path
from fourier_nn import data, records
from fourier_nn.configs import projection as projection_config
from fourier_nn.experiments import projection


def _nudft(x, v, p, k):
  t = x.astype(np.float64) @ (p / np.linalg.norm(p))
  return np.exp(-2j * np.pi * np.outer(k, t)) @ v.astype(np.float64) / len(t)


def test_projection_tiny_end_to_end_against_numpy(tmp_path, script):
  wd = str(tmp_path / "proj")
  r = script("projection.py", f"--config={config_path('projection')}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a = rec.arrays
  P = len(a["peak_freqs"])
  assert 2 <= P <= 3 and a["delta_f"].shape == (2, 3, P)  # [seed, log_step, peak]
  assert a["steps"].tolist() == [0, 10, 20]
  x, labels = data.digits()
  x, y = x[:200], labels[:200].astype(np.float64)
  # p1: the top principal axis of the centred inputs (numpy eigh of the covariance)
  xc = x - x.mean(0)
  w, v = np.linalg.eigh(xc.T.astype(np.float64) @ xc)
  assert abs(abs(v[:, -1] @ a["direction"]) - 1) < 1e-4
  freqs = np.linspace(0, 3.0, 301)
  np.testing.assert_allclose(a["freqs"], freqs)
  spec = np.abs(_nudft(x, y, a["direction"], freqs))
  np.testing.assert_allclose(a["target_spectrum"], spec, rtol=1e-4, atol=1e-5)
  # peaks: strict rise, then no rise, the first P of them
  k = np.arange(1, 300)
  want = k[(spec[1:-1] > spec[:-2]) & (spec[1:-1] >= spec[2:])][:P]
  assert a["peak_bins"].tolist() == want.tolist()
  # Δ_F (complex) from the final nets' outputs, evaluated here from the stored params
  cfg = projection_config.get_config("tiny")
  b = projection.build(cfg)
  params = records.load_params(wd)
  for s in range(2):
    p = jax.tree_util.tree_map(lambda q: jnp.asarray(q[s]), params)
    h = np.asarray(b["apply"](p, jnp.asarray(x)), np.float64)
    hk = _nudft(x, h, a["direction"], a["peak_freqs"])
    yk = _nudft(x, y, a["direction"], a["peak_freqs"])
    np.testing.assert_allclose(a["output_nudft"][s, -1], hk, rtol=2e-3, atol=1e-4)
    np.testing.assert_allclose(a["delta_f"][s, -1], np.abs(hk - yk) / np.abs(yk), rtol=2e-3,
                               atol=1e-4)
  assert not [f for f in os.listdir(wd) if f.startswith("checkpoint")]
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]


def test_magnitude_kind_is_never_above_complex():
  cfg = projection_config.get_config("tiny")
  cfg.delta_f = "magnitude"
  b = projection.build(cfg)
  p = b["init_fn"](b["init_keys"][0])
  m = b["measure_fn"](p, b["batch"], 0)
  cfg.delta_f = "complex"
  c = projection.build(cfg)["measure_fn"](p, b["batch"], 0)
  np.testing.assert_allclose(m["output_nudft"], c["output_nudft"])
  assert np.all(np.asarray(m["delta_f"]) <= np.asarray(c["delta_f"]) + 1e-6)


def test_effect_lowest_peak_learned_before_highest():
  """All 1 797 digits, 6 peaks on k ∈ [0, 3]: the seed-mean Δ_F of the lowest peak falls
  below 0.1 before that of the highest (F-Principle)."""
  cfg = projection_config.get_config("quick")
  cfg.num_steps, cfg.log_every = 300, 10
  projection.validate(cfg)
  b = projection.build(cfg)
  from fourier_nn import train
  from fourier_nn.experiments import common
  hist = train.train_seeds(b["init_fn"], b["loss_fn"], common.make_optimizer("adam", cfg.lr),
                           b["batch"], b["init_keys"], cfg.num_steps, cfg.log_every,
                           b["measure_fn"], progress=False)
  mean = np.asarray(hist.metrics["delta_f"]).mean(0)
  first = projection.first_below(hist.steps, mean, 0.1)
  assert first[0] is not None, mean[-1]
  assert first[-1] is None or first[0] < first[-1], first


def test_first_below_and_settled_against_hand_counts():
  steps = np.array([0, 10, 20, 30, 40])
  curve = np.array([[1.0, 0.05, 0.3, 0.05, 0.01],   # dips at 10, for good from 30
                    [1.0, 0.5, 0.2, 0.15, 0.2],     # never
                    [0.0, 0.0, 0.0, 0.0, 0.0]]).T   # from the start
  assert projection.first_below(steps, curve, 0.1) == [10, None, 0]
  assert projection.settled(steps, curve, 0.1) == [30, None, 0]


def test_projection_panels_draw_on_a_user_axes_and_figure_is_labelled():
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  from fourier_nn import plotting
  from fourier_nn.plotting import projection as pplot
  rng = np.random.default_rng(0)
  freqs = np.linspace(0, 3, 31)
  arrays = {"freqs": freqs, "target_spectrum": 1 + rng.random(31), "peak_bins": np.array([3, 9]),
            "peak_freqs": freqs[[3, 9]], "steps": np.arange(6) * 10,
            "delta_f": np.exp(-np.arange(6)[None, :, None] / np.array([1.0, 3.0])) + 0 * rng.random((2, 1, 1)),
            "diverged": np.zeros(2, bool)}
  rec = records.Record(workdir="synthetic", config={}, metrics=[], arrays=arrays,
                       summary={"experiment": "projection", "delta_f": "complex"}, params=None)
  for panel in (pplot.panel_target_spectrum, pplot.panel_delta_f):
    fig, (ax, other) = plt.subplots(1, 2)
    panel(ax, rec)
    assert ax.lines or ax.collections
    assert ax.get_xlabel() and ax.get_ylabel() and not (other.lines or other.collections)
    plt.close(fig)
  fig = plotting.figure_for(rec)
  letters = sorted(t.get_text() for a in fig.axes for t in a.texts
                   if t.get_gid() == "panel-letter")
  assert letters == ["(a)", "(b)"]
  plt.close("all")
