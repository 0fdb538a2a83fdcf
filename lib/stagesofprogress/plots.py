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
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from . import figstyle as fs
from . import ladders, safetext
from . import movements as mv
from .study import Study

__all__ = [
    "CATEGORY_COLOURS",
    "GREY",
    "NOT_POOR",
    "POOR",
    "REGION_COLOURS",
    "assets_by_stage",
    "colour_limit",
    "community_scatter",
    "herd_sizes",  # noqa: F822 (defined by __getattr__ below: livestock_plots imports this module)
    "ladder",
    "movement_bars",
    "odds_ratio_curve",
    "paired_bars",  # noqa: F822 (defined by __getattr__ below: livestock_plots imports this module)
    "period_label",
    "poverty_flow",
    "poverty_trend",
    "share_bars",
    "transition_heatmaps",
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


def _band(ax, x0, x1, y0a, y0b, y1a, y1b, colour, alpha=0.45):
    """A band from [y0a, y0b] at x0 to [y1a, y1b] at x1 with smooth (cubic Bezier) edges."""
    xm = (x0 + x1) / 2
    verts = [
        (x0, y0a),
        (xm, y0a),
        (xm, y1a),
        (x1, y1a),
        (x1, y1b),
        (xm, y1b),
        (xm, y0b),
        (x0, y0b),
        (x0, y0a),
    ]
    codes = [
        MplPath.MOVETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.LINETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CLOSEPOLY,
    ]
    ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=colour, edgecolor="none", alpha=alpha))


def _flow_status(study: Study, group: str | None) -> np.ndarray:
    """Poor (1) / not poor (0) per household and time point; households with any unknown stage dropped."""
    st = mv.poverty_status(study)
    if group not in (None, mv.ALL):
        st = st[(study.households["region"] == group).to_numpy()]
    st = st.dropna()
    return st.to_numpy(dtype=float).astype(int)


def _draw_flow(ax, study: Study, status: np.ndarray, gap: float = 0.04, w: float = 0.2) -> None:
    years = study.time_points
    n = len(status)
    ax.set_xlim(-w / 2 - 0.02, len(years) - 1 + w / 2 + 0.02)
    ax.set_ylim(-0.02, 1.0 + gap + 0.02)
    ax.axis("off")
    if n == 0:
        ax.text(
            0.5,
            0.5,
            "no household with a known stage at every time point",
            transform=ax.transAxes,
            ha="center",
            va="center",
        )
        return
    scale = 1.0  # heights are shares of households
    # blocks: poor at the bottom [0, p], not poor on top [p + gap, 1 + gap]
    pos = {}
    for t, year in enumerate(years):
        p = status[:, t].mean() * scale
        pos[t] = {1: (0.0, p), 0: (p + gap, 1.0 + gap)}
        for k, colour in ((1, POOR), (0, NOT_POOR)):
            lo, hi = pos[t][k]
            if hi - lo > 0:
                ax.add_patch(Rectangle((t - w / 2, lo), w, hi - lo, facecolor=colour, edgecolor="white"))
            if hi - lo >= 0.06:
                ax.text(
                    t,
                    (lo + hi) / 2,
                    f"{(hi - lo) * 100:.0f}%",
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=SMALL,
                    fontweight="bold",
                )
        ax.text(t, -0.02, str(year), ha="center", va="top", fontsize=BASE)
    for t in range(len(years) - 1):
        a, b = status[:, t], status[:, t + 1]
        # outflows stacked bottom-to-top at the source block: to poor, then to not poor;
        # inflows stacked at the target block: from poor, then from not poor.
        out_cursor = {k: pos[t][k][0] for k in (0, 1)}
        in_cursor = {k: pos[t + 1][k][0] for k in (0, 1)}
        for src in (1, 0):
            for dst in (1, 0):
                h = float(np.mean((a == src) & (b == dst))) * scale
                if h <= 0:
                    continue
                y0a, y1a = out_cursor[src], in_cursor[dst]
                colour = POOR if dst == 1 else NOT_POOR
                if src != dst:
                    colour = CATEGORY_COLOURS["escaped"] if dst == 0 else CATEGORY_COLOURS["became_poor"]
                _band(ax, t + w / 2, t + 1 - w / 2, y0a, y0a + h, y1a, y1a + h, colour)
                out_cursor[src] += h
                in_cursor[dst] += h
    return


@_rc
def poverty_flow(study: Study, groups: Iterable[str] | None = None) -> Figure:
    """Flows of households between poor and not poor across the time points (an alluvial plot).

    At each time point the blocks are the shares of households poor (bottom) and not poor (top);
    the bands between time points show where those households went, green for escapes and orange
    for descents. Households with an unknown stage at any time point are left out.

    Parameters
    ----------
    study : Study
        A loaded study.
    groups : iterable of str, optional
        The panels: ``"All"`` and/or region names; ``None`` for ``["All"]``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per group.
    """
    groups = list(groups or [mv.ALL])
    fig = _figure(height=0.6 + 2.7 * len(groups))
    axes = fig.subplots(len(groups), 1, squeeze=False)[:, 0]
    for ax, g in zip(axes, groups):
        status = _flow_status(study, g)
        _draw_flow(ax, study, status)
        name = "All households" if g == mv.ALL else g
        ax.set_title(f"{_short(name, 60)} (n = {len(status):,})", loc="left", fontsize=BASE, fontweight="bold")
    handles = [
        Rectangle((0, 0), 1, 1, color=c, alpha=a)
        for c, a in (
            (POOR, 1),
            (NOT_POOR, 1),
            (CATEGORY_COLOURS["escaped"], 0.45),
            (CATEGORY_COLOURS["became_poor"], 0.45),
        )
    ]
    fig.legend(
        handles,
        ["poor", "not poor", "escaped poverty", "became poor"],
        loc="outside lower center",
        ncols=2,
        frameon=False,
        fontsize=SMALL,
    )
    _suptitle(fig, "Poor and not poor at each date")
    fs.synthetic_mark(fig, study)  # the paper gives the shares at each date, not the paths between
    return fig


