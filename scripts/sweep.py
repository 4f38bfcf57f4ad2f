r"""A sweep over config values × seeds of the Exp 1 workload (fourier_nn/sweep.py).

  python scripts/sweep.py --config=fourier_nn/configs/sweep.py:quick \
      --workdir=runs/sweep_quick [--config.grid.lr=1e-4,1e-3] [--resume] [--overwrite]

Sharding flags (--host_devices, --coordinator_address, --num_processes, --process_id) as in
every script. See the config's docstring for the grid, expected result and runtime.
"""
from fourier_nn import cli

if __name__ == "__main__":
  cli.experiment_main("sweep")
