"""Linear F-Principle experiment: the net, its NTK, the LFP time scale, the script."""
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import kernels, records, theory
from fourier_nn.configs.lfp import get_config
from fourier_nn.experiments import lfp

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(REPO, "fourier_nn", "configs", "lfp.py")
X = np.array([-1.0, -0.72, -0.45, -0.1, 0.15, 0.42, 0.7, 1.0])


def _script(name, *args, timeout=600):
  env = dict(os.environ, JAX_PLATFORMS="cpu")
  return subprocess.run([sys.executable, os.path.join(REPO, "scripts", name), *args],
                        capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)


@pytest.mark.parametrize("antisymmetric", [False, True])
def test_forward_matches_numpy(antisymmetric):
  p = lfp.init_params(jax.random.key(3), 64, 1.3, 0.7, 2.0, antisymmetric)
  x = np.linspace(-1.5, 1.5, 11)
  w, r, l = (np.asarray(p[k], np.float64) for k in ("w", "r", "l"))
  want = np.array([sum(w[i] * max(r[i] * (xx + l[i]), 0.0) for i in range(64)) / 8.0
                   for xx in x])
  got = np.asarray(lfp.apply(p, jnp.asarray(x, jnp.float32)))
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
  assert np.all(np.abs(l) <= 2.0)
  if antisymmetric:  # ± pairs: the net is identically zero at initialisation
    assert np.abs(got).max() < 1e-5 and np.abs(want).max() < 1e-12
  else:
    assert np.abs(want).max() > 0.1


@pytest.mark.parametrize("r_std,w_std", [(10.0, 10.0), (100.0, 0.01)])
def test_empirical_ntk_matches_closed_form(r_std, w_std):
  """Autodiff NTK of a wide net at init vs the closed-form infinite-width Θ̄ (measured
  moments). 'sign' init: only the l positions fluctuate, ~1 % at m = 20 000; the formula
  with a wrong l-range L is off by > 8 %."""
  p = lfp.init_params(jax.random.key(0), 20_000, r_std, w_std, 2.0, True, "sign")
  mom = lfp.moments(p)
  np.testing.assert_allclose(mom, (r_std**2 * w_std**2, r_std**2, w_std**2), rtol=1e-5)
  emp = np.asarray(kernels.empirical_ntk(lfp.apply, p, jnp.asarray(X, jnp.float32)),
                   np.float64)
  err = lambda L: np.linalg.norm(emp - lfp.ntk_limit(X, X, *mom, L)) / np.linalg.norm(emp)
  assert err(2.0) < 0.03, err(2.0)
  assert err(3.0) > 0.08, err(3.0)


