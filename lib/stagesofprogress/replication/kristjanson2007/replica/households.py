"""Step 2: the 3,868 households (households.csv): Table 3's movement counts set from the
printed percents, stages by year, and Table 2's mean assets by stage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..command import SEED
from .draws import _exact_split, _rng, round_half_up
from .targets import REGIONS, TABLE2, TABLE3_BOTH, TABLE3_N, TABLE3_PCT

# --------------------------------------------------------------------------- Table 3 counts


def _table3_misses(c: np.ndarray, pct, n: int):
    """(cells missing, total miss) of count rows c (k x 4) against a printed row, poor at start
    (RP + E) and at end (RP + B) included; a percent exactly half a unit away counts as a miss."""
    c = np.asarray(c, dtype=float)
    cells = np.column_stack([c, c[:, 0] + c[:, 1], c[:, 0] + c[:, 2]])
    want = np.array([*pct, pct[0] + pct[1], pct[0] + pct[2]])
    off = np.abs(100 * cells / n - want) - 0.05
    return (off > -1e-7).sum(axis=1), np.round(np.clip(off, 0, None).sum(axis=1), 9)


def _table3_candidates(n: int, pct, poor_end: int | None = None) -> np.ndarray:
    """Count rows (RP, E, B, N) of n households as good as any for the printed row: several
    usually are (rounding), and the joint choice in `table3_counts` needs them all. `poor_end`
    (RP + B) is imposed when given: both periods end in 2004."""
    lo = [int(np.ceil((p - 0.05) * n / 100 - 1e-9)) - 2 for p in pct[:3]]
    hi = [int(np.floor((p + 0.05) * n / 100 - 1e-9)) + 2 for p in pct[:3]]
    rp, e, b = (g.ravel() for g in np.meshgrid(*[np.arange(max(0, a), h + 1) for a, h in zip(lo, hi)], indexing="ij"))
    c = np.column_stack([rp, e, b, n - rp - e - b])
    c = c[c[:, 3] >= 0]
    if poor_end is not None:
        c = c[c[:, 0] + c[:, 2] == poor_end]
    return _best_rows(c, *_table3_misses(c, pct, n))


def _best_rows(rows: np.ndarray, nmiss: np.ndarray, miss: np.ndarray) -> np.ndarray:
    if not len(rows):
        return rows
    best = np.lexsort((miss, nmiss))[0]
    return rows[(nmiss == nmiss[best]) & (miss == miss[best])]


def table3_counts() -> dict:
    """Table 3's counts of households, chosen for both regions at once.

    Each region's printed row leaves several equally good count rows, and only some combinations
    also print the pooled "Both Regions" rows. Ties go to the counts nearest the printed region
    percents, then to the first found.

    Returns
    -------
    dict
        Region to ``{1994: counts, 1979: counts}``, each the four movement categories' households
        (remained poor, escaped, became poor, remained not poor) over that start year to 2004.
    """
    options = []  # per region: (counts 1994, counts 1979) rows, equally good for the region
    for r in REGIONS:
        n = TABLE3_N[r]
        rows = []
        for c10 in _table3_candidates(n, TABLE3_PCT[(r, 1994)]):
            for c25 in _table3_candidates(n, TABLE3_PCT[(r, 1979)], poor_end=int(c10[0] + c10[2])):
                rows.append(np.r_[c10, c25])
        rows = np.array(rows)
        rows = _best_rows(rows, *_table3_misses(rows[:, 4:], TABLE3_PCT[(r, 1979)], n))  # 1979 as good as allowed
        target = np.r_[TABLE3_PCT[(r, 1994)], TABLE3_PCT[(r, 1979)]] * n / 100
        options.append((rows, np.abs(rows - target).sum(axis=1)))
    (a, da), (b, db) = options
    i, j = (g.ravel() for g in np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij"))
    both = a[i] + b[j]
    W = sum(TABLE3_N.values())
    m10, m25 = _table3_misses(both[:, :4], TABLE3_BOTH[1994], W), _table3_misses(both[:, 4:], TABLE3_BOTH[1979], W)
    pick = np.lexsort((np.arange(len(i)), da[i] + db[j], m10[1] + m25[1], m10[0] + m25[0]))[0]
    out = {}
    for r, row in zip(REGIONS, (a[i[pick]], b[j[pick]])):
        out[r] = {1994: tuple(int(x) for x in row[:4]), 1979: tuple(int(x) for x in row[4:])}
    return out


# --------------------------------------------------------------------------- households (Tables 2-3)

# Poverty status patterns over (1979, 1994, 2004): True = poor.
PATTERNS = [(a, b, c) for c in (True, False) for a in (True, False) for b in (True, False)]


def pattern_counts(c: dict) -> dict:
    """Counts of the 8 (poor 1979, poor 1994, poor 2004) patterns with Table 3's margins for both periods.

    Within the households poor in 2004 and within those not poor in 2004, the 2x2 table of (poor
    1979, poor 1994) has both margins fixed by Table 3; its free cell is set to a strong but not
    total persistence (households poor in 1979 tend to be poor in 1994 too).

    Parameters
    ----------
    c : dict
        One region's counts from `table3_counts` (start year to the four categories).

    Returns
    -------
    dict
        Pattern, a tuple of three booleans (poor in 1979, 1994, 2004), to its number of households.
    """
    rp10, e10, b10, n10 = c[1994]
    rp25, e25, b25, n25 = c[1979]
    p04 = rp10 + b10
    np04 = e10 + n10
    assert p04 == rp25 + b25 and np04 == e25 + n25
    lo_a, hi_a = max(0, rp25 + rp10 - p04), min(rp25, rp10)
    a = lo_a + int(round(0.75 * (hi_a - lo_a)))
    lo_b, hi_b = max(0, e25 + e10 - np04), min(e25, e10)
    b = lo_b + int(round(0.6 * (hi_b - lo_b)))
    return {
        (True, True, True): a,
        (True, False, True): rp25 - a,
        (False, True, True): rp10 - a,
        (False, False, True): p04 - rp25 - rp10 + a,
        (True, True, False): b,
        (True, False, False): e25 - b,
        (False, True, False): e10 - b,
        (False, False, False): np04 - e25 - e10 + b,
    }


# Stage shares within poor (stages 1-7) and non-poor (8-13) households, by year.
STAGE_SHARES = {
    1979: ([0.20, 0.18, 0.16, 0.14, 0.12, 0.11, 0.09], [0.34, 0.25, 0.18, 0.12, 0.07, 0.04]),
    1994: ([0.15, 0.14, 0.14, 0.14, 0.14, 0.14, 0.15], [0.28, 0.24, 0.19, 0.14, 0.09, 0.06]),
    2004: ([0.11, 0.11, 0.12, 0.14, 0.16, 0.17, 0.19], [0.24, 0.22, 0.19, 0.15, 0.12, 0.08]),
}


def _stages_for(poor: np.ndarray, u: np.ndarray, year: int) -> np.ndarray:
    """Stage per household: within poor / non-poor, households ranked by `u` are cut at exact shares."""
    out = np.zeros(len(poor), dtype=np.int64)
    for is_poor, shares, first in ((True, STAGE_SHARES[year][0], 1), (False, STAGE_SHARES[year][1], 8)):
        idx = np.flatnonzero(poor == is_poor)
        if not len(idx):
            continue
        order = idx[np.argsort(u[idx], kind="stable")]
        k = _exact_split(len(idx), shares)
        out[order] = np.repeat(np.arange(first, first + len(k)), k)
    return out


def _community_sizes(com: pd.DataFrame, region: str) -> np.ndarray:
    """Households per community in households.csv: Table 3's n, the named extremes kept."""
    c = com[com["region"] == region]
    rep = c["households_reported"].to_numpy()
    n = TABLE3_N[region]
    fixed = c["community"].isin(["Santa María", "Hayrapata"]).to_numpy()
    size = rep.copy()
    free = ~fixed
    w = rep[free] / rep[free].sum() * (n - rep[fixed].sum())
    k = np.floor(w).astype(int)
    k[np.argsort(-(w - k), kind="stable")[: n - rep[fixed].sum() - k.sum()]] += 1
    size[free] = k
    return size


