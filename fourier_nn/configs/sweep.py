r"""A sweep over lr × width (× other grid keys) × seeds of Rahaman et al. Exp 1.

The spectral_bias_1d config (its model, data, loss and in-graph amplitude measurement) plus
``grid``: tuples of values per sweepable key (`fourier_nn.sweep.GRID_KEYS`); a key left at
None is not swept (one value, the base config's). lr and clip cells share ONE compiled
program per group; each combination of amplitudes, model.width, model.depth and
num_points is a group (one program each).

Command (quick: 2 lr × 2 widths × 8 seeds, 1 500 steps; ~1–2 min on a loaded 2-core CPU):

  python scripts/sweep.py --config=fourier_nn/configs/sweep.py:quick --workdir=runs/sweep_quick
  python scripts/plot.py --workdir=runs/sweep_quick

  # other values: --config.grid.lr=1e-4,3e-4,1e-3 --config.grid.model.width=64,128

Variants: ``quick`` (above), ``tiny`` (tests: 2 lr × 2 widths × 4 seeds, width 8/16,
depth 2, 40 steps), ``paper`` (the default: 6×256 nets, 3 lr × 2 depths × 10 seeds,
80 000 steps; hours on a CPU).

Expected: in every cell the low frequencies reach half their amplitude first; a larger lr
moves every crossing earlier.
Measured (quick, 2-core box at load ≈ 1.2, 2026-12-02): 27 s wall in all (2 groups, each
one program of 16 nets). Half-amplitude step of k = 2 [lr 3e-4, 1e-3] × [width 32, 64]:
[[600, 325], [225, 125]]; k = 5 reached 0.5 only at lr 1e-3, width 64 (step 800); k = 10,
20 not within 1 500 steps. Final seed-mean loss [[1.26, 1.15], [1.08, 0.89]].
"""
import ml_collections

from fourier_nn.configs import parse_variants, spectral_bias_1d

VARIANTS = ("paper", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "sweep", VARIANTS, default="paper")
  c = spectral_bias_1d.get_config("paper")
  c.geometry = False  # host-side geometry is not part of a sweep
  c.snapshot_steps = ()
  # Every grid key is a tuple-typed field (None: not swept), so each can be set from the
  # command line, e.g. --config.grid.model.depth=3,5.
  def axis():
    return ml_collections.FieldReference(None, field_type=tuple)

  g = ml_collections.ConfigDict()
  g.lr, g.clip, g.amplitudes, g.num_points = axis(), axis(), axis(), axis()
  g.model = ml_collections.ConfigDict()
  g.model.width, g.model.depth = axis(), axis()
  c.grid = g
  g.lr = (1e-4, 3e-4, 1e-3)
  g.model.depth = (3, 5)
  for v in variants:
    if v == "quick":
      c.num_seeds = 8
      c.num_points = 100
      c.freqs = (2, 5, 10, 20)
      c.model.depth = 3
      c.num_steps = 1_500
      c.log_every = 25
      c.spectral_norm_every = 500
      g.lr = (3e-4, 1e-3)
      g.model.width = (32, 64)
      g.model.depth = None
    elif v == "tiny":
      c.num_seeds = 4
      c.num_points = 32
      c.freqs = (1, 3, 6)
      c.model.depth = 2
      c.model.width = 8
      c.num_steps = 40
      c.log_every = 10
      c.spectral_norm_every = 20
      g.lr = (1e-3, 3e-3)
      g.model.width = (8, 16)
      g.model.depth = None
  return c
