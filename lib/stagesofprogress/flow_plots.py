"""Households followed over time: the flow figure across every time point and the transition
heatmaps of each period (re-exported by `stagesofprogress.plots`, as ``sop.plots.poverty_flow``).

Like every figure of the library these take a `Study`, return a `matplotlib.figure.Figure`
built without pyplot, and are deterministic; the heatmaps are drawn with seaborn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from . import figstyle as fs
from . import movements as mv
from .plots import (
    BASE,
    CATEGORY_COLOURS,
    NOT_POOR,
    POOR,
    SMALL,
    _figure,
    _rc,
    _short,
    _suptitle,
    period_label,
)
from .study import Study

__all__ = ["colour_limit", "poverty_flow", "transition_heatmaps"]


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
