"""How far the replica is from the paper: every scorecard cell's deviation, summarised by table and kind.

The scorecard (`scorecard.scorecard`) gives each published cell a verdict within a tolerance;
this module says by how much each cell misses the printed value. `cell_deviations(card)` adds
to every cell the printed number, the signed and absolute deviation of the reproduced value
from it, the relative deviation, the cell's kind ("percent", "count", "B", "fit statistic",
...) and whether the errata list the cell; `largest_deviations(card)` gives, per table and
kind of cell, the number of cells, how many are within tolerance and the largest absolute
deviation with the cell where it occurs; `deviation_text(card)` is the computed paragraph the
scorecard appendix prints. Nothing here is copied from the paper: the printed values come from
the card's `paper` column, the reproduced ones from the study.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from stagesofprogress.display import fmt
from stagesofprogress.safetext import MD, md, md_join

__all__ = [
    "DEVIATION_COLUMNS",
    "SUMMARY_COLUMNS",
    "printed_number",
    "cell_kind",
    "cell_deviations",
    "largest_deviations",
    "deviation_text",
]

DEVIATION_COLUMNS = [
    "table",
    "kind",
    "row",
    "column",
    "paper",
    "reproduced",
    "deviation",
    "relative",
    "erratum",
    "tolerance",
    "ok",
]
SUMMARY_COLUMNS = ["table", "kind", "cells", "ok", "errata", "largest", "where", "largest_relative"]

_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")
_FIT_ROWS = (
    "wald chi2",
    "wald df",
    "prob >",
    "log pseudolikelihood",
    "log likelihood",
    "-2 log",
    "pseudo r",
    "% correctly",
)


def printed_number(printed: str) -> float:
    """The first number of a printed cell: ``"2.51***"`` -> 2.51, ``"98 (1)"`` -> 98.0, ``"-"`` -> NaN."""
    m = _NUMBER.search(str(printed or ""))
    return float(m.group(0).replace(",", "")) if m else math.nan


def cell_kind(table: str, row: str, column: str) -> str:
    """What a scorecard cell holds, for grouping deviations of like with like.

    Parameters
    ----------
    table, row, column : str
        The cell's `table`, `row` and `column` in the scorecard.

    Returns
    -------
    str
        ``"group size (n)"``, ``"text figure"``, ``"fit statistic"``, ``"B"``, ``"odds ratio"``,
        ``"standard error"``, ``"Wald"``, ``"Sig."``, ``"confidence limit"``, ``"percent"``,
        ``"count"``, ``"mean"`` or ``"community characteristic"``.
    """
    r, c = str(row).strip().lower(), str(column).strip().lower()
    if table == "Text":
        return "text figure"
    if r == "n" and table not in ("Table 4", "Table 5", "Table 7"):
        return "group size (n)"
    if table in ("Table 4", "Table 5", "Table 7"):
        if r == "n" or r.startswith(_FIT_ROWS):
            return "fit statistic"
        for suffix, kind in (
            ("odds ratio", "odds ratio"),
            ("se", "standard error"),
            ("s.e.", "standard error"),
            ("wald", "Wald"),
            ("sig.", "Sig."),
            ("ci lower", "confidence limit"),
            ("ci upper", "confidence limit"),
        ):
            if c.endswith(suffix):
                return kind
        return "B"
    if table == "Table 1":
        return "community characteristic"
    if "percent" in c or table == "Table 3":
        return "percent"
    if "mean" in c or table == "Table 2":
        return "mean"
    return "count"


def cell_deviations(card: pd.DataFrame, errata: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every scorecard cell with its kind and its deviation from the printed value.

    Parameters
    ----------
    card : pandas.DataFrame
        `scorecard.scorecard(study)`.
    errata : pandas.DataFrame, optional
        The paper's errata (`published.errata`): cells listed there are flagged in `erratum`.

    Returns
    -------
    pandas.DataFrame
        The columns of `DEVIATION_COLUMNS`, one row per cell in the card's order: `deviation`
        is reproduced minus printed (NaN where either is missing), `relative` its absolute
        value over the printed value's (NaN for a printed 0), `erratum` True for a cell the
        errata list.
    """
    out = card.copy()
    printed = out["paper"].map(printed_number)
    reproduced = pd.to_numeric(out["reproduced"], errors="coerce").astype(float)
    out["reproduced"] = reproduced
    out["deviation"] = reproduced - printed
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative"] = np.where(printed.abs() > 0, out["deviation"].abs() / printed.abs(), np.nan)
    out["kind"] = [cell_kind(t, r, c) for t, r, c in zip(out["table"], out["row"], out["column"])]
    listed: set[tuple[str, str]] = set()
    if errata is not None and len(errata):
        listed = {(str(t), str(r), str(c)) for t, r, c in zip(errata["table"], errata["row"], errata["column"])}
    out["erratum"] = [(t, r, c) in listed for t, r, c in zip(out["table"], out["row"], out["column"])]
    out["ok"] = out["ok"].astype(bool)
    return out[DEVIATION_COLUMNS].reset_index(drop=True)


