"""Figures for the book and for users' own studies.

Every function takes a `Study` (or a table computed from one), returns a
`matplotlib.figure.Figure` and nothing else: no pyplot state, no randomness, so the same
study always gives the same picture. Figures are drawn at the book's column width (six
inches, 780 px in the book) with text of at least 13 points, about 10 CSS px when a 390 px
phone scales them down (`figstyle`), with a short title, and with
colours from the Okabe-Ito palette, which stays distinguishable for colour-blind readers.

    fig = sop.plots.ladder(study)
    fig.savefig("ladder.png", dpi=150)
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from . import communities, ladders, safetext
from . import figstyle as fs
from . import movements as mv
from .study import Study

__all__ = [
    "CATEGORY_COLOURS",
    "GREY",
    "NOT_POOR",
    "POOR",
    "REGION_COLOURS",
    "assets_by_stage",
    "colour_limit",  # noqa: F822 (defined by __getattr__ below: flow_plots imports this module)
    "community_scatter",
    "herd_sizes",  # noqa: F822 (defined by __getattr__ below: livestock_plots imports this module)
    "ladder",
    "movement_bars",
    "odds_ratio_curve",
    "paired_bars",  # noqa: F822 (defined by __getattr__ below: livestock_plots imports this module)
    "period_label",
    "poverty_flow",  # noqa: F822 (defined by __getattr__ below: flow_plots imports this module)
    "poverty_trend",
    "share_bars",
    "transition_heatmaps",  # noqa: F822 (defined by __getattr__ below: flow_plots imports this module)
]

# Okabe-Ito colours.
POOR = "#D55E00"
NOT_POOR = "#0072B2"
GREY = "#6E6E6E"
CATEGORY_COLOURS = {
    "remained_poor": "#D55E00",
    "escaped": "#009E73",
    "became_poor": "#E69F00",
    "remained_not_poor": "#0072B2",
}
REGION_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

# sizes, fonts and marks (see `figstyle`): figures are 6 inches wide, text at least 13 points
WIDTH = fs.WIDTH
RC = fs.RC
SMALL, BASE, TITLE = fs.SMALL, fs.BASE, fs.TITLE
_rc = fs.rc
_figure = fs.figure


MAX_LABEL = 80  # characters of a study name drawn in a figure; longer names end with an ellipsis


def _short(text: object, limit: int = MAX_LABEL) -> str:
    """Study text for a figure: invisible characters removed, cut to `limit` characters."""
    s = safetext.clean(text)
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "\u2026"


def _wrap(text: str, width: int = 30) -> str:
    s = _short(text, max(MAX_LABEL, 2 * width))
    return "\n".join(textwrap.wrap(s, width)) or s


def _suptitle(fig: Figure, text: str) -> None:
    fig.suptitle(_wrap(text, 52), fontsize=TITLE, fontweight="bold")


def period_label(start: int, end: int) -> str:
    """A period with its length, as the figures label it: ``1979–2004 (25 years)``.

    Parameters
    ----------
    start, end : int
        The period's time points (years).

    Returns
    -------
    str
        Start and end joined by an en dash, then the number of years in brackets.
    """
    return f"{start}\u2013{end} ({end - start} years)"


# --------------------------------------------------------------------------- the ladder


def _ladder_title(study: Study, comms: list[str], first: bool) -> str:
    """The label of one ladder's panel: whose ladder it is."""
    names = [_short(c, 30) for c in comms]
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    whose = "study.yml's ladder" if first else "Own ladder"
    return f"{whose}: {shown}"


