r"""Cao et al. 2019: residual projections on spherical harmonics of degree 1, 2, 4.

  python scripts/ntk_sphere.py --config=fourier_nn/configs/ntk_sphere.py:quick \
      --workdir=runs/cao_quick [--config.num_seeds=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from absl import app, flags
from ml_collections import config_flags

from fourier_nn import cli
from fourier_nn.experiments import ntk_sphere

_CONFIG = config_flags.DEFINE_config_file(
    "config", cli.config_path("ntk_sphere"), "Experiment config file[:variants].",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Directory for the record.", required=True)
_RESUME = flags.DEFINE_bool("resume", False, "Continue from the checkpoint in --workdir.")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  cli.run_or_exit(lambda: ntk_sphere.run(_CONFIG.value, _WORKDIR.value, _RESUME.value),
                  "ntk_sphere")


if __name__ == "__main__":
  app.run(main)
