r"""Draws the standard figure of a record: ``python scripts/plot.py --workdir=DIR``.

Writes DIR/figure.png, or ``--out=PATH``: the format follows the suffix — ``.png``
(raster, 300 dpi in the paper style), ``.pdf`` or ``.svg`` (vector, with embedded
TrueType fonts: for a paper). ``--style=paper`` (default: 7.0 in wide, 8 pt serif text
and mathtext, panel letters) or ``--style=screen`` (twice as large, 10 pt sans-serif).
Works for any experiment registered in `fourier_nn.plotting.FIGURES`.

  python scripts/plot.py --workdir=runs/demo --out=runs/demo/fig.pdf
  python scripts/plot.py --workdir=runs/demo --out=fig.svg --style=screen
"""
import os

import matplotlib

matplotlib.use("Agg")  # a script draws headless; the library leaves the backend alone
from absl import app, flags, logging  # noqa: E402

from fourier_nn import cli  # noqa: E402

_WORKDIR = flags.DEFINE_string("workdir", None, "Directory holding a record.", required=True)
_OUT = flags.DEFINE_string(
    "out", None, "Output file, .png, .pdf or .svg by its suffix (default: "
    "WORKDIR/figure.png).")
_STYLE = flags.DEFINE_enum("style", "paper", ["paper", "screen"],
                           "paper: 7.0 in wide, 8 pt text; screen: twice as large.")


def main(argv):
  del argv

  def plot():
    from fourier_nn import fileio, plotting, records
    out = _OUT.value or os.path.join(_WORKDIR.value, "figure.png")
    fmt = os.path.splitext(out)[1].lower().lstrip(".")
    if fmt not in fileio.FIGURE_FORMATS:  # before loading anything
      raise ValueError(f"--out={out!r}: the suffix must be one of "
                       f"{', '.join('.' + f for f in fileio.FIGURE_FORMATS)}")
    rec = records.load_record(_WORKDIR.value)  # a damaged file: one line naming it
    try:
      fig = plotting.figure_for(rec, style=_STYLE.value)
    except (KeyError, AttributeError, TypeError, IndexError) as e:  # content of another shape
      if isinstance(e, ValueError):  # records.MissingKey names the file already
        raise
      raise ValueError(f"record in {_WORKDIR.value!r} cannot be drawn as a "
                       f"{rec.summary.get('experiment')!r} figure ({type(e).__name__}: {e}); "
                       "is it from another fourier_nn version?") from None
    plotting.save_figure(fig, out)
    logging.info("plot: wrote %s", out)

  cli.run_or_exit(plot, "plot")


if __name__ == "__main__":
  app.run(main)
