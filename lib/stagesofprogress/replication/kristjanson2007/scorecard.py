"""The reproduction scorecard: every published cell next to the number this study gives.

`scorecard(study)` returns one row per published cell with exactly the columns
`table, row, column, paper, reproduced, tolerance, ok`:

* `paper` is the cell as printed ("2.51***", "100 (1)"), `reproduced` the number computed
  from the study through the same library functions the chapters call (never copied from
  the paper), `tolerance` a sentence saying how the cell was judged, and `ok` the verdict.
  Significance stars (B cells) and Table 1's bracketed ranks are judged inside their
  cell's `ok`, so the card keeps one row per printed cell.
* Tables 1, 2, 3, 6, 8 and 9 must agree at the paper's printed precision: within half a
  unit of the last printed decimal.
* Where the paper's errata (`errata.csv`: a printed value that contradicts the paper's own
  other figures) list a consistent value for a cell, `paper` still holds the printed value
  and `ok` is judged against the consistent value (with the cell's own rule, at the
  printed cell's precision: errata show derived values with an extra digit), and
  `tolerance` says so. When the errata give several
  consistent values for one cell (they contradict each other, e.g. a figure that disagrees
  with both the text and another table), meeting any of them is ok; meeting the printed
  value also stays ok, because a printed value can be contradicted by figures that are
  themselves the misprint (Table 3's pooled row is consistent with the region rows' own
  components but not with the misprinted region percent). The scorecard keeps its seven
  columns; errata.csv is the place that explains each such cell.
* Logit tables (4, 5 and the SPSS Table 7): B within 0.05; the significance stars are
  judged inside the B row's `ok` (identical stars required) whenever the paper's stars
  agree with its own printed B and SE, and not judged otherwise (the tolerance says
  which); standard errors (robust, or SPSS's S.E.) and confidence limits within 15%; odds
  ratios within 5% (B's tolerance carried through exp); SPSS's Wald within 10% and Sig.
  in the same significance bracket (< .01, < .05, < .1, otherwise); the model Wald chi2
  within 10%; Wald df and N exact; Prob > chi2 at printed precision; log likelihoods
  within 5%; pseudo R-square within 0.03; % correctly predicted within 3 points. A
  relative tolerance is never tighter than half a unit of the printed precision (a
  printed SE of 0.00 cannot demand a reproduced 0).
* Text figures (`table` = "Text") are judged by the rule written beside each figure in
  ``text_figures.csv`` (its `measure`, what it is of, `comparison` and `tolerance`; see
  `text_scoring`): at present within 1 unit of what they count (percentage point,
  household, odds ratio, animal), within 5 points for a percent the text itself calls rough,
  and any value from the quoted one up for a lower bound ("more than a third"). Figures the
  contract cannot speak to (languages spoken, milk sales) state why in `not_scored`.

Group sizes printed in headers ("Puno (n=538)", `sample_sizes.csv`) are cells too (`row` =
"n", exact). Cells the study cannot reproduce (an optional table is missing, a variable is
not in the model) are kept, with `reproduced` blank and `ok` False: the scorecard counts them.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from stagesofprogress import movements as mv
from stagesofprogress import published as paper_tables
from stagesofprogress.study import Study

from .judging import (  # the judging rules, re-exported: the scorecard is where readers look
    EPS,
    Judgement,
    judge_abs,
    judge_bracket,
    judge_coef,
    judge_exact,
    judge_printed,
    judge_rel,
    norm,
    star_level,
    stars_consistent,
)

__all__ = [
    "COLUMNS",
    "SUMMARY_COLUMNS",
    "PRINTED_TABLES",
    "TEXT",
    "scorecard_summary",
    "reproduce",
    "paper_folder",
    "judge_logit_cell",
    "scorecard",
    "sample_size_cells",
    "text_cells",
    "tables",
    "EPS",
    "Judgement",
    "judge_abs",
    "judge_bracket",
    "judge_coef",
    "judge_exact",
    "judge_printed",
    "judge_rel",
    "norm",
    "star_level",
    "stars_consistent",
]

COLUMNS = ["table", "row", "column", "paper", "reproduced", "tolerance", "ok"]
SUMMARY_COLUMNS = ["table", "cells", "ok", "share_ok"]

PRINTED_TABLES = ("Table 1", "Table 2", "Table 3", "Table 6", "Table 8", "Table 9")
TEXT = "Text"


# ------------------------------------------------------------------------- summary


def scorecard_summary(card: pd.DataFrame) -> pd.DataFrame:
    """Cells, cells ok and the share ok per table (tables in the card's order), then ``All``.

    Parameters
    ----------
    card : pandas.DataFrame
        What `scorecard` returns.

    Returns
    -------
    pandas.DataFrame
        The columns of `SUMMARY_COLUMNS`; ``share_ok`` is a share (0-1), NaN for a table without cells.
    """
    if card.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    ok = card["ok"].astype(bool)
    g = ok.groupby(card["table"], sort=False)
    out = pd.DataFrame({"cells": g.size(), "ok": g.sum()}).reset_index()
    out.loc[len(out)] = ["All", int(len(card)), int(ok.sum())]
    out["cells"] = out["cells"].astype(int)
    out["ok"] = out["ok"].astype(int)
    out["share_ok"] = out["ok"] / out["cells"].where(out["cells"] > 0)
    return out[SUMMARY_COLUMNS]


# ------------------------------------------------------------------------- reproduction


def _cell(table, row, column, value, stars=None, rank=None) -> dict:
    v = float(value) if value is not None and not pd.isna(value) else np.nan
    return {"table": table, "row": str(row), "column": str(column), "value": v, "stars": stars, "rank": rank}


def _table1(study: Study) -> list[dict]:
    from stagesofprogress.communities import communities_summary

    s = communities_summary(study)
    return [
        _cell("Table 1", r.label, r.group, r.value, rank=None if pd.isna(r.rank) else int(r.rank))
        for r in s.itertuples()
    ]


def _table2(study: Study) -> list[dict]:
    if "assets" not in study.households.columns:
        return []
    t = mv.mean_by_stage(study, "assets")
    return [_cell("Table 2", r.label, "Average number of assets", r.mean) for r in t.itertuples()]


TABLE3_COLUMNS = {
    "Remained Poor": "remained_poor",
    "Escaped Poverty": "escaped",
    "Became Poor": "became_poor",
    "Remained Not Poor": "remained_not_poor",
    "Poor at the Start of the Period": "poor_at_start",
    "Poor at the End of the Period": "poor_at_end",
}


def _table3(study: Study) -> list[dict]:
    out = []
    for a, b in study.periods():
        s = mv.movement_summary(study, a, b)
        for group, r in s.iterrows():
            name = "Both Regions" if group == mv.ALL else group
            for col, key in TABLE3_COLUMNS.items():
                out.append(_cell("Table 3", f"{name}, {a}-{b}", col, r[key]))
    return out


def _when(year: int, now: int) -> str:
    return "Now" if year == now else f"{now - year} years ago"


def _livestock_tables(study: Study) -> list[dict]:
    from stagesofprogress import livestock as lv

    out = []
    if study.has("livestock"):
        now = lv.settings(study)["years"][-1]
        for r in lv.holdings(study).itertuples():
            if r.group == mv.ALL:
                continue
            when = _when(r.year, now)
            out.append(_cell("Table 6", r.item, f"{r.group} {when} No. of hhs", r.households))
            out.append(_cell("Table 6", r.item, f"{r.group} {when} Percent of hhs", r.percent))
        for r in lv.herd_sizes(study).itertuples():
            if r.group == mv.ALL:
                continue
            when = _when(r.year, now)
            out.append(_cell("Table 8", r.item, f"{r.group} {when} Mean Herd Size", r.mean))
            out.append(_cell("Table 8", r.item, f"{r.group} {when} Valid n", r.valid_n if r.valid_n else np.nan))
    if study.has("production"):
        for r in lv.new_activities(study).itertuples():
            if r.group == mv.ALL:
                continue
            out.append(_cell("Table 9", r.label, f"{r.group} No. of hhs", r.households))
            out.append(_cell("Table 9", r.label, f"{r.group} Percent", r.percent))
            out.append(_cell("Table 9", r.label, f"{r.group} Valid N", r.valid_n))
    return out


def _logit_cells(fit) -> list[dict]:
    """Every number of one fitted model, keyed the way the paper's transcription names it."""
    table = fit.table
    spss = fit.layout == "spss"
    labels = {"Constant": "Constant", **fit.labels}
    out = []
    for group, r in fit.results.items():
        pre = "" if spss else f"{group} "
        ci = r.conf_int_or(which="model" if spss else "robust")
        for term in r.terms:
            if term in r.dropped:
                continue
            row = labels.get(term, term)
            b = r.coef[term]
            if spss:
                out += [
                    _cell(table, row, "B", b, stars=r.stars[term]),
                    _cell(table, row, "S.E.", r.model_se[term]),
                    _cell(table, row, "Wald", r.wald[term]),
                    _cell(table, row, "Sig.", r.wald_pvalue[term]),
                    _cell(table, row, "Odds Ratio", np.exp(b)),
                    _cell(table, row, "CI Lower", ci.loc[term, "ci_low"]),
                    _cell(table, row, "CI Upper", ci.loc[term, "ci_high"]),
                ]
            else:
                out += [
                    _cell(table, row, f"{pre}B", b, stars=r.stars[term]),
                    _cell(table, row, f"{pre}Odds Ratio", np.exp(b)),
                    _cell(table, row, f"{pre}SE", r.se[term]),
                ]
        col = f"{pre}B"
        if spss:
            out += [
                _cell(table, "-2 Log Likelihood", col, r.minus2ll),
                _cell(table, "Pseudo R square", col, r.nagelkerke_r2),
                _cell(table, "N", col, r.nobs),
            ]
        else:
            out += [
                _cell(table, "Wald chi2", col, r.wald_chi2),
                _cell(table, "Wald df", col, r.wald_df),
                _cell(table, "Prob >chi2", col, r.wald_p),
                _cell(table, "Log pseudolikelihood" if r.robust else "Log likelihood", col, r.loglik),
                _cell(table, "Pseudo R-square (McFadden's)", col, r.pseudo_r2),
                _cell(table, "N", col, r.nobs),
                _cell(table, f"% Correctly Predicted: {fit.class_labels[1]}", col, r.pct_correct[1]),
                _cell(table, f"% Correctly Predicted: {fit.class_labels[0]}", col, r.pct_correct[0]),
            ]
    return out


def _fits(study: Study) -> dict:
    from stagesofprogress import models

    if not study.has("sample"):
        return {}
    try:
        return models.cached_fits(study)
    except KeyError:
        return {}


def reproduce(study: Study, fits: dict | None = None) -> pd.DataFrame:
    """Every number the study gives for the paper's tables, keyed like the transcription.

    Parameters
    ----------
    study : Study
        A loaded study.
    fits : dict, optional
        Fitted models (`stagesofprogress.models.cached_fits`); ``None`` fits them.

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``row``, ``column``, ``value``, ``stars`` (B cells) and ``rank``
        (Table 1 activities).
    """
    cells: list[dict] = []
    if study.has("communities"):
        cells += _table1(study)
    cells += _table2(study)
    cells += _table3(study)
    cells += _livestock_tables(study)
    fits = _fits(study) if fits is None else fits
    for fit in fits.values():
        if fit.table:
            cells += _logit_cells(fit)
    return pd.DataFrame(cells, columns=["table", "row", "column", "value", "stars", "rank"])


# ------------------------------------------------------------------------- the scorecard


def paper_folder(study: Study) -> Path | None:
    """The study's ``paper:`` folder (relative to the study), or None when it declares none.

    Unlike `stagesofprogress.published.paper_folder`, a declared folder that does not exist is an
    error here: the scorecard was asked for and cannot be computed.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    pathlib.Path or None
        The folder.

    Raises
    ------
    FileNotFoundError
        When study.yml names a folder that is not there.
    """
    p = study.meta.get("paper")
    if not p:
        return None
    folder = paper_tables.paper_folder(study)
    if folder is None:
        raise FileNotFoundError(
            f"study.yml says paper: {p}, but {(Path(study.path) / str(p)).resolve()} is not a folder."
        )
    return folder


errata = paper_tables.errata


_RANK = re.compile(r"\((\d+)\)\s*$")
_FIT_REL = {"Wald chi2": 0.10, "Log pseudolikelihood": 0.05, "Log likelihood": 0.05, "-2 Log Likelihood": 0.05}
_FIT_EXACT = {"Wald df", "N"}
_FIT_R2 = {"Pseudo R-square (McFadden's)", "Pseudo R square"}
_FIT_PRINTED = {"Prob >chi2"}


def _parse(printed: str):
    from .paper import parse_printed

    try:
        return parse_printed(printed)
    except ValueError:
        return math.nan, 0, None


def _stat(column: str) -> str:
    """The statistic of a logit column: "Puno Odds Ratio" -> "Odds Ratio", "S.E." -> "S.E."."""
    for s in ("Odds Ratio", "CI Lower", "CI Upper", "S.E.", "Wald", "Sig.", "SE", "B"):
        if column == s or column.endswith(" " + s):
            return s
    return column


def _se_column(column: str) -> str:
    return column[: -len("B")] + "SE" if column.endswith(" B") else "S.E."


def judge_logit_cell(
    row: str,
    column: str,
    rep: dict,
    target: float,
    stars: str,
    decimals: int | None,
    se: float | None,
    stars_printed: bool = True,
) -> Judgement:
    """Judge one cell of a logit table (see the module docstring for the rules).

    Parameters
    ----------
    row : str
        The printed row (a variable or a fit statistic).
    column : str
        The printed column (group and statistic: B, SE, Odds Ratio ...).
    rep : dict
        The reproduced cell (``value``, ``stars``).
    target : float
        The printed value.
    stars : str
        The printed stars.
    decimals : int or None
        Decimals printed.
    se : float or None
        The printed SE of the row, for judging stars.
    stars_printed : bool
        Whether the table prints stars.

    Returns
    -------
    Judgement
        Whether it agrees, and the tolerance in words.
    """
    v = rep.get("value", np.nan)
    if row in _FIT_EXACT:
        return judge_exact(v, target)
    if row in _FIT_R2:
        return judge_abs(v, target, 0.03)
    if row.startswith("% Correctly Predicted"):
        return judge_abs(v, target, 3.0, " percentage points")
    if row in _FIT_REL:
        return judge_rel(v, target, _FIT_REL[row], decimals)
    if row in _FIT_PRINTED:
        return judge_printed(v, target, decimals)
    stat = _stat(column)
    if stat == "B":
        return judge_coef(v, rep.get("stars") or "", target, stars, se, decimals, stars_printed=stars_printed)
    if stat == "Odds Ratio":
        return judge_rel(v, target, 0.05, decimals)
    if stat in ("SE", "S.E.", "CI Lower", "CI Upper"):
        return judge_rel(v, target, 0.15, decimals)
    if stat == "Wald":
        return judge_rel(v, target, 0.10, decimals)
    if stat == "Sig.":
        return judge_bracket(v, target)
    return judge_printed(v, target, decimals)


def _judge(
    table: str,
    row: str,
    column: str,
    printed: str,
    rep: dict,
    se: float | None,
    logit_tables: set,
    consistent: list[str],
    stars_printed: bool = True,
) -> Judgement:
    """Judge against the printed value and every consistent value the errata give: ok when
    any of them is met (a printed value the errata contradict may still be what a consistent
    study gives, e.g. a pooled percent built from the region rows' own components)."""
    candidates = [(printed, False)] + [(c, True) for c in consistent]
    printed_decimals = _parse(printed)[2]
    verdicts = []
    for text, is_errata in candidates:
        value, nstars, decimals = _parse(text)
        if is_errata and printed_decimals is not None:
            # the errata show derived values with an extra digit: the paper's precision applies
            decimals = printed_decimals
        stars = "*" * nstars
        if table in logit_tables:
            j = judge_logit_cell(row, column, rep, value, stars, decimals, se, stars_printed)
        else:
            j = judge_printed(rep.get("value", np.nan), value, decimals)
            m = _RANK.search(text or "")
            if m:
                rank = rep.get("rank")
                same = rank is not None and not pd.isna(rank) and int(rank) == int(m.group(1))
                j = Judgement(bool(j.ok and same), j.tolerance + f"; rank ({m.group(1)}) must match")
        verdicts.append(j)
    if len(verdicts) == 1:
        return verdicts[0]
    ok = any(j.ok for j in verdicts)
    return Judgement(
        ok,
        f"{verdicts[0].tolerance}; or the same against the errata's consistent value "
        + " or ".join(consistent)
        + " (errata.csv)",
    )


def _table_cells(study: Study, folder: Path, fits: dict) -> pd.DataFrame:
    from .paper import TABLES, published

    present = [t for t in TABLES if (Path(folder) / f"table{t.split()[-1]}.csv").exists()]
    if not present:
        return pd.DataFrame(columns=COLUMNS)
    pub = pd.concat([published(t, folder=Path(folder)) for t in present], ignore_index=True)
    pub = pub[pub["printed"].astype(str).str.strip() != ""].reset_index(drop=True)
    rep = reproduce(study, fits)
    logit_tables = {f.table for f in fits.values() if f.table}
    no_stars = {f.table for f in fits.values() if f.table and f.layout == "spss"}
    exact = {(r.table, r.row, r.column): r._asdict() for r in rep.itertuples(index=False)}
    loose = {(r.table, norm(r.row), norm(r.column)): r._asdict() for r in rep.itertuples(index=False)}
    printed_at = {(r.table, r.row, r.column): r.printed for r in pub.itertuples(index=False)}
    err = errata(folder)
    consistent: dict[tuple, list[str]] = {}
    for r in err.itertuples(index=False):
        consistent.setdefault((r.table, r.row, r.column), []).append(str(r.consistent_value))
    rows = []
    for r in pub.itertuples(index=False):
        key = (r.table, r.row, r.column)
        found = exact.get(key) or loose.get((r.table, norm(r.row), norm(r.column))) or {}
        se = None
        if r.table in logit_tables and _stat(r.column) == "B":
            se_text = printed_at.get((r.table, r.row, _se_column(r.column)), "")
            se = _parse(se_text)[0] if se_text else None
        j = _judge(
            r.table,
            r.row,
            r.column,
            r.printed,
            found,
            se,
            logit_tables,
            consistent.get(key, []),
            stars_printed=r.table not in no_stars,
        )
        if not found:
            j = Judgement(False, j.tolerance + "; not reproduced (the study lacks what this cell needs)")
        rows.append((r.table, r.row, r.column, r.printed, found.get("value", np.nan), j.tolerance, j.ok))
    return pd.DataFrame(rows, columns=COLUMNS)


def scorecard(study: Study, folder: str | Path | None = None, fits: dict | None = None) -> pd.DataFrame:
    """One row per published cell (tables, then the text's figures), judged against this study.

    Parameters
    ----------
    study : Study
        A loaded study.
    folder : str or pathlib.Path, optional
        The paper folder; by default the study's ``paper:``.
    fits : dict, optional
        Fitted models; ``None`` fits them.

    Returns
    -------
    pandas.DataFrame
        The columns of `COLUMNS`: table, row, column, paper (as printed), reproduced, tolerance
        (in words), ok (bool).

    Raises
    ------
    KeyError
        When the study has no ``paper:`` folder and none is given.
    """
    folder = Path(folder) if folder is not None else paper_folder(study)
    if folder is None:
        raise KeyError("This study's study.yml has no `paper:` folder of published tables to compare with.")
    fits = _fits(study) if fits is None else fits
    parts = [_table_cells(study, folder, fits)]
    if (folder / "sample_sizes.csv").exists():
        parts.append(sample_size_cells(study, folder))
    if (folder / "text_figures.csv").exists():
        parts.append(text_cells(study, folder, fits))
    card = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=COLUMNS)
    )
    card["ok"] = card["ok"].astype(bool)
    return card[COLUMNS]


