"""Figures from records. Matplotlib only; reads records, computes nothing new.

One submodule per experiment driver; `FIGURES` maps ``summary["experiment"]`` to it.
Every submodule has

  * panel functions ``panel_NAME(ax, rec, **kw)``, each drawing ONE panel onto a given
    Axes (labelled axes, its own legend or colourbar) and returning what a caller needs
    to finish it (the image for a colourbar, the legend, ...), so a panel can go into a
    user's own figure:

      fig, ax = plt.subplots()
      plotting.spectral_bias_1d.panel_amplitudes(ax, rec)

  * ``figure(rec, style="paper")``, composing its panels with panel letters (a), (b), ...

`figure_for` dispatches on the experiment name. A style is a set of rcParams
(`style_rc`): ``"paper"`` — double-column width 7.0 in (single column 3.4 in, `WIDTHS`),
8 pt serif text (STIX, with matching mathtext), 7 pt ticks and legends, TrueType fonts in
PDFs, constrained layout; ``"screen"`` — twice as wide, 10 pt sans-serif. `style` is a
context manager that applies one; figures built by ``figure`` remember theirs and
`save_figure` reapplies it. The library picks no matplotlib backend (notebooks keep
``%matplotlib inline``) and changes no global rcParams; scripts choose the backend.
`save_figure` writes a figure atomically as .png, .pdf or .svg.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import string
from typing import Iterable, Iterator, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import matplotlib.transforms as mtransforms
import numpy as np

from fourier_nn import fileio

# summary["experiment"] -> the plotting module that draws it (one module per driver).
FIGURES = {
    "spectral_bias_1d": "spectral_bias_1d",
    "ntk_circle": "basri",
    "basri_sphere": "basri",
    "ntk_sphere": "ntk_sphere",
    "lfp": "lfp",
    "lfp_2d": "lfp_2d",
    "image_fit": "image_fit",
    "robustness": "robustness",
    "flower_manifold": "manifold",
    "manifold_classification": "manifold",
    "delta_ablation": "delta_ablation",
    "parity": "parity",
    "projection": "projection",
    "fprinciple_1d": "fprinciple_1d",
    "filtering": "filtering",
    "label_noise": "label_noise",
    "kernel_spectrum": "kernel_spectrum",
    "sweep": "sweep",
}

STYLES = ("paper", "screen")
# Text widths of a two-column paper (inches): one column, the full page.
WIDTHS = {"single": 3.4, "double": 7.0}
# The screen style draws the same layouts this much larger (with larger fonts).
SCREEN_SCALE = 2.0

_COMMON_RC = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.formatter.use_mathtext": True,
    "figure.constrained_layout.use": True,
    "legend.frameon": False,
    "image.cmap": "inferno",
    "pdf.fonttype": 42,  # TrueType in PDFs (journals refuse Type 3 fonts)
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "fourier_nn",  # reproducible SVG ids
}
_STYLE_RC = {
    "paper": {
        "font.family": "serif",
        "font.serif": ["STIXGeneral", "DejaVu Serif"],
        "mathtext.fontset": "stix",
        "font.size": 8, "axes.labelsize": 8, "axes.titlesize": 8,
        "xtick.labelsize": 7, "ytick.labelsize": 7, "legend.fontsize": 7,
        "legend.title_fontsize": 7,
        "lines.linewidth": 1.0, "lines.markersize": 3.5, "axes.linewidth": 0.6,
        "xtick.major.width": 0.6, "ytick.major.width": 0.6,
        "xtick.minor.width": 0.4, "ytick.minor.width": 0.4,
        "xtick.major.size": 3.0, "ytick.major.size": 3.0,
        "xtick.minor.size": 1.8, "ytick.minor.size": 1.8,
        "legend.handlelength": 1.8, "legend.borderaxespad": 0.3,
        "legend.columnspacing": 1.2, "legend.labelspacing": 0.3,
        "figure.constrained_layout.h_pad": 0.03, "figure.constrained_layout.w_pad": 0.03,
        "figure.dpi": 150, "savefig.dpi": 300,
    },
    "screen": {
        "font.family": "sans-serif",
        "mathtext.fontset": "dejavusans",
        "font.size": 10, "axes.labelsize": 10, "axes.titlesize": 10,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9,
        "legend.title_fontsize": 9,
        "lines.linewidth": 1.4, "lines.markersize": 5.0,
        "figure.dpi": 100, "savefig.dpi": 110,
    },
}


def style_rc(style: str = "paper") -> dict:
  """The rcParams of a named style (``"paper"`` or ``"screen"``).

  Raises:
    ValueError: an unknown style (one line).
  """
  if style not in STYLES:
    raise ValueError(f"unknown figure style {style!r}; choose one of {STYLES}")
  return {**_COMMON_RC, **_STYLE_RC[style]}


@contextlib.contextmanager
def style(name: str = "paper") -> Iterator[None]:
  """Context manager applying the rcParams of style ``name`` (`style_rc`) inside it.

  Example:
    >>> with plotting.style("paper"):                               # doctest: +SKIP
    ...   fig, ax = plt.subplots(figsize=(plotting.WIDTHS["single"], 2.4))
    ...   plotting.ntk_sphere.panel_projections(ax, rec)
  """
  with mpl.rc_context(style_rc(name)):
    yield


def paper_style() -> contextlib.AbstractContextManager:
  """`style` ``("paper")``: 8 pt text, mathtext, constrained layout (see `WIDTHS`)."""
  return style("paper")


def figure_size(style_name: str, width: str | float = "double",
                aspect: float = 0.5) -> tuple[float, float]:
  """(width, height) in inches: a paper width (`WIDTHS` key or inches) × ``aspect``.

  The screen style scales both by `SCREEN_SCALE`.
  """
  w = WIDTHS[width] if isinstance(width, str) else float(width)
  if style_name == "screen":
    w *= SCREEN_SCALE
  return (w, w * aspect)


def new_figure(style_name: str, mosaic, width: str | float = "double",
               aspect: float = 0.5, **kw):
  """A figure under style ``style_name`` with ``plt.subplot_mosaic(mosaic, **kw)``.

  Returns:
    (fig, axd): the figure (remembering its style for `save_figure`) and the dict of
    Axes by mosaic label.
  """
  with style(style_name):
    fig, axd = plt.subplot_mosaic(mosaic, figsize=figure_size(style_name, width, aspect),
                                  **kw)
  fig.fourier_nn_style = style_name
  return fig, axd


def finish_figure(fig):
  """Lays out and draws ``fig`` once under its style, so that everything created at draw
  time (ticks, layout) gets the style's sizes; returns ``fig``."""
  name = getattr(fig, "fourier_nn_style", None)
  with style(name) if name else contextlib.nullcontext():
    fig.draw_without_rendering()
  return fig


