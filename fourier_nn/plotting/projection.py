"""Projection-method figure (F-Principle slides): Δ_F at the peaks of the target's NUDFT
along the first principal component, over training.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_target_spectrum` — |ŷ(k)| along p₁ with the chosen peaks marked;
  * `panel_delta_f` — heatmap of the seed-mean Δ_F over iterations × peak (log colour
    scale, vmin 0.1 as the slides' threshold), returns the image.

`figure` puts them side by side with panel letters.
"""
from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np

from fourier_nn import plotting


def panel_target_spectrum(ax, rec):
  """|ŷ(k)| of the target along p₁ and its peaks."""
  a = rec.arrays
  ax.plot(a["freqs"], a["target_spectrum"], color="0.2")
  ax.plot(a["peak_freqs"], a["target_spectrum"][a["peak_bins"]], "o", color="#c8553d",
          label="peaks")
  ax.set_yscale("log")
  ax.set_xlabel("frequency $k$ along $p_1$")
  ax.set_ylabel("$|\\hat y(k)|$")
  return plotting.legend_above(ax)


def panel_delta_f(ax, rec, colorbar: bool = True, vmin: float = 0.1):
  """Seed-mean Δ_F over iterations (x) × peak frequency (y); returns the image."""
  a = rec.arrays
  ok = ~np.asarray(a["diverged"]).astype(bool)
  d = np.nanmean(a["delta_f"][ok], axis=0) if ok.any() else np.full(a["delta_f"].shape[1:],
                                                                     np.nan)
  steps, P = a["steps"], len(a["peak_freqs"])
  vmax = max(float(np.nanmax(d)), vmin * 1.01) if np.isfinite(d).any() else 1.0
  im = ax.pcolormesh(steps, np.arange(P), np.clip(d.T, vmin, None), shading="nearest",
                     norm=mcolors.LogNorm(vmin=vmin, vmax=vmax), cmap="inferno_r")
  ax.set_yticks(np.arange(P))
  ax.set_yticklabels([f"{k:.2f}" for k in a["peak_freqs"]])
  ax.set_xlabel("iteration")
  ax.set_ylabel("peak frequency $k$")
  kind = rec.summary.get("delta_f", "complex")
  if colorbar:
    plotting.colorbar(im, ax, f"$\\Delta_F$ ({kind})")
  return im


def figure(rec, style: str = "paper"):
  """(a) the target's spectrum along p₁ with its peaks, (b) Δ_F heatmap.

  Args:
    rec: a projection record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  fig, axd = plotting.new_figure(style, [["spec", "delta"]], aspect=0.38)
  with plotting.style(style):
    panel_target_spectrum(axd["spec"], rec)
    panel_delta_f(axd["delta"], rec)
    plotting.panel_letters([axd["spec"], axd["delta"]])
  return plotting.finish_figure(fig)
