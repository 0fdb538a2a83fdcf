"""Figures of the mobility chapter: movement percentages with bootstrap intervals, and the
share poor projected if a period's movements continued.

Like `plots`, every function returns a `matplotlib.figure.Figure` and keeps no pyplot state;
study text (region names) reaches matplotlib only through `safetext.clean`, with mathtext off
(`safetext.MPL_RC` in the figure rc), so `$` stays literal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import figstyle as fs
from . import movements as mv
from . import safetext
from .plots import (
    CATEGORY_COLOURS,
    REGION_COLOURS,
    _figure,
    _rc,
    _suptitle,
    period_label,
)
from .study import Study

__all__ = ["movement_intervals", "projection_lines"]


@_rc
def movement_intervals(
    table: pd.DataFrame, periods: list[tuple[int, int]] | None = None, synthetic: bool = False
) -> Figure:
    """Movement percentages (dots) with their 95 % bootstrap intervals (bars), one panel per period.

    Each group (regions, then ``All``) is a row of four dots, one per movement category.

    Parameters
    ----------
    table : pandas.DataFrame
        ``uncertainty.bootstrap_movements(study).table``, or movements_ci.csv read back.
    periods : list of tuple of (int, int), optional
        The periods; by default those of `table`, in its order.
    synthetic : bool
        Pass ``study.synthetic``: marks the figure "synthetic: not from the paper" (the spread
        between communities of a synthetic replica is the generator's).

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot.
    """
    periods = periods or list(dict.fromkeys(zip(table["start"], table["end"])))
    groups = list(dict.fromkeys(table["group"]))
    fig = _figure(height=1.2 + (0.55 * len(groups) + 0.7) * len(periods))
    axes = fig.subplots(len(periods), 1, sharex=True, squeeze=False)[:, 0]
    offsets = np.linspace(0.27, -0.27, len(mv.CATEGORIES))
    for ax, (a, b) in zip(axes, periods):
        t = table[(table["start"] == a) & (table["end"] == b)]
        y = np.arange(len(groups))[::-1].astype(float)
        for off, cat in zip(offsets, mv.CATEGORIES):
            c = t[t["category"] == cat].set_index("group").reindex(groups)
            est = c["percent"].to_numpy(dtype=float)
            err = np.vstack([est - c["ci_low"].to_numpy(dtype=float), c["ci_high"].to_numpy(dtype=float) - est])
            ax.errorbar(
                est,
                y + off,
                xerr=np.nan_to_num(err),
                fmt="o",
                markersize=4.5,
                capsize=2.5,
                linewidth=1.2,
                color=CATEGORY_COLOURS[cat],
                label=mv.CATEGORY_LABELS[cat],
            )
        ax.set_yticks(y, [safetext.clean(g) for g in groups])
        ax.set_ylim(-0.6, len(groups) - 0.4)
        ax.set_xlim(0, 100)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_title(period_label(a, b), loc="left", fontsize=fs.BASE)
        ax.tick_params(axis="y", length=0)
    axes[-1].set_xlabel("Households (%), with 95% community-bootstrap interval")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    _suptitle(fig, "Movement percentages and their uncertainty")
    if synthetic:
        fs.synthetic_mark(fig, True)
    return fig


@_rc
def projection_lines(
    study: Study, results: list, chain: str = "stages", period: tuple[int, int] | None = None
) -> Figure:
    """Percent poor at each time point (solid) and projected if `period`'s movements held (dashed).

    A group's steady-state share poor is marked at the right edge (a horizontal tick).

    Parameters
    ----------
    study : Study
        A loaded study.
    results : list
        ``mobility.chains(study)``.
    chain : str
        Which chain projects: ``stages`` (stage to stage) or the ``poverty`` (the two-state poor/not-poor chain).
    period : tuple of (int, int), optional
        The period whose movements are projected; by default the last earlier time point to the survey.

    Returns
    -------
    matplotlib.figure.Figure
        One line per group (``All``, then the regions).
    """
    period = period or (study.time_points[-2], study.survey_year)
    rates = mv.poverty_rates(study)
    groups = [mv.ALL, *[str(g) for g in study.regions]]
    fig = _figure(height=3.9)
    ax = fig.add_subplot()
    last = study.survey_year
    for i, g in enumerate(groups):
        colour = "#000000" if g == mv.ALL else REGION_COLOURS[(i - 1) % len(REGION_COLOURS)]
        r = rates[rates["group"] == g]
        ax.plot(
            r["year"],
            r["percent_poor"],
            color=colour,
            marker="o",
            linewidth=1.8 if g == mv.ALL else 1.2,
            label=safetext.clean(g),
        )
        hits = [x for x in results if x.group == g and x.chain == chain and (x.start, x.end) == period]
        if not hits:
            continue
        res = hits[-1] if i == 0 else hits[0]  # `All` comes last (a region may be called "All")
        p = res.projection
        ax.plot(
            p["year"],
            100 * p["share_poor"],
            color=colour,
            linestyle="--",
            marker="o",
            markerfacecolor="white",
            linewidth=1.2,
        )
        last = max(last, int(p["year"].max()))
        if np.isfinite(res.steady_share_poor):
            ax.plot(
                [last + 2], [100 * res.steady_share_poor], marker="_", markersize=14, color=colour, markeredgewidth=2
            )
    ax.set_xlim(study.time_points[0] - 2, last + 5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Households poor (%)")
    ax.legend(frameon=False, loc="upper right")
    _suptitle(fig, f"Share poor: observed, then {period[0]}\u2013{period[1]} projected")
    if chain == "stages":  # a projection from stage-to-stage transitions the paper does not give
        fs.synthetic_mark(fig, study)
    return fig
