r"""Cao et al. 2019: residual projections on Gegenbauer components of degree 1, 2, 4.

Inputs x on S^10 ⊂ R^11 (paper: d = 10 with data on S^d, ``dim_convention="sphere"``; the
``ambient`` modifier puts them on S^9 ⊂ R^10 instead), n = 1 000; target
f*(x) = a₁P₁(⟨ζ₁,x⟩) + a₂P₂(⟨ζ₂,x⟩) + a₄P₄(⟨ζ₄,x⟩), ζ_k random unit vectors, P_k the
Gegenbauer polynomial of parameter λ = (d−2)/2 normalised to P_k(1) = 1,
P_k = C_k^λ/C_k^λ(1) (the Legendre polynomial of dimension d, the normalisation of the
Funk–Hecke formula; its L² norm on the sphere is N(d,k)^{-1/2}: 0.32, 0.14, 0.039 for
k = 1, 2, 4 — which is why the paper also raises the higher amplitudes, (1, 3, 5)).
``gegenbauer_norm=unit_l2`` (P_k of unit L² norm) and ``standard`` (scipy's C_k^λ) are
offered. Two-layer ReLU net f(x) = (1/√m) Σ a_r ReLU(w_rᵀx), w_r ~ N(0, I), a_r ~ N(0, 1),
both layers trained (NTK (uκ₀ + κ₁)/2 = theory.two_layer_relu_ntk(u, train_outer=True)),
m = 4 096, full-batch GD on the mean squared error. Every step: |v_kᵀ(y − ŷ)|, v_k the unit
vector (P_k(⟨ζ_k,x_i⟩))_i; next to it the kernel-regime predictions (1 − 2ημ_k)^t (closed
form) and the empirical-NTK-at-init flow. Every seed draws its own inputs, ζ_k and init.

Not stated in the paper text we have, so chosen here: GD step η = 3 (η·(2/n)·λ_max(Θ) ≈ 1.1
at init: stable), 10 000 steps, 5 seeds, the loss normalisation, the input distributions
of the non-uniform variants, no biases, and the P_k(1) = 1 normalisation (the paper's
"Gegenbauer polynomial"; not verifiable from the text we have). In this setting the NTK
moves by 4–13 % (Frobenius) over the quick runs and the loss decreases monotonically. With
a = (1, 1, 1) the degree-4 part of y (v₄ᵀy ≈ 1.2) is comparable to v₄ᵀf₀ of the initial
output, so its early-phase rate is noisy per seed (see rate_measured_median).
With ``unit_l2`` the target is ~25–650× larger in RKHS norm: the NTK then grows 2–10×
during training (progressive sharpening) and GD reaches its stability limit — lower η to
≤ 2 (amps135: ≤ 1, still at the limit by step ~1 000 at m = 1 024).

Command (paper settings; ~30–60 min on a 2-core CPU, estimated from the measured speed of
one width-4 096 seed, not run end to end — use ``quick``):

  python scripts/ntk_sphere.py --config=fourier_nn/configs/ntk_sphere.py \
      --workdir=runs/cao_uniform
  python scripts/plot.py --workdir=runs/cao_uniform

Dimension convention. Cao et al. state the eigenvalue decay μ_k ~ k^{−d−1} for data on
S^d. The two-layer ReLU NTK on S^{D−1} ⊂ R^D decays like k^{−D} (checked with the closed-form
eigenvalues, tests/test_ntk_sphere.py::test_eigenvalue_decay_fixes_the_dimension_convention:
extrapolated exponent −10.0 at D = 10, −11.0 at D = 11), so k^{−d−1} at d = 10 means D = 11,
S^10 ⊂ R^11 — the default here (``dim_convention="sphere"``, ``dim=10``). μ_1, μ_2, μ_4 =
0.0455, 3.57e-3, 3.43e-5 there (S^9 ⊂ R^10: 0.050, 4.29e-3, 4.83e-5). The ``quick``
rows in WORKSPACE.md (C1–C3) were measured with the ambient convention (inputs in R^10).

Variants (``:a,b``, combinable): ``ambient`` (inputs in R^dim, S^{dim−1}: the convention of
the first implementation), ``amps135`` (a = (1, 3, 5)), ``piecewise`` (density 4:1
between the hemispheres x₁ > 0 and x₁ < 0), ``anisotropic`` (angular central Gaussian,
coordinate scales 1 … 1/4, normalised to the sphere), ``quick`` (CPU demo: width 1 024, 3
seeds, 6 000 steps; 3–4 min on the shared 2-core CPU), ``tiny`` (tests: d = 5, n = 96,
width 64, 2 seeds, 60 steps, inputs in R^5; seconds).

Expected (paper): |v_kᵀr| of degree 1 decays first, then 2, then 4, at log-rates ordered
like μ₁ > μ₂ > μ₄ (μ = 0.0455, 3.57e-3, 3.43e-5 on S^10); the order survives non-uniform
inputs.
"""
import ml_collections

from fourier_nn.configs import parse_variants

VARIANTS = ("paper", "ambient", "amps135", "piecewise", "anisotropic", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "ntk_sphere", VARIANTS, default="paper")
  if "piecewise" in variants and "anisotropic" in variants:
    raise ValueError("ntk_sphere takes one of 'piecewise', 'anisotropic', not both")

  c = ml_collections.ConfigDict()
  c.seed = 0
  c.num_seeds = 5
  c.dim = 10
  c.dim_convention = "sphere"  # S^dim ⊂ R^{dim+1} (Cao et al.); "ambient": x ∈ R^dim
  c.num_points = 1000
  c.degrees = (1, 2, 4)
  c.amplitudes = (1.0, 1.0, 1.0)
  c.gegenbauer_norm = "unit_at_one"
  c.inputs = "uniform"
  c.piecewise_mass = 0.8  # P(x₁ > 0): density 2·0.8 vs 2·0.2 of uniform
  c.anisotropic_ratio = 4.0  # largest / smallest coordinate scale before normalising

  c.model = ml_collections.ConfigDict()
  c.model.width = 4096
  c.model.w_std = 1.0
  c.model.a_std = 1.0
  c.model.train_outer = True

  c.loss = "mse"
  c.lr = 3.0
  c.num_steps = 10_000
  c.log_every = 1  # degree 1 falls below 10 % within ~7 steps at η = 3
  c.ntk_after_training = True  # also Θ of the trained nets: how far from the kernel regime
  c.fit_floor = 0.1  # rate fit: from step 0 until |v_kᵀr| < fit_floor·|v_kᵀr_0|
  c.chunk_logs = 0  # 0: automatic (~5 % of the run per compiled chunk)
  c.checkpoint_every = 5

  for v in variants:
    if v == "ambient":
      c.dim_convention = "ambient"
    elif v == "amps135":
      c.amplitudes = (1.0, 3.0, 5.0)
    elif v in ("piecewise", "anisotropic"):
      c.inputs = v
    elif v == "quick":
      c.num_seeds = 3
      c.model.width = 1024
      c.num_steps = 6000
    elif v == "tiny":
      c.num_seeds = 2
      c.dim = 5
      c.dim_convention = "ambient"
      c.num_points = 96
      c.model.width = 64
      c.num_steps = 60
      c.lr = 2.0
  return c
