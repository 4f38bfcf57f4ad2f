"""Exp 5 and 6 figures (Rahaman et al. 2019): learning on flower manifolds with L petals.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  Exp 5 (``flower_manifold`` records)
  * `panel_amplitudes` — heatmap of the seed-mean normalised amplitude |DFT_z(f∘γ_L)(k)|
    over training iterations × k, for one L (returns the image);
  * `panel_loss` — training MSE per L: seed mean (line) and ± one std over seeds (band);
  * `panel_manifolds` — the input curves γ_L;

  Exp 6 (``manifold_classification`` records)
  * `panel_accuracy` — heatmap of the seed-mean final training accuracy over (k, L);
  * `panel_decision_map` — one seed's decision map (logit > 0) on the grid with the
    manifold points coloured by label, and its number of linear regions;
  * `panel_accuracy_curves` — training accuracy over iterations per L at one k.

`figure` composes the panels of the record's study with panel letters.
"""
from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np

from fourier_nn import plotting
from fourier_nn.plotting.spectral_bias_1d import AMPLITUDE_LABEL, amplitude_heatmap

LABEL_COLOURS = ("#3b6fb6", "#c8553d")  # label 0, label 1


def _ok(rec) -> np.ndarray:
  return ~np.asarray(rec.arrays["diverged"]).astype(bool)


def panel_amplitudes(ax, rec, L_index: int = 0, colorbar: bool = True):
  """Seed-mean normalised amplitude over iterations × k on the flower with L =
  ``Ls[L_index]`` petals (diverged seeds left out); returns the image."""
  a = rec.arrays
  ok = _ok(rec)[L_index]
  amp = a["amplitudes"][L_index][ok]
  mean = np.nanmean(amp, axis=0) if ok.any() else np.full(amp.shape[1:], np.nan)
  im = amplitude_heatmap(ax, a["steps"], a["freqs"], mean,
                         f"$L = {int(a['Ls'][L_index])}$, mean of {int(ok.sum())} seeds")
  if colorbar:
    cb = plotting.colorbar(im, ax, AMPLITUDE_LABEL)
    cb.set_ticks([0, 0.5, 1.0])
  return im


def panel_loss(ax, rec, legend: bool = True):
  """Training MSE per L: seed mean and ± one standard deviation over seeds; the legend."""
  a = rec.arrays
  steps, colours = a["steps"], _colours(len(a["Ls"]))
  for i, L in enumerate(a["Ls"]):
    loss = a["loss"][i][_ok(rec)[i]]
    if not loss.size:
      continue
    m, s = np.nanmean(loss, axis=0), np.nanstd(loss, axis=0)
    ax.semilogy(steps, m, color=colours[i], label=f"$L = {int(L)}$")
    ax.fill_between(steps, np.maximum(m - s, m * 1e-3), m + s, color=colours[i], alpha=0.2,
                    lw=0)
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel("training loss (MSE)")
  ax.set_xlim(steps[0], steps[-1])
  plotting.plain_log_ticks(ax)
  return plotting.legend_right(ax, title="mean ± std") if legend else None


def panel_manifolds(ax, rec):
  """The input curves γ_L(z) of every L in the record; the legend."""
  a = rec.arrays
  colours = _colours(len(a["Ls"]))
  for i, L in enumerate(a["Ls"]):
    x = np.concatenate([a["inputs"][i], a["inputs"][i][:1]])
    ax.plot(x[:, 0], x[:, 1], color=colours[i], label=f"$L = {int(L)}$")
  ax.set_aspect("equal")
  ax.set_xlabel("$x_1$")
  ax.set_ylabel("$x_2$")
  return plotting.legend_right(ax)


def panel_accuracy(ax, rec, colorbar: bool = True):
  """Seed-mean final training accuracy over k (x) × L (y); returns the image."""
  a = rec.arrays
  acc = np.where(a["diverged"], np.nan, a["accuracy"])
  mean = np.nanmean(acc, axis=-1).T  # [L, k]
  im = ax.imshow(mean, origin="lower", aspect="auto", cmap="viridis", vmin=0.5, vmax=1.0,
                 interpolation="nearest")
  ax.set_xticks(range(len(a["ks"])), [str(int(k)) for k in a["ks"]])
  ax.set_yticks(range(len(a["Ls"])), [str(int(L)) for L in a["Ls"]])
  ax.set_xlabel(r"frequency $k$")
  ax.set_ylabel(r"petals $L$")
  ax.set_title(f"mean of {acc.shape[-1]} seeds")
  ax.spines[:].set_visible(False)
  if colorbar:
    plotting.colorbar(im, ax, "training accuracy")
  return im


