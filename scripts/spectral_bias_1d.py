r"""Rahaman et al. 2019 Exp 1: spectral bias of a 6-layer ReLU net on a sum of sines.

  python scripts/spectral_bias_1d.py --config=fourier_nn/configs/spectral_bias_1d.py:quick \
      --workdir=runs/exp1_quick [--config.num_seeds=4] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from absl import app, flags
from ml_collections import config_flags

from fourier_nn import cli
from fourier_nn.experiments import spectral_bias_1d

_CONFIG = config_flags.DEFINE_config_file(
    "config", cli.config_path("spectral_bias_1d"), "Experiment config file[:variants].",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Directory for the record.", required=True)
_RESUME = flags.DEFINE_bool("resume", False, "Continue from the checkpoint in --workdir.")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  cli.run_or_exit(lambda: spectral_bias_1d.run(_CONFIG.value, _WORKDIR.value, _RESUME.value),
                  "spectral_bias_1d")


if __name__ == "__main__":
  app.run(main)
