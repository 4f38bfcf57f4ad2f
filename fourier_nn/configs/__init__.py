"""Experiment configs: one file per study, ``get_config("variant[,variant…]")``.

Each file's docstring holds its command, the expected result and the CPU runtime.
"""
from __future__ import annotations

from typing import Sequence

import ml_collections


def parse_variants(arg: str | None, name: str, allowed: Sequence[str],
                   default: str = "paper") -> list[str]:
  """The comma-separated variants of ``get_config(arg)``, each checked against ``allowed``.

  >>> parse_variants("quick,tiny", "x", ("paper", "quick", "tiny"))
  ['quick', 'tiny']
  >>> parse_variants(None, "x", ("paper",))
  ['paper']

  Raises:
    ValueError: an unknown variant (the scripts turn it into one line).
  """
  variants = [v for v in (arg or default).split(",") if v]
  for v in variants:
    if v not in allowed:
      raise ValueError(f"unknown variant {v!r} of {name}; choose from {tuple(allowed)}")
  return variants


def rahaman_mlp(depth: int = 5, width: int = 256) -> ml_collections.ConfigDict:
  """``model`` block of Rahaman et al.'s net: ``depth`` hidden ReLU layers of ``width``
  (5 × 256 = the paper's "6-layer, 256 wide"), PyTorch nn.Linear default init as the
  authors used."""
  m = ml_collections.ConfigDict()
  m.depth = depth
  m.width = width
  m.init = "torch"
  return m


def rahaman_two_class(experiment: str) -> ml_collections.ConfigDict:
  """The block Rahaman et al.'s Exp 3 and Exp 4 share (``ICML_MNISTLabelNoise``,
  ``ICML_MNISTWithKernels``): two digit classes (3 → −1, 8 → +1) of the shipped digits
  (``dataset``/``data_dir`` for MNIST), the 6×256 net (`rahaman_mlp`), Adam 1e-4, 5 000
  full-batch steps logged every step, all cells in one program, 3 seeds. The drivers add
  their own keys after it. (Its ``tiny``: `rahaman_two_class_tiny`.)"""
  c = ml_collections.ConfigDict()
  c.experiment = experiment
  c.seed = 0
  c.num_seeds = 3
  c.dataset = "digits"
  c.data_dir = ""  # MNIST / CIFAR-10 directory; unused for digits
  c.negative = 3  # class → −1
  c.positive = 8  # class → +1
  c.model = rahaman_mlp()
  c.optimizer = "adam"
  c.lr = 1e-4
  c.b1 = 0.9
  c.b2 = 0.999
  c.num_steps = 5_000
  c.log_every = 1  # paper and notebooks: validation every step
  c.cells_per_program = 0  # 0: all cells in one program; > 0 bounds memory
  c.chunk_logs = 0  # 0: automatic (~5 % of the run per compiled chunk)
  c.checkpoint_every = 10  # chunks
  return c


def rahaman_two_class_tiny(c: ml_collections.ConfigDict) -> None:
  """``tiny`` of `rahaman_two_class` (tests, seconds): 2 seeds, width 16, depth 2, 20 steps
  logged every 10."""
  c.num_seeds = 2
  c.model.width = 16
  c.model.depth = 2
  c.num_steps = 20
  c.log_every = 10


def add_real_data(config: ml_collections.ConfigDict, dataset: str = "digits") -> None:
  """The real-data keys of an experiment: ``dataset`` (one of `data.REAL_DATASETS`,
  "digits" by default: shipped with scikit-learn) and ``data_dir`` (None; the local
  directory of MNIST / CIFAR-10, e.g. ``--config.dataset=mnist --config.data_dir=~/mnist``).
  Drivers check both with `experiments.common.check_dataset` before anything compiles."""
  config.dataset = dataset
  config.data_dir = ml_collections.config_dict.placeholder(str)
