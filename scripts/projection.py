r"""F-Principle projection method: Δ_F along the first principal component over training.

  python scripts/projection.py --config=fourier_nn/configs/projection.py:quick \
      --workdir=runs/proj_quick [--config.dataset=mnist --config.data_dir=PATH] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("projection")
