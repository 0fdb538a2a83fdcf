"""The scorecard's text figures: each figure quoted in the prose, recomputed by the rule its row states.

How a figure is judged is data, written once per figure in ``text_figures.csv`` (documented in
``data/paper/README.md``), never guessed from its sentence:

* ``measure`` names what is computed (one of `MEASURES`), through the same library functions the
  chapters call; ``table``, ``variable``, ``region``, ``category`` and ``period`` say of what;
* ``comparison`` (``equal``, ``approximately``, ``at least``) and ``tolerance`` say how the
  computed value is compared with the quoted ``value``;
* ``not_scored`` gives the reason a figure has no measure (the data contract cannot speak to it).

Region names are resolved against the study's own regions (loosely, as the scorecard matches
labels); ``all`` is the pooled group. A rule the study lacks the inputs for gives a blank
``reproduced`` and ``ok`` False: the scorecard counts it as a miss.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from stagesofprogress import movements as mv
from stagesofprogress.study import Study

from .judging import EPS, Judgement, _fmt, norm
from .scorecard import COLUMNS, TEXT, _fits

__all__ = ["RULE_COLUMNS", "MEASURES", "COMPARISONS", "TextRuleError", "text_rules", "judge_text", "text_cells"]

#: The columns of ``text_figures.csv`` that state a figure's judging rule.
RULE_COLUMNS = ["measure", "table", "variable", "region", "category", "period", "comparison", "tolerance", "not_scored"]
#: How a computed value may be compared with the quoted one.
COMPARISONS = ("equal", "approximately", "at least")
_NEEDS_TOLERANCE = {"equal", "approximately"}


class TextRuleError(ValueError):
    """``text_figures.csv`` states a rule the scorecard cannot apply (every problem, with row and column)."""


# ------------------------------------------------------------------------- what the measures need


class _Ctx:
    """The study, its fitted models and the tables the measures share, computed once."""

    def __init__(self, study: Study, fits: dict):
        self.study, self.fits = study, fits
        self._cache: dict = {}

    def region(self, token: str) -> str:
        for r in self.study.regions:
            if norm(r) == norm(token):
                return r
        if token.lower() in ("all", "both"):
            return mv.ALL
        raise KeyError(f"no region {token!r} in this study")

    def cached(self, key, fn: Callable):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def movement(self, cat: str, a: int, b: int, region: str) -> float:
        s = self.cached(("mv", a, b), lambda: mv.movement_summary(self.study, a, b))
        return float(s.loc[region, cat])

    def poor(self, year: int, region: str) -> float:
        t = self.cached("poor", lambda: mv.poverty_rates(self.study))
        return float(t[(t["year"] == year) & (t["group"] == region)]["percent_poor"].iloc[0])

    def community(self, column: str, region: str, how: str) -> float:
        df = self.study.table("communities")
        if region != mv.ALL:
            df = df[df["region"].astype(str) == region]
        v = pd.to_numeric(df[column], errors="coerce")
        return float({"mean": v.mean(), "min": v.min(), "max": v.max(), "percent": 100 * v.mean()}[how])

    def sample_mean(self, column: str, region: str, cat: str = "", a: int = 0, b: int = 0) -> float:
        smp = self.study.table("sample").set_index("household_id")
        smp.index = smp.index.astype(str)
        hh = self.study.households.set_index(self.study.households["household_id"].astype(str))
        keep = hh["region"].reindex(smp.index).astype(str) == region
        if cat:
            c = mv.movement_categories(self.study, a, b)
            c.index = c.index.astype(str)
            keep &= (c.reindex(smp.index) == cat).fillna(False).to_numpy(dtype=bool)
        return float(pd.to_numeric(smp.loc[keep.to_numpy(), column], errors="coerce").mean())

    def livestock(self, fn: str, item: str, year: int, region: str, field: str, cat: str) -> float:
        from stagesofprogress import livestock as lv

        t = self.cached(("lv", fn, cat), lambda: getattr(lv, fn)(self.study, category=cat))
        key = "item" if "item" in t.columns else "label"
        hit = t[(t["group"] == region) & (t[key].map(norm) == norm(item)) & (t["year"] == year)]
        return float(hit[field].iloc[0])


def _years(period: str) -> tuple[int, int]:
    a, _, b = period.partition("-")
    return int(a), int(b)


# ------------------------------------------------------------------------- the measures
# Each takes the context and one rule (a row of text_figures.csv as a dict of strings).


def _communities(c: _Ctx, r: dict) -> float:
    return float(c.study.households["community"].nunique())


def _communities_per_region(c: _Ctx, r: dict) -> float:
    return float(c.study.households.groupby("region")["community"].nunique().mean())


def _households(c: _Ctx, r: dict) -> float:
    return float(len(c.study.households))


def _households_sampled(c: _Ctx, r: dict) -> float:
    return float(len(c.study.table("sample")))


def _sampled_percent(c: _Ctx, r: dict) -> float:
    return 100.0 * len(c.study.table("sample")) / len(c.study.households)


def _community(how: str) -> Callable[[_Ctx, dict], float]:
    def measure(c: _Ctx, r: dict) -> float:
        return c.community(r["variable"], c.region(r["region"]), how)

    return measure


def _stages(c: _Ctx, r: dict) -> float:
    return float(c.study.n_stages)


def _poverty_cutoff(c: _Ctx, r: dict) -> float:
    return float(c.study.poverty_cutoff)


def _movement(c: _Ctx, r: dict) -> float:
    return c.movement(r["category"], *_years(r["period"]), c.region(r["region"]))


def _poor(c: _Ctx, r: dict) -> float:
    return c.poor(int(r["period"]), c.region(r["region"]))


def _poverty_fall(c: _Ctx, r: dict) -> float:
    a, b = _years(r["period"])
    region = c.region(r["region"])
    return c.poor(a, region) - c.poor(b, region)


def _newly_poor_share(c: _Ctx, r: dict) -> float:
    a, b = _years(r["period"])
    region = c.region(r["region"])
    became, remained = c.movement("became_poor", a, b, region), c.movement("remained_poor", a, b, region)
    return 100.0 * became / (became + remained)


def _reason_share(c: _Ctx, r: dict) -> float:
    from stagesofprogress import reasons as rs

    a, b = _years(r["period"])
    t = c.cached(("rs", a, b), lambda: rs.reason_shares(c.study, [(a, b)]))
    region = c.region(r["region"])
    hit = t[(t["group"] == region) & (t["category"] == r["category"]) & (t["reason"] == r["variable"])]
    return float(hit["percent"].iloc[0])


def _odds_ratio(c: _Ctx, r: dict) -> float:
    for fit in c.fits.values():
        if fit.table == r["table"] and fit.results:
            single = len(fit.results) == 1 and not fit.spec.get("by")
            res = next(iter(fit.results.values())) if single else fit.results[c.region(r["region"])]
            return float(np.exp(res.coef[r["variable"]]))
    raise KeyError(f"no fitted model for {r['table']}")


def _sample_mean(c: _Ctx, r: dict) -> float:
    a, b = _years(r["period"]) if r["period"] else (0, 0)
    return c.sample_mean(r["variable"], c.region(r["region"]), r["category"], a, b)


def _sample_percent(c: _Ctx, r: dict) -> float:
    return 100.0 * c.sample_mean(r["variable"], c.region(r["region"]))


def _correctly_predicted_min(c: _Ctx, r: dict) -> float:
    tables = {t.strip() for t in r["table"].split(";")}
    vals = [min(res.pct_correct.values()) for f in c.fits.values() if f.table in tables for res in f.results.values()]
    return float(min(vals))


def _livestock(fn: str, field: str) -> Callable[[_Ctx, dict], float]:
    def measure(c: _Ctx, r: dict) -> float:
        return c.livestock(fn, r["variable"], int(r["period"]), c.region(r["region"]), field, r["category"])

    return measure


def _production_ratio(c: _Ctx, r: dict) -> float:
    a, b = _years(r["period"])
    region = c.region(r["region"])
    end = c.livestock("production_shares", r["variable"], b, region, "quantity", r["category"])
    return end / c.livestock("production_shares", r["variable"], a, region, "quantity", r["category"])


#: measure name -> (the function computing it, the rule columns it reads).
MEASURES: dict[str, tuple[Callable[[_Ctx, dict], float], tuple[str, ...]]] = {
    "communities": (_communities, ()),
    "communities_per_region": (_communities_per_region, ()),
    "households": (_households, ()),
    "households_sampled": (_households_sampled, ()),
    "sampled_percent": (_sampled_percent, ()),
    "community_min": (_community("min"), ("variable", "region")),
    "community_max": (_community("max"), ("variable", "region")),
    "community_mean": (_community("mean"), ("variable", "region")),
    "community_percent": (_community("percent"), ("variable", "region")),
    "stages": (_stages, ()),
    "poverty_cutoff": (_poverty_cutoff, ()),
    "movement": (_movement, ("category", "period", "region")),
    "poor": (_poor, ("period", "region")),
    "poverty_fall": (_poverty_fall, ("period", "region")),
    "newly_poor_share": (_newly_poor_share, ("period", "region")),
    "reason_share": (_reason_share, ("variable", "category", "period", "region")),
    "odds_ratio": (_odds_ratio, ("table", "variable")),
    "sample_mean": (_sample_mean, ("variable", "region")),
    "sample_percent": (_sample_percent, ("variable", "region")),
    "correctly_predicted_min": (_correctly_predicted_min, ("table",)),
    "holding_percent": (_livestock("holdings", "percent"), ("variable", "category", "period", "region")),
    "herd_mean": (_livestock("herd_sizes", "mean"), ("variable", "category", "period", "region")),
    "production_percent": (_livestock("production_shares", "percent"), ("variable", "category", "period", "region")),
    "production_ratio": (_production_ratio, ("variable", "category", "period", "region")),
}

_PERIOD_IS_RANGE = {"movement", "poverty_fall", "newly_poor_share", "reason_share", "production_ratio"}
_PERIOD_IS_YEAR = {"poor", "holding_percent", "herd_mean", "production_percent"}


# ------------------------------------------------------------------------- reading the rules


def _period_problem(measure: str, period: str) -> str:
    parts = period.split("-")
    if not period or not all(p.isdigit() and len(p) == 4 for p in parts):
        return "" if not period else f"period {period!r} is not a year or a range of years such as 1994-2004"
    if measure in _PERIOD_IS_RANGE and len(parts) != 2:
        return f"measure {measure} needs a period of two years such as 1994-2004, not {period!r}"
    if measure in _PERIOD_IS_YEAR and len(parts) != 1:
        return f"measure {measure} needs a single year, not {period!r}"
    return ""


def _row_problems(r: dict) -> list[tuple[str, str]]:
    """(column, problem) for one row of the file."""
    measure = r["measure"]
    if not measure:
        return [] if r["not_scored"] else [("measure", "no measure and no not_scored reason")]
    if measure not in MEASURES:
        return [("measure", f"unknown measure {measure!r} (expected one of {', '.join(MEASURES)})")]
    out = [(col, f"measure {measure} needs a {col}") for col in MEASURES[measure][1] if not r[col]]
    if (p := _period_problem(measure, r["period"])) and not any(col == "period" for col, _ in out):
        out.append(("period", p))
    if r["comparison"] not in COMPARISONS:
        out.append(("comparison", f"comparison {r['comparison']!r} is not one of {', '.join(COMPARISONS)}"))
    elif r["comparison"] in _NEEDS_TOLERANCE:
        try:
            ok = float(r["tolerance"]) >= 0
        except ValueError:
            ok = False
        if not ok:
            out.append(("tolerance", f"comparison {r['comparison']} needs a tolerance >= 0, not {r['tolerance']!r}"))
    return out


def text_rules(folder: str | Path) -> pd.DataFrame:
    """The text figures of ``folder/text_figures.csv`` with their judging rules, checked.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder of published tables (``data/paper`` or a study's ``paper:`` folder).

    Returns
    -------
    pandas.DataFrame
        One row per figure: the file's columns as strings (``value`` as float), with every
        column of `RULE_COLUMNS` present (blank when the file has none: such figures are not scored).

    Raises
    ------
    TextRuleError
        Listing every row and column whose rule cannot be applied.
    """
    from .paper import text_figures

    df = text_figures(Path(folder))
    missing = [c for c in RULE_COLUMNS if c not in df.columns]
    for c in missing:
        df[c] = ""
    if missing == RULE_COLUMNS:
        df["not_scored"] = "the file states no judging rules"
    problems = [
        f"text_figures.csv, row {i + 2}, column {col}: {msg}"
        for i, r in enumerate(df[RULE_COLUMNS].to_dict("records"))
        for col, msg in _row_problems({k: str(v).strip() for k, v in r.items()})
    ]
    if problems:
        raise TextRuleError("\n".join(problems))
    return df


# ------------------------------------------------------------------------- judging


def judge_text(value: float, quoted: float, comparison: str, tolerance: float, unit: str) -> Judgement:
    """Judge a recomputed text figure against the quoted one by its stated comparison.

    Parameters
    ----------
    value : float
        The figure as computed from the study (NaN when it could not be: never ok).
    quoted : float
        The figure as the text gives it.
    comparison : {"equal", "approximately", "at least"}
        ``equal``: within ``tolerance``; ``approximately``: the same, for a figure the text
        itself calls rough; ``at least``: any value from ``quoted`` up (``tolerance`` unused).
    tolerance : float
        Allowed distance, in the figure's unit.
    unit : str
        The figure's unit, quoted in the tolerance sentence.

    Returns
    -------
    Judgement
        The verdict and the sentence the scorecard prints in its ``tolerance`` column.
    """
    finite = bool(np.isfinite(value))
    if comparison == "at least":
        return Judgement(bool(finite and value >= quoted - EPS), f"at least {_fmt(quoted)} (a lower bound)")
    ok = bool(finite and abs(value - quoted) <= tolerance + EPS)
    if comparison == "approximately":
        return Judgement(ok, f"within {_fmt(tolerance)} ({unit}; the text calls the figure approximate)")
    return Judgement(ok, f"within {_fmt(tolerance)} ({unit})")


def text_cells(study: Study, folder: str | Path, fits: dict | None = None) -> pd.DataFrame:
    """The prose's figures as scorecard rows, each judged by the rule its row states.

    Parameters
    ----------
    study : Study
        The study whose numbers are compared with the text's.
    folder : str or pathlib.Path
        The folder of published tables holding ``text_figures.csv``.
    fits : dict, optional
        The study's fitted models (computed when not given).

    Returns
    -------
    pandas.DataFrame
        The scorecard's columns, ``table`` = "Text", ``row`` = the figure's id, ``column`` =
        its scope; figures with no measure (``not_scored``) are left out.

    Raises
    ------
    TextRuleError
        When a row's rule cannot be applied (see `text_rules`).
    """
    fits = _fits(study) if fits is None else fits
    ctx = _Ctx(study, fits)
    rows = []
    for r in text_rules(folder).to_dict("records"):
        rule = {k: str(r[k]).strip() for k in RULE_COLUMNS}
        if not rule["measure"]:
            continue
        try:
            value = MEASURES[rule["measure"]][0](ctx, rule)
        except (KeyError, IndexError, ValueError, ZeroDivisionError):
            value = np.nan  # the study lacks what the rule needs: a miss
        tolerance = float(rule["tolerance"]) if rule["tolerance"] else 0.0
        j = judge_text(value, float(r["value"]), rule["comparison"], tolerance, r["unit"])
        rows.append((TEXT, r["id"], r["scope"], f"{r['value']:g}", value, j.tolerance, j.ok))
    return pd.DataFrame(rows, columns=COLUMNS)
