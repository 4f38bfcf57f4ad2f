"""F-Principle filtering figure (the authors' ``filter_gd.py``): e_low and e_high per δ.

Panels (each ``panel_NAME(ax, rec, ...)`` draws onto a given Axes):

  * `panel_errors` — seed-mean e_low (solid) and e_high (dashed) over epochs for a few δ;
  * `panel_heatmap` — e_low or e_high of the seed mean as a heatmap δ × epoch (0 … 1);
  * `panel_training` — training loss and accuracy of every seed.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from fourier_nn import plotting


def _mean(rec, key):
  ok = plotting.good_seeds(rec)
  a = np.asarray(rec.arrays[key])
  return a[ok].mean(axis=0) if ok.size else np.full(a.shape[1:], np.nan)


def panel_errors(ax, rec, which=None, legend: bool = True):
  """e_low (solid) and e_high (dashed) of the seed mean over epochs, for δ indices
  ``which`` (default: first, middle, last)."""
  deltas = np.asarray(rec.arrays["deltas"])
  which = [0, len(deltas) // 2, len(deltas) - 1] if which is None else list(which)
  which = sorted(set(which))
  epochs = np.asarray(rec.arrays["epochs"])
  lo, hi = _mean(rec, "e_low"), _mean(rec, "e_high")
  colors = plt.cm.viridis(np.linspace(0, 0.85, max(len(which), 1)))
  for d, c in zip(which, colors):
    ax.plot(epochs, lo[:, d], color=c, lw=1.2, label=rf"$\delta$ = {deltas[d]:.3g}: $e_{{low}}$")
    ax.plot(epochs, hi[:, d], color=c, lw=1.2, ls="--", label=rf"$e_{{high}}$")
  ax.set_xlabel("epoch")
  ax.set_ylabel("relative error")
  return plotting.legend_right(ax) if legend else None


def panel_heatmap(ax, rec, which: str = "e_low", colorbar: bool = True):
  """Seed-mean ``which`` ("e_low" | "e_high") over δ × epoch, colour scale 0 … 1."""
  if which not in ("e_low", "e_high"):
    raise ValueError(f"which={which!r}: choose 'e_low' or 'e_high'")
  a = _mean(rec, which)  # [L, D]
  epochs = np.asarray(rec.arrays["epochs"], float)
  D = a.shape[1]
  e_edges = np.concatenate([epochs - 0.5, [epochs[-1] + 0.5]])
  im = ax.pcolormesh(e_edges, np.arange(D + 1) - 0.5, a.T, cmap="RdBu", vmin=0, vmax=1,
                     shading="flat", rasterized=True)
  deltas = np.asarray(rec.arrays["deltas"])
  ticks = np.unique(np.linspace(0, D - 1, min(D, 5)).round().astype(int))
  ax.set_yticks(ticks)
  ax.set_yticklabels([f"{deltas[t]:.3g}" for t in ticks])
  ax.set_ylabel(r"$\delta$")
  ax.set_xlabel("epoch")
  ax.set_title(r"$e_{low}$" if which == "e_low" else r"$e_{high}$")
  if colorbar:
    im.colorbar = plotting.colorbar(im, ax, "relative error")
  return im


def panel_training(ax, rec):
  """Training loss (solid, left axis) and accuracy (dotted, right axis) per seed."""
  epochs = np.asarray(rec.arrays["epochs"])
  for s in range(rec.arrays["loss"].shape[0]):
    ax.plot(epochs, rec.arrays["loss"][s], lw=0.9, color="C0")
  ax.set_xlabel("epoch")
  ax.set_ylabel("training loss", color="C0")
  ax2 = ax.twinx()
  for s in range(rec.arrays["accuracy"].shape[0]):
    ax2.plot(epochs, rec.arrays["accuracy"][s], lw=0.9, ls=":", color="C1")
  ax2.set_ylabel("training accuracy", color="C1")
  ax2.set_ylim(0, 1.02)
  return ax2


def figure(rec, style: str = "paper"):
  """e_low / e_high curves, both heatmaps, training curves."""
  fig, axd = plotting.new_figure(style, [["errors", "low", "high", "train"]], aspect=0.28,
                                 gridspec_kw={"width_ratios": [1.3, 1, 1, 1]})
  with plotting.style(style):
    panel_errors(axd["errors"], rec, legend=False)
    plotting.legend_below(axd["errors"], ncol=2, offset=0.3)
    panel_heatmap(axd["low"], rec, "e_low", colorbar=False)
    panel_heatmap(axd["high"], rec, "e_high")
    panel_training(axd["train"], rec)
    plotting.panel_letters([axd[k] for k in ("errors", "low", "high", "train")])
  return plotting.finish_figure(fig)
