"""Cao et al. 2019 figure: residual projections |v_kᵀr_t| per degree over GD vs the NTK.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_projections` — |v_kᵀr_t| (r_t = y − ŷ_t) against GD iteration per degree k:
    measured (solid: seed mean, band: min–max over seeds), the closed form
    (1 − ηcμ_k)^t |v_kᵀr_0| (dashed) and the flow of the empirical NTK at init (dotted);
  * `panel_rates` — early-phase log-rates per degree: measured (mean and 95 % CI over
    seeds) vs both predictions.
"""
from __future__ import annotations

import matplotlib.lines as mlines
from matplotlib.legend_handler import HandlerTuple
import matplotlib.patches as mpatches
import matplotlib.pyplot as plt
import numpy as np

from fourier_nn import plotting

PROJECTION_LABEL = r"residual projection $|v_k^\top r_t|$"
RATE_LABEL = r"early-phase log-rate $-\Delta\log|v_k^\top r_t|/\Delta t$"


def describe(rec) -> str:
  """The setting in one line of mathtext (inputs, sphere, n, m, amplitudes, η, seeds)."""
  s = rec.summary
  amps = ", ".join(f"{x:g}" for x in np.asarray(rec.arrays["amplitudes"]))
  seeds = plotting.good_seeds(rec).size
  return (rf"{s['inputs']} inputs on $S^{{{s['dim'] - 1}}}$, $n={s['num_points']}$, "
          rf"$m={s['width']}$, $a=({amps})$, $\eta={s['lr']:g}$, {seeds} seeds")


def _degree_colors(n: int):
  return plt.cm.viridis(np.linspace(0, 0.85, n))


def _plot_indices(steps: np.ndarray, max_points: int | None) -> np.ndarray:
  """At most ``max_points`` logged steps, evenly spaced in log(1 + t) (all if None)."""
  if not max_points or steps.size <= max_points:
    return np.arange(steps.size)
  t = np.geomspace(1, steps.size, max_points) - 1
  return np.unique(np.concatenate([t.round().astype(int), [steps.size - 1]]))


def panel_projections(ax, rec, legend: bool = True, title: bool = True,
                      max_points: int | None = 1500):
  """|v_kᵀr_t| against GD iteration t (symlog) per degree: measured and predicted.

  Args:
    ax: the Axes.
    rec: an ntk_sphere record.
    legend: a legend above the Axes (degrees, then the line styles).
    title: the setting (`describe`) as the legend's title (or the panel title).
    max_points: draw at most this many logged steps, evenly spaced on the log axis
      (keeps vector output small; None draws every one).

  Returns:
    The legend (None without one).
  """
  a = rec.arrays
  ok = plotting.good_seeds(rec)
  steps, degrees = a["steps"], a["degrees"]
  idx = _plot_indices(steps, max_points)
  t = steps[idx]
  meas = np.abs(a["proj"][ok][:, idx])  # [S', L', K]
  closed = np.abs(a["pred_closed_form"][ok][:, idx]).mean(0)
  emp = np.abs(a["pred_empirical_ntk"][ok][:, idx]).mean(0)
  colors = _degree_colors(len(degrees))
  handles = []
  for j, (k, c) in enumerate(zip(degrees, colors)):
    ax.fill_between(t, meas[:, :, j].min(0), meas[:, :, j].max(0), color=c, alpha=0.2, lw=0)
    (h,) = ax.plot(t, meas[:, :, j].mean(0), color=c, lw=1.3, label=rf"$k={int(k)}$")
    ax.plot(t, closed[:, j], color=c, ls="--", lw=0.9)
    ax.plot(t, emp[:, j], color=c, ls=":", lw=1.2)
    handles.append(h)
  handles += [
      (mlines.Line2D([], [], color="0.3", lw=1.3),
       mpatches.Patch(color="0.3", alpha=0.2, lw=0)),
      mlines.Line2D([], [], color="0.3", ls="--", lw=0.9),
      mlines.Line2D([], [], color="0.3", ls=":", lw=1.2)]
  labels = [h.get_label() for h in handles[:len(degrees)]] + [
      "measured (band: min–max)", r"closed form $(1-\eta c\mu_k)^t$", "NTK at init (flow)"]
  ax.set_yscale("log")
  ax.set_xscale("symlog", linthresh=10, linscale=0.5)
  ax.set_xlim(0, steps[-1])
  mean = meas.mean(0)
  pos = mean[np.isfinite(mean) & (mean > 0)]
  if pos.size:  # every seed-mean curve in view, down to 6 decades below the top
    ax.set_ylim(max(0.5 * pos.min(), 1e-6 * pos.max()), 2 * pos.max())
  ax.set_xlabel(r"GD iteration $t$")
  ax.set_ylabel(PROJECTION_LABEL)
  if not legend:
    if title:
      ax.set_title(describe(rec))
    return None
  ncol = max(len(degrees), 3)
  # Degrees on the first row, line styles on the second (pad the shorter row).
  row1 = list(zip(handles[:len(degrees)], labels[:len(degrees)]))
  row2 = list(zip(handles[len(degrees):], labels[len(degrees):]))
  blank = (mlines.Line2D([], [], ls="none"), "")
  row1 += [blank] * (ncol - len(row1))
  row2 += [blank] * (ncol - len(row2))
  cells = [x for pair in zip(row1, row2) for x in pair]  # column-major order
  return plotting.legend_above(
      ax, ncol=ncol, handles=[h for h, _ in cells], labels=[lab for _, lab in cells],
      title=describe(rec) if title else None, handler_map={tuple: HandlerTuple(ndivide=1)})


