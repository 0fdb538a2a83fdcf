"""The published numbers of Kristjanson et al. (2007), PPLPI Working Paper 39, as data.

Tables 1-9 are transcribed as printed (``data/paper/tableN.csv``); this module reads them,
parses the printed strings (stars, printed decimals) into a tidy frame a replica can be
scored against, and derives the paper's internal inconsistencies (``errata.csv``) from the
transcription itself, so the errata are reproducible rather than a hand-typed list.

Every comparison respects printed rounding: a printed number ``x`` with ``d`` decimals stands
for the interval ``x ± 0.5·10^-d``, and a check flags only when no values inside those
intervals could satisfy the relation the paper implies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from stagesofprogress import published as _published
from stagesofprogress.logistic import significance_stars
from stagesofprogress.published import ERRATA_COLUMNS

__all__ = [
    "TABLES",
    "ERRATA_COLUMNS",
    "data_dir",
    "parse_printed",
    "wide",
    "published",
    "text_figures",
    "sample_sizes",
    "check_consistency",
    "check_table1_both_regions",
    "check_table1_land",
    "check_table1_vs_sizes",
    "check_table2_monotone",
    "check_table3",
    "check_table3_total",
    "check_logit",
    "check_table7",
    "check_percent_of_n",
    "check_sample_sizes",
    "check_text_vs_tables",
    "check_text_derived",
    "write_errata",
]

TABLES = [f"Table {i}" for i in range(1, 10)]
REGIONS = ["Puno", "Cajamarca"]
_EPS = 1e-9
_Z_CI = 1.96  # the paper's 95 percent intervals (Table 7)

_CELL = re.compile(r"^(-?\d+(?:\.(\d+))?)(\*{0,3})(?:\s*\(\d+\))?$")


# --------------------------------------------------------------------------------------
# Loading


def data_dir() -> Path:
    """Folder with the transcription of the paper (``data/paper``, shipped with the library).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    from stagesofprogress import resources

    return resources.path("data/paper")


def _table_name(table: str | int) -> str:
    """Accept ``"Table 4"``, ``"table4"``, ``"4"`` or ``4``; return ``"Table 4"``."""
    m = re.fullmatch(r"(?i)\s*(?:table\s*)?(\d)\s*", str(table))
    if not m or f"Table {m.group(1)}" not in TABLES:
        raise KeyError(f"no published table {table!r}; expected one of {TABLES}")
    return f"Table {m.group(1)}"


def _table_number(table: str) -> int:
    return int(table.split()[-1])


def wide(table: str | int, folder: Path | None = None) -> pd.DataFrame:
    """The table in its printed layout: ``row`` plus one string column per printed column.

    Heading rows are kept (all cells empty) so the table can be re-rendered as printed.

    Parameters
    ----------
    table : str or int
        ``"Table 4"`` or ``4``.
    folder : pathlib.Path, optional
        The transcription folder; ``None`` for `data_dir`.

    Returns
    -------
    pandas.DataFrame
        Text cells, as printed.
    """
    return _published.wide(_table_name(table), folder or data_dir())


def parse_printed(s: str) -> tuple[float, int, int | None]:
    """``(value, stars, decimals)`` of one printed cell.

    ``"2.51***"`` gives ``(2.51, 3, 2)``; ``"100 (1)"`` gives ``(100.0, 0, 0)`` (a bracketed rank
    is kept only in the printed string); blank or ``"-"`` gives ``(nan, 0, None)``.

    Parameters
    ----------
    s : str
        The cell as printed.

    Returns
    -------
    value : float
        The number, NaN when blank.
    stars : int
        Significance stars, 0-3.
    decimals : int or None
        Decimals printed; None when blank.

    Raises
    ------
    ValueError
        When the cell is not a printed number.
    """
    s = (s or "").strip()
    if s in ("", "-"):
        return math.nan, 0, None
    m = _CELL.match(s)
    if not m:
        raise ValueError(f"cannot parse printed cell {s!r}")
    return float(m.group(1)), len(m.group(3)), len(m.group(2) or "")


