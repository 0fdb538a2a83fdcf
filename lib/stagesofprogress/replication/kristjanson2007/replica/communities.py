"""Step 1: the 40 communities (communities.csv), matching Table 1's means, shares and the
order of its activity ranks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..command import SEED
from .draws import _flags, _rng, _spread_to_sum
from .targets import ACTIVITIES, COMMUNITY_SUMS, NAMED, REGIONS, SYNTHETIC_NAMES, TABLE1


def _borda_order(ranks: pd.DataFrame) -> list[str]:
    """Table 1's bracketed order from per-community ranks (see schema._RANK_NOTE)."""
    pts = (9 - ranks).where(ranks.notna(), 0).sum()
    n_cite = ranks.notna().sum()
    pos = pd.Series(range(len(ranks.columns)), index=ranks.columns)
    key = pd.DataFrame({"pts": -pts, "n": -n_cite, "pos": pos})
    return list(key.sort_values(["pts", "n", "pos"], kind="stable").index)


def activity_ranks_order(ranks: pd.DataFrame) -> dict[str, int]:
    """Table 1's bracketed order of the activities from per-community ranks (Borda points).

    Parameters
    ----------
    ranks : pandas.DataFrame
        One row per community, one column per activity, the rank (1 = most important, NaN = not
        cited).

    Returns
    -------
    dict of str to int
        Activity to its position, 1 for the first.
    """
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

    pri = [
        np.array([w.index(a) if a in w else n_act for a in range(n_act)], float)[None, :] + rng.normal(0, 1.0, c.shape)
        for c, w in zip(cited, wants)
    ]
    cit = [c.copy() for c in cited]

    def cost(cit, pri):
        rk = [ranks_of(c, p) for c, p in zip(cit, pri)]
        return sum(_order_violations(r, w) for r, w in zip(rk, wants)) + _order_violations(np.vstack(rk), want_both)

    best = cur = cost(cit, pri)
    best_state = (cit, pri)
    for _it in range(100000):
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


def _region_frame(region: str, rng) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """One region's communities (Table 1's sums and shares), the activities each cites, and the
    region's printed order of activities."""
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
        alt = _spread_to_sum(rng, n, s["altitude_m"], 0.05, 0, lo=3812, hi=4500, fixed={n - 1: 4500})
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
    return df, cited, order


def make_communities(seed: int = SEED) -> pd.DataFrame:
    """communities.csv: 20 communities per region whose means and shares print as Table 1."""
    frames = []
    for ri, region in enumerate(REGIONS):
        rng = _rng(seed, 1, ri)
        frames.append((*_region_frame(region, rng), rng))
    # ranks: each community ranks its cited activities (a perturbed regional order), solved so
    # that the Borda orders print as Table 1 per region and for both regions.
    want_both = [
        "livestock_production",
        "crop_agriculture",
        "trade_livestock_products",
        "casual_labor",
        "handicrafts",
        "business",
        "livestock_trade",
        "other",
    ]
    idx = {a: i for i, a in enumerate(ACTIVITIES)}
    cit, rk = _solve_ranks(
        _rng(seed, 2),
        [f[1].to_numpy(bool) for f in frames],
        [[idx[a] for a in f[2]] for f in frames],
        [idx[a] for a in want_both],
    )
    frames = [
        (df, pd.DataFrame(c.astype(int), columns=ACTIVITIES), order, r) for (df, _c, order, r), c in zip(frames, cit)
    ]
    ranks = [pd.DataFrame(r, columns=ACTIVITIES) for r in rk]
    out = []
    for (df, cited, _order, _r), rk in zip(frames, ranks):
        for a in ACTIVITIES:
            df[f"act_{a}"] = cited[a].to_numpy()
        for a in ACTIVITIES:
            df[f"rank_{a}"] = rk[a].astype("Int64").to_numpy()
        out.append(df)
    com = pd.concat(out, ignore_index=True)
    cols = [
        "community",
        "region",
        "altitude_m",
        "households_reported",
        "households_with_land",
        "households_without_land",
        "primary_schools",
        "dist_secondary_school_km",
        "dist_health_facility_km",
        "dist_trading_center_km",
        "area",
        "pct_income_livestock",
        "clean_water",
        "telephone",
        "electricity",
        "regular_transport",
        "veterinary",
        "road_months",
    ]
    cols += [f"act_{a}" for a in ACTIVITIES] + [f"rank_{a}" for a in ACTIVITIES] + ["name_source", "language"]
    return com[cols]
