"""The sweep runner's driver entry for `cli.experiment_main` (the code is `fourier_nn.sweep`)."""
from fourier_nn.sweep import run, validate  # noqa: F401
