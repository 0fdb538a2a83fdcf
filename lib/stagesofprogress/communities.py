"""Characteristics of the communities studied (the paper's Table 1).

Every row of Table 1 is a summary over communities, per region and for all of them
("Both regions"): a mean for measured characteristics, a percent of communities for 0/1
ones, and for the economic activities the percent citing each one plus its order of
importance (the bracketed rank). The rank follows the rule the contract documents for
`rank_<activity>` (schema.COMMUNITIES): a Borda count, sum over communities of
(K + 1 - rank) with K the number of rank columns, uncited = 0; activities ordered by
score, ties broken by more communities citing, then column order. `other` takes a place
in that order without being printed, as in the paper.

Columns of communities.csv beyond the contract are summarised too (means, or percents
when they only hold 0 and 1), under "Other characteristics", so a study's own additions
appear without code changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from . import outputs
from .study import Study

__all__ = [
    "BOTH",
    "TABLE1_ROWS",
    "ACTIVITIES_SECTION",
    "OTHER_SECTION",
    "ACTIVITY_LABELS",
    "SUMMARY_COLUMNS",
    "ALTITUDE_COLUMNS",
    "DISTANCE_COLUMNS",
    "pick_column",
    "location_columns",
    "has_location_columns",
    "activity_codes",
    "activity_ranks",
    "communities_summary",
    "table1",
]

#: Columns of ``communities.csv`` that may hold a community's altitude (the first present is used).
ALTITUDE_COLUMNS = ("altitude_m", "altitude", "elevation_m")
#: Columns of ``communities.csv`` that may hold its distance to a market (the first present is used).
DISTANCE_COLUMNS = (
    "dist_trading_center_km",
    "distance_market_km",
    "distance_trading_center_km",
    "distance_to_market_km",
    "market_distance_km",
)


def pick_column(df: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    """The first of `candidates` that is a column of `df`, or ``None``.

    Parameters
    ----------
    df : pandas.DataFrame
        A table of the study.
    candidates : sequence of str
        Column names, in order of preference.

    Returns
    -------
    str or None
        The column found.
    """
    return next((c for c in candidates if c in df.columns), None)


def location_columns(study: Study) -> tuple[str | None, str | None]:
    """The altitude and distance-to-market columns of ``communities.csv``.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    tuple of (str or None, str or None)
        The column names, ``None`` where absent (or both ``None`` without ``communities.csv``).
    """
    if not study.has("communities"):
        return None, None
    c = study.table("communities")
    return pick_column(c, ALTITUDE_COLUMNS), pick_column(c, DISTANCE_COLUMNS)


def has_location_columns(study: Study) -> bool:
    """Whether ``communities.csv`` has both an altitude and a market-distance column.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    bool
        True when both columns are there (the community view of the escape-descent chapter
        can be drawn).
    """
    alt, dist = location_columns(study)
    return alt is not None and dist is not None


BOTH = "Both regions"

#: Table 1 rows as printed: (section, column, label, statistic).
TABLE1_ROWS: list[tuple[str, str, str, str]] = [
    ("Average for communities surveyed", "altitude_m", "Altitude (m)", "mean"),
    ("Average for communities surveyed", "households_reported", "No. of households", "mean"),
    ("Average for communities surveyed", "households_with_land", "No. of households with land", "mean"),
    ("Average for communities surveyed", "households_without_land", "No. of households without land", "mean"),
    ("Average for communities surveyed", "primary_schools", "No. of primary schools", "mean"),
    ("Average for communities surveyed", "dist_secondary_school_km", "Distance to secondary school (km)", "mean"),
    ("Average for communities surveyed", "dist_health_facility_km", "Distance to health facility (km)", "mean"),
    (
        "Average for communities surveyed",
        "dist_trading_center_km",
        "Distance to the nearest trading center (km)",
        "mean",
    ),
    ("Average for communities surveyed", "area", "Area of community", "mean"),
    ("Average for communities surveyed", "pct_income_livestock", "Percent of income from livestock", "mean"),
    ("Percent of communities with:", "clean_water", "Access to clean water", "percent"),
    ("Percent of communities with:", "telephone", "Telephone services available", "percent"),
    ("Percent of communities with:", "electricity", "Access to electricity", "percent"),
    ("Percent of communities with:", "regular_transport", "Regular transport services available", "percent"),
    ("Percent of communities with:", "veterinary", "Veterinary services available", "percent"),
    ("Percent of communities with:", "road_months", "Accessible village link road (number of months in a yr)", "mean"),
]
ACTIVITIES_SECTION = "Percent of communities citing these economic activities as important*:"
OTHER_SECTION = "Other characteristics"

#: Activity codes (act_<code>, rank_<code>) and their printed labels, in the paper's order.
ACTIVITY_LABELS: dict[str, str] = {
    "livestock_production": "Livestock production",
    "crop_agriculture": "Crop agriculture",
    "trade_livestock_products": "Trade in livestock products",
    "casual_labor": "Casual labor",
    "handicrafts": "Handicrafts",
    "business": "Business",
    "livestock_trade": "Livestock trade",
    "other": "Other activities",
}

SUMMARY_COLUMNS = ["section", "variable", "label", "group", "communities", "value", "rank", "printed"]


def _communities(study: Study) -> pd.DataFrame:
    if not study.has("communities"):
        raise KeyError("This study has no communities.csv: Table 1 summarises communities.")
    return study.table("communities")


def _groups(study: Study, df: pd.DataFrame, by: str) -> list[str]:
    order = [str(r) for r in pd.unique(study.households[by])] if by in study.households.columns else []
    order += [str(r) for r in pd.unique(df[by]) if str(r) not in order]
    return order


def _with_both(df: pd.DataFrame, by: str, both: str) -> pd.DataFrame:
    return pd.concat([df.assign(group=df[by].astype(str)), df.assign(group=both)], ignore_index=True)


def activity_codes(df: pd.DataFrame) -> list[str]:
    """Activities of a communities table: act_<code> or rank_<code> columns, in column order.

    Parameters
    ----------
    df : pandas.DataFrame
        communities.csv as loaded (`Study.table`).

    Returns
    -------
    list of str
        Each activity code once, in the order its first column appears.
    """
    codes: list[str] = []
    for c in df.columns:
        for prefix in ("act_", "rank_"):
            if c.startswith(prefix) and c[len(prefix) :] not in codes:
                codes.append(c[len(prefix) :])
    return codes


def activity_ranks(study: Study, by: str = "region", both: str = BOTH) -> pd.DataFrame:
    """Percent of communities citing each activity, and its place in the Borda order, per group.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str, default "region"
        The community column to group by.
    both : str, default "Both regions"
        The name of the row for every community together.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``group, activity, label, communities, citing, percent, score, rank`` (rank blank
        when no community of the group cites the activity).
    """
    df = _communities(study)
    codes = activity_codes(df)
    if not codes:
        return pd.DataFrame(columns=["group", "activity", "label", "communities", "citing", "percent", "score", "rank"])
    k = len(codes)
    ranks = pd.DataFrame(
        {c: pd.to_numeric(df[f"rank_{c}"], errors="coerce") if f"rank_{c}" in df else np.nan for c in codes},
        index=df.index,
    ).astype(float)
    # citing: the act_ flag when present, otherwise a rank was given
    cites = pd.DataFrame(
        {
            c: (pd.to_numeric(df[f"act_{c}"], errors="coerce").fillna(0) > 0) if f"act_{c}" in df else ranks[c].notna()
            for c in codes
        },
        index=df.index,
    ).astype(int)
    score = (k + 1 - ranks).where(ranks.notna(), 0.0)
    base = pd.concat(
        [
            df[[by]].reset_index(drop=True),
            cites.add_prefix("c:").reset_index(drop=True),
            score.add_prefix("s:").reset_index(drop=True),
        ],
        axis=1,
    )
    data = _with_both(base, by, both)
    groups = _groups(study, df, by) + [both]
    g = data.groupby("group", sort=False)
    n = g.size().reindex(groups)
    citing = g[[f"c:{c}" for c in codes]].sum().reindex(groups).set_axis(codes, axis=1)
    scores = g[[f"s:{c}" for c in codes]].sum().reindex(groups).set_axis(codes, axis=1)
    long = pd.DataFrame(
        {
            "group": np.repeat(groups, k),
            "activity": codes * len(groups),
            "communities": np.repeat(n.to_numpy(), k),
            "citing": citing.to_numpy().ravel(),
            "score": scores.to_numpy().ravel(),
        }
    )
    long["order"] = np.tile(np.arange(k), len(groups))
    ranked = long.sort_values(
        ["group", "score", "citing", "order"], ascending=[True, False, False, True], kind="stable"
    )
    ranked["rank"] = ranked.groupby("group", sort=False).cumcount() + 1
    long["rank"] = ranked["rank"].reindex(long.index).astype("Int64")
    long.loc[long["citing"] == 0, "rank"] = pd.NA
    long["percent"] = 100.0 * long["citing"] / long["communities"]
    long["label"] = long["activity"].map(lambda c: ACTIVITY_LABELS.get(c, c.replace("_", " ").capitalize()))
    return long[["group", "activity", "label", "communities", "citing", "percent", "score", "rank"]]


def communities_summary(study: Study, by: str = "region", both: str = BOTH) -> pd.DataFrame:
    """The paper's Table 1 as a tidy frame: one row per characteristic and group.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str, default "region"
        The community column to group by (groups first, then `both`).
    both : str, default "Both regions"
        The name of the column for every community together.

    Returns
    -------
    pandas.DataFrame
        Columns ``section, variable, label, group, communities, value, rank, printed``: the
        number of communities with a value, the mean or percent, the rank (activities only) and
        the cell as Table 1 prints it (``"100 (1)"``). Characteristics the study does not
        record are left out.
    """
    df = _communities(study)
    groups = _groups(study, df, by) + [both]
    known = {col for _s, col, _l, _k in TABLE1_ROWS}
    act_cols = {f"{p}{c}" for c in activity_codes(df) for p in ("act_", "rank_")}
    rows = [(s, col, lab, kind) for s, col, lab, kind in TABLE1_ROWS if col in df.columns]
    for col in df.columns:
        if col in known or col in act_cols or col in ("community", by, "region"):
            continue
        v = pd.to_numeric(df[col], errors="coerce")
        if v.notna().any() and v.notna().sum() == df[col].notna().sum():
            kind = "percent" if set(v.dropna().unique()) <= {0, 1} else "mean"
            rows.append((OTHER_SECTION, col, col, kind))
    parts = []
    if rows:
        cols = [col for _s, col, _l, _k in rows]
        values = df[cols].apply(pd.to_numeric, errors="coerce").astype(float)
        values[by] = df[by].astype(str).to_numpy()
        data = _with_both(values, by, both)
        g = data.groupby("group", sort=False)
        means = g[cols].mean().reindex(groups)
        counts = g[cols].count().reindex(groups)
        meta = pd.DataFrame(rows, columns=["section", "variable", "label", "kind"])
        long = means.stack(future_stack=True).rename("value").rename_axis(["group", "variable"]).reset_index()
        long["communities"] = counts.stack(future_stack=True).to_numpy()
        long = long.merge(meta, on="variable", how="left")
        long.loc[long["kind"] == "percent", "value"] *= 100.0
        long["rank"] = pd.array([pd.NA] * len(long), dtype="Int64")
        long["_row"] = long["variable"].map({c: i for i, c in enumerate(cols)})
        parts.append(long)
    acts = activity_ranks(study, by, both)
    if len(acts):
        a = acts.rename(columns={"activity": "variable", "percent": "value"})
        a = a[a["variable"] != "other"].copy()
        a["section"] = ACTIVITIES_SECTION
        a["kind"] = "percent"
        a["_row"] = len(rows) + a["variable"].map({c: i for i, c in enumerate(pd.unique(a["variable"]))})
        parts.append(a[["group", "variable", "value", "communities", "section", "label", "kind", "rank", "_row"]])
    if not parts:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["group"] = pd.Categorical(out["group"], categories=groups, ordered=True)
    out = out.sort_values(["_row", "group"], kind="stable").reset_index(drop=True)
    out["group"] = out["group"].astype(str)
    out["communities"] = out["communities"].astype(int)
    out["printed"] = [
        _printed(v, r, k, lab) for v, r, k, lab in zip(out["value"], out["rank"], out["kind"], out["label"])
    ]
    return out[SUMMARY_COLUMNS]


def _round(value: float, decimals: int) -> str:
    """Round half up, as a table printed by hand would (74.5 -> 75)."""
    q = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def _printed(value: float, rank, kind: str, label: str) -> str:
    """The cell as Table 1 prints it: whole numbers, one decimal for distances and pooled
    percents that are not whole, "percent (rank)" for activities, blank when nobody cites."""
    if value is None or not np.isfinite(value):
        return ""
    has_rank = not pd.isna(rank)
    if kind == "percent" and label in ACTIVITY_LABELS.values() and not has_rank:
        return ""  # an activity no community of the group cites is left blank
    if has_rank:
        return f"{_round(value, 0)} ({int(rank)})"
    if kind == "percent":
        return _round(value, 0) if float(value).is_integer() else _round(value, 1)
    return _round(value, 1) if label.startswith("Distance") else _round(value, 0)


def table1(study: Study, by: str = "region", both: str = BOTH) -> pd.DataFrame:
    """Table 1 in the paper's layout: rows = characteristics (as printed), columns = groups.

    Parameters
    ----------
    study : Study
        A loaded study with communities.csv.
    by : str
        The communities.csv column that defines groups (``region`` by default).
    both : str
        The label of the column for all communities together.

    Returns
    -------
    pandas.DataFrame
        Indexed by the characteristic's label, one column of printed text per group in order of
        appearance (see `communities_summary`).
    """
    s = communities_summary(study, by, both)
    wide = s.pivot_table(index="label", columns="group", values="printed", aggfunc="first", sort=False)
    return wide.reindex(columns=list(pd.unique(s["group"])))


@outputs.producer("communities")
def _produce(study: Study) -> dict[str, pd.DataFrame]:
    if not study.has("communities"):
        return {}
    return {"communities_summary.csv": communities_summary(study)}
