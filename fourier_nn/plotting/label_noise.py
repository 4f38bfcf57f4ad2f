"""Exp 3 figure (Rahaman et al. 2019, Fig 4): validation loss against the clean target
while the net fits radial-wave label noise τ₀ + β·ψ_k.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_k_fixed` — validation MSE over training at one k, one curve per β (seed mean,
    ± one std band), the clean baseline dashed;
  * `panel_beta_fixed` — the same at one β, one curve per k;
  * `panel_best` — the seed-mean best validation loss over k, one line per β, the clean
    baseline's as a horizontal line.

`figure` composes (a) k low fixed, (b) k high fixed, (c) β low fixed, (d) β high fixed
(the paper's k ∈ {0.1, 1} and β ∈ {0.5, 1} where the record has them, else the ends of the
grids) and (e) the best losses.
"""
from __future__ import annotations

import numpy as np

from fourier_nn import plotting


def _g(x) -> str:
  return f"{float(x):g}"


def _colours(n: int):
  import matplotlib.pyplot as plt
  return plt.get_cmap("viridis")(np.linspace(0.0, 0.9, max(n, 1)))


def _band(ax, steps, curves, colour, label, **kw):
  if not curves.size:
    return
  m, s = np.nanmean(curves, axis=0), np.nanstd(curves, axis=0)
  ax.semilogy(steps, m, color=colour, label=label, **kw)
  if curves.shape[0] > 1:
    ax.fill_between(steps, np.maximum(m - s, m * 1e-3), m + s, color=colour, alpha=0.2, lw=0)


def _baseline(ax, rec):
  a = rec.arrays
  if "baseline_val_loss" in a:
    _band(ax, a["steps"], a["baseline_val_loss"], "0.3", r"clean ($\beta = 0$)", ls="--")


def _finish(ax, rec, title):
  steps = rec.arrays["steps"]
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel(r"validation MSE vs $\tau_0$")
  ax.set_xlim(steps[0], steps[-1])
  ax.set_title(title)
  plotting.plain_log_ticks(ax)


def panel_k_fixed(ax, rec, k_index: int = 0, legend: bool = True):
  """Validation loss at k = ks[k_index], one curve per β; the legend."""
  a = rec.arrays
  ok = ~a["diverged"].astype(bool)
  cols = _colours(len(a["betas"]))
  for ib, beta in enumerate(a["betas"]):
    _band(ax, a["steps"], a["val_loss"][k_index, ib][ok[k_index, ib]], cols[ib],
          rf"$\beta = {_g(beta)}$")
  _baseline(ax, rec)
  _finish(ax, rec, rf"$k = {_g(a['ks'][k_index])}$, $\beta$ varied")
  return plotting.legend_right(ax) if legend else None


def panel_beta_fixed(ax, rec, beta_index: int = 0, legend: bool = True):
  """Validation loss at β = betas[beta_index], one curve per k; the legend."""
  a = rec.arrays
  ok = ~a["diverged"].astype(bool)
  cols = _colours(len(a["ks"]))
  for ik, k in enumerate(a["ks"]):
    _band(ax, a["steps"], a["val_loss"][ik, beta_index][ok[ik, beta_index]], cols[ik],
          rf"$k = {_g(k)}$")
  _baseline(ax, rec)
  _finish(ax, rec, rf"$\beta = {_g(a['betas'][beta_index])}$, $k$ varied")
  return plotting.legend_right(ax) if legend else None


def panel_best(ax, rec, legend: bool = True):
  """Seed-mean best (minimum over training) validation loss over k, per β."""
  a, s = rec.arrays, rec.summary
  best = np.asarray(s["best_val_loss_mean[k, beta]"], float)
  std = np.asarray(s["best_val_loss_std[k, beta]"], float)
  cols = _colours(len(a["betas"]))
  for ib, beta in enumerate(a["betas"]):
    ax.errorbar(a["ks"], best[:, ib], yerr=std[:, ib], color=cols[ib], marker="o",
                capsize=2, label=rf"$\beta = {_g(beta)}$")
  if "baseline_best_val_loss_mean" in s:
    ax.axhline(s["baseline_best_val_loss_mean"], color="0.3", ls="--", label="clean")
  ax.set_xscale("log")
  ax.set_yscale("log")
  ax.set_xlabel("noise frequency $k$")
  ax.set_ylabel("best validation MSE")
  plotting.plain_log_ticks(ax)
  return plotting.legend_right(ax) if legend else None


def _pick(values, wanted) -> list[int]:
  values = [float(v) for v in values]
  idx = [values.index(w) for w in wanted if w in values]
  if len(idx) < 2:
    idx = sorted({0, len(values) - 1})
  return idx


def figure(rec, style: str = "paper"):
  """(a, b) k fixed, β varied; (c, d) β fixed, k varied; (e) best validation loss."""
  a = rec.arrays
  ki = _pick(a["ks"], (0.1, 1.0))
  bi = _pick(a["betas"], (0.5, 1.0))
  names = [f"k{i}" for i in range(len(ki))] + [f"b{i}" for i in range(len(bi))]
  rows = [names[:2], names[2:4] if len(names) > 2 else names[:1], ["best"] * 2]
  rows = [r if len(r) == 2 else r * 2 for r in rows]
  fig, axd = plotting.new_figure(style, rows, aspect=1.0)
  with plotting.style(style):
    for n, i in zip(names[:len(ki)], ki):
      panel_k_fixed(axd[n], rec, i)
    for n, i in zip(names[len(ki):], bi):
      panel_beta_fixed(axd[n], rec, i)
    panel_best(axd["best"], rec)
    plotting.panel_letters([axd[n] for n in dict.fromkeys(names)] + [axd["best"]])
  return plotting.finish_figure(fig)
