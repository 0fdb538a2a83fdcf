"""`sop replica`: the synthetic Peru 2004 study, calibrated to Kristjanson et al. (2007).

The paper (PPLPI Working Paper 39) publishes aggregates only. This module invents a study
folder whose aggregates reproduce the published ones: Table 1 (communities), Tables 2-3
(stages, assets, movements), Tables 4-5 and 7 (logit models fitted on the sampled
households and their reasons), Tables 6, 8, 9 (livestock survey) and the percentages the
text quotes. Individual households are invented: relationships beyond the published
tables are not evidence of anything.

Nothing here searches seeds. Counts are *set* from the published percents (rounded so the
printed figures reproduce), means are hit by adjusting integer sums, and the logit data are
*calibrated*: covariates are drawn with the spreads the published standard errors imply,
then adjusted (by a damped Newton method on the continuous covariates and a re-draw of
the flags) until the maximum-likelihood estimate equals the published coefficients.
Everything is numpy/pandas driven by `numpy.random.default_rng(seed)` streams, so the same
seed gives byte-identical files.

    import stagesofprogress as sop
    sop.replica.generate("data/peru2004")
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .outputs import to_csv_bytes, write_atomically

SEED = 2004
REGIONS = ("Cajamarca", "Puno")  # order of households.csv (and of Table 3)
STUDY_YML = Path(__file__).resolve().parents[2] / "data" / "peru2004" / "study.yml"

# --------------------------------------------------------------------------- published targets

# Table 3: counts set from the printed percents (see `movement_counts`), per region:
# (remained_poor, escaped, became_poor, remained_not_poor) for 1994-2004 and 1979-2004.
TABLE3_N = {"Cajamarca": 1948, "Puno": 1920}
TABLE3_PCT = {
    ("Cajamarca", 1994): (22.9, 12.8, 10.9, 53.4),
    ("Puno", 1994): (16.1, 24.5, 5.4, 54.0),
    ("Cajamarca", 1979): (18.7, 17.1, 15.1, 49.2),
    ("Puno", 1979): (16.8, 42.0, 4.7, 36.5),
}
# Table 2: mean number of assets by stage in 2004 (12 = "12 and higher").
TABLE2 = {1: 1.33, 2: 1.90, 3: 2.37, 4: 2.88, 5: 3.11, 6: 3.31, 7: 3.58, 8: 4.07, 9: 4.56, 10: 4.62, 11: 5.27, 12: 5.78}


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent, reproducible stream per part of the generator."""
    return np.random.default_rng([seed, *stream])


def round_half_up(x, decimals=0):
    f = 10.0**decimals
    return np.floor(np.asarray(x, dtype=float) * f + 0.5 + 1e-9) / f


# --------------------------------------------------------------------------- Table 3 counts


def movement_counts_from_percents(n: int, pct: tuple[float, float, float, float], poor_end: int | None = None):
    """Integer counts (RP, E, B, N) summing to n whose percents print as `pct` (one decimal).

    When no exact solution exists (the printed row is internally inconsistent) the counts
    minimise the number of cells that miss, then the total absolute miss. `poor_end`
    (RP + B) is imposed when given: the end year is shared by both periods.
    """
    lo = [int(np.ceil((p - 0.05) * n / 100 - 1e-9)) for p in pct]
    hi = [int(np.floor((p + 0.05) * n / 100 - 1e-9)) for p in pct]
    best = None
    cands = [range(max(0, l - 2), h + 3) for l, h in zip(lo, hi)]
    for rp in cands[0]:
        for e in cands[1]:
            for b in cands[2]:
                nn = n - rp - e - b
                if poor_end is not None and rp + b != poor_end:
                    continue
                cnt = (rp, e, b, nn, rp + e, rp + b)
                full = tuple(pct) + (pct[0] + pct[1], pct[0] + pct[2])
                miss = [abs(round(100 * c / n, 1) - p) for c, p in zip(cnt, full)]
                cnt = cnt[:4]
                key = (sum(m > 1e-9 for m in miss), sum(miss), sum(abs(c - p * n / 100) for c, p in zip(cnt, pct)))
                if best is None or key < best[0]:
                    best = (key, cnt)
    return best[1]


def table3_counts() -> dict:
    out = {}
    for r in REGIONS:
        n = TABLE3_N[r]
        c10 = movement_counts_from_percents(n, TABLE3_PCT[(r, 1994)])
        c25 = movement_counts_from_percents(n, TABLE3_PCT[(r, 1979)], poor_end=c10[0] + c10[2])
        out[r] = {1994: c10, 1979: c25}
    return out


