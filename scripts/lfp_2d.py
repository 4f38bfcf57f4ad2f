r"""High-dimensional LFP in d = 2: a wide two-layer ReLU net vs the polyharmonic-type
minimum-FP-norm interpolants (−|s| or |s|³ kernels).

  python scripts/lfp_2d.py --config=fourier_nn/configs/lfp_2d.py:ramp,quick \
      --workdir=runs/lfp_2d_ramp_quick [--config.num_seeds=2] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("lfp_2d")
