r"""F-Principle in 1-D (the authors' f_principle.py): Δ_F at the target's DFT peaks.

  python scripts/fprinciple_1d.py --config=fourier_nn/configs/fprinciple_1d.py[:slides|older|quick|tiny] \
      --workdir=runs/fprinciple_1d [--config.delta_f=complex] [--resume]

See the config's docstring for settings, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("fprinciple_1d")
