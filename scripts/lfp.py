r"""Linear F-Principle: a wide two-layer ReLU net converges to a linear or cubic spline.

  python scripts/lfp.py --config=fourier_nn/configs/lfp.py:cubic,quick \
      --workdir=runs/lfp_cubic_quick [--config.num_seeds=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("lfp")