# --------------------------------------------------------------------------- communities (Table 1)

# Communities the paper names keep their names; the region of the first four is not stated
# in the paper and is our assignment (see README.md). The others are invented.
NAMED = {
    "Cajamarca": ["El Aliso", "Cochapampa", "Vista Alegre", "Cholocall", "Santa María"],
    "Puno": ["Hayrapata", "Santa Cruz Sincata"],
}
SYNTHETIC_NAMES = {
    "Cajamarca": [
        "La Colpa", "San Juan de Yanamango", "Chuquimango", "Las Lagunas", "Pampa Grande",
        "El Tambo", "Santa Rosa de Huayllapampa", "Quinuamayo", "Los Alisos Altos", "Llanguat",
        "La Shita", "Huacataz", "San Martín de Porres", "Cruz Conga", "Puruay Alto",
    ],
    "Puno": [
        # 12 Quechua-speaking communities in all (Hayrapata and Santa Cruz Sincata included), 8 Aymara
        "Ccollpa Ccoccha", "Huaccoto", "Jatun Ayllu", "Kunurana", "Pucara Chico", "Quishuarani",
        "Sallaccasa", "Umachiri Alto", "Yanarico", "Ticani Pampa",
        "Chijichaya", "Jachaparu", "Khapia Pata", "Llachahui", "Ojherani", "Pirapi", "Totorani", "Willkapampa",
    ],
}

ACTIVITIES = (
    "livestock_production", "crop_agriculture", "trade_livestock_products", "casual_labor",
    "handicrafts", "business", "livestock_trade", "other",
)
# Table 1 (printed values). Percents are of the 20 communities of the region.
TABLE1 = {
    "Cajamarca": dict(
        altitude_m=2879, households_reported=100, households_with_land=90, households_without_land=11,
        primary_schools=1, dist_secondary_school_km=4.1, dist_health_facility_km=5.1,
        dist_trading_center_km=13.9, area=1605, pct_income_livestock=53, road_months=10,
        clean_water=90, telephone=60, electricity=15, regular_transport=75, veterinary=90,
        act=dict(livestock_production=100, crop_agriculture=95, trade_livestock_products=30, casual_labor=30,
                 handicrafts=35, business=25, livestock_trade=0, other=0),
        ranks=dict(livestock_production=1, crop_agriculture=2, trade_livestock_products=3, casual_labor=5,
                   handicrafts=4, business=6),
    ),
    "Puno": dict(
        altitude_m=4093, households_reported=106, households_with_land=101, households_without_land=6,
        primary_schools=1, dist_secondary_school_km=7.6, dist_health_facility_km=6.6,
        dist_trading_center_km=13.2, area=3095, pct_income_livestock=76, road_months=9,
        clean_water=35, telephone=25, electricity=10, regular_transport=85, veterinary=100,
        act=dict(livestock_production=90, crop_agriculture=55, trade_livestock_products=35, casual_labor=55,
                 handicrafts=15, business=35, livestock_trade=25, other=10),
        ranks=dict(livestock_production=1, crop_agriculture=3, trade_livestock_products=2, casual_labor=4,
                   handicrafts=8, business=5, livestock_trade=6, other=7),
    ),
}
# Region sums chosen so that region means AND the 40-community means print as Table 1
# (where Table 1's "Both regions" column is consistent with its own region columns).
COMMUNITY_SUMS = {
    "Cajamarca": dict(altitude_m=57580, households_reported=2008, households_with_land=1809,
                      households_without_land=228, primary_schools=22, dist_secondary_school_km=81.6,
                      dist_health_facility_km=101.6, dist_trading_center_km=278.4, area=32100,
                      pct_income_livestock=1068, road_months=192),
    "Puno": dict(altitude_m=81860, households_reported=2126, households_with_land=2029,
                 households_without_land=124, primary_schools=24, dist_secondary_school_km=151.2,
                 dist_health_facility_km=131.2, dist_trading_center_km=264.8, area=61900,
                 pct_income_livestock=1524, road_months=180),
}


