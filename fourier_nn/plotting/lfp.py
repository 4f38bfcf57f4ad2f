"""Linear F-Principle figure: the trained net vs the splines, residual dynamics vs the LFP.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes; ``seed`` defaults
to the first seed that did not diverge):

  * `panel_fit` — the trained net (all seeds faint, one bold) against the linear and
    cubic splines and the LFP interpolant of the data, with their mean L² distances;
  * `panel_residuals` — the residual h(x_j) − y_j at every data point over GD: measured
    (solid) vs the LFP prediction (dashed), coloured by x_j;
  * `panel_fourier` — |(ĥ_p − f̂_p)(ξ)|, the Fourier transform of the sampled residual,
    measured vs the LFP, coloured by ξ;
  * `panel_snapshots` — the learned function at a few GD steps, measured vs the LFP,
    coloured by the step.
"""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.lines as mlines
import numpy as np

from fourier_nn import plotting


def _seed(rec, seed):
  return plotting.first_good_seed(rec) if seed is None else int(seed)


def _style_legend(ax, prediction_label: str = "LFP prediction"):
  handles = [mlines.Line2D([], [], color="0.3", lw=1.2),
             mlines.Line2D([], [], color="0.3", ls="--", lw=1.0)]
  return plotting.legend_above(ax, ncol=2, handles=handles,
                               labels=["measured", prediction_label])


def _log_colorbar(ax, values, cmap, label, colorbar):
  """Colours for ``values`` on a log scale, and (optionally) a labelled colourbar with a
  tick at each value; returns (colours, colourbar or None)."""
  values = np.asarray(values, float)
  norm = mpl.colors.LogNorm(values.min(), values.max()) if values.size > 1 and values.min() > 0 \
      else mpl.colors.Normalize(values.min() - 0.5, values.max() + 0.5)
  sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
  colors = sm.to_rgba(values)
  cb = None
  if colorbar:
    cb = plotting.colorbar(sm, ax, label)
    cb.set_ticks(values, labels=[f"{v:g}" for v in values])
    cb.minorticks_off()
  return colors, cb


def panel_fit(ax, rec, seed: int | None = None, legend: bool = True):
  """The trained net vs the linear spline, the cubic spline and the LFP interpolant.

  The legend gives each curve's L² distance on the data range to the trained net (mean
  over seeds) and the regime with its crossover length ℓ.

  Returns:
    The legend (None without one).
  """
  a, s = rec.arrays, rec.summary
  seed = _seed(rec, seed)
  ok = plotting.good_seeds(rec)
  grid, x, y = a["grid"], a["x_train"], a["y_train"]
  for i in ok:
    if i != seed:
      ax.plot(grid, a["final_function"][i], color="k", lw=0.5, alpha=0.25)
  ax.plot(grid, a["final_function"][seed], color="k", lw=1.6, label="trained net")
  d = {k: s.get(f"distance_to_{k}") for k in ("linear_spline", "cubic_spline", "lfp_interpolant")}

  def lab(name, key):
    return name + (f" ({d[key]:.3f})" if d[key] is not None else "")

  ax.plot(grid, a["linear_spline"][seed], color="C0", ls="--", lw=1.0,
          label=lab("linear spline", "linear_spline"))
  ax.plot(grid, a["cubic_spline"][seed], color="C3", ls="--", lw=1.0,
          label=lab("cubic spline", "cubic_spline"))
  ax.plot(grid, a["lfp_interpolant"][seed], color="C2", ls=":", lw=1.6,
          label=lab("LFP interpolant", "lfp_interpolant"))
  ax.plot(x, y, "o", color="k", ms=3.5, zorder=5, label="data $(x_j, y_j)$")
  ax.set_xlim(grid[0], grid[-1])
  ax.set_xlabel(r"input $x$")
  ax.set_ylabel(r"$h(x)$ after training")
  if not legend:
    return None
  title = (f"{s['regime']} regime, " if s.get("regime") else "") + \
      rf"$\ell={s['crossover_length']:.3g}$" + \
      f"\n($L^2$ distance to the net, mean of {ok.size} seeds)"
  handles, labels = ax.get_legend_handles_labels()
  order = [0, 4, 1, 2, 3] if len(handles) == 5 else range(len(handles))
  return plotting.legend_above(ax, ncol=2, handles=[handles[i] for i in order],
                               labels=[labels[i] for i in order], title=title)


