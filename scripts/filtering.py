r"""F-Principle filtering method (the authors' filter_gd.py): e_low vs e_high over a δ sweep.

  python scripts/filtering.py --config=fourier_nn/configs/filtering.py[:mlp|authors|quick|tiny] \
      --workdir=runs/filtering [--config.data_dir=DIR] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("filtering")
