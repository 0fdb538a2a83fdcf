"""A study beside the paper it declares: published tables in the book's layouts, errata, scorecard prose.

A study may declare, with `paper:` in study.yml, a folder of published tables in the layout of
`data/paper/` (the transcription of Kristjanson et al. 2007). For such a study the chapters set
each computed table beside the published one, list the paper's errata and summarise the
scorecard; for any other study every function here returns None or empty Markdown, so the
chapters show nothing of the paper. The published tables are read with the method's generic
reader (`published`); nothing here imports the replication of the paper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import movements as mv
from .beside_marks import (
    ERRATUM_MARK,
    MISS_MARK,
    TABLE1_NOTE,
    fit_beside,
    livestock_beside,
    mark_cell,
    marks_text,
    paper_errata,
    table1_beside,
)
from .display import fmt
from .layouts import N_COLUMN, TABLE3_LABELS, beside, period_name, table2, table3, table3_periods
from .narrative import md_list
from .published import paper_folder
from .safetext import MD, md, md_join
from .study import Study

if TYPE_CHECKING:  # annotations only
    from .models import ModelFit

__all__ = [
    "paper_folder",
    "published_table3",
    "table3_beside",
    "table3_gaps",
    "table3_gap_text",
    "errata_text",
    "table2_beside",
    "odds_beside",
    "scorecard_frame",
    "scorecard_text",
    "MISS_MARK",
    "ERRATUM_MARK",
    "paper_errata",
    "mark_cell",
    "livestock_beside",
    "table1_beside",
    "TABLE1_NOTE",
    "fit_beside",
    "marks_text",
]

_T3_NAMES = {
    "Remained Poor": "remained_poor",
    "Escaped Poverty": "escaped",
    "Became Poor": "became_poor",
    "Remained Not Poor": "remained_not_poor",
    "Poor at the Start of the Period": "poor_at_start",
    "Poor at the End of the Period": "poor_at_end",
}
_T3_PUBLISHED_COLUMNS = {v: k for k, v in _T3_NAMES.items()}


def published_table3(folder: Path, periods: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """The paper's Table 3 (table3.csv) in the layout of `layouts.table3`: rows (period, group).

    Rows such as "Cajamarca, 1994-2004" become the (period, group) rows; "Both Regions" is
    renamed ``All``.

    Parameters
    ----------
    folder : pathlib.Path
        The study's paper folder (`published.paper_folder`).
    periods : sequence of tuple of (int, int)
        The periods to keep.

    Returns
    -------
    pandas.DataFrame
        Printed percentages as floats (NaN where a cell is blank), columns labelled as in
        `layouts.TABLE3_LABELS`; empty when the paper has no such rows.
    """
    from . import published as paper_tables

    w = paper_tables.wide("Table 3", folder)
    rows: dict[tuple[str, str], dict[str, float]] = {}
    for _, r in w.iterrows():
        if "," not in r["row"]:
            continue
        group, span = [x.strip() for x in r["row"].rsplit(",", 1)]
        group = mv.ALL if group.lower().startswith("both") else group
        a, b = (int(x) for x in span.split("-"))
        rows[(period_name(a, b), group)] = {
            TABLE3_LABELS[key]: pd.to_numeric(r.get(col, ""), errors="coerce") for col, key in _T3_NAMES.items()
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    if len(out):
        out.index = pd.MultiIndex.from_tuples(out.index)
    wanted = [period_name(a, b) for a, b in periods]
    return out[[p in wanted for p in out.index.get_level_values(0)]] if len(out) else out


def table3_beside(study: Study) -> tuple[pd.DataFrame, float | None]:
    """Table 3 for the study, with the published rows interleaved when the study has a paper.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    table : pandas.DataFrame
        `layouts.table3`, or `layouts.beside` of it and the printed table (with the paper's sample
        sizes in ``Households``).
    largest_gap : float or None
        The largest absolute difference in percentage points; ``None`` without a paper.
    """
    periods = table3_periods(study)
    t = table3(study, periods)
    folder = paper_folder(study)
    if folder is None:
        return t, None
    pub = published_table3(folder, periods).reindex(index=t.index)
    cols = [c for c in t.columns if c in pub.columns]
    diff = (t[cols] - pub[cols]).abs().max().max()
    from . import published as paper_tables

    sizes = paper_tables.sample_sizes(folder)
    sizes = sizes[sizes["table"] == "Table 3"].set_index("group")["n"].astype(int)
    if len(sizes):
        sizes[mv.ALL] = int(sizes.sum())
        pub[N_COLUMN] = [sizes.get(g, np.nan) for _, g in pub.index]
    return _table3_marked(t, beside(t, pub), folder), float(diff) if pd.notna(diff) else None


def _table3_marked(t: pd.DataFrame, both: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """Table 3 beside the paper as text: the book's cells at one decimal, the published ones as
    printed, marked with `MISS_MARK` or `ERRATUM_MARK` (`mark_cell`); `attrs["marks"]` counts."""
    from . import published as paper_tables

    raw = paper_tables.wide("Table 3", folder).set_index("row")
    err = paper_tables.errata(folder)
    err = err[err["table"] == "Table 3"]
    listed = set(zip(err["row"], err["column"]))
    sizes_listed = any(r == "(n)" for r, _ in listed)  # the errata question the printed region sizes
    label_to_key = {v: k for k, v in TABLE3_LABELS.items()}
    counts = {MISS_MARK: 0, ERRATUM_MARK: 0}
    out = both.astype(object).copy()
    for i, (per, g, who) in enumerate(both.index):
        for j, col in enumerate(both.columns):
            v = both.iat[i, j]
            if col == N_COLUMN:
                out.iat[i, j] = "" if pd.isna(v) else f"{int(v):,}"
                if who == "Published" and g == mv.ALL and sizes_listed and out.iat[i, j]:
                    out.iat[i, j] += f" {ERRATUM_MARK}"  # the region sizes' sum, which the text contradicts
                    counts[ERRATUM_MARK] += 1
                continue
            if who != "Published":
                out.iat[i, j] = "" if pd.isna(v) else f"{v:.1f}"
                continue
            a, b = per.split("\u2013")
            row = f"{'Both Regions' if g == mv.ALL else g}, {a}-{b}"
            pcol = _T3_PUBLISHED_COLUMNS.get(label_to_key.get(col, ""), "")
            printed = str(raw.loc[row, pcol]) if row in raw.index and pcol in raw.columns else ""
            if not printed.strip():
                out.iat[i, j] = ""
                continue
            text, mark = mark_cell(both.iat[i - 1, j], printed, (row, pcol) in listed)  # the book's row is above
            if mark:
                counts[mark] += 1
            out.iat[i, j] = text
    out.attrs["marks"] = counts
    return out


def table3_gaps(study: Study) -> dict[str, str] | None:
    """Where this study's Table 3 differs most from the printed one, errata taken into account.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to str or None
        Glue-ready strings: ``gap`` (largest difference, points), ``where`` (group, column,
        period), ``printed``, ``erratum`` (the paper's own consistent value, or empty text when the
        cell is not an erratum) and ``gap_other`` (largest difference outside erratum cells);
        ``None`` without a paper or a comparable cell.
    """
    folder = paper_folder(study)
    if folder is None:
        return None
    from . import published as paper_tables

    periods = table3_periods(study)
    ours = table3(study, periods, with_n=False)
    pub = published_table3(folder, periods).reindex(index=ours.index, columns=ours.columns)
    diff = (ours - pub).abs()
    err = paper_tables.errata(folder)
    err = err[err["table"] == "Table 3"]
    label_to_key = {v: k for k, v in TABLE3_LABELS.items()}
    cells = []
    for per, g in diff.index:
        for lab in diff.columns:
            d = diff.loc[(per, g), lab]
            if pd.isna(d):
                continue
            a, b = per.split("\u2013")
            row = f"{'Both Regions' if g == mv.ALL else g}, {a}-{b}"
            hit = err[(err["row"] == row) & (err["column"] == _T3_PUBLISHED_COLUMNS[label_to_key[lab]])]
            cells.append(
                (float(d), g, lab, per, pub.loc[(per, g), lab], hit["consistent_value"].iloc[0] if len(hit) else "")
            )
    if not cells:
        return None
    cells.sort(key=lambda c: -c[0])
    top = cells[0]
    others = [c[0] for c in cells if not c[5]]
    listed = [c for c in cells if c[5]]
    return {
        "gap": fmt(top[0]),
        "where": f"{top[1]}, {top[2].lower()}, {top[3]}",
        "printed": fmt(top[4]),
        "erratum": str(top[5]),
        "gap_other": fmt(max(others) if others else float("nan"), ".2f"),
        "n_other": str(len(others)),
        "beyond_other": str(sum(d > 0.05 + 1e-9 for d in others)),  # half a unit of the printed decimal
        "n_errata": str(len(listed)),
        "beyond_errata": str(sum(c[0] > 0.05 + 1e-9 for c in listed)),
    }


def table3_gap_text(study: Study) -> MD:
    """Computed sentences on how far the study's Table 3 is from the printed one.

    They give the largest difference and where it is, whether it is an erratum, and how many
    of the other cells differ by more than the printed rounding (half a unit of the printed
    decimal), with the largest of their differences at two decimals.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    MD
        Markdown; empty without a paper.
    """
    g = table3_gaps(study)
    if g is None:
        return MD("")
    text = md(
        "Each region has two rows in every period: the percentages re-computed from this study and, below them, those "
        "printed in the paper. The largest difference is {gap} percentage points ({where})",
        **g,
    )
    if g["erratum"]:
        text = md(
            "{text}, where the paper prints {printed} although its own other figures imply {erratum}: a "
            "misprint, listed with the errata in the [scorecard appendix](appendix-scorecard.md).",
            text=text,
            **g,
        )
    else:
        text = md("{text}.", text=text)
    if int(g["n_errata"]) > 1 or (int(g["n_errata"]) == 1 and not g["erratum"]):
        text = md(
            "{text} {beyond} of the {n} cells the errata list differ from print by more than its rounding.",
            text=text,
            beyond=g["beyond_errata"],
            n=g["n_errata"],
        )
    if int(g["beyond_other"]):
        return md(
            "{text} Of the other {n} cells, {k} differ from print by more than its rounding (half a unit of the "
            "printed decimal), by up to {gap_other} points.",
            text=text,
            n=g["n_other"],
            k=g["beyond_other"],
            gap_other=g["gap_other"],
        )
    return md(
        "{text} Each of the other {n} cells rounds to the printed value (the largest difference is {gap_other} "
        "points).",
        text=text,
        n=g["n_other"],
        gap_other=g["gap_other"],
    )


def errata_text(study: Study, table: str) -> MD:
    """Markdown listing the paper's errata for `table` (printed value, consistent value).

    Parameters
    ----------
    study : Study
        A loaded study.
    table : str
        The table's name in the paper folder, e.g. ``Table 3``.

    Returns
    -------
    MD
        A sentence and a bulleted list; empty without a paper or without errata for the table.
    """
    folder = paper_folder(study)
    if folder is None:
        return MD("")
    from . import published as paper_tables

    err = paper_tables.errata(folder)
    err = err[err["table"] == table]
    if err.empty:
        return MD("")
    items = [
        md(
            "- {row} / {column}: the paper prints {printed} where its other figures imply {value}",
            row=str(r["row"]),
            column=str(r["column"]),
            printed=str(r["printed"]),
            value=str(r["consistent_value"]),
        )
        for _, r in err.iterrows()
    ]
    n = len(items)
    head = md(
        "The paper's own figures disagree in {n} cell{s} of {table} (errata, explained in the "
        "[scorecard appendix](appendix-scorecard.md)):",
        n=n,
        s=MD("s" if n != 1 else ""),
        table=table,
    )
    return md("{head}\n\n{items}", head=head, items=md_join("\n", items))


def table2_beside(study: Study, column: str = "assets") -> pd.DataFrame:
    """`layouts.table2` with the published means in a ``Published`` column when the study has a paper.

    Parameters
    ----------
    study : Study
        A loaded study.
    column : str
        The households.csv column to average.

    Returns
    -------
    pandas.DataFrame
        Indexed by stage label; ``Published`` is the printed mean as text, blank for a stage the
        paper does not print, ending with `MISS_MARK` where this book's mean differs beyond the
        printed rounding or `ERRATUM_MARK` where the errata list it (``attrs["marks"]`` counts them).
    """
    t = table2(study, column)
    folder = paper_folder(study)
    if folder is not None:
        from . import published as paper_tables

        wide = paper_tables.wide("Table 2", folder).set_index("row")
        pub = wide.iloc[:, 0].reindex(t.index)
        err = paper_tables.errata(folder)
        listed = set(err.loc[err["table"] == "Table 2", "row"].astype(str))
        counts = {MISS_MARK: 0, ERRATUM_MARK: 0}
        shown = []
        for stage, ours, printed in zip(t.index, t["Mean assets"], pub):
            if not isinstance(printed, str) or not printed.strip():
                shown.append("")
                continue
            text, mark = mark_cell(ours, printed, erratum=str(stage) in listed)
            if mark:
                counts[mark] += 1
            shown.append(text)
        t["Published"] = shown
        t.attrs["marks"] = counts
    return t


def odds_beside(fit: ModelFit, study: Study) -> pd.DataFrame | None:
    """Odds ratios with significance stars, this book beside the published table, per group.

    Rows are the model's variables (printed labels) in the printed table's order, with its
    sub-headings; columns (group, "This book" | "Published"). A published odds ratio this book
    misses beyond its printed rounding, or whose stars differ, ends with `MISS_MARK`; one the
    errata list with `ERRATUM_MARK` (`attrs["marks"]` counts them). None when the study has no
    paper or the paper has no table of that name.

    Parameters
    ----------
    fit : ModelFit
        A fitted model whose spec names a paper table (``table: Table 5``).
    study : Study
        The study it was fitted on.

    Returns
    -------
    pandas.DataFrame or None
        Rows are the model's variables (printed labels); columns (group, ``This book`` |
        ``Published``), text such as ``1.93**`` or ``dropped``, marks as above. ``None`` when the study has no paper
        or the paper has no table of that name.
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
    err = paper_tables.errata(folder)
    err = err[err["table"] == table]
    listed = set(zip(err["row"], err["column"]))
    counts = {MISS_MARK: 0, ERRATUM_MARK: 0}
    rows = {}
    for g, r in fit.results.items():
        for term in r.predictors:
            label = fit.labels.get(term, term)
            value = float("nan") if term in r.dropped else float(np.exp(r.coef[term]))
            if term in r.dropped:
                ours = "dropped"
            else:
                ours = fmt(value, ".2f") + r.stars[term]
            col_or, col_b = f"{g} Odds Ratio", f"{g} B"
            if col_or not in pub.columns and "Odds Ratio" in pub.columns:
                col_or, col_b = "Odds Ratio", "B"
            theirs = ""
            if label in pub.index and col_or in pub.columns:
                b = str(pub.loc[label, col_b]) if col_b in pub.columns else ""
                stars = "*" * b.count("*")
                if not stars and "Sig." in pub.columns:
                    from .logistic import significance_stars

                    p = pd.to_numeric(pub.loc[label, "Sig."], errors="coerce")
                    stars = significance_stars(float(p)) if pd.notna(p) else ""
                printed = str(pub.loc[label, col_or])
                erratum = (label, col_b) in listed or (label, col_or) in listed
                theirs, mark = mark_cell(value, printed, erratum)
                if (
                    not mark
                    and term not in r.dropped
                    and pd.notna(value)
                    and stars != r.stars[term]
                    and printed.strip()
                ):
                    theirs, mark = f"{printed} {MISS_MARK}", MISS_MARK  # the same ratio, another significance
                theirs = theirs.replace(printed, printed + stars, 1) if printed.strip() else theirs
                if mark:
                    counts[mark] += 1
            rows.setdefault(label, {})[(g, "This book")] = ours
            rows[label][(g, "Published")] = theirs
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out = _paper_order(out.fillna(""), pub)
    out.attrs["marks"] = counts
    return out


