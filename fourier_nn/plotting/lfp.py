"""Linear F-Principle figure: learned function vs splines, residual dynamics vs the LFP."""
import matplotlib.pyplot as plt
import numpy as np


def figure(rec):
  """Four panels: final fit vs linear/cubic spline and LFP interpolant; residual at the
  data points (measured vs LFP); |(ĥ_p − f̂_p)(ξ)| (measured vs LFP); snapshots."""
  a, s = rec.arrays, rec.summary
  ok = ~a["diverged"].astype(bool)
  seed = int(np.flatnonzero(ok)[0]) if ok.any() else 0
  grid, x, y = a["grid"], a["x_train"], a["y_train"]
  steps = a["steps"]
  fig, axes = plt.subplots(1, 4, figsize=(17, 3.9))

  ax = axes[0]
  for i in np.flatnonzero(ok):
    if i != seed:
      ax.plot(grid, a["final_function"][i], color="k", lw=0.6, alpha=0.25)
  ax.plot(grid, a["final_function"][seed], color="k", lw=1.8, label="trained net")
  ax.plot(grid, a["linear_spline"][seed], color="tab:blue", ls="--", label="linear spline")
  ax.plot(grid, a["cubic_spline"][seed], color="tab:red", ls="--", label="cubic spline")
  ax.plot(grid, a["lfp_interpolant"][seed], color="tab:green", ls=":", lw=2,
          label="LFP interpolant")
  ax.plot(x, y, "o", color="k", ms=5, zorder=5, label="data")
  ax.set_xlabel("x")
  ax.set_title(f"{s['regime']} regime (ℓ = {s['crossover_length']:.3g}): L² distance to\n"
               f"linear {s['distance_to_linear_spline']:.3f}, cubic "
               f"{s['distance_to_cubic_spline']:.3f}, LFP {s['distance_to_lfp_interpolant']:.3f}",
               fontsize=8)
  ax.legend(frameon=False, fontsize=7)

  ax = axes[1]
  t = steps[1:]
  colors = plt.cm.viridis(np.linspace(0, 0.9, x.size))
  for j, c in enumerate(colors):
    ax.plot(t, a["residuals"][seed, 1:, j], color=c, lw=1.2)
    ax.plot(t, a["predicted_residuals_lfp"][seed, 1:, j], color=c, ls="--", lw=1)
  ax.set_xscale("log")
  ax.set_xlabel("GD step")
  ax.set_ylabel("h(x_j) − y_j")
  err = s["residual_rel_error_max"]["lfp"]
  ax.set_title(f"residual at the data: measured (—) vs LFP (--)\nmax rel. error {err:.3f}",
               fontsize=8)

  ax = axes[2]
  freqs = a["fourier_freqs"]
  colors = plt.cm.plasma(np.linspace(0, 0.85, freqs.size))
  for k, c in enumerate(colors):
    ax.plot(t, a["residual_fourier"][seed, 1:, k], color=c, label=f"ξ = {freqs[k]:g}")
    ax.plot(t, a["predicted_residual_fourier_lfp"][seed, 1:, k], color=c, ls="--")
  ax.set_xscale("log")
  ax.set_yscale("log")
  ax.set_xlabel("GD step")
  ax.set_ylabel("|(ĥ_p − f̂_p)(ξ)|")
  ax.set_title("Fourier transform of the sampled residual:\nmeasured (—) vs LFP (--)",
               fontsize=8)
  ax.legend(frameon=False, fontsize=7)

  ax = axes[3]
  snaps = a["snapshot_steps"]
  colors = plt.cm.cividis(np.linspace(0, 0.9, snaps.size))
  for p, c in enumerate(colors):
    ax.plot(grid, a["snapshot_functions"][seed, p], color=c, label=f"step {int(snaps[p])}")
    ax.plot(grid, a["predicted_snapshot_functions_lfp"][seed, p], color=c, ls="--")
  ax.plot(x, y, "o", color="k", ms=4)
  ax.set_xlabel("x")
  ax.set_title(f"learned function over training (seed {seed}):\nmeasured (—) vs LFP (--)",
               fontsize=8)
  ax.legend(frameon=False, fontsize=7)
  fig.tight_layout()
  return fig
