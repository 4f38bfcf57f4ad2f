r"""F-Principle slides: parity on {−1, 1}^n vs digits of the same size (train/test accuracy).

  python scripts/parity.py --config=fourier_nn/configs/parity.py:quick \
      --workdir=runs/parity_quick [--config.dataset=mnist --config.data_dir=PATH] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("parity")