def largest_deviations(card: pd.DataFrame, errata: pd.DataFrame | None = None) -> pd.DataFrame:
    """The largest deviation per table and kind of cell.

    Returns
    -------
    pandas.DataFrame
        The columns of `SUMMARY_COLUMNS`, tables in the card's order and kinds in order of
        first appearance: `cells`, `ok` (within tolerance), `errata` (cells the errata list),
        `largest` (the largest absolute deviation from print among the other cells, in the
        cell's own units), `where` (that cell's row and column) and `largest_relative` (the
        largest relative deviation among them). Erratum cells are left out of `largest`: their
        distance from print measures the paper's inconsistency, judged against the errata's
        consistent value by the scorecard.
    """
    dev = cell_deviations(card, errata)
    rows = []
    for (table, kind), d in dev.groupby(["table", "kind"], sort=False):
        own = d[~d["erratum"]]  # an erratum cell's distance from print is the paper's own inconsistency
        absdev = own["deviation"].abs()
        top = absdev.idxmax() if absdev.notna().any() else None
        rows.append(
            {
                "table": table,
                "kind": kind,
                "cells": len(d),
                "ok": int(d["ok"].sum()),
                "errata": int(d["erratum"].sum()),
                "largest": float(absdev.max()) if top is not None else math.nan,
                "where": f"{own.loc[top, 'row']} / {own.loc[top, 'column']}" if top is not None else "",
                "largest_relative": float(own["relative"].max()) if own["relative"].notna().any() else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _number(x: float) -> str:
    """A deviation as text with the digits it needs (0.04, 1.4, 27)."""
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    spec = ".2g" if abs(x) < 1 else (".1f" if abs(x) < 100 else ".0f")
    return fmt(x, spec)


def deviation_text(card: pd.DataFrame, errata: pd.DataFrame | None = None) -> MD:
    """A computed paragraph: which printed tables match exactly, and the largest deviation of each kind.

    Every number is computed from `card`; no phrase is fixed in advance.
    """
    dev = cell_deviations(card, errata)
    if dev.empty:
        return MD("")
    parts = []
    exact = [
        t for t, d in dev.groupby("table", sort=False) if t != "Text" and (d["deviation"].abs().fillna(0) == 0).all()
    ]
    if exact:
        parts.append(md("Every cell of {tables} is reproduced exactly.", tables=", ".join(exact)))
    missed = dev[~dev["ok"]]
    if len(missed):
        parts.append(
            md(
                "{k:,} cell{s} fall outside their tolerance: {cells}.",
                k=len(missed),
                s=MD("s" if len(missed) != 1 else ""),
                cells="; ".join(f"{r.table}, {r.row} / {r.column} (printed {r.paper})" for r in missed.itertuples()),
            )
        )
    own = dev[~dev["erratum"]]
    for kind, measure in (
        ("community characteristic", "deviation"),
        ("mean", "deviation"),
        ("percent", "deviation"),
        ("B", "deviation"),
        ("fit statistic", "relative"),
    ):
        k = own[(own["kind"] == kind)]
        size = k[measure].abs()
        if not size.notna().any():
            continue
        w = k.loc[size.idxmax()]
        parts.append(
            md(
                "Among the {kind} cells the largest deviation from print, errata aside, is {size} ({table}, {row} / "
                "{column}: printed {paper}, reproduced {ours}).",
                kind=MD({"B": "coefficient (B)", "fit statistic": "fit-statistic"}.get(kind, kind)),
                size=(
                    md("{x} percent of the printed value", x=_number(100 * w["relative"]))
                    if measure == "relative"
                    else md("{x}{unit}", x=_number(abs(w["deviation"])), unit=" points" if kind == "percent" else "")
                ),
                table=w["table"],
                row=w["row"],
                column=w["column"],
                paper=w["paper"],
                ours=_number(w["reproduced"]) if abs(w["reproduced"]) >= 1 else fmt(w["reproduced"], ".3g"),
            )
        )
    n_err = int(dev["erratum"].sum())
    if n_err:
        parts.append(
            md(
                "{n:,} {cells} listed in the errata; the scorecard judges {them} against the value the paper's "
                "other figures imply.",
                n=n_err,
                cells=MD("cells are" if n_err != 1 else "cell is"),
                them=MD("them" if n_err != 1 else "it"),
            )
        )
    return md_join(" ", parts)