def _spread_to_sum(rng, n, total, rel_sd, decimals, lo=None, hi=None, fixed=None):
    """n values with the given exact sum (at `decimals`), spread around the mean; `fixed` {i: value} kept."""
    fixed = fixed or {}
    f = 10**decimals
    free = np.array([i for i in range(n) if i not in fixed])
    rest = total - sum(fixed.values())
    mean = rest / len(free)
    v = mean * np.exp(rng.normal(0, rel_sd, len(free)) - rel_sd**2 / 2)
    if lo is not None or hi is not None:
        v = np.clip(v, lo, hi)
    units = np.round(v * f).astype(np.int64)
    target = int(round(rest * f))
    for _ in range(1000):  # distribute the rounding difference one unit at a time, largest first
        d = target - units.sum()
        if d == 0:
            break
        step = np.sign(d)
        k = min(abs(d), len(units))
        order = np.argsort(-units if step > 0 else units, kind="stable")
        if lo is not None:
            ok = (units + step) / f >= lo
        else:
            ok = np.ones(len(units), bool)
        if hi is not None:
            ok &= (units + step) / f <= hi
        idx = order[ok[order]][:k]
        units[idx] += step
    out = np.empty(n)
    out[free] = units / f
    for i, val in fixed.items():
        out[i] = val
    return out


def _borda_order(ranks: pd.DataFrame) -> list[str]:
    """Table 1's bracketed order from per-community ranks (see schema._RANK_NOTE)."""
    pts = (9 - ranks).where(ranks.notna(), 0).sum()
    n_cite = ranks.notna().sum()
    pos = pd.Series(range(len(ranks.columns)), index=ranks.columns)
    key = pd.DataFrame({"pts": -pts, "n": -n_cite, "pos": pos})
    return list(key.sort_values(["pts", "n", "pos"], kind="stable").index)


def activity_ranks_order(ranks: pd.DataFrame) -> dict[str, int]:
    order = _borda_order(ranks)
    return {a: i + 1 for i, a in enumerate(order)}


def _order_violations(ranks: np.ndarray, want: list[int]) -> int:
    """Total shortfall of the Borda points of `want` (activity indices, best first) from a strict order."""
    cited = ~np.isnan(ranks)
    pts = np.where(cited, 9 - np.nan_to_num(ranks), 0).sum(axis=0)
    bad = 0
    for a, b in zip(want[:-1], want[1:]):
        bad += max(0.0, pts[b] - pts[a] + 1)
    return bad


def _solve_ranks(rng, cited: list[np.ndarray], wants: list[list[int]], want_both: list[int]):
    """Per-community ranks (and which communities cite what, counts kept) whose Borda orders are Table 1's.

    A deterministic hill climb: swap two activities' ranks within a community, or move an activity's
    citation from one community to another of the same region; keep moves that do not add shortfall.
    """
    n_act = len(ACTIVITIES)

    def ranks_of(cit, pri):
        key = np.where(cit, pri, np.inf)
        order = np.argsort(key, axis=1, kind="stable")
        rank = np.empty_like(order)
        rank[np.arange(len(cit))[:, None], order] = np.arange(1, n_act + 1)
        return np.where(cit, rank.astype(float), np.nan)

    pri = [np.array([w.index(a) if a in w else n_act for a in range(n_act)], float)[None, :] + rng.normal(0, 1.0, c.shape) for c, w in zip(cited, wants)]
    cit = [c.copy() for c in cited]

    def cost(cit, pri):
        rk = [ranks_of(c, p) for c, p in zip(cit, pri)]
        return sum(_order_violations(r, w) for r, w in zip(rk, wants)) + _order_violations(np.vstack(rk), want_both)

    best = cur = cost(cit, pri)
    best_state = (cit, pri)
    for it in range(100000):
        if best == 0:
            break
        g = int(rng.integers(len(cit)))
        c2, p2 = cit[g].copy(), pri[g].copy()
        i = int(rng.integers(len(c2)))
        if rng.random() < 0.6:
            a, b = rng.choice(n_act, 2, replace=False)
            p2[i, a], p2[i, b] = p2[i, b], p2[i, a]
        else:
            a = int(rng.integers(n_act))
            j = int(rng.integers(len(c2)))
            if c2[i, a] == c2[j, a]:
                continue
            c2[i, a], c2[j, a] = c2[j, a], c2[i, a]
            if not (c2[i].any() and c2[j].any()):  # every community cites something
                continue
        new_cit = cit[:g] + [c2] + cit[g + 1 :]
        new_pri = pri[:g] + [p2] + pri[g + 1 :]
        cst = cost(new_cit, new_pri)
        if cst <= cur:
            cur, cit, pri = cst, new_cit, new_pri
            if cur < best:
                best, best_state = cur, (cit, pri)
    cit, pri = best_state
    if best:
        raise RuntimeError(f"could not make Table 1's activity ranks (shortfall {best})")
    return cit, [ranks_of(c, p) for c, p in zip(cit, pri)]


