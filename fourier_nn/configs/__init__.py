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


def add_real_data(config: ml_collections.ConfigDict, dataset: str = "digits") -> None:
  """The real-data keys of an experiment: ``dataset`` (one of `data.REAL_DATASETS`,
  "digits" by default: shipped with scikit-learn) and ``data_dir`` (None; the local
  directory of MNIST / CIFAR-10, e.g. ``--config.dataset=mnist --config.data_dir=~/mnist``).
  Drivers check both with `experiments.common.check_dataset` before anything compiles."""
  config.dataset = dataset
  config.data_dir = ml_collections.config_dict.placeholder(str)
