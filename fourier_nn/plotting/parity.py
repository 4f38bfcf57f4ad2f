"""Parity figure (F-Principle slides): train and test accuracy of parity on {−1, 1}^n vs n,
next to a natural task of the same size (digits by default).

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_accuracy_vs_n` — final train and test accuracy per n (seed mean ± std), the
    95 % band of a guesser (0.5 ± 1.96 √(0.25/(S·m))), and the natural task's train and
    test accuracy at its matched n;
  * `panel_test_curves` — test accuracy over training per n and for the natural task.

`figure` puts them side by side with panel letters.
"""
from __future__ import annotations

import numpy as np

from fourier_nn import plotting

TRAIN, TEST, NATURAL = "#3b6fb6", "#c8553d", "#2a9d55"


def _ok(rec) -> np.ndarray:
  return ~np.asarray(rec.arrays["parity_diverged"]).astype(bool)


def _mean_std(a, ok):
  a = np.where(ok, a, np.nan)
  return np.nanmean(a, axis=-1), np.nanstd(a, axis=-1)


def panel_accuracy_vs_n(ax, rec, legend: bool = True):
  """Final accuracies vs n with the chance band; returns the legend (or None)."""
  a, s = rec.arrays, rec.summary
  ns, ok = a["ns"], _ok(rec)
  band = np.asarray(s["chance_band_95"], float)
  ax.fill_between(ns, band[:, 0], band[:, 1], color="0.8", lw=0, label="chance (95 %)")
  ax.axhline(0.5, color="0.5", lw=0.6, ls=":")
  for key, colour, label in (("train_accuracy", TRAIN, "parity train"),
                             ("test_accuracy", TEST, "parity test")):
    m, sd = _mean_std(a[key], ok)
    ax.errorbar(ns, m, yerr=sd, color=colour, marker="o", capsize=2, label=label)
  dn = rec.config.get("digits_n") if hasattr(rec.config, "get") else None
  x = dn if dn is not None else ns[-1]
  dok = ~np.asarray(a["digits_diverged"]).astype(bool)
  name = s.get("dataset", "digits")
  for key, marker, label in (("digits_train_accuracy", "s", f"{name} train"),
                             ("digits_test_accuracy", "D", f"{name} test")):
    v = np.asarray(a[key])[dok]
    if v.size:
      ax.errorbar([x], [v.mean()], yerr=[v.std()], color=NATURAL, marker=marker, capsize=2,
                  ls="none", label=label, mfc="white" if marker == "s" else NATURAL)
  ax.set_xlabel("$n$ (parity on $\\{-1, 1\\}^n$)")
  ax.set_ylabel("accuracy")
  ax.set_ylim(-0.02, 1.02)
  ax.set_xticks(ns)
  return plotting.legend_below(ax, ncol=3, offset=0.22) if legend else None


def panel_test_curves(ax, rec, legend: bool = True):
  """Seed-mean test accuracy over iterations per n, and the natural task's; the legend."""
  a = rec.arrays
  steps, ok = a["steps"], _ok(rec)
  import matplotlib.pyplot as plt
  colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(a["ns"])))
  for i, n in enumerate(a["ns"]):
    m, _ = _mean_std(np.moveaxis(a["test_accuracy_curve"][i], 0, -1), ok[i])
    ax.plot(steps, m, color=colours[i], label=f"$n = {int(n)}$")
  dok = ~np.asarray(a["digits_diverged"]).astype(bool)
  if dok.any():
    ax.plot(steps, np.nanmean(a["digits_test_accuracy_curve"][dok], axis=0), color=NATURAL,
            lw=1.6, ls="--", label=rec.summary.get("dataset", "digits"))
  ax.axhline(0.5, color="0.5", lw=0.6, ls=":")
  ax.set_xlabel("iteration")
  ax.set_ylabel("test accuracy")
  ax.set_ylim(-0.02, 1.02)
  return plotting.legend_right(ax) if legend else None


def figure(rec, style: str = "paper"):
  """(a) accuracy vs n with the chance band and the natural task, (b) test curves.

  Args:
    rec: a parity record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  fig, axd = plotting.new_figure(style, [["acc", "curves"]], aspect=0.42)
  with plotting.style(style):
    panel_accuracy_vs_n(axd["acc"], rec)
    panel_test_curves(axd["curves"], rec)
    plotting.panel_letters([axd["acc"], axd["curves"]])
  return plotting.finish_figure(fig)
