r"""High-dimensional LFP (Zhang, Xu, Luo, Ma 2019; slides "High-dimensional Case"), d = 2.

A wide two-layer ReLU net h(x) = (1/√m) Σ_i w_i ReLU(r_i·x − |r_i| l_i) on x ∈ R²
(`models.ridge_shift_apply`; m = 4 000 in ± pairs so h ≡ 0 at init; r ~ N(0, σ_r² I₂),
w ~ N(0, σ_w²) independent, l ~ U(−2, 2)) is fit by full-batch GD on the MSE to
y = sin(πx₁) cos(πx₂/2) at 8 fixed points of [−1, 1]²; GD step 0.9 × the smallest
stability limit n/λ_max over the seeds (λ_max of the infinite-width NTK
`theory.lfp_ntk_nd` at each seed's sampled moments). Its NTK's Fourier multiplier is
(⟨|r|²⟩+⟨w²⟩)/|ξ|⁵ + 4π²⟨|r|²w²⟩/|ξ|³ (`theory.lfp_multiplier_nd`, constants derived
there), whose minimum-FP-norm interpolant (`theory.lfp_interpolant_nd`) is, in each
regime, a polyharmonic-type spline: Σ c_j k(x − x_j) + p with

  step (default): σ_r = 14, σ_w = 4 → ⟨|r|²w²⟩ ≈ 6 300 ≫ ⟨|r|²⟩+⟨w²⟩ ≈ 410:
                  the |ξ|^{−3} term dominates on the data; k = −|s|, p constant;
                  20 000 GD steps.
  ramp:           σ_r = 100, σ_w = 0.01 → ⟨|r|²w²⟩ ≈ 2 ≪ ⟨|r|²⟩ ≈ 2·10⁴: the |ξ|^{−5}
                  term dominates; k = |s|³, p affine; 20 000 GD steps.

⟨w²⟩ ≪ ⟨|r|²⟩ in both, so the rotational NTK term (∝ ⟨w²⟩, not in the slides' formula,
see theory/lfp.py) is negligible. σ_r = 100 in the ramp regime for the same reason as the
1-D `lfp:cubic` (laziness). The data, target and init scales are the project's choices
(the slides give none).

Commands (default settings, 4 seeds; each regime ~1 min on a loaded 2-core CPU):

  python scripts/lfp_2d.py --workdir=runs/lfp_2d_step
  python scripts/lfp_2d.py --config=fourier_nn/configs/lfp_2d.py:ramp --workdir=runs/lfp_2d_ramp
  python scripts/plot.py --workdir=runs/lfp_2d_step

Variants (``:a,b``): ``step`` (default), ``ramp``, ``quick`` (2 seeds, m = 2 000,
10 000 steps), ``tiny`` (tests: 2 seeds, m = 256, 200 steps, 21² grid).

Expected (measured in scratch at m = 4 000, one seed, RMS on a 41² grid of [−1, 1]²; the
|s| and |s|³ interpolants are 0.159 apart): step regime — 0.067 to the |s| interpolant,
0.179 to the |s|³ one (0.067 to the infinite-width NTK-regression limit: the rest is
finite-width noise); ramp regime — 0.031 to the |s|³ interpolant, 0.155 to the |s| one.
Measured with the script: see WORKSPACE.md row L4.
"""
import ml_collections

from fourier_nn.configs import parse_variants

VARIANTS = ("step", "ramp", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "lfp_2d", VARIANTS, default="step")
  ramp = "ramp" in variants

  c = ml_collections.ConfigDict()
  c.regime = "ramp" if ramp else "step"
  c.seed = 0
  c.num_seeds = 4
  c.x_train = ((-0.8, -0.6), (0.1, -0.9), (0.7, -0.4), (-0.3, 0.0), (0.4, 0.3),
               (-0.9, 0.6), (0.0, 0.8), (0.8, 0.9))

  c.model = ml_collections.ConfigDict()
  c.model.width = 4_000
  c.model.r_std = 100.0 if ramp else 14.0
  c.model.w_std = 0.01 if ramp else 4.0
  c.model.coupling = "independent"  # or "proportional": w ∝ |r| (⟨|r|²w²⟩ ≠ ⟨|r|²⟩⟨w²⟩)
  c.model.l_range = 2.0  # l ~ U(−L, L); must exceed √2 (the corners of [−1, 1]²)
  c.model.antisymmetric = True

  c.lr_fraction = 0.9  # of the GD stability limit n/λ_max
  c.num_steps = 20_000
  c.log_every = 500
  c.grid_points = 41  # per axis, on [−1, 1]²

  for v in variants:
    if v == "quick":
      c.num_seeds = 2
      c.model.width = 2_000
      c.num_steps = 10_000
    elif v == "tiny":
      c.num_seeds = 2
      c.model.width = 256
      c.num_steps, c.log_every = 200, 50
      c.grid_points = 21
  return c
