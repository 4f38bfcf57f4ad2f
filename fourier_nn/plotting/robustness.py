"""Exp 2 figure (Rahaman et al. 2019): how robust each learned frequency is to noise.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_heatmap` — model-mean ratio ⟨|f̃_θ(k)|⟩/|f̃_θ*(k)| over the perturbation size δ
    (y) × frequency k (x), colour scale 0–1 (returns the image);
  * `panel_ratio` — the same ratio against δ for a few k, model mean and min–max band,
    with the level 0.5 that defines δ_½.

`figure` puts them side by side.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from fourier_nn import plotting

RATIO_LABEL = r"$\langle|\tilde f_\theta(k)|\rangle / |\tilde f_{\theta^*}(k)|$"
DELTA_LABEL = r"perturbation size $\delta = \|\theta - \theta^*\|_2$"


def _mean_ratio(rec) -> np.ndarray:
  a = rec.arrays
  ok = plotting.good_seeds(rec)
  r = a["perturbed_amplitudes"]
  return np.nanmean(r[ok], axis=0) if ok.size else np.full(r.shape[1:], np.nan)


def panel_heatmap(ax, rec, colorbar: bool = True, title: bool = True):
  """Model-mean amplitude ratio over δ × k, 0–1 (ratios above 1 saturate).

  Args:
    ax: the Axes.
    rec: a robustness record.
    colorbar: add a labelled colourbar next to ``ax``.
    title: title the panel with the number of models.

  Returns:
    The AxesImage (``im.colorbar`` is the colourbar when one was added).
  """
  a = rec.arrays
  mean = _mean_ratio(rec)
  deltas, freqs = np.asarray(a["deltas"], float), a["freqs"]
  half = 0.5 * (deltas[1] - deltas[0]) if deltas.size > 1 else 0.5
  im = ax.imshow(mean, aspect="auto", origin="lower", cmap="inferno", vmin=0, vmax=1,
                 interpolation="nearest",
                 extent=(-0.5, len(freqs) - 0.5, deltas[0] - half, deltas[-1] + half))
  ax.set_xticks(range(len(freqs)), [str(int(k)) for k in freqs])
  ax.set_xlabel(r"frequency $k$")
  ax.set_ylabel(DELTA_LABEL)
  if title:
    ax.set_title(f"mean of {plotting.good_seeds(rec).size} trained models")
  ax.spines[:].set_visible(False)
  if colorbar:
    over = bool(np.isfinite(mean).any() and np.nanmax(mean) > 1.0)
    cb = plotting.colorbar(im, ax, "amplitude ratio " + RATIO_LABEL,
                           extend="max" if over else "neither")
    cb.set_ticks([0, 0.25, 0.5, 0.75, 1.0])
  return im


def panel_ratio(ax, rec, max_freqs: int = 5, legend: bool = True):
  """Amplitude ratio vs δ for up to ``max_freqs`` k (evenly spread): model mean (line),
  min–max over models (band), and the level 0.5.

  Returns:
    The legend (None without one).
  """
  a = rec.arrays
  ok = plotting.good_seeds(rec)
  r, deltas, freqs = a["perturbed_amplitudes"][ok], a["deltas"], a["freqs"]
  pick = np.unique(np.linspace(0, len(freqs) - 1, min(max_freqs, len(freqs))).round()
                   .astype(int))
  colors = plt.cm.viridis(np.linspace(0, 0.9, len(pick)))
  for c, j in zip(colors, pick):
    ax.plot(deltas, np.nanmean(r[:, :, j], axis=0), color=c, label=rf"$k={int(freqs[j])}$")
    ax.fill_between(deltas, np.nanmin(r[:, :, j], axis=0), np.nanmax(r[:, :, j], axis=0),
                    color=c, alpha=0.2, lw=0)
  ax.axhline(0.5, color="0.5", lw=0.6, ls=":")
  ax.set_xlabel(DELTA_LABEL)
  ax.set_ylabel("amplitude ratio " + RATIO_LABEL)
  ax.set_xlim(deltas[0], deltas[-1])
  ax.set_ylim(bottom=0)
  return plotting.legend_above(ax, ncol=min(len(pick), 3)) if legend else None


def figure(rec, style: str = "paper"):
  """Exp 2 figure: (a) ratio heatmap δ × k, (b) ratio vs δ for a few k.

  Args:
    rec: a robustness record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  fig, axd = plotting.new_figure(style, [["heat", "ratio"]], aspect=0.4,
                                 gridspec_kw={"width_ratios": [1.15, 1]})
  with plotting.style(style):
    panel_heatmap(axd["heat"], rec)
    panel_ratio(axd["ratio"], rec)
    plotting.panel_letters([axd["heat"], axd["ratio"]])
  return plotting.finish_figure(fig)
