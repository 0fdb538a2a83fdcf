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
    from .safetext import MD
    from .study import Study

__all__ = ["Ladder", "distinct", "ladders_text", "left_out_text", "parse", "per_household", "stage_numbers"]

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


# --------------------------------------------------------------------------- ladders in the book


def distinct(study: Study) -> list[tuple[Ladder, list[str]]]:
    """Each distinct ladder the study's households stand on, with the communities that use it.

    study.yml's ladder comes first (with every community that has no ladder of its own, or one
    equal to it); the others follow in the order their first community appears in
    households.csv. A ladder nobody uses is left out.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    list of (Ladder, list of str)
    """
    groups: dict[Ladder, list[str]] = {study.ladder: []}
    for c in pd.unique(study.households["community"].astype(str)):
        groups.setdefault(study.ladders.get(c, study.ladder), []).append(str(c))
    return [(lad, comms) for lad, comms in groups.items() if comms]


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def left_out_text(study: Study, results: str) -> MD:
    """One note naming the communities that stage-level `results` leave out, and why ("" if none).

    Stage numbers compare only on one ladder: results that pool stages across households (a
    transition matrix, a chain on the stages, a mean by stage) use study.yml's ladder, and the
    households of communities ranked on a ladder of their own are left out of them.

    Parameters
    ----------
    study : Study
        A loaded study.
    results : str
        What is left out, in the words of the chapter ("the stage-to-stage transitions").

    Returns
    -------
    safetext.MD or str
        Markdown with every community name escaped, or ``""`` when every household stands on
        study.yml's ladder.
    """
    from .safetext import md

    others = distinct(study)
    if not others or others[0][0] != study.ladder:
        others = [(study.ladder, [])] + others
    own = [c for _, comms in others[1:] for c in comms]
    if not own:
        return ""
    n = int((~study.on_study_ladder()).sum())
    return md(
        "{results} use the ladder of study.yml only: {names} {verb} {their} own ladder or poverty line "
        "(the ladders table), and stages are pooled only where they are the same rungs under the same "
        "line, so the {n} households of {them} are left out here. Poverty status, which each community's "
        "own line decides, counts them.",
        results=results[:1].upper() + results[1:],
        names=_names(own),
        verb="has" if len(own) == 1 else "have",
        their="its" if len(own) == 1 else "their",
        n=f"{n:,}",
        them="that community" if len(own) == 1 else "these communities",
    )


def ladders_text(study: Study, figure: bool = True) -> MD:
    """One paragraph on the ladders of the communities that have their own ("" if none).

    Parameters
    ----------
    study : Study
        A loaded study.
    figure : bool, default True
        Whether to say that the ladder figure has one panel per ladder (the chapter shows it).

    Returns
    -------
    safetext.MD or str
        Markdown (community and stage names escaped), or ``""`` when every community uses
        study.yml's ladder.
    """
    from .safetext import md, md_join

    groups = distinct(study)
    if groups[0][0] != study.ladder:
        groups = [(study.ladder, [])] + groups
    if len(groups) == 1:
        return ""
    parts = []
    for lad, comms in groups[1:]:
        same = lad.stages == study.ladder.stages
        what = "study.yml's stages" if same else f"a ladder of {lad.n_stages} stages"
        lines = md(
            "with the poverty line after stage {k}, *{name}*",
            k=lad.poverty_cutoff,
            name=lad.stages[lad.poverty_cutoff - 1],
        )
        if lad.prosperity_cutoff is not None:
            lines = md(
                "{a} and the prosperity line at stage {p}, *{name}*",
                a=lines,
                p=lad.prosperity_cutoff,
                name=lad.stages[lad.prosperity_cutoff - 1],
            )
        elif study.prosperity_cutoff is not None:
            lines = md("{a} and no prosperity line", a=lines)
        parts.append(
            md(
                "{names} {verb} {what} {lines}",
                names=_names(comms),
                verb="uses" if len(comms) == 1 else "use",
                what=what,
                lines=lines,
            )
        )
    rest = groups[0][1]
    return md(
        "That is the ladder of study.yml, which {n} of the {total} communities use. The others' meetings drew "
        "their own (the ladders table): {parts}. Poverty status and movements use each community's own "
        "lines{figure}.",
        n=len(rest),
        total=sum(len(c) for _, c in groups),
        parts=md_join("; ", parts),
        figure=md("; the ladder figure has one panel per ladder") if figure else md(""),
    )
