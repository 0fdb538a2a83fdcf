"""Consistency checks of the figures the prose quotes against the tables they restate."""

from __future__ import annotations

import pandas as pd

from .checks_tables import _T3_END, _T3_START
from .intervals import _cells, _flag, _num, _order, _overlap, _text_decimals
from .transcription import text_links

__all__ = ["check_text_vs_tables", "check_text_derived"]


def _links(links) -> list[tuple[str, str, str, str, str | None]]:
    """(text id, table, row, column, percent_of) from ``text_links.csv`` rows or from tuples."""
    if links is None:
        links = text_links()
    if isinstance(links, pd.DataFrame):
        return [(r.id, r.table, r.row, r.column, r.percent_of or None) for r in links.itertuples(index=False)]
    return [tuple(x) for x in links]


def check_text_vs_tables(
    tables: dict[str, pd.DataFrame],
    text: pd.DataFrame,
    sizes: pd.DataFrame | None = None,
    links: pd.DataFrame | list[tuple] | None = None,
) -> list[dict]:
    """Numbers the prose quotes against the table cells (or shares) they restate.

    ``links`` says which cell each text figure restates (``text_links.csv``: ``id, table, row,
    column, percent_of``; the bundled file when None). A text figure printed with ``k``
    decimals matches when some value inside the cell's rounding interval rounds to it. A
    link with ``percent_of`` (Table 8's owner counts) turns the count into a percent of that
    group's size printed for the same table (Table 8's escapers, ``sizes``).
    """
    tv = {r.id: r for r in text.itertuples()}
    n_of = {} if sizes is None else {(r.table, r.group): r.n for r in sizes.itertuples()}
    out = []
    for tid, table, row, col, how in _links(links):
        if tid not in tv or table not in tables:
            continue
        w = tables[table]
        m = w[w["row"] == row]
        if m.empty or col not in w.columns:
            continue
        cell = _num(m.iloc[0][col])
        if cell is None:
            continue
        rows, cols = _order(w)
        t = tv[tid]
        h = 0.5 * 10.0 ** (-_text_decimals(t.value))
        if how is None:
            lo, hi, shown, what = cell.lo, cell.hi, cell.printed, "the table prints"
        else:
            n = n_of.get((table, how))
            if not n:
                continue
            lo, hi = 100 * cell.value / n, 100 * cell.value / n
            shown, what = f"{lo:.1f}", f"{cell.printed} of the {n} escaping households is"
        if not _overlap(t.value - h, t.value + h, lo, hi):
            consistent = f"{t.value:g}"
            out.append(
                _flag(
                    table,
                    row,
                    col,
                    cell.printed,
                    consistent,
                    f"The text ({t.quote_location}) gives {t.value:g} {t.unit} for this, but {what} "
                    f"{shown}, which does not round to it.",
                    (rows[row], cols[col]),
                )
            )
    return out


def check_text_derived(t3: pd.DataFrame, text: pd.DataFrame, table: str = "Table 3") -> list[dict]:
    """Prose figures that are differences or ratios of Table 3 cells.

    The drop in poverty over each period (start minus end share, pooled) and the claim that
    more than a third of the presently poor were not poor 25 years ago (became poor / poor
    at end, pooled 1979-2004).
    """
    tv = {r.id: r for r in text.itertuples()}
    rows, cols = _order(t3)
    cell = _cells(t3)
    out = []
    for tid, label in (
        ("poverty_fall_10y_both", "Both Regions, 1994-2004"),
        ("poverty_fall_25y_both", "Both Regions, 1979-2004"),
    ):
        s, e = _num(cell.get((label, _T3_START), "")), _num(cell.get((label, _T3_END), ""))
        if tid not in tv or not (s and e):
            continue
        t = tv[tid]
        h = 0.5 * 10.0 ** (-_text_decimals(t.value))
        if not _overlap(t.value - h, t.value + h, s.lo - e.hi, s.hi - e.lo):
            out.append(
                _flag(
                    table,
                    label,
                    _T3_START,
                    s.printed,
                    f"{e.value + t.value:g}",
                    f"The text ({t.quote_location}) puts the fall in poverty at {t.value:g} points, but the "
                    f"table's start and end shares ({s.printed} and {e.printed}) differ by "
                    f"{s.value - e.value:.1f}.",
                    (rows[label], cols[_T3_START]),
                )
            )
    label = "Both Regions, 1979-2004"
    b, e = _num(cell.get((label, "Became Poor"), "")), _num(cell.get((label, _T3_END), ""))
    if "newly_poor_share_of_poor_min" in tv and b and e:
        t = tv["newly_poor_share_of_poor_min"]
        if not 100 * b.hi / e.lo > t.value:
            out.append(
                _flag(
                    table,
                    label,
                    "Became Poor",
                    b.printed,
                    f"> {t.value * e.value / 100:.1f}",
                    f"The text ({t.quote_location}) says more than a third of the presently poor were not "
                    f"poor 25 years ago, but {b.printed} of {e.printed} is {100 * b.value / e.value:.1f} "
                    "percent.",
                    (rows[label], cols["Became Poor"]),
                )
            )
    return out
