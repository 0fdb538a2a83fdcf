"""Logit results laid out as the paper prints them: Tables 4/5 (Stata, one column block per
region), Table 7 (SPSS), a tidy long CSV, self-contained HTML for the book and a forest plot.

Tables are DataFrames of pre-formatted strings: blanks, stars and "97.80 (27)" are part of the
layout, and formatting once here keeps the book, the CSV and the HTML identical. The numbers
themselves stay available, unformatted, from `long_table()` and the `LogitResult` objects.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .logistic import CONSTANT, LogitResult, significance_stars
from .logit_notes import (  # the notes under a model's table, re-exported for the chapters
    DEFAULT_NOTES_TITLE,
    MODEL,
    DiagnosticsBlock,
    diagnostics_block,
    diagnostics_frame,
    diagnostics_html,
    diagnostics_html_text,
    diagnostics_markdown,
    diagnostics_markdown_text,
)

if TYPE_CHECKING:  # annotations only
    from IPython.display import HTML

    from .models import ModelFit

__all__ = [
    "PAPER_STATS",
    "SPSS_COLUMNS",
    "STARS_NOTE",
    "OTHER_HEADING",
    "MODEL",
    "TERM_STATS",
    "FIT_STATS",
    "shown_results",
    "paper_table",
    "spss_table",
    "long_table",
    "write_logit_csv",
    "to_html",
    "COMPARE_COLUMNS",
    "compare_errors",
    "diagnostics_frame",
    "DiagnosticsBlock",
    "diagnostics_block",
    "diagnostics_html",
    "diagnostics_markdown",
    "DEFAULT_NOTES_TITLE",
    "diagnostics_html_text",
    "diagnostics_markdown_text",
    "margins_wide",
    "fit_table",
    "fit_long_table",
    "fit_html",
]

PAPER_STATS = ["B", "Odds Ratio", "Robust Std. Err."]
SPSS_COLUMNS = ["B", "S.E.", "Wald", "Sig.", "Exp(B)", "95% C.I. Lower", "95% C.I. Upper"]
STARS_NOTE = "* Significant at 0.1 probability level; ** significant at 0.05; *** significant at 0.01."
OTHER_HEADING = "Other predictors"

#: Statistics per term in `long_table()`, then per model.
TERM_STATS = ["coef", "odds_ratio", "se", "z", "pvalue", "ci_low", "ci_high", "model_se"]
FIT_STATS = [
    "nobs",
    "wald_chi2",
    "wald_df",
    "wald_p",
    "lr_chi2",
    "lr_df",
    "lr_p",
    "loglik",
    "loglik_null",
    "pseudo_r2",
    "pct_correct_1",
    "pct_correct_0",
    "minus2ll",
    "cox_snell_r2",
    "nagelkerke_r2",
]


def _fmt(x: float, decimals: int) -> str:
    """Fixed decimals, blank for NaN, and no "-0.00" (the paper prints 0.00)."""
    if x is None or not np.isfinite(x):
        return ""
    s = f"{x:.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def _variables(results: Mapping[str, LogitResult], groups: Mapping[str, Sequence[str]] | None):
    """[(heading or None, [variables])] covering every predictor of every result exactly once."""
    seen: list[str] = []
    for r in results.values():
        seen += [p for p in r.predictors if p not in seen]
    if not groups:
        return [(None, seen)]
    placed: list[str] = []
    out = []
    for heading, vars_ in groups.items():
        dup = [v for v in vars_ if v in placed]
        if dup:
            raise ValueError(f"Variable(s) {', '.join(map(repr, dup))} appear under more than one heading.")
        placed += list(vars_)
        out.append((heading, list(vars_)))
    rest = [v for v in seen if v not in placed]
    if rest:
        out.append((OTHER_HEADING, rest))
    return out


def shown_results(results: Mapping[str, LogitResult]) -> dict[str, LogitResult]:
    """The results a table or plot may show: those the data can support.

    Parameters
    ----------
    results : Mapping of str to LogitResult
        Fitted models by group.

    Returns
    -------
    dict of str to LogitResult
        The supported results, in the order of `results`.

    Raises
    ------
    ValueError
        When no result is supported; the message gives each group's reason.
    """
    shown = {g: r for g, r in results.items() if r.supported}
    if not shown:
        why = "; ".join(f"{g}: {r.unsupported_reason}" for g, r in results.items())
        raise ValueError(f"The data cannot support any of these models ({why}).")
    return shown


def paper_table(
    results: Mapping[str, LogitResult],
    groups: Mapping[str, Sequence[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    class_labels: Mapping[int, str] | None = None,
    decimals: int = 2,
) -> pd.DataFrame:
    """The layout of the paper's Tables 4 and 5: a column block (B, Odds Ratio, Robust Std. Err.) per model.

    The constant comes first, then the variables under the `groups` headings, then the fit
    statistics. B carries the significance stars. A cell is blank when the variable is not in that
    model or was dropped from it; a variable estimated in no model, and a heading left without
    variables, get no row. Results the data cannot support (``LogitResult.supported`` false) get
    no block (`diagnostics_html` says why).

    Parameters
    ----------
    results : mapping of str to LogitResult
        Fitted models by name (for example the region), in the order of the columns.
    groups : mapping of str to sequence of str, optional
        Headings and the variables under each.
    labels : mapping of str to str, optional
        Row labels for the variables (by default their names).
    class_labels : mapping of int to str, optional
        Names of the outcome classes in the "% Correctly Predicted" rows, for example
        ``{1: "Escaping poverty", 0: "Staying poor"}``.
    decimals : int, default 2
        Decimals shown.

    Returns
    -------
    pandas.DataFrame
        Pre-formatted strings, one row per printed line.

    Raises
    ------
    ValueError
        No result is left that the data can support.
    """
    if not results:
        raise ValueError("paper_table needs at least one LogitResult.")
    results = shown_results(results)
    labels = dict(labels or {})
    class_labels = {1: "Outcome = 1", 0: "Outcome = 0", **(class_labels or {})}
    robust = all(r.robust for r in results.values())
    stat_names = PAPER_STATS if robust else ["B", "Odds Ratio", "Std. Err."]
    columns = pd.MultiIndex.from_product([list(results), stat_names])
    rows: list[tuple[str, str, list[str]]] = []  # (label, kind, cells)
    blank = [""] * len(stat_names)

    def term_cells(r: LogitResult, term: str) -> list[str]:
        if term != CONSTANT and (term not in r.predictors or term in r.dropped):
            return blank
        b, se = r.coef[term], r.se[term]
        return [_fmt(b, decimals) + r.stars[term], _fmt(np.exp(b), decimals), _fmt(se, decimals)]

    rows.append((CONSTANT, "constant", sum((term_cells(r, CONSTANT) for r in results.values()), [])))
    for heading, vars_ in _variables(results, groups):
        # a variable estimated in no block has no row (the diagnostics say why)
        cells = [(v, sum((term_cells(r, v) for r in results.values()), [])) for v in vars_]
        cells = [(v, c) for v, c in cells if any(c)]
        if heading is not None and cells:
            rows.append((heading, "heading", blank * len(results)))
        rows += [(labels.get(v, v), "variable", c) for v, c in cells]

    def fit_row(label: str, fn, kind: str = "fit") -> None:
        rows.append((label, kind, sum(([fn(r), "", ""] for r in results.values()), [])))

    fit_row("Wald chi2 (df)", lambda r: f"{_fmt(r.wald_chi2, decimals)} ({r.wald_df})", "fit-first")
    fit_row("Prob > chi2", lambda r: _fmt(r.wald_p, 3))
    fit_row("Log pseudolikelihood" if robust else "Log likelihood", lambda r: _fmt(r.loglik, decimals))
    fit_row("Pseudo R-square (McFadden's)", lambda r: _fmt(r.pseudo_r2, decimals))
    fit_row("N", lambda r: str(r.nobs))
    rows.append(("% Correctly Predicted:", "fit-heading", blank * len(results)))
    for cls in (1, 0):
        fit_row(class_labels[cls], lambda r, c=cls: _fmt(r.pct_correct[c], 1))

    df = pd.DataFrame([cells for _, _, cells in rows], columns=columns, dtype=object)
    df.index = pd.Index([label for label, _, _ in rows], name="")
    df.attrs["row_kinds"] = [kind for _, kind, _ in rows]
    return df


def spss_table(
    result: LogitResult,
    labels: Mapping[str, str] | None = None,
    r2: str = "nagelkerke",
    decimals: int = 2,
) -> pd.DataFrame:
    """The paper's Table 7 the way SPSS prints it.

    Model-based SE, Wald = (B/SE)², Sig., Exp(B) with its 95% C.I. (none for the constant, as in
    SPSS), then -2LL, a pseudo R² and N.

    Parameters
    ----------
    result : LogitResult
        One fitted model.
    labels : mapping of str to str, optional
        Row labels for the variables (by default their names).
    r2 : {"nagelkerke", "cox_snell"}, default "nagelkerke"
        The pseudo R² shown; the row label says which.
    decimals : int, default 2
        Decimals shown.

    Returns
    -------
    pandas.DataFrame
        Pre-formatted strings, one row per printed line.
    """
    if r2 not in ("nagelkerke", "cox_snell"):
        raise ValueError('r2 must be "nagelkerke" or "cox_snell".')
    if not result.supported:
        raise ValueError(f"The data cannot support this model: {result.unsupported_reason}.")
    labels = dict(labels or {})
    ci = result.conf_int_or(which="model")
    sig = result.wald_pvalue
    rows, kinds, index = [], [], []
    for term in result.terms:
        dropped = term in result.dropped
        b = result.coef[term]
        cells = (
            [""] * len(SPSS_COLUMNS)
            if dropped
            else [
                _fmt(b, decimals),
                _fmt(result.model_se[term], decimals),
                _fmt(result.wald[term], decimals),
                _fmt(sig[term], 4),
                _fmt(np.exp(b), decimals),
                "" if term == CONSTANT else _fmt(ci.loc[term, "ci_low"], decimals),
                "" if term == CONSTANT else _fmt(ci.loc[term, "ci_high"], decimals),
            ]
        )
        rows.append(cells)
        kinds.append("constant" if term == CONSTANT else "variable")
        index.append(labels.get(term, term))
    value = result.nagelkerke_r2 if r2 == "nagelkerke" else result.cox_snell_r2
    name = "Nagelkerke" if r2 == "nagelkerke" else "Cox & Snell"
    for label, v, kind in [
        ("-2 Log Likelihood", _fmt(result.minus2ll, 3), "fit-first"),
        (f"Pseudo R square ({name})", _fmt(value, 3), "fit"),
        ("N", str(result.nobs), "fit"),
    ]:
        rows.append([v] + [""] * (len(SPSS_COLUMNS) - 1))
        kinds.append(kind)
        index.append(label)
    df = pd.DataFrame(rows, columns=SPSS_COLUMNS, index=pd.Index(index, name=""), dtype=object)
    df.attrs["row_kinds"] = kinds
    return df


def long_table(results: Mapping[str, LogitResult]) -> pd.DataFrame:
    """The numbers of several models, unformatted and tidy.

    Parameters
    ----------
    results : mapping of str to LogitResult
        Fitted models by name (for example the region), in the order of the columns.

    Returns
    -------
    pandas.DataFrame
        One row per (group, variable, statistic); ``group`` is the model's key, model-level
        statistics have the variable ``"(model)"``, and dropped predictors keep their rows with NaN.
    """
    parts = []
    for group, r in results.items():
        frame = r.to_frame().set_index("term")
        frame["model_se"] = r.model_se
        t = frame[TERM_STATS].rename_axis("variable").reset_index()
        t = t.melt(id_vars="variable", var_name="statistic", value_name="value")
        order = {s: i for i, s in enumerate(TERM_STATS)}
        t["_v"] = t["variable"].map({v: i for i, v in enumerate(r.terms)})
        t["_s"] = t["statistic"].map(order)
        t = t.sort_values(["_v", "_s"], kind="stable").drop(columns=["_v", "_s"])
        wanted = FIT_STATS if r.vce != "cluster" else ["nobs", "n_clusters", *FIT_STATS[1:]]
        fit = r.summary_stats().set_index("statistic")["value"][wanted]
        f = pd.DataFrame({"variable": MODEL, "statistic": fit.index, "value": fit.to_numpy()})
        part = pd.concat([t, f], ignore_index=True)
        part.insert(0, "group", group)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out


def write_logit_csv(
    results: Mapping[str, LogitResult],
    out_dir: str | Path,
    stem: str = "logit",
    **paper_kwargs: object,
) -> list[Path]:
    """Write ``{stem}_long.csv`` (`long_table`) and ``{stem}_paper.csv`` (`paper_table`).

    The paper layout gets one header row ``"model: statistic"`` and a ``row_kind`` column telling
    headings from variables. LF line ends, UTF-8, the same bytes for the same results.

    Parameters
    ----------
    results : mapping of str to LogitResult
        Fitted models by name (for example the region), in the order of the columns.
    out_dir : str or pathlib.Path
        An existing folder.
    stem : str, default "logit"
        The start of both file names.
    **paper_kwargs
        Passed to `paper_table`.

    Returns
    -------
    list of pathlib.Path
        The two files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    long_path, wide_path = out_dir / f"{stem}_long.csv", out_dir / f"{stem}_paper.csv"
    from .outputs import to_csv_bytes  # the one CSV writer: formula-safe cells

    long_path.write_bytes(to_csv_bytes(long_table(results)))
    wide = paper_table(results, **paper_kwargs)
    kinds = wide.attrs["row_kinds"]
    wide.columns = [f"{m}: {s}" for m, s in wide.columns]
    wide = wide.rename_axis("row").reset_index()
    wide.insert(1, "row_kind", kinds)
    wide_path.write_bytes(to_csv_bytes(wide))
    return [long_path, wide_path]


