r"""Rahaman et al. 2019 A.5: a δ fit by ReLU nets of several depths, widths, weight clips.

  python scripts/delta_ablation.py --config=fourier_nn/configs/delta_ablation.py:quick \
      --workdir=runs/delta_quick [--config.ablations="('clip',)"] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("delta_ablation")
