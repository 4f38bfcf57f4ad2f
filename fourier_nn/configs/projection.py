r"""F-Principle slides, "Examining F-Principle for high dimensional real problems":
projection method. Δ_F at the peaks of the target's NUDFT along the first principal
component, over training.

Inputs x_i [n, D] of ``dataset`` (digits by default: all 1 797 images, 64 pixels in
[0, 1]; MNIST / CIFAR-10 from ``data_dir``: the first ``max_points`` images, flattened),
target y_i = the class label as a number (regression of the label, MSE). p₁ = the first
principal component of the inputs (`spectrum.first_principal_component`);
ŷ(k) = (1/n) Σ_i y_i exp(−i2πk p₁·x_i) on ``freqs`` = linspace(0, k_max, num_freqs)
(`spectrum.nudft`); its first ``num_peaks`` peaks (`spectrum.spectrum_peaks`, the authors'
rule); Δ_F(k) at those peaks every ``log_every`` steps (`spectrum.relative_error`,
``delta_f`` = "complex", the slides' |ĥ − ŷ|/|ŷ|, or "magnitude", the authors' 1-D code's
||ĥ| − |ŷ||/(1e-5 + |ŷ|)). Seeds vmapped in one program. Driver:
`fourier_nn.experiments.projection`.

Which target: the slides write MNIST as R^784 → R^10 but the projection formula with a
scalar ŷ_k; the authors' public code (xuzhiqin1990/F-Principle: BasicFunc.py,
main_1d_20190924.py, fetched 2026-12) has no high-dimensional script. So the label value is
regressed here (one scalar per image); the one-hot variant is not built. Settings are
not stated in the slides: ReLU MLP 3 × 256 (Flax init), Adam 1e-4 (slow enough to see the
order), full batch, 3 seeds, 3 000 steps, log every 10; k_max = 3 cycles per unit of p₁·x
(digits' p₁·x spans ≈ 3.9), 301 frequencies, 6 peaks.

Command (default; not run here — the lr-1e-4 run of width 128 took 470 s for 1 500 steps
under load):

  python scripts/projection.py --config=fourier_nn/configs/projection.py --workdir=runs/proj
  python scripts/plot.py --workdir=runs/proj

Variants (``:a,b``): ``default``; ``quick`` (2 CPU cores: width 128, 2 seeds, Adam 1e-3,
400 steps, log every 5); ``tiny`` (tests: 200 images, width 16, 2 seeds, 20 steps).

Expected (slides): Δ_F falls below 0.1 at the low-frequency peaks first. Measured (load
≈ 15 on the 2-core box, 2 seeds, peaks k = 0.78, 1.31, 1.66, 2.01, 2.72, 2.99): ``quick``
(112 s training): first step with seed-mean Δ_F < 0.1 per peak 110, 90, 170, 35, 20, 275;
``quick`` with lr 1e-4, 1 500 steps (470 s): 620, 490, 870, 110, 730, never (Δ_F 0.104 at
the end). The highest peak is learned last, but the order in between is not monotone in k.
The default (Adam 1e-4, width 256, 3 000 steps, 3 seeds) was not run here.
"""
import ml_collections

from fourier_nn.configs import add_real_data, parse_variants

VARIANTS = ("default", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "projection", VARIANTS, default="default")

  c = ml_collections.ConfigDict()
  c.experiment = "projection"
  c.seed = 0
  c.num_seeds = 3
  add_real_data(c)  # dataset="digits", data_dir=None
  c.max_points = 5_000  # MNIST / CIFAR-10: the first images (digits has 1 797)

  c.k_max = 3.0
  c.num_freqs = 301
  c.num_peaks = 6
  c.delta_f = "complex"
  c.threshold = 0.1  # the summary's "learned" level of Δ_F

  c.model = ml_collections.ConfigDict()
  c.model.depth = 3
  c.model.width = 256
  c.model.activation = "relu"
  c.model.init = "flax"

  c.optimizer = "adam"
  c.lr = 1e-4
  c.b1 = 0.9
  c.b2 = 0.999
  c.num_steps = 3_000
  c.log_every = 10
  c.chunk_logs = 0
  c.checkpoint_every = 10

  for v in variants:
    if v == "quick":
      c.num_seeds = 2
      c.model.width = 128
      c.lr = 1e-3
      c.num_steps = 400
      c.log_every = 5
    elif v == "tiny":
      c.num_seeds = 2
      c.max_points = 200
      c.model.depth = 2
      c.model.width = 16
      c.num_steps = 20
      c.log_every = 10
      c.num_peaks = 3
  return c