@_rc
def ladder(study: Study, year: int | None = None, width: int = 34) -> Figure:
    """The stages of progress as a ladder, with the poverty line.

    Each rung is a stage (lowest at the bottom) and its bar is the share of households at
    that stage in `year` (default: the survey year); the dashed line marks the poverty cutoff,
    the dotted one the prosperity line where there is one. When communities have ladders of
    their own (ladders.csv), the figure has one panel per distinct ladder, labelled with its
    communities, each bar the share of that ladder's households (`ladders.distinct`).

    Parameters
    ----------
    study : Study
        A loaded study.
    year : int, optional
        A time point; ``None`` for the survey year.
    width : int
        Characters per line of a stage's wrapped label.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot; on a synthetic study it carries the synthetic mark.
    """
    year = year or study.survey_year
    groups = ladders.distinct(study)
    multi = len(groups) > 1
    stage = mv.stages(study, year).to_numpy(dtype=float)
    comm = study.households["community"].astype(str).to_numpy()
    heights = [0.36 * lad.n_stages + (0.55 if multi else 0.0) for lad, _ in groups]
    fig = _figure(height=sum(heights) + 1.6)
    panels = fig.subfigures(len(groups), 1, height_ratios=heights) if multi else [fig]
    axes = [panel.add_subplot() for panel in np.atleast_1d(panels)]
    top = 1.0
    prosper = False
    for i, (ax, (lad, comms)) in enumerate(zip(axes, groups)):
        n = lad.n_stages
        s = stage[np.isin(comm, comms) & ~np.isnan(stage)].astype(int)
        share = pd.Series(s).value_counts(normalize=True).reindex(range(1, n + 1), fill_value=0.0) * 100
        ypos = np.arange(1, n + 1)
        colours = [POOR if k <= lad.poverty_cutoff else NOT_POOR for k in ypos]
        ax.barh(ypos, share.to_numpy(), color=colours, height=0.7)
        ax.set_yticks(ypos, [_wrap(f"{k}. {name}", width) for k, name in zip(ypos, lad.stages)], fontsize=SMALL)
        ax.set_ylim(0.4, n + 0.6)
        ax.axhline(lad.poverty_cutoff + 0.5, color="black", linestyle="--", linewidth=1.2)
        if lad.prosperity_cutoff is not None:
            prosper = True
            ax.axhline(lad.prosperity_cutoff - 0.5, color="black", linestyle=":", linewidth=1.4)
        top = max(top, float(share.max()))
        if multi:  # the panel's label spans the figure's width, above the stage names
            ax.figure.suptitle(
                _wrap(_ladder_title(study, comms, i == 0), 46), x=0.01, ha="left", fontsize=SMALL, fontweight="bold"
            )
    for ax in axes:
        ax.set_xlim(0, top * 1.08)  # one scale: the panels' bars compare
    axes[-1].set_xlabel(f"Households in {year} (%)")  # with several ladders, % of the panel's ladder's
    _suptitle(fig, f"The ladder in {year}" if not multi else f"The {len(groups)} ladders in {year}")
    handles = [
        Rectangle((0, 0), 1, 1, color=POOR),
        Rectangle((0, 0), 1, 1, color=NOT_POOR),
        Line2D([], [], color="black", linestyle="--", linewidth=1.2),
    ]
    labels = ["poor stages", "not poor stages", "poverty line"]
    if prosper:
        handles.append(Line2D([], [], color="black", linestyle=":", linewidth=1.4))
        labels.append("prosperity line")
    fig.legend(handles=handles, labels=labels, loc="outside lower center", ncols=min(len(labels), 3), frameon=False)
    fs.synthetic_mark(fig, study)  # the paper gives no distribution of households over the stages
    return fig


# --------------------------------------------------------------------------- Table 2


@_rc
def assets_by_stage(study: Study, column: str = "assets", year: int | None = None) -> Figure:
    """Mean of a household column by stage (default: number of assets), the paper's Table 2 as bars.

    Parameters
    ----------
    study : Study
        A loaded study with `column` in households.csv.
    column : str
        The numeric households.csv column to average.
    year : int, optional
        The time point whose stages group the households; ``None`` for the survey year.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per stage, poor stages and the others in two colours.
    """
    t = mv.mean_by_stage(study, column, year=year)
    t = t[t["households"] > 0]
    fig = _figure(height=3.9)
    ax = fig.add_subplot()
    x = np.arange(len(t))
    stage_no = t.index.to_numpy()
    colours = [POOR if k <= study.poverty_cutoff else NOT_POOR for k in stage_no]
    ax.bar(x, t["mean"].to_numpy(), color=colours, width=0.7)
    labels = [lab.replace(" and higher", "+") for lab in t["label"]]
    ax.set_xticks(x, labels)
    cut = np.searchsorted(stage_no, study.poverty_cutoff, side="right") - 0.5
    year = year or study.survey_year
    handles = [Rectangle((0, 0), 1, 1, color=POOR), Rectangle((0, 0), 1, 1, color=NOT_POOR)]
    names = ["poor stages", "not poor stages"]
    if 0 < cut < len(t) - 0.5:
        ax.axvline(cut, color="black", linestyle="--", linewidth=1.2)
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1.2))
        names.append("poverty line")
    ax.set_xlabel(f"Stage of progress in {year}")
    ax.set_ylabel(f"Mean {column.replace('_', ' ')}")
    _suptitle(fig, f"Mean {column.replace('_', ' ')} by stage")
    fig.legend(handles, names, loc="outside lower center", ncols=len(names), frameon=False)
    return fig


