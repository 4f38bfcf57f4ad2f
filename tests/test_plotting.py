"""Figures fit for a paper: every module's figure renders (PNG, PDF, SVG), every panel
function draws onto a user's Axes, colourbars and y axes are labelled, panel letters are
there, legends stay off the data, mathtext parses, and the library leaves rcParams alone.

Records here are small synthetic ones with the drivers' array names and shapes (see the
driver docstrings); the drivers' own tests plot their real tiny records via scripts/plot.py.
"""
import io
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fourier_nn import plotting, records  # noqa: E402
from fourier_nn.plotting import (basri, delta_ablation, lfp, manifold,  # noqa: E402
                                 ntk_sphere, robustness, spectral_bias_1d)

RNG = np.random.default_rng(0)


def _record(arrays, summary, config=None):
  return records.Record(workdir="synthetic", config=config or {}, metrics=[],
                        arrays=arrays, summary=summary, params=None)


def exp1_record(overlay=False):
  S, K, N = 3, 10, 64
  steps = np.arange(0, 3001, 100)
  freqs = np.arange(5, 55, 5)
  t = steps[None, :, None] / (60.0 * freqs[None, None, :] ** 1.5)
  amp = np.broadcast_to(1 - np.exp(-t), (S, len(steps), K)) + 0.01 * RNG.random((S, len(steps), K))
  x = np.arange(N) / N
  arrays = {
      "steps": steps, "loss": 5 * np.exp(-steps / 4000)[None] * (1 + 0.1 * RNG.random((S, 1))),
      "amplitudes": amp, "spectral_norms": 1 + RNG.random((S, 13, 6)).cumsum(1),
      "spectral_norm_steps": np.arange(0, 3001, 250),
      "predictions": RNG.standard_normal((S, 3, N)),
      "prediction_steps": np.array([100, 1000, 3000]),
      "x": x, "targets": np.sin(2 * np.pi * 5 * x)[None].repeat(S, 0),
      "phases": RNG.random((S, K)), "freqs": freqs, "amps": np.ones(K),
      "diverged": np.array([False, True, False]),
      "residual_amplitudes": np.exp(-t).repeat(S, 0),
      "geometry_steps": np.arange(0, 3001, 150),
      "num_regions": 250 + RNG.integers(0, 40, (S, 21)).cumsum(1),
      "lipschitz": 0.01 * np.exp(np.linspace(0, 6, 21))[None] * (1 + RNG.random((S, 1))),
      "lipschitz_bound": 9 * np.exp(np.linspace(0, 8, 21))[None] * (1 + RNG.random((S, 1))),
  }
  if overlay:
    arrays["predicted_residual_amplitudes"] = np.exp(-1.1 * t).repeat(S, 0)
    arrays["ntk_eigvals"] = RNG.random((S, N))
  return _record(arrays, {"experiment": "spectral_bias_1d"}, {"amplitudes": "equal"})


def robustness_record():
  """Ratios that fall with δ, faster for higher k; model 1 diverged (left out)."""
  M, D, K = 3, 40, 10
  deltas = np.linspace(0, 5, D)
  freqs = np.arange(5, 55, 5)
  ratio = np.exp(-(deltas[None, :, None] * freqs[None, None, :] / 60.0) ** 2)
  ratio = np.broadcast_to(ratio, (M, D, K)) * (1 + 0.05 * RNG.random((M, D, K)))
  L = 21
  arrays = {
      "perturbed_amplitudes": ratio, "deltas": deltas, "freqs": freqs,
      "trained_amplitudes": 0.9 + 0.1 * RNG.random((M, K)),
      "train_steps": np.arange(L) * 100, "train_loss": np.exp(-np.arange(L) / 5)[None].repeat(M, 0),
      "train_amplitudes": RNG.random((M, L, K)), "diverged": np.array([False, True, False]),
  }
  return _record(arrays, {"experiment": "robustness"})


