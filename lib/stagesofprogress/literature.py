"""The method's other studies: published escape and descent shares, side by side with a study.

``data/literature/studies.csv`` holds one row per Stages-of-Progress study and period whose
aggregate shares were transcribed from a citable source (see ``data/literature/README.md``
for how). This module loads and validates that table, computes the same quantities for a
study of the library's own format, and draws the two on one escape-against-descent figure.

    from stagesofprogress import literature
    lit = literature.load_studies()            # validated, one row per study and period
    own = literature.own_points(study)         # the study's regions, computed from its data
    fig = literature.escape_descent_figure(lit, own)

Every ``source`` must be a key of the repository's ``references.bib``. The files are found by
`data_paths` alone, so moving them into package data later changes one function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import movements as mv
from . import safetext
from .study import Study

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "COLUMNS",
    "SHARES",
    "INTEGERS",
    "LiteratureError",
    "data_paths",
    "bib_keys",
    "load_studies",
    "own_points",
    "escape_descent_figure",
]

#: Columns of studies.csv, in order.
COLUMNS = [
    "study",
    "country",
    "communities",
    "households",
    "start",
    "end",
    "years",
    "escaped",
    "became_poor",
    "remained_poor",
    "remained_not_poor",
    "source",
    "where",
    "note",
]
#: Percent-of-households columns (blank where a source gives no figure).
SHARES = ["escaped", "became_poor", "remained_poor", "remained_not_poor"]
#: Whole-number columns (blank where a source gives no figure).
INTEGERS = ["communities", "households", "start", "end", "years"]
REQUIRED = ["study", "country", "years", "escaped", "became_poor", "source", "where"]
SUM_TOLERANCE = 0.5  # percentage points: published shares are rounded to one decimal or less


class LiteratureError(ValueError):
    """Every problem found in studies.csv, each with its row (as a spreadsheet numbers it) and column."""

    def __init__(self, problems: list[str], path: Path | str):
        self.problems = problems
        self.path = Path(path)
        super().__init__(f"{self.path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))


def data_paths() -> tuple[Path, Path]:
    """Where the literature table and the bibliography are.

    Both ship with the library (`stagesofprogress.resources`), in a checkout or a wheel alike.

    Returns
    -------
    studies : pathlib.Path
        ``data/literature/studies.csv``.
    references : pathlib.Path
        ``references.bib``.
    """
    from . import resources

    return resources.path("data/literature/studies.csv"), resources.path("references.bib")


_ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)


def bib_keys(path: Path | str) -> set[str]:
    """The citation keys of a BibTeX file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    set of str
        Every entry's key (``@comment``, ``@string`` and ``@preamble`` skipped).
    """
    text = Path(path).read_text(encoding="utf-8")
    return {key for kind, key in _ENTRY.findall(text) if kind.lower() not in {"comment", "string", "preamble"}}


def _whole(s: pd.Series) -> pd.Series:
    """True where a number is a whole number (NaN counts as whole: blanks are checked elsewhere)."""
    return s.isna() | (s == np.floor(s))


def _problems(raw: pd.DataFrame, keys: set[str]) -> list[str]:
    problems: list[str] = []
    found: list[tuple[int, str]] = []
    missing = [c for c in COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in COLUMNS]
    if missing or extra:
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if extra:
            problems.append(f"unknown column(s): {', '.join(map(str, extra))}")
        return problems
    rows = pd.Series(np.arange(len(raw)) + 2, index=raw.index)  # header is row 1

    def report(mask: pd.Series, col: str, what: str) -> None:
        for r, v in zip(rows[mask], raw.loc[mask, col]):
            found.append((int(r), f"row {r}, column {col}: {what} (got {v!r})"))

    for col in REQUIRED:
        report(raw[col].isna() | (raw[col].astype(str).str.strip() == ""), col, "a value is required")
    num = {}
    for col in INTEGERS + SHARES:
        text = raw[col].astype("string").str.strip()
        num[col] = pd.to_numeric(text, errors="coerce")
        report(text.notna() & (text != "") & num[col].isna(), col, "not a number")
    for col in INTEGERS:
        report(num[col].notna() & (~_whole(num[col]) | (num[col] <= 0)), col, "not a positive whole number")
    for col in SHARES:
        report(num[col].notna() & ((num[col] < 0) | (num[col] > 100)), col, "a share must lie between 0 and 100")
    both = num["start"].notna() & num["end"].notna()
    report(both & (num["end"] - num["start"] != num["years"]), "years", "end minus start must equal years")
    full = pd.concat([num[c] for c in SHARES], axis=1)
    total = full.sum(axis=1)
    report(
        full.notna().all(axis=1) & ((total - 100).abs() > SUM_TOLERANCE),
        "remained_not_poor",
        "the four categories must add up to about 100",
    )
    partial = full[["escaped", "became_poor"]].sum(axis=1)
    report(partial > 100 + SUM_TOLERANCE, "became_poor", "escaped and became_poor add up to more than 100")
    src = raw["source"].astype("string").str.strip()
    report(src.notna() & (src != "") & ~src.isin(sorted(keys)), "source", "not a key of references.bib")
    ident = raw[["study", "start", "end", "years"]].astype("string").fillna("")
    report(ident.duplicated(keep="first"), "study", "the same study and period appear twice")
    found.sort(key=lambda item: item[0])  # stable: by row, then in the order of the checks
    return [text for _, text in found]


def _ragged_rows(path: Path) -> list[str]:
    """Rows with more or fewer cells than the header (pandas would fail or shift them silently)."""
    import csv

    with Path(path).open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return ["the file is empty"]
    width = len(rows[0])
    return [
        f"row {i}: {len(r)} cells, the header has {width}"
        for i, r in enumerate(rows[1:], start=2)
        if r and len(r) != width
    ]


def load_studies(path: Path | str | None = None, references: Path | str | None = None) -> pd.DataFrame:
    """The literature table, validated: one row per study and period.

    Parameters
    ----------
    path, references
        studies.csv and references.bib; by default the repository's (see `data_paths`).

    Returns
    -------
    pandas.DataFrame
        The `COLUMNS` in order: text columns as strings, `INTEGERS` as nullable ``Int64``,
        `SHARES` as float percentages (NaN where the source gives no figure).

    Raises
    ------
    LiteratureError
        Listing every problem at once (row and column): a row with more or fewer cells than
        the header (reported alone, before anything else), a missing or unknown column, a required
        value left blank, a number that is not one, a share outside 0-100, four shares not adding
        up to about 100, ``end - start != years``, a source missing from references.bib, or a
        study and period given twice.
    """
    default_csv, default_bib = data_paths()
    path = Path(path) if path is not None else default_csv
    references = Path(references) if references is not None else default_bib
    ragged = _ragged_rows(path)
    if ragged:
        raise LiteratureError(ragged, path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], index_col=False)
    problems = _problems(raw, bib_keys(references))
    if problems:
        raise LiteratureError(problems, path)
    out = raw[COLUMNS].copy()
    for col in INTEGERS:
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    for col in SHARES:
        out[col] = pd.to_numeric(out[col]).astype(float)
    for col in ["study", "country", "source", "where", "note"]:
        out[col] = out[col].astype("string").str.strip()
    return out.reset_index(drop=True)


def own_points(study: Study, periods: Iterable[tuple[int, int]] | None = None) -> pd.DataFrame:
    """A study's escape and descent shares per region and for all households, computed from its data.

    Parameters
    ----------
    study
        A loaded study.
    periods
        ``(start, end)`` pairs; by default the long period (first time point to the survey)
        and, if different, the short one (last earlier time point to the survey).

    Returns
    -------
    pandas.DataFrame
        Columns ``group, start, end, years, households`` and the four `SHARES` (percent of the
        households whose stage is known at both dates), computed with `movement_summary`.
    """
    if periods is None:
        tp = study.time_points
        periods = [(tp[0], tp[-1])] + ([(tp[-2], tp[-1])] if len(tp) > 2 else [])
    frames = []
    for start, end in periods:
        s = mv.movement_summary(study, start, end).reset_index()
        frames.append(
            pd.DataFrame(
                {
                    "group": s["group"].astype(str),
                    "start": start,
                    "end": end,
                    "years": end - start,
                    "households": s["households"].astype(int),
                    **{c: s[c].astype(float) for c in SHARES},
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


_LIT = ("#6E6E6E", "o")
_OWN = ("#0072B2", "D")


def _limit(values: np.ndarray, step: float = 5.0) -> float:
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
    return max(step * np.ceil((top + 2) / step), 10.0)


# Where a point's label may go, tried in this order (offsets in points): right of the point,
# then left of it, then a line lower or higher on either side.
_PLACES = [
    (4, 3, "left"),
    (-4, 3, "right"),
    (4, -9, "left"),
    (-4, -9, "right"),
    (4, 13, "left"),
    (-4, 13, "right"),
    (4, -19, "left"),
    (-4, -19, "right"),
]


def _place_labels(fig, ax, labels) -> None:
    """Move each label to the first of `_PLACES` where it overlaps no label placed before it
    and stays inside the axes (if none is free, the first place inside the axes). Deterministic: labels are
    handled in drawing order, with text extents measured by the Agg renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()  # lay the figure out first, so the axes are where they will be
    frame = ax.get_window_extent(renderer)
    legend = ax.get_legend()
    done = [legend.get_window_extent(renderer)] if legend is not None else []
    for ann, prefer_left in labels:
        places = _PLACES[1::2] + _PLACES[0::2] if prefer_left else _PLACES
        fallback = None  # the first place inside the axes, if no place is also free
        for dx, dy, ha in places:
            ann.xyann = (dx, dy)
            ann.set_ha(ha)
            box = ann.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in done):
                break
            if inside and fallback is None:
                fallback = (dx, dy, ha)
        else:
            dx, dy, ha = fallback or places[0]
            ann.xyann = (dx, dy)
            ann.set_ha(ha)
        done.append(ann.get_window_extent(renderer))