def _rates(rows, key):
  return np.array([np.nan if r.get(key) is None else r[key] for r in rows], float)


def panel_rates(ax, rec, legend: bool = True):
  """Early-phase log-rates per degree: measured (mean, 95 % CI over seeds), the flow of
  the empirical NTK at init, and the closed form −log|1 − ηcμ_k|.

  Returns:
    The legend (None without one).
  """
  s = rec.summary
  rows = s["per_degree"]
  k = np.array([r["degree"] for r in rows])
  x = np.arange(len(rows))
  rm = _rates(rows, "rate_measured")
  ci = np.array([[np.nan, np.nan] if r["rate_measured_ci95"][0] is None
                 else r["rate_measured_ci95"] for r in rows], float)
  err = np.abs(np.stack([rm - ci[:, 0], ci[:, 1] - rm]))
  ax.errorbar(x - 0.12, rm, yerr=np.nan_to_num(err), fmt="o", color="k", capsize=2,
              elinewidth=0.8, label="measured (95 % CI)")
  ax.plot(x, _rates(rows, "rate_empirical_ntk"), "s", mfc="none", color="C0", ms=5,
          label="NTK at init (flow)")
  ax.plot(x + 0.12, _rates(rows, "rate_closed_form"), "D", mfc="none", color="C3", ms=4.5,
          label=r"closed form $-\log|1-\eta c\mu_k|$")
  ax.set_yscale("log")
  ax.set_xticks(x, [str(int(d)) for d in k])
  ax.set_xlim(-0.5, len(rows) - 0.5)
  ax.set_xlabel(r"degree $k$")
  ax.set_ylabel(RATE_LABEL)
  if not legend:
    return None
  expected = s.get("order_as_expected", s["order_measured"] == sorted(s["order_measured"]))
  title = (r"order to 10 % of $|v_k^\top r_0|$: "
           + ", ".join(str(d) for d in s["order_measured"])
           + (" (expected)" if expected else " (NOT expected)"))
  rises = s.get("loss_increase_count_per_seed")
  if rises is not None and max(rises) > 0:
    title += f"\nGD left the stable regime: loss rose at {list(rises)} logged steps"
  handles, labels = ax.get_legend_handles_labels()
  first = [i for i, lab in enumerate(labels) if lab.startswith("measured")]
  order_i = first + [i for i in range(len(labels)) if i not in first]
  return plotting.legend_above(ax, ncol=1, handles=[handles[i] for i in order_i],
                               labels=[labels[i] for i in order_i], title=title,
                               alignment="left")


def figure(rec, style: str = "paper"):
  """(a) |v_kᵀr_t| over GD per degree, measured vs the NTK; (b) the early-phase rates.

  Args:
    rec: an ntk_sphere record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  fig, axd = plotting.new_figure(style, [["proj", "rate"]], aspect=0.46,
                                 gridspec_kw={"width_ratios": [1.7, 1]})
  with plotting.style(style):
    panel_projections(axd["proj"], rec)
    panel_rates(axd["rate"], rec)
    plotting.panel_letters([axd["proj"], axd["rate"]])
  return plotting.finish_figure(fig)
