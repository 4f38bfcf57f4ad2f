"""Shared plumbing of the absl scripts: config path defaults and clean failure.

Bad input must give one line naming what is wrong and a non-zero exit — never a traceback
from inside jit — and nothing half-written (records are atomic, see `records`).
"""
from __future__ import annotations

import os
import sys
from typing import Callable

from absl import logging

CONFIG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")


def config_path(name: str) -> str:
  """Absolute path of ``fourier_nn/configs/NAME.py`` (works from any working directory)."""
  return os.path.join(CONFIG_DIR, name + ".py")


def run_or_exit(fn: Callable[[], object], prog: str) -> None:
  """Runs ``fn``; turns user errors into ``PROG: error: MESSAGE`` on stderr and exit 2."""
  logging.set_verbosity(logging.INFO)
  try:
    fn()
  except (ValueError, FileNotFoundError, PermissionError, ImportError) as e:
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    sys.stderr.write(f"{prog}: error: {msg}\n")
    sys.stderr.flush()
    os._exit(2)  # skip atexit/JAX teardown noise; nothing is left half-written


def experiment_main(name: str) -> None:
  """The whole absl main of ``scripts/NAME.py``: --config (file[:variants], default
  fourier_nn/configs/NAME.py), --workdir, --resume; runs fourier_nn.experiments.NAME.run."""
  import importlib

  from absl import app, flags
  from ml_collections import config_flags

  config = config_flags.DEFINE_config_file(
      "config", config_path(name), "Experiment config file[:variants].", lock_config=True)
  workdir = flags.DEFINE_string("workdir", None, "Directory for the record.", required=True)
  resume = flags.DEFINE_bool("resume", False, "Continue from the checkpoint in --workdir.")

  def main(argv):
    if len(argv) > 1:
      raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    exp = importlib.import_module(f"fourier_nn.experiments.{name}")
    run_or_exit(lambda: exp.run(config.value, workdir.value, resume.value), name)

  app.run(main)
