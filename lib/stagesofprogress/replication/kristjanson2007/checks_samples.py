"""Consistency checks of the sample sizes of Tables 3 to 9 against each other and the text."""

from __future__ import annotations

import math

import pandas as pd

from .checks_tables import _T3_START
from .intervals import _cells, _flag, _num, _order, _pos
from .transcription import REGIONS_TABLES_4_9

__all__ = ["check_sample_sizes"]

#: Table 3's period over which the logit models of Tables 4 and 5 were fitted (the generation).
_GENERATION = "1979-2004"
#: Accepted share of a Table 3 group in its logit sample, around the text's "about a quarter".
_SAMPLE_SHARE_ACCEPTED = (0.20, 1 / 3)


def _sizes(sizes: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {(r.table, r.group): r.n for r in sizes.itertuples()}


def _fit_cell(tables: dict[str, pd.DataFrame], table: str, row: str, col: str):
    """A printed number of a logit table's fit rows (None when the table, row or column is absent)."""
    w = tables.get(table)
    if w is None:
        return None
    m = w[w["row"] == row]
    return _num(m.iloc[0][col]) if len(m) and col in w.columns else None


def _header_flags(n: dict, sampled: float | None) -> list[dict]:
    """Table 6's region sizes against the text's sample; Table 8's escapers within Table 6's sample."""
    n6 = {g: n.get(("Table 6", g)) for g in REGIONS_TABLES_4_9}
    out = []
    if sampled is not None and all(n6.values()) and sum(n6.values()) != sampled:
        out.append(
            _flag(
                "Table 6",
                "(n)",
                " + ".join(REGIONS_TABLES_4_9),
                " + ".join(str(n6[g]) for g in REGIONS_TABLES_4_9) + f" = {sum(n6.values())}",
                f"{sampled:g}",
                "Table 6's region sizes add up to "
                f"{sum(n6.values())} surveyed households, but the text says the sample and the livestock "
                f"survey covered {sampled:g} households.",
                (-1, 0),
            )
        )
    for g in REGIONS_TABLES_4_9:
        n8 = n.get(("Table 8", g))
        if n8 and n6.get(g) and n8 > n6[g]:
            out.append(
                _flag(
                    "Table 8",
                    "(n)",
                    g,
                    str(n8),
                    f"<= {n6[g]}",
                    f"Table 8's escapers in {g} cannot outnumber Table 6's sample ({n6[g]}).",
                    (-1, 0),
                )
            )
    return out


def _quarter_flags(tables: dict, n: dict, g: str, used: dict, quarter: float) -> list[dict]:
    """Each logit sample against the Table 3 group it was drawn from (about ``quarter`` percent)."""
    t3 = tables.get("Table 3")
    if t3 is None or not n.get(("Table 3", g)):
        return []
    r3 = t3[t3["row"] == f"{g}, {_GENERATION}"]
    start = _num(r3.iloc[0][_T3_START]) if len(r3) else None
    if start is None:
        return []
    first_year = _GENERATION.split("-")[0]
    lo, hi = _SAMPLE_SHARE_ACCEPTED
    out = []
    for t, what in (("Table 4", f"poor in {first_year}"), ("Table 5", f"not poor in {first_year}")):
        if used[t] is None:
            continue
        base = n[("Table 3", g)] * (start.value if t == "Table 4" else 100 - start.value) / 100
        f = used[t].value / base if base else math.inf
        if not lo <= f <= hi:
            out.append(
                _flag(
                    t,
                    "N",
                    f"{g} B",
                    used[t].printed,
                    f"about {quarter / 100 * base:.0f}",
                    f"Households {what} in {g} number about {base:.0f} (Table 3), and the sample was about a "
                    f"quarter of each category, but N is {f:.0%} of them.",
                    _pos(tables, t, "N", f"{g} B"),
                )
            )
    return out


def _logit_flags(tables: dict, n: dict, quarter: float | None) -> list[dict]:
    """Logit samples: subsets of the surveyed households and about a quarter of each group."""
    out = []
    for g in REGIONS_TABLES_4_9:
        n6 = n.get(("Table 6", g))
        if not n6:
            continue
        used = {t: _fit_cell(tables, t, "N", f"{g} B") for t in ("Table 4", "Table 5")}
        tot = sum(v.value for v in used.values() if v)
        if tot > n6:
            out.append(
                _flag(
                    "Table 4",
                    "N",
                    f"{g} B",
                    used["Table 4"].printed if used["Table 4"] else "",
                    f"<= {n6 - (used['Table 5'].value if used['Table 5'] else 0):g}",
                    f"Tables 4 and 5 together use {tot:g} {g} households, more than the {n6} surveyed (Table 6).",
                    _pos(tables, "Table 4", "N", f"{g} B"),
                )
            )
        if quarter is not None:
            out += _quarter_flags(tables, n, g, used, quarter)
    return out


def _table7_flags(tables: dict, n: dict) -> list[dict]:
    """Table 7 is fitted on Puno's surveyed households: its N cannot exceed Table 6's Puno n."""
    n7, n6 = _fit_cell(tables, "Table 7", "N", "B"), n.get(("Table 6", "Puno"))
    if not (n7 and n6 and n7.value > n6):
        return []
    return [
        _flag(
            "Table 7",
            "N",
            "B",
            n7.printed,
            f"<= {n6}",
            f"Table 7 (Puno) uses more households than Table 6 surveyed in Puno ({n6}).",
            _pos(tables, "Table 7", "N", "B"),
        )
    ]


def _table9_flags(tables: dict, n: dict) -> list[dict]:
    """Table 9's valid answers within Table 6's surveyed households."""
    t9 = tables.get("Table 9")
    if t9 is None:
        return []
    rows, cols = _order(t9)
    out = []
    for g in REGIONS_TABLES_4_9:
        col, n6 = f"{g} Valid N", n.get(("Table 6", g))
        for row in t9["row"]:
            v = _num(t9.loc[t9["row"] == row, col].iloc[0])
            if v and n6 and v.value > n6:
                out.append(
                    _flag(
                        "Table 9",
                        row,
                        col,
                        v.printed,
                        f"<= {n6}",
                        f"More valid answers than households surveyed in {g} (Table 6).",
                        (rows[row], cols[col]),
                    )
                )
    return out


def _table8_flag(row: str, col: str, v, n8: int | None, owners, g: str, at: tuple[int, int]) -> dict | None:
    if n8 and v.value > n8:
        return _flag(
            "Table 8", row, col, v.printed, f"<= {n8}", f"More owners than the {n8} escaping households of {g}.", at
        )
    if owners and v.value > owners.value:
        return _flag(
            "Table 8",
            row,
            col,
            v.printed,
            f"<= {owners.printed}",
            f"More escaping owners than all owners in Table 6 ({owners.printed}).",
            at,
        )
    return None


def _table8_flags(tables: dict, n: dict) -> list[dict]:
    """Table 8's escaping owners within its escapers and within all owners of Table 6."""
    t8, t6 = tables.get("Table 8"), tables.get("Table 6")
    if t8 is None:
        return []
    rows, cols = _order(t8)
    c6 = _cells(t6) if t6 is not None else {}
    out = []
    for g in REGIONS_TABLES_4_9:
        for per in ("10 years ago", "Now"):
            col = f"{g} {per} Valid n"
            for row in t8["row"]:
                v = _num(t8.loc[t8["row"] == row, col].iloc[0])
                if v is None:
                    continue
                owners = _num(c6.get((row, f"{g} {per} No. of hhs"), ""))
                f = _table8_flag(row, col, v, n.get(("Table 8", g)), owners, g, (rows[row], cols[col]))
                if f:
                    out.append(f)
    return out


def check_sample_sizes(tables: dict[str, pd.DataFrame], sizes: pd.DataFrame, text: pd.DataFrame) -> list[dict]:
    """Sample sizes of Tables 3-9 against each other and against the text.

    The sample behind Tables 4-9 is the households the text says were sampled
    (``households_sampled``); Table 6 prints its region sizes; Tables 4, 5, 7, 8 and 9 are
    subsets of Table 6's sample; the logit samples are about the text's share
    (``sample_fraction_per_category``, a quarter) of each movement category of Table 3
    (accepted: 20 to 33 percent).
    """
    n = _sizes(sizes)
    tv = dict(zip(text["id"], text["value"]))
    return (
        _header_flags(n, tv.get("households_sampled"))
        + _logit_flags(tables, n, tv.get("sample_fraction_per_category"))
        + _table7_flags(tables, n)
        + _table9_flags(tables, n)
        + _table8_flags(tables, n)
    )
