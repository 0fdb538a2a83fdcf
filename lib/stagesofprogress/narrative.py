"""The book's sentences: every statement of a finding, generated from the study's own numbers.

Each function takes a study (or a fitted model) and returns either glue-ready strings (a dict
of pre-formatted values for `{glue:text}`) or one piece of Markdown (`safetext.MD`, every study
value escaped). The wording follows the numbers: ties are named as ties, a model with no
significant variable or a group the data cannot support says so, a study with one region gets
no comparison of regions, and several regions are listed one per line. Nothing here knows the
paper: its findings are shown only by `display.paper_says`, for a study that declares it.

* study and movements: `study_summary`, `glue_study`, `main_periods`, `movement_facts`,
  `glue_movement_facts`, `region_movement_text`, `region_comparison_text`;
* models, explained: `logit_example`, `odds_shift`, `escape_rate`;
* other analyses: `community_text`, `assets_facts`;
* re-exported from `findings` (reasons, models, holdings, conclusions) and `phrasing` (lists,
  ties, periods, the replica's marker), so ``narrative.X`` names every sentence of the book.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import movements as mv
from .display import fmt, glue_text
from .findings import (  # reasons, models, holdings and conclusions, re-exported for the chapters
    clustering_text,
    conclusions_text,
    holdings_text,
    model_findings,
    model_findings_text,
    reason_leaders,
    reason_leaders_text,
    reason_table_note,
    reason_trend,
    reason_trend_text,
)
from .layouts import TABLE3_COLUMNS, period_name
from .phrasing import (  # pieces every sentence shares, re-exported for the chapters
    CATEGORY_PHRASES,
    SYNTHETIC_MARK,
    _ties,
    glue_unpinned_mark,
    join,
    main_periods,
    md_list,
    replica_note,
    unpinned,
)
from .safetext import MD, md, md_join
from .study import Study

if TYPE_CHECKING:  # annotations only
    pass

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
    "reason_table_note",
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
