r"""F-Principle in high dimension, filtering method (Xu, Zhang, Luo et al.; the authors'
``filter_gd.py``, xuzhiqin1990/F-Principle branch ``main``, read for every setting below):
the low-frequency part of the labels is fitted before the high-frequency part.

Filter: G^δ_ij = exp(−‖x_i − x_j‖²/(2δ)) over the training inputs (δ a variance),
row-normalised; y^low = G^δ y, y^high = y − y^low for the one-hot labels y [n, 10] and
likewise for the softmax outputs h; e_low = ‖y^low − h^low‖_F/‖y^low‖_F, e_high alike
(`spectrum.filtered_errors`), measured after every epoch (and at initialisation).

The authors: CIFAR-10, 5 000 random training images /255 (flattened for the distances),
δ = linspace(2, 100, 20); CNN Conv32(3×3)-ReLU-Conv64(3×3)-ReLU-MaxPool2-Dense400-ReLU-
Dense10-softmax with Keras defaults (`models.FilterCNN`); SGD lr 1e-3, Nesterov momentum
0.9, Keras' ``decay=1e-6`` (lr / (1 + 1e-6·t)); batch 50, shuffled every epoch; 100 epochs;
categorical cross-entropy. Here by default the data are scikit-learn's 8×8 digits (all
1 797 images, grey levels /16, `data.load_images`), with δ scaled to the data: δ = r ·
median squared pairwise distance of the training inputs, r = linspace(0.02, 1, 20)
(``delta_unit="median_sq_dist"``; the digits' median is 9.41 (checked in the record:
``median_sq_dist``). CIFAR-10 /255 has pixels with similar spread but 48× the dimension; the
authors' δ range 2–100 likewise spans from well below to around its typical squared
distance). ``delta_unit="absolute"`` takes ``deltas`` as they are (the authors' values).
Mini-batches: `train.MiniBatch(50)`, per-seed shuffles, the ragged tail of n mod 50
samples left out of each epoch (Keras trains on it as a smaller last batch).

Variants (``:a,b``):
  * ``mlp`` — a ReLU MLP 64-400-400-10 (flattened inputs, Glorot init) instead of the CNN.
  * ``authors`` — CIFAR-10 from ``--config.data_dir``, 5 000 images, δ = linspace(2, 100,
    20) absolute (needs the CIFAR-10 loader of `data.load_images`).
  * ``quick`` — 3 seeds, 20 epochs.
  * ``tiny`` — tests: the MLP on the first 300 digits, 2 seeds, 4 epochs, 5 δ values.

Command:

  python scripts/filtering.py --config=fourier_nn/configs/filtering.py \
      --workdir=runs/filtering
  python scripts/plot.py --workdir=runs/filtering

Expected (slides): e_low < e_high early in training, for every δ.

Measured: WORKSPACE.md row FP2.
"""
import ml_collections
import numpy as np

from fourier_nn.configs import parse_variants

VARIANTS = ("code", "mlp", "authors", "quick", "tiny")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
  variants = parse_variants(arg, "filtering", VARIANTS, default="code")

  c = ml_collections.ConfigDict()
  c.seed = 0
  c.num_seeds = 3
  c.dataset = "digits"
  c.data_dir = ""
  c.num_train = 0  # 0 = every image; else the first num_train (CIFAR: a random subset)
  c.deltas = tuple(float(d) for d in np.linspace(0.02, 1.0, 20))
  c.delta_unit = "median_sq_dist"  # | "absolute"

  c.model = "cnn"  # "cnn" (models.FilterCNN) | "mlp"
  c.mlp_widths = (400, 400)

  c.lr = 1e-3
  c.momentum = 0.9
  c.nesterov = True
  c.lr_decay = 1e-6  # Keras' legacy decay: lr / (1 + decay · step)
  c.batch_size = 50
  c.epochs = 100
  c.chunk_logs = 0  # epochs per compiled chunk (0 = automatic)
  c.checkpoint_every = 5

  for v in variants:
    if v == "mlp":
      c.model = "mlp"
    elif v == "authors":
      c.dataset = "cifar10"
      c.num_train = 5_000
      c.deltas = tuple(float(d) for d in np.linspace(2, 100, 20))
      c.delta_unit = "absolute"
    elif v == "quick":
      c.epochs = 20
    elif v == "tiny":
      c.model = "mlp"
      c.mlp_widths = (64,)
      c.num_seeds = 2
      c.num_train = 300
      c.deltas = (0.05, 0.1, 0.25, 0.5, 1.0)
      c.lr = 1e-2
      c.epochs = 4
  return c
