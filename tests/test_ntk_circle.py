"""Basri et al. 2019 experiment: convergence detection, theory prediction, script smoke test."""
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import kernels, records, theory
from fourier_nn.configs.ntk_circle import get_config
from fourier_nn.experiments import ntk_circle

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFG = os.path.join(REPO, "fourier_nn", "configs", "ntk_circle.py")


def _script(name, *args, timeout=600):
  env = dict(os.environ, JAX_PLATFORMS="cpu")
  return subprocess.run([sys.executable, os.path.join(REPO, "scripts", name), *args],
                        capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)


def test_first_step_below_matches_hand_computed_crossing():
  steps = np.array([0, 10, 20, 30, 40])
  loss = np.array([[5.0, 0.2, 0.06, 0.049, 0.01],   # first < 0.05 at step 30
                   [5.0, 0.05, 0.05, 0.05, 0.05],   # never strictly below
                   [0.01, 1.0, 1.0, 1.0, 1.0],      # already below at init
                   [5.0, np.nan, 0.0, 0.0, 0.0],    # diverged (NaN) then "0": step 20
                   [5.0, 1.0, 0.5, 0.3, 0.1]])      # relative level 0.6: step 20
  level = np.array([0.05, 0.05, 0.05, 0.05, 0.6])
  got = ntk_circle.first_step_below(steps, loss, level)
  np.testing.assert_array_equal(got, [30.0, np.nan, 0.0, 20.0, 20.0])


def test_per_k_stats_mean_median_and_fraction():
  conv = np.array([100.0, 300.0, np.nan, 50.0, np.nan, np.nan])  # K=2, R=3
  s = ntk_circle.per_k_stats(conv, 2, 3)
  np.testing.assert_allclose(s["mean_steps"], [200.0, 50.0])
  np.testing.assert_allclose(s["std_steps"], [np.std([100, 300], ddof=1), 0.0])
  # Median counts non-converged runs as +inf: (100, 300, inf) -> 300; (50, inf, inf) -> inf.
  np.testing.assert_array_equal(s["median_steps"], [300.0, np.nan])
  np.testing.assert_allclose(s["frac_converged"], [2 / 3, 1 / 3])


@pytest.mark.parametrize("bias", [False, True])
def test_closed_form_prediction_equals_direct_simulation(bias):
  """Predicted steps = first t with ½c_t² < 0.05 for c_{t+1} = (1 − η n c λ_k) c_t, c_0 = 1."""
  cfg = get_config("shallow_bias" if bias else "shallow_nobias")
  freqs = np.array([1, 2, 3, 4, 7, 8, 16, 25, 30])
  pred = ntk_circle.predicted_steps_closed_form(cfg, freqs, 1.0)
  factor = 2.0 if bias else 1.0
  for k, p in zip(freqs, pred):
    q = 1.0 - cfg.lr * cfg.num_points * factor * theory.circle_eigenvalues(k, bias)
    if not bias and k % 2 == 1 and k >= 3:
      assert np.isinf(p)  # λ_k = 0: odd frequencies are never learned
      continue
    if abs(q) >= 1:  # with bias, k = 1 has η n 2λ_1 = 2.27 > 2: GD on that mode diverges
      assert bias and k == 1 and np.isinf(p)
      continue
    c, t = 1.0, 0
    while 0.5 * c * c >= cfg.threshold:
      c *= q
      t += 1
    assert p == t, (k, p, t)
  # Sanity of the scale: k = 30 without bias takes ~1 000 GD steps at n = 1001, η = 0.01.
  if not bias:
    assert 950 < pred[-1] < 1100


def test_first_time_below_equals_matrix_iteration():
  rng = np.random.default_rng(0)
  A = rng.normal(size=(12, 12))
  K = A @ A.T / 12 + 0.2 * np.eye(12)  # condition number ~ 30: a few hundred steps
  lam, V = theory.eigh(K)
  r0 = rng.normal(size=12)
  lr, scale = 0.3, 1.0 / lam[0]
  level = 0.02 * float(r0 @ r0)
  got = ntk_circle.first_time_below(lam, V.T @ r0, lr, scale, level, 100_000)
  r, t = r0.copy(), 0
  M = np.eye(12) - lr * scale * K
  while r @ r >= level:
    r = M @ r
    t += 1
  assert got == t
  assert np.isnan(ntk_circle.first_time_below(lam, V.T @ r0, lr, scale, level, t - 1))


