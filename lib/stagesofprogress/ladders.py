"""Ladders per community: ladders.csv gives a community its own stages and lines.

The method lets each community's meeting name its own stages and draw its own poverty
line (and, in several studies, a prosperity line above it). `ladders.csv` holds one row per
community and stage (``community, stage, name, poor``, optional ``prosperous``); a community
it does not list uses the ladder of study.yml. `parse` checks the rows of each community as
a ladder (stages 1..k, ``poor`` 1 up to the line and 0 above, ``prosperous`` 1 from its line
up); `per_household` turns the ladders into one value per household (vectorised: the
communities are coded once), which is what poverty status and movements use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .problem import Problem

if TYPE_CHECKING:  # annotations only
    from .csvfile import Cells

__all__ = ["Ladder", "parse", "per_household", "stage_numbers"]

F = "ladders.csv"


@dataclass(frozen=True)
class Ladder:
    """One community's ladder: stage names (lowest first) and its lines.

    Stages ``1..poverty_cutoff`` are poor; stages ``prosperity_cutoff..`` (when set) prosperous.
    """

    stages: tuple[str, ...]
    poverty_cutoff: int
    prosperity_cutoff: int | None = None

    @property
    def n_stages(self) -> int:
        """The number of stages (rungs) of the ladder."""
        return len(self.stages)


def _line(flags: np.ndarray, low_first: bool) -> int | None:
    """The line a 0/1 column draws: the last 1 of a leading run (poor) or the first 1 of a
    trailing run (prosperous), 1-based; None when the flags are not such a run."""
    k = len(flags)
    n1 = int(flags.sum())
    if low_first:
        return n1 if (flags[:n1] == 1).all() and (flags[n1:] == 0).all() else None
    return k - n1 + 1 if (flags[k - n1 :] == 1).all() and (flags[: k - n1] == 0).all() else None


def _one(
    name: str,
    rows: np.ndarray,
    stage: np.ndarray,
    names: np.ndarray,
    poor: np.ndarray,
    prosper: np.ndarray | None,
    problems: list[Problem],
) -> Ladder | None:
    order = np.argsort(stage, kind="stable")
    rows, stage, names, poor = rows[order], stage[order], names[order], poor[order]
    prosper = prosper[order] if prosper is not None else None
    dup = np.flatnonzero(np.diff(stage) == 0)
    if len(dup):
        r = int(rows[dup[0] + 1])
        problems.append(Problem(F, r, "stage", f"stage {int(stage[dup[0]])} of community '{name}' is listed twice."))
        return None
    k = len(stage)
    if not (stage == np.arange(1, k + 1)).all():
        missing = sorted(set(range(1, int(stage.max()) + 1)) - set(stage.tolist()))
        problems.append(
            Problem(
                F,
                int(rows[0]),
                "stage",
                f"the ladder of community '{name}' must number its stages "
                f"1, 2, 3 ... without gaps; stage{'s' if len(missing) > 1 else ''} "
                f"{', '.join(map(str, missing[:5]))} {'are' if len(missing) > 1 else 'is'} missing.",
            )
        )
        return None
    if k < 2:
        problems.append(
            Problem(F, int(rows[0]), "stage", f"the ladder of community '{name}' needs at least two stages.")
        )
        return None
    cut = _line(poor, low_first=True)
    if cut is None or not 1 <= cut < k:
        problems.append(
            Problem(
                F,
                int(rows[0]),
                "poor",
                f"poor must be 1 for the stages of community '{name}' at or "
                "below its poverty line and 0 above it, with at least one poor and one non-poor stage; "
                f"it reads {''.join(map(str, poor.tolist()))} from stage 1 up.",
            )
        )
        return None
    line = None
    if prosper is not None and (prosper == 1).any():
        line = _line(prosper, low_first=False)
        if line is None or line <= cut:
            problems.append(
                Problem(
                    F,
                    int(rows[0]),
                    "prosperous",
                    f"prosperous must be 1 for the stages of community "
                    f"'{name}' at or above its prosperity line and 0 below it, and the line must be "
                    f"above the poverty line (stage {cut}); it reads "
                    f"{''.join(map(str, prosper.tolist()))} from stage 1 up.",
                )
            )
            return None
    return Ladder(tuple(str(n) for n in names), cut, line)


def parse(cells: Cells, communities: set[str] | None, problems: list[Problem]) -> dict[str, Ladder]:
    """The ladder of every community of ladders.csv (its columns already checked one by one).

    Parameters
    ----------
    cells : csvfile.Cells
        ladders.csv as read (columns community, stage, name, poor and maybe prosperous).
    communities : set of str or None
        The communities of households.csv; a ladder for another community is a problem.
    problems : list of Problem
        Receives what is wrong with a community's rows as a ladder.

    Returns
    -------
    dict
        community -> `Ladder`, for the communities whose rows form a valid ladder.
    """
    need = {"community", "stage", "name", "poor"}
    if not need <= set(cells.columns):
        return {}
    comm = cells.series("community").to_numpy(dtype=object)
    stage = cells.numbers("stage")
    poor = cells.numbers("poor")
    prosper = cells.numbers("prosperous") if "prosperous" in cells.columns else None
    ok = ~np.isnan(stage) & ~np.isnan(poor) & (cells.series("community").to_numpy(dtype=object) != "")
    out: dict[str, Ladder] = {}
    codes, uniq = pd.factorize(comm)
    for i, name in enumerate(uniq):
        mine = codes == i
        if not ok[mine].all():
            continue  # its cells are already reported
        rows = cells.rownums[mine]
        if communities is not None and name not in communities:
            problems.append(
                Problem(
                    F,
                    int(rows[0]),
                    "community",
                    f"the community '{name}' does not appear in "
                    "households.csv; a ladder must be for a community of the study.",
                )
            )
            continue
        names = cells.series("name").to_numpy(dtype=object)[mine]
        pr = None if prosper is None else np.nan_to_num(prosper[mine], nan=0.0).astype(np.int64)
        lad = _one(str(name), rows, stage[mine].astype(np.int64), names, poor[mine].astype(np.int64), pr, problems)
        if lad is not None:
            out[str(name)] = lad
    return out


def per_household(
    community: pd.Series | np.ndarray, ladders: dict[str, Ladder], default: Ladder, attribute: str
) -> np.ndarray:
    """One value of `attribute` (``poverty_cutoff``, ``prosperity_cutoff``, ``n_stages``) per household.

    A household of a community without its own ladder takes `default`'s. Missing lines (no
    prosperity line) are NaN.

    Parameters
    ----------
    community : pandas.Series or numpy.ndarray
        Each household's community.
    ladders : dict of str to Ladder
        The communities' own ladders.
    default : Ladder
        study.yml's ladder.
    attribute : str
        The attribute of `Ladder` to take.

    Returns
    -------
    numpy.ndarray
        Floats, one per household.
    """
    codes, uniq = pd.factorize(np.asarray(community, dtype=object))
    value = [getattr(ladders.get(str(u), default), attribute) for u in uniq]
    table = np.array([np.nan if v is None else float(v) for v in value] + [np.nan], dtype=float)
    if getattr(default, attribute) is not None:
        table[-1] = float(getattr(default, attribute))  # a household without a community (factorize -1)
    return table[codes]


def stage_numbers(
    cells: Cells, column: str, community: np.ndarray, ladders: dict[str, Ladder], default: list[str]
) -> np.ndarray:
    """Stage numbers of a stage column whose cells may hold names of each community's ladder.

    Parameters
    ----------
    cells : Cells
        households.csv as read.
    column : str
        The stage column (``stage_<year>``).
    community : numpy.ndarray
        Each row's community.
    ladders : dict of str to Ladder
        The communities' own ladders, whose stage names are read for their rows.
    default : list of str
        study.yml's stage names.

    Returns
    -------
    numpy.ndarray
        Floats, one per row; NaN where the cell is neither a number nor a stage name.
    """
    from .fieldfiles import stage_codes

    series = cells.series(column)
    out = stage_codes(series, default)[0].to_numpy(copy=True)
    for name, lad in ladders.items():
        mine = community == name
        if mine.any():
            out[mine] = stage_codes(series[mine], list(lad.stages))[0].to_numpy()
    return out
