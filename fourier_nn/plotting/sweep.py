"""Sweep figure (`fourier_nn.sweep`): per grid cell, the step at which each frequency's
seed-mean normalised amplitude first reaches 0.5, and the seed-mean loss curves.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_half_steps` — heatmap, one row per grid cell (only the swept axes are named),
    one column per frequency; grey where the amplitude never reached 0.5; returns the image;
  * `panel_loss` — the seed-mean training loss of every cell over steps.

`figure` puts them side by side with panel letters.
"""
from __future__ import annotations

import itertools

import matplotlib.colors as mcolors
import numpy as np

from fourier_nn import plotting


def cells(rec):
  """[(label, index tuple into the grid axes)] over every cell, row-major."""
  axes = rec.summary["grid_axes"][:-1]  # the last is the seed axis
  grid = rec.summary["grid"]
  swept = [k for k in axes if len(grid[k]) > 1]
  out = []
  for idx in itertools.product(*[range(len(grid[k])) for k in axes]):
    label = ", ".join(f"{k.split('.')[-1]}={grid[k][i]:g}" if isinstance(grid[k][i], float)
                      else f"{k.split('.')[-1]}={grid[k][i]}"
                      for k, i in zip(axes, idx) if k in swept)
    out.append((label or "single cell", idx))
  return out


def panel_half_steps(ax, rec, colorbar: bool = True):
  """Rows: grid cells; columns: frequencies; colour: first step with amplitude >= 0.5."""
  a = rec.arrays
  rows = cells(rec)
  t = np.asarray([a["first_step_mean_amplitude_0.5"][idx] for _, idx in rows], np.float64)
  K = t.shape[1]
  finite = t[np.isfinite(t)]
  vmin = max(float(finite.min()), 1.0) if finite.size else 1.0
  vmax = max(float(finite.max()), vmin * 1.01) if finite.size else 10.0
  ax.set_facecolor("0.85")  # never reached
  im = ax.pcolormesh(np.arange(K), np.arange(len(rows)), np.ma.masked_invalid(t),
                     shading="nearest", norm=mcolors.LogNorm(vmin=vmin, vmax=vmax),
                     cmap="viridis")
  ax.set_xticks(np.arange(K))
  ax.set_xticklabels([str(int(k)) for k in a["freqs"]])
  ax.set_yticks(np.arange(len(rows)))
  ax.set_yticklabels([r[0] for r in rows])
  ax.set_xlabel("frequency $k$")
  if colorbar:
    plotting.colorbar(im, ax, "first step with $|\\tilde f(k)|/A_k \\geq 0.5$")
  return im


def panel_loss(ax, rec):
  """Seed-mean loss per cell over steps (log scale)."""
  a = rec.arrays
  S = a["loss"].shape[-2]
  for label, idx in cells(rec):
    loss = np.asarray(a["loss"][idx], np.float64)  # [seed, t]
    ok = ~np.asarray(a["diverged"][idx]).astype(bool)
    if ok.any():
      ax.plot(a["steps"], np.nanmean(loss[ok], axis=0), label=label)
  ax.set_yscale("log")
  ax.set_xlabel("step")
  ax.set_ylabel(f"loss (mean of {S} seeds)")
  return plotting.legend_right(ax)


def figure(rec, style: str = "paper"):
  """(a) half-amplitude steps per cell × frequency, (b) loss curves per cell.

  Args:
    rec: a sweep record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  fig, axd = plotting.new_figure(style, [["half", "loss"]], aspect=0.45)
  with plotting.style(style):
    panel_half_steps(axd["half"], rec)
    panel_loss(axd["loss"], rec)
    plotting.panel_letters([axd["half"], axd["loss"]])
  return plotting.finish_figure(fig)
