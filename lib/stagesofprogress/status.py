"""Three statuses when a study draws a prosperity line: poor, not poor, prosperous.

Several Stages-of-Progress studies draw a second line above the poverty line: households at
or above it are prosperous. A household's status at a time point is ``poor`` (stage at or
below its ladder's poverty cutoff), ``prosperous`` (at or above its ladder's prosperity
line) or ``not_poor`` (in between); ladders per community (ladders.csv) give each household
its own lines. `status_movements` counts households by status at the start and the end of
each period (the nine-cell table), in one `np.bincount` per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import movements as mv
from . import outputs
from .study import Study

__all__ = ["STATUSES", "STATUS_LABELS", "nine_cell_table", "status_codes", "status_movements"]

STATUSES = ["poor", "not_poor", "prosperous"]
STATUS_LABELS = {"poor": "Poor", "not_poor": "Not poor", "prosperous": "Prosperous"}
COLUMNS = ["start", "end", "group", "from_status", "to_status", "households", "percent"]


def status_codes(study: Study, year: int) -> np.ndarray:
    """Status of every household in `year`: 0 poor, 1 not poor, 2 prosperous, -1 unknown stage.

    A household whose ladder has no prosperity line is never prosperous.

    Parameters
    ----------
    study : Study
        A loaded study.
    year : int
        One of the study's time points.

    Returns
    -------
    numpy.ndarray
        64-bit integer codes, one per row of ``study.households``, in its order.

    Examples
    --------
    >>> import stagesofprogress as sop
    >>> status_codes(sop.load_study("data/example"), 2004)[:5]
    array([0, 1, 0, 1, 0])
    """
    s = mv.stages(study, year).to_numpy(dtype=float, na_value=np.nan)
    line = study.prosperity_lines()
    with np.errstate(invalid="ignore"):
        code = np.where(s <= study.cutoffs(), 0, np.where(s >= line, 2, 1)).astype(np.int64)
    code[np.isnan(s)] = -1
    return code


def status_movements(
    study: Study, periods: list[tuple[int, int]] | None = None, by: str | None = "region"
) -> pd.DataFrame:
    """Households by status at the start and at the end of every period, per group and for all.

    Parameters
    ----------
    study : Study
        A study with a prosperity line (`Study.has_prosperity`).
    periods : list of (start, end), optional
        Default: `Study.periods()`.
    by : str or None
        Column of households.csv that names the groups (default ``region``); None: only `All`.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``start, end, group, from_status, to_status, households, percent``; nine rows per
        period and group (groups in order of appearance, then ``All``; statuses poor, not_poor,
        prosperous). `percent` is of the group's households whose stage is known at both dates.
    """
    if not study.has_prosperity:
        raise ValueError(
            "This study draws no prosperity line (prosperity_cutoff in study.yml or prosperous "
            "in ladders.csv), so it has two statuses, not three."
        )
    gcodes, names = mv._group_values(study, by)
    ng = len(names)
    codes = {y: status_codes(study, y) for y in study.time_points}
    frames = []
    for start, end in periods or study.periods():
        a, b = codes[start], codes[end]
        known = (a >= 0) & (b >= 0)
        cell = a * 3 + b
        counts = np.zeros((ng + 1, 9), dtype=np.int64)
        ok = known & (gcodes >= 0)
        if ng:
            counts[:ng] = np.bincount(gcodes[ok] * 9 + cell[ok], minlength=ng * 9).reshape(ng, 9)
        counts[ng] = np.bincount(cell[known], minlength=9)
        total = counts.sum(axis=1, keepdims=True).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(total > 0, 100.0 * counts / total, np.nan)
        groups = names + [mv.ALL]
        frames.append(
            pd.DataFrame(
                {
                    "start": start,
                    "end": end,
                    "group": np.repeat(groups, 9),
                    "from_status": np.tile(np.repeat(STATUSES, 3), ng + 1),
                    "to_status": np.tile(STATUSES, 3 * (ng + 1)),
                    "households": counts.ravel(),
                    "percent": pct.ravel(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def nine_cell_table(
    study: Study, start: int, end: int, group: str = mv.ALL, by: str | None = "region", value: str = "percent"
) -> pd.DataFrame:
    """The nine-cell table of one period and group: status at `start` (rows) by status at `end`.

    Parameters
    ----------
    study : Study
        A loaded study.
    start, end : int
        Two time points of the study, the earlier first.
    group : str
        A value of the `by` column, or ``"All"`` (`movements.ALL`) for every household.
    by : str or None
        The households.csv column that defines groups (``region`` by default); ``None`` for the
        whole study only.
    value : str
        ``percent`` (of the group's households known at both dates) or ``households`` (counts).

    Returns
    -------
    pandas.DataFrame
        Three rows and three columns labelled Poor, Not poor, Prosperous; the index is named
        ``status in <start>`` and the columns ``status in <end>``.

    Raises
    ------
    KeyError
        When `group` is not a group of the study.
    """
    t = status_movements(study, [(start, end)], by=by)
    t = t[t["group"] == str(group)]
    if t.empty:
        raise KeyError(f"No group '{group}' in this study.")
    m = t.pivot(index="from_status", columns="to_status", values=value).reindex(index=STATUSES, columns=STATUSES)
    m.index = pd.Index([STATUS_LABELS[s] for s in STATUSES], name=f"status in {start}")
    m.columns = pd.Index([STATUS_LABELS[s] for s in STATUSES], name=f"status in {end}")
    return m


@outputs.producer("status_movements")
def _produce(study: Study) -> dict[str, pd.DataFrame]:
    if not study.has_prosperity:
        return {}
    return {"status_movements.csv": status_movements(study)}
