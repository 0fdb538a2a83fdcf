"""Markov mobility of a study: steady state, projection, first passage times, mobility indices.

Each period of a study gives, for every region and for all households, two Markov chains
estimated from the households known at both dates:

* the **stage chain**, on the stages of the ladder (the counts of `movements.transition_matrix`,
  for every group from one `np.bincount`);
* the **poverty chain**, on two states, poor and not poor (the stage counts collapsed at the
  poverty cutoff, the same status `movements.poverty_status` gives).

One step of a chain is one period (for 1994-2004, ten years).

**Stages no household occupied at the start.** Their row of the transition matrix cannot be
estimated: it is NaN in `ChainResult.P` and the stage is listed in `ChainResult.empty`, never
filled with zeros or with a made-up "stay" row. The long-run measures (steady state,
projection, mobility indices) are computed on the *closed set of observed stages*: the stages
with households at the start from which no household moved into an unobserved stage (and so
on, until the set is closed). A stage outside that set gets NaN in the steady state; the
steady state is then the long-run distribution of households that start in the closed set,
and `ChainResult.note` says so. A projection that needs an unobserved row (households at the
survey in a stage outside the closed set) is NaN. First passage times need only the rows on
the starting side of the poverty line, so a stage gets a time unless a path to the line runs
through an unobserved stage.

The measures follow the definitions of PySAL giddy (`giddy.mobility.markov_mobility`,
`giddy.markov.prais`, `giddy.ergodic.steady_state`; the regions' homogeneity tests are in
`stagesofprogress.homogeneity`); the tests
check them against giddy, which the library itself does not import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import movements as mv
from .outputs import producer
from .study import Study

if TYPE_CHECKING:  # annotations only
    from .homogeneity import HomogeneityResult

__all__ = [
    "ChainResult",
    "row_stochastic",
    "closed_set",
    "stationary",
    "passage_steps",
    "mobility_indices",
    "chains",
    "transition_counts",
    "mobility_table",
    "steady_state_table",
    "projection_table",
    "STAGES",
    "POVERTY",
    "POOR",
    "NOT_POOR",
    "MEASURES",
    "recurrent_classes",
    "mobility_facts",
]

STAGES, POVERTY = "stages", "poverty"
POOR, NOT_POOR = "poor", "not_poor"
#: Mobility indices as `giddy.mobility.markov_mobility` names them.
MEASURES = ("P", "D", "L2", "B1", "B2")

# Cochran's rule for the chi-squared approximation: no expected count below 1 and at most
# 20 percent of them below 5.
SPARSE_MIN, SPARSE_SMALL, SPARSE_SHARE = 1.0, 5.0, 0.2
#: Replicates and seed of the permutation homogeneity test.
PERMUTATIONS, PERMUTATION_SEED = 999, 2007
_PERM_CELLS = 2_000_000  # bound on the replicate tables held at once


# --------------------------------------------------------------------------- matrix algebra


def row_stochastic(counts: np.ndarray) -> np.ndarray:
    """Row shares of a count matrix; a row with no count is NaN (not zeros).

    Parameters
    ----------
    counts : numpy.ndarray
        Counts with origins on the rows (the last axis is the destination); a stack of matrices works too.

    Returns
    -------
    numpy.ndarray
        Floats of the same shape; each row with a positive total sums to one.
    """
    c = np.asarray(counts, dtype=float)
    n = c.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, c / np.where(n > 0, n, 1.0), np.nan)


def closed_set(p: np.ndarray) -> np.ndarray:
    """Mask of the largest set of observed states (non-NaN rows) that the chain never leaves.

    Parameters
    ----------
    p : numpy.ndarray
        A square row-stochastic matrix, NaN rows for states never observed at the start.

    Returns
    -------
    numpy.ndarray
        One boolean per state; ``True`` for the states of the closed set (possibly none).
    """
    p = np.asarray(p, dtype=float)
    keep = ~np.isnan(p).any(axis=1)
    while True:
        leaks = (np.nan_to_num(p[:, ~keep]) > 0).any(axis=1) & keep
        if not leaks.any():
            return keep
        keep &= ~leaks


def _reach(p: np.ndarray) -> np.ndarray:
    """Boolean reachability (in zero or more steps) of a stochastic matrix."""
    k = len(p)
    r = (p > 0) | np.eye(k, dtype=bool)
    while True:
        r2 = (r.astype(np.int64) @ r.astype(np.int64)) > 0
        if (r2 == r).all():
            return r
        r = r2


def recurrent_classes(p: np.ndarray) -> list[np.ndarray]:
    """Indices of each closed communication class of a stochastic matrix, lowest state first.

    Parameters
    ----------
    p : numpy.ndarray
        A square row-stochastic matrix; a NaN cell counts as no transition.

    Returns
    -------
    list of numpy.ndarray
        One array of state indices (0-based) per class that the chain cannot leave, in order of
        their lowest state.
    """
    r = _reach(p)
    same = r & r.T
    out, seen = [], np.zeros(len(p), dtype=bool)
    for i in range(len(p)):  # loop over states (a ladder has a few dozen at most), not households
        if seen[i]:
            continue
        cls = np.flatnonzero(same[i])
        seen[cls] = True
        outside = np.ones(len(p), dtype=bool)
        outside[cls] = False
        if not (p[np.ix_(cls, np.flatnonzero(outside))] > 0).any():
            out.append(cls)
    return out


def stationary(p: np.ndarray) -> np.ndarray:
    """The stationary distribution of a stochastic matrix with one recurrent class.

    Parameters
    ----------
    p : numpy.ndarray
        A square row-stochastic matrix.

    Returns
    -------
    numpy.ndarray
        One share per state; NaN everywhere when the chain has several recurrent classes (the
        long run then depends on where households start, and no single steady state exists).
    """
    p = np.asarray(p, dtype=float)
    k = len(p)
    classes = recurrent_classes(p)
    pi = np.full(k, np.nan)
    if len(classes) != 1:
        return pi
    c = classes[0]
    sub = p[np.ix_(c, c)]
    a = (np.eye(len(c)) - sub).T
    a[-1, :] = 1.0
    b = np.zeros(len(c))
    b[-1] = 1.0
    pi[:] = 0.0
    pi[c] = np.linalg.solve(a, b)
    return pi


def passage_steps(p: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Mean number of steps from each state outside `target` to its first entry into `target`.

    Parameters
    ----------
    p : numpy.ndarray
        A square row-stochastic matrix; NaN rows for unobserved states.
    target : numpy.ndarray
        One boolean per state, ``True`` for the states to reach.

    Returns
    -------
    numpy.ndarray
        Floats, one per state, in steps of the chain (periods of the matrix's length): NaN for states
        in `target` and for states whose path to it may pass through an unobserved (NaN) row; inf
        for states from which `target` cannot be reached.
    """
    p = np.asarray(p, dtype=float)
    target = np.asarray(target, dtype=bool)
    src = np.flatnonzero(~target)
    out = np.full(len(p), np.nan)
    if not len(src):
        return out
    q = p[np.ix_(src, src)]
    known = ~np.isnan(p[src]).any(axis=1)
    # a known state that can reach an unknown one (inside the source side) is not identified
    qz = np.nan_to_num(q)
    qz[~known] = 0.0
    r = _reach(qz) if len(src) else np.zeros((0, 0), bool)
    ident = known & ~(r[:, ~known].any(axis=1))
    # states that reach the target with positive probability
    exit_p = np.nan_to_num(p[np.ix_(src, np.flatnonzero(target))]).sum(axis=1) > 0
    never = ident & ~(r[:, exit_p].any(axis=1))  # cannot reach the target at all
    finite = ident & ~(r[:, never].any(axis=1))  # reaches it with probability one
    res = np.full(len(src), np.nan)
    res[ident & ~finite] = np.inf
    s = np.flatnonzero(finite)
    if len(s):
        res[s] = np.linalg.solve(np.eye(len(s)) - q[np.ix_(s, s)], np.ones(len(s)))
    out[src] = res
    return out


