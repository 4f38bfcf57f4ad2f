"""Basri et al. 2019 figure: iterations to converge vs frequency k, measured and predicted."""
import matplotlib.pyplot as plt
import numpy as np


def _fit_line(ax, fit, color, label):
  if not fit:
    return
  k = np.asarray(fit["freqs_used"], float)
  kk = np.linspace(k.min(), k.max(), 50)
  lo, hi = fit["ci95"]
  ax.plot(kk, np.exp(fit["intercept"]) * kk ** fit["p"], color=color, lw=1.2,
          label=f"{label} fit: p = {fit['p']:.2f} [{lo:.2f}, {hi:.2f}]")


def figure(rec):
  """Left: convergence iterations vs k (log-log), error bars = std over converged runs,
  non-converged k drawn at the cap; kernel-regime prediction and fitted power laws.
  Right: median training loss over runs against iterations for a few k."""
  a, s = rec.arrays, rec.summary
  freqs = a["freqs"].astype(float)
  stat = a[f"{s['fit_statistic']}_steps"]
  cap = s["cap_steps"]
  fig, axes = plt.subplots(1, 2, figsize=(11, 5.2))
  ax = axes[0]
  ok = np.isfinite(stat)
  ax.errorbar(freqs[ok], stat[ok], yerr=np.nan_to_num(a["std_steps"][ok]), fmt="o", ms=4,
              color="C0", capsize=2,
              label=f"measured ({s['fit_statistic']} of {s['num_runs']} runs)")
  partial = ok & (a["frac_converged"] < 1)
  if partial.any():
    ax.plot(freqs[partial], stat[partial], "o", mfc="none", mec="C3", ms=8,
            label="some runs not converged")
  never = ~ok
  if never.any():
    ax.plot(freqs[never], np.full(never.sum(), cap), "v", color="C3", ms=6,
            label=f"not converged within cap {cap}")
  pred = a["predicted_steps"]
  fin = np.isfinite(pred)
  if fin.any():
    ax.plot(freqs[fin], pred[fin], "s", mfc="none", color="C1", ms=5,
            label=f"NTK prediction ({s.get('prediction', 'closed form')})")
  else:
    ax.plot([], [], " ", label=f"NTK prediction: {s.get('prediction', 'none')}"
            + (": never within the horizon" if "empirical" in s.get("prediction", "") else ""))
  label_pred = "predicted" if s["model"] == "shallow" else "init-NTK flow"
  _fit_line(ax, s.get("fit_measured"), "C0", "measured")
  _fit_line(ax, s.get("fit_predicted"), "C1", label_pred)
  if s["model"] == "shallow" and "predicted_empirical_steps" in a:
    emp = a["predicted_empirical_steps"]
    fin = np.isfinite(emp)
    ax.plot(freqs[fin], emp[fin], "D", mfc="none", color="C2", ms=4,
            label="flow with init empirical NTK (u₀ included)" if fin.any() else
            "init-NTK flow: never converges"
            + (" (η·λ_max > 2)"
               if max(s.get("lr_s_lambda_max_init_ntk") or [0]) > 2 else ""))
    _fit_line(ax, s.get("fit_predicted_empirical"), "C2", "init-NTK flow")
  ax.set_xscale("log"); ax.set_yscale("log")
  ax.set_xlabel("frequency k"); ax.set_ylabel("iterations to converge")
  bias = "with bias" if s["bias"] else "no bias"
  title = (f"{s['model']} ({bias}), m={s['width']}" if s["model"] == "shallow"
           else f"{s['model']}, width {s['width']}")
  ax.set_title(f"{title}, {s['domain']}; paper p ∈ {s['paper_p_range']}", fontsize=8)
  ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.14))

  ax = axes[1]
  loss, pf, level = a["loss"], a["pair_freq"], a["level"]
  pick = np.unique(np.linspace(0, len(freqs) - 1, min(6, len(freqs))).round().astype(int))
  colors = plt.cm.viridis(np.linspace(0, 0.9, len(pick)))
  for c, j in zip(colors, pick):
    sel = pf == a["freqs"][j]
    ax.semilogy(a["steps"], np.nanmedian(loss[sel] / level[sel, None], axis=0), color=c,
                lw=1, label=f"k={int(a['freqs'][j])}")
  ax.axhline(1.0, color="k", ls=":", lw=1, label="threshold")
  ax.set_xlabel("iteration"); ax.set_ylabel("loss / threshold (median over runs)")
  ax.set_title(s["convergence_rule"], fontsize=8)
  ax.legend(frameon=False, fontsize=7, ncol=2)
  fig.tight_layout()
  return fig
