r"""Basri et al. 2019 on S²: iterations until the shallow ReLU net fits P_k, vs k.

The S² studies of the authors' code (github.com/ykasten/Convergence-Rate-NN-Different-
Frequencies, ``Shallow/WithBias_2D`` and ``Shallow/NoBias_2D``; read for this config):
n = 1 001 inputs x uniform on S² ⊂ R³, target the Legendre polynomial P_k(x₃) normalised
to unit 2-norm on the sample; the two-layer net u(x) = (1/√m) Σ a_r ReLU(w_rᵀx + b_r),
a_r = ±1 fixed, w_r ~ N(0, κ²I); plain GD lr 0.01 on ½‖y − u‖²; converged at the first
step whose loss is < 0.05 (every step checked); k = 1…30, 20 runs per k, every (k, run)
its own inputs and init (``runOneSession.m``: ``rng(num)`` per session, 600 sessions).

  with_bias (default)  b_r = 0 at init and trained, m = 16 000, κ = 1, cap 100 000;
                       exponent fitted over k = 8…30, every k (``readAndPlot.m``:
                       maxk = 30, repeatt = 20, mink = 8, polyfit of log nanmean).
  no_bias              no b_r, m = 16 000, κ = 1, cap 40 000; fitted over EVEN k = 8…30
                       (``mink:2:maxk``); odd k ≥ 3 never converge (NTK eigenvalue 0).

Exponent: least squares of log(mean iterations over runs) on log k (`theory.fit_exponent`,
95 % CI) over the k where every run converged. (The authors' mean counts a run that hit
the cap as the cap; at their caps every fitted k converges, so the two agree there.)
Predictions: the Funk–Hecke eigenvalues of the net's NTK on S²
(`theory.sign_net_eigenvalues(k, 3, bias)`) with the initial output u₀ in expectation
(`basri.predicted_steps_with_init_output`), the target-only closed form, and each pair's
empirical NTK at init. With bias η·n·λ_0 = 3.13 > 2 at init (λ_1: 1.46), so the
linearised GD diverges along k = 0 and the u₀ prediction is "never": low-k times with bias
are catapult times, not kernel-regime times. Driver: `fourier_nn.experiments.basri`.

Command (paper settings: 600 pairs × 100 000 steps at m = 16 000, n = 1 001). Cost is at
most pairs × cap: a program of ``pairs_per_program`` pairs (ordered by k) stops once every
pair in it converged (``stop_at_convergence``; without bias the odd k never do, so those
programs run to the cap), and the estimates below are for the cap. A pair-step is
memory-bound: the n × m pre-activation (64 MB in float32) is written and read ~5 times,
~70 µs on one H200 (4.8 TB/s), so 6·10⁷ pair-steps ≈ 1.2 h (estimate, not measured),
plus 600 empirical-NTK eigendecompositions at n = 1 001 (minutes;
--config.empirical_prediction=False skips them); no_bias (cap 40 000) ≈ 0.5 h. On the
shared 2-core CPU (7–20 ms per pair-step at m = 4 000, so ~30–80 ms at 16 000) it is
days to weeks even with the stop: not run here.

  python scripts/basri_sphere.py --config=fourier_nn/configs/basri_sphere.py:with_bias \
      --workdir=runs/basri_sphere
  python scripts/basri_sphere.py --config=fourier_nn/configs/basri_sphere.py:no_bias \
      --workdir=runs/basri_sphere_nobias
  python scripts/plot.py --workdir=runs/basri_sphere

Variants: ``quick`` (CPU: 1 run, k ∈ {2,4,6,8,10,11,12,13,14} with bias — even k only
without — m = 2 000, cap 16 000, fit over 8…14; measured before the per-pair reseeding
and the every-step check, 9.5 min: p = 3.40 [2.77, 4.02]; closed-form NTK 2.96
[2.86, 3.07]; k ≤ 6 sit on a ~650-step catapult floor), ``tiny`` (tests: 2 runs,
n = 64, k = 1…4, 200 steps, width 64; seconds).

Expected (paper): convergence time ∝ k^p with p ≈ 2.74–3.13 on S².
"""
import ml_collections

from fourier_nn.configs import ntk_circle

BASES = ("with_bias", "no_bias")
MODIFIERS = ntk_circle.MODIFIERS
VARIANTS = BASES + MODIFIERS


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  base, variants = ntk_circle.parse_variants(arg, "basri_sphere", BASES, "with_bias")
  c = ntk_circle.base_config("basri_sphere", base)
  c.domain = "sphere"
  c.freqs = tuple(range(1, 31))  # readAndPlot.m: maxk = 30
  c.num_runs = 20  # repeatt = 20
  c.model.bias = base == "with_bias"
  c.model.kappa = 1.0
  c.model.width = 16_000
  c.num_steps = 100_000 if base == "with_bias" else 40_000
  c.log_every = 50
  c.fit_min_k = 8  # mink = 8
  c.fit_max_k = 30
  c.fit_even_only = base == "no_bias"  # NoBias_2D/readAndPlot.m: mink:2:maxk
  c.pairs_per_program = 20
  if "quick" in variants:
    c.num_runs = 1
    c.pairs_per_program = 0
    c.freqs = ((2, 4, 6, 8, 10, 11, 12, 13, 14) if base == "with_bias"
               else (2, 4, 6, 8, 10, 12, 14))
    c.model.width = 2000
    c.num_steps = 16_000
    c.fit_min_k = 8
    c.fit_max_k = 14
  ntk_circle.apply_modifiers(c, variants)
  return c
