"""Shared plumbing of the absl scripts: config path defaults and clean failure.

Bad input must give one line naming what is wrong and a non-zero exit — never a traceback
from inside jit — and nothing half-written (records are atomic, see `records`).
"""
from __future__ import annotations

import os
import sys
from typing import Callable

from absl import logging

PRECISIONS = ("highest", "high", "default")
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


def experiment_main(name: str, driver: str | None = None) -> None:
  """The whole absl main of ``scripts/NAME.py``: --config (file[:variants], default
  fourier_nn/configs/NAME.py), --workdir, --resume, --overwrite; runs
  ``fourier_nn.experiments.DRIVER.run`` (DRIVER defaults to NAME)."""
  import importlib

  from absl import app, flags
  from ml_collections import config_flags

  config = config_flags.DEFINE_config_file(
      "config", config_path(name), "Experiment config file[:variants].", lock_config=True)
  workdir = flags.DEFINE_string("workdir", None, "Directory for the record.", required=True)
  resume = flags.DEFINE_bool("resume", False, "Continue from the checkpoint in --workdir.")
  overwrite = flags.DEFINE_bool("overwrite", False, "Replace a record already in --workdir.")
  tensorboard = flags.DEFINE_bool(
      "tensorboard", False, "Also write TensorBoard event files to --workdir/tensorboard.")
  precision = flags.DEFINE_enum(
      "matmul_precision", "highest", PRECISIONS,
      "float32 matmul precision for training and the in-graph DFT on GPU/TPU: 'highest' "
      "(true float32, the default here), 'high' (bf16_3x) or 'default' (TF32 / bf16, the "
      "accelerators' own default). No effect on CPU. Recorded in the provenance.")
  dist = define_distributed_flags()

  def main(argv):
    if len(argv) > 1:
      raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    start_devices(dist, name)  # before any other use of JAX's devices
    import jax
    jax.config.update("jax_default_matmul_precision", precision.value)
    exp = importlib.import_module(f"fourier_nn.experiments.{driver or name}")
    run_or_exit(lambda: exp.run(config.value, workdir.value, resume=resume.value,
                                overwrite=overwrite.value, tensorboard=tensorboard.value),
                name)

  app.run(main, flags_parser=lambda argv: parse_flags_or_exit(argv, name))


def define_distributed_flags() -> dict:
  """The device and multi-host flags every script shares (`sharding`): --host_devices,
  --distributed, --coordinator_address, --num_processes, --process_id."""
  from absl import flags

  return dict(
      host_devices=flags.DEFINE_string(
          "host_devices", None,
          "CPU host devices the seeds are sharded over: a positive integer or 'cores' (one "
          f"per usable core). Default: ${sharding_env()} or "
          f"'{sharding_default()}'. Ignored when XLA_FLAGS sets "
          "--xla_force_host_platform_device_count."),
      distributed=flags.DEFINE_bool(
          "distributed", False,
          "Call jax.distributed.initialize (settings detected by JAX on SLURM, Open MPI and "
          "TPU pods; implied by any of the three flags below). Process 0 writes the record."),
      coordinator_address=flags.DEFINE_string(
          "coordinator_address", None, "jax.distributed: host:port of process 0."),
      num_processes=flags.DEFINE_integer(
          "num_processes", None, "jax.distributed: number of processes.", lower_bound=1),
      process_id=flags.DEFINE_integer(
          "process_id", None, "jax.distributed: this process's index.", lower_bound=0))


def sharding_env() -> str:
  from fourier_nn import sharding
  return sharding.ENV_HOST_DEVICES


def sharding_default() -> str:
  from fourier_nn import sharding
  return sharding.DEFAULT_HOST_DEVICES


def start_devices(dist: dict, prog: str) -> None:
  """Host device count, then jax.distributed, from the flags of `define_distributed_flags`
  (before JAX starts a backend); a bad value is one line and exit 2."""
  from fourier_nn import sharding

  def start():
    sharding.configure_host_devices(dist["host_devices"].value)
    sharding.initialize_distributed(dist["coordinator_address"].value,
                                    dist["num_processes"].value, dist["process_id"].value,
                                    force=dist["distributed"].value)

  run_or_exit(start, prog)


def parse_flags_or_exit(argv: list[str], prog: str) -> list[str]:
  """absl flag parsing, but a bad flag, variant or config key is one line and exit 2."""
  from absl import flags

  try:
    return flags.FLAGS(argv)
  except Exception as e:  # noqa: BLE001 - every parse failure is a user error here
    msg = _flag_error_message(e, argv, prog)
  sys.stderr.write(f"{prog}: error: {msg}\n")
  sys.stderr.flush()
  os._exit(2)


def _flag_error_message(e: Exception, argv: list[str], prog: str) -> str:
  cause = e
  while cause.__cause__ is not None or cause.__context__ is not None:
    cause = cause.__cause__ or cause.__context__
  if isinstance(cause, (AttributeError, KeyError)):
    key = str(cause).strip("\"'")
    bad = [a.split("=", 1)[0][len("--config."):] for a in argv[1:] if a.startswith("--config.")]
    full = next((b for b in bad if b.split(".")[-1] == key), key)
    return f"--config.{full} is not a config key of {prog}{_suggest(full, prog)}"
  text = (str(e) or str(cause) or type(cause).__name__).splitlines()[0].strip()
  if text.endswith(":") and str(cause):  # "flag --config=…: Error whilst parsing config file:"
    text = f"{text} {str(cause).splitlines()[0].strip()}"
  return text


def _suggest(key: str, prog: str) -> str:
  """'; did you mean --config.X?' from the default config's keys (empty if none close)."""
  import difflib
  import importlib

  try:
    cfg = importlib.import_module(f"fourier_nn.configs.{prog}").get_config()
  except Exception:  # noqa: BLE001 - a suggestion is optional
    return ""

  def keys(d, prefix=""):
    for k, v in d.items():
      yield prefix + k
      if hasattr(v, "items"):
        yield from keys(v, prefix + k + ".")

  every = list(keys(cfg))
  leaf = key.split(".")[-1]
  close = ([k for k in every if k.split(".")[-1] == leaf]
           or difflib.get_close_matches(key, every, n=1, cutoff=0.6))
  return f"; did you mean --config.{close[0]}?" if close else ""