@pytest.mark.parametrize("r_std,w_std,steps", [(10.0, 10.0, 2_000), (100.0, 0.01, 40_000)])
def test_lfp_time_scale_matches_ntk_flow(r_std, w_std, steps):
  """dτ = lr/(16π⁴L) per GD step: the LFP (theory.lfp_kernel, ξ = 0 instantaneous) then
  follows GD under the infinite-width NTK to < 2 % of ‖r_0‖ at every logged step; a
  time scale off by 2× in either direction is off by > 15 %."""
  r2, w2 = r_std**2, w_std**2
  n, L = X.size, 2.0
  y = np.sin(2 * np.pi * X)
  K = lfp.ntk_limit(X, X, r2 * w2, r2, w2, L)
  lr = 0.9 * n / np.linalg.eigvalsh(K)[-1]
  t = np.arange(0, steps + 1, steps // 100)
  r_ntk, _ = lfp.kernel_prediction(
      K, K[:1], -y, lambda lam: theory.mode_factors(lam, lr, t, scale=2.0 / n))
  KL = lfp.lfp_data_kernel(X, X, r2 * w2, r2, w2, 50.0)
  big = 1e6 * np.abs(KL).max()

  def err(factor):
    tau = factor * lfp.lfp_time_per_step(lr, L) * t
    r_lfp, _ = lfp.kernel_prediction(
        KL + big, KL[:1] + big, -y,
        lambda lam: theory.mode_factors(lam, 1.0, tau, scale=1.0 / n, discrete=False))
    return np.max(np.linalg.norm(r_lfp - r_ntk, axis=1)) / np.linalg.norm(y)

  assert err(1.0) < 0.02, err(1.0)
  assert min(err(0.5), err(2.0)) > 0.15


def test_kernel_prediction_equals_explicit_gd():
  rng = np.random.default_rng(0)
  A = rng.standard_normal((5, 5))
  K = A @ A.T + 0.1 * np.eye(5)
  Ke = rng.standard_normal((7, 5))
  r0 = rng.standard_normal(5)
  lr, n, T = 0.3 / np.linalg.eigvalsh(K)[-1], 5, 40
  res, dh = lfp.kernel_prediction(
      K, Ke, r0, lambda lam: theory.mode_factors(lam, lr, [0, 17, T], scale=2.0 / n))
  r, h = r0.copy(), np.zeros(7)
  hist = {0: (r.copy(), h.copy())}
  for t in range(1, T + 1):
    h = h - lr * (2.0 / n) * Ke @ r
    r = r - lr * (2.0 / n) * K @ r
    hist[t] = (r.copy(), h.copy())
  for i, t in enumerate([0, 17, T]):
    np.testing.assert_allclose(res[i], hist[t][0], atol=1e-12)
    np.testing.assert_allclose(dh[i], hist[t][1], atol=1e-12)


def test_l2_distance_and_residual_fourier():
  g = np.linspace(-1, 2, 3001)
  mask = (g >= 0) & (g <= 1)
  np.testing.assert_allclose(lfp.l2_distance(g, 0 * g, g, mask), np.sqrt(1 / 3), rtol=1e-6)
  x = np.array([0.0, 0.25, 0.5, 0.75])
  np.testing.assert_allclose(lfp.residual_fourier(np.cos(2 * np.pi * x), x, [1.0, 2.0]),
                             [0.5, 0.0], atol=1e-12)


def test_regimes_flip_with_the_init(tmp_path):
  """Large ⟨r²w²⟩/(⟨r²⟩+⟨w²⟩) → the net ends near the linear spline; small → near the
  cubic one. Small nets and short runs; 'sign' init halves the finite-width noise of the
  kernel (measured: 0.063 vs 0.262 and 0.018 vs 0.267; LFP residual error 0.02)."""
  out = {}
  for regime, steps in (("linear", 1_000), ("cubic", 20_000)):
    cfg = get_config(regime)
    cfg.num_seeds, cfg.model.width, cfg.model.l_range = 2, 2_000, 1.5
    cfg.model.init_dist = "sign"
    cfg.num_steps, cfg.log_every, cfg.snapshot_steps = steps, steps // 20, (steps,)
    out[regime] = records.load_record(lfp.run(cfg, str(tmp_path / regime))).summary
  lin, cub = out["linear"], out["cubic"]
  assert lin["closer_to"] == "linear" and cub["closer_to"] == "cubic"
  assert lin["distance_to_linear_spline"] < 0.5 * lin["distance_to_cubic_spline"], lin
  assert cub["distance_to_cubic_spline"] < 0.5 * cub["distance_to_linear_spline"], cub
  for s in (lin, cub):  # the LFP-predicted residuals track the measured ones
    assert s["residual_rel_error_max"]["lfp"] < 0.1, s["residual_rel_error_max"]


def test_tiny_end_to_end(tmp_path):
  wd = str(tmp_path / "lfp")
  r = _script("lfp.py", f"--config={CONFIG}:tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s = rec.arrays, rec.summary
  n = X.size
  assert a["steps"].tolist() == list(range(0, 201, 20))
  assert a["residuals"].shape == (2, 11, n) and a["loss"].shape == (2, 11)
  for k in lfp.PREDICTIONS:
    assert a[f"predicted_residuals_{k}"].shape == (2, 11, n)
    # every prediction starts from the initial residual h_0 − y = −y (± pairs cancel up
    # to float32 round-off of terms of size ~σ_r σ_w/√m ≈ 6)
    np.testing.assert_allclose(a[f"predicted_residuals_{k}"][:, 0], a["residuals"][:, 0],
                               atol=1e-4)
  np.testing.assert_allclose(a["residuals"][:, 0], -np.sin(2 * np.pi * X)[None].repeat(2, 0),
                             atol=1e-4)
  G = a["grid"].size
  assert a["final_function"].shape == a["linear_spline"].shape == (2, G)
  assert a["snapshot_functions"].shape == (2, 2, G)
  # the splines interpolate the data (knots lie on the grid; h_0 ≈ 0 up to float32)
  on = np.searchsorted(a["grid"], X)
  for k in ("linear_spline", "cubic_spline", "lfp_interpolant"):
    np.testing.assert_allclose(a[k][:, on], np.broadcast_to(a["y_train"], (2, n)), atol=1e-4)
  # loss is the MSE of the recorded residuals
  np.testing.assert_allclose(a["loss"], np.mean(a["residuals"] ** 2, axis=-1), rtol=1e-4)
  assert s["experiment"] == "lfp" and s["regime"] == "linear"
  assert set(s["residual_rel_error_max"]) == set(lfp.PREDICTIONS)
  assert len(s["distance_to_linear_spline_per_seed"]) == 2
  assert "checkpoint.npz" not in os.listdir(wd)
  r = _script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


@pytest.mark.parametrize("flag,needle", [
    ("--config.model.width=7", "model.width"),
    ("--config.model.l_range=1.0", "model.l_range"),
    ("--config.lr_fraction=1.5", "lr_fraction"),
    ("--config.model.init_dist=uniform", "model.init_dist"),
])
def test_bad_flags_fail_with_one_clear_line(tmp_path, flag, needle):
  wd = tmp_path / "never"
  r = _script("lfp.py", f"--config={CONFIG}:tiny", f"--workdir={wd}", flag)
  assert r.returncode != 0
  lines = [l for l in r.stderr.splitlines() if l.strip()]
  assert len(lines) == 1, r.stderr
  assert lines[0].startswith("lfp: error:") and needle in lines[0], lines[0]
  assert "Traceback" not in r.stderr
  assert not wd.exists()
