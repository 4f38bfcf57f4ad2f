r"""Rahaman et al. 2019, Exp 1: a 6-layer ReLU net fit to a sum of sines.

λ(z) = Σ_i A_i sin(2π k_i z + φ_i), k = 5, 10, …, 50, φ_i ~ U(0, 2π) per run, on the
N = 200 point grid z_j = j/200. 6 Dense layers 1→256→…→256→1 (depth=5 hidden), ReLU,
PyTorch-default init, full-batch Adam(lr 3e-4, β = (0.9, 0.999)), MSE. Every 100 steps the
normalised amplitude |f̃(k_i)|/A_i of the network.

Command (paper settings, 10 seeds, 80 000 steps; ~45 min on a 2-core CPU):

  python scripts/spectral_bias_1d.py --config=fourier_nn/configs/spectral_bias_1d.py \
      --workdir=runs/exp1_equal
  python scripts/plot.py --workdir=runs/exp1_equal

Variants (``:a,b``, combinable): ``code`` (authors' code: 60 000 steps, 20 seeds),
``increasing`` (A = 0.1, 0.2, …, 1.0), ``quick`` (demo: 10 seeds, 3 000 steps, ~2 min),
``gd`` (plain GD lr 0.05 with the kernel-flow theory overlay: the residual predicted from the
empirical NTK at initialisation next to the measured one, per frequency; 3 seeds, 8 000
steps, ~5 min), ``tiny`` (tests: 2 seeds, width 32, 60 steps).

Expected: the low frequencies reach their amplitude first, for both amplitude profiles
(k = 5 by a few hundred steps; k = 50 only after tens of thousands); the spectral norm of
every layer grows during training, and so do the number of linear regions on [0, 1] and
the true Lipschitz constant (which stays far below the bound Π‖W_l‖₂).
"""
import ml_collections

from fourier_nn.configs import parse_variants

VARIANTS = ("paper", "code", "increasing", "quick", "gd", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "spectral_bias_1d", VARIANTS, default="paper")

  c = ml_collections.ConfigDict()
  c.seed = 0
  c.num_seeds = 10
  c.num_points = 200
  c.freqs = tuple(range(5, 55, 5))
  c.amplitudes = "equal"

  c.model = ml_collections.ConfigDict()
  c.model.depth = 5
  c.model.width = 256
  c.model.activation = "relu"
  c.model.use_bias = True
  c.model.init = "torch"  # the authors used PyTorch nn.Linear defaults

  # Exact linear regions on [0, 1], true Lipschitz constant and Π‖W_l‖₂ at every chunk end
  # (relu_geometry on the host; ~60 ms per seed for 6×256, nothing inside the jitted step).
  c.geometry = True
  c.theory_overlay = False  # GD only: kernel-flow prediction from the init empirical NTK
  c.optimizer = "adam"
  c.lr = 3e-4
  c.b1 = 0.9
  c.b2 = 0.999
  c.clip = 0.0  # > 0: clamp every parameter to [-clip, clip] after each step

  c.num_steps = 80_000
  c.log_every = 100
  c.spectral_norm_every = 1000  # exact SVDs cost ~7 % of training if taken every 100 steps
  c.snapshot_steps = (100, 1_000, 10_000, 80_000)
  c.chunk_logs = 0  # 0: automatic (~5 % of the run per compiled chunk)
  c.checkpoint_every = 10  # chunks

  for v in variants:
    if v == "code":
      c.num_steps = 60_000
      c.num_seeds = 20
      c.snapshot_steps = (100, 1_000, 10_000, 60_000)
    elif v == "increasing":
      c.amplitudes = "increasing"
    elif v == "quick":
      c.num_seeds = 10
      c.num_steps = 3_000
      c.log_every = 25
      c.spectral_norm_every = 250
      c.snapshot_steps = (100, 500, 1_000, 3_000)
    elif v == "gd":
      # Theory overlay: plain GD so that the kernel-flow prediction applies. The init NTK
      # of this net has λ_max ≈ 346 (N/λ_max ≈ 0.58), but the net does not stay in the
      # kernel regime near that limit: at lr 0.5 one of 3 seeds diverged and the others'
      # ReLUs died; at lr 0.2 (η·(2/N)·λ_max ≈ 0.69 at init) 2 of 3 seeds diverged by
      # step ~5 000 as the top eigenvalue grew (WORKSPACE.md). lr 0.05: 3 seeds, 8 000
      # steps (~5 min on 2 cores).
      c.optimizer = "sgd"
      c.lr = 0.05
      c.theory_overlay = True
      c.num_seeds = 3
      c.num_steps = 8_000
      c.log_every = 50
      c.spectral_norm_every = 1_000
      c.snapshot_steps = (100, 1_000, 8_000)
    elif v == "tiny":
      c.num_seeds = 2
      c.num_points = 64
      c.freqs = (2, 5, 9)
      c.model.width = 32
      c.model.depth = 2
      c.num_steps = 60
      c.log_every = 10
      c.spectral_norm_every = 20
      c.snapshot_steps = (10, 60)
  return c
