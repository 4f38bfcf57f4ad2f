r"""Rahaman et al. 2019 Exp 4: spectra of target, noise and net in RBF-kernel eigenvectors.

  python scripts/kernel_spectrum.py --config=fourier_nn/configs/kernel_spectrum.py:quick \
      --workdir=runs/exp4_quick [--config.dataset=mnist --config.data_dir=DIR] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("kernel_spectrum")
