r"""Basri et al. 2019: iterations until a net fits sin(kθ) on the circle, vs k.

Settings from the authors' code (github.com/ykasten/Convergence-Rate-NN-Different-Frequencies):
n = 1 001 random θ ~ U(−π, π), x = (cos θ, sin θ); target sin(kθ) normalised to unit
2-norm on the sample; k = 1…30, 30 runs each, every (k, run) its own inputs and init
(``runOneSession.m`` reseeds each); plain GD lr 0.01 on ½‖y − u‖² (a sum); converged at
the first step whose loss is < 0.05 (every step checked, as ``trainAr.m``; log_every only
sets what is logged).
Two-layer net u(x) = (1/√m) Σ a_r ReLU(w_rᵀx + b_r), a_r = ±1 fixed, w_r ~ N(0, κ²I):

  shallow_nobias (default)  no b_r, m = 4 000, κ = 1, cap 1 800 steps;
  shallow_bias              b_r = 0 at init and trained, m = 4 000, κ = 2.5, cap 50 000;
  deep                      5 hidden ReLU layers × 256 (W ~ N(0, 1/(3 fan_in)),
                            b ~ U(±1/√fan_in), bias-free readout), full-batch GD lr 0.05 on
                            the mean squared error, target sin(k(θ + φ)), φ ~ U(−π, π)
                            (not normalised), stop at 5 % of mean(y²); 20 runs; cap 100 000;
  residual                  as deep with 10 hidden layers and x ← ReLU(Wx + b) + x after
                            the first, trained as in the authors' code (crossRes10_1D):
                            2 logits, cross-entropy for class y > 0 on the points with
                            |y| > 2/3, converged at CE < 0.05; no kernel prediction.
                            (As an MSE regression, --config.loss=mse --config.threshold_mode
                            =relative, every pair diverges at lr 0.05: η·(2/n)·λ_max(Θ₀)
                            = 55 at width 64.) The slides' "1-D data embedded in R^30"
                            is not in the code and not done here.

Exponent p: least squares of log(mean iterations) on log k over k = 8…30 (only k where
every run converged; `theory.fit_power_law`, 95 % CI) — even k only without bias
(``fit_even_only``: ``NoBias_1D/readAndPlot.m`` fits mink:2:maxk; with bias mink:1:maxk);
the kernel-regime prediction per k from the closed-form NTK eigenvalues with the initial
output u₀ in expectation (shallow; also the target-only closed form) or the empirical NTK
at init of each pair (deep; shallow as a further prediction) is fitted the same way over
the same k. With bias η·n·λ_k at init is 3.52 (k = 0) and 2.27 (k = 1) > 2 (no bias: 1.01,
1.25): the linearised GD diverges along those modes, so the u₀ prediction is "never" and
the low-k times with bias are catapult times, not kernel-regime times.

Command (paper settings = the bases without modifiers). Cost is pairs × steps, where a
program of ``pairs_per_program`` pairs stops once every pair in it is below its level
(``stop_at_convergence``, on by default; pairs are ordered by k, so a group of low k stops
early) and runs to the cap otherwise — always without bias, whose odd k never converge:
on the shared 2-core CPU a shallow pair-step (n = 1 001, m = 4 000) takes 7–20 ms, so the
full shallow_nobias (900 pairs × 1 800) is 3–9 h; shallow_bias (900 pairs, cap 50 000)
and deep/residual (600 pairs, cap 100 000) are accelerator jobs. The estimates below are
for pairs × cap steps (before the early stop), so upper bounds where every pair converges.
Accelerator estimates (one H200, not measured: the shallow step is memory-bound on the
16 MB n × m pre-activation, ~20 µs; the deep 5×256 step is ~2 GFLOP): shallow_nobias
< 5 min, shallow_bias ≈ 15–30 min, deep ≈ 1–2 h (6·10⁷ pair-steps), residual (10×256)
≈ 2–4 h; add the per-pair empirical-NTK eigendecompositions (900 or 600 at n = 1 001:
minutes; --config.empirical_prediction=False skips them). The S² study is its own config:
``fourier_nn/configs/basri_sphere.py`` (``scripts/basri_sphere.py``).

  python scripts/ntk_circle.py --config=fourier_nn/configs/ntk_circle.py:shallow_nobias \
      --workdir=runs/basri_nobias
  python scripts/plot.py --workdir=runs/basri_nobias

Variants (``:base,modifier``): one base of ``shallow_nobias``, ``shallow_bias``,
``deep``, ``residual``; modifiers ``quick`` (CPU, minutes) and ``tiny``
(tests, seconds). What ``quick`` shortens, and what it gave (seed 0, 1 run per k; wall
time on the shared 2-core CPU, nice 10, load 2–10; measured before the per-pair reseeding
and the every-step check unless marked "new protocol"):
  shallow_nobias: 1 run per k instead of 30; m, n, κ, k = 1…30 and cap unchanged.
                  5–18 min. p = 2.28 [2.18, 2.37] (even k 8…30); closed-form NTK 2.03;
                  flow with the init empirical NTK 2.07; odd k ≥ 3: none converged.
  shallow_bias:   1 run, k ∈ {1,2,3,5,8,11,16,22,30}, m = 2 000, cap 12 000. 20 min.
                  p = 1.98 [0.96, 2.99] (5 k; not a clean power law: k = 30 takes 7 200
                  steps vs 1 018 predicted); every k ≤ 5 takes ~350 steps (the catapult
                  phase: η·λ_max(Θ₀) = 3.5 > 2, the loss first grows to ~600).
  deep/residual:  1 run, k ∈ {1,2,3,4,6,8,10,12,14,16}, n = 301 (the MSE's GD rate does
                  not depend on n), width 64, cap 16 000, fit over k = 4…16.
                  deep: 3 min, p = 1.80 [1.56, 2.04]; the init-NTK flow is 10²–10³×
                  slower than the net (η·(2/n)·λ_max(Θ₀) = 0.03: far from lazy).
                  residual (cross-entropy): 5.5 min, p = 2.33 [2.18, 2.48].
New protocol (Python 3.12 / jax 0.12, WORKSPACE.md rows B1n…B5n, B1n10, B2p, B2p5, B3w,
B3w10, B5w):
  shallow_nobias,quick  p = 2.08 [1.89, 2.28] (4 min); --config.num_runs=10: 2.13 [1.99, 2.26]
                        (43 min, beside other jobs); odd k >= 3 never converge.
  deep,quick            2.02 [1.66, 2.37]; at the paper's --config.model.width=256: 2.08
                        [1.89, 2.27] (240 s on a quiet box); with --config.num_runs=10:
                        1.99 [1.93, 2.05] (27 min, stopped at step 8 800).
  residual,quick        2.51 [2.38, 2.63]; --config.model.width=256: 2.47 [2.14, 2.80].
  shallow_bias,quick    2.38 [1.38, 3.39]. The paper's m = 4 000 and k = 1…30 (the base with
                        --config.num_runs=1 --config.num_steps=12000): 1.91 [1.76, 2.07]
                        (11 min); --config.num_runs=5 --config.pairs_per_program=30:
                        1.93 [1.82, 2.03] (38 min; programs stopped at 600…6 000 steps).
``tiny``: 2 runs, n = 64, k = 1…4, 200 steps, width 64 (deep/residual: 2 layers × 16).

Expected (paper): p ≈ 1.93–2.15 on the circle (shallow and deep); without bias odd
k ≥ 3 never converge (their NTK eigenvalue is 0).
"""
import ml_collections

