r"""Basri et al. 2019: convergence time per frequency of two-layer and deep ReLU nets.

  python scripts/ntk_circle.py --config=fourier_nn/configs/ntk_circle.py:shallow_nobias,quick \
      --workdir=runs/basri_nobias_quick [--config.num_runs=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from absl import app, flags
from ml_collections import config_flags

from fourier_nn import cli
from fourier_nn.experiments import ntk_circle

_CONFIG = config_flags.DEFINE_config_file(
    "config", cli.config_path("ntk_circle"), "Experiment config file[:variants].",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Directory for the record.", required=True)
_RESUME = flags.DEFINE_bool("resume", False, "Continue from the checkpoints in --workdir.")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  cli.run_or_exit(lambda: ntk_circle.run(_CONFIG.value, _WORKDIR.value, _RESUME.value),
                  "ntk_circle")


if __name__ == "__main__":
  app.run(main)