def panel_decision_map(ax, rec, index: int = 0):
  """Decision map of decision seed ``index``: sign of the final logit on the grid, the
  manifold points coloured by label; returns the image."""
  a = rec.arrays
  logits = a["decision_logits"][index]
  gx, gy = a["grid_x"], a["grid_y"]
  cmap = mcolors.ListedColormap([mcolors.to_rgba(c, 0.25) for c in LABEL_COLOURS])
  im = ax.imshow((logits > 0).astype(float), origin="lower", cmap=cmap, vmin=0, vmax=1,
                 extent=(gx[0], gx[-1], gy[0], gy[-1]), interpolation="nearest")
  ax.contour(gx, gy, logits, levels=[0.0], colors="k", linewidths=0.4)
  pts, lab = a["decision_inputs"], a["decision_labels"]
  for c in (0, 1):
    sel = lab == c
    ax.scatter(pts[sel, 0], pts[sel, 1], s=1.5, color=LABEL_COLOURS[c], lw=0,
               label=f"label {c}")
  k, L = rec.summary.get("decision_map_cell", (None, None))
  n = int(a["num_regions"][index]) if "num_regions" in a else -1
  title = f"$k = {k}$, $L = {L}$, seed {int(a['decision_seeds'][index])}"
  ax.set_title(title + (f"\n{n} linear regions" if n >= 0 else ""))
  ax.set_aspect("equal")
  ax.set_xlabel("$x_1$")
  ax.set_ylabel("$x_2$")
  return im


def panel_accuracy_curves(ax, rec, k_index: int | None = None, legend: bool = True):
  """Training accuracy over iterations per L (seed mean) at k = ``ks[k_index]`` (default:
  the decision-map k); the legend."""
  a = rec.arrays
  if k_index is None:
    k = rec.summary.get("decision_map_cell", (a["ks"][0],))[0]
    k_index = int(np.flatnonzero(a["ks"] == k)[0]) if np.any(a["ks"] == k) else 0
  colours = _colours(len(a["Ls"]))
  for i, L in enumerate(a["Ls"]):
    acc = a["accuracy_curve"][k_index, i][~np.asarray(a["diverged"][k_index, i], bool)]
    if acc.size:
      ax.plot(a["steps"], np.nanmean(acc, axis=0), color=colours[i], label=f"{int(L)}")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel(f"training accuracy ($k = {int(a['ks'][k_index])}$)")
  ax.set_xlim(a["steps"][0], a["steps"][-1])
  return plotting.legend_right(ax, title="$L$", ncol=1 + len(a["Ls"]) // 8) if legend else None


def _colours(n: int):
  import matplotlib.pyplot as plt
  return plt.get_cmap("viridis")(np.linspace(0.0, 0.9, max(n, 1)))


def figure(rec, style: str = "paper"):
  """Exp 5: (a…) amplitude heatmap per L, then the loss curves. Exp 6: (a) accuracy over
  (k, L), (b) accuracy curves at the decision-map k, (c, d) decision maps.

  Args:
    rec: a flower_manifold or manifold_classification record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  if rec.summary.get("experiment") == "flower_manifold":
    nL = len(rec.arrays["Ls"])
    top = [f"amp{i}" for i in range(nL)]
    fig, axd = plotting.new_figure(style, [top, ["loss"] * (nL // 2) + ["man"] * (nL - nL // 2)]
                                   if nL > 1 else [top, ["loss"]], aspect=0.6)
    with plotting.style(style):
      for i in range(nL):
        panel_amplitudes(axd[f"amp{i}"], rec, i, colorbar=i == nL - 1)
      panel_loss(axd["loss"], rec)
      order = top + ["loss"]
      if "man" in axd:
        panel_manifolds(axd["man"], rec)
        order.append("man")
      plotting.panel_letters([axd[k] for k in order])
    return plotting.finish_figure(fig)
  M = len(rec.arrays.get("decision_seeds", ()))
  maps = [f"map{i}" for i in range(min(M, 2))]
  fig, axd = plotting.new_figure(style, [["acc", "curve"] + maps], aspect=0.3)
  with plotting.style(style):
    panel_accuracy(axd["acc"], rec)
    panel_accuracy_curves(axd["curve"], rec)
    for i, name in enumerate(maps):
      panel_decision_map(axd[name], rec, i)
    plotting.panel_letters([axd[k] for k in ["acc", "curve"] + maps])
  return plotting.finish_figure(fig)