def mobility_indices(p: np.ndarray, ini: np.ndarray) -> dict[str, float]:
    """Shorrocks `P`, `D`, `L2` and Bartholomew `B1`, `B2`, as giddy's ``markov_mobility`` defines them.

    Parameters
    ----------
    p : numpy.ndarray
        A square row-stochastic matrix.
    ini : numpy.ndarray
        The initial distribution that B1 and B2 weight by (the shares at the start of the period).

    Returns
    -------
    dict of str to float
        By measure name; NaN for a chain of fewer than two states. B2's distance ``|i - j|``
        counts positions in `p`, as giddy does (on a closed set that leaves out some stages, the
        remaining stages are numbered consecutively).
    """
    p = np.asarray(p, dtype=float)
    ini = np.asarray(ini, dtype=float)
    k = len(p)
    if k < 2:
        return {m: np.nan for m in MEASURES}
    lam = np.sort(np.abs(np.linalg.eigvals(p)))
    dist = np.abs(np.subtract.outer(np.arange(k), np.arange(k)))
    return {
        "P": (k - np.trace(p)) / (k - 1),
        "D": 1 - abs(np.linalg.det(p)),
        "L2": 1 - lam[-2],
        "B1": (k - k * np.sum(ini * np.diag(p))) / (k - 1),
        "B2": float((ini[:, None] * p * dist).sum() / (k - 1)),
    }