def escape_descent_figure(
    lit: pd.DataFrame, own: pd.DataFrame | None = None, own_label: str = "This study, computed from its data"
) -> Figure:
    """Escapes (x) against descents (y), in percent of households, one labelled point per study.

    Parameters
    ----------
    lit
        `load_studies` output (or a subset of its rows), drawn as grey circles.
    own
        `own_points` output, drawn as blue diamonds, one per group and period (optional).
    own_label
        Legend entry for `own` (library text, not study text).

    Returns
    -------
    matplotlib.figure.Figure
        Every label is the study or group name passed through `safetext.mpl`, followed by the
        period's length in years; the dashed diagonal marks escapes equal to descents.
    """
    import textwrap

    import matplotlib as mpl
    from matplotlib.figure import Figure

    from .figstyle import RC, SMALL, TITLE, WIDTH

    def drawable(df: pd.DataFrame) -> pd.DataFrame:  # a group with no household known at both dates has no point
        return df[df["escaped"].notna() & df["became_poor"].notna()]

    layers = [(drawable(lit), "study", _LIT, "Published Stages-of-Progress studies")]
    if own is not None and not drawable(own).empty:
        layers.append((drawable(own), "group", _OWN, own_label))
    xs = np.concatenate([d["escaped"].to_numpy(float) for d, *_ in layers])
    ys = np.concatenate([d["became_poor"].to_numpy(float) for d, *_ in layers])
    xlim, ylim = _limit(xs), _limit(ys)
    with mpl.rc_context(RC):
        fig = Figure(figsize=(WIDTH, 5.6), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(
            [0, min(xlim, ylim)],
            [0, min(xlim, ylim)],
            ls="--",
            lw=0.8,
            color="#999999",
            zorder=1,
            label="Escapes equal descents",
        )
        ax.set_xlim(0, xlim)
        ax.set_ylim(0, ylim)
        labels = []
        for df, name_col, (colour, marker), legend in layers:
            x, y = df["escaped"].to_numpy(float), df["became_poor"].to_numpy(float)
            ax.scatter(
                x, y, s=40, color=colour, marker=marker, edgecolor="white", linewidth=0.6, label=legend, zorder=3
            )
            for xi, yi, name, yrs in zip(x, y, df[name_col], df["years"]):
                text = textwrap.fill(f"{safetext.mpl(name)} ({int(yrs)} y)", 24)  # two short lines fit beside a point
                ann = ax.annotate(
                    text, (xi, yi), xytext=(4, 3), textcoords="offset points", fontsize=SMALL, color=colour, zorder=4
                )
                labels.append((ann, xi > 0.65 * xlim))  # near the right edge, try the left first
        ax.set_xlabel("Escaped poverty (% of households)")
        ax.set_ylabel("Became poor (% of households)")
        ax.legend(frameon=False, loc="upper right", fontsize=SMALL)
        fig.suptitle("Escapes against descents", fontsize=TITLE, fontweight="bold")
        _place_labels(fig, ax, labels)
    return fig
