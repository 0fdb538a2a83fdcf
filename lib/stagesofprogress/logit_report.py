"""Logit results laid out as the paper prints them: Tables 4/5 (Stata, one column block per
region), Table 7 (SPSS), a tidy long CSV, self-contained HTML for the book and a forest plot.

Tables are DataFrames of pre-formatted strings: blanks, stars and "97.80 (27)" are part of the
layout, and formatting once here keeps the book, the CSV and the HTML identical. The numbers
themselves stay available, unformatted, from `long_table()` and the `LogitResult`s.
"""

from __future__ import annotations

import html
import textwrap
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .logit import CONSTANT, LogitResult
from . import safetext

PAPER_STATS = ["B", "Odds Ratio", "Robust Std. Err."]
SPSS_COLUMNS = ["B", "S.E.", "Wald", "Sig.", "Exp(B)", "95% C.I. Lower", "95% C.I. Upper"]
STARS_NOTE = (
    "* Significant at 0.1 probability level; ** significant at 0.05; *** significant at 0.01."
)
OTHER_HEADING = "Other predictors"
MODEL = "(model)"

#: Statistics per term in `long_table()`, then per model.
TERM_STATS = ["coef", "odds_ratio", "se", "z", "pvalue", "ci_low", "ci_high", "model_se"]
FIT_STATS = [
    "nobs", "wald_chi2", "wald_df", "wald_p", "loglik", "loglik_null", "pseudo_r2",
    "pct_correct_1", "pct_correct_0", "minus2ll", "cox_snell_r2", "nagelkerke_r2",
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


def paper_table(
    results: Mapping[str, LogitResult],
    groups: Mapping[str, Sequence[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    class_labels: Mapping[int, str] | None = None,
    decimals: int = 2,
) -> pd.DataFrame:
    """The paper's Table 4/5 layout: columns (model -> B, Odds Ratio, Robust Std. Err.),
    Constant first, variables under `groups` headings, fit statistics at the bottom.

    B carries the significance stars. A cell is blank when the variable is not in that model
    or was dropped from it. `class_labels` names the outcome classes in the "% Correctly
    Predicted" rows, e.g. {1: "Escaping poverty", 0: "Staying poor"}.
    """
    if not results:
        raise ValueError("paper_table needs at least one LogitResult.")
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
        if heading is not None:
            rows.append((heading, "heading", blank * len(results)))
        for v in vars_:
            rows.append((labels.get(v, v), "variable", sum((term_cells(r, v) for r in results.values()), [])))

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
    """Table 7 the way SPSS prints it: model-based SE, Wald = (B/SE)^2, Sig., Exp(B) with its
    95% C.I. (none for the constant, as in SPSS), then -2LL, a pseudo R^2 and N.

    `r2` is "nagelkerke" (what the paper's 0.084 matches) or "cox_snell"; the row label says which.
    """
    if r2 not in ("nagelkerke", "cox_snell"):
        raise ValueError('r2 must be "nagelkerke" or "cox_snell".')
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
    """Tidy numbers, unformatted: one row per (group, variable, statistic).

    `group` is the model's key (e.g. the region); model-level statistics have variable
    "(model)". Dropped predictors keep their rows, with NaN values.
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
        fit = r.summary_stats().set_index("statistic")["value"][FIT_STATS]
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
    **paper_kwargs,
) -> list[Path]:
    """Write `{stem}_long.csv` (tidy numbers) and `{stem}_paper.csv` (the paper layout with one
    header row "model: statistic" and a `row_kind` column telling headings from variables).
    LF line ends, UTF-8, deterministic. Returns the two paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    long_path, wide_path = out_dir / f"{stem}_long.csv", out_dir / f"{stem}_paper.csv"
    long_table(results).to_csv(long_path, index=False, lineterminator="\n")
    wide = paper_table(results, **paper_kwargs)
    kinds = wide.attrs["row_kinds"]
    wide.columns = [f"{m}: {s}" for m, s in wide.columns]
    wide = wide.rename_axis("row").reset_index()
    wide.insert(1, "row_kind", kinds)
    wide.to_csv(wide_path, index=False, lineterminator="\n")
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
    """Self-contained HTML (inline CSS, no scripts or fonts) for a `paper_table` or
    `spss_table`; the same table always gives the same bytes."""
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


@safetext.plain_mpl
def forest_plot(
    results: Mapping[str, LogitResult],
    labels: Mapping[str, str] | None = None,
    ax=None,
    groups: Mapping[str, Sequence[str]] | None = None,
):
    """Odds ratios with 95% CIs on a log axis, one panel per model, sharing the variable axis.

    Dropped or absent variables have no marker; a filled marker means p < 0.1 (starred in the
    table). Pass `ax` (one Axes, or one per model) to draw into an existing figure.
    Returns the matplotlib Figure (built without pyplot, so notebooks show it once).
    """
    from matplotlib.figure import Figure

    labels = dict(labels or {})
    vars_ = [v for _, vs in _variables(results, groups) for v in vs]
    n = len(vars_)
    if ax is None:
        fig = Figure(figsize=(7, max(2.5, 0.3 * n + 1.2)), layout="constrained")
        axes = fig.subplots(1, len(results), sharey=True, squeeze=False)[0]
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object))
        if len(axes) != len(results):
            raise ValueError(f"forest_plot needs {len(results)} Axes, got {len(axes)}.")
        fig = axes[0].figure
    ypos = {v: i for i, v in enumerate(vars_)}
    for a, (name, r) in zip(axes, results.items()):
        kept = [v for v in vars_ if v in r.predictors and v not in r.dropped]
        y = np.array([ypos[v] for v in kept], dtype=float)
        orr, lo, hi = (r.odds_ratio[kept].to_numpy(), r.ci_low[kept].to_numpy(), r.ci_high[kept].to_numpy())
        sig = r.pvalue[kept].to_numpy() < 0.1
        a.hlines(y, lo, hi, color="0.25", linewidth=1.2)
        a.plot(orr[sig], y[sig], "o", color="0.1", markersize=5, label="p < 0.1")
        a.plot(orr[~sig], y[~sig], "o", markerfacecolor="white", markeredgecolor="0.1", markersize=5, label="p ≥ 0.1")
        a.axvline(1.0, color="0.5", linestyle="--", linewidth=0.8)
        a.set_xscale("log")
        a.set_title(str(name), fontsize=10)
        a.set_xlabel("Odds ratio (log scale)", fontsize=8)
        a.tick_params(labelsize=8)
        a.grid(axis="x", color="0.9", linewidth=0.6)
        a.set_axisbelow(True)
    def tick(v: str) -> str:  # a study's label, cut short so the panels keep their room
        s = safetext.clean(labels.get(v, v))
        return textwrap.fill(s if len(s) <= 80 else s[:79].rstrip() + "\u2026", 30)

    axes[0].set_yticks(range(n), [tick(v) for v in vars_])
    for a in axes:
        a.set_ylim(n - 0.5, -0.5)
    return fig
