"""Breed shifts and milk: the livestock evidence behind dairy as a "cargo net".

The paper reads two things from its livestock survey for households that escaped poverty
(and, for breeds, for those that fell into it): whether more of them keep *improved* breeds
than a decade earlier, and whether more of them produce milk, and how much. This module
re-computes both from a study's ``livestock.csv`` and ``production.csv`` with the
definitions of `stagesofprogress.livestock` (a household holds an item when it reports more
than 0 head; it produces when its quantity is above 0), and puts them beside numbers quoted
in a paper's prose (``text_figures.csv``) when the caller names which quoted figure each
computed value answers.

* `has_breeds(study)`: does ``livestock.csv`` distinguish breeds at all?
* `breed_shift(study)`: percent of a category's surveyed households holding each breed, then and now;
* `milk(study)`: producers, percent and total quantity of milk, then and now;
* `quotes_beside(values, folder)`: a computed value beside each quoted one;
* `breed_shift_figure(study)`: the breed shift drawn with seaborn, one panel per region.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from . import figstyle as fs
from . import livestock as ls
from . import published, safetext
from .safetext import MD, md, md_join
from .study import Study

__all__ = [
    "CATEGORY_LABELS",
    "has_breeds",
    "breed_shift",
    "shift_table",
    "shift_text",
    "milk",
    "quotes_beside",
    "breed_shift_figure",
]

CATEGORY_LABELS = {"escaped": "Escaped", "became_poor": "Fell into poverty"}
YEAR_COLOURS = ("#BBBBBB", "#0072B2")
SPECIES_WORDS = {"beef": "beef cattle", "dairy": "dairy cattle"}


def has_breeds(study: Study) -> bool:
    """Whether a breed shift can be computed.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    bool
        True when the study has ``livestock.csv`` with at least one animal of a named breed.
    """
    if not study.has("livestock"):
        return False
    lv = ls.livestock_long(study)
    return bool((lv["breed"].fillna("").astype(str).str.strip() != "").any())


def breed_shift(
    study: Study,
    categories: Sequence[str] = ("escaped", "became_poor"),
    by: str | None = "region",
    period: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Households of each movement category holding each breed, in both survey years.

    Parameters
    ----------
    study : Study
        A study with ``livestock.csv`` whose ``breed`` column names breeds (`has_breeds`).
    categories : sequence of str
        Movement categories (`stagesofprogress.movements.CATEGORIES`), over `period`.
    by : str or None, default "region"
        A household column to group by (``None``: all households only).
    period : (int, int), optional
        The period of the categories; by default the survey's years (`livestock.holdings`).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per group, category, item and year: ``group, category, item, species,
        breed, year, households, base, percent``; only items with a breed.
    """
    if not has_breeds(study):
        raise KeyError("livestock.csv names no breeds, so a shift between breeds cannot be computed.")
    parts = []
    for c in categories:
        h = ls.holdings(study, by=by, category=c, period=period)
        h = h[h["breed"].fillna("").astype(str).str.strip() != ""]
        parts.append(h.assign(category=c))
    out = pd.concat(parts, ignore_index=True)
    cols = ["group", "category", "item", "species", "breed", "year", "households", "base", "percent"]
    return out[cols]


