"""Consistency checks of the printed Tables 1, 2, 3, 6 and 9 (each on small wide frames)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .intervals import _cells, _count_range, _flag, _num, _order, _overlap
from .transcription import REGIONS_TABLES_1_3, _is_heading

__all__ = [
    "check_table1_both_regions",
    "check_table1_land",
    "check_table1_vs_sizes",
    "check_table2_monotone",
    "check_table3",
    "check_table3_counts",
    "check_table3_total",
    "check_percent_of_n",
]

# --------------------------------------------------------------------------------------
# Checks. Each takes small wide frames (as returned by `wide`) so tests can feed hand-built
# inputs, and returns a list of flag dicts.


def check_table1_both_regions(
    t1: pd.DataFrame, table: str = "Table 1", communities_per_region: float | None = None
) -> list[dict]:
    """'Both regions' must be the mean of the two region columns (the same number of communities each,
    the text's ``communities_per_region``, which the explanation quotes when given)."""
    each = "the same number of" if communities_per_region is None else f"{communities_per_region:g}"
    rows, cols = _order(t1)
    out = []
    for _, r in t1.iterrows():
        if _is_heading(r):
            continue
        (c, p), b = (_num(r[g]) for g in REGIONS_TABLES_1_3), _num(r["Both regions"])
        if b is None or (c is None and p is None):
            continue
        note = ""
        if c is None or p is None:
            # A blank region cell: read it as 0 communities, but flag only if reading it as
            # "not reported" (Both = the other region) would not help either.
            other = p if c is None else c
            if _overlap(other.lo, other.hi, b.lo, b.hi):
                continue
            lo, hi, mid = other.lo / 2, other.hi / 2, other.value / 2
            note = (
                " The blank region cell is read as 0; reading it as not reported would give "
                f"{other.printed}, which does not match either."
            )
        else:
            lo, hi, mid = (c.lo + p.lo) / 2, (c.hi + p.hi) / 2, (c.value + p.value) / 2
        if not _overlap(lo, hi, b.lo, b.hi):
            out.append(
                _flag(
                    table,
                    r["row"],
                    "Both regions",
                    r["Both regions"],
                    b.fmt(mid),
                    f"Both regions have {each} communities, so the pooled average should be the mean of "
                    f"the two region columns ({mid:g}); the printed value cannot be that mean at the "
                    f"printed precision.{note}",
                    (rows[r["row"]], cols["Both regions"]),
                )
            )
    return out


def check_table1_land(t1: pd.DataFrame, table: str = "Table 1") -> list[dict]:
    """Households with land + households without land should give the number of households."""
    rows, cols = _order(t1)
    cell = _cells(t1)
    out = []
    for col in t1.columns[1:]:
        tot = _num(cell.get(("No. of households", col), ""))
        a = _num(cell.get(("No. of households with land", col), ""))
        b = _num(cell.get(("No. of households without land", col), ""))
        if not (tot and a and b):
            continue
        if not _overlap(a.lo + b.lo, a.hi + b.hi, tot.lo, tot.hi):
            out.append(
                _flag(
                    table,
                    "No. of households",
                    col,
                    tot.printed,
                    tot.fmt(a.value + b.value),
                    f"Households with land ({a.printed}) plus households without land ({b.printed}) "
                    f"give {a.value + b.value:g}, more than rounding away from the printed total.",
                    (rows["No. of households"], cols[col]),
                )
            )
    return out


def check_table1_vs_sizes(
    t1: pd.DataFrame,
    sizes: pd.DataFrame,
    households_total: float,
    communities_per_region: float,
    table: str = "Table 1",
) -> list[dict]:
    """Mean households per community x number of communities vs Table 3's n and the text."""
    rows, cols = _order(t1)
    cell = _cells(t1)
    n3 = {r.group: r.n for r in sizes[sizes["table"] == "Table 3"].itertuples()}
    targets = {
        **{g: (communities_per_region, n3.get(g), f"Table 3's n for {g}") for g in REGIONS_TABLES_1_3},
        "Both regions": (2 * communities_per_region, households_total, "the text's household total"),
    }
    out = []
    for col, (k, n, what) in targets.items():
        m = _num(cell.get(("No. of households", col), ""))
        if m is None or n is None:
            continue
        if not _overlap(k * m.lo, k * m.hi, n, n):
            out.append(
                _flag(
                    table,
                    "No. of households",
                    col,
                    m.printed,
                    f"{n / k:.1f}",
                    f"{k:g} communities times a mean of {m.printed} households is about {k * m.value:g} "
                    f"households, but {what} is {n:g} (a mean of {n / k:.1f} per community).",
                    (rows["No. of households"], cols[col]),
                )
            )
    return out


def check_table2_monotone(t2: pd.DataFrame, table: str = "Table 2") -> list[dict]:
    """The text says average assets rise monotonically with the stage."""
    col = t2.columns[1]
    vals = [_num(s) for s in t2[col]]
    out = []
    for i in range(1, len(vals)):
        if vals[i] and vals[i - 1] and not vals[i].hi > vals[i - 1].lo:
            out.append(
                _flag(
                    table,
                    t2["row"].iloc[i],
                    col,
                    vals[i].printed,
                    f"> {vals[i - 1].printed}",
                    "The text describes a monotonically increasing relation between stage and "
                    "average assets, but this stage's average is not above the previous one.",
                    (i, 1),
                )
            )
    return out


_T3_CATS = ["Remained Poor", "Escaped Poverty", "Became Poor", "Remained Not Poor"]
_T3_START, _T3_END = "Poor at the Start of the Period", "Poor at the End of the Period"
_T3_SUMS = [
    (_T3_START, ["Remained Poor", "Escaped Poverty"], "remained poor plus escaped"),
    (_T3_END, ["Remained Poor", "Became Poor"], "remained poor plus became poor"),
]


def _t3_row_flags(label: str, printed: pd.Series, vals: dict, key: tuple[int, dict], table: str) -> list[dict]:
    """One row of Table 3: the four categories sum to 100, poor at start and end from their parts."""
    row_at, cols = key
    out = []
    cats = [vals[c] for c in _T3_CATS]
    if all(cats):
        lo, hi = sum(x.lo for x in cats), sum(x.hi for x in cats)
        if not _overlap(lo, hi, 100, 100):
            s = sum(x.value for x in cats)
            last = _T3_CATS[-1]
            out.append(
                _flag(
                    table,
                    label,
                    last,
                    printed[last],
                    cats[-1].fmt(cats[-1].value + 100 - s),
                    f"The four movement categories add up to {s:.1f} percent instead of 100.",
                    (row_at, cols[last]),
                )
            )
    for col, parts, words in _T3_SUMS:
        tot, a, b = vals[col], vals[parts[0]], vals[parts[1]]
        if tot and a and b and not _overlap(a.lo + b.lo, a.hi + b.hi, tot.lo, tot.hi):
            out.append(
                _flag(
                    table,
                    label,
                    col,
                    tot.printed,
                    tot.fmt(a.value + b.value),
                    f"The share poor at the {'start' if col == _T3_START else 'end'} of the period "
                    f"must equal {words} "
                    f"in the same row ({a.printed} + {b.printed} = {a.value + b.value:.1f}).",
                    (row_at, cols[col]),
                )
            )
    return out


def _t3_pooled_note(data: dict, n: dict[str, int], period: str, col: str, parts: list, b) -> str:
    """Why a pooled cell fails, when the region rows' own components (not their totals) would fit."""
    comp = {c: ps for c, ps, _ in _T3_SUMS}.get(col)
    if not comp:
        return ""
    regions, w = list(n), sum(n.values())
    alt = [sum(data[(g, period)][c].value for c in comp) for g in regions]
    amid = sum(n[g] * a for g, a in zip(regions, alt)) / w
    if any(not _overlap(a - 0.1, a + 0.1, p.lo, p.hi) for a, p in zip(alt, parts)) and _overlap(
        amid - 0.1, amid + 0.1, b.lo, b.hi
    ):
        return (
            f" Built from each region's own components instead, the pooled value is {amid:.2f}, "
            "which matches: this follows from the region-row inconsistency above."
        )
    return ""


def _t3_pooled_flags(t3: pd.DataFrame, data: dict, n: dict[str, int], table: str) -> list[dict]:
    """'Both Regions' rows against the region rows weighted by their sizes."""
    rows, cols = _order(t3)
    regions, w = list(n), sum(n.values())
    out = []
    for (region, period), vals in data.items():
        if region.lower() != "both regions" or not all((g, period) in data for g in regions):
            continue
        label = f"{region}, {period}"
        for col in t3.columns[1:]:
            b = vals[col]
            parts = [data[(g, period)][col] for g in regions]
            if b is None or not all(parts):
                continue
            lo = sum(n[g] * p.lo for g, p in zip(regions, parts)) / w
            hi = sum(n[g] * p.hi for g, p in zip(regions, parts)) / w
            mid = sum(n[g] * p.value for g, p in zip(regions, parts)) / w
            if _overlap(lo, hi, b.lo, b.hi):
                continue
            sizes = " and ".join(f"{g} n={n[g]}" for g in regions)
            note = _t3_pooled_note(data, n, period, col, parts, b)
            out.append(
                _flag(
                    table,
                    label,
                    col,
                    b.printed,
                    b.fmt(mid),
                    f"Pooling the region rows with the printed region sizes ({sizes}) gives "
                    f"{mid:.2f}, which cannot round to the printed pooled value.{note}",
                    (rows[label], cols[col]),
                )
            )
    return out


def _t3_present_flags(t3: pd.DataFrame, data: dict, table: str) -> list[dict]:
    """Both periods end in the survey year: the share poor at the end is the same in each."""
    rows, cols = _order(t3)
    periods = sorted({p for _, p in data}, key=lambda p: p.split("-")[0], reverse=True)
    if len(periods) < 2:
        return []
    ref, other = periods[0], periods[1:]
    out = []
    for region in dict.fromkeys(g for g, _ in data):
        a = data.get((region, ref), {}).get(_T3_END)
        for p in other:
            b = data.get((region, p), {}).get(_T3_END)
            if a and b and not _overlap(a.lo, a.hi, b.lo, b.hi):
                label = f"{region}, {p}"
                out.append(
                    _flag(
                        table,
                        label,
                        _T3_END,
                        b.printed,
                        a.printed,
                        f"Both periods end in the survey year, so the share poor at the end must be "
                        f"the same as in the {ref} row ({a.printed}).",
                        (rows[label], cols[_T3_END]),
                    )
                )
    return out


def check_table3(t3: pd.DataFrame, n: dict[str, int], table: str = "Table 3") -> list[dict]:
    """Table 3's percentages against each other.

    Each row's four categories sum to 100; poor at start = remained poor + escaped; poor at
    end = remained poor + became poor; 'Both Regions' = region rows weighted by ``n``
    (region -> households, from the row labels); present poverty is the same in both periods.
    """
    rows, cols = _order(t3)
    out = []
    data = {}
    for _, r in t3.iterrows():
        if _is_heading(r):
            continue
        region, period = [x.strip() for x in r["row"].rsplit(",", 1)]
        vals = {c: _num(r[c]) for c in t3.columns[1:]}
        data[(region, period)] = vals
        out += _t3_row_flags(r["row"], r, vals, (rows[r["row"]], cols), table)
    return out + _t3_pooled_flags(t3, data, n, table) + _t3_present_flags(t3, data, table)


def check_table3_counts(
    t3: pd.DataFrame, n: dict[str, int], table: str = "Table 3", already: set[tuple[str, str]] = frozenset()
) -> list[dict]:
    """Table 3's percentages against whole numbers of households.

    A region row's four percentages must come from four whole counts adding up to the
    region's n; a pooled ('Both Regions') cell must come from the sum of region counts that
    each round to the region's printed cell. Interval arithmetic on percentages (as in
    `check_table3`) cannot see either, since 0.05 percent of 1,948 households is one household.
    Cells in ``already`` ((row, column) flagged by `check_table3`) are not flagged twice.
    """
    rows, cols = _order(t3)
    out = []
    counts: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for _, r in t3.iterrows():
        if _is_heading(r):
            continue
        region, period = [x.strip() for x in r["row"].rsplit(",", 1)]
        if region not in n:
            continue
        vals = {c: _num(r[c]) for c in t3.columns[1:]}
        counts[(region, period)] = {c: _count_range(v, n[region]) for c, v in vals.items() if v}
        cats = [vals[c] for c in _T3_CATS]
        if not all(cats):
            continue
        ranges = [_count_range(v, n[region]) for v in cats]
        if sum(lo for lo, _ in ranges) > n[region] or sum(hi for _, hi in ranges) < n[region]:
            nearest = [round(v.value * n[region] / 100) for v in cats[:-1]]
            rest = n[region] - sum(nearest)
            last = _T3_CATS[-1]
            out.append(
                _flag(
                    table,
                    r["row"],
                    last,
                    r[last],
                    cats[-1].fmt(100 * rest / n[region]),
                    f"No whole numbers of households out of {n[region]:,} give these four percentages at once: "
                    f"the counts that round to the first three ({', '.join(f'{c:,}' for c in nearest)}) leave "
                    f"{rest:,} households, {100 * rest / n[region]:.2f} percent, for the last.",
                    (rows[r["row"]], cols[last]),
                )
            )
    regions = list(n)
    W = sum(n.values())
    for _, r in t3.iterrows():
        if _is_heading(r):
            continue
        region, period = [x.strip() for x in r["row"].rsplit(",", 1)]
        if region.lower() != "both regions" or not all((g, period) in counts for g in regions):
            continue
        for col in t3.columns[1:]:
            b = _num(r[col])
            if b is None or (r["row"], col) in already or not all(col in counts[(g, period)] for g in regions):
                continue
            lo = sum(counts[(g, period)][col][0] for g in regions)
            hi = sum(counts[(g, period)][col][1] for g in regions)
            want_lo, want_hi = _count_range(b, W)
            if max(lo, want_lo) > min(hi, want_hi):
                closest = hi if want_lo > hi else lo
                out.append(
                    _flag(
                        table,
                        r["row"],
                        col,
                        r[col],
                        b.fmt(100 * closest / W),
                        f"The region cells must come from {lo:,} to {hi:,} households in all (whole households "
                        f"that round to each region's printed percentage), that is {100 * lo / W:.2f} to "
                        f"{100 * hi / W:.2f} percent of {W:,}: none of them rounds to the printed pooled value.",
                        (rows[r["row"]], cols[col]),
                    )
                )
    return out


def check_table3_total(sizes: pd.DataFrame, households_total: float, table: str = "Table 3") -> list[dict]:
    """Table 3's region sizes should add up to the households the text says were studied."""
    s = sizes[sizes["table"] == table]
    if s.empty:
        return []
    tot = int(s["n"].sum())
    if tot == households_total:
        return []
    printed = " + ".join(str(x) for x in s["n"]) + f" = {tot}"
    return [
        _flag(
            table,
            "(n)",
            " + ".join(s["group"]),
            printed,
            f"{households_total:g}",
            f"The region sizes printed in Table 3's row labels add up to {tot} households, but the text "
            f"gives {households_total:g} households in the forty communities.",
            (-1, 0),
        )
    ]


def check_percent_of_n(t: pd.DataFrame, pairs: Iterable[tuple[str, str, str | int]], table: str) -> list[dict]:
    """Percent columns against count / n. ``pairs``: (count column, percent column, n).

    ``n`` is either a fixed group size (Table 6) or the name of a column holding it (Table 9).
    """
    rows, cols = _order(t)
    cell = _cells(t)
    out = []
    for cc, pc, n in pairs:
        for row in t["row"]:
            c, p = _num(cell[(row, cc)]), _num(cell[(row, pc)])
            nn = _num(cell[(row, n)]).value if isinstance(n, str) and _num(cell[(row, n)]) else n
            if c is None or p is None or isinstance(nn, str) or not nn:
                continue
            pct = 100 * c.value / nn
            if not _overlap(pct, pct, p.lo, p.hi):
                out.append(
                    _flag(
                        table,
                        row,
                        pc,
                        p.printed,
                        p.fmt(pct),
                        f"{c.printed} of {nn:g} households is {pct:.2f} percent.",
                        (rows[row], cols[pc]),
                    )
                )
    return out
