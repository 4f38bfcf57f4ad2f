r"""Rahaman et al. 2019 Exp 2: how robust each learned frequency is to parameter noise.

  python scripts/robustness.py --config=fourier_nn/configs/robustness.py:quick \
      --workdir=runs/exp2_quick [--config.from_workdir=runs/exp1_equal] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("robustness")