# --------------------------------------------------------------------------- Table 3


@_rc
def movement_bars(
    study: Study,
    periods: Sequence[tuple[int, int]] | None = None,
    by: str | None = "region",
    intervals: pd.DataFrame | None = None,
) -> Figure:
    """Table 3 as bars: each group's households split into the four movement categories.

    One panel per period; each bar is a region, with all households last. Without `intervals`
    the four categories are stacked and sum to 100 percent; with `intervals` each category is its
    own bar with its interval as an error bar, and the figure carries the synthetic mark on a
    synthetic study (the spread between communities is not in the paper).

    Parameters
    ----------
    study : Study
        A loaded study.
    periods : sequence of tuple of (int, int), optional
        The periods; by default every earlier time point to the survey year.
    by : str or None
        The households.csv column that defines groups; ``None`` for all households only.
    intervals : pandas.DataFrame, optional
        ``uncertainty.bootstrap_movements(study).table``, or movements_ci.csv read back.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot.
    """
    periods = list(periods or [(y, study.survey_year) for y in study.time_points[:-1]])
    nreg = len(study.regions) + 1
    per = (0.45 * nreg + 0.5) if intervals is None else (1.05 * nreg + 0.5)
    fig = _figure(height=1.6 + per * len(periods))
    axes = fig.subplots(len(periods), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (a, b) in zip(axes, periods):
        t = mv.movement_summary(study, a, b, by=by)
        groups = list(t.index)
        y = np.arange(len(groups))[::-1].astype(float)
        if intervals is None:
            _stacked(ax, t, y)
        else:
            ci = intervals[(intervals["start"] == a) & (intervals["end"] == b)]
            _dodged(ax, t, y, ci)
        ax.set_yticks(y, [_wrap(g, 20) for g in groups])
        ax.set_xlim(0, 100)
        ax.set_title(period_label(a, b), loc="left", fontsize=BASE)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
    axes[-1].set_xlabel("Households (%)" if intervals is None else "Households (%), 95% community-bootstrap interval")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    _suptitle(
        fig, "Movement categories by region" if intervals is None else "Movement categories by region, with intervals"
    )
    if intervals is not None:
        fs.synthetic_mark(fig, study)
    return fig


def _stacked(ax, t: pd.DataFrame, y: np.ndarray) -> None:
    left = np.zeros(len(t))
    for cat in mv.CATEGORIES:
        vals = t[cat].fillna(0).to_numpy()
        ax.barh(y, vals, left=left, color=CATEGORY_COLOURS[cat], height=0.72, label=mv.CATEGORY_LABELS[cat])
        for yi, start, v in zip(y, left, vals):
            if v >= 8:
                ax.text(
                    start + v / 2,
                    yi,
                    f"{v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=SMALL,
                    color="white" if cat in ("remained_poor", "remained_not_poor", "escaped") else "black",
                )
        left += vals


def _dodged(ax, t: pd.DataFrame, y: np.ndarray, ci: pd.DataFrame) -> None:
    """One thin bar per category inside each group's row, with its interval as an error bar."""
    h = 0.8 / len(mv.CATEGORIES)
    groups = list(t.index)
    for k, cat in enumerate(mv.CATEGORIES):
        off = 0.4 - h / 2 - k * h
        est = t[cat].to_numpy(dtype=float)
        c = ci[ci["category"] == cat].drop_duplicates("group", keep="last").set_index("group").reindex(groups)
        lo = np.clip(est - c["ci_low"].to_numpy(dtype=float), 0, None)
        hi = np.clip(c["ci_high"].to_numpy(dtype=float) - est, 0, None)
        ax.barh(
            y + off, np.nan_to_num(est), height=h * 0.92, color=CATEGORY_COLOURS[cat], label=mv.CATEGORY_LABELS[cat]
        )
        ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(est)
        ax.errorbar(
            est[ok],
            (y + off)[ok],
            xerr=np.vstack([lo[ok], hi[ok]]),
            fmt="none",
            ecolor="black",
            elinewidth=1.2,
            capsize=2.5,
        )


# --------------------------------------------------------------------------- flows


# --------------------------------------------------------------------------- transitions


# --------------------------------------------------------------------------- poverty over time


@_rc
def poverty_trend(study: Study, by: str | None = "region") -> Figure:
    """Percent of households poor at each time point, per region and for all households.

    Parameters
    ----------
    study : Study
        A loaded study.
    by : str or None
        The households.csv column that defines groups; ``None`` for all households only.

    Returns
    -------
    matplotlib.figure.Figure
        One line per group against the years recalled.
    """
    r = mv.poverty_rates(study, by=by)
    fig = _figure(height=3.6)
    ax = fig.add_subplot()
    for i, (g, d) in enumerate(r.groupby("group", sort=False)):
        allg = g == mv.ALL
        ax.plot(
            d["year"],
            d["percent_poor"],
            marker="o",
            linewidth=2.4 if allg else 1.6,
            color="black" if allg else REGION_COLOURS[i % len(REGION_COLOURS)],
            linestyle="-" if allg else "--",
            label="All households" if allg else _short(g, 40),
        )
    ax.set_xticks(study.time_points)
    ax.set_ylim(0, max(100.0, float(r["percent_poor"].max()) + 5) if r["percent_poor"].notna().any() else 100)
    ax.set_ylabel("Households poor (%)")
    ax.set_xlabel("Year recalled")
    ax.legend(frameon=False)
    _suptitle(fig, "Poor households over time")
    return fig


# --------------------------------------------------------------------------- communities


@_rc
def community_scatter(study: Study, x: str | None = None, y: str | None = None) -> Figure:
    """Communities by distance to the nearest market (x) and altitude (y), coloured by region.

    Parameters
    ----------
    study : Study
        A loaded study with communities.csv.
    x, y : str, optional
        communities.csv columns for the axes; ``None`` picks the distance and the altitude column.

    Returns
    -------
    matplotlib.figure.Figure
        One point per community.

    Raises
    ------
    KeyError
        When the study has no communities.csv, or it lacks an altitude or a distance column.
    """
    c = study.table("communities")
    x = x or communities.pick_column(c, communities.DISTANCE_COLUMNS)
    y = y or communities.pick_column(c, communities.ALTITUDE_COLUMNS)
    if x is None or y is None:
        raise KeyError("communities.csv needs an altitude column and a distance-to-market column for this figure.")
    fig = _figure(height=4.2)
    ax = fig.add_subplot()
    region = c["region"] if "region" in c.columns else pd.Series(["All"] * len(c))
    order = [r for r in study.regions if r in set(region)] + sorted(set(region) - set(study.regions))
    markers = ["o", "s", "^", "D", "v", "P"]
    for i, r in enumerate(order):
        d = c[region.to_numpy() == r]
        ax.scatter(
            d[x],
            d[y],
            s=42,
            color=REGION_COLOURS[i % len(REGION_COLOURS)],
            marker=markers[i % len(markers)],
            label=f"{_short(r, 40)} ({len(d)})",
            edgecolor="white",
            linewidth=0.6,
        )
    ax.set_xlabel(_axis_label(x))
    ax.set_ylabel(_axis_label(y))
    ax.legend(frameon=False, title="Region (communities)")
    _suptitle(fig, "Communities by altitude and distance to market")
    fs.synthetic_mark(fig, study)  # the paper gives regional averages, not each community
    return fig


AXIS_LABELS = {
    "dist_trading_center_km": "Distance to the nearest trading centre (km)",
    "dist_secondary_school_km": "Distance to a secondary school (km)",
    "dist_health_facility_km": "Distance to a health facility (km)",
    "altitude_m": "Altitude (m above sea level)",
}


def _axis_label(col: str) -> str:
    if col in AXIS_LABELS:
        return AXIS_LABELS[col]
    words = col.replace("_", " ")
    for unit in (" km", " m", " pct"):
        if words.endswith(unit):
            u = unit.strip()
            words = words[: -len(unit)] + f" ({'%' if u == 'pct' else u})"
    return words[0].upper() + words[1:]


# --------------------------------------------------------------------------- reasons


@_rc
def share_bars(
    table: pd.DataFrame,
    label: str,
    value: str,
    group: str | None = None,
    title: str = "",
    xlabel: str = "Households citing the reason (%)",
    top: int = 10,
) -> Figure:
    """Horizontal bars of shares (e.g. reasons cited), one panel per `group` value.

    Within each panel the `top` largest shares are shown, largest at the top.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy: one row per (group, label) with the share in `value`.
    label : str
        The column of bar labels.
    value : str
        The column of shares, in percent (0-100).
    group : str, optional
        The column whose values make the panels; ``None`` for one panel.
    title : str
        The figure's title (empty for none).
    xlabel : str
        The x-axis label.
    top : int
        How many bars per panel at most.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot.
    """
    groups = list(pd.unique(table[group])) if group else [None]
    heights = []
    for g in groups:
        d = table if g is None else table[table[group] == g]
        heights.append(min(top, len(d)))
    fig = _figure(height=0.9 + sum(0.34 * h + 0.7 for h in heights))
    axes = fig.subplots(
        len(groups), 1, squeeze=False, sharex=True, gridspec_kw={"height_ratios": [max(h, 1) + 1.5 for h in heights]}
    )[:, 0]
    xmax = float(pd.to_numeric(table[value], errors="coerce").max() or 1)
    for i, (ax, g) in enumerate(zip(axes, groups)):
        d = table if g is None else table[table[group] == g]
        d = d.sort_values(value, ascending=False).head(top)[::-1]
        ax.barh(np.arange(len(d)), d[value], color=REGION_COLOURS[i % len(REGION_COLOURS)], height=0.7)
        ax.set_yticks(np.arange(len(d)), [_wrap(s, 34) for s in d[label]], fontsize=SMALL)
        for yi, v in enumerate(d[value]):
            ax.text(v + xmax * 0.01, yi, f"{v:.0f}", va="center", fontsize=SMALL)
        ax.set_xlim(0, xmax * 1.12)
        if g is not None:
            ax.set_title(_short(g, 60), loc="left", fontsize=BASE)
    axes[-1].set_xlabel(xlabel)
    if title:
        _suptitle(fig, title)
    return fig


@_rc
def odds_ratio_curve(base: float, ratios: Sequence[float] = (2.0, 0.5)) -> Figure:
    """How an odds ratio moves a probability: p1 = r p0 / (1 - p0 + r p0) against r (log axis).

    Parameters
    ----------
    base : float
        The probability p0 (0-1) before the change; a curve for 0.5 is drawn for comparison.
    ratios : sequence of float
        Odds ratios marked on the curve.

    Returns
    -------
    matplotlib.figure.Figure
        The probability after the change, in percent, against odds ratios 0.01 to 100.
    """
    r = np.logspace(-2, 2, 401)
    fig = _figure(height=3.8)
    ax = fig.add_subplot()
    for p0, style in ((base, "-"), (0.5, ":")):
        if not 0 < p0 < 1:
            continue
        p1 = r * p0 / (1 - p0 + r * p0)
        ax.plot(
            r,
            100 * p1,
            style,
            color=NOT_POOR if style == "-" else GREY,
            linewidth=2 if style == "-" else 1.4,
            label=f"starting probability {100 * p0:.0f}%",
        )
    if 0 < base < 1:
        for k in ratios:
            p1 = k * base / (1 - base + k * base)
            ax.plot([k], [100 * p1], "o", color=POOR)
            ax.annotate(
                f"odds ratio {k:g}: {100 * p1:.0f}%",
                (k, 100 * p1),
                textcoords="offset points",
                xytext=(8, -14) if k > 1 else (-8, 6),
                ha="left" if k > 1 else "right",
                fontsize=SMALL,
            )
    ax.axvline(1, color="black", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_xlim(0.01, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("Odds ratio (log scale)")
    ax.set_ylabel("Probability after the change (%)")
    ax.legend(frameon=False, loc="upper left")
    _suptitle(fig, "How an odds ratio changes a probability")
    return fig


# livestock figures live in their own module, which imports this module's helpers; they are
# re-exported on first use (PEP 562), so `sop.plots.paired_bars` keeps working and either module
# can be imported first
_LIVESTOCK = ("herd_sizes", "paired_bars")
_FLOWS = ("colour_limit", "poverty_flow", "transition_heatmaps")


def __getattr__(name: str):
    if name in _LIVESTOCK:
        from . import livestock_plots

        return getattr(livestock_plots, name)
    if name in _FLOWS:
        from . import flow_plots

        return getattr(flow_plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