# --------------------------------------------------------------------------- transitions


@_rc
def transition_heatmaps(
    study: Study, periods: Sequence[tuple[int, int]] | None = None, group: tuple[str, str] | None = None
) -> Figure:
    """Stage-to-stage transition shares, one heatmap per period (two per row).

    Cell (i, j) is the share of households at stage i at the start that were at stage j at the
    end (each row sums to one; grey rows had no household); drawn with seaborn's heatmap. Dashed lines mark the poverty cutoff:
    the lower-left block holds households poor at both dates, the lower-right block escapes, the
    upper-left block descents.

    Parameters
    ----------
    study : Study
        A loaded study.
    periods : sequence of tuple of (int, int), optional
        The periods; by default every earlier time point to the survey year, as in Table 3.
    group : tuple of (str, str), optional
        ``(column, value)`` to show one group only, e.g. ``("region", "Puno")``.

    Returns
    -------
    matplotlib.figure.Figure
        One heatmap per period with a shared colour scale (`colour_limit`).
    """
    periods = list(periods or [(y, study.survey_year) for y in study.time_points[:-1]][::-1])
    n = study.n_stages
    ncols = min(2, len(periods))
    nrows = int(np.ceil(len(periods) / ncols))
    fig = _figure(height=1.7 + 2.9 * nrows, layout="compressed")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    im = None
    cut = study.poverty_cutoff  # between the cutoff's cell and the next (cell i spans i-1..i)
    ticks = np.arange(1, n + 1)
    ticklabels = [str(t) if (t % 2 == 1 or n <= 6) else "" for t in ticks]
    mats = [mv.transition_matrix(study, a, b, normalize=True, group=group).to_numpy(dtype=float) for a, b in periods]
    vmax = colour_limit(mats)
    for ax, (a, b), m in zip(axes, periods, mats):
        ax.set_facecolor("#DDDDDD")  # rows without households (masked) show the background
        im = _heatmap(ax, m, vmax)
        ax.plot([0, n], [0, n], color="#999999", linewidth=0.6)
        ax.axvline(cut, color=POOR, linestyle="--", linewidth=1.1)
        ax.axhline(cut, color=POOR, linestyle="--", linewidth=1.1)
        ax.set_xticks(ticks - 0.5, ticklabels, rotation=0)
        ax.set_yticks(ticks - 0.5, ticklabels, rotation=0)
        ax.set_xlabel(f"Stage in {b}")
        ax.set_ylabel(f"Stage in {a}")
        ax.set_title(period_label(a, b), loc="left", fontsize=BASE)
    cb = fig.colorbar(im, ax=list(axes[: len(periods)]), location="bottom", shrink=0.7, aspect=30)
    cb.set_label("Share of the row's households")
    who = f" ({group[1]})" if group else ""
    _suptitle(fig, f"Stage at the start and at the end{who}")
    fs.synthetic_mark(fig, study)
    return fig


def _heatmap(ax, m: np.ndarray, vmax: float):
    """One transition matrix drawn with seaborn, stage 1 at the bottom left; returns its QuadMesh."""
    import warnings

    import seaborn as sns

    with warnings.catch_warnings():  # seaborn 0.13 calls a colormap method matplotlib 3.11 deprecates
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        sns.heatmap(m, mask=~np.isfinite(m), cmap="YlGnBu", vmin=0, vmax=vmax, cbar=False, square=True, ax=ax)
    ax.invert_yaxis()  # origin at stage 1, as on the ladder
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    return ax.collections[0]


def colour_limit(matrices: Sequence[np.ndarray], step: float = 0.1) -> float:
    """Upper end of a shared colour scale: the largest finite cell rounded up to `step`.

    The result is at least `step` and at most 1, so the scale fits the data instead of running
    to 1.

    Parameters
    ----------
    matrices : sequence of numpy.ndarray
        Shares (0-1), NaN allowed.
    step : float
        The rounding step.

    Returns
    -------
    float
        The upper limit of the colour scale.
    """
    vals = np.concatenate([np.asarray(m, dtype=float).ravel() for m in matrices]) if len(matrices) else np.array([])
    vals = vals[np.isfinite(vals)]
    top = float(vals.max()) if len(vals) else 1.0
    return float(min(1.0, max(step, np.ceil(round(top / step, 9)) * step)))


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


def _pick(df: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    for c in candidates:
        if c in df.columns:
            return c
    return None


ALTITUDE_COLUMNS = ("altitude_m", "altitude", "elevation_m")
DISTANCE_COLUMNS = (
    "dist_trading_center_km",
    "distance_market_km",
    "distance_trading_center_km",
    "distance_to_market_km",
    "market_distance_km",
)


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
    x = x or _pick(c, DISTANCE_COLUMNS)
    y = y or _pick(c, ALTITUDE_COLUMNS)
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


def __getattr__(name: str):
    if name in _LIVESTOCK:
        from . import livestock_plots

        return getattr(livestock_plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
