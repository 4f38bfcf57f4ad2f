r"""Rahaman et al. 2019 Exp 6: classification of sin(2πkz + φ) > 0 on flower manifolds.

  python scripts/manifold_classification.py \
      --config=fourier_nn/configs/manifold_classification.py:quick \
      --workdir=runs/exp6_quick [--config.num_seeds=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("manifold_classification", driver="manifold")