def _is_heading(row: pd.Series) -> bool:
    return all(str(v).strip() == "" for v in row.iloc[1:])


def published(table: str | int | None = None, folder: Path | None = None) -> pd.DataFrame:
    """Tidy long view of the printed tables, the key a replica is scored against.

    Heading rows are dropped; blank cells of data rows are kept so that "the paper prints
    nothing here" is explicit. Ordered as printed.

    Parameters
    ----------
    table : str or int, optional
        One table; ``None`` for every table.
    folder : pathlib.Path, optional
        The transcription folder; ``None`` for `data_dir`.

    Returns
    -------
    pandas.DataFrame
        Columns ``table`` (``"Table 4"``), ``row``, ``column``, ``printed`` (text as printed),
        ``value`` (float; NaN if blank or ``-``), ``stars`` (0-3), ``decimals`` (printed decimals,
        <NA> for blanks).
    """
    names = TABLES if table is None else [_table_name(table)]
    parts = []
    for name in names:
        w = wide(name, folder)
        recs = []
        for _, r in w.iterrows():
            if _is_heading(r):
                continue
            for col in w.columns[1:]:
                v, st, d = parse_printed(r[col])
                recs.append((name, r["row"], col, r[col], v, st, d))
        parts.append(pd.DataFrame(recs, columns=["table", "row", "column", "printed", "value", "stars", "decimals"]))
    out = pd.concat(parts, ignore_index=True)
    out["stars"] = out["stars"].astype(int)
    out["decimals"] = out["decimals"].astype("Int64")
    return out


def text_figures(folder: Path | None = None) -> pd.DataFrame:
    """Numbers quoted in the paper's prose (``text_figures.csv``), value as float.

    Parameters
    ----------
    folder : pathlib.Path, optional
        The transcription folder; ``None`` for `data_dir`.

    Returns
    -------
    pandas.DataFrame
        One row per quoted figure: id, quote_location, statement, value (float), unit, scope.
    """
    return _published.text_figures(folder or data_dir())


def sample_sizes(folder: Path | None = None) -> pd.DataFrame:
    """Group sizes printed in table headers or row labels (``sample_sizes.csv``).

    Parameters
    ----------
    folder : pathlib.Path, optional
        The transcription folder; ``None`` for `data_dir`.

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``group``, ``n`` and ``printed_as`` (the label as printed).
    """
    return _published.sample_sizes(folder or data_dir())


# --------------------------------------------------------------------------------------
# Interval arithmetic on printed numbers


@dataclass(frozen=True)
class _Num:
    """A printed number and the interval of true values it could have been rounded from."""

    printed: str
    value: float
    stars: int
    decimals: int

    @property
    def half(self) -> float:
        return 0.5 * 10.0 ** (-self.decimals)

    @property
    def lo(self) -> float:
        return self.value - self.half

    @property
    def hi(self) -> float:
        return self.value + self.half

    def fmt(self, x: float) -> str:
        """A computed value shown with one more decimal than printed (trailing zeros dropped)."""
        out = f"{x:.{self.decimals + 1}f}"
        return out.rstrip("0").rstrip(".") if "." in out else out


def _num(s: str) -> _Num | None:
    v, st, d = parse_printed(s)
    return None if math.isnan(v) else _Num(s.strip(), v, st, d)


