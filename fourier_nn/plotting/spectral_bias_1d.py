"""Exp 1 figure (Rahaman et al. 2019): heatmap, loss, spectral norms, snapshots."""
import matplotlib.pyplot as plt
import numpy as np


def amplitude_heatmap(ax, steps, freqs, amp_mean, title=""):
  """Heatmap of seed-mean normalised amplitude: iterations (y) × frequency k (x)."""
  im = ax.imshow(amp_mean, aspect="auto", origin="lower", cmap="inferno", vmin=0, vmax=1,
                 interpolation="nearest",
                 extent=(-0.5, len(freqs) - 0.5, steps[0], steps[-1]))
  ax.set_xticks(range(len(freqs)), [str(int(k)) for k in freqs])
  ax.set_xlabel("frequency k")
  ax.set_ylabel("training iteration")
  ax.set_title(title)
  ax.spines[:].set_visible(False)
  return im


def figure(rec):
  """Exp 1 figure: heatmap, loss, spectral norms, learned-function snapshots."""
  a = rec.arrays
  ok = ~a["diverged"].astype(bool)
  overlay = "predicted_residual_amplitudes" in a
  ncol = 5 if overlay else 4
  fig, axes = plt.subplots(1, ncol, figsize=(3.8 * ncol, 3.6),
                           gridspec_kw={"width_ratios": [1.2, 1, 1, 1.4] + [1.3] * overlay})
  amp_mean = np.nanmean(a["amplitudes"][ok], axis=0)
  im = amplitude_heatmap(axes[0], a["steps"], a["freqs"], amp_mean,
                         f"|f̃(k)|/A_k, mean of {ok.sum()} seeds ({rec.config['amplitudes']})")
  fig.colorbar(im, ax=axes[0], fraction=0.05)

  ax = axes[1]
  loss = a["loss"][ok]
  ax.semilogy(a["steps"], np.nanmean(loss, axis=0), color="k", label="mean")
  ax.fill_between(a["steps"], np.nanmin(loss, axis=0), np.nanmax(loss, axis=0), alpha=0.25,
                  color="k", label="min–max over seeds")
  ax.set_xlabel("training iteration"); ax.set_ylabel("MSE loss"); ax.legend(frameon=False)
  ax.set_title("training loss")

  ax = axes[2]
  sn = a["spectral_norms"][ok]  # [S, Ls, layers]
  for layer in range(sn.shape[-1]):
    m = np.nanmean(sn[:, :, layer], axis=0)
    ax.plot(a["spectral_norm_steps"], m, label=f"layer {layer + 1}")
  ax.set_xlabel("training iteration"); ax.set_ylabel("largest singular value")
  ax.set_title("spectral norm per layer"); ax.legend(frameon=False, fontsize=7, ncol=2)

  ax = axes[3]
  seed = int(np.flatnonzero(ok)[0]) if ok.any() else 0
  ax.plot(a["x"], a["targets"][seed], color="0.75", lw=2, label="target")
  for j, s in enumerate(a["prediction_steps"]):
    ax.plot(a["x"], a["predictions"][seed, j], lw=1, label=f"iter {int(s)}")
  ax.set_xlabel("z"); ax.set_title(f"learned function (seed {seed})")
  ax.legend(frameon=False, fontsize=7, loc="upper right")
  if overlay:
    ax = axes[4]
    meas = np.nanmean(a["residual_amplitudes"][ok], axis=0)
    pred = np.nanmean(a["predicted_residual_amplitudes"][ok], axis=0)
    freqs = a["freqs"]
    pick = np.unique(np.linspace(0, len(freqs) - 1, min(5, len(freqs))).round().astype(int))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(pick)))
    for c, j in zip(colors, pick):
      ax.plot(a["steps"], meas[:, j], color=c, label=f"k={int(freqs[j])}")
      ax.plot(a["steps"], pred[:, j], color=c, ls="--")
    ax.set_xlabel("training iteration"); ax.set_ylabel("|r̃(k)|/A_k")
    ax.set_title("residual: measured (—) vs NTK-at-init flow (--)")
    ax.legend(frameon=False, fontsize=7)
  fig.tight_layout()
  return fig
