"""F-Principle 1-D (fprinciple_1d): the script end to end on the tiny config, Δ_F checked
against an independent NumPy float64 computation from the saved params, the pieces against
closed forms, and the effect itself (low peak converges before the high one, every seed).
Bad flags: tests/test_bad_inputs.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import config_path
from fourier_nn import data, records
from fourier_nn.configs.fprinciple_1d import get_config
from fourier_nn.experiments import fprinciple_1d


def test_target_grid_and_peaks_of_the_authors_script():
  cfg = get_config()
  b = fprinciple_1d.build(cfg)
  x = np.linspace(-5, 5, 101)
  np.testing.assert_allclose(b["x"], x, rtol=0, atol=1e-6)
  np.testing.assert_allclose(b["y"], np.sin(x) + 2 * np.sin(3 * x) + 3 * np.sin(5 * x),
                             atol=1e-5)
  # Local maxima (both neighbours strictly lower, as SelectPeakIndex) of |FFT(y)|/n, bins < 40.
  a = np.abs(np.fft.fft(np.sin(x) + 2 * np.sin(3 * x) + 3 * np.sin(5 * x)))[:40] / 101
  want = [k for k in range(1, 39) if a[k] > a[k - 1] and a[k] > a[k + 1]][:4]
  assert b["peak_bins"].tolist() == want == [2, 5, 8]
  np.testing.assert_allclose(b["peak_freqs"], 2 * np.pi * np.array(want) / 10.1, rtol=1e-12)
  older = fprinciple_1d.build(get_config("older"))
  assert older["peak_bins"].tolist() == [3, 13]  # sin x + sin 4x on linspace(-10, 10, 61)


def test_dft_matrix_is_numpys_fft():
  v = np.random.default_rng(0).normal(size=37)
  m = fprinciple_1d.dft_matrix(37, 12).astype(np.float64)
  np.testing.assert_allclose(m[0] @ v + 1j * (m[1] @ v), np.fft.fft(v)[:12], atol=1e-5)


def test_crossing_steps_and_order():
  steps = np.array([0, 10, 20, 30])
  d = np.array([[[1.0, 1.0], [0.05, 0.5], [0.2, 0.09], [0.01, 0.01]],  # crosses at 10, 20
                [[1.0, 1.0], [0.5, 0.05], [0.05, 0.5], [np.nan, 0.5]],  # 20, 10: out of order
                [[1.0, 1.0], [0.5, 0.5], [0.05, 0.5], [0.01, 0.5]]])  # 20, never
  cross = fprinciple_1d.crossing_steps(d, steps, 0.1)
  assert cross.tolist() == [[10, 20], [20, 10], [20, -1]]
  assert fprinciple_1d.in_frequency_order(cross).tolist() == [True, False, False]


def test_fprinciple_1d_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "fp")
  r = script("fprinciple_1d.py", f"--config={config_path('fprinciple_1d')}:tiny",
             f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s, cfg = rec.arrays, rec.summary, get_config("tiny")
  S, L, P = cfg.num_seeds, cfg.num_steps // cfg.log_every + 1, 2
  assert a["steps"].tolist() == list(range(0, cfg.num_steps + 1, cfg.log_every))
  assert a["delta_f"].shape == a["delta_f_complex"].shape == (S, L, P)
  assert a["peak_bins"].tolist() == [1, 3] and a["loss"].shape == (S, L)  # sin x + 2 sin 3x
  np.testing.assert_array_equal(a["delta_f"], a["delta_f_magnitude"])  # the default kind
  assert (a["delta_f_magnitude"] <= a["delta_f_complex"] + 1e-6).all()  # blind to phase
  # Independent check: the final Δ_F from the saved params, NumPy float64 FFT, both forms.
  params = records.load_params(wd)
  model = fprinciple_1d.model_of(cfg)
  x, y = data.sine_sum_1d(cfg.x_start, cfg.x_end, cfg.num_points, cfg.terms)
  y_hat = np.fft.fft(y.astype(np.float64))[a["peak_bins"]]
  for seed in range(S):
    ps = jax.tree_util.tree_map(lambda l: jnp.asarray(l[seed]), params)
    h = np.asarray(model.apply(ps, jnp.asarray(x)[:, None])[:, 0], np.float64)
    h_hat = np.fft.fft(h)[a["peak_bins"]]
    mag = np.abs(np.abs(h_hat) - np.abs(y_hat)) / (1e-5 + np.abs(y_hat))
    cpx = np.abs(h_hat - y_hat) / np.abs(y_hat)
    np.testing.assert_allclose(a["delta_f_magnitude"][seed, -1], mag, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(a["delta_f_complex"][seed, -1], cpx, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(a["loss"][seed, -1], np.mean((h - y) ** 2), rtol=1e-4)
    np.testing.assert_allclose(a["spectra"][seed, -1], np.abs(np.fft.fft(h))[:20] / 64,
                               rtol=1e-3, atol=1e-5)
  assert a["snapshot_steps"].tolist() == list(cfg.snapshot_steps)
  assert s["magnitude/crossing_steps"] == a["crossing_steps_magnitude"].tolist()
  assert "checkpoint" not in " ".join(os.listdir(wd))
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


@pytest.mark.parametrize("kind", ["magnitude", "complex"])
def test_low_peak_converges_before_the_high_peak_for_every_seed(tmp_path, kind):
  """The F-Principle itself, tiny variant: Δ_F at bin 1 drops below 0.1 before it does at
  bin 3, in every seed (both must cross within the run, so the order is observed)."""
  cfg = get_config("tiny")
  cfg.delta_f = kind
  rec = records.load_record(fprinciple_1d.run(cfg, str(tmp_path / kind)))
  cross = rec.arrays["crossing_steps"]  # [S, P], peaks at bins 1, 3
  assert (cross[:, 0] >= 0).all() and (cross[:, -1] >= 0).all(), cross
  assert (cross[:, 0] < cross[:, -1]).all(), cross
  assert not rec.arrays["diverged"].any()