def panel_letters(axes: Iterable, letters: Sequence[str] | None = None,
                  fmt: str = "({})", **kw) -> list:
  """Writes (a), (b), ... at the top-left corner of each Axes, outside the data.

  A letter is flush with the left edge of its y axis' tick labels and label, and sits on
  top of whatever its row of panels has above the frame (titles, legends above), so the
  letters of one row line up and never cover data, titles or legends.

  Args:
    axes: the Axes in reading order.
    letters: the letters (default a, b, c, ...).
    fmt: how a letter is written.
    **kw: passed to ``ax.annotate`` (e.g. ``fontsize``).

  Returns:
    The Annotation artists (in ``ax.texts``; ``gid`` is ``"panel-letter"``).
  """
  axes = list(axes)
  letters = letters or string.ascii_lowercase[:len(axes)]
  out = []
  for ax, letter in zip(axes, letters):
    row = [b for b in axes if _row_start(b) == _row_start(ax)] if _row_start(ax) is not None \
        else [ax]
    props = {"fontweight": "bold", "fontsize": mpl.rcParams["axes.titlesize"], "ha": "left",
             "va": "top", "gid": "panel-letter", "annotation_clip": False, **kw}
    out.append(ax.annotate(fmt.format(letter), xy=(0.0, 1.0),
                           xycoords=_letter_anchor(ax, row), xytext=(0.0, 0.0),
                           textcoords="offset points", **props))
  return out


def _row_start(ax):
  spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
  return None if spec is None else (id(spec.get_gridspec()), spec.rowspan.start)


def _top_above_frame(ax, renderer) -> float:
  """Display y of the top of the frame, its titles and its legend."""
  top = ax.bbox.y1
  titles = (ax.title, ax._left_title, ax._right_title)  # pylint: disable=protected-access
  extras = [t for t in titles if t.get_text()]
  if ax.get_legend() is not None:
    extras.append(ax.get_legend())
  for art in extras:
    bb = art.get_window_extent(renderer)
    if np.all(np.isfinite(bb.extents)):
      top = max(top, bb.y1)
  return top


