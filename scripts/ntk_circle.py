r"""Basri et al. 2019: convergence time per frequency of two-layer and deep ReLU nets.

  python scripts/ntk_circle.py --config=fourier_nn/configs/ntk_circle.py:shallow_nobias,quick \
      --workdir=runs/basri_nobias_quick [--config.num_runs=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("ntk_circle", driver="basri")