@pytest.mark.parametrize("bias,factor", [(False, 1.0), (True, 2.0)])
def test_shallow_empirical_ntk_is_factor_times_closed_form_kernel(bias, factor):
  """Θ(init) of our net = factor · two_layer_relu_ntk, the factor used for predictions."""
  cfg = get_config("shallow_bias,tiny" if bias else "shallow_nobias,tiny")
  cfg.num_points, cfg.model.width, cfg.num_runs, cfg.freqs = 300, 4000, 1, (1,)
  chk = ntk_circle.shallow_ntk_check(cfg, ntk_circle.build(cfg))
  assert chk["expected_factor"] == factor
  assert abs(chk["median_elementwise_ratio"] / factor - 1) < 0.03, chk
  # The largest eigenvalue (k = 0 mode, or k = 1 without bias) within sampling noise.
  assert abs(chk["top_eigs_empirical"][0] / chk["top_eigs_theory"][0] - 1) < 0.1, chk


def test_deep_scale_one_gd_step_matches_ntk():
  """One small GD step on the mean squared error moves u by −η (2/n) Θ r (sets s = 2/n)."""
  cfg = get_config("deep,tiny")
  cfg.num_runs, cfg.freqs = 1, (2,)
  b = ntk_circle.build(cfg)
  params = b["init_fn"](jnp.asarray(b["init_keys"][0]))
  batch = {k: jnp.asarray(v[0]) for k, v in b["batch"].items()}
  u0 = b["apply"](params, batch)
  lr = 1e-3
  g = jax.grad(b["loss_fn"])(params, batch)
  u1 = b["apply"](jax.tree_util.tree_map(lambda p, d: p - lr * d, params, g), batch)
  theta = kernels.empirical_ntk(lambda p, x: b["model"].apply(p, x), params, batch["x"])
  s = ntk_circle.loss_scale(cfg.loss, cfg.num_points)
  expect = -lr * s * np.asarray(theta) @ np.asarray(u0 - batch["y"])
  np.testing.assert_allclose(np.asarray(u1 - u0), expect, rtol=0.05,
                             atol=0.05 * np.abs(expect).max())


def test_grouped_pairs_equal_one_program(tmp_path):
  cfg = get_config("shallow_bias,tiny")
  cfg.num_steps, cfg.empirical_prediction, cfg.ntk_check = 40, False, False
  one = records.load_record(ntk_circle.run(cfg, str(tmp_path / "one")))
  cfg.pairs_per_program = 5  # 8 pairs -> groups of 5 and 3 (+2 padding)
  grp = records.load_record(ntk_circle.run(cfg, str(tmp_path / "grp")))
  assert grp.summary["num_programs"] == 2 and one.summary["num_programs"] == 1
  np.testing.assert_allclose(grp.arrays["loss"], one.arrays["loss"], rtol=1e-5, atol=1e-6)
  assert not [f for f in os.listdir(tmp_path / "grp") if f.endswith(".npz") and f != "arrays.npz"]