def basri_record(model="shallow", domain="circle", bias=False):
  freqs = np.array([1, 2, 3, 4, 6, 8, 10, 12])
  R, K = 2, len(freqs)
  P = K * R
  steps = np.arange(0, 2001, 50)
  mean = 20.0 * freqs ** 2.0
  never = ((freqs % 2 == 1) & (freqs >= 3) if (model == "shallow" and not bias)
           else np.zeros(K, bool))
  mean = np.where(never, np.nan, mean)
  frac = np.where(never, 0.0, 1.0)
  frac[1] = 0.5  # one k where only some runs converged
  pair_freq = np.repeat(freqs, R)
  level = np.full(P, 0.05)
  loss = 0.5 * np.exp(-steps[None] / np.repeat(np.nan_to_num(mean, nan=1e9) / 3, R)[:, None])
  fit = {"p": 2.05, "ci95": [1.9, 2.2], "intercept": np.log(20.0), "freqs_used": [4, 6, 8, 10, 12]}
  squared = model != "residual"
  pred = (0.9 * 20.0 * freqs ** 2.0 if squared else np.full(K, np.nan)).astype(float)
  if model == "deep":
    pred[-2:] = np.inf  # beyond the prediction horizon
  arrays = {
      "steps": steps, "loss": loss, "convergence_step": np.repeat(mean, R), "level": level,
      "pair_freq": pair_freq, "pair_run": np.tile(np.arange(R), K), "freqs": freqs,
      "diverged": np.zeros(P, bool), "mean_steps": mean, "median_steps": mean,
      "std_steps": np.where(never, np.nan, 0.1 * mean), "frac_converged": frac,
      "predicted_steps": pred,
      ("target_residual" if squared else "train_accuracy"): RNG.random((P, len(steps))),
  }
  if model == "shallow":
    arrays["predicted_empirical_steps"] = np.where(never, np.inf, 1.1 * 20.0 * freqs ** 2.0)
  summary = {
      "experiment": "ntk_circle" if domain == "circle" else "basri_sphere",
      "domain": domain, "model": model, "bias": bias, "width": 64, "num_points": 101,
      "num_runs": R, "cap_steps": int(steps[-1]), "log_every": 50,
      "convergence_rule": "sum_half loss < 0.05", "freqs": freqs, "fit_statistic": "mean",
      "fit_measured": fit, "fit_predicted": fit if squared else None,
      "fit_predicted_empirical": fit if model == "shallow" else None,
      "paper_p_range": [1.93, 2.15] if domain == "circle" else [2.74, 3.13],
      "prediction": ("closed-form NTK eigenvalues" if model == "shallow" else
                     "empirical NTK at init" if squared else "none (no kernel-flow law)"),
      "lr_s_lambda_max_init_ntk": [0.5, 0.6],
  }
  config = {"loss": "sum_half" if model == "shallow" else "mse" if squared else "cross_entropy",
            "threshold": 0.05, "threshold_mode": "absolute" if model == "shallow" else "relative",
            "predict_max_steps": 10_000_000, "model": {"depth": 5, "kind": model}}
  return _record(arrays, summary, config)


def ntk_sphere_record(dim=10, rises=0):
  S, K = 3, 3
  steps = np.arange(0, 601)
  degrees = np.array([1, 2, 4])
  rates = np.array([0.3, 0.03, 0.003])
  proj = (5 * np.exp(-rates[None, None, :] * steps[None, :, None])
          * (1 + 0.05 * RNG.random((S, 1, K))))
  per_degree = [{"degree": int(d), "rate_measured": float(r),
                 "rate_measured_ci95": [0.9 * r, 1.1 * r],
                 "rate_empirical_ntk": float(r), "rate_closed_form": float(0.8 * r)}
                for d, r in zip(degrees, rates)]
  per_degree[2]["rate_measured_ci95"] = [None, None]
  arrays = {"steps": steps, "loss": np.exp(-steps / 100.0)[None].repeat(S, 0), "proj": proj,
            "pred_closed_form": 0.9 * proj, "pred_empirical_ntk": 1.1 * proj, "degrees": degrees,
            "amplitudes": np.array([1.0, 3.0, 5.0]), "mu": rates / 6,
            "diverged": np.zeros(S, bool)}
  summary = {"experiment": "ntk_sphere", "inputs": "uniform", "dim": dim, "num_points": 100,
             "width": 64, "num_seeds": S, "lr": 3.0, "per_degree": per_degree,
             "order_measured": [1, 2, 4], "order_as_expected": True,
             "loss_increase_count_per_seed": [rises] * S}
  return _record(arrays, summary)