def _overlap(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> bool:
    return a_lo <= b_hi + _EPS and b_lo <= a_hi + _EPS


def _abs_iv(n: _Num) -> tuple[float, float]:
    """Interval of |x|, clipped at zero."""
    lo, hi = n.lo, n.hi
    if lo <= 0 <= hi:
        return 0.0, max(-lo, hi)
    return (lo, hi) if lo > 0 else (-hi, -lo)


def _stars_for_p(p: float) -> int:
    """Number of the paper's stars for a p-value (the method's `significance_stars`)."""
    return len(significance_stars(float(p)))


def _z_stars(z: float) -> int:
    return _stars_for_p(2 * stats.norm.sf(z)) if np.isfinite(z) else 3


def _flag(table, row, column, printed, consistent, explanation, key=()):
    return {
        "table": table,
        "row": row,
        "column": column,
        "printed": printed,
        "consistent_value": consistent,
        "explanation": explanation,
        "_key": key,
    }


def _cells(w: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {(r["row"], c): r[c] for _, r in w.iterrows() for c in w.columns[1:]}


def _order(w: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    return {r: i for i, r in enumerate(w["row"])}, {c: i for i, c in enumerate(w.columns)}


# --------------------------------------------------------------------------------------
# Checks. Each takes small wide frames (as returned by `wide`) so tests can feed hand-built
# inputs, and returns a list of flag dicts.


def check_table1_both_regions(t1: pd.DataFrame, table: str = "Table 1") -> list[dict]:
    """Table 1's "Both regions" column must be the mean of the two region columns (20 communities each).

    Parameters
    ----------
    t1 : pandas.DataFrame
        Table 1 as printed (`wide`).
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per inconsistent cell: table, row, column, printed, consistent_value, explanation.
    """
    rows, cols = _order(t1)
    out = []
    for _, r in t1.iterrows():
        if _is_heading(r):
            continue
        c, p, b = _num(r["Cajamarca"]), _num(r["Puno"]), _num(r["Both regions"])
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
                    "Both regions have 20 communities, so the pooled average should be the mean of "
                    f"the two region columns ({mid:g}); the printed value cannot be that mean at the "
                    f"printed precision.{note}",
                    (rows[r["row"]], cols["Both regions"]),
                )
            )
    return out


def check_table1_land(t1: pd.DataFrame, table: str = "Table 1") -> list[dict]:
    """Households with land plus households without land should give the number of households.

    Parameters
    ----------
    t1 : pandas.DataFrame
        Table 1 as printed (`wide`).
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per inconsistent cell (as `check_table1_both_regions`).
    """
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
    communities_per_region: int = 20,
    table: str = "Table 1",
) -> list[dict]:
    """Mean households per community times the number of communities against Table 3's n and the text.

    Parameters
    ----------
    t1 : pandas.DataFrame
        Table 1 as printed (`wide`).
    sizes : pandas.DataFrame
        `sample_sizes`.
    households_total : float
        The households the text says were studied.
    communities_per_region : int
        Communities studied in each region.
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per inconsistent cell.
    """
    rows, cols = _order(t1)
    cell = _cells(t1)
    n3 = {r.group: r.n for r in sizes[sizes["table"] == "Table 3"].itertuples()}
    targets = {
        "Cajamarca": (communities_per_region, n3.get("Cajamarca"), "Table 3's n for Cajamarca"),
        "Puno": (communities_per_region, n3.get("Puno"), "Table 3's n for Puno"),
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
                    f"{k} communities times a mean of {m.printed} households is about {k * m.value:g} "
                    f"households, but {what} is {n:g} (a mean of {n / k:.1f} per community).",
                    (rows["No. of households"], cols[col]),
                )
            )
    return out


def check_table2_monotone(t2: pd.DataFrame, table: str = "Table 2") -> list[dict]:
    """The text says average assets rise monotonically with the stage: flag every fall.

    Parameters
    ----------
    t2 : pandas.DataFrame
        Table 2 as printed (`wide`).
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per stage whose printed mean cannot be above the previous one (rounding allowed).
    """
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