def test_tiny_end_to_end_via_script(tmp_path):
  wd = str(tmp_path / "basri")
  r = _script("ntk_circle.py", f"--config={CFG}:shallow_nobias,tiny", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s = rec.arrays, rec.summary
  P, L = 8, 21  # 4 freqs x 2 runs; steps 0, 10, ..., 200
  assert a["loss"].shape == (P, L) and a["target_residual"].shape == (P, L)
  assert a["pair_freq"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
  # Step-0 loss = ½‖u₀ − y‖² from an independent numpy forward pass of the same init.
  b = ntk_circle.build(get_config("shallow_nobias,tiny"))
  for p in (0, 5):
    w = np.asarray(b["init_fn"](jnp.asarray(b["init_keys"][p]))["params"]["w"], np.float64)
    x, y, sgn = (np.asarray(b["batch"][k][p], np.float64) for k in ("x", "y", "a"))
    u0 = np.maximum(x @ w, 0) @ sgn / np.sqrt(w.shape[1])
    np.testing.assert_allclose(a["loss"][p, 0], 0.5 * np.sum((u0 - y) ** 2), rtol=1e-4)
  # Convergence steps: the first logged loss < 0.05, recomputed by a plain loop.
  for p in range(P):
    below = [int(t) for t, l in zip(a["steps"], a["loss"][p]) if l < 0.05]
    want = below[0] if below else np.nan
    np.testing.assert_equal(a["convergence_step"][p], want)
  assert s["experiment"] == "ntk_circle" and len(s["mean_steps"]) == 4
  assert s["predicted_steps"][2] is None  # k = 3, no bias: λ = 0, never (inf -> null)
  assert s["frac_converged"][0] == 1.0 and s["frac_converged"][2] == 0.0
  assert abs(s["ntk_check"]["median_elementwise_ratio"] - 1.0) < 0.15
  assert not [f for f in os.listdir(wd) if f.startswith(("checkpoint", "group_"))]
  r = _script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


@pytest.mark.parametrize("flag,needle", [
    ("--config.model.kind=cnn", "model.kind"),
    ("--config.num_runs=0", "num_runs"),
    ("--config.freqs=(1,20)", "freqs"),
    ("--config.domain=sphere", "domain"),
])
def test_bad_flags_fail_with_one_clear_line(tmp_path, flag, needle):
  wd = tmp_path / "never"
  r = _script("ntk_circle.py", f"--config={CFG}:deep,tiny", f"--workdir={wd}", flag)
  assert r.returncode != 0
  lines = [l for l in r.stderr.splitlines() if l.strip()]
  assert len(lines) == 1, r.stderr
  assert lines[0].startswith("ntk_circle: error:") and needle in lines[0], lines[0]
  assert "Traceback" not in r.stderr
  assert not wd.exists()


def test_first_time_below_with_a_growing_mode_equals_iteration():
  """η s λ_max = 2.05: linearised GD diverges along the top mode, but a small coefficient
  there lets the residual dip below the level first; after that it is never reached."""
  lam = np.array([2.05, 1.0, 0.3, 0.05])
  c = np.array([1e-3, 1.0, 1.0, 1.0])
  level = 0.05
  got = ntk_circle.first_time_below(lam, c, 1.0, 1.0, level, 10_000)
  r, t = c.copy(), 0
  while r @ r >= level:
    r = (1 - lam) * r
    t += 1
  assert got == t and t > 10
  c[0] = 0.3  # now the growing mode exceeds the level before the others decay
  assert np.isnan(ntk_circle.first_time_below(lam, c, 1.0, 1.0, level, 10_000_000))


def test_residual_cross_entropy_counts_only_points_with_margin():
  """Authors' residual set-up: class y > 0, only |y| > 2/3 enter the mean cross-entropy."""
  cfg = get_config("residual,tiny")
  cfg.num_runs, cfg.freqs = 1, (3,)
  b = ntk_circle.build(cfg)
  params = b["init_fn"](jnp.asarray(b["init_keys"][0]))
  batch = {k: jnp.asarray(v[0]) for k, v in b["batch"].items()}
  logits = np.asarray(b["model"].apply(params, batch["x"]), np.float64)  # [N, 2]
  y = np.asarray(batch["y"], np.float64)
  keep = np.abs(y) > 2 / 3
  assert logits.shape == (cfg.num_points, 2) and 0 < keep.sum() < cfg.num_points
  lse = np.log(np.exp(logits).sum(-1))
  ce = lse - logits[np.arange(len(y)), (y > 0).astype(int)]
  np.testing.assert_allclose(float(b["loss_fn"](params, batch)), ce[keep].mean(), rtol=1e-5)
