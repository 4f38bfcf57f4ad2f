r"""Rahaman et al. 2019, Exp 6: binary classification of sin(2πkz + φ) > 0 on flower manifolds.

Inputs γ_L(z_j) on the N = 1000 grid z_j = j/1000 (as Exp 5); labels 1 where
sin(2πkz + φ) > 0 (authors' code; the paper's 0.5 threshold of the {0, 1} target gives the
same labels), φ ~ U(0, 2π) per (k, seed) and the same for every L; BCE with logits. The
6×256 ReLU MLP of Exp 5 (torch init, Adam 3e-4, full batch) for every cell of k ∈ {50, 100,
…, 400} × L ∈ {0, 2, …, 20} (88 cells) × seeds; the cells are the vmapped axis, in groups
of ``cells_per_program`` compiled once. The training accuracy (sigmoid > 0.5 vs label) every
``log_every`` steps; at the end the logits of ``decision_map_seeds`` seeds of
``decision_map_cell`` = (k, L) on a 200×200 grid over [−1.6, 1.6]², and their number of
linear regions met by that grid. Driver: `fourier_nn.experiments.manifold`.

Steps are not in the paper; the authors' notebook trains its one case (k, L) = (200, 20)
for 10 000 steps, and the paper variant uses that for every cell. Seeds are not stated
either: 5 here.

Command (paper: 88 cells × 5 seeds × 10 000 steps; estimated 23–24 h on a quiet 2-core
CPU from the 19 ms per cell-step of benchmarks/bench_manifold.py — a GPU job):

  python scripts/manifold_classification.py \
      --config=fourier_nn/configs/manifold_classification.py --workdir=runs/exp6
  python scripts/plot.py --workdir=runs/exp6

Variants (``:a,b``): ``code`` (the authors' notebook case only: (k, L) = (200, 20), 2
seeds, 10 000 steps), ``quick`` (2 CPU cores: width 64, lr 1e-3, k ∈ {100, 200, 300} ×
L ∈ {0, 10, 20} × 2 seeds, 1 500 steps), ``tiny`` (tests: 2 seeds,
64 points, width 16, 20 steps, a 3 × 3 grid).

Expected (paper Fig 9): at fixed k the accuracy rises with L. Measured with ``quick`` (56 s
training on a quiet 2-core CPU, 373 s under load; seed mean over 2 seeds) for L = 0, 10, 20: k = 100
0.57, 0.75, 0.92; k = 200 0.60, 0.61, 0.71; k = 300 0.51, 0.61, 0.69. (0.600 at k = 200 is
the constant classifier: the net has not left it at L = 0, 10.) Decision maps at (200, 20):
8 846 and 10 543 linear regions on the 200 × 200 grid.
"""
import ml_collections

from fourier_nn.configs import parse_variants, rahaman_mlp

VARIANTS = ("paper", "code", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "manifold_classification", VARIANTS, default="paper")

  c = ml_collections.ConfigDict()
  c.experiment = "manifold_classification"
  c.seed = 0
  c.num_seeds = 5
  c.num_points = 1000
  c.ks = tuple(range(50, 450, 50))
  c.Ls = tuple(range(0, 22, 2))

  c.model = rahaman_mlp()

  c.optimizer = "adam"
  c.lr = 3e-4
  c.b1 = 0.9
  c.b2 = 0.999

  c.num_steps = 10_000
  c.log_every = 100
  c.cells_per_program = 88  # of 440 cells; bounds memory (~2 GB per program at width 256)
  c.chunk_logs = 0
  c.checkpoint_every = 10

  c.decision_map_cell = (200, 20)  # (k, L)
  c.decision_map_seeds = 2
  c.grid_size = 200
  c.grid_half_width = 1.6
  c.count_regions = True  # relu_geometry.num_regions_2d on the grid (seconds per seed)

  for v in variants:
    if v == "code":
      c.ks, c.Ls = (200,), (20,)
      c.num_seeds = 2
      c.cells_per_program = 0
    elif v == "quick":
      # 2 CPU cores: width 64 and lr 1e-3, k in {100, 200, 300} x L in {0, 10, 20} x 2
      # seeds = 18 cells in one program, 1 500 steps.
      c.num_seeds = 2
      c.ks = (100, 200, 300)
      c.Ls = (0, 10, 20)
      c.model.width = 64
      c.lr = 1e-3
      c.num_steps = 1_500
      c.log_every = 50
      c.cells_per_program = 0
    elif v == "tiny":
      c.num_seeds = 2
      c.num_points = 64
      c.ks = (3, 8, 20)
      c.Ls = (0, 4, 8)
      c.model.width = 16
      c.model.depth = 2
      c.num_steps = 20
      c.log_every = 10
      c.cells_per_program = 8
      c.decision_map_cell = (8, 4)
      c.grid_size = 24
  return c
