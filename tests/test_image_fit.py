"""2-D image fit (issue 8 item 6): the shipped photograph, the radial spectrum, the
F-Principle effect (low rings converge first) and the script."""
import os

import numpy as np
import pytest

from conftest import config_path
from fourier_nn import data, records, spectrum
from fourier_nn.configs.image_fit import get_config
from fourier_nn.experiments import image_fit

CONFIG = config_path("image_fit")


def test_radial_spectrum_of_a_hand_made_image():
  """cos(2π(3u + 4v)/S) has |k| = 5 exactly: all its power (1/4 in two bins ±k, of
  |DFT|²/S⁴) falls in the ring holding |k| = 5; a constant only in ring 0."""
  S, R = 32, 8  # rings of width 2 cycles: |k| = 5 → ring 2
  u, v = np.meshgrid(np.arange(S), np.arange(S), indexing="ij")
  img = 0.7 + np.cos(2 * np.pi * (3 * u + 4 * v) / S)
  ring = spectrum.radial_rings(S, R)
  assert ring[0, 0] == 0 and ring[3, 4] == 2 and ring[-3, -4] == 2
  p = spectrum.radial_power(img, R)
  count = np.array([(ring == r).sum() for r in range(R)])
  want = np.zeros(R)
  want[0] = 0.7**2 / count[0]
  want[2] = 2 * 0.25 / count[2]
  np.testing.assert_allclose(p, want, atol=1e-15)
  # Parseval: Σ_rings mean·count = mean(img²) when no power sits in the corners
  assert np.sum(p * count) == pytest.approx(np.mean(img**2))
  # relative error: a prediction missing the cosine is off by 100 % in ring 2 only
  err = spectrum.radial_relative_error(np.full((S, S), 0.7), img, R)
  assert err[0] == pytest.approx(0.0, abs=1e-12) and err[2] == pytest.approx(1.0)
  with pytest.raises(ValueError, match="num_rings"):
    spectrum.radial_rings(S, 17)


def test_sample_photo_is_grey_square_block_mean():
  im = data.sample_photo("china.jpg", 16)
  assert im.shape == (16, 16) and im.dtype == np.float32
  assert 0 <= im.min() and im.max() <= 1 and im.std() > 0.05
  big = data.sample_photo("china.jpg", 32)  # block 13 vs 26: the same centred crop
  np.testing.assert_allclose(big.reshape(16, 2, 16, 2).mean(axis=(1, 3)), im, atol=1e-6)
  assert not np.allclose(data.sample_photo("flower.jpg", 16), im)
  with pytest.raises(ValueError, match="photo"):
    data.sample_photo("lena.png", 16)


def test_low_rings_converge_before_high_rings(tmp_path):
  """32 × 32 china.jpg, ReLU 3 × 128, Adam 1e-3, 600 steps, 1 seed, 4 rings of width 4
  cycles: the inner rings' relative error falls below 0.5 before the outer ones (the quick
  run, 1 500 steps, 8 rings of width 2, crosses at 25, 100, 375, 525, 825, 1 075, 1 450,
  1 125)."""
  cfg = get_config("quick")
  cfg.num_rings, cfg.num_steps, cfg.log_every = 4, 600, 20
  cfg.snapshot_steps = (0, 600)
  s = records.load_record(image_fit.run(cfg, str(tmp_path / "fit"))).summary
  fb = [np.inf if v is None else v for v in s["first_below_median"]]
  # measured (loaded box): [20, 420, never, never] — the outer rings stay above 0.5
  assert np.isfinite(fb[1]) and fb[0] < fb[1] < min(fb[2], fb[3]), fb
  assert s["first_below_kendall_tau"] > 0.5
  assert s["low_half_before_high_half"]


def test_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "image_fit")
  r = script("image_fit.py", f"--config={CONFIG}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  a, s = (lambda rec: (rec.arrays, rec.summary))(records.load_record(wd))
  assert a["snapshots"].shape == (2, 3, 16, 16)
  assert a["radial_error"].shape == (2, 11, 4) and a["steps"].tolist() == list(range(0, 101, 10))
  np.testing.assert_allclose(a["image"], data.sample_photo("china.jpg", 16))
  # the last snapshot is the last logged prediction: its radial error is the record's
  np.testing.assert_allclose(spectrum.radial_relative_error(a["snapshots"][:, -1], a["image"], 4),
                             a["radial_error"][:, -1], rtol=1e-5)
  assert s["experiment"] == "image_fit" and len(s["first_below_median"]) == 4
  assert "checkpoint.orbax" not in os.listdir(wd)
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000