def check_table3(t3: pd.DataFrame, n: dict[str, int], table: str = "Table 3") -> list[dict]:
    """Table 3's percentages against each other.

    Each row's four categories sum to 100; poor at start = remained poor + escaped; poor at end =
    remained poor + became poor; "Both Regions" = region rows weighted by `n`; present poverty is
    the same in both periods.

    Parameters
    ----------
    t3 : pandas.DataFrame
        Table 3 as printed (`wide`).
    n : dict of str to int
        Region to households, from the row labels.
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per inconsistent cell.
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
        key = lambda c: (rows[r["row"]], cols[c])  # noqa: E731
        cats = [vals[c] for c in _T3_CATS]
        if all(cats):
            lo, hi = sum(x.lo for x in cats), sum(x.hi for x in cats)
            if not _overlap(lo, hi, 100, 100):
                s = sum(x.value for x in cats)
                out.append(
                    _flag(
                        table,
                        r["row"],
                        _T3_CATS[-1],
                        r[_T3_CATS[-1]],
                        cats[-1].fmt(cats[-1].value + 100 - s),
                        f"The four movement categories add up to {s:.1f} percent instead of 100.",
                        key(_T3_CATS[-1]),
                    )
                )
        for col, parts, words in _T3_SUMS:
            tot, a, b = vals[col], vals[parts[0]], vals[parts[1]]
            if tot and a and b and not _overlap(a.lo + b.lo, a.hi + b.hi, tot.lo, tot.hi):
                out.append(
                    _flag(
                        table,
                        r["row"],
                        col,
                        tot.printed,
                        tot.fmt(a.value + b.value),
                        f"The share poor at the {'start' if col == _T3_START else 'end'} of the period "
                        f"must equal {words} "
                        f"in the same row ({a.printed} + {b.printed} = {a.value + b.value:.1f}).",
                        key(col),
                    )
                )
    regions = [g for g in n]
    for (region, period), vals in data.items():
        if region.lower() != "both regions" or not all((g, period) in data for g in regions):
            continue
        label = f"{region}, {period}"
        W = sum(n.values())
        for col in t3.columns[1:]:
            b = vals[col]
            parts = [data[(g, period)][col] for g in regions]
            if b is None or not all(parts):
                continue
            lo = sum(n[g] * p.lo for g, p in zip(regions, parts)) / W
            hi = sum(n[g] * p.hi for g, p in zip(regions, parts)) / W
            mid = sum(n[g] * p.value for g, p in zip(regions, parts)) / W
            if not _overlap(lo, hi, b.lo, b.hi):
                sizes = " and ".join(f"{g} n={n[g]}" for g in regions)
                note = ""
                comp = dict((c, ps) for c, ps, _ in _T3_SUMS).get(col)
                if comp:
                    # Would the region rows' own components (instead of their printed totals) fit?
                    alt = [sum(data[(g, period)][c].value for c in comp) for g in regions]
                    amid = sum(n[g] * a for g, a in zip(regions, alt)) / W
                    if any(not _overlap(a - 0.1, a + 0.1, p.lo, p.hi) for a, p in zip(alt, parts)) and _overlap(
                        amid - 0.1, amid + 0.1, b.lo, b.hi
                    ):
                        note = (
                            f" Built from each region's own components instead, the pooled value is {amid:.2f}, "
                            "which matches: this follows from the region-row inconsistency above."
                        )
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
    periods = sorted({p for _, p in data}, key=lambda p: p.split("-")[0], reverse=True)
    if len(periods) >= 2:
        ref, other = periods[0], periods[1:]
        for region in {g for g, _ in data}:
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


def _count_range(x: _Num, n: int) -> tuple[int, int]:
    """Whole numbers of households, out of n, whose percentage rounds to the printed x."""
    return math.ceil(x.lo * n / 100 - 1e-9), math.floor(x.hi * n / 100 + 1e-9)


def check_table3_counts(
    t3: pd.DataFrame, n: dict[str, int], table: str = "Table 3", already: set[tuple[str, str]] = frozenset()
) -> list[dict]:
    """Table 3's percentages against whole numbers of households.

    A region row's four percentages must come from four whole counts adding up to the region's
    n; a pooled ("Both Regions") cell must come from the sum of region counts that each round to
    the region's printed cell. Interval arithmetic on percentages (as in `check_table3`) cannot
    see either, since 0.05 percent of 1,948 households is one household.

    Parameters
    ----------
    t3 : pandas.DataFrame
        Table 3 as printed (`wide`).
    n : dict of str to int
        Region to households.
    table : str
        The table's name in the flags.
    already : set of tuple of (str, str)
        (row, column) cells flagged by `check_table3`, not flagged twice.

    Returns
    -------
    list of dict
        One flag per inconsistent cell.
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
    """Table 3's region sizes should add up to the households the text says were studied.

    Parameters
    ----------
    sizes : pandas.DataFrame
        `sample_sizes`.
    households_total : float
        The households of the text.
    table : str
        The table whose sizes are added.

    Returns
    -------
    list of dict
        One flag when the sum differs, else none.
    """
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