def _paper_order(out: pd.DataFrame, pub: pd.DataFrame) -> pd.DataFrame:
    """`out`'s rows in the printed table's order, with the printed sub-headings (rows of blank
    cells) kept where at least one of their rows is shown; rows the paper lacks come last."""
    order: list[str] = []
    heading: str | None = None
    for label, r in pub.iterrows():
        if all(not str(v).strip() for v in r.to_numpy()):
            heading = str(label)
            continue
        if label in out.index and label not in order:
            if heading is not None:
                order.append(heading)
                heading = None
            order.append(str(label))
    order += [r for r in out.index if r not in order]
    blank = pd.DataFrame("", index=[r for r in order if r not in out.index], columns=out.columns)
    return pd.concat([out, blank]).loc[order]


def scorecard_frame(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for display: reproduced values rounded sensibly, verdicts as words.

    Parameters
    ----------
    card : pandas.DataFrame
        A scorecard with ``reproduced`` and ``ok`` columns.

    Returns
    -------
    pandas.DataFrame
        A copy: ``reproduced`` as text (four significant digits for floats, empty when missing),
        ``ok`` as ``yes``/``no``.
    """
    out = card.copy()
    out["reproduced"] = [
        (
            ""
            if v is None or (isinstance(v, float) and math.isnan(v))
            else (f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v))
        )
        for v in out["reproduced"]
    ]
    out["ok"] = np.where(out["ok"].astype(bool), "yes", "no")
    return out


def scorecard_text(card: pd.DataFrame) -> MD:
    """One computed paragraph: cells judged, share within tolerance, tables fully reproduced, the weakest.

    Parameters
    ----------
    card : pandas.DataFrame
        A scorecard with ``table`` and ``ok`` columns.

    Returns
    -------
    MD
        Markdown; table names escaped.
    """
    n = len(card)
    ok = int(card["ok"].astype(bool).sum())
    per = card.groupby("table", sort=False)["ok"].agg(["size", "sum"])
    full = [t for t, r in per.iterrows() if r["sum"] == r["size"]]
    worst = per.assign(share=per["sum"] / per["size"]).sort_values("share").head(1)
    parts = [
        md(
            "Of the {n:,} published cells and quoted figures, {ok:,} ({pct} percent) are reproduced within "
            "their tolerance.",
            n=n,
            ok=ok,
            pct=fmt(100 * ok / n if n else float("nan")),
        )
    ]
    if full:
        parts.append(md("Fully reproduced: {full}.", full=md_list(str(t) for t in full)))
    if len(worst) and worst["share"].iloc[0] < 1:
        parts.append(
            md(
                "The weakest is {t}, with {k:,} of {m:,} cells within tolerance.",
                t=str(worst.index[0]),
                k=int(worst["sum"].iloc[0]),
                m=int(worst["size"].iloc[0]),
            )
        )
    return md_join(" ", parts)