def _flags(rng, n: int, k: int) -> np.ndarray:
    f = np.zeros(n, dtype=np.int64)
    f[rng.permutation(n)[:k]] = 1
    return f


def make_communities(seed: int = SEED) -> pd.DataFrame:
    frames = []
    for ri, region in enumerate(REGIONS):
        rng = _rng(seed, 1, ri)
        names = NAMED[region] + SYNTHETIC_NAMES[region]
        n = len(names)
        t, s = TABLE1[region], COMMUNITY_SUMS[region]
        df = pd.DataFrame({"community": names, "region": region})
        df["name_source"] = ["paper"] * len(NAMED[region]) + ["synthetic"] * len(SYNTHETIC_NAMES[region])
        if region == "Cajamarca":
            df["language"] = "Spanish"
            alt = _spread_to_sum(rng, n, s["altitude_m"], 0.12, 0, lo=1900, hi=3700, fixed={0: 1900})
        else:
            df["language"] = ["Quechua"] * 12 + ["Aymara"] * 8
            alt = _spread_to_sum(rng, n, s["altitude_m"], 0.05, 0, lo=3812, hi=4500, fixed={})
        df["altitude_m"] = alt.astype(int)
        fixed = {names.index("Santa María"): 41} if region == "Cajamarca" else {names.index("Hayrapata"): 441}
        rep = _spread_to_sum(rng, n, s["households_reported"], 0.35, 0, lo=45, hi=300, fixed=fixed)
        df["households_reported"] = rep.astype(int)
        without = _spread_to_sum(rng, n, s["households_without_land"], 0.5, 0, lo=0, hi=40)
        df["households_without_land"] = without.astype(int)
        # with land: the community's count, close to reported - without (the paper's counts need not add up)
        base = np.maximum(df["households_reported"] - df["households_without_land"], 1).to_numpy(float)
        w = base / base.sum() * s["households_with_land"]
        units = np.floor(w).astype(int)
        units[np.argsort(-(w - units), kind="stable")[: s["households_with_land"] - units.sum()]] += 1
        df["households_with_land"] = units
        df["primary_schools"] = _spread_to_sum(rng, n, s["primary_schools"], 0.3, 0, lo=0, hi=3).astype(int)
        fix_trade = {names.index("El Aliso"): 12.0, names.index("Cochapampa"): 2.5} if region == "Cajamarca" else {}
        for col, sd, lo, hi, fx in [
            ("dist_secondary_school_km", 0.5, 0.0, 25.0, {}),
            ("dist_health_facility_km", 0.5, 0.0, 25.0, {}),
            ("dist_trading_center_km", 0.45, 1.0, 40.0, fix_trade),
        ]:
            df[col] = _spread_to_sum(rng, n, s[col], sd, 1, lo=lo, hi=hi, fixed=fx)
        df["area"] = _spread_to_sum(rng, n, s["area"], 0.5, 0, lo=150, hi=12000).astype(int)
        df["pct_income_livestock"] = _spread_to_sum(rng, n, s["pct_income_livestock"], 0.15, 0, lo=20, hi=98).astype(int)
        for col in ("clean_water", "telephone", "electricity", "regular_transport", "veterinary"):
            df[col] = _flags(rng, n, int(round(t[col] * n / 100)))
        df["road_months"] = _spread_to_sum(rng, n, s["road_months"], 0.2, 0, lo=4, hi=12).astype(int)
        cited = pd.DataFrame({a: _flags(rng, n, int(round(t["act"][a] * n / 100))) for a in ACTIVITIES})
        order = sorted(t["ranks"], key=lambda a: t["ranks"][a])
        frames.append((df, cited, order, rng))
    # ranks: each community ranks its cited activities (a perturbed regional order), solved so
    # that the Borda orders print as Table 1 per region and for both regions.
    want_both = ["livestock_production", "crop_agriculture", "trade_livestock_products", "casual_labor",
                 "handicrafts", "business", "livestock_trade", "other"]
    idx = {a: i for i, a in enumerate(ACTIVITIES)}
    cit, rk = _solve_ranks(
        _rng(seed, 2),
        [f[1].to_numpy(bool) for f in frames],
        [[idx[a] for a in f[2]] for f in frames],
        [idx[a] for a in want_both],
    )
    frames = [(df, pd.DataFrame(c.astype(int), columns=ACTIVITIES), order, r) for (df, _c, order, r), c in zip(frames, cit)]
    ranks = [pd.DataFrame(r, columns=ACTIVITIES) for r in rk]
    out = []
    for (df, cited, order, _r), rk in zip(frames, ranks):
        for a in ACTIVITIES:
            df[f"act_{a}"] = cited[a].to_numpy()
        for a in ACTIVITIES:
            df[f"rank_{a}"] = rk[a].astype("Int64").to_numpy()
        out.append(df)
    com = pd.concat(out, ignore_index=True)
    cols = ["community", "region", "altitude_m", "households_reported", "households_with_land",
            "households_without_land", "primary_schools", "dist_secondary_school_km", "dist_health_facility_km",
            "dist_trading_center_km", "area", "pct_income_livestock", "clean_water", "telephone", "electricity",
            "regular_transport", "veterinary", "road_months"]
    cols += [f"act_{a}" for a in ACTIVITIES] + [f"rank_{a}" for a in ACTIVITIES] + ["name_source", "language"]
    return com[cols]