def _logit_rows(t: pd.DataFrame) -> list[str]:
    """Variable rows of a logit table (Constant included), i.e. rows before the fit statistics."""
    out = []
    for _, r in t.iterrows():
        if r["row"].startswith("Wald chi2") or r["row"].startswith("-2 Log"):
            break
        if not _is_heading(r):
            out.append(r["row"])
    return out


def _or_flag(table, row, col, b: _Num, orr: _Num, key):
    lo, hi = math.exp(b.lo), math.exp(b.hi)
    if _overlap(lo, hi, orr.lo, orr.hi):
        return None
    return _flag(
        table,
        row,
        col,
        orr.printed,
        orr.fmt(math.exp(b.value)),
        f"The odds ratio is exp(B); exp of any B that rounds to {b.printed.rstrip('*')} lies in "
        f"[{lo:.4f}, {hi:.4f}], which cannot round to the printed odds ratio.",
        key,
    )


def check_logit(t: pd.DataFrame, table: str, correctly_predicted_min: float | None = 75.0) -> list[dict]:
    """Tables 4 and 5: odds ratios vs exp(B), stars vs B/SE, Wald df vs variables, p vs Wald chi2.

    Also the text's claims that every model predicts more than 75 percent correctly and the
    feasibility of McFadden's R-square given N and the log pseudolikelihood (abs(LL0) <= N ln 2).

    Parameters
    ----------
    t : pandas.DataFrame
        The table as printed (`wide`).
    table : str
        Its name.
    correctly_predicted_min : float or None
        The share predicted correctly the text claims (percent); ``None`` skips that check.

    Returns
    -------
    list of dict
        One flag per inconsistent cell.
    """
    rows, cols = _order(t)
    cell = _cells(t)
    out = []
    variables = _logit_rows(t)
    for region in REGIONS:
        cb, co, cs = f"{region} B", f"{region} Odds Ratio", f"{region} SE"
        if cb not in t.columns:
            continue
        nvar = 0
        for row in variables:
            b, orr, se = _num(cell[(row, cb)]), _num(cell[(row, co)]), _num(cell[(row, cs)])
            if b is None:
                continue
            nvar += row != "Constant"
            if orr is not None:
                f = _or_flag(table, row, co, b, orr, (rows[row], cols[co]))
                if f:
                    out.append(f)
            if se is not None:
                blo, bhi = _abs_iv(b)
                slo, shi = max(se.lo, 0.0), se.hi
                zlo = blo / shi if shi > 0 else 0.0
                zhi = bhi / slo if slo > 0 else math.inf
                smin, smax = _z_stars(zlo), _z_stars(zhi)
                if not smin <= b.stars <= smax:
                    z = abs(b.value) / se.value
                    p = 2 * stats.norm.sf(z)
                    allowed = (
                        "none" if smin == smax == 0 else "/".join("*" * k or "none" for k in range(smin, smax + 1))
                    )
                    out.append(
                        _flag(
                            table,
                            row,
                            cb,
                            b.printed,
                            f"{b.fmt(b.value)}{'*' * _z_stars(z)}",
                            f"B/SE = {b.fmt(b.value)}/{se.printed} gives z = {z:.2f} and a two-sided p of "
                            f"{p:.3f}; with B and SE anywhere within their rounding the stars could only be "
                            f"{allowed}, not {'*' * b.stars}.",
                            (rows[row], cols[cb]),
                        )
                    )
        df_ = _num(cell.get(("Wald df", cb), ""))
        if df_ is not None and int(df_.value) != nvar:
            out.append(
                _flag(
                    table,
                    "Wald df",
                    cb,
                    df_.printed,
                    str(nvar),
                    f"The model lists {nvar} explanatory variables for {region} but the Wald test has "
                    f"{df_.printed} degrees of freedom.",
                    (rows["Wald df"], cols[cb]),
                )
            )
        w, p = _num(cell.get(("Wald chi2", cb), "")), _num(cell.get(("Prob >chi2", cb), ""))
        if w and p and df_:
            plo, phi = stats.chi2.sf(w.hi, df_.value), stats.chi2.sf(w.lo, df_.value)
            if not _overlap(plo, phi, p.lo, p.hi):
                out.append(
                    _flag(
                        table,
                        "Prob >chi2",
                        cb,
                        p.printed,
                        p.fmt(stats.chi2.sf(w.value, df_.value)),
                        f"A chi-square of {w.printed} on {df_.printed} df has p = "
                        f"{stats.chi2.sf(w.value, df_.value):.4g}.",
                        (rows["Prob >chi2"], cols[cb]),
                    )
                )
        ll, r2, nn = (
            _num(cell.get((k, cb), "")) for k in ("Log pseudolikelihood", "Pseudo R-square (McFadden's)", "N")
        )
        if ll and r2 and nn:
            ll0_min = abs(ll.value) - ll.half
            ll0_min /= 1 - max(r2.lo, 0.0)
            if ll0_min > nn.value * math.log(2) + _EPS:
                out.append(
                    _flag(
                        table,
                        "Pseudo R-square (McFadden's)",
                        cb,
                        r2.printed,
                        f"<= {1 - abs(ll.value) / (nn.value * math.log(2)):.2f}",
                        f"McFadden's R-square is 1 - LL/LL0 and a binary null model has |LL0| <= N ln 2 = "
                        f"{nn.value * math.log(2):.1f}; with LL = {ll.printed} the printed R-square would "
                        "need a larger |LL0|.",
                        (rows["Pseudo R-square (McFadden's)"], cols[cb]),
                    )
                )
        if correctly_predicted_min is not None:
            for row in t["row"]:
                if row.startswith("% Correctly Predicted:") and row != "% Correctly Predicted:":
                    v = _num(cell[(row, cb)])
                    if v and not v.hi > correctly_predicted_min:
                        out.append(
                            _flag(
                                table,
                                row,
                                cb,
                                v.printed,
                                f"> {correctly_predicted_min:g}",
                                f"The text says every model classifies over {correctly_predicted_min:g} "
                                "percent of households correctly.",
                                (rows[row], cols[cb]),
                            )
                        )
    return out


