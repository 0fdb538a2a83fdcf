"""Consistency checks of the sample sizes of Tables 3 to 9 against each other and the text."""

from __future__ import annotations

import math

import pandas as pd

from .checks_tables import _T3_START
from .intervals import _cells, _flag, _num, _order, _pos
from .transcription import REGIONS_TABLES_4_9


def check_sample_sizes(tables: dict[str, pd.DataFrame], sizes: pd.DataFrame, text: pd.DataFrame) -> list[dict]:
    """Sample sizes of Tables 3-9 against each other and against the text.

    The sample behind Tables 4-9 is the 1,041 households of the text; Table 6 prints its
    region sizes; Tables 4, 5, 7, 8 and 9 are subsets of Table 6's sample; the logit samples
    are about a quarter of each movement category of Table 3 (accepted: 20 to 33 percent).
    """
    out = []
    n = {(r.table, r.group): r.n for r in sizes.itertuples()}
    tv = dict(zip(text["id"], text["value"]))
    sampled = tv.get("households_sampled")
    n6 = {g: n.get(("Table 6", g)) for g in REGIONS_TABLES_4_9}
    if sampled is not None and all(n6.values()) and sum(n6.values()) != sampled:
        out.append(
            _flag(
                "Table 6",
                "(n)",
                "Puno + Cajamarca",
                f"{n6['Puno']} + {n6['Cajamarca']} = {sum(n6.values())}",
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

    def fit(t, row, col):
        w = tables.get(t)
        if w is None:
            return None
        m = w[w["row"] == row]
        return _num(m.iloc[0][col]) if len(m) and col in w.columns else None

    # Logit samples: subsets of the surveyed households and about a quarter of each group.
    t3 = tables.get("Table 3")
    for g in REGIONS_TABLES_4_9:
        if not n6.get(g):
            continue
        used = {t: fit(t, "N", f"{g} B") for t in ("Table 4", "Table 5")}
        tot = sum(v.value for v in used.values() if v)
        if tot > n6[g]:
            out.append(
                _flag(
                    "Table 4",
                    "N",
                    f"{g} B",
                    used["Table 4"].printed if used["Table 4"] else "",
                    f"<= {n6[g] - (used['Table 5'].value if used['Table 5'] else 0):g}",
                    f"Tables 4 and 5 together use {tot:g} {g} households, more than the {n6[g]} surveyed (Table 6).",
                    _pos(tables, "Table 4", "N", f"{g} B"),
                )
            )
        if t3 is None or not n.get(("Table 3", g)):
            continue
        r3 = t3[t3["row"] == f"{g}, 1979-2004"]
        if r3.empty:
            continue
        r3 = r3.iloc[0]
        pop = n[("Table 3", g)]
        start = _num(r3[_T3_START])
        for t, what in (("Table 4", "poor in 1979"), ("Table 5", "not poor in 1979")):
            if start is None or used[t] is None:
                continue
            base = pop * (start.value if t == "Table 4" else 100 - start.value) / 100
            f = used[t].value / base if base else math.inf
            if not 0.20 <= f <= 1 / 3:
                out.append(
                    _flag(
                        t,
                        "N",
                        f"{g} B",
                        used[t].printed,
                        f"about {0.25 * base:.0f}",
                        f"Households {what} in {g} number about {base:.0f} (Table 3), and the sample was about a "
                        f"quarter of each category, but N is {f:.0%} of them.",
                        _pos(tables, t, "N", f"{g} B"),
                    )
                )
    n7 = fit("Table 7", "N", "B")
    if n7 and n6.get("Puno") and n7.value > n6["Puno"]:
        out.append(
            _flag(
                "Table 7",
                "N",
                "B",
                n7.printed,
                f"<= {n6['Puno']}",
                f"Table 7 (Puno) uses more households than Table 6 surveyed in Puno ({n6['Puno']}).",
                _pos(tables, "Table 7", "N", "B"),
            )
        )
    t9 = tables.get("Table 9")
    if t9 is not None:
        rows, cols = _order(t9)
        for g in REGIONS_TABLES_4_9:
            col = f"{g} Valid N"
            for row in t9["row"]:
                v = _num(t9.loc[t9["row"] == row, col].iloc[0])
                if v and n6.get(g) and v.value > n6[g]:
                    out.append(
                        _flag(
                            "Table 9",
                            row,
                            col,
                            v.printed,
                            f"<= {n6[g]}",
                            f"More valid answers than households surveyed in {g} (Table 6).",
                            (rows[row], cols[col]),
                        )
                    )
    t8, t6 = tables.get("Table 8"), tables.get("Table 6")
    if t8 is not None:
        rows, cols = _order(t8)
        c6 = _cells(t6) if t6 is not None else {}
        for g in REGIONS_TABLES_4_9:
            for per in ("10 years ago", "Now"):
                col = f"{g} {per} Valid n"
                for row in t8["row"]:
                    v = _num(t8.loc[t8["row"] == row, col].iloc[0])
                    if v is None:
                        continue
                    n8 = n.get(("Table 8", g))
                    owners = _num(c6.get((row, f"{g} {per} No. of hhs"), ""))
                    if n8 and v.value > n8:
                        out.append(
                            _flag(
                                "Table 8",
                                row,
                                col,
                                v.printed,
                                f"<= {n8}",
                                f"More owners than the {n8} escaping households of {g}.",
                                (rows[row], cols[col]),
                            )
                        )
                    elif owners and v.value > owners.value:
                        out.append(
                            _flag(
                                "Table 8",
                                row,
                                col,
                                v.printed,
                                f"<= {owners.printed}",
                                f"More escaping owners than all owners in Table 6 ({owners.printed}).",
                                (rows[row], cols[col]),
                            )
                        )
    return out
