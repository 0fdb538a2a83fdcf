"""Published cells beside this book's, marked: Tables 1, 6, 8 and 9 and the models' fit statistics.

For a study that declares a paper (`published.paper_folder`), each function sets the book's
table beside the printed one, in the paper's row order, and marks every published cell that
this book does not reproduce to the printed rounding (`MISS_MARK`: the replica's miss) or
that the paper's errata list (`ERRATUM_MARK`: the paper contradicts its own other figures);
`marks_text` says, computed, what the marks on a table count. Without a paper every function
returns None. Nothing here imports the replication of the paper; `beside` re-exports these
names for the chapters (``book.livestock_beside`` ...).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import pandas as pd

from .published import paper_folder
from .safetext import MD, md, md_join
from .study import Study

if TYPE_CHECKING:  # annotations only
    from .models import ModelFit

__all__ = [
    "MISS_MARK",
    "ERRATUM_MARK",
    "TABLE1_NOTE",
    "paper_errata",
    "mark_cell",
    "marks_text",
    "livestock_beside",
    "table1_beside",
    "fit_beside",
]

MISS_MARK = "\u2021"  # a published cell this book misses beyond the printed rounding
ERRATUM_MARK = "\u2020"  # a published cell the paper's own errata list


def paper_errata(study: Study) -> pd.DataFrame:
    """The errata of the study's paper.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    pandas.DataFrame
        `published.errata` of its ``paper:`` folder; empty without a paper.
    """
    from . import published as paper_tables

    return paper_tables.errata(paper_folder(study))


def _key(label: str) -> str:
    """A row label compared loosely: lower case, letters only, plural s dropped ("Alpacas fiber" = "Alpaca fiber")."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in str(label)).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


_LEADING = re.compile(r"^\s*(-?\d+(?:\.(\d+))?)")


def _decimals(printed: str) -> int | None:
    """Decimals of the number a printed cell opens with ("2.51***" -> 2, "98 (1)" -> 0); None if none."""
    m = _LEADING.match(str(printed))
    return None if m is None else len(m.group(2) or "")


def _leading(text) -> float:
    m = _LEADING.match(str(text))
    return float(m.group(1)) if m else float("nan")


def mark_cell(ours: float, printed: str, erratum: bool = False) -> tuple[str, str]:
    """A published cell as shown beside this book's value, and its mark.

    Parameters
    ----------
    ours : float
        This book's value of the cell (NaN or None when it has none).
    printed : str
        The cell as the paper prints it ("2.51***", "98 (1)").
    erratum : bool
        Whether the errata list the cell.

    Returns
    -------
    tuple of (str, str)
        The text to show and its mark: `ERRATUM_MARK` for a cell the errata list, `MISS_MARK`
        when `ours` differs from the printed value by more than half a unit of its last printed
        decimal, "" otherwise (or when either value is missing).
    """
    dec = _decimals(printed)
    text = str(printed).strip()
    if dec is None or ours is None or pd.isna(ours):
        return text, ""
    if erratum:
        return f"{text} {ERRATUM_MARK}", ERRATUM_MARK
    if abs(float(ours) - _leading(text)) > 0.5 * 10.0**-dec + 1e-9:
        return f"{text} {MISS_MARK}", MISS_MARK
    return text, ""


_LIVESTOCK = {  # table: (book column -> published statistic); "when" picks the published time column
    "Table 6": {None: "Percent of hhs"},
    "Table 8": {"Mean herd": "Mean Herd Size", "Valid n": "Valid n"},
    "Table 9": {"New producers": "No. of hhs", "Percent": "Percent", "Producing now": "Valid N"},
}


def _region_of(block: str) -> str:
    return str(block).split(" (n =")[0]


