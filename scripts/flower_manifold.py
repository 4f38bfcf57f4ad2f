r"""Rahaman et al. 2019 Exp 5: a sum of sines on flower manifolds with L petals (MSE).

  python scripts/flower_manifold.py --config=fourier_nn/configs/flower_manifold.py:quick \
      --workdir=runs/exp5_quick [--config.num_seeds=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("flower_manifold", driver="manifold")
