"""Exp 1 figure (Rahaman et al. 2019): which frequencies a ReLU net learns first.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_amplitudes` — heatmap of the seed-mean normalised DFT amplitude
    |f̃(k)|/A_k over training iterations t × frequency k (returns the image);
  * `panel_loss` — training MSE, seed mean and min–max band;
  * `panel_spectral_norms` — largest singular value of every layer's weight matrix;
  * `panel_function` — target and the learned function of one seed at a few iterations;
  * `panel_residual` — (``:gd`` records only) the residual's amplitude per k, measured vs
    the flow of the empirical NTK at initialisation.

`figure` composes them: amplitudes, loss and spectral norms in a row, the learned
function (and the residual) below.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from fourier_nn import plotting

AMPLITUDE_LABEL = r"normalised amplitude $|\tilde f(k)|/A_k$"


def amplitude_heatmap(ax, steps, freqs, amp_mean, title: str = ""):
  """Heatmap of normalised amplitudes: iteration t (y) × frequency k (x); returns the image.

  Args:
    ax: the Axes.
    steps: logged iterations [L].
    freqs: frequencies [K].
    amp_mean: amplitudes [L, K] (1 = the target's amplitude A_k).
    title: an optional title.
  """
  steps = np.asarray(steps, float)
  half = 0.5 * (steps[1] - steps[0]) if steps.size > 1 else 0.5
  im = ax.imshow(amp_mean, aspect="auto", origin="lower", cmap="inferno", vmin=0, vmax=1,
                 interpolation="nearest",
                 extent=(-0.5, len(freqs) - 0.5, steps[0] - half, steps[-1] + half))
  ax.set_xticks(range(len(freqs)), [str(int(k)) for k in freqs])
  if len(freqs) > 12:
    for i, lab in enumerate(ax.get_xticklabels()):
      lab.set_visible(i % 2 == 0)
  ax.set_xlabel(r"frequency $k$")
  ax.set_ylabel(r"training iteration $t$")
  if title:
    ax.set_title(title)
  ax.spines[:].set_visible(False)
  return im


def panel_amplitudes(ax, rec, colorbar: bool = True, title: bool = True):
  """Seed-mean |f̃(k)|/A_k over iterations × k (diverged seeds left out).

  Args:
    ax: the Axes.
    rec: a spectral_bias_1d record.
    colorbar: add a labelled colourbar next to ``ax``.
    title: title the panel with the number of seeds and the amplitude profile.

  Returns:
    The AxesImage (``im.colorbar`` is the colourbar when one was added). The colour
    scale is 0–1; larger amplitudes (overshoot) saturate, marked by the colourbar's arrow.
  """
  a = rec.arrays
  ok = plotting.good_seeds(rec)
  amp_mean = np.nanmean(a["amplitudes"][ok], axis=0) if ok.size else np.full(
      a["amplitudes"].shape[1:], np.nan)
  profile = rec.config.get("amplitudes")
  text = f"mean of {ok.size} seeds" + (f", {profile} $A_k$" if profile else "")
  im = amplitude_heatmap(ax, a["steps"], a["freqs"], amp_mean, text if title else "")
  if colorbar:  # an arrow when the net overshoots the target (amplitudes > 1 saturate)
    over = bool(np.isfinite(amp_mean).any() and np.nanmax(amp_mean) > 1.0)
    cb = plotting.colorbar(im, ax, AMPLITUDE_LABEL, extend="max" if over else "neither")
    cb.set_ticks([0, 0.25, 0.5, 0.75, 1.0])
  return im


def panel_loss(ax, rec, legend: bool = True):
  """Training loss per iteration: seed mean (line) and min–max over seeds (band).

  Returns:
    The legend (None without one).
  """
  a = rec.arrays
  ok = plotting.good_seeds(rec)
  loss, steps = a["loss"][ok], a["steps"]
  ax.semilogy(steps, np.nanmean(loss, axis=0), color="k", label="seed mean")
  ax.fill_between(steps, np.nanmin(loss, axis=0), np.nanmax(loss, axis=0), alpha=0.25,
                  color="k", lw=0, label="min–max over seeds")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel("training loss (MSE)")
  ax.set_xlim(steps[0], steps[-1])
  plotting.plain_log_ticks(ax)
  return plotting.legend_above(ax) if legend else None


def panel_spectral_norms(ax, rec, legend: bool = True):
  """Seed-mean largest singular value ‖W_ℓ‖₂ of each layer's kernel over training.

  Returns:
    The legend (None without one).
  """
  a = rec.arrays
  ok = plotting.good_seeds(rec)
  sn = a["spectral_norms"][ok]  # [S, Ls, layers]
  layers = sn.shape[-1]
  colors = plt.cm.viridis(np.linspace(0, 0.9, layers))
  for layer in range(layers):
    ax.plot(a["spectral_norm_steps"], np.nanmean(sn[:, :, layer], axis=0),
            color=colors[layer], label=rf"$\ell={layer + 1}$")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel(r"spectral norm $\|W_\ell\|_2$")
  ax.set_xlim(a["spectral_norm_steps"][0], a["spectral_norm_steps"][-1])
  ax.set_ylim(bottom=0)
  return plotting.legend_above(ax, ncol=min(layers, 3)) if legend else None


def panel_function(ax, rec, seed: int | None = None, legend: bool = True):
  """Target (grey) and the net's function of one seed at the logged snapshot iterations.

  Args:
    ax: the Axes.
    rec: a spectral_bias_1d record.
    seed: which seed (default: the first that did not diverge).
    legend: add a legend above the Axes.

  Returns:
    The legend (None without one).
  """
  a = rec.arrays
  seed = plotting.first_good_seed(rec) if seed is None else seed
  ax.plot(a["x"], a["targets"][seed], color="0.78", lw=1.8, label=r"target $\lambda(z)$",
          solid_capstyle="butt")
  snaps = a["prediction_steps"]
  colors = plt.cm.viridis(np.linspace(0, 0.85, max(len(snaps), 1)))
  for j, s in enumerate(snaps):
    ax.plot(a["x"], a["predictions"][seed, j], lw=0.9, color=colors[j],
            label=rf"$t={int(s)}$")
  ax.set_xlabel(r"input $z$")
  ax.set_ylabel(rf"$f(z)$ (seed {seed})")
  dz = a["x"][1] - a["x"][0] if a["x"].size > 1 else 0.0
  ax.set_xlim(a["x"][0], a["x"][-1] + dz)  # the periodic grid z_j = j/N covers [0, 1)
  return plotting.legend_above(ax) if legend else None


def panel_residual(ax, rec, max_freqs: int = 5, legend: bool = True):
  """Residual amplitude |r̃(k)|/A_k per k: measured (solid) vs NTK-at-init flow (dashed).

  Needs a record with the theory overlay (``:gd``).

  Raises:
    ValueError: the record has no kernel-flow prediction.
  """
  a = rec.arrays
  if "predicted_residual_amplitudes" not in a:
    raise ValueError("this record has no theory overlay (run the :gd variant)")
  ok = plotting.good_seeds(rec)
  meas = np.nanmean(a["residual_amplitudes"][ok], axis=0)
  pred = np.nanmean(a["predicted_residual_amplitudes"][ok], axis=0)
  freqs = a["freqs"]
  pick = np.unique(np.linspace(0, len(freqs) - 1, min(max_freqs, len(freqs))).round()
                   .astype(int))
  colors = plt.cm.viridis(np.linspace(0, 0.9, len(pick)))
  ax.plot([], [], color="k", label="measured")
  ax.plot([], [], color="k", ls="--", label="NTK at init")
  for c, j in zip(colors, pick):
    ax.plot(a["steps"], meas[:, j], color=c, label=rf"$k={int(freqs[j])}$")
    ax.plot(a["steps"], pred[:, j], color=c, ls="--")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel(r"residual amplitude $|\tilde r(k)|/A_k$")
  ax.set_xlim(a["steps"][0], a["steps"][-1])
  ax.set_ylim(bottom=0)
  return plotting.legend_above(ax, ncol=4 if len(pick) + 2 > 4 else None) if legend else None


def panel_regions(ax, rec, legend: bool = True):
  """Number of linear pieces of the net on [0, 1] over training (exact, `relu_geometry`):
  seed mean, with the range over seeds shaded.

  Raises:
    ValueError: the record has no geometry (``--config.geometry=False``).
  """
  a = _geometry(rec)
  ok = plotting.good_seeds(rec)
  v = a["num_regions"][ok].astype(np.float64)
  t = a["geometry_steps"]
  ax.fill_between(t, v.min(axis=0), v.max(axis=0), color="C0", alpha=0.2, lw=0,
                  label="range over seeds")
  ax.plot(t, v.mean(axis=0), color="C0", label="mean")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel(r"linear regions on $[0, 1]$")
  ax.set_xlim(t[0], t[-1])
  ax.set_ylim(bottom=0)
  return plotting.legend_above(ax) if legend else None


def panel_lipschitz(ax, rec, legend: bool = True):
  """True Lipschitz constant max|f'| on [0, 1] and the bound Π‖W_ℓ‖₂ over training (seed
  means, log scale).

  Raises:
    ValueError: the record has no geometry.
  """
  a = _geometry(rec)
  ok = plotting.good_seeds(rec)
  t = a["geometry_steps"]
  ax.plot(t, a["lipschitz"][ok].mean(axis=0), color="C3", label=r"true $\max|f'|$")
  ax.plot(t, a["lipschitz_bound"][ok].mean(axis=0), color="C3", ls="--",
          label=r"bound $\prod_\ell\|W_\ell\|_2$")
  ax.set_yscale("log")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel("Lipschitz constant")
  ax.set_xlim(t[0], t[-1])
  return plotting.legend_above(ax) if legend else None


def _geometry(rec):
  if "num_regions" not in rec.arrays:
    raise ValueError("this record has no geometry (it ran with --config.geometry=False)")
  return rec.arrays


def figure(rec, style: str = "paper"):
  """Exp 1 figure: (a) amplitudes, (b) loss, (c) spectral norms, (d) learned function,
  then linear regions and Lipschitz constants over training (records with geometry) and
  the residual vs the NTK-at-init flow (``:gd`` records only).

  Args:
    rec: a spectral_bias_1d record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  overlay = "predicted_residual_amplitudes" in rec.arrays
  geometry = "num_regions" in rec.arrays
  # Six grid columns: three panels of two columns in the first row; the learned function
  # across the second (half of it with the overlay's residual panel); the geometry in halves.
  mosaic = [["amp"] * 2 + ["loss"] * 2 + ["norm"] * 2,
            ["fn"] * 3 + ["res"] * 3 if overlay else ["fn"] * 6]
  if geometry:
    mosaic.append(["reg"] * 3 + ["lip"] * 3)
  heights = [1.15] + [1] * (len(mosaic) - 1)
  fig, axd = plotting.new_figure(style, mosaic, aspect=0.31 * len(mosaic),
                                 gridspec_kw={"width_ratios": [1.15, 1.15, 1, 1, 1, 1],
                                              "height_ratios": heights})
  with plotting.style(style):
    panel_amplitudes(axd["amp"], rec)
    panel_loss(axd["loss"], rec)
    panel_spectral_norms(axd["norm"], rec)
    panel_function(axd["fn"], rec)
    order = ["amp", "loss", "norm", "fn"]
    if geometry:
      panel_regions(axd["reg"], rec)
      panel_lipschitz(axd["lip"], rec)
      order += ["reg", "lip"]
    if overlay:
      panel_residual(axd["res"], rec)
      order.append("res")
    plotting.panel_letters([axd[k] for k in order])
  return plotting.finish_figure(fig)