# --------------------------------------------------------------------------- results


@dataclass
class ChainResult:
    """One Markov chain (a period, a group, the stage or the poverty chain) and its measures.

    Attributes
    ----------
    start, end, group, chain : the period, the group (a region or `All`) and `stages`/`poverty`.
    states : list, the state labels (stage numbers 1..n, or `poor`, `not_poor`).
    poor : np.ndarray of bool, which states are poor.
    counts : pd.DataFrame, households by state at the start (rows) and at the end (columns).
    P : pd.DataFrame, row shares; NaN rows for `empty` states.
    empty : list, states no household occupied at the start.
    closed : list, the closed set of observed states the long-run measures use.
    survey_share : pd.Series, distribution over states in the survey year (the projection's start).
    steady_state : pd.Series, the long-run distribution over `closed` (NaN outside it, or all
        NaN when the closed chain has several recurrent classes or `closed` is empty).
    steady_share_poor : float, the steady state's share of households in poor states.
    projection : pd.DataFrame, `year`, `share_poor`: the survey year, then one and two period
        lengths beyond it if this period's matrix held.
    years_to_cross : pd.Series, mean years until first crossing the poverty line, from each
        state (poor states: to any state above the cutoff; others: to any poor state).
    indices : dict, `P`, `D`, `L2`, `B1`, `B2` on the closed chain.
    prais : pd.Series, Prais index 1 - p_ii per state (NaN for empty states).
    note : str, what the empty states did to the measures ("" when every state was observed).
    """

    start: int
    end: int
    group: str
    chain: str
    states: list
    poor: np.ndarray
    counts: pd.DataFrame
    P: pd.DataFrame
    empty: list
    closed: list
    survey_share: pd.Series
    steady_state: pd.Series
    steady_share_poor: float
    projection: pd.DataFrame
    years_to_cross: pd.Series
    indices: dict
    prais: pd.Series
    note: str = ""

    @property
    def years(self) -> int:
        """Length of the period in years (``end - start``): one step of the chain."""
        return self.end - self.start


