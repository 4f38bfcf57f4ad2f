r"""Rahaman et al. 2019, A.5: fit a δ and ablate depth, width and weight clip.

Target: 1 at the grid point z = 0.5, 0 elsewhere, on the N = 200 point grid z_j = j/200;
its single-sided DFT amplitude is 2/N at every frequency (flat), so how far up the
network's spectrum reaches 2/N shows which frequencies it can fit. Settings (paper):
depth {3, 4, 5, 6} at width 16; width {16, 32, 64, 128} at depth 3; weight clip
{0.1, 0.15, 0.2, 2} at depth 6, width 64 (every parameter clamped to [−c, c] after each
step; the depth and width ablations are not clipped). ReLU, PyTorch-default init (as
Exp 1), full-batch Adam(lr 3e-4, β = (0.9, 0.999), no weight decay), MSE, 60 000 steps.

Depth counts Dense layers as the paper does: depth d is 1→w→…→w→1 with d Dense layers,
i.e. ``models.MLP(depth=d − 1)`` (d − 1 hidden layers); the paper's 6-layer net of Exp 1
is depth 6 here = ``MLP(depth=5)``. The authors' notebooks (ICML_SpectralBias.ipynb)
build ``opt.DEPTH`` Linear layers the same way.

The learning rate is not stated in the paper's A.5 ("Adam, no weight decay"), and the
authors' repository has no A.5 notebook; 3e-4 is the rate of their 1-D notebooks
(``opt.LR = 0.0003``, 60 000 iterations), so there is no separate ``code`` variant.

Command (paper settings, 3 seeds, 60 000 steps; GPU recommended, see the runtime below):

  python scripts/delta_ablation.py --config=fourier_nn/configs/delta_ablation.py \
      --workdir=runs/delta_ablation
  python scripts/plot.py --workdir=runs/delta_ablation

Variants (``:a,b``): ``quick`` (3 seeds, 6 000 steps at lr 1e-3 instead of 3e-4, geometry
every 500 steps; ~6.5 min on a 2-core CPU: depth 2.6, width 1.8, clip 2.0 min),
``tiny`` (tests: 32 points, nets of width ≤ 16, 60 steps, seconds).

Expected (paper): deeper nets fit the high frequencies far better than wider ones (depth
grows linearly, width exponentially); small clips (0.1–0.2) keep the high frequencies
near zero while clip 2 fits them.

Measured (``quick``, 3 seeds; final mean amplitude over k = 50 … 99 relative to 2/N, mean
± std over seeds): depth 3/4/5/6 at width 16 (321–1 137 params): 0.016 ± 0.007, 0.33 ±
0.43, 0.55 ± 0.35, 0.67 ± 0.45; width 16/32/64/128 at depth 3 (up to 16 897 params):
0.016, 0.018, 0.083 ± 0.048, 0.30 ± 0.28; clip 0.1/0.15/0.2/2: 0.010 ± 0.006, 0.067 ±
0.056, 0.30 ± 0.26, 0.998 ± 0.001. A seed either fits the δ by 6 000 steps or not (per
seed ~0.03 or ~0.95), hence the spreads. At the paper's lr 3e-4 and 6 000 steps: depth
0.007, 0.008, 0.024, 0.40 ± 0.39; width 0.007 … 0.028 (all four below 0.04); clip 0.009,
0.049, 0.19, 0.64 ± 0.39. The exact region count grows with depth (11 → 28) and width
(11 → 85); the true Lipschitz constant is 4–45× below Π‖W_ℓ‖₂ and grows with the clip
(3.7, 25, 78, 219).

Paper settings (lr 3e-4) for 30 000 of the 60 000 steps, 3 seeds (``--config.num_steps=30000``;
depth + width 4.6 min, clip 4.0 min here): depth 0.031 ± 0.007, 0.68 ± 0.39, 0.67 ± 0.46,
0.82 ± 0.19; width 0.031, 0.038 ± 0.020, 0.55 ± 0.27, 0.61 ± 0.28; clip 0.016 ± 0.005,
0.12 ± 0.09, 0.46 ± 0.40, 1.00 ± 0.0001 (final loss 7.7e-8: clip 2 fits the δ exactly).
Depth 4 × 16 (593 params) reaches what width 64–128 (4 353–16 897 params) reach.

Runtime: the paper variant is 10× the quick one's steps (~20 min on a 2-core CPU
when the box is otherwise idle; the 30 000-step runs above took 8.6 min).
"""
import ml_collections

from fourier_nn.configs import parse_variants

VARIANTS = ("paper", "quick", "tiny")
ABLATIONS = ("depth", "width", "clip")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "delta_ablation", VARIANTS, default="paper")

  c = ml_collections.ConfigDict()
  c.seed = 0
  c.num_seeds = 3
  c.num_points = 200
  c.delta_at = 0.5
  c.freqs = ()  # () = every bin 1 … N/2 − 1 (the Nyquist bin N/2 has another normalisation)

  c.ablations = ABLATIONS
  c.depths = (3, 4, 5, 6)  # Dense layers (MLP(depth=d - 1)), at width depths_width
  c.depths_width = 16
  c.widths = (16, 32, 64, 128)  # at depth widths_depth (Dense layers)
  c.widths_depth = 3
  c.clips = (0.1, 0.15, 0.2, 2.0)  # one program: the clip is a batch axis
  c.clips_depth = 6
  c.clips_width = 64

  c.model = ml_collections.ConfigDict()
  c.model.activation = "relu"  # the exact region count / Lipschitz constant need ReLU
  c.model.use_bias = True
  c.model.init = "torch"  # PyTorch nn.Linear defaults, as the authors (Exp 1)

  c.optimizer = "adam"
  c.lr = 3e-4
  c.b1 = 0.9
  c.b2 = 0.999

  c.num_steps = 60_000
  c.log_every = 200
  c.chunk_logs = 15  # log intervals per compiled chunk: geometry every 3 000 steps
  c.snapshot_steps = (1_000, 10_000, 30_000, 60_000)
  c.checkpoint_every = 4  # chunks

  for v in variants:
    if v == "quick":
      c.num_steps = 6_000
      c.lr = 1e-3
      c.log_every = 50
      c.chunk_logs = 10  # geometry every 500 steps
      c.snapshot_steps = (500, 2_000, 6_000)
    elif v == "tiny":
      c.num_seeds = 2
      c.num_points = 32
      c.depths, c.depths_width = (2, 3), 8
      c.widths, c.widths_depth = (8, 16), 2  # (2, 8) is shared with the depths: trained once
      c.clips, c.clips_depth, c.clips_width = (0.1, 2.0), 3, 16
      c.num_steps = 60
      c.log_every = 10
      c.chunk_logs = 2
      c.snapshot_steps = (10, 60)
  return c
