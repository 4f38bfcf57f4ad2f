r"""2-D image fit (F-Principle slides, "How DNN fits a 2-d image?"; issue 8 item 6).

An MLP maps the pixel position x ∈ [−1, 1]² (pixel centres, x₁ = column, x₂ = −row) to
the grey value of scikit-learn's shipped photograph ``china.jpg`` (BT.601 luma / 255,
centred square crop, block-mean downsampled to 64 × 64: `data.sample_photo`). The slides
show the fit but give no settings; the project's choices: ReLU MLP 4 × 128 (Flax
default init: lecun-normal weights, zero biases), Adam lr 1e-3, MSE, full
batch (all 4 096 pixels), 2 000 steps, 2 seeds (4 × 256 and 3 000 steps were planned;
too slow for the shared 2-core box). Radial spectrum: 8 rings of |k| up to the Nyquist
radius 32 cycles per image (ring width 4); per ring and logged step the relative error
‖DFT(h) − DFT(I)‖/‖DFT(I)‖ (the 2-D Δ_F); ``threshold`` = 0.5 for the first crossing.

Commands:

  python scripts/image_fit.py --workdir=runs/image_fit
  python scripts/image_fit.py --config=fourier_nn/configs/image_fit.py:quick --workdir=runs/image_fit_quick
  python scripts/plot.py --workdir=runs/image_fit

Variants (``:a,b``): default; ``flower`` (flower.jpg); ``quick`` (32 × 32, MLP 3 × 128,
1 500 steps, 1 seed; ~2 min loaded); ``tiny`` (tests: 16 × 16, 2 × 32, 100 steps, 2 seeds, 4 rings).

Expected (F-Principle): the first step at which a ring's error falls below 0.5 increases
with the ring. Measured (default, 2 seeds, 1 288 s on a loaded 2-core box): rings 0..7 cross
at 20, 270, 580, 1 470 steps, the outer four never within 2 000 (WORKSPACE.md row F6).
"""
import ml_collections

from fourier_nn.configs import parse_variants

VARIANTS = ("default", "flower", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "image_fit", VARIANTS, default="default")

  c = ml_collections.ConfigDict()
  c.seed = 0
  c.num_seeds = 2
  c.photo = "flower.jpg" if "flower" in variants else "china.jpg"
  c.size = 64
  c.num_rings = 8
  c.threshold = 0.5

  c.model = ml_collections.ConfigDict()
  c.model.depth = 4
  c.model.width = 128
  c.model.activation = "relu"
  c.model.init = "flax"

  c.optimizer = "adam"
  c.lr = 1e-3
  c.num_steps = 2_000
  c.log_every = 20
  c.snapshot_steps = (0, 60, 200, 600, 2_000)

  for v in variants:
    if v == "quick":
      c.num_seeds = 1
      c.size = 32
      c.model.depth, c.model.width = 3, 128
      c.num_steps, c.log_every = 1_500, 25
      c.snapshot_steps = (0, 50, 200, 500, 1_500)
    elif v == "tiny":
      c.num_seeds = 2
      c.size, c.num_rings = 16, 4
      c.model.depth, c.model.width = 2, 32
      c.num_steps, c.log_every = 100, 10
      c.snapshot_steps = (0, 50, 100)
  return c