def _letter_anchor(ax, row):
  """xycoords callable: left = left of the y axis' labels, top = the top of the row.

  A legend placed with ``loc="best"`` asks every text for its extent, this letter's
  included; while the anchor itself is being computed, such a nested call gets the frame
  (a "best" legend is inside the frame, so it never sets the top anyway).
  """
  busy = []

  def bbox(renderer):
    floor = ax.bbox.y1 + 10 / 72 * ax.figure.dpi  # room for the letter itself
    if busy:
      return mtransforms.Bbox.from_extents(ax.bbox.x0, ax.bbox.y0, ax.bbox.x1, floor)
    busy.append(True)
    try:
      x0 = ax.bbox.x0
      yb = ax.yaxis.get_tightbbox(renderer) if ax.yaxis.get_visible() else None
      if yb is not None and np.all(np.isfinite(yb.extents)):
        x0 = min(x0, yb.x0)
      top = max([floor] + [_top_above_frame(b, renderer) for b in row])
    finally:
      busy.clear()
    return mtransforms.Bbox.from_extents(x0, ax.bbox.y0, ax.bbox.x1, top)

  return bbox


def legend_above(ax, ncol: int | None = None, handles=None, labels=None, **kw):
  """A legend in a row (or rows of ``ncol``) above the Axes, outside the data.

  Returns the Legend (None when there is nothing to show).
  """
  if handles is None:
    handles, labels = ax.get_legend_handles_labels()
  if not handles:
    return None
  props = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.01), "borderaxespad": 0.0,
           "ncol": ncol or len(handles), "handlelength": 1.6, "columnspacing": 1.0,
           "frameon": False, **kw}
  return ax.legend(handles, labels, **props)


def legend_right(ax, handles=None, labels=None, **kw):
  """A legend to the right of the Axes, outside the data; returns it (or None)."""
  if handles is None:
    handles, labels = ax.get_legend_handles_labels()
  if not handles:
    return None
  props = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0,
           "frameon": False, **kw}
  return ax.legend(handles, labels, **props)


def legend_below(ax, ncol: int = 1, handles=None, labels=None, offset: float = 0.18, **kw):
  """A legend below the Axes (under its x label), outside the data; returns it (or None).

  ``offset`` is the gap from the bottom of the frame in axes fractions.
  """
  if handles is None:
    handles, labels = ax.get_legend_handles_labels()
  if not handles:
    return None
  props = {"loc": "upper left", "bbox_to_anchor": (0.0, -offset), "borderaxespad": 0.0,
           "ncol": ncol, "frameon": False, **kw}
  return ax.legend(handles, labels, **props)


def colorbar(mappable, ax, label: str, **kw):
  """A colourbar of ``mappable`` next to ``ax``, labelled ``label``; returns it."""
  props = {"fraction": 0.08, "pad": 0.03, "aspect": 25, **kw}
  cb = ax.figure.colorbar(mappable, ax=ax, **props)
  cb.set_label(label)
  cb.outline.set_linewidth(mpl.rcParams["axes.linewidth"])
  return cb


def good_seeds(rec) -> np.ndarray:
  """Indices of the seeds (pairs) that did not diverge."""
  return np.flatnonzero(~np.asarray(rec.arrays["diverged"]).astype(bool))


def first_good_seed(rec) -> int:
  """The first seed that did not diverge (0 if all did)."""
  ok = good_seeds(rec)
  return int(ok[0]) if ok.size else 0


def plain_log_ticks(ax, axis: str = "y", max_ratio: float = 20.0) -> None:
  """On a log axis spanning less than ``max_ratio``, label the ticks 2, 3, 4, ... as plain
  numbers (3, 4, 5) instead of 3×10⁰; wider ranges keep matplotlib's labels."""
  a = ax.yaxis if axis == "y" else ax.xaxis
  lo, hi = (ax.get_ylim() if axis == "y" else ax.get_xlim())
  if lo <= 0 or hi / lo > max_ratio:
    return
  fmt = mticker.FuncFormatter(lambda v, _: f"{v:.3g}")
  a.set_major_formatter(fmt)
  a.set_minor_formatter(fmt)


