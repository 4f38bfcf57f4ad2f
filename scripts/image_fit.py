r"""2-D image fit: an MLP from pixel position to the grey value of a shipped photograph,
radial (annulus) spectrum of the error over training.

  python scripts/image_fit.py --config=fourier_nn/configs/image_fit.py:quick \
      --workdir=runs/image_fit_quick [--config.num_seeds=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("image_fit")