def milk(
    study: Study,
    product: str = "milk",
    categories: Sequence[str] = ("escaped",),
    by: str | None = "region",
    period: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Households producing `product`, and how much, in both survey years, by category and group.

    Parameters
    ----------
    study : Study
        A study with ``production.csv``.
    product : str, default "milk"
        The product code of ``production.csv``.
    categories : sequence of str
        Movement categories over `period`.
    by : str or None, default "region"
        A household column to group by.
    period : (int, int), optional
        The period of the categories; by default the survey's years.

    Returns
    -------
    pandas.DataFrame
        One row per group and category: ``group, category, unit, base, producers_then,
        producers_now, percent_then, percent_now, quantity_then, quantity_now,
        producers_ratio, quantity_ratio`` (now / then; blank when then is 0).
    """
    if not study.has("production"):
        raise KeyError("This study has no production.csv, so milk production cannot be computed.")
    years = ls.settings(study)["years"]
    if len(years) < 2:
        raise ValueError("study.yml `livestock: years` needs two years (then and now).")
    then, now = years[0], years[-1]
    rows = []
    for c in categories:
        p = ls.production_shares(study, by=by, category=c, period=period)
        p = p[p["product"].astype(str) == product]
        if p.empty:
            raise KeyError(f"production.csv has no product {product!r}.")
        for (g, unit), d in p.groupby(["group", "unit"], sort=False):
            d = d.set_index("year")
            row = {"group": g, "category": c, "unit": unit, "base": int(d["base"].iloc[0])}
            for tag, y in (("then", then), ("now", now)):
                row[f"producers_{tag}"] = int(d.at[y, "households"]) if y in d.index else 0
                row[f"percent_{tag}"] = float(d.at[y, "percent"]) if y in d.index else np.nan
                row[f"quantity_{tag}"] = float(d.at[y, "quantity"]) if y in d.index else 0.0
            rows.append(row)
    out = pd.DataFrame(rows)
    for k in ("producers", "quantity"):
        base = out[f"{k}_then"].where(out[f"{k}_then"] > 0)
        out[f"{k}_ratio"] = out[f"{k}_now"] / base
    return out


def quotes_beside(values: Mapping[str, float], folder: Path | None) -> pd.DataFrame:
    """Each computed value beside the figure a paper's prose quotes for it.

    Parameters
    ----------
    values : mapping
        ``{id of text_figures.csv: computed value}``.
    folder : pathlib.Path or None
        The paper folder (`stagesofprogress.published.paper_folder`); ``None`` gives an empty table.

    Returns
    -------
    pandas.DataFrame
        ``statement, unit, paper, book`` in the order of `values`; ids the file lacks are left out.
    """
    cols = ["statement", "unit", "paper", "book"]
    if folder is None or not (Path(folder) / "text_figures.csv").is_file():
        return pd.DataFrame(columns=cols)
    tf = published.text_figures(folder).set_index("id")
    keep = [k for k in values if k in tf.index]
    out = tf.loc[keep, ["statement", "unit", "value"]].rename(columns={"value": "paper"})
    out["book"] = [float(values[k]) for k in keep]
    return out.reset_index(drop=True)[cols]


@fs.rc
def breed_shift_figure(
    study: Study, categories: Sequence[str] = ("escaped", "became_poor"), breed: str = "improved"
) -> Figure:
    """The breed shift as bars.

    Parameters
    ----------
    study : Study
        A study whose ``livestock.csv`` names breeds.
    categories : sequence of str
        Movement categories, one column of panels each.
    breed : str, default "improved"
        The breed shown.

    Returns
    -------
    matplotlib.figure.Figure
        Percent of each category's households holding each species in `breed`, then (grey) and
        now (blue): one row of panels per group (seaborn bars on one shared axis).
    """
    t = breed_shift(study, categories=categories)
    t = t[(t["breed"].astype(str) == breed) & (t["group"] != "All")].copy()
    if t.empty:
        raise KeyError(f"livestock.csv has no {breed!r} breed.")
    groups = list(pd.unique(t["group"]))
    cats = [c for c in categories if c in set(t["category"])]
    t["year"] = t["year"].astype(str)
    t["species"] = t["species"].map(ls.display)
    fig = fs.figure(height=1.6 + 0.62 * t["species"].nunique() * len(groups))
    axes = fig.subplots(len(groups), len(cats), sharex=True, sharey=True, squeeze=False)
    years = list(pd.unique(t["year"]))
    palette = dict(zip(years, YEAR_COLOURS))
    top = float(np.nanmax(t["percent"].to_numpy(dtype=float)))
    for i, g in enumerate(groups):
        for j, c in enumerate(cats):
            ax = axes[i, j]
            d = t[(t["group"] == g) & (t["category"] == c)]
            sns.barplot(data=d, x="percent", y="species", hue="year", hue_order=years, palette=palette,
                        errorbar=None, ax=ax, orient="h", legend=False)  # fmt: skip
            for cont in ax.containers:
                ax.bar_label(cont, fmt="%.0f", padding=2, fontsize=fs.SMALL)
            n = int(d["base"].iloc[0]) if len(d) else 0
            head = CATEGORY_LABELS.get(c, ls.display(c))
            ax.set_title(f"{safetext.clean(g)[:24]}\n{head} (n = {n})", loc="left", fontsize=fs.SMALL)
            ax.set_ylabel("")
            ax.set_xlabel("Percent" if i == len(groups) - 1 else "")
    axes[0, 0].set_xlim(0, max(10.0, top * 1.25))
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=palette[y], label=y) for y in years]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(years), frameon=False)
    fig.suptitle(f"Who holds {breed} breeds, then and now", fontsize=fs.TITLE, fontweight="bold")
    return fig


def shift_table(t: pd.DataFrame) -> pd.DataFrame:
    """`breed_shift` as a table to read.

    Parameters
    ----------
    t : pandas.DataFrame
        The table of `breed_shift`.

    Returns
    -------
    pandas.DataFrame
        A row per group, category and item (the pooled group left out): households, the percent
        holding the item in each survey year, and the change in points.
    """
    t = t[t["group"] != "All"]
    years = sorted(pd.unique(t["year"]))
    w = t.pivot_table(index=["group", "category", "item"], columns="year", values="percent", sort=False)
    w = w.reindex(columns=years)
    n = t.drop_duplicates(["group", "category"]).set_index(["group", "category"])["base"]
    out = pd.DataFrame(
        {
            "Households": [int(n[(g, c)]) for g, c, _ in w.index],
            **{f"{y} (%)": w[y].to_numpy() for y in years},
            "Change (points)": (w[years[-1]] - w[years[0]]).to_numpy(),
        },
        index=pd.MultiIndex.from_tuples(
            [(g, CATEGORY_LABELS.get(c, ls.display(c)), i) for g, c, i in w.index],
            names=["Region", "Households that", "Item"],
        ),
    )
    return out


def shift_text(t: pd.DataFrame, category: str = "escaped", breed: str = "improved") -> MD:
    """The breed shift in words.

    Parameters
    ----------
    t : pandas.DataFrame
        The table of `breed_shift`.
    category : str, default "escaped"
        The movement category described.
    breed : str, default "improved"
        The breed described.

    Returns
    -------
    MD
        Per group, the share of the category's households holding the most held species of
        `breed` then and now, and the ratio of the two.
    """
    d = t[(t["category"] == category) & (t["breed"].astype(str) == breed) & (t["group"] != "All")]
    years = sorted(pd.unique(d["year"]))
    if d.empty or len(years) < 2:
        return MD("")
    parts = []
    for g, x in d.groupby("group", sort=False):
        w = x.pivot_table(index="species", columns="year", values="percent", sort=False)
        best = w[years[-1]].idxmax()
        then, now = float(w.at[best, years[0]]), float(w.at[best, years[-1]])
        ratio = f"{now / then:.1f} times as many" if then > 0 else "where none had"
        parts.append(md("in {g}, {now} percent of them held {item} at the survey against {then} percent ten years "
                        "earlier ({ratio})", g=g, now=f"{now:.0f}", then=f"{then:.0f}",
                        item=f"{breed} {SPECIES_WORDS.get(best, ls.display(best).lower())}",
                        ratio=ratio))  # fmt: skip
    label = CATEGORY_LABELS.get(category, ls.display(category)).lower()
    return MD(md("Among the sampled households that {c}, ", c=label) + md_join("; ", parts) + ".")
