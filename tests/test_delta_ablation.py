"""Rahaman A.5 (delta_ablation): the script end to end on a tiny config, checked against
independent computations (numpy DFT of the net, `relu_geometry` on the saved params).
Bad flags: tests/test_bad_inputs.py; the effect itself: tests/test_phenomena.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np

from conftest import config_path
from fourier_nn import records, relu_geometry
from fourier_nn.configs.delta_ablation import get_config
from fourier_nn.experiments import delta_ablation


def test_delta_ablation_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "a5")
  r = script("delta_ablation.py", f"--config={config_path('delta_ablation')}:tiny",
             f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s, cfg = rec.arrays, rec.summary, get_config("tiny")
  K = 15  # bins 1 … N/2 − 1 of the 32-point grid
  assert a["freqs"].tolist() == list(range(1, 16))
  np.testing.assert_allclose(a["target_amplitudes"], 2 / 32, rtol=1e-5)
  assert a["steps"].tolist() == list(range(0, 61, 10))
  assert a["geometry_steps"].tolist() == [0, 20, 40, 60]
  for abl, vals in (("depth", [2, 3]), ("width", [8, 16]), ("clip", [0.1, 2.0])):
    assert a[f"{abl}/values"].tolist() == vals
    assert a[f"{abl}/amplitudes"].shape == (2, 2, 7, K)  # [setting, seed, log_step, freq]
    assert a[f"{abl}/loss"].shape == (2, 2, 7)
    assert a[f"{abl}/num_regions"].shape == (2, 2, 4)
    assert len(s[f"{abl}/high_freq_amplitude_mean"]) == 2
  # (2 Dense layers, width 8) is in both ablations and trained once: the same numbers.
  np.testing.assert_array_equal(a["depth/loss"][0], a["width/loss"][0])
  # Independent checks on the final params of every setting and seed: the recorded final
  # spectrum is numpy's FFT of the net, and the geometry is relu_geometry's.
  params = records.load_params(wd)
  x = jnp.asarray(a["x"][:, None], jnp.float32)
  for abl in ("depth", "clip"):
    for p, (_, depth, width) in enumerate(delta_ablation.settings(cfg, abl)):
      model = delta_ablation.model_for(cfg, depth, width)
      for seed in range(2):
        ps = jax.tree_util.tree_map(lambda l: jnp.asarray(l[seed]), params[f"{abl}_{p}"])
        f = np.asarray(model.apply(ps, x)[:, 0], np.float64)
        amp = 2 * np.abs(np.fft.rfft(f))[1:16] / 32 / (2 / 32)
        np.testing.assert_allclose(a[f"{abl}/amplitudes"][p, seed, -1], amp, rtol=1e-3,
                                   atol=1e-4)
        pwl = relu_geometry.piecewise_linear(model, ps, 0.0, 1.0)
        assert a[f"{abl}/num_regions"][p, seed, -1] == relu_geometry.num_linear_regions(pwl)
        np.testing.assert_allclose(a[f"{abl}/lipschitz"][p, seed, -1],
                                   relu_geometry.lipschitz(pwl), rtol=1e-6)
  # The clip binds in its cell: every parameter of the clip-0.1 nets is within ±0.1.
  top = max(float(np.abs(l).max()) for l in jax.tree_util.tree_leaves(params["clip_0"]))
  assert top <= 0.1 + 1e-7
  assert "checkpoint" not in " ".join(os.listdir(wd))
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000
