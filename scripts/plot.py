r"""Draws the standard figure of a record: ``python scripts/plot.py --workdir=DIR``.

Writes DIR/figure.png (or --out: .png, .pdf or .svg). Works for any experiment
registered in `fourier_nn.plotting.FIGURES`.
"""
import os

import matplotlib

matplotlib.use("Agg")  # a script draws headless; the library leaves the backend alone
from absl import app, flags, logging  # noqa: E402

from fourier_nn import cli  # noqa: E402

_WORKDIR = flags.DEFINE_string("workdir", None, "Directory holding a record.", required=True)
_OUT = flags.DEFINE_string("out", None, "Output image (default: WORKDIR/figure.png).")


def main(argv):
  del argv

  def plot():
    from fourier_nn import plotting, records
    rec = records.load_record(_WORKDIR.value)
    out = _OUT.value or os.path.join(_WORKDIR.value, "figure.png")
    plotting.save_figure(plotting.figure_for(rec), out)
    logging.info("plot: wrote %s", out)

  cli.run_or_exit(plot, "plot")


if __name__ == "__main__":
  app.run(main)
