"""High-dimensional LFP figure (d = 2): the trained net next to the two polyharmonic-type
minimum-FP-norm interpolants, and its distances to each.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_field` — one field on [−1, 1]² (``"final_function"`` of a seed,
    ``"interp_step"``, ``"interp_ramp"``) with the training points;
  * `panel_distances` — RMS distance of the trained net (every seed) to the |s| and |s|³
    interpolants, the full-multiplier interpolant and the infinite-width NTK limit.
"""
from __future__ import annotations

import numpy as np

from fourier_nn import plotting

TITLES = {"final_function": "trained net", "interp_step": r"$-|s|$ interpolant",
          "interp_ramp": r"$|s|^3$ interpolant", "interp_lfp": "LFP interpolant",
          "ntk_limit": "NTK limit"}

SHORT = {"interp_step": r"$-|s|$", "interp_ramp": r"$|s|^3$", "interp_lfp": "LFP",
         "ntk_limit": "NTK"}


def panel_field(ax, rec, key: str, seed: int | None = None, vlim: float | None = None):
  a = rec.arrays
  f = np.asarray(a[key])
  if f.ndim == 3:
    f = f[plotting.first_good_seed(rec) if seed is None else int(seed)]
  g = np.asarray(a["grid_axis"])
  v = vlim if vlim is not None else float(np.max(np.abs(f)))
  im = ax.pcolormesh(g, g, f.T, cmap="RdBu_r", vmin=-v, vmax=v, shading="auto")
  x = np.asarray(a["x_train"])
  ax.scatter(x[:, 0], x[:, 1], c=np.asarray(a["y_train"]), cmap="RdBu_r", vmin=-v, vmax=v,
             edgecolors="k", s=18, linewidths=0.6, zorder=3)
  ax.set_aspect("equal")
  ax.set_title(TITLES.get(key, key))
  ax.set_xlabel(r"$x_1$")
  ax.set_ylabel(r"$x_2$")
  return im


def panel_distances(ax, rec):
  s = rec.summary
  keys = ("interp_step", "interp_ramp", "interp_lfp", "ntk_limit")
  ok = plotting.good_seeds(rec)
  for i, k in enumerate(keys):
    per = np.asarray(s[f"distance_to_{k}_per_seed"], float)[ok]
    ax.scatter(np.full(per.size, i), per, color="0.5", s=10, zorder=2)
    ax.bar(i, np.mean(per) if per.size else np.nan, color=f"C{i}", alpha=0.7)
  ax.axhline(s["step_vs_ramp_interpolant_distance"], color="0.3", ls=":", lw=1.0,
             label=r"$-|s|$ vs $|s|^3$")
  ax.set_xticks(range(len(keys)), [SHORT[k] for k in keys])
  ax.set_ylabel("RMS distance to the net")
  ax.set_title(f"{s.get('regime', '')} regime")
  ax.legend(loc="upper left", fontsize="small")


def figure(rec, style: str = "paper"):
  """(a) trained net, (b) the −|s| and (c) the |s|³ interpolants, (d) distances."""
  fig, axd = plotting.new_figure(style, [["net", "step", "ramp", "dist"]], aspect=0.3)
  with plotting.style(style):
    f = np.asarray(rec.arrays["final_function"])
    vlim = float(np.nanmax(np.abs(f[plotting.first_good_seed(rec)])))
    for key, name in (("final_function", "net"), ("interp_step", "step"),
                      ("interp_ramp", "ramp")):
      im = panel_field(axd[name], rec, key, vlim=vlim)
    plotting.colorbar(im, axd["ramp"], r"$h(x)$")
    panel_distances(axd["dist"], rec)
    plotting.panel_letters([axd[k] for k in ("net", "step", "ramp", "dist")])
  return plotting.finish_figure(fig)