# --------------------------------------------------------------------------- households (Tables 2-3)

# Poverty status patterns over (1979, 1994, 2004): True = poor.
PATTERNS = [(a, b, c) for c in (True, False) for a in (True, False) for b in (True, False)]


def pattern_counts(c: dict) -> dict:
    """Counts of the 8 (poor 1979, poor 1994, poor 2004) patterns with Table 3's margins for both periods.

    Within the households poor in 2004 and within those not poor in 2004, the 2x2 table of
    (poor 1979, poor 1994) has both margins fixed by Table 3; its free cell is set to a strong
    but not total persistence (households poor in 1979 tend to be poor in 1994 too).
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


def _exact_split(n: int, shares) -> np.ndarray:
    w = np.asarray(shares, float) / np.sum(shares) * n
    k = np.floor(w).astype(int)
    k[np.argsort(-(w - k), kind="stable")[: n - k.sum()]] += 1
    return k


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
    counts = table3_counts()
    frames = []
    for ri, region in enumerate(REGIONS):
        rng = _rng(seed, 3, ri)
        c = com[com["region"] == region].reset_index(drop=True)
        size = _community_sizes(com, region)
        code = "CJ" if region == "Cajamarca" else "PU"
        ci = np.repeat(np.arange(len(c)), size)
        k = np.concatenate([np.arange(1, s + 1) for s in size])
        hid = np.char.add(np.char.add(f"{code}", np.char.zfill((ci + 1).astype(str), 2)), np.char.add("-", np.char.zfill(k.astype(str), 3)))
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
        st = {y: _stages_for(poor[:, j], np.clip(u + rng.normal(0, 0.15, n), 0, 1), y) for j, y in enumerate((1979, 1994, 2004))}
        frames.append(pd.DataFrame({
            "household_id": hid, "community": c["community"].to_numpy()[ci], "region": region,
            "stage_1979": st[1979], "stage_1994": st[1994], "stage_2004": st[2004],
        }))
    hh = pd.concat(frames, ignore_index=True)
    hh["assets"] = _assets(_rng(seed, 4), hh["stage_2004"].to_numpy())
    return hh


# --------------------------------------------------------------------------- writing the study

STUDY_YML_TEMPLATE = """# Peru 2004: a SYNTHETIC replica of Kristjanson, Krishna, Radeny, Kuan, Quilca & Sanchez-Urrelo
# (2007), PPLPI Working Paper 39. Generated by `sop replica --out data/peru2004` (seed below):
# every file is invented to reproduce the paper's published aggregates (Tables 1-9 and the
# percentages quoted in its text). Individual households are NOT field records. See README.md.
title: "Peru 2004 (synthetic replica of Kristjanson et al. 2007)"
synthetic: true
country: Peru
source: >
  Synthetic replica generated by stagesofprogress.replica (seed {seed}) to reproduce the published
  tables of Kristjanson P, Krishna A, Radeny M, Kuan J, Quilca G, Sanchez-Urrelo A (2007) Dynamic
  Poverty Processes and the Role of Livestock in Peru. PPLPI Working Paper 39, FAO, Rome.