def livestock_beside(study: Study, table: str, computed: pd.DataFrame, formats: str = "{:.1f}") -> pd.DataFrame | None:
    """Table 6, 8 or 9 of the book with the published cells in a column beside each computed one.

    Parameters
    ----------
    study : Study
        A study that declares a paper (None is returned otherwise).
    table : {"Table 6", "Table 8", "Table 9"}
        Which printed table `computed` is.
    computed : pandas.DataFrame
        `layouts.table6`, `table8` or `table9` of the study.
    formats : str
        Format of this book's non-integer cells.

    Returns
    -------
    pandas.DataFrame or None
        Rows in the paper's order (its regions, then its rows); for every computed column c the
        columns (*c, "This book") and (*c, "Published"), as text. A published cell that differs
        from this book's beyond its printed rounding ends with `MISS_MARK`, one the errata list
        with `ERRATUM_MARK`. `attrs["marks"]` counts each mark.
    """
    from . import published as paper_tables

    folder = paper_folder(study)
    if folder is None or table not in _LIVESTOCK or computed is None or computed.empty:
        return None
    try:
        pub = paper_tables.wide(table, folder)
    except (KeyError, FileNotFoundError):
        return None
    pub = pub.assign(_key=pub["row"].map(_key)).drop_duplicates("_key").set_index("_key")
    err = paper_tables.errata(folder)
    err = err[err["table"] == table]
    listed = set(zip(err["row"].map(_key), err["column"]))
    years = sorted({c[0] if isinstance(c, tuple) else c for c in computed.columns})
    regions = [c.split(" ")[0] for c in pub.columns if c != "row"]
    region_order = list(dict.fromkeys(regions))
    stats = _LIVESTOCK[table]
    counts = {MISS_MARK: 0, ERRATUM_MARK: 0}
    rows: dict[tuple[str, str], dict] = {}
    for (block, item), r in computed.iterrows():
        region, k = _region_of(block), _key(item)
        cells = {}
        for col in computed.columns:
            year, stat = (col if isinstance(col, tuple) else (col, None)) if table != "Table 9" else (None, col)
            when = "" if year is None else (" 10 years ago" if str(year) == str(years[0]) else " Now")
            pcol = f"{region}{when} {stats.get(stat, stats.get(None))}"
            v = r[col]
            integer = pd.api.types.is_integer_dtype(computed[col])
            ours = "" if pd.isna(v) else (f"{int(v):,}" if integer else formats.format(v))
            printed = str(pub.loc[k, pcol]) if (k in pub.index and pcol in pub.columns) else ""
            theirs, mark = mark_cell(v, printed, (k, pcol) in listed) if printed else ("", "")
            if mark:
                counts[mark] += 1
            head = col if isinstance(col, tuple) else (col,)
            cells[(*head, "This book")] = ours
            cells[(*head, "Published")] = theirs
        rows[(block, item)] = cells
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    pos = {k: i for i, k in enumerate(pub.index)}
    order = sorted(
        out.index,
        key=lambda ix: (
            region_order.index(_region_of(ix[0])) if _region_of(ix[0]) in region_order else len(region_order),
            pos.get(_key(ix[1]), len(pos)),
        ),
    )
    out = out.loc[order]
    out.index = pd.MultiIndex.from_tuples(out.index, names=computed.index.names)
    out.attrs["marks"] = counts
    return out


def marks_text(table: pd.DataFrame | None) -> MD:
    """One computed sentence on the marks of a beside-the-paper table.

    Parameters
    ----------
    table : pandas.DataFrame or None
        A table of `livestock_beside`, `fit_beside` or `table1_beside` (its ``attrs["marks"]``
        counts each mark).

    Returns
    -------
    MD
        Markdown naming how many cells carry each mark and why; empty when none does.
    """
    if table is None:
        return MD("")
    counts = table.attrs.get("marks", {})
    miss, err = counts.get(MISS_MARK, 0), counts.get(ERRATUM_MARK, 0)
    parts = []
    if miss:
        parts.append(
            md(
                "{mark} marks {n} published cell{s} that this book does not reproduce to the printed rounding: "
                "the replica's miss, not the paper's error (the [scorecard appendix](appendix-scorecard.md) gives "
                "each cell's tolerance).",
                mark=MISS_MARK,
                n=miss,
                s=MD("s" if miss != 1 else ""),
            )
        )
    if err:
        parts.append(
            md(
                "{mark} marks {n} cell{s} that contradict the paper's own other figures (the errata, each with the "
                "value those figures imply, are explained in the [scorecard appendix](appendix-scorecard.md)).",
                mark=ERRATUM_MARK,
                n=err,
                s=MD("s" if err != 1 else ""),
            )
        )
    if not parts:
        parts.append(MD("Every published cell agrees with this book's to the printed rounding."))
    return md_join(" ", parts)


def _fit_rows(fit) -> list[tuple[str, object]]:
    """(printed row label, statistic of a LogitResult) for the fit statistics of the model's layout."""
    if getattr(fit, "layout", "") == "spss":
        return [
            ("-2 Log Likelihood", lambda r: r.minus2ll),
            ("Pseudo R square", lambda r: r.nagelkerke_r2),
            ("N", lambda r: r.nobs),
        ]
    labels = getattr(fit, "class_labels", {1: "outcome 1", 0: "outcome 0"})
    return [
        ("Wald chi2", lambda r: r.wald_chi2),
        ("Wald df", lambda r: r.wald_df),
        ("Log pseudolikelihood", lambda r: r.loglik),
        ("Pseudo R-square (McFadden's)", lambda r: r.pseudo_r2),
        ("N", lambda r: r.nobs),
        (f"% Correctly Predicted: {labels[1]}", lambda r: r.pct_correct[1]),
        (f"% Correctly Predicted: {labels[0]}", lambda r: r.pct_correct[0]),
    ]


