"""Exp 4 figures (Rahaman et al. 2019, Fig 5, 6, 13): the net's generalised spectrum in
the eigenvectors of an RBF kernel on the data, over training.

Panels (each ``panel_NAME(ax, rec, **kw)`` draws onto a given Axes):

  * `panel_spectrum` — binned |f̃| of the net (seed mean) at the snapshot steps, with the
    noised and the clean target's, for one noise kind;
  * `panel_relative` — the same divided by the noised target's binned |f̃| (1 = fitted);
  * `panel_loss` — validation MSE against τ₀ (solid) and training MSE against τ (dotted)
    per noise kind, seed mean;
  * `panel_eigenvectors` — the sanity figure: the first RBF eigenvectors on uniform points
    of [0, 1], with their numbers of sign changes.

`figure` composes one spectrum and one relative panel per noise kind, the losses and the
eigenvectors, with panel letters.
"""
from __future__ import annotations

import numpy as np

from fourier_nn import plotting
from fourier_nn.theory import rbf_spectrum


def _ok(rec, i):
  return ~np.asarray(rec.arrays["diverged"]).astype(bool)[i]


def _snapshots(rec):
  a = rec.arrays
  steps = a["steps"]
  return [(int(np.flatnonzero(steps == s)[0]), int(s)) for s in a["snapshot_steps"]
          if np.any(steps == s)]


def _bin_centres(rec):
  e = rec.arrays["bin_edges"]
  return 0.5 * (e[:-1] + e[1:] - 1)


def _binned(rec, spec):
  return rbf_spectrum.bin_mean(np.abs(spec), len(rec.arrays["bin_edges"]) - 1)


def _greys(n):
  import matplotlib.pyplot as plt
  return plt.get_cmap("cividis")(np.linspace(0.0, 0.85, max(n, 1)))


def panel_spectrum(ax, rec, noise_index: int = 0, relative: bool = False,
                   legend: bool = True):
  """Binned |f̃| of the net at the snapshot steps (seed mean) and of the targets."""
  a = rec.arrays
  ok = _ok(rec, noise_index)
  x = _bin_centres(rec)
  target = _binned(rec, a["target_spectrum"][noise_index][ok]).mean(axis=0)
  norm = target if relative else 1.0
  snaps = _snapshots(rec)
  for (j, s), c in zip(snaps, _greys(len(snaps))):
    ax.plot(x, a["net_spectrum"][noise_index][ok][:, j].mean(axis=0) / norm, color=c,
            label=f"net, $t = {s}$")
  if not relative:
    ax.plot(x, target, color="#c8553d", lw=1.4, label="noised target")
    ax.plot(x, _binned(rec, a["clean_spectrum"]), color="#3b6fb6", lw=1.4,
            label="clean target")
  else:
    ax.axhline(1.0, color="0.5", lw=0.6)
  noise = rec.summary.get("noises", ["?"] * (noise_index + 1))[noise_index]
  ax.set_title(f"{noise} noise")
  ax.set_xlabel("eigenvector index $n$ (bin centre)")
  ax.set_ylabel("net / target (binned)" if relative else r"binned $|\tilde f[n]|$")
  ax.set_xlim(x[0], x[-1])
  return plotting.legend_right(ax) if legend else None


def panel_relative(ax, rec, noise_index: int = 0, legend: bool = False):
  """`panel_spectrum` divided by the noised target's binned |f̃|."""
  return panel_spectrum(ax, rec, noise_index, relative=True, legend=legend)


def panel_loss(ax, rec, legend: bool = True):
  """Validation MSE against τ₀ (solid) and training MSE against τ (dotted), seed mean."""
  a, s = rec.arrays, rec.summary
  cols = ("#3b6fb6", "#c8553d", "#5b8c5a")
  for i, kind in enumerate(s.get("noises", [])):
    ok = _ok(rec, i)
    if not ok.any():
      continue
    c = cols[i % len(cols)]
    ax.semilogy(a["steps"], a["val_loss"][i][ok].mean(axis=0), color=c,
                label=f"{kind}: validation")
    ax.semilogy(a["steps"], a["train_loss"][i][ok].mean(axis=0), color=c, ls=":",
                label=f"{kind}: training")
  ax.set_xlabel(r"training iteration $t$")
  ax.set_ylabel("MSE")
  ax.set_xlim(a["steps"][0], a["steps"][-1])
  plotting.plain_log_ticks(ax)
  return plotting.legend_right(ax) if legend else None


def panel_eigenvectors(ax, rec, legend: bool = True):
  """The first RBF eigenvectors on uniform points of [0, 1] (paper Fig 6)."""
  a = rec.arrays
  V = a["sanity_eigvecs"]
  import matplotlib.pyplot as plt
  cols = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, V.shape[1]))
  for n in range(V.shape[1]):
    ax.plot(a["sanity_x"], V[:, n], color=cols[n], marker=".",
            label=f"$v_{{{n + 1}}}$ ({int(a['sanity_sign_changes'][n])} sign changes)")
  ax.set_xlabel("$x$")
  ax.set_ylabel("eigenvector entry")
  return plotting.legend_right(ax) if legend else None


def figure(rec, style: str = "paper"):
  """(a, b, …) spectrum and relative spectrum per noise kind, then losses, eigenvectors."""
  kinds = rec.summary.get("noises", [])
  rows = [[f"s{i}", f"r{i}"] for i in range(len(kinds))] + [["loss", "eig"]]
  fig, axd = plotting.new_figure(style, rows, aspect=0.4 * len(rows))
  with plotting.style(style):
    order = []
    for i in range(len(kinds)):
      panel_spectrum(axd[f"s{i}"], rec, i)
      panel_relative(axd[f"r{i}"], rec, i)
      order += [f"s{i}", f"r{i}"]
    panel_loss(axd["loss"], rec)
    panel_eigenvectors(axd["eig"], rec)
    plotting.panel_letters([axd[k] for k in order + ["loss", "eig"]])
  return plotting.finish_figure(fig)
