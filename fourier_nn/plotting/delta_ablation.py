"""A.5 figure (Rahaman et al. 2019): a δ fit by ReLU nets of several depths, widths, clips.

Panels (each ``panel_NAME(ax, rec, ablation, ...)`` draws onto a given Axes; ``ablation``
is "depth", "width" or "clip", one of ``rec.summary["ablations"]``):

  * `panel_spectrum` — heatmap of the seed-mean amplitude |f̃(k)| / (2/N) of one setting
    over training iterations t × frequency k (returns the image);
  * `panel_final_spectrum` — the final seed-mean amplitude per k, one line per setting;
  * `panel_regions` — the exact number of linear regions on [0, 1] over training;
  * `panel_lipschitz` — the true Lipschitz constant (solid) and the bound Π‖W_ℓ‖₂
    (dashed).

`figure` draws one row per ablation: a heatmap per setting, then regions and Lipschitz.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from fourier_nn import plotting

AMPLITUDE_LABEL = r"amplitude $|\tilde f(k)|\,/\,(2/N)$"
_NAMES = {"depth": "depth", "width": "width", "clip": "clip"}


def _label(rec, ablation: str, value) -> str:
  """'depth 4', 'width 64', 'clip 0.15' (depth = Dense layers, as the paper counts)."""
  v = float(value)
  text = f"{int(v)}" if v == round(v) and ablation != "clip" else f"{v:g}"
  return f"{_NAMES[ablation]} {text}"


def _ok(rec, ablation: str, p: int) -> np.ndarray:
  return np.flatnonzero(~np.asarray(rec.arrays[f"{ablation}/diverged"][p]).astype(bool))


def _colors(n: int):
  return plt.cm.viridis(np.linspace(0, 0.85, max(n, 1)))


def _check(rec, ablation: str) -> None:
  if f"{ablation}/values" not in rec.arrays:
    raise ValueError(f"this record has no {ablation!r} ablation; it has "
                     f"{rec.summary.get('ablations')}")


def panel_spectrum(ax, rec, ablation: str, index: int, colorbar: bool = True):
  """Seed-mean |f̃(k)|/(2/N) of setting ``index`` of ``ablation`` over iterations × k.

  Returns:
    The AxesImage (``im.colorbar`` is the colourbar when one was added). The colour scale
    is 0–1 (1 = the δ's amplitude); overshoot saturates, marked by the colourbar's arrow.
  """
  _check(rec, ablation)
  a = rec.arrays
  ok = _ok(rec, ablation, index)
  amp = a[f"{ablation}/amplitudes"][index]  # [S, L, K]
  mean = amp[ok].mean(axis=0) if ok.size else np.full(amp.shape[1:], np.nan)
  steps, freqs = np.asarray(a["steps"], float), np.asarray(a["freqs"], float)
  ds = 0.5 * (steps[1] - steps[0]) if steps.size > 1 else 0.5
  dk = 0.5 * (freqs[1] - freqs[0]) if freqs.size > 1 else 0.5
  im = ax.imshow(mean, aspect="auto", origin="lower", cmap="inferno", vmin=0, vmax=1,
                 interpolation="nearest",
                 extent=(freqs[0] - dk, freqs[-1] + dk, steps[0] - ds, steps[-1] + ds))
  ax.set_xlabel(r"frequency $k$")
  ax.set_ylabel(r"iteration $t$")
  ax.set_xticks(np.unique(np.round(np.linspace(freqs[0], freqs[-1], 3))))  # narrow panels
  ax.set_title(_label(rec, ablation, a[f"{ablation}/values"][index]))
  ax.spines[:].set_visible(False)
  if colorbar:
    over = bool(np.isfinite(mean).any() and np.nanmax(mean) > 1.0)
    cb = plotting.colorbar(im, ax, AMPLITUDE_LABEL, extend="max" if over else "neither")
    cb.set_ticks([0, 0.5, 1.0])
  return im


def _per_setting(ax, rec, ablation: str, key: str, steps_key: str, **kw):
  a = rec.arrays
  vals = a[f"{ablation}/values"]
  lines = []
  for p, c in enumerate(_colors(len(vals))):
    ok = _ok(rec, ablation, p)
    y = np.asarray(a[f"{ablation}/{key}"][p][ok], float)
    if not ok.size:
      continue
    (line,) = ax.plot(a[steps_key], y.mean(axis=0), color=c,
                      label=_label(rec, ablation, vals[p]), **kw)
    if ok.size > 1 and not kw.get("ls"):
      ax.fill_between(a[steps_key], y.min(axis=0), y.max(axis=0), color=c, alpha=0.2, lw=0)
    lines.append(line)
  return lines


def panel_regions(ax, rec, ablation: str, legend: bool = True):
  """Number of linear regions of the net on [0, 1] over training: seed mean (line) and
  min–max over seeds (band), one colour per setting.

  Returns:
    The legend (None without one).
  """
  _check(rec, ablation)
  _per_setting(ax, rec, ablation, "num_regions", "geometry_steps")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel("linear regions")
  ax.set_ylim(bottom=0)
  return plotting.legend_above(ax, ncol=2) if legend else None


def panel_lipschitz(ax, rec, ablation: str, legend: bool = True):
  """True Lipschitz constant max|f′| (solid, seed mean and min–max band) and the bound
  Π_ℓ‖W_ℓ‖₂ (dashed) over training, one colour per setting; log scale.

  Returns:
    The legend (None without one).
  """
  _check(rec, ablation)
  _per_setting(ax, rec, ablation, "lipschitz", "geometry_steps")
  _per_setting(ax, rec, ablation, "lipschitz_bound", "geometry_steps", ls="--")
  ax.set_yscale("log")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel(r"Lipschitz: true, $\prod_\ell\|W_\ell\|_2$ (- -)")
  if not legend:
    return None
  handles = [ax.lines[i] for i in range(len(ax.lines) // 2)]
  return plotting.legend_above(ax, ncol=2, handles=handles,
                               labels=[h.get_label() for h in handles])


def panel_final_spectrum(ax, rec, ablation: str, legend: bool = True):
  """Final seed-mean |f̃(k)|/(2/N) against k, one line per setting (1 = the δ).

  Returns:
    The legend (None without one).
  """
  _check(rec, ablation)
  a = rec.arrays
  vals = a[f"{ablation}/values"]
  for p, c in enumerate(_colors(len(vals))):
    ok = _ok(rec, ablation, p)
    if ok.size:
      ax.plot(a["freqs"], a[f"{ablation}/amplitudes"][p][ok][:, -1].mean(axis=0), color=c,
              label=_label(rec, ablation, vals[p]))
  ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
  ax.set_xlabel(r"frequency $k$")
  ax.set_ylabel(AMPLITUDE_LABEL + rf" at $t={int(a['steps'][-1])}$")
  ax.set_ylim(bottom=0)
  return plotting.legend_above(ax, ncol=2) if legend else None


def figure(rec, style: str = "paper"):
  """A.5 figure: per ablation (one row each) a spectrum heatmap per setting, the region
  count and the Lipschitz constant over training.

  Args:
    rec: a delta_ablation record.
    style: ``"paper"`` (7.0 in wide) or ``"screen"`` (`plotting.style_rc`).
  """
  ablations = list(rec.summary.get("ablations") or
                   [k for k in ("depth", "width", "clip") if f"{k}/values" in rec.arrays])
  P = max(len(rec.arrays[f"{k}/values"]) for k in ablations)
  mosaic = [[f"{k}/{p}" if p < len(rec.arrays[f"{k}/values"]) else "." for p in range(P)]
            + [f"{k}/regions", f"{k}/lipschitz"] for k in ablations]
  fig, axd = plotting.new_figure(style, mosaic, aspect=0.36 * len(ablations),
                                 gridspec_kw={"width_ratios": [1] * P + [1.3, 1.3]})
  order = []
  with plotting.style(style):
    for k in ablations:
      n = len(rec.arrays[f"{k}/values"])
      for p in range(n):
        panel_spectrum(axd[f"{k}/{p}"], rec, k, p, colorbar=p == n - 1)
        order.append(axd[f"{k}/{p}"])
      panel_regions(axd[f"{k}/regions"], rec, k)
      panel_lipschitz(axd[f"{k}/lipschitz"], rec, k, legend=False)
      order += [axd[f"{k}/regions"], axd[f"{k}/lipschitz"]]
    plotting.panel_letters(order)
  return plotting.finish_figure(fig)
