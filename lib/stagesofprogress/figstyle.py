"""Sizes, fonts and marks shared by every figure of the book.

A figure is drawn at the width of the book's content column and scales down on a phone, so
the size of its text on a phone depends only on the ratio of font size to figure width:

    CSS px of a label = points / 72 * (PHONE_COLUMN_PX / WIDTH inches)

With `WIDTH` = 6 inches and `PHONE_COLUMN_PX` = 342 (a figure's width in the book on a 390 px
phone, measured in Chromium), text of `SMALL` = 13 points is about 10.3 CSS px there, and the PNG written at `DPI` (130, the book's
`book.DPI`) is 780 px wide, inside the 784 px desktop column, so it is never scaled up.
`css_px` computes this for a drawn figure; the tests hold every label to `MIN_CSS_PX`.

Marks drawn in figures:

* `synthetic_mark(fig, study)`: a small "synthetic: not from the paper" label on figures whose
  shape the paper does not determine, when the study is a replica of a paper (`is_replica`:
  synthetic and declaring the paper; another study's figures are its own findings);
* `SMALL_N` and `small_n_note`: cells resting on one to three households are hatched, with a
  legend note.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from . import safetext

if TYPE_CHECKING:  # annotations only
    from .study import Study

__all__ = [
    "BASE",
    "COLUMN_PX",
    "DPI",
    "MIN_CSS_PX",
    "PHONE_COLUMN_PX",
    "RC",
    "SMALL",
    "SMALL_N",
    "SMALL_N_HATCH",
    "SYNTHETIC_GID",
    "SYNTHETIC_LABEL",
    "TITLE",
    "WIDTH",
    "css_px",
    "figure",
    "is_replica",
    "rc",
    "small_n_note",
    "synthetic_mark",
]

WIDTH = 6.0  # inches, every figure
DPI = 130  # pixels per inch of the book's PNGs (book.DPI)
COLUMN_PX = 784  # content column at 1,400 px (CSS px)
PHONE_COLUMN_PX = 342  # a figure's width on a 390 px phone (CSS px), measured in Chromium
MIN_CSS_PX = 10.0  # smallest text on a phone

SMALL = 13.0  # points: the smallest text in any figure (ticks, bar labels, notes)
BASE = 13.5  # points: axis labels, legends
TITLE = 14.5  # points: figure titles

RC = {
    "font.size": BASE,
    "axes.titlesize": BASE,
    "axes.titleweight": "bold",
    "axes.labelsize": BASE,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "legend.fontsize": SMALL,
    "legend.title_fontsize": SMALL,
    "figure.titlesize": TITLE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 1.2,
    "svg.hashsalt": "stagesofprogress",
    **safetext.MPL_RC,  # study names may hold "$": never parse text as mathtext
}


def rc(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    """Decorator: run a figure function inside the book's rc settings (fonts, spines), leaving global state alone.

    Parameters
    ----------
    fn : Callable
        A function that draws and returns a figure.

    Returns
    -------
    Callable
        The wrapped function.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import matplotlib as mpl

        with mpl.rc_context(RC):
            return fn(*args, **kwargs)

    return wrapper


def figure(height: float, width: float = WIDTH, layout: str = "constrained") -> Figure:
    """A pyplot-free Figure of the book's width.

    Parameters
    ----------
    height : float
        Inches.
    width : float
        Inches (the book's column by default).
    layout : str
        matplotlib's layout engine.

    Returns
    -------
    matplotlib.figure.Figure
        An empty figure, not registered with pyplot (nothing leaks between chapters).
    """
    return Figure(figsize=(width, height), layout=layout)


def css_px(points: float, width_in: float, dpi: float = DPI, column_px: float = PHONE_COLUMN_PX) -> float:
    """CSS pixels of text of `points` in a figure `width_in` inches wide, as a reader sees it.

    The figure is written at `dpi` and shown in a column `column_px` wide (scaled down to the
    column, never up).

    Parameters
    ----------
    points : float
        Font size in points.
    width_in : float
        Figure width in inches.
    dpi : float
        Resolution of the PNG.
    column_px : float
        Width of the column showing it, in CSS pixels (a phone's by default).

    Returns
    -------
    float
        The text's height in CSS pixels.
    """
    width_px = width_in * dpi
    scale = min(1.0, column_px / width_px)
    return points / 72.0 * dpi * scale


# --------------------------------------------------------------------------- marks

SYNTHETIC_LABEL = "synthetic: not from the paper"
SYNTHETIC_GID = "sop-synthetic-mark"


def is_replica(study: object) -> bool:
    """Whether a study is a synthetic replica of a published paper (``synthetic: true`` and ``paper:``).

    Only there do "not from the paper" marks make sense: its numbers stand beside published
    ones. Any other study, synthetic or not, has no paper to be measured against.

    Parameters
    ----------
    study : Study
        A loaded study (anything with ``synthetic`` and ``meta``).

    Returns
    -------
    bool
        True for the replica.
    """
    meta = getattr(study, "meta", None) or {}
    return getattr(study, "synthetic", False) is True and bool(meta.get("paper"))


def synthetic_mark(fig: Figure, study: Study | bool) -> bool:
    """Label a figure "synthetic: not from the paper" when the study is a replica of the paper.

    The mark is the title of the figure's legend when it has one below the axes, else a boxed
    label at the bottom right; call it last, after the legend is drawn. It is for figures whose
    shape the paper does not pin down (individual trajectories, stage-to-stage transitions,
    bootstrap intervals): on a synthetic replica they show the generator, not evidence. The text
    artist has gid `SYNTHETIC_GID`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    study : Study or bool
        The study (`is_replica`) or a flag (``True``: draw).

    Returns
    -------
    bool
        Whether the mark was drawn.
    """
    flag = study if isinstance(study, bool) else is_replica(study)
    if not flag:
        return False
    colour = "#8B1A1A"
    if fig.legends:  # below the figure already: the mark becomes the legend's title
        lg = fig.legends[-1]
        lg.set_title(SYNTHETIC_LABEL, prop={"size": SMALL, "style": "italic"})
        t = lg.get_title()
        t.set_color(colour)
    else:  # a figure-level label that constrained layout makes room for
        t = fig.supxlabel(
            SYNTHETIC_LABEL, x=0.99, ha="right", fontsize=SMALL, fontweight="normal", style="italic", color=colour
        )
        t.set_bbox({"boxstyle": "round,pad=0.25", "facecolor": "#FFF4E5", "edgecolor": colour, "linewidth": 0.8})
    t.set_gid(SYNTHETIC_GID)
    return True


SMALL_N = 3  # a mean or share of at most this many households is flagged
SMALL_N_HATCH = "///"


def small_n_note(limit: int = SMALL_N) -> str:
    """Legend text for hatched (small-n) cells.

    Parameters
    ----------
    limit : int
        The largest number of households a hatched cell stands for.

    Returns
    -------
    str
        For example ``hatched: from 1–3 households`` with the default limit.
    """
    return f"hatched: from 1\u2013{limit} households"