def check_table7(t7: pd.DataFrame, table: str = "Table 7") -> list[dict]:
    """Table 7 (SPSS layout): OR vs exp(B), Wald vs (B/S.E.)^2, Sig. vs Wald, CI vs exp(B ± 1.96 S.E.).

    Parameters
    ----------
    t7 : pandas.DataFrame
        Table 7 as printed (`wide`).
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per inconsistent cell.
    """
    rows, cols = _order(t7)
    cell = _cells(t7)
    out = []
    for row in _logit_rows(t7):
        b, se, w, sig, orr = (_num(cell[(row, c)]) for c in ["B", "S.E.", "Wald", "Sig.", "Odds Ratio"])
        lo_ci, hi_ci = _num(cell[(row, "CI Lower")]), _num(cell[(row, "CI Upper")])
        k = lambda c: (rows[row], cols[c])  # noqa: E731
        if b and orr:
            f = _or_flag(table, row, "Odds Ratio", b, orr, k("Odds Ratio"))
            if f:
                out.append(f)
        if b and se and w:
            blo, bhi = _abs_iv(b)
            slo, shi = max(se.lo, 0.0), se.hi
            wlo = (blo / shi) ** 2 if shi > 0 else 0.0
            whi = (bhi / slo) ** 2 if slo > 0 else math.inf
            if not _overlap(wlo, whi, w.lo, w.hi):
                out.append(
                    _flag(
                        table,
                        row,
                        "Wald",
                        w.printed,
                        w.fmt((b.value / se.value) ** 2),
                        f"The Wald statistic is (B/S.E.)^2 = ({b.printed}/{se.printed})^2 = "
                        f"{(b.value / se.value) ** 2:.2f}; with rounding it lies in [{wlo:.2f}, {whi:.2f}].",
                        k("Wald"),
                    )
                )
        if w and sig:
            plo, phi = stats.chi2.sf(w.hi, 1), stats.chi2.sf(max(w.lo, 0.0), 1)
            if not _overlap(plo, phi, sig.lo, sig.hi):
                out.append(
                    _flag(
                        table,
                        row,
                        "Sig.",
                        sig.printed,
                        sig.fmt(stats.chi2.sf(w.value, 1)),
                        f"A Wald chi-square of {w.printed} on 1 df has p = {stats.chi2.sf(w.value, 1):.4f}.",
                        k("Sig."),
                    )
                )
        if b and se:
            slo, shi = max(se.lo, 0.0), se.hi
            for ci, sign, name in [(lo_ci, -1, "CI Lower"), (hi_ci, +1, "CI Upper")]:
                if ci is None:
                    continue
                ends = [math.exp(bb + sign * _Z_CI * ss) for bb in (b.lo, b.hi) for ss in (slo, shi)]
                if not _overlap(min(ends), max(ends), ci.lo, ci.hi):
                    mid = math.exp(b.value + sign * _Z_CI * se.value)
                    out.append(
                        _flag(
                            table,
                            row,
                            name,
                            ci.printed,
                            ci.fmt(mid),
                            f"The 95 percent bound is exp(B {'+' if sign > 0 else '-'} 1.96 S.E.) = {mid:.3f}; "
                            f"with rounding it lies in [{min(ends):.3f}, {max(ends):.3f}].",
                            k(name),
                        )
                    )
    return out