BASES = ("shallow_nobias", "shallow_bias", "deep", "residual")
MODIFIERS = ("quick", "tiny")
VARIANTS = BASES + MODIFIERS


def parse_variants(arg: str | None, name: str, bases: tuple[str, ...],
                   default: str) -> tuple[str, list[str]]:
  """(base, variants) of ``arg`` = "base,modifier,…"; one line naming the choices if bad."""
  variants = [v for v in (arg or default).split(",") if v]
  for v in variants:
    if v not in bases + MODIFIERS:
      raise ValueError(f"unknown variant {v!r} of {name}; choose from {bases + MODIFIERS}")
  chosen = [v for v in variants if v in bases]
  if len(chosen) > 1:
    raise ValueError(f"{name} takes one of {bases}, got {chosen}")
  return (chosen[0] if chosen else default), variants


def base_config(experiment: str, base: str) -> ml_collections.ConfigDict:
  """Settings shared by the circle and the S² study (the shallow no-bias net on the circle)."""
  c = ml_collections.ConfigDict()
  c.experiment = experiment
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
  c.fit_even_only = True  # NoBias_1D/readAndPlot.m fits k = mink:2:maxk (bias: every k)
  c.fit_statistic = "mean"  # the authors average runs
  c.empirical_prediction = True  # kernel flow with each run's empirical NTK at init
  c.predict_max_steps = 10_000_000  # horizon of that prediction
  c.ntk_check = True  # shallow: empirical NTK at init vs the closed-form kernel

  c.pairs_per_program = 60  # 0: every (k, run) pair in one program; memory ∝ this
  # Stop a program once every pair in it is below its level (the authors stop each run at
  # convergence); False: train every pair to the cap (loss curves to the end).
  c.stop_at_convergence = True
  c.chunk_logs = 0
  c.checkpoint_every = 5
  return c


def apply_modifiers(c: ml_collections.ConfigDict, variants: list[str]) -> None:
  """``tiny`` (tests, seconds) on any base; ``quick`` is per base (see the configs)."""
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


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  base, variants = parse_variants(arg, "ntk_circle", BASES, "shallow_nobias")
  c = base_config("ntk_circle", base)
  if base == "shallow_bias":
    c.fit_even_only = False  # WithBias_1D/readAndPlot.m: mink:1:maxk
    c.model.bias = True
    c.model.kappa = 2.5
    c.num_steps = 50_000
    c.log_every = 50
  elif base in ("deep", "residual"):
    c.fit_even_only = False
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
    if base == "residual":  # authors' crossRes10_1D: 2-class cross-entropy, stop at CE < 0.05
      c.loss = "cross_entropy"
      c.threshold_mode = "absolute"

  if "quick" in variants:
    c.num_runs = 1
    c.pairs_per_program = 0
    if base == "shallow_nobias":
      pass
    elif base == "shallow_bias":
      c.freqs = (1, 2, 3, 5, 8, 11, 16, 22, 30)
      c.model.width = 2000
      c.num_steps = 12_000
    else:
      c.freqs = (1, 2, 3, 4, 6, 8, 10, 12, 14, 16)
      c.num_points = 301
      c.model.width = 64
      c.num_steps = 16_000
      c.fit_min_k = 4
      c.fit_max_k = 16
  apply_modifiers(c, variants)
  return c
