"""Consistency checks of the figures the prose quotes against the tables they restate."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .checks_tables import _T3_END, _T3_START
from .intervals import _cells, _flag, _num, _order, _overlap, _text_decimals

# Text figures that restate a table cell, or a number derived from cells.
# (text id, table, row, column, how): how is None (the cell itself) or, for Table 8 owner
# counts, the region whose escaper total (Table 8's n) turns the count into a percent.
_TEXT_LINKS: list[tuple[str, str, str, str, Callable | None]] = [
    ("electricity_cajamarca", "Table 1", "Access to electricity", "Cajamarca", None),
    ("electricity_puno", "Table 1", "Access to electricity", "Puno", None),
    ("crop_agriculture_cajamarca", "Table 1", "Crop agriculture", "Cajamarca", None),
    ("crop_agriculture_puno", "Table 1", "Crop agriculture", "Puno", None),
    ("casual_labor_cajamarca", "Table 1", "Casual labor", "Cajamarca", None),
    ("casual_labor_puno", "Table 1", "Casual labor", "Puno", None),
    ("poor_1994_cajamarca", "Table 3", "Cajamarca, 1994-2004", _T3_START, None),
    ("poor_1994_puno_summary", "Table 3", "Puno, 1994-2004", _T3_START, None),
    ("poor_1994_puno", "Table 3", "Puno, 1994-2004", _T3_START, None),
    ("poor_1994_both", "Table 3", "Both Regions, 1994-2004", _T3_START, None),
    ("escaped_10y_cajamarca", "Table 3", "Cajamarca, 1994-2004", "Escaped Poverty", None),
    ("escaped_10y_puno_summary", "Table 3", "Puno, 1994-2004", "Escaped Poverty", None),
    ("escaped_10y_puno", "Table 3", "Puno, 1994-2004", "Escaped Poverty", None),
    ("escaped_10y_both", "Table 3", "Both Regions, 1994-2004", "Escaped Poverty", None),
    ("became_poor_10y_cajamarca", "Table 3", "Cajamarca, 1994-2004", "Became Poor", None),
    ("became_poor_10y_puno", "Table 3", "Puno, 1994-2004", "Became Poor", None),
    ("became_poor_10y_both", "Table 3", "Both Regions, 1994-2004", "Became Poor", None),
    ("poor_2004_cajamarca", "Table 3", "Cajamarca, 1994-2004", _T3_END, None),
    ("poor_2004_puno", "Table 3", "Puno, 1994-2004", _T3_END, None),
    ("poor_2004_puno_precise", "Table 3", "Puno, 1994-2004", _T3_END, None),
    ("poor_2004_both", "Table 3", "Both Regions, 1994-2004", _T3_END, None),
    ("poor_1979_cajamarca", "Table 3", "Cajamarca, 1979-2004", _T3_START, None),
    ("poor_1979_puno", "Table 3", "Puno, 1979-2004", _T3_START, None),
    ("poor_1979_both", "Table 3", "Both Regions, 1979-2004", _T3_START, None),
    ("remained_poor_25y_both", "Table 3", "Both Regions, 1979-2004", "Remained Poor", None),
    ("escaped_25y_cajamarca", "Table 3", "Cajamarca, 1979-2004", "Escaped Poverty", None),
    ("escaped_25y_puno", "Table 3", "Puno, 1979-2004", "Escaped Poverty", None),
    ("escaped_25y_both", "Table 3", "Both Regions, 1979-2004", "Escaped Poverty", None),
    ("became_poor_25y_cajamarca", "Table 3", "Cajamarca, 1979-2004", "Became Poor", None),
    ("became_poor_25y_puno", "Table 3", "Puno, 1979-2004", "Became Poor", None),
    ("became_poor_25y_both", "Table 3", "Both Regions, 1979-2004", "Became Poor", None),
    ("or_livestock_quality_puno", "Table 4", "Improved livestock quality", "Puno Odds Ratio", None),
    ("or_business_puno", "Table 4", "Business gains", "Puno Odds Ratio", None),
    ("or_business_cajamarca", "Table 4", "Business gains", "Cajamarca Odds Ratio", None),
    ("or_crop_diversification_cajamarca", "Table 4", "Crop diversification", "Cajamarca Odds Ratio", None),
    ("or_livestock_diversification_puno", "Table 4", "Livestock diversification", "Puno Odds Ratio", None),
    (
        "or_offfarm_diversification_cajamarca",
        "Table 4",
        "Non-agricultural/off-farm diversification",
        "Cajamarca Odds Ratio",
        None,
    ),
    ("or_market_access_cajamarca", "Table 4", "Improved market access", "Cajamarca Odds Ratio", None),
    ("or_private_job_puno", "Table 4", "Private job", "Puno Odds Ratio", None),
    ("or_large_family_cajamarca", "Table 5", "Large family size", "Cajamarca Odds Ratio", None),
    ("or_marriage_cajamarca", "Table 5", "Marriage expenses", "Cajamarca Odds Ratio", None),
    ("or_death_earner_cajamarca", "Table 5", "Death of income earner", "Cajamarca Odds Ratio", None),
    ("or_health_descent_puno", "Table 5", "Health", "Puno Odds Ratio", None),
    ("or_health_descent_cajamarca", "Table 5", "Health", "Cajamarca Odds Ratio", None),
    ("or_health_descent_cajamarca_summary", "Table 5", "Health", "Cajamarca Odds Ratio", None),
    ("or_gender_improved_breeds", "Table 7", "Gender", "Odds Ratio", None),
    ("or_land_improved_breeds", "Table 7", "Log of land owned", "Odds Ratio", None),
    (
        "or_multiple_activities_improved_breeds",
        "Table 7",
        "Involvement in multiple income generating activities",
        "Odds Ratio",
        None,
    ),
    (
        "or_relatives_outside_improved_breeds",
        "Table 7",
        "Influence of relatives working outside the community",
        "Odds Ratio",
        None,
    ),
    ("herd_dairy_improved_1994_puno", "Table 8", "Dairy improved", "Puno 10 years ago Mean Herd Size", None),
    ("herd_dairy_improved_2004_puno", "Table 8", "Dairy improved", "Puno Now Mean Herd Size", None),
    ("herd_llamas_1994_puno", "Table 8", "Llamas", "Puno 10 years ago Mean Herd Size", None),
    ("herd_llamas_2004_puno", "Table 8", "Llamas", "Puno Now Mean Herd Size", None),
    (
        "escapers_dairy_indigenous_share_1994_cajamarca",
        "Table 8",
        "Dairy indigenous",
        "Cajamarca 10 years ago Valid n",
        "Cajamarca",
    ),
    (
        "escapers_dairy_indigenous_share_2004_cajamarca",
        "Table 8",
        "Dairy indigenous",
        "Cajamarca Now Valid n",
        "Cajamarca",
    ),
    (
        "escapers_beef_indigenous_share_1994_cajamarca",
        "Table 8",
        "Beef indigenous",
        "Cajamarca 10 years ago Valid n",
        "Cajamarca",
    ),
    (
        "escapers_beef_indigenous_share_2004_cajamarca",
        "Table 8",
        "Beef indigenous",
        "Cajamarca Now Valid n",
        "Cajamarca",
    ),
]


def check_text_vs_tables(
    tables: dict[str, pd.DataFrame], text: pd.DataFrame, sizes: pd.DataFrame | None = None, links=None
) -> list[dict]:
    """Numbers the prose quotes against the table cells (or shares) they restate.

    A text figure printed with ``k`` decimals matches when some value inside the cell's
    rounding interval rounds to it. Table 8 owner counts are turned into shares of the
    region's escapers (Table 8's n).
    """
    tv = {r.id: r for r in text.itertuples()}
    n8 = {} if sizes is None else {r.group: r.n for r in sizes[sizes["table"] == "Table 8"].itertuples()}
    out = []
    for tid, table, row, col, how in links if links is not None else _TEXT_LINKS:
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
            n = n8.get(how)
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
