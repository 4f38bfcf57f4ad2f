"""Cao et al. 2019 figure: |v_kᵀ(y − ŷ)| per degree over GD, measured vs NTK predictions."""
import matplotlib.pyplot as plt
import numpy as np


def figure(rec):
  """Left: log |v_kᵀr_t| vs iteration per degree k — measured (solid: seed mean, band:
  min–max over seeds), closed-form (1 − ηcμ_k)^t (dashed), empirical-NTK-at-init flow
  (dotted). Right: fitted early-phase log-rates per degree, measured (mean ± 95 % CI over
  seeds) vs both predictions."""
  a, s = rec.arrays, rec.summary
  ok = ~a["diverged"].astype(bool)
  steps = a["steps"]
  degrees = a["degrees"]
  fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
  ax = axes[0]
  colors = plt.cm.viridis(np.linspace(0, 0.85, len(degrees)))
  meas = np.abs(a["proj"][ok])  # [S', L, K]
  for j, (k, c) in enumerate(zip(degrees, colors)):
    ax.plot(steps, meas[:, :, j].mean(0), color=c, lw=1.6, label=f"k = {int(k)} measured")
    ax.fill_between(steps, meas[:, :, j].min(0), meas[:, :, j].max(0), color=c, alpha=0.2,
                    lw=0)
    ax.plot(steps, np.abs(a["pred_closed_form"][ok][:, :, j]).mean(0), color=c, ls="--",
            lw=1.1)
    ax.plot(steps, np.abs(a["pred_empirical_ntk"][ok][:, :, j]).mean(0), color=c, ls=":",
            lw=1.4)
  ax.plot([], [], color="k", ls="--", label="closed form (1 − ηcμ_k)^t")
  ax.plot([], [], color="k", ls=":", label="empirical NTK at init")
  ax.set_yscale("log")
  ax.set_xscale("symlog", linthresh=10)
  ax.set_xlim(0, steps[-1])
  lo = max(np.nanmin(meas[meas > 0]) if np.any(meas > 0) else 1e-6,
           1e-4 * np.nanmax(meas))
  ax.set_ylim(lo, 2 * np.nanmax(meas))
  ax.set_xlabel("GD iteration")
  ax.set_ylabel("|v_kᵀ(y − ŷ)|")
  amps = ", ".join(f"{x:g}" for x in a["amplitudes"])
  ax.set_title(f"{s['inputs']} inputs on S^{s['dim'] - 1}, n = {s['num_points']}, "
               f"m = {s['width']}, a = ({amps}), η = {s['lr']:g}, {int(ok.sum())} seeds",
               fontsize=8)
  ax.legend(frameon=False, fontsize=7, loc="lower left")

  ax = axes[1]
  rows = s["per_degree"]
  x = np.arange(len(rows))
  rm = np.array([r["rate_measured"] if r["rate_measured"] is not None else np.nan
                 for r in rows], float)
  ci = np.array([[np.nan, np.nan] if r["rate_measured_ci95"][0] is None
                 else r["rate_measured_ci95"] for r in rows], float)
  err = np.abs(np.stack([rm - ci[:, 0], ci[:, 1] - rm]))
  ax.errorbar(x, rm, yerr=np.nan_to_num(err), fmt="o", color="k", capsize=3,
              label="measured (95 % CI)")
  ax.plot(x, [r["rate_empirical_ntk"] for r in rows], "s", mfc="none", color="C0", ms=7,
          label="empirical NTK flow")
  ax.plot(x, [r["rate_closed_form"] for r in rows], "D", mfc="none", color="C3", ms=6,
          label="closed form −log|1 − ηcμ_k|")
  ax.set_yscale("log")
  ax.set_xticks(x, [f"k = {r['degree']}" for r in rows])
  ax.set_ylabel("log-rate per step (early phase)")
  order = "as expected" if s["order_as_expected"] else "NOT as expected"
  title = f"order by 10 % step: {s['order_measured']} ({order})"
  rises = s.get("loss_increase_count_per_seed")
  if rises is not None and max(rises) > 0:
    title += f"\nGD left the stable regime: loss rose at {rises} logged steps"
  ax.set_title(title, fontsize=8)
  ax.legend(frameon=False, fontsize=7)
  fig.tight_layout()
  return fig
