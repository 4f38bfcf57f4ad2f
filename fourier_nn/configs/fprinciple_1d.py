r"""F-Principle in 1-D (Xu, Zhang, Luo et al.): the relative error Δ_F at the peaks of the
target's DFT falls below 0.1 in order of increasing frequency.

Default = the authors' newest script, ``f_principle.py`` (xuzhiqin1990/F-Principle, branch
``main``, read for every setting below): y = sin x + 2 sin 3x + 3 sin 5x on
x = linspace(−5, 5, 101); tanh MLP 1-200-200-200-100-1 with Keras' Dense defaults
(Glorot-uniform weights, zero biases, the readout too); MSE (Keras "mse", mean); Adam lr
2e-4 (Keras: β = (0.9, 0.999), ε = 1e-7 — Keras' "ε-hat" placement differs from optax's
by ε/√(1−β₂ᵗ), immaterial at these gradient sizes); full batch (``batch_size=101``);
3 000 epochs = 3 000 steps. Peaks: local maxima of |DFT(y)|/n among the first 40 bins
(``SelectPeakIndex(..., endpoint=False)``), the first 4 of them — on this grid there are
only three, bins 2, 5, 8 (ω = 2πk/(n·Δx) = 1.24, 3.11, 4.98 rad per unit x). Δ_F is the
authors' magnitude form ||ĥ_k| − |ŷ_k|| / (1e-5 + |ŷ_k|) with the raw (unnormalised) DFT
as they compute it, after every epoch (``validation_data`` = the training set); the record
also has step 0 and the slides' complex form |ĥ_k − ŷ_k| / |ŷ_k| (both kinds are always
recorded; ``delta_f`` picks the one ``delta_f`` / the summary use). Heatmap vmin 0.1.

Variants (``:a,b``):
  * ``slides`` — the net of the slides, tanh 200-100-100-50, and their complex Δ_F;
    otherwise as the default.
  * ``older`` — the authors' older ``main_1d_20190924.py`` (branch ``master``):
    y = sin x + sin 4x on linspace(−10, 10, 61); W, b ~ N(0, 0.05²) (TF1
    ``random_normal_initializer``); Adam lr 2e-5 (TF1: ε = 1e-8); peaks among the first
    20 bins (all of them: bins 3 and 13). Their script runs until the loss is < 3e-3
    (up to 600 000 steps); here 30 000 steps (a project choice, see "Measured").
  * ``quick`` — 3 seeds, Δ_F every 10 steps (the same 3 000 steps).
  * ``tiny`` — tests: y = sin x + 2 sin 3x on 64 points of [−π, π] (peaks at bins 1 and
    3), 2 seeds, tanh 32-32, lr 1e-2, 400 steps, Δ_F every 5 steps, peaks below bin 20.
    (A tanh 32-32 net does not fit the default target's 3 sin 5x in a few hundred steps.)

Command (5 seeds, one program over seeds):

  python scripts/fprinciple_1d.py --config=fourier_nn/configs/fprinciple_1d.py \
      --workdir=runs/fprinciple_1d
  python scripts/plot.py --workdir=runs/fprinciple_1d

Expected (slides, authors' hot.png): Δ_F falls below 0.1 at bin 2 first, then 5, then 8.

Measured (2-core CPU at load 10–18; WORKSPACE.md rows F1, F1s): first step with Δ_F < 0.1
at bins 2 / 5 / 8, range over 5 seeds (mean): default 36–73 (58) / 563–663 (611) /
844–998 (903), every seed in order; ``slides`` 49–120 (79) / 536–717 (645) / 872–1 271
(1 036), every seed in order. The magnitude and complex forms cross at the same steps here
(the net's phases at the peaks are right by the time the magnitudes are).

Runtime (same load): default 527 s, ``slides`` 303 s, ``tiny`` ~40 s, ``older`` (3 seeds)
~20 min.
"""
import math

import ml_collections

from fourier_nn.configs import parse_variants

VARIANTS = ("code", "slides", "older", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "fprinciple_1d", VARIANTS, default="code")

  c = ml_collections.ConfigDict()
  c.seed = 0
  c.num_seeds = 5
  c.x_start = -5.0
  c.x_end = 5.0
  c.num_points = 101
  c.terms = ((1.0, 1.0), (2.0, 3.0), (3.0, 5.0))  # (amplitude, angular frequency ω)

  c.model = ml_collections.ConfigDict()
  c.model.widths = (200, 200, 200, 100)
  c.model.activation = "tanh"
  c.model.init = "glorot_uniform"  # Keras Dense default: Glorot-uniform W, zero b
  c.model.w_std = 0.05  # init="normal" only
  c.model.b_std = 0.05

  c.optimizer = "adam"
  c.lr = 2e-4
  c.b1 = 0.9
  c.b2 = 0.999
  c.eps = 1e-7  # Keras' Adam default

  c.num_steps = 3_000
  c.log_every = 1  # Δ_F after every epoch, as the authors
  c.chunk_logs = 0  # 0 = automatic (~5 % of the run per compiled chunk)
  c.checkpoint_every = 5  # chunks

  c.max_bin = 40  # peaks among DFT bins 0 … max_bin − 1
  c.num_peaks = 4  # the first num_peaks peaks (fewer if the spectrum has fewer)
  c.delta_f = "magnitude"  # "magnitude" (authors' code) | "complex" (slides)
  c.threshold = 0.1  # Δ_F "converged" below this (the heatmap's vmin)
  c.snapshot_steps = (0, 100, 500, 3_000)  # prediction spectra shown in the figure

  for v in variants:
    if v == "slides":
      c.model.widths = (200, 100, 100, 50)
      c.delta_f = "complex"
    elif v == "older":
      c.x_start, c.x_end, c.num_points = -10.0, 10.0, 61
      c.terms = ((1.0, 1.0), (1.0, 4.0))
      c.model.init = "normal"
      c.lr = 2e-5
      c.eps = 1e-8
      c.max_bin = 20
      c.num_peaks = 20
      c.num_steps = 30_000
      c.log_every = 10
      c.snapshot_steps = (0, 1_000, 5_000, 30_000)
    elif v == "quick":
      c.num_seeds = 3
      c.log_every = 10
    elif v == "tiny":
      c.num_seeds = 2
      c.x_start, c.x_end, c.num_points = -math.pi, math.pi, 64
      c.terms = ((1.0, 1.0), (2.0, 3.0))
      c.model.widths = (32, 32)
      c.lr = 1e-2
      c.max_bin = 20
      c.num_steps = 400
      c.log_every = 5
      c.snapshot_steps = (0, 50, 400)
  return c