def lfp_record():
  S, G, n, L = 2, 101, 6, 41
  grid = np.linspace(-1.25, 1.25, G)
  x = np.linspace(-1, 1, n)
  y = np.sin(2 * np.pi * x)
  steps = np.arange(0, 4001, 100)
  decay = np.exp(-steps / 1000.0)[None, :, None]
  res = -y[None, None, :] * decay * np.ones((S, 1, 1))
  f = np.sin(2 * np.pi * grid)[None].repeat(S, 0)
  freqs = np.array([0.25, 0.5, 1.0, 2.0, 4.0])
  four = np.abs(RNG.standard_normal((S, 1, 5))) * decay + 1e-6
  snaps = np.array([100, 1000, 4000])
  arrays = {
      "steps": steps, "loss": np.exp(-steps / 500.0)[None].repeat(S, 0), "residuals": res,
      "predicted_residuals_lfp": 1.02 * res, "fourier_freqs": freqs, "residual_fourier": four,
      "predicted_residual_fourier_lfp": 0.9 * four, "grid": grid,
      "in_range": np.abs(grid) <= 1, "x_train": x, "y_train": y, "final_function": f,
      "linear_spline": np.interp(grid, x, y)[None].repeat(S, 0), "cubic_spline": f,
      "lfp_interpolant": f, "snapshot_steps": snaps,
      "snapshot_functions": f[:, None] * (1 - np.exp(-snaps / 1000.0))[None, :, None],
      "predicted_snapshot_functions_lfp": f[:, None] * (1 - np.exp(-snaps / 900.0))[None, :, None],
      "diverged": np.zeros(S, bool)}
  summary = {"experiment": "lfp", "regime": "cubic", "crossover_length": 0.0239,
             "distance_to_linear_spline": 0.26, "distance_to_cubic_spline": 0.03,
             "distance_to_lfp_interpolant": 0.029, "residual_rel_error_max": {"lfp": 0.03}}
  return _record(arrays, summary)


def flower_record():
  Ls, freqs, S = np.array([0, 4, 10]), np.arange(20, 220, 20), 3
  steps = np.arange(0, 2001, 100)
  rate = (1 + Ls[:, None, None, None]) / (2.0 * freqs[None, None, None, :])
  t = steps[None, None, :, None] * rate
  amp = np.broadcast_to(1 - np.exp(-t / 100), (3, S, len(steps), len(freqs)))
  z = np.arange(200) / 200
  from fourier_nn import data
  arrays = {"Ls": Ls, "freqs": freqs, "steps": steps, "amplitudes": amp.copy(),
            "loss": 5 * np.exp(-steps[None, None] / (500 * (3 - np.arange(3))[:, None, None]))
            * (1 + 0.1 * RNG.random((3, S, 1))),
            "final_predictions": RNG.standard_normal((3, S, 200)), "z": z,
            "inputs": data.flower_manifold(z, Ls), "phases": RNG.random((S, 10)),
            "diverged": np.zeros((3, S), bool)}
  return _record(arrays, {"experiment": "flower_manifold"})


