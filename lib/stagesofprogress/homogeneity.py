"""Are the regions' transition matrices the same? Homogeneity tests of a study's mobility chains.

`homogeneity` tests, for every period and for the stage and the poverty chain of
`stagesofprogress.mobility`, that the regions share one transition matrix: Pearson's Q and the
likelihood ratio with giddy's degrees of freedom (`giddy.markov.homogeneity`), Cochran's
sparseness rule, and permutation p-values that need no approximation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import movements as mv
from .mobility import (
    _PERM_CELLS,
    PERMUTATION_SEED,
    PERMUTATIONS,
    POVERTY,
    SPARSE_MIN,
    SPARSE_SHARE,
    SPARSE_SMALL,
    STAGES,
    _collapse,
    _counts,
    _stage_array,
    row_stochastic,
)
from .study import Study

__all__ = ["HomogeneityResult", "homogeneity", "homogeneity_test", "permutation_test"]


@dataclass
class HomogeneityResult:
    """Test that the regions' transition matrices are equal (giddy's `homogeneity`).

    Attributes
    ----------
    start, end, chain : the period and `stages`/`poverty`.
    regions : list of the regions compared.
    Q, Q_p : Pearson chi-squared statistic and its p-value.
    LR, LR_p : likelihood-ratio statistic and its p-value.
    dof : degrees of freedom (Bickenbach and Bode's adjustment, as giddy computes them).
    expected_min : smallest expected count among the cells the test uses.
    expected_small_share : share of those cells with an expected count below 5.
    sparse : bool, True when the chi-squared approximation is doubtful (Cochran's rule: an
        expected count below 1, or more than 20 percent below 5); read the collapsed-ladder
        (`poverty`) test or the permutation p-values instead.
    Q_p_perm, LR_p_perm : permutation p-values, which need no approximation: under the null
        the regions' households of one starting stage are exchangeable, so each replicate
        redistributes every row's end stages among the regions at random with the row's
        regional totals fixed (a random table with the observed margins).
    permutations, seed : the number of permutation replicates and their seed.
    """

    start: int
    end: int
    chain: str
    regions: list
    Q: float
    Q_p: float
    LR: float
    LR_p: float
    dof: int
    expected_min: float
    expected_small_share: float
    sparse: bool = field(default=False)
    Q_p_perm: float = np.nan
    LR_p_perm: float = np.nan
    permutations: int = 0
    seed: int = 0


def homogeneity_test(matrices: np.ndarray) -> dict[str, float]:
    """The Q and LR homogeneity statistics of m count matrices, as giddy computes them.

    Parameters
    ----------
    matrices : numpy.ndarray
        Counts of shape (m, r, k).

    Returns
    -------
    dict of str to float
        The statistics, their degrees of freedom and p-values.
    """
    from scipy.special import chdtrc  # chi-squared survival function (scipy.stats is slow to import)

    m = np.asarray(matrices, dtype=float)
    t = m.sum(axis=0)
    p0 = row_stochastic(t)
    p0 = np.nan_to_num(p0)
    nim = m.sum(axis=2)  # regimes x rows
    pm = np.nan_to_num(row_stochastic(m))
    den = p0 + (p0 == 0)
    q = float((nim[:, :, None] * (pm - p0[None]) ** 2 / den[None]).sum())
    use = (m > 0) & (p0[None] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = 2.0 * float(np.where(use, m * np.log(np.where(use, pm, 1.0) / np.where(use, p0[None], 1.0)), 0.0).sum())
    b = (nim > 0).sum(axis=0)
    a = (t > 0).sum(axis=1)
    dof = int(((b - 1) * (a - 1)).clip(min=0).sum())
    cells = (nim[:, :, None] > 0) & (p0[None] > 0)
    expected = (nim[:, :, None] * p0[None])[cells]
    pval = (lambda s: float(chdtrc(dof, s))) if dof > 0 else (lambda s: np.nan)
    small = float((expected < SPARSE_SMALL).mean()) if expected.size else np.nan
    return {
        "Q": q,
        "Q_p": pval(q),
        "LR": lr,
        "LR_p": pval(lr),
        "dof": dof,
        "expected_min": float(expected.min()) if expected.size else np.nan,
        "expected_small_share": small,
    }


def _statistics(m: np.ndarray, p0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q and LR of count tables m (..., regimes, rows, stages) against the pooled shares p0."""
    nim = m.sum(axis=-1)
    pm = m / np.where(nim > 0, nim, 1)[..., None]
    den = p0 + (p0 == 0)
    q = (nim[..., None] * (pm - p0) ** 2 / den).sum(axis=(-3, -2, -1))
    use = (m > 0) & (p0 > 0)
    ratio = np.where(use, pm, 1.0) / np.where(use, p0, 1.0)
    lr = 2.0 * np.where(use, m * np.log(ratio), 0.0).sum(axis=(-3, -2, -1))
    return q, lr


def permutation_test(
    matrices: np.ndarray, permutations: int = PERMUTATIONS, seed: int = PERMUTATION_SEED
) -> dict[str, float]:
    """Permutation p-values of the Q and LR homogeneity statistics.

    Each replicate is a random table with the observed margins: for every starting stage, the
    households' end stages are dealt out to the regions at random, each region keeping its number
    of households at that stage (drawn cell by cell from hypergeometric distributions, so the
    cost depends on the ladder and the regions, not on the number of households).

    Parameters
    ----------
    matrices : numpy.ndarray
        Counts of shape (m, r, k).
    permutations : int
        Number of replicates.
    seed : int
        Seed of the random generator (the result is deterministic).

    Returns
    -------
    dict of str to float
        ``Q_p_perm`` and ``LR_p_perm``: (1 + replicates at least as extreme) / (1 + permutations).
    """
    m = np.asarray(matrices, dtype=np.int64)
    g, r, k = m.shape
    t = m.sum(axis=0)
    p0 = np.nan_to_num(row_stochastic(t))
    nim = m.sum(axis=2)
    q_obs, lr_obs = _statistics(m.astype(float), p0)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(permutations, _PERM_CELLS // max(g * r * k, 1)))
    ge_q = ge_lr = 0
    for first in range(0, permutations, chunk):
        size = min(chunk, permutations - first)
        sim = np.zeros((size, g, r, k), dtype=np.int64)
        for i in np.flatnonzero(t.sum(axis=1) > 0):  # loops over stages and regions, not households
            pool = np.repeat(t[i][None], size, axis=0)
            for j in range(g - 1):
                need = np.full(size, nim[j, i], dtype=np.int64)
                for col in range(k - 1):
                    live = need > 0
                    if not live.any():
                        break
                    bad = pool[live, col + 1 :].sum(axis=1)
                    x = rng.hypergeometric(pool[live, col], bad, need[live])
                    sim[live, j, i, col] = x
                    pool[live, col] -= x
                    need[live] -= x
                sim[:, j, i, k - 1] += need
                pool[:, k - 1] -= need
            sim[:, g - 1, i] = pool
        q, lr = _statistics(sim.astype(float), p0)
        tol = 1e-9 * max(1.0, abs(q_obs))
        ge_q += int((q >= q_obs - tol).sum())
        ge_lr += int((lr >= lr_obs - 1e-9 * max(1.0, abs(lr_obs))).sum())
    return {"Q_p_perm": (1 + ge_q) / (1 + permutations), "LR_p_perm": (1 + ge_lr) / (1 + permutations)}


def homogeneity(
    study: Study,
    by: str = "region",
    periods: list[tuple[int, int]] | None = None,
    permutations: int = PERMUTATIONS,
    seed: int = PERMUTATION_SEED,
) -> list[HomogeneityResult]:
    """Homogeneity tests of the regions' stage and poverty chains for every period.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str, default "region"
        The household column whose groups are compared (two or more groups needed).
    periods : list of (int, int), optional
        By default every period of the study.
    permutations : int
        Replicates of `permutation_test`.
    seed : int
        Its seed.

    Returns
    -------
    list of HomogeneityResult
        giddy's chi-squared and LR tests, a sparseness flag and permutation p-values, per period
        and chain.
    """
    groups = mv._group_values(study, by)
    regions = groups[1]
    if len(regions) < 2:
        return []
    out = []
    for a, b in periods or study.periods():
        mats = _counts(study, _stage_array(study, a), _stage_array(study, b), groups)[1][:-1]
        for chain, ms in ((STAGES, mats), (POVERTY, np.stack([_collapse(x, study.poverty_cutoff) for x in mats]))):
            h = homogeneity_test(ms)
            sparse = bool(h["expected_min"] < SPARSE_MIN or h["expected_small_share"] > SPARSE_SHARE)
            perm = permutation_test(ms, permutations, seed)
            out.append(
                HomogeneityResult(
                    a,
                    b,
                    chain,
                    [str(r) for r in regions],
                    sparse=sparse,
                    **h,
                    **perm,
                    permutations=permutations,
                    seed=seed,
                )
            )
    return out
