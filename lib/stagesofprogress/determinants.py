"""What drives escape and descent, at a glance: every model's odds ratios in one figure.

`determinants_table` gathers the odds ratios and p-values of the escape and descent models
(one `models.ModelFit` each, a result per region), and `determinants_figure` draws them as
one grid with seaborn: a row per variable that is significant in at least one model, a
column per outcome and region. A cell is coloured by its odds ratio (blue below one, red
above, on a log scale) only when p < 0.10, the rule under which the forest plots fill their
marker (`forest.FOREST_LEVEL`); an estimate with p >= 0.10 is written in grey on a
pale cell; a variable the model does not hold leaves its cell blank.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from . import figstyle as fs
from . import forest, logit_report, safetext
from .logistic import CONSTANT
from .safetext import MD, md, md_join

__all__ = ["ALPHA", "determinants_table", "determinants_figure", "summary_text"]

ALPHA = round(1.0 - forest.FOREST_LEVEL, 10)  # 0.10: the forest plots' filled markers
LIMIT = 2.0  # colour scale: odds ratios from 1/100 to 100 (log10 -2 .. 2)
CMAP = LinearSegmentedColormap.from_list("sop_or", ["#0072B2", "#F7F7F7", "#D55E00"])


def determinants_table(fits: Mapping[str, object], alpha: float = ALPHA) -> pd.DataFrame:
    """Odds ratios of several fitted models, tidy.

    Parameters
    ----------
    fits : mapping
        ``{outcome label: ModelFit}``, e.g. ``{"Escape": fit4, "Descent": fit5}``; each fit's
        supported results (one per group, e.g. region) are taken.
    alpha : float
        Significance level of the ``significant`` column.

    Returns
    -------
    pandas.DataFrame
        ``outcome, group, term, label, odds_ratio, pvalue, significant``: one row per estimated
        predictor (the constant and dropped variables left out), in the models' order.
    """
    rows = []
    for outcome, fit in fits.items():
        for group, r in logit_report.shown_results(fit.results).items():
            kept = [t for t in r.estimated if t != CONSTANT]
            orr, p = r.odds_ratio[kept], r.pvalue[kept]
            for t in kept:
                rows.append({"outcome": str(outcome), "group": str(group), "term": t,
                             "label": str(fit.labels.get(t, t)), "odds_ratio": float(orr[t]),
                             "pvalue": float(p[t]), "significant": bool(p[t] < alpha)})  # fmt: skip
    cols = ["outcome", "group", "term", "label", "odds_ratio", "pvalue", "significant"]
    return pd.DataFrame(rows, columns=cols)


def _grid(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    t = t.assign(column=t["outcome"].map(safetext.clean) + "\n" + t["group"].map(lambda g: safetext.clean(g)[:14]))
    columns = list(pd.unique(t["column"]))
    keep = pd.unique(t.loc[t["significant"], "term"])
    terms = [x for x in pd.unique(t["term"]) if x in set(keep)]
    orr = t.pivot_table(index="term", columns="column", values="odds_ratio", aggfunc="first")
    sig = t.pivot_table(index="term", columns="column", values="significant", aggfunc="first")
    orr = orr.reindex(index=terms, columns=columns)
    sig = sig.reindex(index=terms, columns=columns).astype("boolean").fillna(False).astype(bool)
    labels = t.drop_duplicates("term").set_index("term")["label"]
    wrap = [textwrap.fill(safetext.clean(labels[x])[:52], 24, max_lines=2, placeholder=" \u2026") for x in terms]
    return orr, sig, wrap


def _heatmap(shown: np.ndarray, ax, cax, alpha: float) -> None:
    sns.heatmap(pd.DataFrame(shown), mask=np.isnan(shown), cmap=CMAP, vmin=-LIMIT, vmax=LIMIT, center=0.0,
                cbar=True, cbar_ax=cax, linewidths=1.0, linecolor="white", ax=ax,
                cbar_kws={"label": f"Odds ratio, coloured when p < {alpha:g}", "orientation": "horizontal",
                          "ticks": [-2, -1, 0, 1, 2]})  # fmt: skip


@fs.rc
def determinants_figure(fits: Mapping[str, object], study: object = None, alpha: float = ALPHA) -> Figure:
    """The odds ratios of `fits` (see `determinants_table`) as one annotated grid.

    Parameters
    ----------
    fits : mapping
        ``{outcome label: ModelFit}``.
    study : Study or bool, optional
        Marks the figure *synthetic* when the study is (`figstyle.synthetic_mark`).
    alpha : float
        The significance level of a coloured cell.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If no variable is significant in any model (nothing to summarise).
    """
    orr, sig, labels = _grid(determinants_table(fits, alpha))
    if orr.empty:
        raise ValueError(f"No variable is significant at p < {alpha:g} in any of these models.")
    logor = np.log10(orr.to_numpy(dtype=float))
    shown = np.where(sig.to_numpy(), np.clip(logor, -LIMIT, LIMIT), np.nan)
    nrow, ncol = orr.shape
    fig = fs.figure(height=2.6 + 0.5 * nrow)
    ax, cax = fig.subplots(2, 1, height_ratios=[nrow, 0.45])
    with warnings.catch_warnings():  # seaborn 0.13's heatmap calls a colormap method matplotlib 3.11 deprecates
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        _heatmap(shown, ax, cax, alpha)
    cbar = ax.collections[0].colorbar
    cbar.ax.set_xticklabels(["0.01", "0.1", "1", "10", "100"])
    for i in range(nrow):
        for j in range(ncol):
            v = orr.iat[i, j]
            if np.isnan(v):
                continue
            if not sig.iat[i, j]:
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor="#F2F2F2", edgecolor="white", linewidth=1.0))
            strong = sig.iat[i, j] and abs(logor[i, j]) > 1.2
            ax.text(j + 0.5, i + 0.5, f"{v:.2f}" if v < 10 else f"{v:.1f}", ha="center", va="center",
                    fontsize=fs.SMALL, color="white" if strong else ("#111111" if sig.iat[i, j] else "#8A8A8A"),
                    fontweight="bold" if sig.iat[i, j] else "normal")  # fmt: skip
    ax.set_xticks(np.arange(ncol) + 0.5, list(orr.columns), rotation=0)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(nrow) + 0.5, labels, rotation=0)
    ax.tick_params(length=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    fig.suptitle("What goes with escape and descent", fontsize=fs.TITLE, fontweight="bold")
    if study is not None:
        fs.synthetic_mark(fig, study)
    return fig


def summary_text(t: pd.DataFrame) -> MD:
    """Sentences on the determinants grid.

    Parameters
    ----------
    t : pandas.DataFrame
        The table of `determinants_table`.

    Returns
    -------
    MD
        How many variables each model finds significant, and which are significant in more than
        one column.
    """
    sig = t[t["significant"]]
    counts = t.groupby(["outcome", "group"], sort=False)["significant"].agg(["sum", "size"])
    parts = [
        md(
            "{k} of the {n} variables of the {o} model for {g}",
            k=f"{int(r['sum']):,}",
            n=f"{int(r['size']):,}",
            o=o.lower(),
            g=g,
        )  # fmt: skip
        for (o, g), r in counts.iterrows()
    ]
    text = MD(md("Significant at the ten percent level: ") + md_join("; ", parts) + ".")
    multi = sig.groupby("label", sort=False).size()
    multi = [lab for lab, k in multi.items() if k > 1]
    if multi:
        text = MD(
            text
            + md(
                " Significant in more than one column of the figure below: {v}.", v=", ".join(m.lower() for m in multi)
            )
        )
    return text
