"""Confidence intervals for the movement percentages that respect communities.

Households of one community share its roads, markets and shocks, so they are not independent
draws. The intervals here come from a **community-cluster bootstrap stratified by region**:
each replicate draws, within every region, as many communities as the region has, with
replacement, and keeps all their households; the percentages of the replicate are computed as
in `movements.movement_table`. The interval is the percentile interval of the replicates
(2.5th and 97.5th percentiles for 95 percent).

It is fast and deterministic: households are counted per community and movement category
once per period, a replicate is a vector of how many times each community was drawn, and the
replicate totals are one matrix product per region; the draws come from
`numpy.random.default_rng(seed)` in a fixed order and are shared by every period, so the same
study and seed give byte-identical intervals. A region with a single community has an
interval of zero width: the bootstrap cannot see variation between communities it does not
have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import movements as mv
from .outputs import producer
from .study import Study

__all__ = ["SEED", "REPLICATES", "MovementIntervals", "community_weights", "bootstrap_movements"]

#: Seed of the bootstrap (recorded in movements_ci.csv).
SEED = 2007
#: Replicates of the bootstrap.
REPLICATES = 2000
# bound on the community-draw matrix held at once (replicates x communities of a region)
_CHUNK_CELLS = 2_000_000


@dataclass
class MovementIntervals:
    """Bootstrap intervals of the movement percentages.

    Attributes
    ----------
    table : pd.DataFrame, `start,end,group,category,percent,ci_low,ci_high,replicates,seed`
        (the content of movements_ci.csv, rows in the order of movements.csv).
    replicates, seed : int, the bootstrap's size and seed.
    level : float, the coverage of the intervals (0.95).
    samples : np.ndarray, percentages of every replicate, periods x replicates x groups x 4
        categories (groups: regions in order of appearance, then `All`).
    communities : pd.Series, communities per region (the clusters resampled).
    """

    table: pd.DataFrame
    replicates: int
    seed: int
    level: float
    samples: np.ndarray
    communities: pd.Series


def _clusters(study: Study) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Cluster (region x community) code per household, the region of each cluster, region names."""
    hh = study.households
    rcode, regions = pd.factorize(hh["region"], sort=False)
    comm, _ = pd.factorize(hh["community"], sort=False)
    ccode, _ = pd.factorize(rcode.astype(np.int64) * (comm.max() + 2) + comm, sort=False)
    region_of = np.zeros(ccode.max() + 1 if len(ccode) else 0, dtype=np.int64)
    region_of[ccode] = rcode
    return ccode, region_of, [str(r) for r in regions]


def community_weights(rng: np.random.Generator, n_communities: int, replicates: int) -> np.ndarray:
    """How often each community is drawn in each bootstrap replicate.

    A replicate draws `n_communities` indices uniformly with replacement, so every row sums to
    `n_communities`.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random generator (seeded by the caller).
    n_communities : int
        Communities to draw from.
    replicates : int
        Number of replicates.

    Returns
    -------
    numpy.ndarray
        Integer counts of shape (replicates, communities).
    """
    draws = rng.integers(0, n_communities, size=(replicates, n_communities))
    offsets = np.arange(replicates)[:, None] * n_communities
    return np.bincount((draws + offsets).ravel(), minlength=replicates * n_communities).reshape(
        replicates, n_communities
    )


def bootstrap_movements(
    study: Study,
    replicates: int = REPLICATES,
    seed: int = SEED,
    level: float = 0.95,
    periods: list[tuple[int, int]] | None = None,
) -> MovementIntervals:
    """Community-cluster bootstrap, stratified by region, of every movement percentage.

    Parameters
    ----------
    study : Study
        A loaded study.
    replicates : int, default REPLICATES
        Number of bootstrap replicates (2,000).
    seed : int, default SEED
        Seed of `numpy.random.default_rng`; the same seed gives the same intervals.
    level : float, default 0.95
        Coverage of the percentile intervals.
    periods : list of (int, int), optional
        By default every period of the study, as in ``movements.csv``.

    Returns
    -------
    MovementIntervals
        The intervals of every period, group and category.
    """
    periods = periods or study.periods()
    ccode, region_of, regions = _clusters(study)
    ncl, ng = len(region_of), len(regions)
    # households per cluster and category, once per period: periods x clusters x 4
    k = np.zeros((len(periods), ncl, 4), dtype=np.int64)
    for i, (a, b) in enumerate(periods):
        cat = mv._codes(study, a, b)
        ok = cat >= 0
        k[i] = np.bincount(ccode[ok] * 4 + cat[ok], minlength=ncl * 4).reshape(ncl, 4)
    rng = np.random.default_rng(seed)
    totals = np.zeros((len(periods), replicates, ng + 1, 4), dtype=np.int64)
    for g in range(ng):
        members = np.flatnonzero(region_of == g)
        m = len(members)
        chunk = max(1, min(replicates, _CHUNK_CELLS // max(m, 1)))
        for r0 in range(0, replicates, chunk):
            w = community_weights(rng, m, min(chunk, replicates - r0))
            totals[:, r0 : r0 + len(w), g] = np.einsum("rc,pck->prk", w, k[:, members])
    totals[:, :, ng] = totals[:, :, :ng].sum(axis=2)
    n = totals.sum(axis=3, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 0, 100.0 * totals / np.where(n > 0, n, 1), np.nan)
    tail = 100 * (1 - level) / 2
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: a group with no household known
            lo, hi = np.nanpercentile(pct, [tail, 100 - tail], axis=1)
    groups = mv._group_values(study, "region")
    table = pd.concat([mv._table(mv._counts(study, a, b, groups), a, b) for a, b in periods], ignore_index=True).drop(
        columns="households"
    )
    # movements.csv is period-major, then groups (regions, All), then the four categories
    table["ci_low"] = lo.reshape(-1)
    table["ci_high"] = hi.reshape(-1)
    table["replicates"] = replicates
    table["seed"] = seed
    counts = pd.Series(np.bincount(region_of, minlength=ng), index=pd.Index(regions, name="region"), name="communities")
    return MovementIntervals(
        table=table, replicates=replicates, seed=seed, level=level, samples=pct, communities=counts
    )


@producer("movements_ci")
def _tables(study: Study) -> dict[str, pd.DataFrame]:
    return {"movements_ci.csv": bootstrap_movements(study).table}