def fit_beside(fit: ModelFit, study: Study) -> pd.DataFrame | None:
    """A model's fit statistics (Wald chi2, pseudo R-square, % correctly predicted, N), this book
    beside the published table.

    Parameters
    ----------
    fit : ModelFit
        A fitted model whose spec names a paper table (``table: Table 4``).
    study : Study
        The study it was fitted on.

    Returns
    -------
    pandas.DataFrame or None
        Rows are the printed statistics in the paper's order; columns (group, "This book" |
        "Published"), as text at the printed precision. A published value this book differs from
        beyond its printed rounding ends with `MISS_MARK` (``attrs["marks"]`` counts them). None
        when the study has no paper or the paper has no table of that name.
    """
    from . import published as paper_tables

    folder = paper_folder(study)
    table = str(fit.spec.get("table") or "")
    if folder is None or not table.startswith("Table"):
        return None
    try:
        pub = paper_tables.wide(table, folder).set_index("row")
    except (KeyError, FileNotFoundError):
        return None
    pub = pub[~pub.index.duplicated()]
    counts = {MISS_MARK: 0, ERRATUM_MARK: 0}
    rows: dict[str, dict] = {}
    for label, stat in _fit_rows(fit):
        if label not in pub.index:
            continue
        for g, r in fit.results.items():
            col = f"{g} B" if f"{g} B" in pub.columns else "B"
            printed = str(pub.loc[label, col]) if col in pub.columns else ""
            value = stat(r)
            dec = _decimals(printed)
            ours = (
                "" if value is None or pd.isna(value) else (f"{value:.{dec}f}" if dec is not None else f"{value:.2f}")
            )
            theirs, mark = mark_cell(value, printed) if printed else ("", "")
            if mark:
                counts[mark] += 1
            rows.setdefault(label, {})[(g, "This book")] = ours
            rows[label][(g, "Published")] = theirs
    if not rows:
        return None
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out = out.fillna("")
    out.attrs["marks"] = counts
    return out


TABLE1_NOTE = (
    "Figures in brackets rank each activity by its importance for the community's incomes (1 = the most important)."
)


def table1_beside(study: Study, computed: pd.DataFrame) -> pd.DataFrame | None:
    """Table 1 of the book (`communities.table1`) beside the published one, in the paper's layout.

    Parameters
    ----------
    study : Study
        A loaded study.
    computed : pandas.DataFrame
        The book's Table 1 (`communities.table1`).

    Returns
    -------
    pandas.DataFrame or None
        Rows follow the printed table, with its sub-headings ("Percent of communities with:") as
        rows of blank cells; rows the paper does not print come last. For every group column c
        the columns (c, "This book") and (c, "Published"), as text; a published cell this book
        misses beyond its printed rounding ends with `MISS_MARK`, one the errata list with
        `ERRATUM_MARK` (``attrs["marks"]`` counts them). None without a paper or a printed Table 1.
    """
    from . import published as paper_tables

    folder = paper_folder(study)
    if folder is None or computed is None:
        return None
    try:
        pub = paper_tables.wide("Table 1", folder)
    except (KeyError, FileNotFoundError):
        return None
    err = paper_tables.errata(folder)
    err = err[err["table"] == "Table 1"]
    listed = set(zip(err["row"], err["column"]))
    cols = [c for c in computed.columns]
    counts = {MISS_MARK: 0, ERRATUM_MARK: 0}
    rows: dict[str, dict] = {}
    for _, p in pub.iterrows():
        label = str(p["row"])
        heading = all(not str(p[c]).strip() for c in pub.columns if c != "row")
        if heading:
            rows[label] = {(c, k): "" for c in cols for k in ("This book", "Published")}
            continue
        if label not in computed.index:
            continue
        cells = {}
        for c in cols:
            ours = computed.loc[label, c]
            ours = "" if ours is None or (isinstance(ours, float) and math.isnan(ours)) else str(ours)
            printed = str(p[c]) if c in pub.columns else ""
            theirs, mark = mark_cell(_leading(ours), printed, (label, c) in listed) if printed.strip() else ("", "")
            if mark:
                counts[mark] += 1
            cells[(c, "This book")] = ours
            cells[(c, "Published")] = theirs
        rows[label] = cells
    for label in computed.index:
        if label not in rows:
            rows[label] = {(c, "This book"): str(computed.loc[label, c]) for c in cols}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out = out.fillna("")
    out.index.name = None
    out.attrs["marks"] = counts
    return out
