"""Escape and descent community by community, against altitude and distance to market.

The paper says that in every community some households rose and some fell, and that
altitude did not decide how many did. `community_movements` computes, for each community,
the share of its households that escaped poverty and the share that fell into it over one
period (percent of the households whose stage is known in both years, as in the movement
tables), beside the community's altitude and distance to market from ``communities.csv``;
`escape_descent_figure` draws one point per community, regions distinguished, with seaborn.

Both need ``communities.csv`` with an altitude column and a distance-to-market column
(`communities.has_location_columns`); the chapter shows neither otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import communities, plots, safetext
from . import figstyle as fs
from . import movements as mv
from .safetext import MD, md, md_join
from .study import Study

__all__ = ["community_movements", "escape_descent_figure", "summary_text"]

SHARES = {"escaped": "Escaped (%)", "became_poor": "Fell into poverty (%)"}
MARKERS = ["o", "s", "^", "D", "v", "P"]
XLABELS = {"altitude": "Altitude (m)", "distance": "Distance to market (km)"}


def community_movements(study: Study, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Each community's shares of households that escaped and fell into poverty, with its characteristics.

    Parameters
    ----------
    study : Study
        A study whose ``communities.csv`` has altitude and distance columns (`communities.has_location_columns`).
    start, end : int, optional
        The period; by default the study's first and last time points.

    Returns
    -------
    pandas.DataFrame
        One row per community in the order of ``communities.csv``: ``community, region,
        households`` (stage known in both years), ``escaped, became_poor`` (households),
        ``escaped_pct, became_poor_pct``, ``altitude, distance``.
    """
    alt, dist = communities.location_columns(study)
    if alt is None or dist is None:
        raise KeyError("communities.csv needs an altitude and a distance-to-market column for this view.")
    tp = study.time_points
    start, end = start if start is not None else tp[0], end if end is not None else tp[-1]
    counts = mv.movement_counts(study, start, end, by="community").iloc[:-1]  # drop the pooled row
    known = counts[mv.CATEGORIES].sum(axis=1)
    per = pd.DataFrame(
        {
            "community": counts.index.astype(str),
            "households": known.to_numpy(dtype=int),
            "escaped": counts["escaped"].to_numpy(dtype=int),
            "became_poor": counts["became_poor"].to_numpy(dtype=int),
        }
    )
    denom = per["households"].where(per["households"] > 0).astype(float)
    per["escaped_pct"] = 100.0 * per["escaped"] / denom
    per["became_poor_pct"] = 100.0 * per["became_poor"] / denom
    c = study.table("communities")
    info = pd.DataFrame(
        {
            "community": c["community"].astype(str),
            "region": c["region"].astype(str) if "region" in c.columns else mv.ALL,
            "altitude": pd.to_numeric(c[alt], errors="coerce"),
            "distance": pd.to_numeric(c[dist], errors="coerce"),
        }
    ).drop_duplicates("community")
    out = info.merge(per, on="community", how="inner")
    cols = ["community", "region", "households", "escaped", "became_poor", "escaped_pct", "became_poor_pct"]
    return out[[*cols, "altitude", "distance"]].reset_index(drop=True)


@fs.rc
def escape_descent_figure(study: Study, start: int | None = None, end: int | None = None) -> Figure:
    """Escape and descent shares of each community against its altitude and market distance.

    Parameters
    ----------
    study : Study
        A study with the columns `communities.has_location_columns` asks for.
    start, end : int, optional
        The period (default: the first and last time points).

    Returns
    -------
    matplotlib.figure.Figure
        Four panels: escape (top) and descent (bottom) against altitude (left) and distance to
        market (right), one point per community, colour and marker by region; marked synthetic on
        a synthetic study.
    """
    t = community_movements(study, start, end)
    regions = [r for r in study.regions if r in set(t["region"])] + sorted(set(t["region"]) - set(study.regions))
    t = t.assign(region=t["region"].map(lambda r: safetext.clean(r)[:30]))
    names = [safetext.clean(r)[:30] for r in regions]
    palette = dict(zip(names, plots.REGION_COLOURS))
    markers = dict(zip(names, MARKERS * (len(names) // len(MARKERS) + 1)))
    fig = fs.figure(height=5.8)
    axes = fig.subplots(2, 2, sharey="row", sharex="col")
    for i, share in enumerate(SHARES):
        for j, x in enumerate(("altitude", "distance")):
            ax = axes[i, j]
            sns.scatterplot(data=t, x=x, y=f"{share}_pct", hue="region", style="region", hue_order=names,
                            style_order=names, palette=palette, markers=markers, s=46, edgecolor="white",
                            linewidth=0.6, ax=ax, legend=False)  # fmt: skip
            ax.set_xlabel(XLABELS[x] if i == 1 else "")
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.set_ylabel(SHARES[share] if j == 0 else "")
            ax.grid(color="0.92", linewidth=0.6)
            ax.set_axisbelow(True)
    top = float(np.nanmax(t[[f"{s}_pct" for s in SHARES]].to_numpy(dtype=float)))
    for ax in axes[:, 0]:
        ax.set_ylim(-1.5, max(5.0, top * 1.08))
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=markers[n],
            color=palette[n],
            markeredgecolor="white",
            markersize=8,
            label=f"{n} ({int((t['region'] == n).sum())})",
        )  # fmt: skip
        for n in names
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(2, len(handles)), frameon=False)
    tp = study.time_points
    s0, s1 = start if start is not None else tp[0], end if end is not None else tp[-1]
    fig.suptitle(f"Escape and descent by community, {s0}\u2013{s1}", fontsize=fs.TITLE, fontweight="bold")
    fs.synthetic_mark(fig, study)  # the paper publishes no community's shares
    return fig


def summary_text(t: pd.DataFrame) -> MD:
    """Sentences on the community view.

    Parameters
    ----------
    t : pandas.DataFrame
        The table of `community_movements`.

    Returns
    -------
    MD
        In how many communities some households rose and some fell, and the range of the escape
        and descent shares in each region (study names escaped).
    """
    both = int(((t["escaped"] > 0) & (t["became_poor"] > 0)).sum())
    head = md("In {both} of the {n} communities at least one household escaped poverty and at least one fell into it.",
              both=f"{both:,}", n=f"{len(t):,}")  # fmt: skip
    parts = []
    for region, d in t.groupby("region", sort=False):
        parts.append(md("in {r}, the share that escaped runs from {e0} to {e1} percent and the share that fell from "
                        "{f0} to {f1} percent", r=region, e0=f"{d['escaped_pct'].min():.0f}",
                        e1=f"{d['escaped_pct'].max():.0f}", f0=f"{d['became_poor_pct'].min():.0f}",
                        f1=f"{d['became_poor_pct'].max():.0f}"))  # fmt: skip
    tail = MD(" Community by community, " + md_join("; ", parts) + ".") if parts else MD("")
    return MD(head + tail)
