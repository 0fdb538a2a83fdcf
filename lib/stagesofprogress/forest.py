"""Forest plots of logit models: odds ratios with their intervals on a log axis, one panel per model.

The marker is filled where the odds ratio is significant at the tables' single-star level
(p < 0.1) and the interval drawn is the matching 90% interval (`FOREST_LEVEL`), so a filled
point never has an interval crossing 1. Panels share their axes. Study text reaches the
figure only through `stagesofprogress.safetext` (mathtext off).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import safetext
from .logistic import LogitResult
from .logit_report import _variables, shown_results

if TYPE_CHECKING:  # annotations only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FOREST_LEVEL", "forest_plot"]


#: Coverage of the forest plots' intervals: 90%, the level of the tables' single star (p < 0.1).
FOREST_LEVEL = 0.90


@safetext.plain_mpl
def forest_plot(
    results: Mapping[str, LogitResult],
    labels: Mapping[str, str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    level: float = FOREST_LEVEL,
) -> Figure:
    """Odds ratios with their confidence intervals on a log axis, one panel per model.

    The panels share both axes (variables and odds-ratio scale). A filled marker means
    p < 1 - `level` (the table's star at 10 %), and the interval drawn is the matching one: a
    filled marker's interval excludes 1, a hollow one's includes it (both are Wald intervals on
    the same standard errors). Dropped or absent variables have no marker (and no row when no
    panel estimates them); results the data cannot support get no panel; intervals beyond the
    axis end in an arrow. The figure is built without pyplot.

    Parameters
    ----------
    results : Mapping of str to LogitResult
        Fitted models by group; each supported one gets a panel, in this order.
    labels : Mapping of str to str, optional
        Variable name to the label shown on the axis; a name without a label is shown as it is.
    ax : Axes or sequence of Axes, optional
        One Axes per supported model, to draw into an existing figure; ``None`` makes a new figure.
    groups : Mapping of str to sequence of str, optional
        Heading to variables, the order of the rows (as in `paper_table`).
    level : float
        Confidence level of the intervals (0.90 by default).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    ValueError
        When no model can be shown, or `ax` has the wrong number of Axes.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, LogLocator, NullFormatter

    from . import figstyle as fs

    alpha = 1.0 - level
    labels = dict(labels or {})
    results = shown_results(results)
    vars_ = [v for _, vs in _variables(results, groups) for v in vs]
    vars_ = [v for v in vars_ if any(v in r.estimated for r in results.values())]
    n = len(vars_)
    lines = max([_forest_label(labels.get(v, v)).count("\n") + 1 for v in vars_] or [1])
    with __import__("matplotlib").rc_context(fs.RC):
        if ax is None:
            fig = fs.figure(height=max(3.0, (0.47 if lines > 1 else 0.3) * n + 2.0))
            axes = fig.subplots(1, len(results), sharey=True, sharex=True, squeeze=False)[0]
        else:
            axes = np.atleast_1d(np.asarray(ax, dtype=object))
            if len(axes) != len(results):
                raise ValueError(f"forest_plot needs {len(results)} Axes, got {len(axes)}.")
            fig = axes[0].figure
        ypos = {v: i for i, v in enumerate(vars_)}
        drawn = []
        for r in results.values():
            kept = [v for v in vars_ if v in r.predictors and v not in r.dropped]
            ci = r.conf_int_or(alpha=alpha).loc[kept]
            drawn.append(
                (
                    kept,
                    r.odds_ratio[kept].to_numpy(),
                    ci["ci_low"].to_numpy(),
                    ci["ci_high"].to_numpy(),
                    r.pvalue[kept].to_numpy() < alpha,
                )
            )
        lo_lim, hi_lim = _forest_limits(drawn)
        for a, (name, _), (kept, orr, lo, hi, sig) in zip(axes, results.items(), drawn):
            y = np.array([ypos[v] for v in kept], dtype=float)
            a.hlines(y, np.clip(lo, lo_lim, hi_lim), np.clip(hi, lo_lim, hi_lim), color="0.25", linewidth=1.4)
            for cut, end, mark in ((lo < lo_lim, lo_lim, "<"), (hi > hi_lim, hi_lim, ">")):
                if cut.any():  # an empty unclipped line would collapse constrained layout
                    a.plot(np.full(int(cut.sum()), end), y[cut], mark, color="0.25", markersize=6, clip_on=False)
            a.plot(orr[sig], y[sig], "o", color="0.1", markersize=6.5, label=f"p < {alpha:g}")
            a.plot(
                orr[~sig],
                y[~sig],
                "o",
                markerfacecolor="white",
                markeredgecolor="0.1",
                markersize=6.5,
                label=f"p \u2265 {alpha:g}",
            )
            a.axvline(1.0, color="0.5", linestyle="--", linewidth=0.9)
            a.set_xscale("log")
            a.set_title(_cut(str(name), 24), fontsize=fs.BASE)
            a.grid(axis="x", color="0.9", linewidth=0.6)
            a.set_axisbelow(True)
        axes[0].set_xlim(lo_lim / 1.8, hi_lim * 1.8)  # room so the end labels of two panels never touch
        decades = np.arange(np.log10(lo_lim), np.log10(hi_lim) + 1)
        step = max(1, int(np.ceil(len(decades) * len(results) / 7)))  # at most about seven labels in all
        major = [10.0**d for d in decades if d % step == 0] or [1.0]
        for a in axes:
            a.xaxis.set_major_locator(FixedLocator(major))
            a.xaxis.set_major_formatter(_or_tick)
            a.xaxis.set_minor_locator(LogLocator(base=10, subs=(1.0,), numticks=30))
            a.xaxis.set_minor_formatter(NullFormatter())
        axes[0].set_yticks(range(n), [_forest_label(labels.get(v, v)) for v in vars_])
        for a in axes:
            a.set_ylim(n - 0.5, -0.5)
        pct = f"{100 * level:g}%"
        for a in axes:
            a.set_xlabel("Odds ratio", fontsize=fs.BASE)
        handles = [
            Line2D([], [], marker="o", linestyle="-", color="0.1", markersize=6.5),
            Line2D([], [], marker="o", linestyle="-", color="0.1", markerfacecolor="white", markersize=6.5),
        ]
        fig.legend(
            handles,
            [f"p < {alpha:g}: the {pct} interval excludes 1", f"p \u2265 {alpha:g}: it includes 1"],
            loc="outside lower center",
            ncols=1,
            frameon=False,
        )
    return fig


def _cut(s: str, limit: int) -> str:
    s = safetext.clean(s)
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "\u2026"


def _forest_label(text: str) -> str:
    """A study's variable label for the forest plot: wrapped at 26 characters, at most two lines."""
    return textwrap.fill(_cut(text, 60), 26, max_lines=2, placeholder=" \u2026")


def _or_tick(x: float, pos=None) -> str:
    """0.001, 0.01, 0.1, 1, 10, 100 (plain numbers, not powers of ten)."""
    return f"{x:g}" if x >= 1e-4 else f"{x:.0e}"


def _forest_limits(drawn) -> tuple[float, float]:
    """Shared odds-ratio axis: the decades covering every estimate and interval, at most 0.01..1000."""
    vals = np.concatenate([np.concatenate([o, lo, hi]) for _, o, lo, hi, _ in drawn]) if drawn else np.array([1.0])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if not len(vals):
        return 0.1, 10.0
    lo = 10.0 ** max(-2.0, np.floor(np.log10(min(vals.min(), 0.9))))
    hi = 10.0 ** min(3.0, np.ceil(np.log10(max(vals.max(), 1.1))))
    return float(lo), float(hi)
