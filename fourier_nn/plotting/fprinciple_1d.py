"""F-Principle 1-D figure (the authors' ``f_principle.py``): Δ_F at the target's DFT peaks.

Panels (each ``panel_NAME(ax, rec, ...)`` draws onto a given Axes):

  * `panel_delta_f` — heatmap of Δ_F (peaks × training steps) of one seed, or the mean
    over the good seeds, colour scale 0.1 … 1 as the authors' ``hot.png`` (below 0.1 =
    converged, saturated); crossing steps marked (returns the image);
  * `panel_spectra` — |DFT(y)|/n of the target and of the prediction at the snapshot
    steps (log scale, +1e-5 as the authors), peaks marked;
  * `panel_loss` — the training loss of every seed.

`figure` puts the three side by side.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from fourier_nn import plotting

DELTA_LABEL = r"$\Delta_F$"
_KIND = {"magnitude": r"$||\hat h_k|-|\hat y_k||/|\hat y_k|$",
         "complex": r"$|\hat h_k-\hat y_k|/|\hat y_k|$"}


def _delta(rec, kind: str | None):
  if kind is None:
    return np.asarray(rec.arrays["delta_f"]), rec.summary.get("delta_f", "magnitude")
  key = f"delta_f_{kind}"
  if key not in rec.arrays:
    raise ValueError(f"kind={kind!r}: this record has no {key}; it has 'magnitude', 'complex'")
  return np.asarray(rec.arrays[key]), kind


def panel_delta_f(ax, rec, seed: int | None = None, kind: str | None = None,
                  colorbar: bool = True, vmin: float = 0.1, vmax: float = 1.0):
  """Δ_F[peak, step] of ``seed`` (None: the mean over the good seeds) as a heatmap.

  Args:
    kind: None (the record's own ``delta_f``), "magnitude" or "complex".
    vmin, vmax: colour limits (the authors: 0.1, 1).

  Returns:
    The QuadMesh (``.colorbar`` set when one was added).
  """
  delta, kind = _delta(rec, kind)
  a = rec.arrays
  if seed is None:
    ok = plotting.good_seeds(rec)
    d = delta[ok].mean(axis=0) if ok.size else np.full(delta.shape[1:], np.nan)
  else:
    d = delta[seed]
  steps = np.asarray(a["steps"], float)
  peaks = np.asarray(a["peak_bins"])
  edges = np.concatenate([steps, [steps[-1] + (steps[-1] - steps[-2] if steps.size > 1 else 1)]])
  im = ax.pcolormesh(edges, np.arange(peaks.size + 1) - 0.5, d.T, cmap="RdBu", vmin=vmin,
                     vmax=vmax, shading="flat", rasterized=True)
  ax.set_yticks(np.arange(peaks.size))
  ax.set_yticklabels([str(int(k)) for k in peaks])
  ax.set_ylabel("peak (DFT bin $k$)")
  ax.set_xlabel("step")
  if seed is not None:
    cross = np.asarray(a[f"crossing_steps_{kind}"][seed])
    for p, s in enumerate(cross):
      if s >= 0:
        ax.plot([s], [p], marker="|", color="k", markersize=8)
  ax.set_title("seed mean" if seed is None else f"seed {seed}")
  if colorbar:
    im.colorbar = plotting.colorbar(im, ax, f"{DELTA_LABEL} {_KIND[kind]}", extend="both")
  return im


def panel_spectra(ax, rec, seed: int | None = None, legend: bool = True):
  """|DFT|/n of the target and of ``seed``'s prediction at the snapshot steps."""
  a = rec.arrays
  seed = plotting.first_good_seed(rec) if seed is None else seed
  bins = np.asarray(a["bins"])
  peaks = np.asarray(a["peak_bins"])
  target = np.asarray(a["target_spectrum"])
  ax.semilogy(bins, target + 1e-5, color="k", lw=1.4, label="target")
  ax.semilogy(peaks, target[peaks] + 1e-5, "o", color="k", ms=3, label="peaks")
  snaps = np.asarray(a["snapshot_steps"])
  colors = plt.cm.viridis(np.linspace(0, 0.85, max(snaps.size, 1)))
  for q, (s, c) in enumerate(zip(snaps, colors)):
    ax.semilogy(bins, np.asarray(a["spectra"][seed, q]) + 1e-5, color=c, lw=0.9,
                label=f"step {int(s)}")
  ax.set_xlabel("DFT bin $k$")
  ax.set_ylabel(r"$|\mathrm{DFT}|/n$")
  return plotting.legend_right(ax) if legend else None


def panel_loss(ax, rec):
  """Training loss (MSE) of every seed."""
  a = rec.arrays
  steps = np.asarray(a["steps"])
  for s in range(a["loss"].shape[0]):
    ax.semilogy(np.maximum(steps, 1), a["loss"][s], lw=0.8)
  ax.set_xscale("log")
  ax.set_xlabel("step")
  ax.set_ylabel("training loss")


def figure(rec, style: str = "paper"):
  """Δ_F heatmap (first good seed), target/prediction spectra, loss curves."""
  fig, axd = plotting.new_figure(style, [["delta", "spectra", "loss"]], aspect=0.3,
                                 gridspec_kw={"width_ratios": [1.4, 1.2, 0.9]})
  with plotting.style(style):
    panel_delta_f(axd["delta"], rec, seed=plotting.first_good_seed(rec))
    panel_spectra(axd["spectra"], rec)
    panel_loss(axd["loss"], rec)
    plotting.panel_letters([axd["delta"], axd["spectra"], axd["loss"]])
  return plotting.finish_figure(fig)