def classification_record():
  from fourier_nn import data
  ks, Ls, S, G = np.arange(50, 450, 50), np.arange(0, 22, 2), 2, 40
  steps = np.arange(0, 1001, 100)
  acc = 0.5 + 0.5 * (1 - np.exp(-(1 + Ls[None, :]) / ks[:, None] * 20))
  curve = 0.5 + (acc[..., None, None] - 0.5) * (1 - np.exp(-steps / 300))[None, None, None]
  curve = np.broadcast_to(curve, (8, 11, S, len(steps))).copy()
  z = np.arange(300) / 300
  gx = np.linspace(-1.6, 1.6, G)
  xx, yy = np.meshgrid(gx, gx)
  logits = np.stack([np.sin(8 * np.arctan2(yy, xx) + s) for s in range(S)])
  arrays = {"ks": ks, "Ls": Ls, "steps": steps, "accuracy": curve[..., -1],
            "accuracy_curve": curve, "loss": 0.7 * (1.1 - curve), "z": z,
            "phases": RNG.random((8, S)), "decision_logits": logits, "grid_x": gx,
            "grid_y": gx.copy(), "decision_inputs": data.flower_manifold(z, 20),
            "decision_labels": (np.sin(2 * np.pi * 20 * z) > 0).astype(float),
            "decision_seeds": np.arange(S), "num_regions": np.array([812, 790]),
            "diverged": np.zeros((8, 11, S), bool)}
  return _record(arrays, {"experiment": "manifold_classification",
                          "decision_map_cell": [200, 20]})