def tex_number(x: float, digits: int = 2) -> str:
  r"""``x`` as mathtext: integers below 10⁶ as they are, powers of ten as $10^{n}$, other
  large or small numbers as $m\times10^{n}$ (``digits`` significant digits in m).

  >>> tex_number(16000), tex_number(1e7), tex_number(2.5e-5), tex_number(0.0245)
  ('$16000$', '$10^{7}$', '$2.5\\times10^{-5}$', '$0.0245$')
  """
  x = float(x)
  if x == 0 or not np.isfinite(x):
    return f"${x:g}$"
  if x == round(x) and abs(x) < 1e6:
    return f"${int(x)}$"
  e = int(np.floor(np.log10(abs(x))))
  if -3 <= e <= 5:
    return f"${x:.{max(digits + 1, e + 1)}g}$"
  m = x / 10.0 ** e
  if abs(m - 1) < 1e-9:
    return f"$10^{{{e}}}$"
  return f"${m:.{digits}g}\\times10^{{{e}}}$"


def save_figure(fig, path: str, dpi: float | None = None) -> str:
  """Saves ``fig`` to ``path`` atomically via `fileio.savefig_atomic`; returns ``path``.

  The format follows the suffix: ``.png`` (raster, the style's dpi: 300 for paper),
  ``.pdf`` or ``.svg`` (vector, for papers). A crash never leaves a broken file. Figures
  made by a ``figure`` function are saved under their own style; PDFs and SVGs carry
  no creation date, so regenerating a figure from the same record gives the same bytes.
  """
  name = getattr(fig, "fourier_nn_style", None)
  fmt = os.path.splitext(path)[1].lower().lstrip(".")
  kw = {"bbox_inches": "tight", "pad_inches": 0.02}
  if dpi is not None:
    kw["dpi"] = dpi
  if fmt == "pdf":
    kw["metadata"] = {"CreationDate": None, "Creator": "fourier_nn"}
  elif fmt == "svg":
    kw["metadata"] = {"Date": None, "Creator": "fourier_nn"}
  elif fmt == "png":
    kw["metadata"] = {"Software": "fourier_nn"}
  with style(name) if name else contextlib.nullcontext():
    return fileio.savefig_atomic(fig, path, **kw)


def all_diverged(rec) -> bool:
  """True if the record flags every seed (pair, cell) as diverged."""
  div = rec.arrays.get("diverged")
  return div is not None and np.size(div) > 0 and bool(np.all(div))


def diverged_figure(rec, style: str = "paper"):  # pylint: disable=redefined-outer-name
  """The figure of a record whose seeds all diverged: every loss curve up to where it left
  the floats (any ``loss`` array, last axis = steps), and the experiment's name. An
  experiment's own figure would have nothing finite to average."""
  fig, axd = new_figure(style, [["loss"]], width="single", aspect=0.75)
  ax = axd["loss"]
  loss = rec.arrays.get("loss")
  name = rec.summary.get("experiment")
  if loss is not None and np.ndim(loss) >= 1:
    curves = np.asarray(loss, np.float64).reshape(-1, np.shape(loss)[-1])
    steps = np.asarray(rec.arrays.get("steps", np.arange(curves.shape[1])))
    if steps.shape != (curves.shape[1],):
      steps = np.arange(curves.shape[1])
    with np.errstate(invalid="ignore"):
      finite = np.where(np.isfinite(curves) & (curves > 0), curves, np.nan)
    for c in finite:
      ax.plot(steps, c, color="k", alpha=0.5, lw=0.8, marker="o", ms=2)
    if np.isfinite(finite).any():
      ax.set_yscale("log")
    if steps.size > 1:
      ax.set_xlim(steps[0], steps[-1])
    ax.set_xlabel("training step")
    ax.set_ylabel("training loss (finite part)")
  else:
    ax.set_axis_off()
  n = int(np.size(rec.arrays["diverged"]))
  ax.set_title(f"{name}:\nevery one of the {n} seeds/runs diverged")
  return finish_figure(fig)


def figure_for(rec, style: str = "paper"):  # pylint: disable=redefined-outer-name
  """The standard figure of a loaded record, by its summary's ``experiment`` (a record
  whose seeds all diverged gets `diverged_figure`)."""
  style_rc(style)  # one clear line for a bad style
  name = rec.summary.get("experiment")
  if name not in FIGURES:
    raise ValueError(f"no figure is defined for experiment {name!r}; known: {sorted(FIGURES)}")
  if all_diverged(rec):
    return diverged_figure(rec, style=style)
  return importlib.import_module(f"fourier_nn.plotting.{FIGURES[name]}").figure(rec,
                                                                                 style=style)
