r"""Rahaman et al. 2019 Exp 1: spectral bias of a 6-layer ReLU net on a sum of sines.

  python scripts/spectral_bias_1d.py --config=fourier_nn/configs/spectral_bias_1d.py:quick \
      --workdir=runs/exp1_quick [--config.num_seeds=4] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("spectral_bias_1d")
