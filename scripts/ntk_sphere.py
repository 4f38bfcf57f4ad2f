r"""Cao et al. 2019: residual projections on spherical harmonics of degree 1, 2, 4.

  python scripts/ntk_sphere.py --config=fourier_nn/configs/ntk_sphere.py:quick \
      --workdir=runs/cao_quick [--config.num_seeds=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("ntk_sphere")
