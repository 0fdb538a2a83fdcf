"""Poverty status, movement categories (the paper's steps 5 and Table 3) and stage transitions.

Everything is vectorized: a category is a two-bit code (poor at start, poor at end), and
counts by group come from one `np.bincount`, so a million households take milliseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .study import Study

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "COUNTERPART",
    "ALL",
    "stages",
    "poverty_status",
    "movement_categories",
    "movement_counts",
    "movement_table",
    "all_movements",
    "movement_summary",
    "transition_matrix",
    "poverty_rates",
    "mean_by_stage",
]

#: Movement categories in the paper's order (A, B, C, D).
CATEGORIES = ["remained_poor", "escaped", "became_poor", "remained_not_poor"]
CATEGORY_LABELS = {
    "remained_poor": "Remained poor",
    "escaped": "Escaped poverty",
    "became_poor": "Became poor",
    "remained_not_poor": "Remained not poor",
}
#: A category's counterpart with the same status at the start of the period.
COUNTERPART = {
    "escaped": "remained_poor",
    "remained_poor": "escaped",
    "became_poor": "remained_not_poor",
    "remained_not_poor": "became_poor",
}
ALL = "All"

# code = 2 * poor_at_start + poor_at_end  ->  index into CATEGORIES
_CODE_TO_CAT = np.array([3, 2, 1, 0])  # (0,0) not->not, (0,1) became, (1,0) escaped, (1,1) remained


def stages(study: Study, year: int) -> pd.Series:
    """Stage of every household in one year.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    year : int
        One of the study's time points.

    Returns
    -------
    pandas.Series
        Nullable integers (``<NA>`` where the stage is unknown), in the order of the households.
    """
    return study.households[study.stage_column(year)]


def poverty_status(study: Study) -> pd.DataFrame:
    """Whether each household was poor at each time point.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``household_id``, one boolean column per year: ``True`` when the stage is at or
        below the study's poverty cutoff, ``False`` above it, ``<NA>`` when unknown.

    Examples
    --------
    >>> import stagesofprogress as sop
    >>> status = poverty_status(sop.load_study("data/example"))
    >>> status.sum()  # households poor in each year
    year
    1979    26
    1994    25
    2004    26
    dtype: Int64
    """
    out = {}
    cut = study.cutoffs()
    for y in study.time_points:
        s = stages(study, y)
        out[y] = (s <= cut).astype("boolean")
    df = pd.DataFrame(out, index=study.households.index)
    df.index = study.households["household_id"].to_numpy()
    df.index.name = "household_id"
    df.columns.name = "year"
    return df


def _codes(study: Study, start: int, end: int) -> np.ndarray:
    """Category index 0..3 per household, -1 where a stage is unknown in either year."""
    s0 = stages(study, start).to_numpy(dtype=float, na_value=np.nan)
    s1 = stages(study, end).to_numpy(dtype=float, na_value=np.nan)
    known = ~(np.isnan(s0) | np.isnan(s1))
    cut = study.cutoffs()  # each community's own poverty line (ladders.csv), else study.yml's
    code = 2 * (s0 <= cut).astype(np.int8) + (s1 <= cut).astype(np.int8)
    cat = _CODE_TO_CAT[code]
    cat[~known] = -1
    return cat


def movement_categories(study: Study, start: int, end: int) -> pd.Series:
    """Each household's movement category over one period.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    start, end : int
        Two time points of the study, the earlier first.

    Returns
    -------
    pandas.Series
        Categorical with the categories of `CATEGORIES`, indexed by ``household_id``; ``<NA>``
        where the stage is unknown in either year.

    Examples
    --------
    >>> import stagesofprogress as sop
    >>> cats = movement_categories(sop.load_study("data/example"), 1979, 2004)
    >>> cats.value_counts()
    movement_1979_2004
    remained_poor        23
    remained_not_poor    10
    escaped               3
    became_poor           2
    Name: count, dtype: int64
    """
    codes = _codes(study, start, end)
    cat = pd.Categorical.from_codes(codes, categories=CATEGORIES)
    return pd.Series(cat, index=study.households["household_id"].to_numpy(), name=f"movement_{start}_{end}")


def _group_values(study: Study, by: str | None) -> tuple[np.ndarray, list[str]]:
    if by is None:
        return np.zeros(len(study.households), dtype=np.int64), []
    col = study.households[by]
    codes, uniques = pd.factorize(col, sort=False)
    return codes, [str(u) for u in uniques]


def movement_counts(study: Study, start: int, end: int, by: str | None = "region") -> pd.DataFrame:
    """Households per group and movement category.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    start, end : int
        Two time points of the study, the earlier first.
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.

    Returns
    -------
    pandas.DataFrame
        Indexed by group (in order of appearance, then `ALL`), one column per category of
        `CATEGORIES` plus ``unknown`` (households left out because a stage is missing in either year).

    Examples
    --------
    >>> import stagesofprogress as sop
    >>> movement_counts(sop.load_study("data/example"), 1979, 2004)
               remained_poor  escaped  became_poor  remained_not_poor  unknown
    group
    Puno                  10        1            2                  6        1
    Cajamarca             13        2            0                  4        1
    All                   23        3            2                 10        2
    """
    return _counts(study, start, end, _group_values(study, by))


def _counts(study: Study, start: int, end: int, groups: tuple[np.ndarray, list[str]]) -> pd.DataFrame:
    """`movement_counts` for groups already coded by `_group_values` (coded once for many periods)."""
    cat = _codes(study, start, end)
    gcodes, names = groups
    ng = len(names)
    slot = np.where(cat >= 0, cat, 4)  # 4 = unknown
    counts = np.zeros((ng + 1, 5), dtype=np.int64)
    if ng:
        valid = gcodes >= 0  # factorize gives -1 for missing group values
        counts[:ng] = np.bincount(gcodes[valid] * 5 + slot[valid], minlength=ng * 5).reshape(ng, 5)
    counts[ng] = np.bincount(slot, minlength=5)
    df = pd.DataFrame(counts, index=pd.Index(names + [ALL], name="group"), columns=CATEGORIES + ["unknown"])
    return df


def movement_table(study: Study, start: int, end: int, by: str | None = "region") -> pd.DataFrame:
    """The movement categories of one period as a tidy table.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    start, end : int
        Two time points of the study, the earlier first.
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.

    Returns
    -------
    pandas.DataFrame
        Columns ``start, end, group, category, households, percent``; the percent is of the
        households whose stage is known in both years.

    Examples
    --------
    >>> import stagesofprogress as sop
    >>> movement_table(sop.load_study("data/example"), 1979, 2004, by=None)
       start   end group           category  households    percent
    0   1979  2004   All      remained_poor          23  60.526316
    1   1979  2004   All            escaped           3   7.894737
    2   1979  2004   All        became_poor           2   5.263158
    3   1979  2004   All  remained_not_poor          10  26.315789
    """
    return _table(movement_counts(study, start, end, by), start, end)


def _table(counts: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    known = counts[CATEGORIES].sum(axis=1)
    long = counts[CATEGORIES].stack().rename("households").reset_index()
    long.columns = ["group", "category", "households"]
    # positional (group-major, 4 categories each): a region may itself be named "All"
    denom = np.repeat(known.to_numpy(dtype=float), len(CATEGORIES))
    with np.errstate(invalid="ignore", divide="ignore"):
        long["percent"] = np.where(denom > 0, 100.0 * long["households"].to_numpy() / denom, np.nan)
    long.insert(0, "end", end)
    long.insert(0, "start", start)
    return long


def all_movements(
    study: Study, by: str | None = "region", periods: list[tuple[int, int]] | None = None
) -> pd.DataFrame:
    """`movement_table` for several periods, stacked (the content of ``movements.csv``).

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.
    periods : list of (int, int), optional
        The periods; by default every period of the study (`Study.periods`).

    Returns
    -------
    pandas.DataFrame
        The rows of `movement_table` for each period, in the order of `periods`.
    """
    periods = periods or study.periods()
    return pd.concat([movement_table(study, a, b, by) for a, b in periods], ignore_index=True)


def movement_summary(study: Study, start: int, end: int, by: str | None = "region") -> pd.DataFrame:
    """One period in the shape of the paper's Table 3.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    start, end : int
        Two time points of the study, the earlier first.
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.

    Returns
    -------
    pandas.DataFrame
        One row per group: the percent in each category, ``poor_at_start``, ``poor_at_end``,
        ``households`` (known in both years) and ``unknown``.
    """
    return _summary(movement_counts(study, start, end, by), start, end)


def _summary(counts: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    known = counts[CATEGORIES].sum(axis=1)
    pct = counts[CATEGORIES].div(known.where(known > 0), axis=0) * 100
    out = pct.copy()
    out["poor_at_start"] = pct["remained_poor"] + pct["escaped"]
    out["poor_at_end"] = pct["remained_poor"] + pct["became_poor"]
    out["households"] = known
    out["unknown"] = counts["unknown"]
    out.insert(0, "end", end)
    out.insert(0, "start", start)
    return out


def transition_matrix(
    study: Study, start: int, end: int, normalize: bool = False, group: tuple[str, str] | None = None
) -> pd.DataFrame:
    """Stage at `start` (rows) by stage at `end` (columns).

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    start, end : int
        Two time points of the study, the earlier first.
    normalize : bool, default False
        Give row shares (each row sums to 1; rows without households are NaN) instead of counts.
    group : (str, str), optional
        ``(column, value)``, for example ``("region", "Puno")``, to count one group only.

    Returns
    -------
    pandas.DataFrame
        A square frame over stages ``1 .. n_stages``. Households with an unknown stage are left out.

    Examples
    --------
    >>> import stagesofprogress as sop
    >>> m = transition_matrix(sop.load_study("data/example"), 1979, 2004)
    >>> m.shape, int(m.to_numpy().sum())  # 13 stages; 38 households known in both years
    ((13, 13), 38)
    """
    hh = study.households
    s0 = stages(study, start).to_numpy(dtype=float, na_value=np.nan)
    s1 = stages(study, end).to_numpy(dtype=float, na_value=np.nan)
    # households of a community with its own ladder (ladders.csv) are left out: stage numbers of
    # different ladders do not compare
    keep = ~(np.isnan(s0) | np.isnan(s1)) & study.on_study_ladder()
    if group is not None:
        keep &= (hh[group[0]] == group[1]).to_numpy()
    n = study.n_stages
    idx = (s0[keep].astype(np.int64) - 1) * n + (s1[keep].astype(np.int64) - 1)
    m = np.bincount(idx, minlength=n * n).reshape(n, n)
    labels = list(range(1, n + 1))
    df = pd.DataFrame(m, index=pd.Index(labels, name=f"stage_{start}"), columns=pd.Index(labels, name=f"stage_{end}"))
    if normalize:
        rows = df.sum(axis=1)
        df = df.div(rows.where(rows > 0), axis=0)
    return df


def poverty_rates(study: Study, by: str | None = "region") -> pd.DataFrame:
    """Percent poor at each time point, per group and for all households.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, group, households, percent_poor``; only households with a known stage count.

    Examples
    --------
    >>> import stagesofprogress as sop
    >>> poverty_rates(sop.load_study("data/example"), by=None)
       year group  households  percent_poor
    0  1979   All          38     68.421053
    1  1994   All          40     62.500000
    2  2004   All          40     65.000000
    """
    gcodes, names = _group_values(study, by)
    ng = len(names)
    valid = gcodes >= 0
    rows = []
    cut = study.cutoffs()
    for y in study.time_points:
        s = stages(study, y).to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(s)
        poor = known & (s <= cut)
        # households known / poor per group in one pass each (no loop over groups x households)
        k_g = np.bincount(gcodes[valid & known], minlength=ng)
        p_g = np.bincount(gcodes[valid & poor], minlength=ng)
        for i, name in enumerate(names):
            k = int(k_g[i])
            rows.append((y, name, k, 100.0 * p_g[i] / k if k else np.nan))
        k = int(known.sum())
        rows.append((y, ALL, k, 100.0 * poor.sum() / k if k else np.nan))
    return pd.DataFrame(rows, columns=["year", "group", "households", "percent_poor"])


def mean_by_stage(study: Study, column: str, year: int | None = None, top: int | None = None) -> pd.DataFrame:
    """Mean of a numeric household column by stage (the shape of the paper's Table 2).

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    column : str
        A column of ``households.csv``; values that are not numbers are left out.
    year : int, optional
        Whose stages; by default the survey year.
    top : int, optional
        Stages at or above it are pooled into one row (for example "12 and higher"); by default
        the study's ``top_stage`` or its number of stages.

    Returns
    -------
    pandas.DataFrame
        One row per stage with ``households`` and ``mean``.

    Raises
    ------
    KeyError
        `column` is not a column of the households table.
    """
    year = year or study.survey_year
    if column not in study.households.columns:
        raise KeyError(f"households.csv has no column '{column}'.")
    values = pd.to_numeric(study.households[column], errors="coerce").astype(float)
    top = top or int(study.meta.get("top_stage") or study.n_stages)
    s = stages(study, year).astype("Float64").clip(upper=top)
    ok = s.notna() & values.notna() & study.on_study_ladder()  # stage numbers of one ladder only
    g = pd.DataFrame({"stage": s[ok].astype(int), "v": values[ok]}).groupby("stage")["v"]
    out = pd.DataFrame({"households": g.size(), "mean": g.mean()}).reindex(range(1, top + 1))
    out["households"] = out["households"].fillna(0).astype(int)
    labels = [str(i) for i in range(1, top + 1)]
    if top < study.n_stages:
        labels[-1] = f"{top} and higher"
    out.insert(0, "label", labels)
    out.index.name = "stage"
    return out
