r"""Basri et al. 2019 on S²: iterations to fit the Legendre polynomial P_k, vs k.

  python scripts/basri_sphere.py --config=fourier_nn/configs/basri_sphere.py:quick \
      --workdir=runs/basri_sphere_quick [--config.num_runs=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("basri_sphere", driver="basri")
