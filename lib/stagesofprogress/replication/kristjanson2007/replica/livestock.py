"""Step 5: the livestock survey (livestock.csv, production.csv): Tables 6, 8 and 9."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .draws import _rng, round_half_up
from .herds import COUNTED
from .targets import (
    ESCAPED10_IN_SAMPLE,
    FALLERS_DECLINE,
    ITEMS,
    POVERTY_CUTOFF,
    PRODUCTS,
    REGIONS,
    SAMPLE_N,
    TABLE6,
    TABLE8,
    TABLE9,
)

TYPICAL_QTY = {
    "alpaca_fiber": 40,
    "beef": 120,
    "camelid_hides": 6,
    "camelid_meat": 60,
    "cheese": 3,
    "chickens": 2,
    "dried_meat": 15,
    "eggs": 10,
    "guinea_pigs": 4,
    "milk": 4,
    "mutton": 30,
    "pork": 40,
    "wool": 25,
}


def _heads(rng, k: int, mean: float, exact: bool) -> np.ndarray:
    """k herd sizes (>= 1); with `exact`, their mean prints as `mean` at one decimal."""
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    h = np.maximum(1, np.round(mean * rng.lognormal(0, 0.5, k) / np.exp(0.125))).astype(np.int64)
    if exact:
        total = int(round(mean * k))
        if round_half_up(total / k, 1) != mean:
            total += 1 if round_half_up((total + 1) / k, 1) == mean else -1
        if total < k:
            raise RuntimeError(f"mean {mean} over {k} households needs at least one head each")
        while (d := total - h.sum()) != 0:
            ok = np.flatnonzero(h > 1) if d < 0 else np.arange(k)
            h[rng.permutation(ok)[: abs(d)]] += np.sign(d)
    return h


def make_livestock(
    hh: pd.DataFrame, sample: pd.DataFrame, escaped10: set[str], seed: int, lv2004: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """livestock.csv (Tables 6 and 8: herds in 1994 and 2004) and production.csv (Table 9).

    Parameters
    ----------
    hh : pandas.DataFrame
        households.csv of the replica.
    sample : pandas.DataFrame
        sample.csv of the replica.
    escaped10 : set of str
        Ids of the sampled households that escaped poverty over 1994-2004.
    seed : int
        The seed of the replica's random draws.
    lv2004 : pandas.DataFrame, optional
        The 2004 herds that sample.csv's head counts total (`recalibrate.reconcile_counts`);
        they replace the drawn 2004 herds of those items.

    Returns
    -------
    livestock : pandas.DataFrame
        Rows of livestock.csv (household_id, year, species, breed, head).
    production : pandas.DataFrame
        Rows of production.csv.
    """
    rng = _rng(seed, 50)
    reg = hh.set_index("household_id").loc[sample["household_id"], "region"].to_numpy()
    ids = sample["household_id"].to_numpy()
    is_e = np.isin(ids, list(escaped10))
    improved = sample["improved_breed"].to_numpy() == 1
    rows = []
    decline = _fallers_decline(hh, ids, reg, lv2004)
    for region in REGIONS:
        rows += _region_herds(rng, region, reg, ids, is_e, improved, lv2004, decline)
    if lv2004 is not None:
        rows.append(lv2004[["household_id", "year", "species", "breed", "head"]])
    livestock = pd.concat(rows, ignore_index=True)
    livestock = livestock.sort_values(["household_id", "year", "species", "breed"], kind="stable").reset_index(
        drop=True
    )
    return livestock, _production(rng, reg, ids, is_e)


def _fallers_decline(hh: pd.DataFrame, ids: np.ndarray, reg: np.ndarray, lv2004) -> dict:
    """{(region, item index): (fallers, holders needed in 1994)} for `FALLERS_DECLINE`: the sampled
    households that fell into poverty over 1994-2004 (a boolean per sample row), and one more of
    them than hold the item in 2004 (livestock.csv's reconciled herds)."""
    if lv2004 is None:
        return {}
    st = hh.set_index("household_id").loc[ids]
    fell = (st["stage_1994"].to_numpy() > POVERTY_CUTOFF) & (st["stage_2004"].to_numpy() <= POVERTY_CUTOFF)
    out = {}
    for region, items in FALLERS_DECLINE.items():
        f = fell & (reg == region)
        for sp, br in items:
            h = lv2004[(lv2004["species"] == sp) & (lv2004["breed"] == br) & (lv2004["head"] > 0)]
            out[(region, ITEMS.index((sp, br)))] = (f, int(np.isin(ids[f], h["household_id"]).sum()) + 1)
    return out


def _favour(pick: np.ndarray, rest: np.ndarray, fallers: np.ndarray, need: int) -> np.ndarray:
    """`pick` with at least `need` rows of `fallers` (as many as `rest` has): the first fallers of `rest`
    take the places of the last other rows picked."""
    short = need - int(fallers[pick].sum())
    if short <= 0:
        return pick
    incoming = rest[fallers[rest]][:short]
    others = np.flatnonzero(~fallers[pick])[::-1][: len(incoming)]
    pick = pick.copy()
    pick[others] = incoming[: len(others)]
    return pick


def _region_herds(rng, region: str, reg, ids, is_e, improved, lv2004, decline=None) -> list[pd.DataFrame]:
    """One region's herds in 1994 and 2004, item by item (improved breeds first)."""
    rows = []
    r_idx = np.flatnonzero(reg == region)
    esc, non = r_idx[is_e[r_idx]], r_idx[~is_e[r_idx]]
    assert len(esc) == ESCAPED10_IN_SAMPLE[region] and len(r_idx) == SAMPLE_N[region]
    for year_i, year in enumerate((1994, 2004)):
        covered = np.zeros(len(reg), bool)
        # improved breeds now: exactly the households with improved_breed = 1 own at least one
        order = sorted(
            range(len(ITEMS)), key=lambda i: (ITEMS[i][1] != "improved", -(TABLE6[region][i] or (0, 0))[year_i])
        )
        for i in order:
            if TABLE6[region][i] is None:
                continue
            if year == 2004 and lv2004 is not None and ITEMS[i] in COUNTED:
                continue  # the herds sample.csv's head counts total (made by recalibrate.reconcile_counts)
            fav = (decline or {}).get((region, i)) if year_i == 0 else None
            rows += _item_herds(rng, region, i, year_i, (esc, non), improved, covered, ids, fav)
        if year == 2004 and lv2004 is None:
            own = r_idx[improved[r_idx]]
            if not covered[own].all():
                raise RuntimeError(f"{region}: improved breed owners not all covered")
    return rows


def _item_herds(rng, region: str, i: int, year_i: int, groups, improved, covered, ids, fav=None) -> list[pd.DataFrame]:
    """The owners of item i in one year (Table 6's total, Table 8's escapers) and their herds; with
    `fav` (fallers, holders needed), that many of the other owners are fallers (`_favour`)."""
    sp, br = ITEMS[i]
    year = (1994, 2004)[year_i]
    total = TABLE6[region][i][year_i]
    t8 = TABLE8[region][i]
    mean_e, n_e = t8[year_i] if t8 is not None and t8[year_i] is not None else (None, 0)
    restrict = year == 2004 and br == "improved"
    pools = []
    for grp, k in zip(groups, (n_e, total - n_e)):
        cand = grp[improved[grp]] if restrict else grp
        if restrict:  # cover households not yet owning an improved breed first
            key = covered[cand].astype(float) + rng.random(len(cand))
            pick = cand[np.argsort(key, kind="stable")[:k]]
        else:
            perm = rng.permutation(cand)
            pick = perm[:k]
            if fav is not None and grp is groups[1]:
                pick = _favour(pick, perm[k:], fav[0], fav[1])
        if len(pick) < k:
            raise RuntimeError(f"not enough households for {region} {sp} {br} {year}")
        pools.append(pick)
        if restrict:
            covered[pick] = True
    he = _heads(rng, n_e, mean_e, True) if n_e else np.zeros(0, np.int64)
    base = (
        mean_e
        if mean_e
        else {
            "beef": 3,
            "dairy": 3,
            "sheep": 15,
            "alpacas": 20,
            "llamas": 10,
            "chickens": 6,
            "guinea_pigs": 10,
            "pigs": 2,
        }[sp]
    )
    hn = _heads(rng, len(pools[1]), base, False)
    return [
        pd.DataFrame({"household_id": ids[pick], "year": year, "species": sp, "breed": br, "head": h})
        for pick, h in zip(pools, (he, hn))
    ]


def _quantities(rng, k: int, m: float) -> np.ndarray:
    """k quantities around m (log-normal, one decimal, at least 0.5)."""
    return np.round(np.maximum(0.5, m * rng.lognormal(0, 0.5, k) / np.exp(0.125)), 1)


def _production(rng, reg, ids, is_e) -> pd.DataFrame:
    """production.csv (Table 9): Valid N producing now, of which No. did not produce 10 years ago."""
    prows = []
    for region in REGIONS:
        r_idx = np.flatnonzero(reg == region)
        esc = r_idx[is_e[r_idx]]
        for (prod, unit), t9 in zip(PRODUCTS, TABLE9[region]):
            if t9 is not None:
                prows += _product_rows(rng, region, prod, unit, t9, r_idx, esc, ids)
    production = pd.concat(prows, ignore_index=True)
    return production.sort_values(["household_id", "product", "year"], kind="stable").reset_index(drop=True)


def _product_rows(rng, region: str, prod: str, unit: str, t9, r_idx, esc, ids) -> list[pd.DataFrame]:
    """One product's producers in 1994 and 2004 in one region, and their quantities."""
    new, valid = t9
    q = TYPICAL_QTY[prod]
    if prod == "milk" and region == "Cajamarca":  # text: escapers producing milk 47% -> 73% (34 -> 53 of 73)
        e_now, e_new = 53, 19
    elif prod == "milk":  # Puno escapers: producers double, so milk produced about doubles
        e_now, e_new = 70, 35
    else:
        e_now = int(round(valid * len(esc) / len(r_idx)))
        e_new = int(round(new * len(esc) / len(r_idx)))
    others = np.setdiff1d(r_idx, esc)
    now_e = rng.permutation(esc)[:e_now]
    now_o = rng.permutation(others)[: valid - e_now]
    new_set = np.r_[now_e[:e_new], now_o[: new - e_new]]
    old_set = np.r_[now_e[e_new:], now_o[new - e_new :]]
    # households that produced 10 years ago but not now (not in Table 9; about 10% of Valid N)
    rest = np.setdiff1d(r_idx, np.r_[now_e, now_o])
    if prod == "milk":  # the text's escaper shares count every escaper producing then
        rest = np.setdiff1d(rest, esc)
    stopped = rng.permutation(rest)[: valid // 10]
    rows = []
    for hs, q94, q04 in (
        (new_set, np.zeros(len(new_set)), _quantities(rng, len(new_set), q)),
        (old_set, _quantities(rng, len(old_set), q), _quantities(rng, len(old_set), q)),
        (stopped, _quantities(rng, len(stopped), q), np.zeros(len(stopped))),
    ):
        for year, qq in ((1994, q94), (2004, q04)):
            rows.append(
                pd.DataFrame({"household_id": ids[hs], "product": prod, "unit": unit, "year": year, "quantity": qq})
            )
    return rows