_CSS = """<style>
table.sop-logit{border-collapse:collapse;font-size:0.85em;margin:0.5em 0;}
table.sop-logit th,table.sop-logit td{padding:0.15em 0.6em;border:none;}
table.sop-logit thead th{text-align:center;border-bottom:1px solid currentColor;}
table.sop-logit tbody th{text-align:left;font-weight:normal;}
table.sop-logit td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;}
table.sop-logit tr.heading th,table.sop-logit tr.fit-heading th{font-style:italic;font-weight:bold;padding-top:0.5em;}
table.sop-logit tr.fit-first th,table.sop-logit tr.fit-first td{border-top:1px solid currentColor;}
table.sop-logit caption{caption-side:top;text-align:left;font-weight:bold;}
table.sop-logit tfoot td{text-align:left;font-size:0.9em;white-space:normal;}
</style>"""


def to_html(table: pd.DataFrame, caption: str | None = None, footnote: str | None = STARS_NOTE) -> str:
    """Self-contained HTML (inline CSS, no scripts or fonts) for a `paper_table` or `spss_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        A table made by `paper_table` or `spss_table`.
    caption : str, optional
        Shown above the table (escaped).
    footnote : str or None, default STARS_NOTE
        Shown below it; ``None`` for none.

    Returns
    -------
    str
        The HTML; the same table always gives the same bytes.
    """
    esc = html.escape
    kinds = table.attrs.get("row_kinds", ["variable"] * len(table))
    ncol = table.shape[1] + 1
    out = [_CSS, '<table class="sop-logit">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead>")
    if isinstance(table.columns, pd.MultiIndex):
        top = table.columns.get_level_values(0)
        cells, i = ['<th rowspan="2"></th>'], 0
        while i < len(top):
            span = 1
            while i + span < len(top) and top[i + span] == top[i]:
                span += 1
            cells.append(f'<th colspan="{span}">{esc(str(top[i]))}</th>')
            i += span
        out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("<tr>" + "".join(f"<th>{esc(str(c))}</th>" for c in table.columns.get_level_values(1)) + "</tr>")
    else:
        out.append("<tr><th></th>" + "".join(f"<th>{esc(str(c))}</th>" for c in table.columns) + "</tr>")
    out.append("</thead><tbody>")
    for label, kind, vals in zip(table.index, kinds, table.itertuples(index=False)):
        cls = f' class="{kind}"' if kind != "variable" else ""
        tds = "".join(f"<td>{esc(str(v))}</td>" for v in vals)
        out.append(f'<tr{cls}><th scope="row">{esc(str(label))}</th>{tds}</tr>')
    out.append("</tbody>")
    if footnote:
        out.append(f'<tfoot><tr><td colspan="{ncol}">{esc(footnote)}</td></tr></tfoot>')
    out.append("</table>")
    return "\n".join(out)


# --------------------------------------------------------------------------- clustered errors


#: Columns of `compare_errors()`.
COMPARE_COLUMNS = [
    "group",
    "variable",
    "coef",
    "vce",
    "se",
    "pvalue",
    "stars",
    "n_clusters",
    "se_cluster",
    "pvalue_cluster",
    "stars_cluster",
]


def compare_errors(base: Mapping[str, LogitResult], clustered: Mapping[str, LogitResult]) -> pd.DataFrame:
    """Each group's estimated terms with the base fit's standard errors beside the clustered fit's.

    The coefficients are the same in both fits (clustering changes only the covariance);
    ``stars`` and ``stars_cluster`` say which findings keep their significance under clustering.

    Parameters
    ----------
    base : Mapping of str to LogitResult
        Fits with robust or model-based errors (``vce`` robust or oim), by group.
    clustered : Mapping of str to LogitResult
        The same models fitted with ``vce(cluster)``, by group.

    Returns
    -------
    pandas.DataFrame
        The columns of `COMPARE_COLUMNS`, one row per group (those in both, in `base`'s order) and
        term estimated in both fits.
    """
    parts = []
    for g, r in base.items():
        c = clustered.get(g)
        if c is None:
            continue
        terms = [t for t in r.estimated if t in c.estimated]
        parts.append(
            pd.DataFrame(
                {
                    "group": g,
                    "variable": terms,
                    "coef": r.coef[terms].to_numpy(),
                    "vce": r.vce,
                    "se": r.se[terms].to_numpy(),
                    "pvalue": r.pvalue[terms].to_numpy(),
                    "stars": r.stars[terms].to_numpy(),
                    "n_clusters": c.n_clusters,
                    "se_cluster": c.se[terms].to_numpy(),
                    "pvalue_cluster": c.pvalue[terms].to_numpy(),
                    "stars_cluster": c.stars[terms].to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[COMPARE_COLUMNS]


# --------------------------------------------------------------------------- marginal effects


def margins_wide(
    results: Mapping[str, LogitResult],
    labels: Mapping[str, str] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    discrete: bool = True,
    decimals: int = 1,
) -> pd.DataFrame:
    """Average marginal effects in percentage points beside each other, a block of columns per model.

    Each block has "AME (points)", with the stars of its own delta-method test, and its
    "Std. Err."; one row per variable estimated in some model. With `discrete` 0/1 variables
    get the discrete change from 0 to 1 (Stata's ``margins, dydx(i.x)``) and the others the
    derivative (``margins, dydx(x)``).

    Parameters
    ----------
    results : Mapping of str to LogitResult
        Fitted models by group; those the data cannot support get no block.
    labels : Mapping of str to str, optional
        Variable labels for the row index.
    groups : Mapping of str to sequence of str, optional
        Heading to variables, the order of the rows.
    discrete : bool
        Discrete changes for 0/1 predictors (the default) rather than derivatives.
    decimals : int
        Decimals of the printed points.

    Returns
    -------
    pandas.DataFrame
        Text cells (empty where a model does not estimate the variable); columns a two-level index
        (group, statistic), rows the variable labels.

    Raises
    ------
    ValueError
        When no model can be shown.
    """
    results = shown_results(results)
    labels = dict(labels or {})
    frames = {g: r.margins(discrete=discrete).set_index("term") for g, r in results.items()}
    vars_ = [v for _, vs in _variables(results, groups) for v in vs]
    vars_ = [v for v in vars_ if any(v in r.estimated for r in results.values())]
    cols = pd.MultiIndex.from_product([list(results), ["AME (points)", "Std. Err."]])
    rows = []
    for v in vars_:
        cells = []
        for g in results:
            m = frames[g]
            if v not in m.index or not np.isfinite(m.loc[v, "dydx"]):
                cells += ["", ""]
                continue
            star = significance_stars(float(m.loc[v, "pvalue"]))
            cells += [_fmt(100 * m.loc[v, "dydx"], decimals) + star, _fmt(100 * m.loc[v, "se"], decimals)]
        rows.append(cells)
    out = pd.DataFrame(rows, columns=cols, index=pd.Index([labels.get(v, v) for v in vars_], name=""), dtype=object)
    return out


# --------------------------------------------------------------------------- a fitted specification


def fit_table(fit: ModelFit) -> pd.DataFrame:
    """A fitted model in its printed layout: `spss_table` for an SPSS-style model, else `paper_table`.

    Parameters
    ----------
    fit : ModelFit
        A fitted model of `models.fit_models`.

    Returns
    -------
    pandas.DataFrame
        The printed table (one block per group for the paper's layout).

    Raises
    ------
    ValueError
        When no group of the model could be fitted or shown.
    """
    if not fit.results:
        raise ValueError(f"Model '{fit.name}' could not be fitted: {fit.errors}")
    if fit.layout == "spss":
        (result,) = list(fit.results.values())[:1]
        return spss_table(result, labels=fit.labels)
    return paper_table(fit.results, groups=fit.groups, labels=fit.labels, class_labels=fit.class_labels)


def fit_long_table(fit: ModelFit) -> pd.DataFrame:
    """A fitted model's numbers, tidy: model, group, variable, label, statistic, value.

    Parameters
    ----------
    fit : ModelFit
        A fitted model of `models.fit_models`.

    Returns
    -------
    pandas.DataFrame
        `long_table` of its results with the model's name and variable labels; no rows when
        nothing was fitted.
    """
    if not fit.results:
        return pd.DataFrame(columns=["model", "group", "variable", "label", "statistic", "value"])
    t = long_table(fit.results)
    t.insert(2, "label", t["variable"].map(lambda v: fit.labels.get(v, v)))
    t.insert(0, "model", fit.name)
    return t


def fit_html(fit: ModelFit, caption: str | None = None) -> HTML:
    """The model in its printed layout (`fit_table`) as displayable HTML with a caption.

    Parameters
    ----------
    fit : ModelFit
        A fitted model of `models.fit_models`.
    caption : str, optional
        The caption; by default the model's table name and title from study.yml (study text,
        escaped by `to_html`).

    Returns
    -------
    IPython.display.HTML
        For display in a notebook cell.

    Raises
    ------
    ValueError
        As `fit_table`.
    """
    from IPython.display import HTML

    cap = caption or " ".join(str(fit.spec.get("title") or fit.name).split())
    if fit.spec.get("table"):
        cap = f"{fit.spec['table']}. {cap}"
    from .layouts import group_blocks  # many groups: one block of rows per group, not of columns

    return HTML(to_html(group_blocks(fit_table(fit)), caption=cap))