def panel_residuals(ax, rec, seed: int | None = None, colorbar: bool = True,
                    legend: bool = True):
  """Residual h(x_j) − y_j at each data point over GD steps: measured (solid) vs LFP
  (dashed), coloured by x_j (labelled colourbar).

  Returns:
    The colourbar (None without one).
  """
  a, s = rec.arrays, rec.summary
  seed = _seed(rec, seed)
  x, t = a["x_train"], a["steps"][1:]
  norm = mpl.colors.Normalize(x.min(), x.max())
  sm = mpl.cm.ScalarMappable(norm=norm, cmap="viridis")
  for j in range(x.size):
    c = sm.to_rgba(x[j])
    ax.plot(t, a["residuals"][seed, 1:, j], color=c, lw=1.2)
    ax.plot(t, a["predicted_residuals_lfp"][seed, 1:, j], color=c, ls="--", lw=1.0)
  ax.axhline(0.0, color="0.5", lw=0.5, zorder=0)
  ax.set_xscale("log")
  ax.set_xlim(t[0], t[-1])
  ax.set_xlabel(r"GD step $t$")
  ax.set_ylabel(r"residual $h_t(x_j)-y_j$")
  if legend:
    err = (s.get("residual_rel_error_max") or {}).get("lfp")
    _style_legend(ax, "LFP" + (f" (max. rel. error {err:.3f})" if err is not None else ""))
  if not colorbar:
    return None
  cb = plotting.colorbar(sm, ax, r"data point $x_j$")
  return cb


def panel_fourier(ax, rec, seed: int | None = None, colorbar: bool = True,
                  legend: bool = True):
  """|(ĥ_p − f̂_p)(ξ)| over GD steps: measured (solid) vs LFP (dashed), coloured by ξ.

  Returns:
    The colourbar (None without one).
  """
  a = rec.arrays
  seed = _seed(rec, seed)
  t = a["steps"][1:]
  freqs = a["fourier_freqs"]
  colors, cb = _log_colorbar(ax, freqs, "plasma", r"frequency $\xi$", colorbar)
  for k, c in enumerate(colors):
    ax.plot(t, a["residual_fourier"][seed, 1:, k], color=c, lw=1.2)
    ax.plot(t, a["predicted_residual_fourier_lfp"][seed, 1:, k], color=c, ls="--", lw=1.0)
  ax.set_xscale("log")
  ax.set_yscale("log")
  ax.set_xlim(t[0], t[-1])
  ax.set_xlabel(r"GD step $t$")
  ax.set_ylabel(r"$|(\hat h_p-\hat f_p)(\xi)|$")
  if legend:
    _style_legend(ax)
  return cb


def panel_snapshots(ax, rec, seed: int | None = None, colorbar: bool = True,
                    legend: bool = True):
  """The learned function at the snapshot steps: measured (solid) vs LFP (dashed),
  coloured by the step; the data as dots.

  Returns:
    The colourbar (None without one).
  """
  a = rec.arrays
  seed = _seed(rec, seed)
  grid = a["grid"]
  snaps = a["snapshot_steps"]
  colors, cb = _log_colorbar(ax, snaps, "cividis", r"GD step $t$", colorbar)
  for p, c in enumerate(colors):
    ax.plot(grid, a["snapshot_functions"][seed, p], color=c, lw=1.2)
    ax.plot(grid, a["predicted_snapshot_functions_lfp"][seed, p], color=c, ls="--", lw=1.0)
  ax.plot(a["x_train"], a["y_train"], "o", color="k", ms=3, zorder=5)
  ax.set_xlim(grid[0], grid[-1])
  ax.set_xlabel(r"input $x$")
  ax.set_ylabel(rf"$h_t(x)$ (seed {seed})")
  if legend:
    _style_legend(ax)
  return cb


def figure(rec, style: str = "paper"):
  """(a) the trained net vs the splines; (b) residuals at the data, (c) their Fourier
  transform and (d) the learned function over training, each measured vs the LFP.

  Args:
    rec: an lfp record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  fig, axd = plotting.new_figure(style, [["fit", "res"], ["snap", "four"]], aspect=0.72)
  with plotting.style(style):
    panel_fit(axd["fit"], rec)
    panel_residuals(axd["res"], rec)
    panel_snapshots(axd["snap"], rec)
    panel_fourier(axd["four"], rec)
    plotting.panel_letters([axd[k] for k in ("fit", "res", "snap", "four")])
  return plotting.finish_figure(fig)