def delta_record():
  S, K, N = 3, 49, 100
  steps, gsteps = np.arange(0, 2001, 100), np.arange(0, 2001, 500)
  freqs = np.arange(1, K + 1)
  arrays = {"steps": steps, "geometry_steps": gsteps, "freqs": freqs, "x": np.arange(N) / N,
            "target": np.eye(N)[N // 2], "target_amplitudes": np.full(K, 2 / N),
            "prediction_steps": np.array([1000, 2000])}
  for abl, vals in (("depth", [3, 4, 5, 6]), ("width", [16, 32, 64, 128]),
                    ("clip", [0.1, 0.15, 0.2, 2.0])):
    P = len(vals)
    rate = np.linspace(0.5, 2, P)[:, None, None, None]
    t = steps[None, None, :, None] / (3.0 * freqs[None, None, None, :] ** 1.5)
    arrays.update({
        f"{abl}/values": np.asarray(vals, float), f"{abl}/num_params": np.arange(P) + 100,
        f"{abl}/loss": 0.005 * np.exp(-steps / 3000)[None, None].repeat(P, 0).repeat(S, 1),
        f"{abl}/amplitudes": (1 - np.exp(-rate * t)) + 0.02 * RNG.random((P, S, len(steps), K)),
        f"{abl}/num_regions": (5 + np.arange(P)[:, None, None] * gsteps / 100
                               + RNG.integers(0, 3, (P, S, len(gsteps)))),
        f"{abl}/lipschitz": 1 + RNG.random((P, S, len(gsteps))).cumsum(-1),
        f"{abl}/lipschitz_bound": 3 + RNG.random((P, S, len(gsteps))).cumsum(-1),
        f"{abl}/predictions": RNG.standard_normal((P, S, 2, N)),
        f"{abl}/diverged": np.zeros((P, S), bool)})
  arrays["clip/diverged"][0, 1] = True
  return _record(arrays, {"experiment": "delta_ablation", "ablations": ["depth", "width", "clip"]})


RECORDS = {
    "exp5": flower_record,
    "exp6": classification_record,
    "exp1": exp1_record,
    "exp1_gd": lambda: exp1_record(overlay=True),
    "basri_shallow_nobias": basri_record,
    "basri_shallow_bias_sphere": lambda: basri_record(domain="sphere", bias=True),
    "basri_deep": lambda: basri_record("deep"),
    "basri_residual": lambda: basri_record("residual"),
    "ntk_sphere": ntk_sphere_record,
    "ntk_sphere_unstable": lambda: ntk_sphere_record(dim=5, rises=3),
    "lfp": lfp_record,
    "robustness": robustness_record,
}
NUM_PANELS = {"exp5": 5, "exp6": 4, "exp1": 6, "exp1_gd": 7, "ntk_sphere": 2,
              "ntk_sphere_unstable": 2, "lfp": 4}

# Every panel function of every module, with the record it draws.
PANELS = [
    (spectral_bias_1d.panel_amplitudes, "exp1"), (spectral_bias_1d.panel_loss, "exp1"),
    (spectral_bias_1d.panel_spectral_norms, "exp1"), (spectral_bias_1d.panel_function, "exp1"),
    (spectral_bias_1d.panel_residual, "exp1_gd"),
    (spectral_bias_1d.panel_regions, "exp1"), (spectral_bias_1d.panel_lipschitz, "exp1"),
    (basri.panel_convergence, "basri_shallow_nobias"), (basri.panel_loss_curves, "basri_deep"),
    (ntk_sphere.panel_projections, "ntk_sphere"), (ntk_sphere.panel_rates, "ntk_sphere"),
    (lfp.panel_fit, "lfp"), (lfp.panel_residuals, "lfp"), (lfp.panel_fourier, "lfp"),
    (lfp.panel_snapshots, "lfp"),
    (robustness.panel_heatmap, "robustness"), (robustness.panel_ratio, "robustness"),
    (manifold.panel_amplitudes, "exp5"), (manifold.panel_loss, "exp5"),
    (manifold.panel_manifolds, "exp5"), (manifold.panel_accuracy, "exp6"),
    (manifold.panel_decision_map, "exp6"), (manifold.panel_accuracy_curves, "exp6"),
]


@pytest.fixture(autouse=True)
def _close_figures():
  yield
  plt.close("all")


def _main_axes(fig):
  return [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]


def _colorbar_axes(fig):
  return [ax for ax in fig.axes if hasattr(ax, "_colorbar")]


def _letters(fig):
  return sorted(t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "panel-letter")


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_figure_renders_png_pdf_and_is_labelled(name, tmp_path):
  fig = plotting.figure_for(RECORDS[name]())
  assert fig.get_size_inches()[0] == pytest.approx(plotting.WIDTHS["double"])
  png = plotting.save_figure(fig, str(tmp_path / "fig.png"))
  pdf = plotting.save_figure(fig, str(tmp_path / "fig.pdf"))
  assert os.path.getsize(png) > 10_000
  with open(png, "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n"
  with open(pdf, "rb") as f:
    assert f.read(5) == b"%PDF-"
  main = _main_axes(fig)
  n = NUM_PANELS.get(name, 2)
  assert len(main) == n
  # Panel letters (a), (b), ... one per panel.
  assert _letters(fig) == [f"({c})" for c in "abcdefgh"[:n]]
  # Every panel has a y label (and an x label); every colourbar is labelled.
  for ax in main:
    assert ax.get_ylabel().strip(), ax
    assert ax.get_xlabel().strip(), ax
  for cax in _colorbar_axes(fig):
    assert (cax.get_ylabel() or cax.get_xlabel()).strip()


@pytest.mark.parametrize("name", ["exp1", "basri_shallow_nobias", "ntk_sphere", "lfp",
                                  "robustness", "exp5", "exp6"])
def test_legends_do_not_cover_data(name):
  """Every legend lies outside its panel's frame (above, right of, below), or is a
  figure legend outside every panel."""
  fig = plotting.figure_for(RECORDS[name]())
  renderer = fig.canvas.get_renderer()
  main = _main_axes(fig)
  legends = [(ax, ax.get_legend()) for ax in main if ax.get_legend() is not None]
  legends += [(None, leg) for leg in fig.legends]
  assert legends
  for ax, leg in legends:
    lb = leg.get_window_extent(renderer)
    for other in ([ax] if ax is not None else main):
      fb = other.bbox
      w = max(0.0, min(lb.x1, fb.x1) - max(lb.x0, fb.x0))
      h = max(0.0, min(lb.y1, fb.y1) - max(lb.y0, fb.y0))
      assert w * h <= 0.01 * lb.width * lb.height, (name, [t.get_text() for t in leg.texts])


def test_colourbar_labels_name_the_quantity():
  im = spectral_bias_1d.panel_amplitudes(plt.subplots()[1], exp1_record())
  assert im.colorbar.ax.get_ylabel() == r"normalised amplitude $|\tilde f(k)|/A_k$"
  fig = plotting.figure_for(lfp_record())
  labels = {cax.get_ylabel() for cax in _colorbar_axes(fig)}
  assert labels == {r"data point $x_j$", r"frequency $\xi$", r"GD step $t$"}


def test_mathtext_labels_use_the_records_dimension():
  for dim in (10, 5):
    fig, ax = plt.subplots()
    ntk_sphere.panel_projections(ax, ntk_sphere_record(dim=dim))
    assert ax.get_ylabel() == r"residual projection $|v_k^\top r_t|$"
    assert f"$S^{{{dim - 1}}}$" in ax.get_legend().get_title().get_text()
  fig, ax = plt.subplots()
  basri.panel_convergence(ax, basri_record(domain="sphere"))
  assert "$S^2$" in ax.get_title()


@pytest.mark.parametrize("name", ["exp1_gd", "basri_deep", "ntk_sphere", "lfp", "robustness",
                                  "exp5", "exp6"])
def test_every_mathtext_string_parses(name):
  """Each text with $...$ in a figure parses as mathtext (not just renders as raw)."""
  parser = matplotlib.mathtext.MathTextParser("path")
  fig = plotting.figure_for(RECORDS[name]())
  texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible()]
  maths = [t.get_text() for t in texts if t.get_text().count("$") >= 2]
  assert maths
  for s in maths:
    for line in s.split("\n"):
      if line.count("$") >= 2:
        parser.parse(line, dpi=72)


@pytest.mark.parametrize("panel, name", PANELS, ids=[p.__name__ for p, _ in PANELS])
def test_every_panel_draws_on_a_user_axes(panel, name):
  fig, (ax, other) = plt.subplots(1, 2, figsize=(6, 2.5))  # the user's figure, no style
  panel(ax, RECORDS[name]())
  assert ax.lines or ax.images or ax.collections
  assert ax.get_ylabel().strip() and ax.get_xlabel().strip()
  assert not (other.lines or other.images or other.collections)  # nothing drawn elsewhere
  buf = io.BytesIO()
  fig.savefig(buf, format="png")
  assert buf.tell() > 1000


def test_delta_ablation_figure_has_a_row_per_ablation(tmp_path):
  """One row per ablation: 4 spectrum heatmaps, regions, Lipschitz; every panel lettered
  and labelled; one labelled colourbar per row."""
  fig = plotting.figure_for(delta_record())
  assert os.path.getsize(plotting.save_figure(fig, str(tmp_path / "d.png"))) > 10_000
  main = _main_axes(fig)
  assert len(main) == 18 and len(_letters(fig)) == 18
  for ax in main:
    assert ax.get_ylabel().strip() and ax.get_xlabel().strip()
  cbs = _colorbar_axes(fig)
  assert len(cbs) == 3 and all(c.get_ylabel() == delta_ablation.AMPLITUDE_LABEL for c in cbs)
  titles = [ax.get_title() for ax in main if ax.get_title()]
  assert titles[:4] == ["depth 3", "depth 4", "depth 5", "depth 6"] and "clip 0.15" in titles


@pytest.mark.parametrize("panel", [
    delta_ablation.panel_regions, delta_ablation.panel_lipschitz,
    delta_ablation.panel_final_spectrum,
    lambda ax, rec, abl: delta_ablation.panel_spectrum(ax, rec, abl, 1)])
def test_delta_ablation_panels_draw_on_a_user_axes(panel):
  fig, (ax, other) = plt.subplots(1, 2, figsize=(6, 2.5))
  rec = delta_record()
  panel(ax, rec, "clip")
  assert (ax.lines or ax.images) and ax.get_ylabel().strip() and ax.get_xlabel().strip()
  assert not (other.lines or other.images or other.collections)
  # the mean leaves out the diverged seed (clip 0.1, seed 1): the line is the other two's
  if panel is delta_ablation.panel_regions:
    y = rec.arrays["clip/num_regions"][0][[0, 2]].mean(axis=0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), y)
  with pytest.raises(ValueError, match="no 'banana' ablation"):
    panel(ax, rec, "banana")


