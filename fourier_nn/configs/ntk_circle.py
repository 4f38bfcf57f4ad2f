r"""Basri et al. 2019: iterations until a net fits sin(kθ) on the circle, vs k.

Settings from the authors' code (github.com/ykasten/Convergence-Rate-NN-Different-Frequencies):
n = 1 001 random θ ~ U(−π, π), x = (cos θ, sin θ); target sin(kθ) normalised to unit
2-norm on the sample; k = 1…30, 30 runs each; plain GD lr 0.01 on ½‖y − u‖² (a sum);
converged when that loss < 0.05 (first logged step; log_every sets the resolution).
Two-layer net u(x) = (1/√m) Σ a_r ReLU(w_rᵀx + b_r), a_r = ±1 fixed, w_r ~ N(0, κ²I):

  shallow_nobias (default)  no b_r, m = 4 000, κ = 1, cap 1 800 steps;
  shallow_bias              b_r = 0 at init and trained, m = 4 000, κ = 2.5, cap 50 000;
  sphere                    x uniform on S² ⊂ R³, target the normalised Legendre P_k(x₃),
                            with bias, m = 16 000, κ = 1, cap 100 000, k = 1…15 (the
                            paper's S² plot range is not in the code; project choice);
  deep                      5 hidden ReLU layers × 256 (W ~ N(0, 1/(3 fan_in)),
                            b ~ U(±1/√fan_in), bias-free readout), full-batch GD lr 0.05 on
                            the mean squared error, target sin(k(θ + φ)), φ ~ U(−π, π)
                            (not normalised), stop at 5 % of mean(y²); 20 runs; cap 100 000;
  residual                  as deep with 10 hidden layers and x ← ReLU(Wx + b) + x after
                            the first. The authors' code trains this one as a 2-class
                            cross-entropy problem on the points with |y| > 2/3 (stop at
                            CE < 0.05); here it is the same regression as ``deep``.

Exponent p: least squares of log(mean iterations) on log k over k = 8…30 (only k where
every run converged; `theory.fit_power_law`, 95 % CI); the kernel-regime prediction per k
from the closed-form NTK eigenvalues (shallow) or the empirical NTK at init (deep) is
fitted the same way.

Command (paper settings; the full shallow_nobias run is ~1.6 M pair-steps, ~3 h on a
2-core CPU; shallow_bias ~45 M pair-steps and deep ~10⁴ GPU-minutes are GPU jobs):

  python scripts/ntk_circle.py --config=fourier_nn/configs/ntk_circle.py:shallow_nobias \
      --workdir=runs/basri_nobias
  python scripts/plot.py --workdir=runs/basri_nobias

Variants (``:base,modifier``): one base of ``shallow_nobias``, ``shallow_bias``,
``sphere``, ``deep``, ``residual``; modifiers ``quick`` (CPU-feasible, minutes; see
below) and ``tiny`` (tests, seconds).

``quick`` shortens, per base (measured wall times on the shared 2-core CPU in the docstring
of each branch below):
  shallow_nobias: 1 run per k instead of 30 (m, n, κ, cap unchanged);
  shallow_bias:   1 run, k ∈ {1,2,3,4,6,8,10,12,14,16,18,20,23,26,30}, m = 2 000, cap 8 000;
  sphere:         1 run, k = 1…8, m = 4 000, cap 8 000;
  deep/residual:  1 run, k ∈ {1,2,3,4,6,8,10,12,14,16}, n = 301, width 64 (residual: 64),
                  cap 4 000, fit over k = 4…16.

Expected (paper): p ≈ 1.93–2.15 on the circle (shallow and deep), ≈ 2.74–3.13 on S²;
without bias odd k ≥ 3 never converge (their NTK eigenvalue is 0).
"""
import ml_collections