def _chain(start, end, group, chain, states, poor, counts, survey_counts, survey_year) -> ChainResult:
    counts = np.asarray(counts, dtype=np.int64)
    p = row_stochastic(counts)
    observed = counts.sum(axis=1) > 0
    closed = closed_set(p)
    cidx = np.flatnonzero(closed)
    pc = p[np.ix_(cidx, cidx)]
    k = len(states)
    steady = np.full(k, np.nan)
    indices = {m: np.nan for m in MEASURES}
    if len(cidx):
        steady[cidx] = stationary(pc)
        ini = counts.sum(axis=1)[cidx].astype(float)
        indices = mobility_indices(pc, ini / ini.sum())
    share_poor = float(steady[closed & poor].sum()) if len(cidx) and not np.isnan(steady[closed]).any() else np.nan
    x = survey_counts / survey_counts.sum() if survey_counts.sum() > 0 else np.full(k, np.nan)
    rows = [(survey_year, float(x[poor].sum()) if survey_counts.sum() > 0 else np.nan)]
    inside = survey_counts.sum() > 0 and not (survey_counts[~closed] > 0).any()
    xc = x[cidx] if inside else None
    for s in (1, 2):
        if xc is not None:
            xc = xc @ pc
            rows.append((survey_year + s * (end - start), float(xc[poor[cidx]].sum())))
        else:
            rows.append((survey_year + s * (end - start), np.nan))
    steps = np.where(poor, passage_steps(p, ~poor), passage_steps(p, poor))
    empty = [states[i] for i in np.flatnonzero(~observed)]
    note = ""
    if empty:
        left = [states[i] for i in np.flatnonzero(observed & ~closed)]
        note = (
            f"No household was at {_list(empty)} in {start}; "
            + (f"{_list(left)} lead there, directly or through other stages; " if left else "")
            + (
                f"the long-run measures use the closed set of observed states, {_list([states[i] for i in cidx])}."
                if len(cidx)
                else "no closed set of observed states remains and the long-run measures are not computed."
            )
        )
    lab = pd.Index(states, name="state")
    return ChainResult(
        start=start,
        end=end,
        group=group,
        chain=chain,
        states=list(states),
        poor=poor,
        counts=pd.DataFrame(counts, index=lab, columns=lab),
        P=pd.DataFrame(p, index=lab, columns=lab),
        empty=empty,
        closed=[states[i] for i in cidx],
        survey_share=pd.Series(x, index=lab, name="share"),
        steady_state=pd.Series(steady, index=lab, name="share"),
        steady_share_poor=share_poor,
        projection=pd.DataFrame(rows, columns=["year", "share_poor"]),
        years_to_cross=pd.Series(steps * (end - start), index=lab, name="years"),
        indices=indices,
        prais=pd.Series(1 - np.diag(p), index=lab, name="prais"),
        note=note,
    )


def _list(items) -> str:
    items = [str(i) for i in items]
    word = "stage " if items and items[0].isdigit() else ""
    if len(items) > 1:
        word = word.replace("stage", "stages")
        return word + ", ".join(items[:-1]) + " and " + items[-1]
    return word + "".join(items)


def _collapse(counts: np.ndarray, cutoff: int) -> np.ndarray:
    """Stage counts (n x n) collapsed to poor / not poor (2 x 2, poor first)."""
    c = np.asarray(counts)
    rows = np.stack([c[:cutoff].sum(axis=0), c[cutoff:].sum(axis=0)])
    return np.stack([rows[:, :cutoff].sum(axis=1), rows[:, cutoff:].sum(axis=1)], axis=1)


def _stage_array(study: Study, year: int) -> np.ndarray:
    return mv.stages(study, year).to_numpy(dtype=float, na_value=np.nan)


def transition_counts(study: Study, start: int, end: int, by: str | None = "region") -> tuple[list[str], np.ndarray]:
    """Households by stage at `start` and at `end`, for every group at once.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    start, end : int
        The period.
    by : str or None, default "region"
        A household column to group by.

    Returns
    -------
    groups : list of str
        Group names (in order of appearance, then ``All``).
    counts : numpy.ndarray
        Shape (groups, stages, stages): `stagesofprogress.movements.transition_matrix` of each
        group, from one ``np.bincount`` (households with an unknown stage are left out).
    """
    return _counts(study, _stage_array(study, start), _stage_array(study, end), mv._group_values(study, by))