def test_panel_residual_refuses_a_record_without_overlay():
  with pytest.raises(ValueError, match="theory overlay"):
    spectral_bias_1d.panel_residual(plt.subplots()[1], exp1_record())


def test_styles_paper_and_screen_and_rcparams_untouched(tmp_path):
  before = dict(matplotlib.rcParams)
  rec = exp1_record()
  paper = plotting.figure_for(rec, style="paper")
  screen = plotting.figure_for(rec, style="screen")
  assert paper.get_size_inches()[0] == pytest.approx(7.0)
  assert screen.get_size_inches()[0] == pytest.approx(7.0 * plotting.SCREEN_SCALE)
  assert plotting.style_rc("paper")["font.size"] == 8
  with plotting.paper_style():
    assert matplotlib.rcParams["font.size"] == 8
    assert matplotlib.rcParams["figure.constrained_layout.use"]
  plotting.save_figure(screen, str(tmp_path / "s.png"))
  after = dict(matplotlib.rcParams)
  assert {k: v for k, v in after.items() if before[k] != v} == {}
  with pytest.raises(ValueError, match="unknown figure style"):
    plotting.figure_for(rec, style="poster")


def test_vector_output_is_reproducible_and_svg_works(tmp_path):
  rec = ntk_sphere_record()
  a = plotting.save_figure(plotting.figure_for(rec), str(tmp_path / "a.pdf"))
  b = plotting.save_figure(plotting.figure_for(rec), str(tmp_path / "b.pdf"))
  with open(a, "rb") as fa, open(b, "rb") as fb:
    assert fa.read() == fb.read()
  svg = plotting.save_figure(plotting.figure_for(rec), str(tmp_path / "a.svg"))
  with open(svg) as f:
    assert "<svg" in f.read(2000)
  with pytest.raises(ValueError, match="suffix"):
    plotting.save_figure(plotting.figure_for(rec), str(tmp_path / "a.jpg"))