def check_percent_of_n(t: pd.DataFrame, pairs: Iterable[tuple[str, str, str | int]], table: str) -> list[dict]:
    """Percent columns against count / n.

    Parameters
    ----------
    t : pandas.DataFrame
        The table as printed (`wide`).
    pairs : iterable of tuple of (str, str, str or int)
        (count column, percent column, n): n is a fixed group size (Table 6) or the name of a
        column holding it (Table 9).
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per inconsistent cell.
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


def _pos(tables: dict[str, pd.DataFrame], table: str, row: str, col: str) -> tuple[int, int]:
    """Printed (row, column) position of a cell, for ordering errata."""
    w = tables[table]
    rows, cols = _order(w)
    return rows.get(row, len(rows)), cols.get(col, len(cols))


def check_sample_sizes(tables: dict[str, pd.DataFrame], sizes: pd.DataFrame, text: pd.DataFrame) -> list[dict]:
    """Sample sizes of Tables 3-9 against each other and against the text.

    The sample behind Tables 4-9 is the 1,041 households of the text; Table 6 prints its region
    sizes; Tables 4, 5, 7, 8 and 9 are subsets of Table 6's sample; the logit samples are about a
    quarter of each movement category of Table 3 (accepted: 20 to 33 percent).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Every table as printed (`wide`), by name.
    sizes : pandas.DataFrame
        `sample_sizes`.
    text : pandas.DataFrame
        `text_figures`.

    Returns
    -------
    list of dict
        One flag per inconsistent size.
    """
    out = []
    n = {(r.table, r.group): r.n for r in sizes.itertuples()}
    tv = dict(zip(text["id"], text["value"]))
    sampled = tv.get("households_sampled")
    n6 = {g: n.get(("Table 6", g)) for g in REGIONS}
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
    for g in REGIONS:
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
    for g in REGIONS:
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
        for g in REGIONS:
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
        for g in REGIONS:
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


def _text_decimals(v: float) -> int:
    s = f"{v:g}"
    return len(s.split(".")[1]) if "." in s else 0


def check_text_vs_tables(
    tables: dict[str, pd.DataFrame],
    text: pd.DataFrame,
    sizes: pd.DataFrame | None = None,
    links: list[tuple[str, str, str, str, Callable | None]] | None = None,
) -> list[dict]:
    """Numbers the prose quotes against the table cells (or shares) they restate.

    A text figure printed with ``k`` decimals matches when some value inside the cell's rounding
    interval rounds to it. Table 8 owner counts are turned into shares of the region's escapers
    (Table 8's n).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Every table as printed (`wide`), by name.
    text : pandas.DataFrame
        `text_figures`.
    sizes : pandas.DataFrame, optional
        `sample_sizes`, for Table 8's shares.
    links : list of tuple, optional
        (text id, table, row, column, conversion or None) pairs to check; ``None`` for the
        module's own list.

    Returns
    -------
    list of dict
        One flag per text figure that no cell supports.
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

    The drop in poverty over each period (start minus end share, pooled) and the claim that more
    than a third of the presently poor were not poor 25 years ago (became poor / poor at end,
    pooled 1979-2004).

    Parameters
    ----------
    t3 : pandas.DataFrame
        Table 3 as printed (`wide`).
    text : pandas.DataFrame
        `text_figures`.
    table : str
        The table's name in the flags.

    Returns
    -------
    list of dict
        One flag per figure the cells do not support.
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


# --------------------------------------------------------------------------------------


def check_consistency(folder: Path | None = None) -> pd.DataFrame:
    """All internal inconsistencies of the paper, derived from the transcription.

    Parameters
    ----------
    folder : pathlib.Path, optional
        The transcription folder; ``None`` for `data_dir`.

    Returns
    -------
    pandas.DataFrame
        Columns exactly ``table,row,column,printed,consistent_value,explanation``; one row per
        failed check (a cell may fail more than one). Ordered by table number, then printed row
        and column order (header-level sample sizes first), then check order.
    """
    tables = {t: wide(t, folder) for t in TABLES}
    sizes = sample_sizes(folder)
    text = text_figures(folder)
    tv = dict(zip(text["id"], text["value"]))
    n3 = {r.group: r.n for r in sizes[sizes["table"] == "Table 3"].itertuples()}
    n6 = {r.group: r.n for r in sizes[sizes["table"] == "Table 6"].itertuples()}
    flags: list[dict] = []
    flags += check_table1_both_regions(tables["Table 1"])
    flags += check_table1_land(tables["Table 1"])
    flags += check_table1_vs_sizes(tables["Table 1"], sizes, tv["households_total"])
    flags += check_table2_monotone(tables["Table 2"])
    flags += check_table3_total(sizes, tv["households_total"])
    t3_flags = check_table3(tables["Table 3"], n3)
    flags += t3_flags
    flags += check_table3_counts(tables["Table 3"], n3, already={(f["row"], f["column"]) for f in t3_flags})
    flags += check_logit(tables["Table 4"], "Table 4", tv.get("correctly_predicted_min"))
    flags += check_logit(tables["Table 5"], "Table 5", tv.get("correctly_predicted_min"))
    flags += check_table7(tables["Table 7"])
    flags += check_percent_of_n(
        tables["Table 6"],
        [(f"{g} {p} No. of hhs", f"{g} {p} Percent of hhs", n6[g]) for g in REGIONS for p in ("10 years ago", "Now")],
        "Table 6",
    )
    flags += check_percent_of_n(
        tables["Table 9"], [(f"{g} No. of hhs", f"{g} Percent", f"{g} Valid N") for g in REGIONS], "Table 9"
    )
    flags += check_sample_sizes(tables, sizes, text)
    flags += check_text_vs_tables(tables, text, sizes)
    flags += check_text_derived(tables["Table 3"], text)
    for i, f in enumerate(flags):
        f["_sort"] = (_table_number(f["table"]), *f["_key"], i)
    flags.sort(key=lambda f: f["_sort"])
    return pd.DataFrame([{k: f[k] for k in ERRATA_COLUMNS} for f in flags], columns=ERRATA_COLUMNS)


def write_errata(path: str | Path | None = None, folder: Path | None = None) -> Path:
    """Write `check_consistency` to ``errata.csv`` (UTF-8, LF) so it can be reviewed and diffed.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The file; by default ``errata.csv`` in the transcription folder.
    folder : pathlib.Path, optional
        The transcription folder; ``None`` for `data_dir`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path) if path is not None else (folder or data_dir()) / "errata.csv"
    check_consistency(folder).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