def sample_size_cells(study: Study, folder: str | Path) -> pd.DataFrame:
    """The group sizes printed in headers ("Puno (n=538)"), as cells with row ``n``, judged exactly.

    They are Table 3's households per region, Table 6's surveyed households and Table 8's escapers.

    Parameters
    ----------
    study : Study
        A loaded study.
    folder : str or pathlib.Path
        The paper folder (sample_sizes.csv).

    Returns
    -------
    pandas.DataFrame
        The columns of `COLUMNS`.
    """
    from stagesofprogress import livestock as lv

    from .paper import sample_sizes

    found: dict[tuple[str, str], float] = {}
    for g, n in study.households.groupby("region", sort=False).size().items():
        found[("Table 3", str(g))] = float(n)
    if study.has("livestock"):
        for r in lv.holdings(study).drop_duplicates("group").itertuples():
            found[("Table 6", r.group)] = float(r.base)
        for r in lv.herd_sizes(study).drop_duplicates("group").itertuples():
            found[("Table 8", r.group)] = float(r.n)
    rows = []
    for r in sample_sizes(Path(folder)).itertuples(index=False):
        value = found.get((r.table, str(r.group)), np.nan)
        j = judge_exact(value, float(r.n))
        rows.append(
            (r.table, "n", str(r.group), str(r.n), value, j.tolerance + " (group size printed in the header)", j.ok)
        )
    return pd.DataFrame(rows, columns=COLUMNS)


# ------------------------------------------------------------------------- text figures


def text_cells(study: Study, folder: str | Path, fits: dict | None = None) -> pd.DataFrame:
    """The prose's figures, each judged by the rule its row of ``text_figures.csv`` states.

    The rule (what is computed, how it is compared, the tolerance) is data, read and checked
    by `text_scoring`; figures marked ``not_scored`` are left out.

    Parameters
    ----------
    study : Study
        A loaded study.
    folder : str or pathlib.Path
        The paper folder (text_figures.csv).
    fits : dict, optional
        Fitted models; ``None`` fits them.

    Returns
    -------
    pandas.DataFrame
        The columns of `COLUMNS`.
    """
    from .text_scoring import text_cells as _text_cells

    return _text_cells(study, folder, fits)


def tables(study: Study) -> dict[str, pd.DataFrame]:
    """The ``sop tables`` plug-in (entry point group ``stagesofprogress.tables``).

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``scorecard.csv`` and ``scorecard_summary.csv`` for a study whose ``paper:`` folder exists;
        empty for any other study.
    """
    if paper_tables.paper_folder(study) is None:
        return {}
    card = scorecard(study)
    return {"scorecard.csv": card, "scorecard_summary.csv": scorecard_summary(card)}
