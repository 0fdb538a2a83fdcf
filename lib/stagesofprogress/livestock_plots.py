"""Figures of the livestock chapter: holdings then and now (Table 6) and herd sizes (Table 8).

Re-exported by `plots` (`sop.plots.paired_bars`, `sop.plots.herd_sizes`). Like every figure of
the book, they return a pyplot-free `Figure` drawn at the column width (`figstyle`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from . import figstyle as fs
from . import movements as mv
from .plots import BASE, GREY, NOT_POOR, SMALL, _figure, _rc, _short, _suptitle, _wrap
from .study import Study

__all__ = ["herd_sizes", "paired_bars"]


@_rc
def paired_bars(
    table: pd.DataFrame,
    label: str,
    before: str,
    after: str,
    group: str | None = None,
    before_name: str = "10 years ago",
    after_name: str = "now",
    xlabel: str = "Households (%)",
    title: str = "",
) -> Figure:
    """Two bars per row (e.g. households owning a species then and now), one panel per group.

    Used for Tables 6 and 8 (livestock holdings and herd sizes then and now). Rows whose two
    values are both missing are left out of the panel.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy: one row per (group, label), with the two values in columns `before` and `after`.
    label : str
        The column of row labels.
    before, after : str
        The columns of the two values.
    group : str, optional
        The column whose values make the panels; ``None`` for one panel.
    before_name, after_name : str
        The legend's names of the two bars.
    xlabel : str
        The x-axis label.
    title : str
        The figure's title (empty for none).

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot.
    """
    groups = list(pd.unique(table[group])) if group else [None]
    sizes = []
    for g in groups:
        d = table if g is None else table[table[group] == g]
        sizes.append(int(d[[before, after]].notna().any(axis=1).sum()))
    fig = _figure(height=1.0 + sum(0.42 * s + 0.8 for s in sizes))
    axes = fig.subplots(
        len(groups), 1, squeeze=False, sharex=True, gridspec_kw={"height_ratios": [max(s, 1) + 1.5 for s in sizes]}
    )[:, 0]
    for ax, g in zip(axes, groups):
        d = table if g is None else table[table[group] == g]
        d = d[d[[before, after]].notna().any(axis=1)][::-1]
        y = np.arange(len(d))
        ax.barh(y + 0.19, d[before].fillna(0), height=0.36, color="#999999", label=before_name)
        ax.barh(y - 0.19, d[after].fillna(0), height=0.36, color=NOT_POOR, label=after_name)
        ax.set_yticks(y, [_wrap(s, 30) for s in d[label]], fontsize=SMALL)
        if g is not None:
            ax.set_title(_short(g, 60), loc="left", fontsize=BASE)
    axes[-1].set_xlabel(xlabel)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    if title:
        _suptitle(fig, title)
    return fig


@_rc
def herd_sizes(study: Study, category: str = "escaped", small_n: int = fs.SMALL_N) -> Figure:
    """Mean herd size of one movement category's holders then and now (Table 8), as small multiples.

    One panel per species and breed, each with its own axis (about 50 sheep and about 3 cattle
    do not share a scale), one pair of bars per region. A mean of 1 to `small_n` holders is
    hatched and labelled with its n (see the legend); an item no household of a region held has
    no bar.

    Parameters
    ----------
    study : Study
        A loaded study with livestock.csv.
    category : str
        A movement category (`movements.CATEGORIES`).
    small_n : int
        The largest number of holders whose mean is hatched.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot.
    """
    from . import livestock

    t = livestock.herd_sizes(study, category=category)
    t = t[t["group"] != mv.ALL]
    years = sorted(t["year"].unique())
    then, now = (years[0], years[-1]) if years else (None, None)
    items = [i for i in pd.unique(t["item"]) if t.loc[t["item"] == i, "mean"].notna().any()]
    regions = list(pd.unique(t["group"]))
    ncols = 2
    nrows = max(1, int(np.ceil(len(items) / ncols)))
    fig = _figure(height=1.5 + nrows * (0.55 * len(regions) + 0.85))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    y = np.arange(len(regions))[::-1].astype(float)
    for ax, item in zip(axes, items):
        d = t[t["item"] == item]
        top = float(d["mean"].max())
        for year, off, colour in ((then, 0.19, "#999999"), (now, -0.19, NOT_POOR)):
            r = d[d["year"] == year].set_index("group").reindex(regions)
            mean, n = r["mean"].to_numpy(dtype=float), r["valid_n"].fillna(0).to_numpy(dtype=int)
            small = (n >= 1) & (n <= small_n)
            ax.barh(
                y + off,
                np.nan_to_num(mean),
                height=0.36,
                color=colour,
                hatch=[fs.SMALL_N_HATCH if f else "" for f in small],
                edgecolor="white",
                linewidth=0,
            )
            for yi, m, k in zip(y + off, mean, n):
                if 1 <= k <= small_n:
                    ax.text(m + top * 0.03, yi, f"n={k}", va="center", fontsize=SMALL)
        held = d.groupby("group", sort=False)["mean"].count().reindex(regions, fill_value=0).to_numpy()
        for yi in y[held == 0]:
            ax.text(top * 0.03, yi, "no holder", va="center", fontsize=SMALL, color=GREY)
        ax.set_xlim(0, top * 1.35 if top > 0 else 1)
        ax.set_yticks(y, [_short(g, 12) for g in regions])
        ax.set_title(_short(item, 24), loc="left", fontsize=BASE)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.set_major_locator(MaxNLocator(3))
    for ax in axes[len(items) :]:
        ax.set_visible(False)
    handles = [
        Rectangle((0, 0), 1, 1, color="#999999"),
        Rectangle((0, 0), 1, 1, color=NOT_POOR),
        Rectangle((0, 0), 1, 1, facecolor=NOT_POOR, hatch=fs.SMALL_N_HATCH, edgecolor="white"),
    ]
    fig.legend(
        handles, [str(then), str(now), fs.small_n_note(small_n)], loc="outside lower center", ncols=3, frameon=False
    )
    _suptitle(fig, "Mean number of animals per holder")
    return fig