def _assets(rng, stage2004: np.ndarray) -> np.ndarray:
    """Number of assets owned now; means by 2004 stage print as Table 2 (12 and higher pooled)."""
    assets = np.zeros(len(stage2004), dtype=np.int64)
    group = np.minimum(stage2004, 12)
    for s, m in TABLE2.items():
        idx = np.flatnonzero(group == s)
        n = len(idx)
        total = int(round(m * n))
        if round_half_up(total / n, 2) != m:  # pragma: no cover - guarded by stage sizes >= 100
            raise RuntimeError(f"no integer sum gives mean {m} over {n} households")
        centre = m + np.where(stage2004[idx] > 12, 0.5, 0.0)
        a = np.maximum(0, np.round(centre + rng.normal(0, 0.9, n))).astype(np.int64)
        while (d := total - a.sum()) != 0:
            ok = np.flatnonzero(a > 0) if d < 0 else np.arange(n)
            pick = rng.permutation(ok)[: abs(d)]
            a[pick] += np.sign(d)
        assets[idx] = a
    return assets


def make_households(com: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """The replica's households.csv: each community's households with stages that print Table 3.

    Parameters
    ----------
    com : pandas.DataFrame
        The communities (`communities.make_communities`).
    seed : int
        The seed of the replica's random draws.

    Returns
    -------
    pandas.DataFrame
        One row per household: household_id, community, region, stage_1979, stage_1994, stage_2004
        and the other columns of the contract the replica fills.
    """
    counts = table3_counts()
    frames = []
    for ri, region in enumerate(REGIONS):
        rng = _rng(seed, 3, ri)
        c = com[com["region"] == region].reset_index(drop=True)
        size = _community_sizes(com, region)
        code = "CJ" if region == "Cajamarca" else "PU"
        ci = np.repeat(np.arange(len(c)), size)
        k = np.concatenate([np.arange(1, s + 1) for s in size])
        hid = np.char.add(
            np.char.add(f"{code}", np.char.zfill((ci + 1).astype(str), 2)),
            np.char.add("-", np.char.zfill(k.astype(str), 3)),
        )
        n = len(ci)
        # poverty patterns: households ranked by (community effect + noise) get patterns from poorest up
        pc = pattern_counts(counts[region])
        ranked = sorted(PATTERNS, key=lambda p: (p[2], p[1], p[0]), reverse=True)  # poor now first
        labels = np.repeat(np.arange(len(ranked)), [pc[p] for p in ranked])
        effect = rng.normal(0, 0.6, len(c))[ci] + rng.normal(0, 1.0, n)
        pat = np.empty(n, dtype=np.int64)
        pat[np.argsort(effect, kind="stable")] = labels
        poor = np.array([ranked[p] for p in pat]).reshape(n, 3)
        # stages: a household keeps its relative place within its status (common latent u)
        u = rng.random(n)
        st = {
            y: _stages_for(poor[:, j], np.clip(u + rng.normal(0, 0.15, n), 0, 1), y)
            for j, y in enumerate((1979, 1994, 2004))
        }
        frames.append(
            pd.DataFrame(
                {
                    "household_id": hid,
                    "community": c["community"].to_numpy()[ci],
                    "region": region,
                    "stage_1979": st[1979],
                    "stage_1994": st[1994],
                    "stage_2004": st[2004],
                }
            )
        )
    hh = pd.concat(frames, ignore_index=True)
    hh["assets"] = _assets(_rng(seed, 4), hh["stage_2004"].to_numpy())
    return hh