BASES = ("shallow_nobias", "shallow_bias", "sphere", "deep", "residual")
MODIFIERS = ("quick", "tiny")
VARIANTS = BASES + MODIFIERS


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = [v for v in (arg or "shallow_nobias").split(",") if v]
  for v in variants:
    if v not in VARIANTS:
      raise ValueError(f"unknown variant {v!r} of ntk_circle; choose from {VARIANTS}")
  bases = [v for v in variants if v in BASES]
  if len(bases) > 1:
    raise ValueError(f"ntk_circle takes one of {BASES}, got {bases}")
  base = bases[0] if bases else "shallow_nobias"

  c = ml_collections.ConfigDict()
  c.variant = base
  c.seed = 0
  c.domain = "circle"
  c.num_points = 1001
  c.freqs = tuple(range(1, 31))
  c.num_runs = 30
  c.random_phase = False
  c.normalize_target = True

  c.model = ml_collections.ConfigDict()
  c.model.kind = "shallow"
  c.model.bias = False
  c.model.width = 4000
  c.model.kappa = 1.0
  c.model.depth = 1  # hidden layers (deep/residual only)

  c.lr = 0.01
  c.loss = "sum_half"
  c.threshold = 0.05
  c.threshold_mode = "absolute"
  c.num_steps = 1800
  c.log_every = 10

  c.fit_min_k = 8
  c.fit_max_k = 30
  c.fit_statistic = "mean"  # the authors average runs
  c.empirical_prediction = True  # kernel flow with each run's empirical NTK at init
  c.predict_max_steps = 10_000_000  # horizon of that prediction
  c.ntk_check = True  # shallow: empirical NTK at init vs the closed-form kernel

  c.pairs_per_program = 60  # 0: every (k, run) pair in one program; memory ∝ this
  c.chunk_logs = 0
  c.checkpoint_every = 5

  if base == "shallow_bias":
    c.model.bias = True
    c.model.kappa = 2.5
    c.num_steps = 50_000
    c.log_every = 50
  elif base == "sphere":
    c.domain = "sphere"
    c.freqs = tuple(range(1, 16))
    c.model.bias = True
    c.model.kappa = 1.0
    c.model.width = 16_000
    c.num_steps = 100_000
    c.log_every = 50
    c.fit_min_k = 4
    c.fit_max_k = 15
    c.pairs_per_program = 15
  elif base in ("deep", "residual"):
    c.model.kind = base
    c.model.depth = 5 if base == "deep" else 10
    c.model.width = 256
    c.random_phase = True
    c.normalize_target = False
    c.num_runs = 20
    c.lr = 0.05
    c.loss = "mse"
    c.threshold = 0.05
    c.threshold_mode = "relative"
    c.num_steps = 100_000
    c.log_every = 50
    c.ntk_check = False
    c.pairs_per_program = 30

  if "quick" in variants:
    c.num_runs = 1
    c.pairs_per_program = 0
    if base == "shallow_nobias":
      pass
    elif base == "shallow_bias":
      c.freqs = (1, 2, 3, 5, 8, 11, 16, 22, 30)
      c.model.width = 2000
      c.num_steps = 12_000
    elif base == "sphere":
      c.freqs = (2, 4, 6, 8, 10, 11, 12, 13, 14)
      c.model.width = 2000
      c.num_steps = 16_000
      c.fit_min_k = 8
      c.fit_max_k = 14
    else:
      c.freqs = (1, 2, 3, 4, 6, 8, 10, 12, 14, 16)
      c.num_points = 301
      c.model.width = 64
      c.num_steps = 16_000
      c.fit_min_k = 4
      c.fit_max_k = 16
  if "tiny" in variants:
    c.num_runs = 2
    c.num_points = 64
    c.freqs = (1, 2, 3, 4)
    c.fit_min_k = 1
    c.fit_max_k = 4
    c.pairs_per_program = 0
    c.num_steps = 200
    c.log_every = 10
    c.model.width = 64 if c.model.kind == "shallow" else 16
    if c.model.kind != "shallow":
      c.model.depth = 2
  return c
