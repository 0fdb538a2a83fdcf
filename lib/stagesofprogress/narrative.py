"""The book's sentences: every statement of a finding, generated from the study's own numbers.

Each function takes a study (or a fitted model) and returns either glue-ready strings (a dict
of pre-formatted values for `{glue:text}`) or one piece of Markdown (`safetext.MD`, every study
value escaped). The wording follows the numbers: ties are named as ties, a model with no
significant variable or a group the data cannot support says so, a study with one region gets
no comparison of regions, and several regions are listed one per line. Nothing here knows the
paper: its findings are shown only by `display.paper_says`, for a study that declares it.

* study and movements: `study_summary`, `glue_study`, `main_periods`, `movement_facts`,
  `glue_movement_facts`, `region_movement_text`, `region_comparison_text`;
* reasons: `reason_leaders`, `reason_leaders_text`, `reason_trend_text`;
* models: `model_findings`, `model_findings_text`, `logit_example`;
* other analyses: `community_text`, `assets_facts`, `holdings_text`, `conclusions_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import movements as mv
from . import safetext
from .display import fmt, glue_text
from .layouts import TABLE3_COLUMNS, period_name, reason_periods
from .safetext import MD, md, md_join
from .study import Study

if TYPE_CHECKING:  # annotations only
    from .models import ModelFit

__all__ = [
    "SYNTHETIC_MARK",
    "unpinned",
    "replica_note",
    "glue_unpinned_mark",
    "join",
    "md_list",
    "study_summary",
    "glue_study",
    "main_periods",
    "movement_facts",
    "glue_movement_facts",
    "region_movement_text",
    "region_comparison_text",
    "reason_leaders",
    "reason_leaders_text",
    "reason_trend",
    "reason_trend_text",
    "model_findings",
    "model_findings_text",
    "odds_shift",
    "escape_rate",
    "logit_example",
    "community_text",
    "assets_facts",
    "holdings_text",
    "conclusions_text",
    "clustering_text",
    "CATEGORY_PHRASES",
]

#: How a sentence names the households of each movement category.
CATEGORY_PHRASES = {
    "escaped": "households that escaped poverty",
    "became_poor": "households that became poor",
    "remained_poor": "households that remained poor",
    "remained_not_poor": "households that remained not poor",
}


SYNTHETIC_MARK = "synthetic: not from the paper"


def _is_replica(study: Study) -> bool:
    """A synthetic study that declares a paper: its numbers stand beside published ones."""
    return bool(study.synthetic and study.meta.get("paper"))


def unpinned(study: Study, template: str, /, **values) -> MD:
    """Markdown of a result that the study's paper does not determine, marked on a replica.

    `template` and `values` are as in `safetext.md`. On a synthetic study that declares a
    paper (the replica) the text is prefixed with the visible marker `SYNTHETIC_MARK` and
    followed by a sentence saying that the number shows how the replica was generated, not a
    finding; on any other study it is returned unmarked (there it is the study's own finding).
    """
    text = md(template, **values)
    if not _is_replica(study):
        return text
    return md(
        "*[{mark}]* {text} The paper publishes nothing that fixes these numbers: on the replica they show how "
        "the data were generated, not a finding.",
        mark=SYNTHETIC_MARK,
        text=text,
    )


def replica_note(study: Study, template: str, /, **values) -> MD:
    """A sentence shown only on the replica, marked `SYNTHETIC_MARK` (empty Markdown elsewhere):
    for saying which of the numbers just shown the paper does not determine."""
    if not _is_replica(study):
        return MD("")
    return md("*[{mark}]* {text}", mark=SYNTHETIC_MARK, text=md(template, **values))


def glue_unpinned_mark(study: Study, name: str = "unpinned_mark", note: str = "") -> str:
    """Glue, for prose about results the paper does not determine, the marker and `note` on the
    replica ("[synthetic: not from the paper] " + note); elsewhere a blank (a space, so the
    glue is never empty)."""
    return glue_text(name, f"[{SYNTHETIC_MARK}] {note}".strip() if _is_replica(study) else " ")


def join(items: Iterable[str]) -> str:
    """Plain-text list: ``a, b and c``.

    Parameters
    ----------
    items : iterable of str
        The items (a list or tuple).

    Returns
    -------
    str
        Empty text for no item, the item for one.
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def md_list(items: Iterable[object]) -> MD:
    """A Markdown list in prose, ``a, b and c``: items that are not `MD` are escaped.

    Parameters
    ----------
    items : iterable of object
        Study text, numbers, or `MD` already escaped.

    Returns
    -------
    MD
        Markdown safe to show.
    """
    items = [safetext._inert(i) for i in items]
    if len(items) <= 1:
        return md_join("", items)
    return md("{head} and {last}", head=md_join(", ", items[:-1]), last=items[-1])


def _ties(values: pd.Series, tol: float = 1e-9) -> list:
    """Labels of the largest value of `values` (all of them when several are equal)."""
    v = values.dropna()
    if v.empty:
        return []
    top = v.max()
    return [k for k, x in v.items() if abs(x - top) <= tol]


def study_summary(study: Study) -> dict[str, str]:
    """Glue-ready strings describing the study: title, households, communities, regions, years.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to str
        Keys ``title``, ``n_households``, ``n_communities``, ``n_regions``, ``regions``,
        ``first_year``, ``survey_year``, ``years``, ``n_stages``, ``cutoff``, ``cutoff_stage`` (the
        label of the highest poor stage) and ``first_nonpoor_stage``.
    """
    hh = study.households
    regions = study.regions
    return {
        "title": study.title,
        "n_households": f"{len(hh):,}",
        "n_communities": f"{hh['community'].nunique():,}",
        "n_regions": f"{len(regions)}",
        "regions": join(regions),
        "first_year": str(study.time_points[0]),
        "survey_year": str(study.survey_year),
        "years": join([str(y) for y in study.time_points]),
        "n_stages": str(study.n_stages),
        "cutoff": str(study.poverty_cutoff),
        "cutoff_stage": study.stages[study.poverty_cutoff - 1],
        "first_nonpoor_stage": study.stages[study.poverty_cutoff],
    }


def glue_study(study: Study, prefix: str = "study_") -> dict[str, str]:
    """Glue every item of `study_summary` as ``study_<key>`` (e.g. ``study_n_households``).

    Parameters
    ----------
    study : Study
        A loaded study.
    prefix : str
        Put before each key to make the glue name.

    Returns
    -------
    dict of str to str
        `study_summary`, keys without the prefix.
    """
    out = study_summary(study)
    for k, v in out.items():
        glue_text(prefix + k, v)
    return out


def main_periods(study: Study) -> dict[str, tuple[int, int]]:
    """The two periods the prose talks about, the long one and the short one.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to tuple of (int, int)
        ``long``: the first time point to the survey; ``short``: the last earlier time point to
        the survey (equal to ``long`` with two time points).
    """
    tp = study.time_points
    return {"long": (tp[0], tp[-1]), "short": (tp[-2], tp[-1])}


def movement_facts(study: Study) -> dict[str, str]:
    """Glue-ready strings for every movement number the chapters quote.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to str
        For p in ``long``/``short``: ``<p>_start``, ``<p>_end``, ``<p>_years`` and
        ``<p>_<quantity>`` (percent of all households, one decimal) for the four categories,
        ``poor_at_start`` and ``poor_at_end``; ``<p>_n`` (households known in both years);
        ``<p>_new_poor_share`` (percent of the poor at the end who were not poor at the start);
        ``<p>_top_escape_region`` / ``<p>_top_escape_pct`` and ``<p>_top_descent_region`` /
        ``<p>_top_descent_pct`` (the region with the highest share escaping / becoming poor);
        ``poor_<year>`` for every time point, ``poor_first`` and ``poor_last``.
    """
    out: dict[str, str] = {}
    for tag, (a, b) in main_periods(study).items():
        t = mv.movement_summary(study, a, b)
        allr = t.loc[mv.ALL]
        out[f"{tag}_start"], out[f"{tag}_end"], out[f"{tag}_years"] = str(a), str(b), str(b - a)
        for col in TABLE3_COLUMNS:
            out[f"{tag}_{col}"] = fmt(allr[col])
        out[f"{tag}_n"] = f"{int(allr['households']):,}"
        pe = allr["poor_at_end"]
        out[f"{tag}_new_poor_share"] = fmt(100 * allr["became_poor"] / pe if pe else float("nan"), ".0f")
        regions = t.drop(index=mv.ALL)
        if len(regions):
            for key, col in (("escape", "escaped"), ("descent", "became_poor")):
                s = regions[col].dropna()
                top = _ties(s.round(1))
                out[f"{tag}_top_{key}_region"] = join([str(r) for r in top]) if top else "n/a"
                out[f"{tag}_top_{key}_pct"] = fmt(s.max() if len(s) else float("nan"))
    rates = mv.poverty_rates(study)
    for _, row in rates[rates["group"] == mv.ALL].iterrows():
        out[f"poor_{int(row['year'])}"] = fmt(row["percent_poor"])
    out["poor_first"] = out[f"poor_{study.time_points[0]}"]
    out["poor_last"] = out[f"poor_{study.survey_year}"]
    return out


def glue_movement_facts(study: Study, prefix: str = "mv_") -> dict[str, str]:
    """Glue every `movement_facts` item as ``mv_<key>`` (e.g. ``mv_long_escaped``).

    Parameters
    ----------
    study : Study
        A loaded study.
    prefix : str
        Put before each key to make the glue name.

    Returns
    -------
    dict of str to str
        `movement_facts`, keys without the prefix.
    """
    facts = movement_facts(study)
    for k, v in facts.items():
        glue_text(prefix + k, v)
    return facts


def region_movement_text(study: Study, start: int, end: int) -> MD:
    """One Markdown bullet per region: escapes, descents and poverty at both ends of the period.

    Parameters
    ----------
    study : Study
        A loaded study.
    start, end : int
        The period.

    Returns
    -------
    MD
        Bullets with percentages of the region's households; region names escaped.
    """
    t = mv.movement_summary(study, start, end)
    lines = []
    for region, r in t.drop(index=mv.ALL).iterrows():
        lines.append(
            md(
                "- **{region}** ({n:,} households): {esc} percent escaped poverty and {fell} percent became "
                "poor; the share poor went from {start} to {end} percent.",
                region=region,
                n=int(r["households"]),
                esc=fmt(r["escaped"]),
                fell=fmt(r["became_poor"]),
                start=fmt(r["poor_at_start"]),
                end=fmt(r["poor_at_end"]),
            )
        )
    return md_join("\n", lines)


def community_text(study: Study) -> MD:
    """A short computed paragraph on the communities: altitude, market distance, livestock income.

    Each sentence needs its column of communities.csv (``altitude_m``,
    ``dist_trading_center_km``, ``pct_income_livestock``) and is left out without it.

    Parameters
    ----------
    study : Study
        A loaded study with communities.csv.

    Returns
    -------
    MD
        Markdown with the regions' means; study text escaped.
    """
    c = study.table("communities")
    parts = []
    by = c.groupby("region", sort=False)
    regions = [r for r in study.regions if r in by.groups] or list(by.groups)
    if "altitude_m" in c.columns:
        alt = by["altitude_m"].agg(["mean", "min", "max", "size"]).reindex(regions)
        bits = [
            md(
                "{mean} m in {r} ({n} communities, from {lo} to {hi} m)",
                mean=fmt(a["mean"], ",.0f"),
                r=r,
                n=int(a["size"]),
                lo=fmt(a["min"], ",.0f"),
                hi=fmt(a["max"], ",.0f"),
            )
            for r, a in alt.iterrows()
        ]
        parts.append(md("The communities lie on average at {x}.", x=md_list(bits)))
    if "dist_trading_center_km" in c.columns:
        d = by["dist_trading_center_km"].mean().reindex(regions)
        parts.append(
            md(
                "The nearest trading centre is on average {x}.",
                x=md_list([md("{v} km away in {r}", v=fmt(v), r=r) for r, v in d.items()]),
            )
        )
    if "pct_income_livestock" in c.columns:
        d = by["pct_income_livestock"].mean().reindex(regions)
        bits = [
            md("{v} percent of community income in {r}" if i == 0 else "{v} percent in {r}", v=fmt(v, ".0f"), r=r)
            for i, (r, v) in enumerate(d.items())
        ]
        parts.append(md("Livestock provides on average {x}.", x=md_list(bits)))
    return md_join(" ", parts)


def assets_facts(study: Study, column: str = "assets") -> dict[str, str]:
    """Lowest and highest mean of `column` by stage and whether it rises at every step.

    Parameters
    ----------
    study : Study
        A loaded study with `column` in households.csv.
    column : str
        The numeric households.csv column.

    Returns
    -------
    dict of str to str
        ``low`` and ``high`` (the means of the lowest and highest occupied stage, two decimals, or
        ``n/a``) and ``pattern`` (a phrase: rises at every step, in k of n steps, or cannot be compared).
    """
    t = mv.mean_by_stage(study, column)
    m = t["mean"].dropna()
    steps = np.diff(m.to_numpy())
    if len(steps) and (steps > 0).all():
        pattern = "rise at every step"
    elif len(steps):
        pattern = f"rise in {int((steps > 0).sum())} of {len(steps)} steps"
    else:
        pattern = "cannot be compared (a single stage is occupied)"
    return {
        "low": fmt(m.iloc[0], ".2f") if len(m) else "n/a",
        "high": fmt(m.iloc[-1], ".2f") if len(m) else "n/a",
        "pattern": pattern,
    }


def odds_shift(p0: float, ratio: float) -> float:
    """Probability after multiplying the odds p0/(1-p0) by `ratio`: r p0 / (1 - p0 + r p0).

    Parameters
    ----------
    p0 : float
        The probability before (0-1).
    ratio : float
        The odds ratio.

    Returns
    -------
    float
        The probability after (0-1).

    Examples
    --------
    >>> odds_shift(0.2, 2.0)
    0.3333333333333333
    """
    return ratio * p0 / (1.0 - p0 + ratio * p0)


def escape_rate(study: Study) -> float:
    """Share of the households poor at the start of the long period that escaped.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    float
        A share (0-1); NaN when nobody was poor at the start.
    """
    a, b = main_periods(study)["long"]
    t = mv.movement_summary(study, a, b).loc[mv.ALL]
    return float(t["escaped"] / t["poor_at_start"]) if t["poor_at_start"] else float("nan")


def logit_example(study: Study, ratios: Sequence[float] = (2.0, 0.5)) -> dict[str, str]:
    """A worked odds-ratio example on the study, for the chapter on the logit model.

    The long-period escape rate among households poor at the start is the base probability;
    each ratio gives the shifted probability (`odds_shift`).

    Parameters
    ----------
    study : Study
        A loaded study.
    ratios : sequence of float
        The odds ratios of the example.

    Returns
    -------
    dict of str to str
        ``base_pct``, ``base_odds``, and for each ratio (i = 1, 2, ...) ``ratio_<i>`` (formatted
        like ``2`` or ``0.5``), ``odds_<i>`` and ``pct_<i>``.
    """
    p0 = escape_rate(study)
    out = {"base_pct": fmt(100 * p0), "base_odds": fmt(p0 / (1 - p0) if p0 < 1 else float("nan"), ".2f")}
    for i, r in enumerate(ratios, start=1):
        p1 = odds_shift(p0, r)
        out[f"ratio_{i}"] = f"{r:g}"
        out[f"odds_{i}"] = fmt(r * p0 / (1 - p0) if p0 < 1 else float("nan"), ".2f")
        out[f"pct_{i}"] = fmt(100 * p1)
    return out


# --------------------------------------------------------------------------- regions


def region_comparison_text(study: Study, start: int, end: int) -> MD:
    """Which region did better over a period: most escapes, fewest descents, least poverty at the end.

    With one region it says so and compares nothing; ties are named as ties.

    Parameters
    ----------
    study : Study
        A loaded study.
    start, end : int
        The period.

    Returns
    -------
    MD
        A Markdown sentence or two; region names escaped.
    """
    t = mv.movement_summary(study, start, end).drop(index=mv.ALL)
    t = t[t["households"] > 0]
    if len(t) == 0:
        return MD("")
    if len(t) == 1:
        return md("The study has a single region, {r}, so no regions are compared.", r=str(t.index[0]))
    per = period_name(start, end)

    def best(col: str, lowest: bool, verb: str) -> MD:
        s = -t[col] if lowest else t[col]
        top = _ties(s.round(1))
        v = fmt(t.loc[top[0], col])
        if len(top) == len(t):
            return md("every region {verb} the same share ({v} percent)", verb=MD(verb), v=v)
        if len(top) > 1:
            return md(
                "{rs} tie for the {which} share {verb} ({v} percent each)",
                rs=md_list(top),
                which=MD("lowest" if lowest else "highest"),
                verb=MD(verb),
                v=v,
            )
        return md(
            "{r} had the {which} share {verb} ({v} percent)",
            r=str(top[0]),
            which=MD("lowest" if lowest else "highest"),
            verb=MD(verb),
            v=v,
        )

    measures = [
        ("escaped", False, "escaping poverty"),
        ("became_poor", True, "becoming poor"),
        ("poor_at_end", True, "poor at the end"),
    ]
    winners = [_ties((-t[c] if low else t[c]).round(1)) for c, low, _ in measures]
    if all(len(w) == 1 and w[0] == winners[0][0] for w in winners):
        return md(
            "Over {per}, {r} did better on every count: the highest share escaping poverty ({a} percent), "
            "the lowest share becoming poor ({b} percent) and the lowest share poor at the end ({c} "
            "percent).",
            per=per,
            r=str(winners[0][0]),
            a=fmt(t.loc[winners[0][0], "escaped"]),
            b=fmt(t.loc[winners[0][0], "became_poor"]),
            c=fmt(t.loc[winners[0][0], "poor_at_end"]),
        )
    parts = [best(c, low, verb) for c, low, verb in measures]
    return md("Over {per}, {a}; {b}; {c}.", per=per, a=parts[0], b=parts[1], c=parts[2])


# --------------------------------------------------------------------------- reasons


def reason_leaders(study: Study, category: str, periods: Sequence[tuple[int, int]] | None = None) -> pd.DataFrame:
    """The most cited reason(s) of one category's sampled households, per period and group.

    Groups are the regions then ``All`` (left out with a single region).

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        A movement category (`movements.CATEGORIES`).
    periods : sequence of tuple of (int, int), optional
        The periods; by default `layouts.reason_periods`.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``period``, ``group``, ``base`` (sampled households of that category), ``reasons``
        (list of labels, several when tied, empty when none was cited) and ``percent`` (their share,
        0-100).
    """
    from . import reasons as rs

    periods = list(periods or reason_periods(study))
    cols = ["period", "group", "base", "reasons", "percent"]
    if not periods:
        return pd.DataFrame(columns=cols)
    t = rs.reason_shares(study, periods)
    t = t[t["category"] == category]
    regions = [r for r in study.regions]
    groups = regions if len(regions) == 1 else [*regions, mv.ALL]
    rows = []
    for a, b in periods:
        d = t[(t["start"] == a) & (t["end"] == b)]
        for g in groups:
            dg = d[d["group"] == g]
            base = int(dg["base"].iloc[0]) if len(dg) else 0
            cited = dg[dg["households"] > 0].set_index("label")["percent"]
            top = _ties(cited.round(1))
            rows.append((period_name(a, b), g, base, top, float(cited.max()) if len(top) else float("nan")))
    return pd.DataFrame(rows, columns=cols)


def _group_phrase(g: str) -> MD:
    return MD("overall") if g == mv.ALL else md("in {g}", g=str(g))


def _leader_phrase(r) -> MD:
    where = _group_phrase(r["group"])
    if r["base"] == 0:
        return md("{where}, no sampled household is in this category", where=where)
    if not r["reasons"]:
        return md("{where}, none of the {n:,} sampled households cited a reason", where=where, n=int(r["base"]))
    who = md("of {n:,} sampled household{s}", n=int(r["base"]), s=MD("s" if r["base"] != 1 else ""))
    if len(r["reasons"]) > 1:
        return md(
            "{where}, {rs}, tied ({p} percent each {who})",
            where=where,
            rs=md_list(r["reasons"]),
            p=fmt(r["percent"], ".0f"),
            who=who,
        )
    return md(
        "{where}, {r} ({p} percent {who})", where=where, r=str(r["reasons"][0]), p=fmt(r["percent"], ".0f"), who=who
    )


def reason_leaders_text(study: Study, category: str) -> MD:
    """Markdown bullets, one per recorded period: the most cited reason of `category` in each group.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        A movement category (`movements.CATEGORIES`).

    Returns
    -------
    MD
        The bullets (empty when no reason is recorded for the category); study text escaped.
    """
    lead = reason_leaders(study, category)
    if lead.empty:
        return MD("")
    lines = []
    for per, d in lead.groupby("period", sort=False):
        bits = [_leader_phrase(r) for _, r in d.iterrows()]
        lines.append(
            md(
                "- **{per}**: the reason most often cited by {who}: {bits}.",
                per=per,
                who=MD(CATEGORY_PHRASES.get(category, category)),
                bits=md_join("; ", bits),
            )
        )
    return md_join("\n", lines)


def reason_trend(study: Study, category: str = "became_poor", reason: str | None = None) -> tuple[str, pd.DataFrame]:
    """The share of `category` households citing one reason in each recorded period, by group.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        A movement category (`movements.CATEGORIES`).
    reason : str, optional
        A reason code; ``None`` for the reason most cited by all the category's sampled households
        over the recorded periods (first in the study's order on a tie).

    Returns
    -------
    label : str
        The reason's label.
    table : pandas.DataFrame
        Rows: groups; columns: periods (`layouts.period_name`); percent (0-100). Its
        ``attrs["base"]`` holds the sampled households of the category per group and period.
        ``("", empty frame)`` when there is no such reason or fewer than two periods.
    """
    from . import reasons as rs

    periods = reason_periods(study)
    t = rs.reason_shares(study, periods)
    t = t[t["category"] == category]
    if len(periods) < 2 or t.empty:
        return "", pd.DataFrame()
    if reason is None:
        tot = t[t["group"] == mv.ALL].groupby("reason", sort=False)["households"].sum()
        if tot.empty or tot.max() == 0:
            return "", pd.DataFrame()
        reason = str(tot.idxmax())
    t = t[t["reason"] == reason]
    if t.empty:
        return "", pd.DataFrame()
    label = str(t["label"].iloc[0])
    t = t.assign(period=[period_name(a, b) for a, b in zip(t["start"], t["end"])])
    cols = [period_name(a, b) for a, b in periods]
    out = t.pivot_table(index="group", columns="period", values="percent", sort=False).reindex(columns=cols)
    base = t.pivot_table(index="group", columns="period", values="base", sort=False).reindex(columns=cols)
    out.columns.name = None
    out.index.name = None
    out.attrs["base"] = base.reindex(index=out.index)  # sampled households of the category, per period
    return label, out


def reason_trend_text(study: Study, category: str = "became_poor", reason: str | None = None) -> MD:
    """Whether the weight of a reason grew between the first and the last recorded period, group by group.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        A movement category (`movements.CATEGORIES`).
    reason : str, optional
        A reason code; ``None`` for the most cited (as `reason_trend`).

    Returns
    -------
    MD
        Markdown; empty with fewer than two recorded periods.
    """
    label, trend = reason_trend(study, category, reason)
    if trend.empty:
        return MD("")
    first, last = trend.columns[0], trend.columns[-1]
    groups = (
        [g for g in trend.index if g != mv.ALL]
        if len(trend.index) > 2 or mv.ALL not in trend.index
        else [g for g in trend.index if g != mv.ALL]
    )
    bits = []
    for g in groups:
        a, b = trend.loc[g, first], trend.loc[g, last]
        if pd.isna(a) or pd.isna(b):
            bits.append(md("cannot be compared in {g} (no sampled household in one of the periods)", g=str(g)))
            continue
        ra, rb = round(float(a)), round(float(b))
        verb = "rose" if rb > ra else "fell" if rb < ra else "stayed"
        base = trend.attrs.get("base")
        n = (
            md(" (of {x:,} and {y:,} sampled households)", x=int(base.loc[g, first]), y=int(base.loc[g, last]))
            if base is not None
            else MD("")
        )
        if verb == "stayed":
            bits.append(md("stayed at {a} percent in {g}{n}", a=fmt(a, ".0f"), g=str(g), n=n))
        else:
            bits.append(
                md(
                    "{verb} from {a} to {b} percent in {g}{n}",
                    verb=MD(verb),
                    a=fmt(a, ".0f"),
                    b=fmt(b, ".0f"),
                    g=str(g),
                    n=n,
                )
            )
    return md(
        "Among {who}, the share citing {what}, the reason most often given, {bits} between {first} and {last}.",
        who=MD(CATEGORY_PHRASES.get(category, category)),
        what=label,
        bits=md_list(bits),
        first=str(first),
        last=str(last),
    )


# --------------------------------------------------------------------------- models


def model_findings(fit: ModelFit, alpha: float = 0.1) -> pd.DataFrame:
    """What each group's model finds: one row per group, in block order.

    Columns: group, status ("shown" | "unsupported"), nobs, reason (why a group is not shown),
    raises / lowers (labels of the variables significant at `alpha` with an odds ratio above /
    below one, strongest first), ratios ({label: "1.93**"}), estimated (number of variables
    estimated, dropped ones excluded).

    Parameters
    ----------
    fit : ModelFit
        A fitted model of `models.fit_models`.
    alpha : float
        The significance level.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``status`` (``shown`` or ``unsupported``), ``nobs``, ``reason`` (why a
        group is not shown), ``raises`` / ``lowers`` (labels of the variables significant at `alpha`
        with an odds ratio above / below one, strongest first) and ``ratios`` (label to the printed
        odds ratio with stars, e.g. ``1.93**``) and ``estimated`` (variables estimated, dropped ones
        excluded).
    """
    rows = []
    groups = list(dict.fromkeys([*fit.group_order, *fit.results, *fit.errors]))
    for g in groups:
        r = fit.results.get(g)
        if r is None:
            rows.append((g, "unsupported", np.nan, str(fit.errors.get(g, "not estimated")), [], [], {}, 0))
            continue
        estimated = [t for t in r.predictors if t not in r.dropped and t in r.pvalue.index]
        kept = [t for t in estimated if r.pvalue[t] < alpha]
        kept.sort(key=lambda t: -abs(float(r.coef[t])))
        label = {t: str(fit.labels.get(t, t)) for t in kept}
        ratios = {label[t]: fmt(float(np.exp(r.coef[t])), ".2f") + r.stars[t] for t in kept}
        rows.append(
            (
                g,
                "shown",
                int(r.nobs),
                "",
                [label[t] for t in kept if r.coef[t] > 0],
                [label[t] for t in kept if r.coef[t] < 0],
                ratios,
                len(estimated),
            )
        )
    return pd.DataFrame(rows, columns=["group", "status", "nobs", "reason", "raises", "lowers", "ratios", "estimated"])


def model_findings_text(fit: ModelFit, alpha: float = 0.1, outcome: str = "the outcome") -> MD:
    """Markdown bullets, one per group, summarising what the model finds at the `alpha` level.

    Each bullet counts the significant variables among those estimated and names only the
    strongest on each side (the odds ratio furthest from one, with its stars), leaving the rest
    to the model's table; or says that none is significant, or why the group's model cannot be
    shown.

    Parameters
    ----------
    fit : ModelFit
        A fitted model of `models.fit_models`.
    alpha : float
        The significance level.
    outcome : str
        What the model explains, in words ("escaping poverty").

    Returns
    -------
    MD
        The bullets; study text escaped.
    """
    level = fmt(100 * alpha, ".0f")
    lines = []
    for _, f in model_findings(fit, alpha).iterrows():
        if f["status"] != "shown":
            why = str(f["reason"]).strip().rstrip(".")
            lines.append(md("- {g}: no model is shown. {why}.", g=str(f["group"]), why=why[:1].upper() + why[1:]))
            continue
        head = md("- {g} ({n:,} households):", g=str(f["group"]), n=int(f["nobs"]))
        k = len(f["raises"]) + len(f["lowers"])
        if not k:
            lines.append(md("{head} no variable is significant at the {level} percent level.", head=head, level=level))
            continue
        bits = []
        for key, verb in (("raises", "raise"), ("lowers", "lower")):
            labels = f[key]
            if not labels:
                continue
            top = labels[0]
            if len(labels) == 1:
                bits.append(
                    md(
                        "{l} (odds ratio {r}) {verb}s the odds of {o}",
                        l=top.lower(),
                        r=f["ratios"][top],
                        verb=verb,
                        o=outcome,
                    )
                )
            else:
                bits.append(
                    md(
                        "{n} {verb} the odds of {o}, most of all {l} (odds ratio {r})",
                        n=len(labels),
                        verb=verb,
                        o=outcome,
                        l=top.lower(),
                        r=f["ratios"][top],
                    )
                )
        lines.append(
            md(
                "{head} {k} of {m} variables significant; {bits}.",
                head=head,
                k=k,
                m=int(f["estimated"]),
                bits=md_join("; ", bits),
            )
        )
    return md_join("\n", lines)


# --------------------------------------------------------------------------- holdings and conclusions


def holdings_text(study: Study) -> MD:
    """Markdown bullets, one per region: the items whose holders' share rose most and fell most.

    The change is between the livestock survey's two years.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    MD
        The bullets; empty without livestock.csv or with fewer than two years.
    """
    if not study.has("livestock"):
        return MD("")
    from . import livestock

    t = livestock.holdings(study)
    years = sorted(t["year"].unique())
    if len(years) < 2:
        return MD("")
    a, b = years[0], years[-1]
    w = t.pivot_table(index=["group", "item"], columns="year", values="percent", sort=False)
    regions = [g for g in study.regions if g in w.index.get_level_values(0)]
    lines = []
    for g in regions:
        d = (w.loc[g][b] - w.loc[g][a]).dropna().round(1)
        up, down = _ties(d[d > 0]), _ties(-d[d < 0])
        bits = []
        if up:
            bits.append(md("{items} spread the most (up {v} points)", items=md_list(up), v=fmt(d[up[0]])))
        if down:
            bits.append(md("{items} declined the most (down {v} points)", items=md_list(down), v=fmt(-d[down[0]])))
        if not bits:
            bits.append(MD("no item changed its share of holders"))
        lines.append(md("- **{g}**, {a} to {b}: {bits}.", g=str(g), a=str(a), b=str(b), bits=md_join("; ", bits)))
    return md_join("\n", lines)


def _top_reason_overall(study: Study, category: str) -> tuple[list[str], float, int]:
    lead = reason_leaders(study, category)
    if lead.empty:
        return [], float("nan"), 0
    group = mv.ALL if len(study.regions) > 1 else study.regions[0]
    r = lead[lead["group"] == group].iloc[-1]
    return list(r["reasons"]), float(r["percent"]), int(r["base"])


def conclusions_text(study: Study) -> dict[str, MD]:
    """The conclusions' computed paragraphs, each Markdown (empty when the study lacks the data).

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to MD
        ``flows`` (escapes beside descents over the long period), ``escape`` and ``descent`` (the
        most cited reasons in the latest recorded period, with the models' findings).
    """
    a, b = main_periods(study)["long"]
    allr = mv.movement_summary(study, a, b).loc[mv.ALL]
    esc, fell = float(allr["escaped"]), float(allr["became_poor"])
    more = (
        "more households escaped poverty than fell into it"
        if round(esc, 1) > round(fell, 1)
        else (
            "as many households fell into poverty as escaped it"
            if round(esc, 1) == round(fell, 1)
            else "more households fell into poverty than escaped it"
        )
    )
    out = {
        "flows": md(
            "Between {a} and {b}, {esc} percent of the households escaped poverty and {fell} percent "
            "became poor: {more}, and the share poor went from {p0} to {p1} percent.",
            a=str(a),
            b=str(b),
            esc=fmt(esc),
            fell=fmt(fell),
            more=MD(more),
            p0=fmt(allr["poor_at_start"]),
            p1=fmt(allr["poor_at_end"]),
        )
    }
    for key, cat in (("escape", "escaped"), ("descent", "became_poor")):
        if not study.has("reasons"):
            out[key] = MD("")
            continue
        reasons, pct, base = _top_reason_overall(study, cat)
        if not reasons:
            out[key] = md("No sampled {who} cited a reason.", who=MD(CATEGORY_PHRASES[cat]))
            continue
        out[key] = md(
            "The reason most often cited by the sampled {who} in the latest recorded period was {rs} "
            "({p} percent of {n:,}{tie}).",
            who=MD(CATEGORY_PHRASES[cat]),
            rs=md_list(reasons),
            p=fmt(pct, ".0f"),
            n=base,
            tie=MD(", tied" if len(reasons) > 1 else ""),
        )
    return out


def clustering_text(table: pd.DataFrame, alpha: float = 0.1) -> MD:
    """Which findings keep their significance when the errors are clustered by community.

    Parameters
    ----------
    table : pandas.DataFrame
        `models.cluster_comparison` for one model (columns ``group, label, pvalue,
        pvalue_cluster, n_clusters``; constant rows are ignored).
    alpha : float, default 0.1
        The significance level of the comparison.

    Returns
    -------
    MD
        One sentence per group, computed; empty when no group could be fitted with clusters.
    """
    from .logistic import CONSTANT

    lines = []
    for group, t in table[table["variable"] != CONSTANT].groupby("group", sort=False):
        before = t[t["pvalue"] < alpha]
        kept = before[before["pvalue_cluster"] < alpha]
        lost = before[~(before["pvalue_cluster"] < alpha)]
        gained = t[~(t["pvalue"] < alpha) & (t["pvalue_cluster"] < alpha)]
        head = md("- **{g}** ({k} communities): ", g=group, k=int(t["n_clusters"].iloc[0]))
        if before.empty:
            body = md(
                "no variable is significant at the {lv} percent level with the model's own errors",
                lv=f"{100 * alpha:.0f}",
            )
        elif lost.empty:
            body = md(
                "all {n} variables significant at the {lv} percent level stay significant ({names})",
                n=len(before),
                lv=f"{100 * alpha:.0f}",
                names=md_list(kept["label"].str.lower()),
            )
        else:
            body = md(
                "{k} of {n} variables significant at the {lv} percent level stay significant; {names} {verb} not",
                k=len(kept),
                n=len(before),
                lv=f"{100 * alpha:.0f}",
                names=md_list(lost["label"].str.lower()),
                verb=MD("does" if len(lost) == 1 else "do"),
            )
        tail = (
            MD("")
            if gained.empty
            else md(
                "; {names} {verb} significant only with clustered errors",
                names=md_list(gained["label"].str.lower()),
                verb=MD("becomes" if len(gained) == 1 else "become"),
            )
        )
        lines.append(md("{head}{body}{tail}.", head=head, body=body, tail=tail))
    return md_join("\n", lines)
