r"""F-Principle slides ("Why don't heavily parameterized neural networks overfit the data?"):
parity f(x) = Π_j x_j on {−1, 1}^n does not generalise; natural data of the same size does.

For each n in ``ns`` all 2^n points of the cube (`data.parity_cube`); per seed a random
``train_fraction`` of them is the training set, the rest the test set (`data.random_splits`).
An MLP fit by MSE to the ±1 labels (``loss="bce"``: logits against (y + 1)/2), full batch;
accuracy = sign of the output against the label, on train and test, every ``log_every``
steps. Beside it the natural task of the same size: two classes of ``dataset`` (digits by
default, ``classes`` (3, 8) → −1, +1, Rahaman's pair), ``round(train_fraction · 2^digits_n)``
random training images (pixels in [0, 1]), the rest of the two classes as test, the same
hidden layers and optimiser. Seeds are the vmapped axis of one program per n (shapes
differ between n) and one for the digits. Driver: `fourier_nn.experiments.parity`.

The slides give no settings (only "test accuracy ~50 %, random guess" for parity and 72 %
on CIFAR-10), and the authors' public code (xuzhiqin1990/F-Principle: BasicFunc.py,
main_1d_20190924.py) has no parity script, so there is no authors' variant. Chosen here:
ReLU MLP 3 × 256 (Flax init), Adam 1e-3, 2 000 steps, train_fraction 0.5, n = 4…12, 5 seeds.

Command (default: 9 values of n × 5 seeds + digits; not run here — n = 11, 12 train on
1 024 / 2 048 points, the quick run's n = 10 took ~2 min of its 17 under load):

  python scripts/parity.py --config=fourier_nn/configs/parity.py --workdir=runs/parity
  python scripts/plot.py --workdir=runs/parity

Real data from a local directory instead of digits (nothing is downloaded):
``--config.dataset=mnist --config.data_dir=PATH`` (IDX files or mnist.npz) or
``--config.dataset=cifar10 --config.data_dir=PATH`` (python batches).

Variants (``:a,b``): ``default``; ``quick`` (2 CPU cores: n = 4…10, width 128, 3 seeds,
1 000 steps); ``tiny`` (tests: n = (4, 6), width 16, 2 seeds, 20 steps).

Expected (slides): parity test accuracy ≈ 50 % (chance) with the training set fitted,
digits test accuracy far above chance. Measured with ``quick`` (1 035 s training at load
≈ 15 on the 2-core box; seed mean ± std over 3 seeds): train accuracy 1.000 at every n;
parity test accuracy for n = 4…10: 0.17 ± 0.12, 0.19 ± 0.14, 0.20 ± 0.04, 0.21 ± 0.02,
0.20 ± 0.01, 0.22 ± 0.01, 0.28 ± 0.02 — far BELOW chance (n = 10: 95 % band of a guesser
[0.475, 0.525]); digits 3 vs 8 with 128 training images: 0.990 ± 0.005. So parity does not
generalise, but at train_fraction 0.5 the net anti-generalises rather than guessing: it
interpolates the Hamming neighbours of a test point, whose labels are the opposite.
"""
import ml_collections

from fourier_nn.configs import add_real_data, parse_variants

VARIANTS = ("default", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "parity", VARIANTS, default="default")

  c = ml_collections.ConfigDict()
  c.experiment = "parity"
  c.seed = 0
  c.num_seeds = 5
  c.ns = tuple(range(4, 13))
  c.train_fraction = 0.5

  add_real_data(c)  # dataset="digits", data_dir=None
  c.classes = (3, 8)  # → −1, +1
  c.digits_n = 8  # the digits task has as many training points as parity at this n

  c.model = ml_collections.ConfigDict()
  c.model.depth = 3
  c.model.width = 256
  c.model.activation = "relu"
  c.model.init = "flax"

  c.loss = "mse"
  c.optimizer = "adam"
  c.lr = 1e-3
  c.b1 = 0.9
  c.b2 = 0.999

  c.num_steps = 2_000
  c.log_every = 100
  c.chunk_logs = 0
  c.checkpoint_every = 10

  for v in variants:
    if v == "quick":
      c.num_seeds = 3
      c.ns = tuple(range(4, 11))
      c.model.width = 128
      c.num_steps = 1_000
      c.log_every = 50
    elif v == "tiny":
      c.num_seeds = 2
      c.ns = (4, 6)
      c.digits_n = 6
      c.model.depth = 2
      c.model.width = 16
      c.num_steps = 20
      c.log_every = 10
  return c
