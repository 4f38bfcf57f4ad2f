r"""Rahaman et al. 2019, Exp 2: robustness of the learned frequencies to parameter noise.

Train as Exp 1 (``train``: a `spectral_bias_1d` config — k = 5, 10, …, 50, A_k = 1, random
phases per model, N = 200 grid, 6×256 ReLU MLP with PyTorch init, Adam 3e-4) to θ*, or
take the trained nets of an existing spectral_bias_1d record (``from_workdir``). Then
θ = θ* + δ·θ̂, θ̂ ~ N(0, 1) over every weight and bias, normalised jointly to unit L2 norm
(`models.perturb`); δ on ``linspace(0, delta_max, num_deltas)``; ``num_draws`` draws per δ;
the mean over draws of |f̃(k)| of the perturbed net on the grid, divided by the trained
net's own |f̃*(k)|, averaged over models.

Command (paper settings: 5 models, 80 000 steps, 100 δ × 100 draws = 50 000 perturbed
nets; on an idle 2-core CPU an estimated ~25 min of training and ~18 min of perturbations
at the ~47 nets/s measured there — the N(0, 1) draws of 264 k parameters per net dominate):

  python scripts/robustness.py --config=fourier_nn/configs/robustness.py \
      --workdir=runs/exp2
  python scripts/plot.py --workdir=runs/exp2

  # the nets of an Exp 1 record with equal amplitudes instead of training:
  python scripts/robustness.py --config=fourier_nn/configs/robustness.py \
      --config.from_workdir=runs/exp1_equal --workdir=runs/exp2_from_exp1

Variants (``:a,b``): ``code`` (authors' notebook: 60 000 steps, δ = linspace(0, 5.001,
100)), ``quick`` (demo: 5 models, 4 000 steps at lr 1e-3, 30 δ up to 5 × 30 draws; 13 min
measured on the 2-core box shared at load ~10 (592 s training, 170 s perturbations),
~3–4 min estimated idle), ``tiny`` (tests: 2 nets of width 32, 60 steps, 5 δ × 4 draws).

Expected: the ratio starts at 1 for every k (δ = 0 is θ*) and falls with δ, the high
frequencies at smaller δ: δ_½(k) (``summary["first_delta_mean_ratio_below_0.5"]``)
decreases with k. Measured (quick): k ≤ 20 stay above 0.5 up to δ = 5 (k = 5 at ≈ 1.1);
δ_½ over models = 4.27 ± 0.19 (k = 25, 4 of 5 models), 4.03 ± 0.23 (30), 3.62 ± 0.31
(35), 2.93 ± 0.37 (45, 4 of 5), 2.28 ± 0.35 (50); k = 40, learned least (amplitude
0.09–0.5), is the exception (3 of 5 models, 3.56 ± 0.45).
"""
import ml_collections

from fourier_nn.configs import parse_variants

from fourier_nn.configs import spectral_bias_1d

VARIANTS = ("paper", "code", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "robustness", VARIANTS, default="paper")

  c = ml_collections.ConfigDict()
  c.seed = 0  # the perturbation draws; the nets and phases follow train.seed
  # Exp 1's training, verbatim (spectral_bias_1d keys; `spectral_bias_1d.validate`).
  c.train = spectral_bias_1d.get_config("paper")
  c.train.num_seeds = 5  # trained models
  c.train.snapshot_steps = ()
  c.from_workdir = ""  # a spectral_bias_1d record: take its trained nets, skip training

  c.delta_max = 5.0
  c.num_deltas = 100  # δ = linspace(0, delta_max, num_deltas)
  c.num_draws = 100  # random directions θ̂ per (model, δ)
  # Perturbed nets evaluated at once (one compiled lax.map over fixed-size chunks of all
  # model × δ × draw); memory ≈ draws_per_chunk × (P + N·width) floats (~1.3 MB each here).
  c.draws_per_chunk = 64  # 64 ran 1.4x faster than 256 on the 2-core CPU

  for v in variants:
    if v == "code":
      c.train.num_steps = 60_000
      c.delta_max = 5.001
    elif v == "quick":
      # At lr 3e-4 the high k are barely learned within a few thousand steps (Exp 1), and
      # a ratio over a frequency the net never learned measures noise. lr 1e-3, 4 000
      # steps: trained amplitudes ≈ 1 for k <= 15, 0.25–0.5 (one 0.09) for k >= 35.
      c.train.num_steps = 4_000
      c.train.lr = 1e-3
      c.train.log_every = 50
      c.train.spectral_norm_every = 1_000
      c.num_deltas = 30
      c.num_draws = 30
    elif v == "tiny":
      c.train = spectral_bias_1d.get_config("tiny")
      c.train.snapshot_steps = ()
      c.delta_max = 2.0
      c.num_deltas = 5
      c.num_draws = 4
      c.draws_per_chunk = 7  # does not divide 2 × 5 × 4: the last chunk is padded
  return c