def test_tex_number():
  assert plotting.tex_number(16000) == "$16000$"
  assert plotting.tex_number(1e7) == "$10^{7}$"
  assert plotting.tex_number(2.5e-5) == r"$2.5\times10^{-5}$"


def test_plot_script_writes_pdf_and_svg_with_style(tmp_path, script):
  rec = lfp_record()
  wd = str(tmp_path / "rec")
  records.Workdir(wd).save({"experiment": "lfp"}, [], rec.arrays, rec.summary)
  r = script("plot.py", f"--workdir={wd}", f"--out={tmp_path / 'fig.pdf'}")
  assert r.returncode == 0, r.stderr[-3000:]
  with open(tmp_path / "fig.pdf", "rb") as f:
    assert f.read(5) == b"%PDF-"
  r = script("plot.py", f"--workdir={wd}", f"--out={tmp_path / 'fig.svg'}", "--style=screen")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(tmp_path / "fig.svg") > 10_000
  r = script("plot.py", f"--workdir={wd}", f"--out={tmp_path / 'fig.jpg'}")
  assert r.returncode == 2 and "plot: error: --out=" in r.stderr and "Traceback" not in r.stderr
  assert not os.path.exists(tmp_path / "fig.jpg")


def test_a_users_best_legend_next_to_panel_letters_draws():
  """A legend with loc="best" asks the panel letters for their extent; no recursion."""
  fig = plotting.figure_for(lfp_record())
  for ax in _main_axes(fig):
    ax.legend(["extra"], loc="best")
  buf = io.BytesIO()
  fig.savefig(buf, format="png")
  assert buf.tell() > 10_000