def _counts(study: Study, s0: np.ndarray, s1: np.ndarray, groups) -> tuple[list[str], np.ndarray]:
    gcodes, names = groups
    n, ng = study.n_stages, len(names)
    keep = ~(np.isnan(s0) | np.isnan(s1)) & study.on_study_ladder()  # stage numbers of one ladder
    idx = (s0[keep].astype(np.int64) - 1) * n + (s1[keep].astype(np.int64) - 1)
    out = np.zeros((ng + 1, n, n), dtype=np.int64)
    g = gcodes[keep]
    ok = g >= 0
    if ng:
        out[:ng] = np.bincount(g[ok] * n * n + idx[ok], minlength=ng * n * n).reshape(ng, n, n)
    out[ng] = np.bincount(idx, minlength=n * n).reshape(n, n)
    return names + [mv.ALL], out


def chains(study: Study, by: str | None = "region", periods: list[tuple[int, int]] | None = None) -> list[ChainResult]:
    """Every period, group and chain (the stage chain first) of a study.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str or None, default "region"
        A household column to group by.
    periods : list of (int, int), optional
        By default every period of the study.

    Returns
    -------
    list of ChainResult
        In the order period, group, chain.
    """
    out = []
    cut, n = study.poverty_cutoff, study.n_stages
    poor_s = np.arange(1, n + 1) <= cut
    groups = mv._group_values(study, by)
    years = {y: _stage_array(study, y) for y in study.time_points}
    last = years[study.survey_year]
    # survey-year distribution of every group: the same counts with the survey year twice
    _names, surv = _counts(study, last, last, groups)
    survey = surv.sum(axis=2)
    for a, b in periods or study.periods():
        names, counts = _counts(study, years[a], years[b], groups)
        for name, c, x in zip(names, counts, survey):
            out.append(_chain(a, b, name, STAGES, list(range(1, n + 1)), poor_s, c, x, study.survey_year))
            x2 = np.array([x[:cut].sum(), x[cut:].sum()])
            out.append(
                _chain(
                    a,
                    b,
                    name,
                    POVERTY,
                    [POOR, NOT_POOR],
                    np.array([True, False]),
                    _collapse(c, cut),
                    x2,
                    study.survey_year,
                )
            )
    return out


# --------------------------------------------------------------------------- tidy tables


def mobility_table(results: list[ChainResult], tests: list[HomogeneityResult] | None = None) -> pd.DataFrame:
    """Every mobility measure as a long table (the content of ``mobility.csv``).

    Parameters
    ----------
    results : list of ChainResult
        As `chains` returns them.
    tests : list of HomogeneityResult, optional
        As `homogeneity` returns them; added with group ``All``.

    Returns
    -------
    pandas.DataFrame
        Columns ``start, end, group, chain, measure, value``. Measures: ``households``,
        ``empty_states``, ``P``, ``D``, ``L2``, ``B1``, ``B2``, ``steady_share_poor``,
        ``prais_<state>``, ``years_to_cross_<state>`` and, from `tests`, ``homogeneity_Q``,
        ``homogeneity_Q_p``, ``homogeneity_LR``, ``homogeneity_LR_p``, ``homogeneity_dof``,
        ``homogeneity_sparse`` (1 when the chi-squared approximation is doubtful),
        ``homogeneity_Q_p_perm``, ``homogeneity_LR_p_perm``, ``homogeneity_permutations``.
    """
    rows = []
    for r in results:
        key = (r.start, r.end, r.group, r.chain)
        rows.append((*key, "households", float(r.counts.to_numpy().sum())))
        rows.append((*key, "empty_states", float(len(r.empty))))
        rows += [(*key, m, float(r.indices[m])) for m in MEASURES]
        rows.append((*key, "steady_share_poor", r.steady_share_poor))
        rows += [(*key, f"prais_{s}", float(v)) for s, v in r.prais.items()]
        rows += [(*key, f"years_to_cross_{s}", float(v)) for s, v in r.years_to_cross.items()]
    for h in tests or []:
        key = (h.start, h.end, mv.ALL, h.chain)
        for m in ("Q", "Q_p", "LR", "LR_p", "dof", "Q_p_perm", "LR_p_perm", "permutations"):
            rows.append((*key, f"homogeneity_{m}", float(getattr(h, m))))
        rows.append((*key, "homogeneity_sparse", float(h.sparse)))
    return pd.DataFrame(rows, columns=["start", "end", "group", "chain", "measure", "value"])


