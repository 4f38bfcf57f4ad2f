r"""Rahaman et al. 2019 Exp 3: radial-wave label noise of frequency k and amplitude β.

  python scripts/label_noise.py --config=fourier_nn/configs/label_noise.py:quick \
      --workdir=runs/exp3_quick [--config.dataset=mnist --config.data_dir=DIR] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("label_noise")
