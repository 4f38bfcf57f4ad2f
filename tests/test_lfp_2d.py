"""lfp_2d experiment: a wide two-layer ReLU net in d = 2 ends near the minimum-FP-norm
interpolant of the regime its init selects (−|s| or |s|³ kernel), and the script."""
import os

import numpy as np

from conftest import config_path
from fourier_nn import records
from fourier_nn.configs.lfp_2d import get_config
from fourier_nn.experiments import lfp_2d

CONFIG = config_path("lfp_2d")


def test_regimes_select_the_polyharmonic_interpolant(tmp_path):
  """Large ⟨|r|²w²⟩/(⟨|r|²⟩+⟨w²⟩) → the trained net is near the −|s| interpolant; small →
  near the |s|³ one (the two are 0.159 apart). m = 1 000, 1 seed, short runs."""
  out = {}
  for regime, steps in (("step", 1_000), ("ramp", 8_000)):
    cfg = get_config(regime)
    cfg.num_seeds, cfg.model.width, cfg.grid_points = 1, 1_000, 21
    cfg.num_steps, cfg.log_every = steps, steps // 4
    out[regime] = records.load_record(lfp_2d.run(cfg, str(tmp_path / regime))).summary
  st, ra = out["step"], out["ramp"]
  assert st["closer_to"] == "step" and ra["closer_to"] == "ramp"
  assert st["distance_to_interp_step"] < 0.7 * st["distance_to_interp_ramp"], st
  assert ra["distance_to_interp_ramp"] < 0.5 * ra["distance_to_interp_step"], ra
  for s in (st, ra):
    assert s["final_residual_max"] < 0.05, s


def test_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "lfp_2d")
  r = script("lfp_2d.py", f"--config={CONFIG}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s = rec.arrays, rec.summary
  assert a["steps"].tolist() == [0, 50, 100, 150, 200]
  assert a["final_function"].shape == (2, 21, 21) and a["interp_lfp"].shape == (2, 21, 21)
  assert a["interp_step"].shape == a["interp_ramp"].shape == (21, 21)
  x, y = a["x_train"], a["y_train"]
  np.testing.assert_allclose(y, lfp_2d.target(x))
  assert s["experiment"] == "lfp_2d" and s["regime"] == "step"
  assert len(s["distance_to_ntk_limit_per_seed"]) == 2
  assert "checkpoint.orbax" not in os.listdir(wd)
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000