def steady_state_table(results: list[ChainResult]) -> pd.DataFrame:
    """The steady states as a long table (the content of ``steady_state.csv``).

    Parameters
    ----------
    results : list of ChainResult
        As `chains` returns them.

    Returns
    -------
    pandas.DataFrame
        Columns ``start, end, group, chain, stage, share``.
    """
    parts = [
        pd.DataFrame(
            {
                "start": r.start,
                "end": r.end,
                "group": r.group,
                "chain": r.chain,
                "stage": [str(s) for s in r.states],
                "share": r.steady_state.to_numpy(),
            }
        )
        for r in results
    ]
    return pd.concat(parts, ignore_index=True)


def projection_table(results: list[ChainResult]) -> pd.DataFrame:
    """The projected share of poor households as a long table (the content of ``projection.csv``).

    Parameters
    ----------
    results : list of ChainResult
        As `chains` returns them.

    Returns
    -------
    pandas.DataFrame
        Columns ``start, end, group, chain, year, share_poor``.
    """
    parts = []
    for r in results:
        p = r.projection.copy()
        for i, (col, val) in enumerate((("start", r.start), ("end", r.end), ("group", r.group), ("chain", r.chain))):
            p.insert(i, col, val)
        parts.append(p)
    return pd.concat(parts, ignore_index=True)


@producer("mobility")
def _tables(study: Study) -> dict[str, pd.DataFrame]:
    from .homogeneity import homogeneity  # it builds on this module's chains

    results = chains(study)
    return {
        "mobility.csv": mobility_table(results, homogeneity(study)),
        "steady_state.csv": steady_state_table(results),
        "projection.csv": projection_table(results),
    }


from . import uncertainty as _uncertainty  # noqa: E402,F401  (registers movements_ci.csv)


def mobility_facts(study: Study) -> dict[str, str]:
    """Headline mobility figures over the study's longest period, as formatted text for the chapters.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to str
        ``up``, ``same``, ``down``: percent of households (known at both dates) whose stage rose,
        stayed, fell, to one decimal; ``escape_steps``: the median number of stages climbed by those
        who escaped poverty (``n/a`` if none); ``n``: the number of households compared.
    """
    a, b = study.time_points[0], study.survey_year
    s0 = mv.stages(study, a).astype("Float64")
    s1 = mv.stages(study, b).astype("Float64")
    ok = (s0.notna() & s1.notna()).to_numpy(dtype=bool)
    d = (s1[ok] - s0[ok]).to_numpy(dtype=float)
    n = len(d)
    pct = (lambda m: f"{100 * m.sum() / n:.1f}") if n else (lambda m: "n/a")
    cut = study.cutoffs()[ok]  # each community's own poverty line (moves are counted on its own ladder)
    esc = (s0[ok].to_numpy(dtype=float) <= cut) & (s1[ok].to_numpy(dtype=float) > cut)
    med = f"{float(np.median(d[esc])):.0f}" if esc.any() else "n/a"
    return {"up": pct(d > 0), "same": pct(d == 0), "down": pct(d < 0), "escape_steps": med, "n": f"{n:,}"}
