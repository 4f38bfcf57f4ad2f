"""2-D image fit figure: prediction snapshots coarse → fine, and the radial (annulus)
relative error of the prediction's DFT over training.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_snapshot` — the prediction of one seed at one snapshot step (or the image);
  * `panel_radial_error` — heatmap of radial_error[step, ring] (log colour, vmin 0.1 as
    the F-Principle Δ_F heatmaps), with each ring's first crossing of the threshold;
  * `panel_radial_power` — annulus-averaged power of the image and of the final
    prediction.
"""
from __future__ import annotations

import matplotlib as mpl
import numpy as np

from fourier_nn import plotting


def _seed(rec, seed):
  return plotting.first_good_seed(rec) if seed is None else int(seed)


def panel_snapshot(ax, rec, index: int | None = None, seed: int | None = None):
  """index None: the image; else snapshots[seed, index]."""
  a = rec.arrays
  if index is None:
    img, title = np.asarray(a["image"]), "image"
  else:
    img = np.asarray(a["snapshots"])[_seed(rec, seed), index]
    title = f"step {int(np.asarray(a['snapshot_steps'])[index])}"
  ax.imshow(img, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
  ax.set_title(title)
  ax.set_xticks([])
  ax.set_yticks([])


def panel_radial_error(ax, rec, seed: int | None = None, colorbar: bool = True):
  a, s = rec.arrays, rec.summary
  k = _seed(rec, seed)
  err = np.asarray(a["radial_error"])[k]  # [T, R]
  steps, edges = np.asarray(a["steps"]), np.asarray(a["ring_edges"])
  norm = mpl.colors.LogNorm(vmin=0.1, vmax=max(1.0, float(np.nanmax(err))))
  im = ax.pcolormesh(np.arange(edges.size - 1), steps, np.clip(err, 0.1, None),
                     norm=norm, cmap="viridis", shading="nearest")
  fb = np.asarray(a["first_below"])[k]
  hit = fb >= 0
  ax.plot(np.flatnonzero(hit), fb[hit], "w^", ms=4, label=f"error < {s['threshold']:g}")
  centres = 0.5 * (edges[:-1] + edges[1:])
  ax.set_xticks(range(centres.size), [f"{c:g}" for c in centres], fontsize="small")
  ax.set_xlabel(r"ring centre $|k|$ (cycles / image)")
  ax.set_ylabel("step")
  if colorbar:
    plotting.colorbar(im, ax, "relative error")
  ax.legend(loc="upper left", fontsize="small")


def panel_radial_power(ax, rec, seed: int | None = None):
  a = rec.arrays
  k = _seed(rec, seed)
  edges = np.asarray(a["ring_edges"])
  c = 0.5 * (edges[:-1] + edges[1:])
  ax.semilogy(c, np.asarray(a["image_radial_power"]), "k-o", ms=3, label="image")
  ax.semilogy(c, np.asarray(a["radial_power"])[k, -1], "C1--s", ms=3, label="final net")
  ax.set_xlabel(r"$|k|$ (cycles / image)")
  ax.set_ylabel("ring power")
  ax.legend(fontsize="small")


def figure(rec, style: str = "paper"):
  """Top: the image and the prediction snapshots; bottom: radial error heatmap and
  radial power."""
  import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  n = np.asarray(rec.arrays["snapshot_steps"]).size
  with plotting.style(style):
    fig = plt.figure(figsize=plotting.figure_size(style, "double", 0.62))
    fig.fourier_nn_style = style
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 2.0])
    snaps = top.subplots(1, n + 1)
    err, pow_ = bottom.subplots(1, 2)
    panel_snapshot(snaps[0], rec)
    for i in range(n):
      panel_snapshot(snaps[i + 1], rec, i)
    panel_radial_error(err, rec)
    panel_radial_power(pow_, rec)
    plotting.panel_letters([snaps[0], err, pow_])
  return plotting.finish_figure(fig)
