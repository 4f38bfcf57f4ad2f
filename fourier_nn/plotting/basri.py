"""Basri et al. 2019 figure: iterations to converge vs frequency k, measured and predicted.

Draws both studies of `fourier_nn.experiments.basri`: ``ntk_circle`` (S¹) and
``basri_sphere`` (S²). Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_convergence` — iterations to converge vs k (log–log): measured (error bars:
    std over converged runs), non-converged k at the cap, the kernel-regime prediction,
    fitted power laws t ∝ k^p and the paper's range of p;
  * `panel_loss_curves` — median training loss over runs, relative to the convergence
    threshold, against iterations for a few k.
"""
from __future__ import annotations

import warnings

import matplotlib.lines as mlines
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from fourier_nn import plotting

DOMAIN_TEX = {"circle": r"$S^1$", "sphere": r"$S^2$"}


def _fit_line(ax, fit, color, label, ls="-"):
  if not fit:
    return
  k = np.asarray(fit["freqs_used"], float)
  kk = np.geomspace(k.min(), k.max(), 50)
  lo, hi = fit["ci95"]
  ax.plot(kk, np.exp(fit["intercept"]) * kk ** fit["p"], color=color, lw=1.0, ls=ls,
          label=rf"{label}: $p={fit['p']:.2f}$ $[{lo:.2f}, {hi:.2f}]$")


def describe(rec) -> str:
  """One line naming the net and the domain, e.g. ``shallow, bias, m = 2000, on S²``."""
  s = rec.summary
  dom = DOMAIN_TEX.get(s["domain"], s["domain"])
  if s["model"] == "shallow":
    bias = "with bias" if s["bias"] else "no bias"
    return rf"two-layer ReLU ({bias}), $m={s['width']}$, on {dom}"
  depth = (rec.config.get("model") or {}).get("depth")
  shape = rf"${depth}\times{s['width']}$" if depth else f"width {s['width']}"
  return rf"{s['model']} ReLU net ({shape}), on {dom}"


def panel_convergence(ax, rec, legend: str | None = "below", title: bool = True):
  """Iterations to converge vs frequency k (log–log), measured and predicted.

  Args:
    ax: the Axes.
    rec: an ``ntk_circle`` or ``basri_sphere`` record.
    legend: ``"below"`` (under the x label), ``"right"``, or None (no legend; the handles
      and labels are returned for the caller's own).
    title: title the panel with the net and the domain (`describe`).

  Returns:
    The legend, or (handles, labels) with ``legend=None``.
  """
  a, s = rec.arrays, rec.summary
  freqs = a["freqs"].astype(float)
  stat = a[f"{s['fit_statistic']}_steps"]
  cap = s["cap_steps"]
  ok = np.isfinite(stat)
  ax.errorbar(freqs[ok], stat[ok], yerr=np.nan_to_num(a["std_steps"][ok]), fmt="o",
              color="C0", capsize=2, elinewidth=0.8, zorder=3,
              label=f"measured ({s['fit_statistic']} of {s['num_runs']} "
                    f"run{'s' * (s['num_runs'] != 1)})")
  partial = ok & (a["frac_converged"] < 1)
  if partial.any():
    ax.plot(freqs[partial], stat[partial], "o", mfc="none", mec="C3", ms=7,
            label="some runs not converged")
  never = ~ok
  if never.any():
    ax.plot(freqs[never], np.full(never.sum(), cap), "v", color="C3",
            label=f"not converged by the cap ({plotting.tex_number(cap)})", clip_on=False, zorder=3)
  pred = np.asarray(a["predicted_steps"], float)
  what = s.get("prediction", "")
  fin = np.isfinite(pred)
  pred_label = (r"NTK eigenvalues (closed form, $u_0$ included)" if s["model"] == "shallow"
                else "NTK-at-init flow")
  if fin.any():
    ax.plot(freqs[fin], pred[fin], "s", mfc="none", color="C1", label=pred_label, zorder=2)
  beyond = np.isinf(pred)
  horizon = rec.config.get("predict_max_steps")
  if beyond.any():
    ax.plot(freqs[beyond], np.full(beyond.sum(), 1.0), "^", mfc="none", color="C1",
            transform=ax.get_xaxis_transform(), clip_on=False,
            label=f"{pred_label} $>${plotting.tex_number(horizon)} iterations" if horizon
            else f"{pred_label}: never")
  if not fin.any() and not beyond.any():
    ax.plot([], [], " ", label=f"no kernel prediction ({what or 'none'})")
  _fit_line(ax, s.get("fit_measured"), "C0", "fit to measured")
  _fit_line(ax, s.get("fit_predicted"), "C1", "fit to prediction", ls="--")
  if s["model"] == "shallow" and "predicted_empirical_steps" in a:
    emp = np.asarray(a["predicted_empirical_steps"], float)
    fe = np.isfinite(emp)
    if fe.any():
      ax.plot(freqs[fe], emp[fe], "D", mfc="none", color="C2", ms=3,
              label=r"NTK-at-init flow ($u_0$ included)")
    else:
      unstable = max(s.get("lr_s_lambda_max_init_ntk") or [0]) > 2
      ax.plot([], [], " ", label="NTK-at-init flow: never converges"
              + (r" ($\eta\lambda_{\max}>2$)" if unstable else ""))
    _fit_line(ax, s.get("fit_predicted_empirical"), "C2", "fit to the flow", ls=":")
  lo, hi = s["paper_p_range"]
  ax.plot([], [], " ", label=rf"paper: $p\in[{lo:g}, {hi:g}]$")
  ax.set_xscale("log")
  ax.set_yscale("log")
  _integer_log_ticks(ax, a["freqs"])
  ax.set_xlabel(r"frequency $k$")
  ax.set_ylabel(r"iterations to converge $t_k$")
  if title:
    ax.set_title(describe(rec))
  handles, labels = ax.get_legend_handles_labels()
  # Measured first (errorbar containers come last from get_legend_handles_labels).
  order = sorted(range(len(labels)), key=lambda i: not labels[i].startswith("measured"))
  handles, labels = [handles[i] for i in order], [labels[i] for i in order]
  if legend == "below":
    return plotting.legend_below(ax, ncol=2, offset=0.17, handles=handles, labels=labels)
  if legend == "right":
    return plotting.legend_right(ax, handles=handles, labels=labels)
  return handles, labels


