"""Computed sentences on what a study finds: the reasons households gave, what each model finds,
what holdings show, and the conclusions drawn from them.

As in `stagesofprogress.narrative` (which re-exports these for the chapters), every sentence
follows the study's own numbers: ties are named as ties, a model with no significant variable or
a group the data cannot support says so, a study with one region gets no comparison of regions.
Nothing here knows the paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import movements as mv
from .display import fmt
from .layouts import period_name, reason_periods
from .phrasing import CATEGORY_PHRASES, _is_replica, _ties, main_periods, md_list, replica_note, unpinned
from .safetext import MD, md, md_join

if TYPE_CHECKING:  # annotations only
    from .models import ModelFit
    from .study import Study

__all__ = [
    "clustering_text",
    "conclusions_text",
    "holdings_text",
    "model_findings",
    "model_findings_text",
    "reason_leaders",
    "reason_figure_quoted",
    "reason_leaders_text",
    "reason_table_note",
    "reason_trend",
    "reason_trend_text",
]


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
    quoted = _quoted_leaders(study, category, lead)
    lines = []
    for per, d in lead.groupby("period", sort=False):
        bits = [_leader_phrase(r) for _, r in d.iterrows()]
        line = md(
            "the reason most often cited by {who}: {bits}.",
            who=MD(CATEGORY_PHRASES.get(category, category)),
            bits=md_join("; ", bits),
        )
        if not all(quoted[i] for i in d.index):  # on the replica: a share the paper does not quote
            line = unpinned(study, "{line}", line=line)
        lines.append(md("- **{per}**: {line}", per=per, line=line))
    return md_join("\n", lines)


def reason_figure_quoted(study: Study, category: str) -> bool:
    """Whether the paper quotes every share the reason figure of `category` draws (`layouts.reason_long`).

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        A movement category (`movements.CATEGORIES`).

    Returns
    -------
    bool
        True when each region's share of each reason drawn is a quoted share of the paper
        (`layouts.quoted_reason_shares`) for that period; False otherwise, and for a study that
        declares no paper, which quotes nothing.
    """
    from . import reasons as rs
    from .layouts import quoted_reason_shares, reason_long

    periods = rs.recorded_periods(study)
    if not periods:
        return False
    ends = [p for p in periods if p[1] == study.survey_year] or periods  # the period reason_long draws
    a, b = max(ends, key=lambda p: p[0])
    shares = reason_long(study, category, a, b)
    quoted = quoted_reason_shares(study, category)
    t = rs.reason_shares(study, [(a, b)])
    code_of = dict(zip(t["label"].astype(str), t["reason"].astype(str)))
    keys = [(a, b, str(g), code_of.get(str(lab), "")) for g, lab in zip(shares["group"], shares["label"])]
    return bool(keys) and all(k in quoted for k in keys)


def _quoted_leaders(study: Study, category: str, lead: pd.DataFrame) -> dict:
    """Row of `reason_leaders` -> whether the paper quotes its share (always True off the replica)."""
    if not _is_replica(study):
        return dict.fromkeys(lead.index, True)
    from . import reasons as rs
    from .layouts import quoted_reason_shares

    quoted = quoted_reason_shares(study, category)
    t = rs.reason_shares(study, reason_periods(study))
    code_of = dict(zip(t["label"].astype(str), t["reason"].astype(str)))
    span = {period_name(a, b): (a, b) for a, b in reason_periods(study)}
    out = {}
    for i, r in lead.iterrows():
        a, b = span.get(r["period"], (None, None))
        out[i] = bool(r["reasons"]) and all(
            (a, b, str(r["group"]), code_of.get(str(label), "")) in quoted for label in r["reasons"]
        )
    return out


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
        if _is_replica(study):  # a share of all sampled households: pinned only if the paper quotes one
            from .layouts import quoted_reason_shares

            if not any(k[2] == mv.ALL for k in quoted_reason_shares(study, cat)):
                out[key] = unpinned(study, "{text}", text=out[key])
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


def reason_table_note(study: Study, category: str) -> MD:
    """What the blocks and brackets of a reason table (`layouts.reason_periods_table`) are.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        The table's movement category, e.g. ``escaped``.

    Returns
    -------
    MD
        One or two sentences: which period the table opens with when the category's models
        weigh it (the long period, then the sub-periods), and, for a study that declares its
        paper, that a bracketed number is the share the paper quotes. Empty when neither applies.
    """
    from .layouts import model_periods, quoted_reason_shares, reason_table_periods

    periods = reason_table_periods(study, category)
    lead = [p for p in model_periods(study, category) if p in periods]
    parts = []
    if lead and len(periods) > len(lead):
        parts.append(
            md(
                "The table opens with {p}, the period over which the {which} weighs these reasons; "
                "the shorter periods follow.",
                p=md_list([period_name(a, b) for a, b in lead]),
                which=MD("model" if len(lead) == 1 else "models"),
            )
        )
    if quoted_reason_shares(study, category):
        parts.append(
            MD("A number in brackets is the share the paper itself quotes for that reason, region and period.")
        )
        parts.append(
            replica_note(
                study,
                "The paper quotes no other share of this table: on the replica the shares without a bracket "
                "show how the data were generated.",
            )
        )
    return md_join(" ", [p for p in parts if str(p)])