licence: CC-BY-4.0
paper: ../paper
description: >
  40 communities (20 in Cajamarca, 20 in Puno) and 3,868 households (Table 3's n: 1,948 and 1,920)
  placed on the 13 stages of Figure 2 in 1979, 1994 and 2004; the 1,043 sampled households of the
  livestock survey (Table 6's n: 538 and 505) with their reasons, characteristics, livestock and
  production. Made by calibration, not field work: only the published aggregates are evidence.
time_points: [1979, 1994, 2004]
stages:
  - Food
  - Some clothes
  - Basic housing/house repairs
  - Small animals (chickens, guinea pigs)
  - Basic education for children
  - Purchase small plot of land
  - Indigenous breeds of livestock (sheep, cattle, alpacas, llamas)
  - Purchase larger plot
  - Improve/expand house
  - Improved large breeds of larger animals
  - Secondary/tertiary education
  - Small business
  - Buy plot/house in city
poverty_cutoff: 7
top_stage: 12

# Vocabulary of reasons.csv: code -> label.
reasons:
  improved_livestock_quality: Improved livestock quality
  community_organization: Community organization
  business_gains: Business gains
  crop_diversification: Crop diversification
  livestock_diversification: Livestock diversification
  offfarm_diversification: Non-agricultural/off-farm diversification
  improved_market_access: Improved market access
  private_job: Private job
  inheritance: Gains from inheritance
  help_relatives_friends: Help from relatives and friends
  remittances: Remittances from city-based members
  land_division: Land division
  large_family: Large family size
  death_income_earner: Death of income earner
  polygamy: Polygamy
  no_inheritance: Lack of/no inheritance
  death_expenses: Heavy expenses related to death
  health: Health
  marriage_expenses: Marriage expenses
  crop_losses: Crop losses
  livestock_losses: Livestock losses
  disability: Disability
  asset_loss: Accidental asset loss

# Livestock survey tables (6, 8, 9): "10 years ago" and "now".
livestock:
  years: [1994, 2004]
  items:
    - [beef, indigenous]
    - [beef, improved]
    - [dairy, indigenous]
    - [dairy, improved]
    - [sheep, indigenous]
    - [sheep, improved]
    - [alpacas, ""]
    - [llamas, ""]
    - [chickens, ""]
    - [guinea_pigs, ""]
    - [pigs, ""]
  products: [alpaca_fiber, beef, camelid_hides, camelid_meat, cheese, chickens, dried_meat, eggs, guinea_pigs, milk, mutton, pork, wool]

# The paper's logit models. `name`: a reason code (0/1 flag: the household cites it for the
# model's period in reasons.csv) or a column of sample.csv; `transform`: log or square;
# `regions`: only these regions' models include the variable. Complete cases only.
models:
  escape:
    table: "Table 4"
    title: >-
      Results of the binary logistic regression for poverty escape (households that were poor 25 years
      ago and escaped poverty in comparison to those that stayed poor) in Puno and Cajamarca
    period: [1979, 2004]
    outcome: {{1: escaped, 0: remained_poor}}
    by: region
    regions: [Puno, Cajamarca]
    robust: true
    class_labels: {{1: Escaping poverty, 0: Staying poor}}
    groups:
      - heading: "Factors (reasons) that increase the probability of escape from poverty (expected sign positive)"
        variables:
          - {{name: improved_livestock_quality, label: Improved livestock quality}}
          - {{name: community_organization, label: Community organization}}
          - {{name: business_gains, label: Business gains}}
          - {{name: crop_diversification, label: Crop diversification}}
          - {{name: livestock_diversification, label: Livestock diversification}}
          - {{name: offfarm_diversification, label: Non-agricultural/off-farm diversification}}
          - {{name: improved_market_access, label: Improved market access}}
          - {{name: private_job, label: Private job, regions: [Puno]}}
          - {{name: inheritance, label: Gains from inheritance}}
          - {{name: help_relatives_friends, label: Help from relatives and friends}}
      - heading: "Factors (reasons) that decrease the probability of escape from poverty (expected sign negative)"
        variables:
          - {{name: land_division, label: Land division}}
          - {{name: large_family, label: Large family size}}
          - {{name: death_income_earner, label: Death of income earner}}
          - {{name: polygamy, label: Polygamy}}
          - {{name: no_inheritance, label: Lack of/no inheritance, regions: [Cajamarca]}}
          - {{name: death_expenses, label: Heavy expenses related to death}}
          - {{name: health, label: Health, regions: [Puno]}}
      - heading: "Household characteristics"
        variables:
          - {{name: male_head, label: Gender}}
          - {{name: age_head, label: Age (squared), transform: square}}
          - {{name: education_level, label: Level of education}}
          - {{name: prop_children_school, label: Proportion of children in school}}
          - {{name: relatives_outside, label: Influence of relatives working outside the community}}
      - heading: "Land and livestock holdings (in 2004)"
        variables:
          - {{name: land_ha, label: Household landholdings (log), transform: log}}
          - {{name: beef_cattle, label: Beef cattle}}
          - {{name: dairy_cattle, label: Dairy cattle}}
          - {{name: sheep, label: Sheep}}
          - {{name: camelids, label: Camelids (Alpacas & Llamas), regions: [Puno]}}
          - {{name: livestock_income_share, label: Proportion of household income from livestock}}
  descent:
    table: "Table 5"
    title: >-
      Results of the binary logistic regression for falling into poverty (households that were non-poor
      25 yrs ago and stayed non-poor compared to those that fell into poverty) in Puno and Cajamarca
    period: [1979, 2004]
    outcome: {{1: became_poor, 0: remained_not_poor}}
    by: region
    regions: [Puno, Cajamarca]
    robust: true
    class_labels: {{1: Falling into poverty, 0: Staying non-poor}}
    groups:
      - heading: "Factors (reasons) that increase the probability of falling into poverty (expected sign positive)"
        variables:
          - {{name: land_division, label: Land division}}
          - {{name: large_family, label: Large family size, regions: [Cajamarca]}}
          - {{name: marriage_expenses, label: Marriage expenses, regions: [Cajamarca]}}
          - {{name: crop_losses, label: Crop losses, regions: [Cajamarca]}}
          - {{name: livestock_losses, label: Livestock losses}}
          - {{name: death_income_earner, label: Death of income earner}}
          - {{name: disability, label: Disability, regions: [Cajamarca]}}
          - {{name: health, label: Health}}
      - heading: "Factors (reasons) that decrease the probability of falling into poverty (expected sign negative)"
        variables:
          - {{name: business_gains, label: Business gains, regions: [Cajamarca]}}
          - {{name: crop_diversification, label: Crop diversification, regions: [Cajamarca]}}
          - {{name: livestock_diversification, label: Livestock diversification}}
          - {{name: offfarm_diversification, label: Non-agricultural/off-farm diversification}}
          - {{name: private_job, label: Private Job, regions: [Puno]}}
          - {{name: inheritance, label: Inheritance, regions: [Cajamarca]}}
      - heading: "Household characteristics"
        variables:
          - {{name: male_head, label: Gender}}
          - {{name: age_head, label: Age (squared), transform: square}}
          - {{name: education_level, label: Level of education}}
          - {{name: relatives_outside, label: Influence of relatives working outside the community}}
          - {{name: prop_children_school, label: Proportion of children in school}}
      - heading: "Land and livestock holdings (in 2004)"
        variables:
          - {{name: land_ha, label: Household landholdings (log), transform: log}}
          - {{name: beef_cattle, label: Beef cattle}}
          - {{name: dairy_cattle, label: Dairy cattle}}
          - {{name: sheep, label: Sheep}}
          - {{name: camelids, label: Camelids (Alpacas & Llamas), regions: [Puno]}}
          - {{name: livestock_income_share, label: Proportion of household income from livestock}}
  improved_breeds:
    table: "Table 7"
    title: >-
      Results of binary logistic regression for adoption/ownership of improved breeds (dairy cattle, beef
      cattle and sheep)
    outcome: improved_breed
    filter: {{region: Puno}}
    robust: false
    style: spss
    class_labels: {{1: Owns an improved breed, 0: Owns no improved breed}}
    groups:
      - heading: ""
        variables:
          - {{name: male_head, label: Gender}}
          - {{name: age_head, label: Age squared, transform: square}}
          - {{name: above_primary, label: Education (1 if above primary level; 0 otherwise)}}
          - {{name: prop_children_school, label: Proportion of children in school}}
          - {{name: land_ha, label: Log of land owned, transform: log}}
          - {{name: dependency_ratio, label: Dependency ratio}}
          - {{name: multiple_activities, label: Involvement in multiple income generating activities}}
          - {{name: relatives_outside, label: Influence of relatives working outside the community}}
"""

README_TEMPLATE = """# Peru 2004 — a synthetic replica of Kristjanson et al. (2007)

**These are not field data.** Every household, community name (except the seven the paper
names), reason, livestock holding and production figure in this folder was invented by
`sop replica` (`stagesofprogress.replica.generate`, seed {seed}) so that the published
aggregates of

> Kristjanson P, Krishna A, Radeny M, Kuan J, Quilca G, Sanchez-Urrelo A (2007). *Dynamic
> Poverty Processes and the Role of Livestock in Peru.* PPLPI Working Paper 39, FAO, Rome.

come out of the library's own computations. The original household data were never
published; this replica stands in for them so that every chapter of the book runs end to end
on data shaped like the study's.

## What it is

- 40 communities (`communities.csv`, 20 in Cajamarca, 20 in Puno) whose averages and percents
  print as Table 1, including the bracketed order of importance of economic activities
  (derived from each community's own ranks as documented in `schema.py`).
- 3,868 households (`households.csv`: 1,948 in Cajamarca and 1,920 in Puno, Table 3's n)
  placed on the 13 stages of Figure 2 in 1979, 1994 and 2004, with movement counts set from
  Table 3's percents and an `assets` column whose means by stage in 2004 are Table 2's.
- 1,043 sampled households (`sample.csv`: 538 in Puno and 505 in Cajamarca, Table 6's n;
  the text says 1,041), their reasons (`reasons.csv`) and characteristics, calibrated so that
  the paper's logit models (`models:` in `study.yml`) fitted on them give Tables 4, 5 and 7.
- Their livestock (`livestock.csv`) and production (`production.csv`) in 1994 and 2004,
  reproducing Tables 6, 8 and 9.

## What it is not

- Not a sample of real Peruvian households, and not a resampling of them: the generator
  saw only the published tables and the percentages quoted in the text.
- Any relationship **not** published in the paper (a correlation between two covariates, a
  community's poverty rate, the stage of a named household, a cross-tabulation the paper
  does not print) is an artefact of the generator and is **not evidence** about Peru.
- The named communities (El Aliso, Cochapampa, Vista Alegre, Cholocall, Santa María in
  Cajamarca; Hayrapata and Santa Cruz Sincata in Puno) keep only the facts the paper states
  about them (El Aliso 12 km from its market town, Cochapampa 2.5 km; Santa María has 41
  households, the fewest, Hayrapata 441, the most). The paper does not say which region El
  Aliso, Cochapampa, Santa María and Hayrapata are in: that is our assignment. All other
  community names are invented (`name_source = synthetic`).

## Where the paper is inconsistent

Where the published numbers contradict each other the replica reproduces the consistent
value and the book reports the difference (see `data/paper`): for example Table 3 prints
25.7 % of Cajamarca poor at the start of 1994–2004 although its own columns give
22.9 + 12.8 = 35.7; the text's 3,817 households versus Table 3's 1,948 + 1,920 = 3,868; some
"Both regions" entries of Tables 1 and 3 that no set of 40 communities / 3,868 households can
give together with the region columns.

## Regenerate

    sop replica --out data/peru2004          # same seed, byte-identical files
    sop validate --data data/peru2004

`tests/test_replica.py` checks that regeneration is byte-identical and that the published
tables are reproduced.
"""


def build(seed: int = SEED) -> dict[str, bytes]:
    """Every file of the replica as {file name: bytes} (deterministic for a seed)."""
    from . import datapackage as dp

    com = make_communities(seed)
    hh = make_households(com, seed)
    files = {
        "study.yml": STUDY_YML_TEMPLATE.format(seed=seed).encode("utf-8"),
        "README.md": README_TEMPLATE.format(seed=seed).encode("utf-8"),
        "communities.csv": to_csv_bytes(com),
        "households.csv": to_csv_bytes(hh),
    }
    files.update(_sample_files(hh, seed))
    files["datapackage.json"] = dp.to_json_bytes(dp.from_files(files, "peru2004"))
    return files


def _sample_files(hh: pd.DataFrame, seed: int) -> dict[str, bytes]:
    return {}


def generate(out_dir: str | Path, seed: int = SEED) -> Path:
    """Write the replica study folder `out_dir` (replaced atomically)."""
    out = Path(out_dir)
    write_atomically(out, build(seed))
    return out


def cmd_replica(args) -> int:
    import time

    t0 = time.perf_counter()
    generate(args.out, seed=args.seed)
    print(f"Wrote the Peru 2004 replica (seed {args.seed}) to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def add_parser(sub) -> None:
    """Register `sop replica` on the subparsers of the `sop` command."""
    r = sub.add_parser(
        "replica",
        help="write the synthetic Peru 2004 study calibrated to Kristjanson et al. (2007)",
        description="Invent households, communities, reasons and livestock whose aggregates reproduce the "
        "paper's published tables. Same seed, same bytes. The result is synthetic, not field data.",
    )
    r.add_argument("--out", type=Path, required=True, help="study folder to write (replaced atomically)")
    r.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED}, the committed data/peru2004)")
    r.set_defaults(func=cmd_replica)