def _integer_log_ticks(ax, freqs):
  """Plain integer ticks at 1, 2, 4, 8, ... (or at the k themselves) on a log k axis."""
  freqs = np.asarray(freqs)
  lo, hi = freqs.min(), freqs.max()
  ticks = [t for t in (1, 2, 3, 5, 10, 20, 30, 50, 100) if lo <= t <= hi]
  if len(ticks) < 3:
    ticks = sorted(set(freqs.tolist()))
  ax.set_xticks(ticks, [str(int(t)) for t in ticks])
  ax.xaxis.set_minor_formatter(plt.NullFormatter())


LOSS_TEX = {"sum_half": r"$\frac{1}{2}\|y-u\|^2$", "mse": "MSE", "cross_entropy": "cross-entropy"}


def convergence_rule(rec) -> str:
  """The convergence rule in words and mathtext, e.g. ``MSE < 0.05 × MSE at u = 0``."""
  c = rec.config
  if not all(k in c for k in ("loss", "threshold", "threshold_mode")):
    return rec.summary.get("convergence_rule", "").replace("_", " ")
  name = LOSS_TEX.get(c["loss"], c["loss"])
  if c["threshold_mode"] == "absolute":
    return f"converged: {name} $< {c['threshold']:g}$"
  return rf"converged: {name} $< {c['threshold']:g}\times$ {name} at $u=0$"


def panel_loss_curves(ax, rec, max_freqs: int = 6, legend: bool = True):
  """Median over runs of loss / threshold against iterations for up to ``max_freqs`` k.

  The dotted line at 1 is the convergence threshold (`summary["convergence_rule"]`).

  Returns:
    The legend (None without one).
  """
  a, s = rec.arrays, rec.summary
  freqs = a["freqs"]
  loss, pf, level = a["loss"], a["pair_freq"], a["level"]
  pick = np.unique(np.linspace(0, len(freqs) - 1, min(max_freqs, len(freqs))).round()
                   .astype(int))
  colors = plt.cm.viridis(np.linspace(0, 0.9, len(pick)))
  handles = []
  for c, j in zip(colors, pick):
    sel = pf == freqs[j]
    with np.errstate(all="ignore"), warnings.catch_warnings():
      warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: every run of k stopped
      curve = np.nanmedian(loss[sel] / level[sel, None], axis=0)
    (h,) = ax.semilogy(a["steps"], curve, color=c, label=rf"$k={int(freqs[j])}$")
    handles.append(h)
  ax.axhline(1.0, color="k", ls=":", lw=0.8)
  handles.append(mlines.Line2D([], [], color="k", ls=":", lw=0.8, label="threshold"))
  ax.set_xlabel(r"iteration $t$")
  ax.set_ylabel(r"loss / threshold, $\mathcal{L}_t/\mathcal{L}_{\mathrm{thr}}$")
  ax.set_xlim(a["steps"][0], a["steps"][-1])
  ax.xaxis.set_major_locator(mticker.MaxNLocator(5))
  if not legend:
    return None
  return plotting.legend_right(ax, handles=handles, labels=[h.get_label() for h in handles],
                               title="median of runs")


def figure(rec, style: str = "paper"):
  """(a) iterations to converge vs k; (b) loss / threshold over training for a few k.

  Args:
    rec: an ``ntk_circle`` or ``basri_sphere`` record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  fig, axd = plotting.new_figure(style, [["conv", "loss"]], aspect=0.46,
                                 gridspec_kw={"width_ratios": [1.1, 1]})
  with plotting.style(style):
    handles, labels = panel_convergence(axd["conv"], rec, legend=None)
    fig.legend(handles, labels, loc="outside lower center", ncol=3, columnspacing=1.2)
    panel_loss_curves(axd["loss"], rec)
    axd["loss"].set_title(convergence_rule(rec))
    plotting.panel_letters([axd["conv"], axd["loss"]])
  return plotting.finish_figure(fig)
