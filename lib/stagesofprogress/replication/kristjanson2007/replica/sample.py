"""Step 3: the sampled households and their reasons (sample.csv, reasons.csv): the
models' households drawn by movement category, their covariates from the designs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..command import SEED
from .draws import _pick, _rng
from .herds import _debug_stage
from .models import design_improved_breeds, design_models
from .reasons import PERIOD_SHARES, make_reasons, mover_counts
from .recalibrate import reconcile_counts
from .targets import ESCAPED10_IN_SAMPLE, MODEL_N, POVERTY_CUTOFF, REGIONS

# =========================================================================== sample and reasons

INCOMPLETE = {"Puno": (2, 4, 0, 3), "Cajamarca": (5, 5, 4, 13)}  # per category RP, E, BP, N: a covariate blank
CATS = ("remained_poor", "escaped", "became_poor", "remained_not_poor")


def _shares_met(n: np.ndarray, shares: dict) -> np.ndarray:
    """Whether whole households out of each base n can show every share within a point (the text's tolerance)."""
    n = np.asarray(n, dtype=float)
    ok = n > 0
    for sh in shares.values():
        ok &= np.abs(np.round(sh * n) / np.maximum(n, 1) - sh) <= 0.01 - 1e-9
    return ok


def _mover_split(region: str, tot: dict, k10: dict, rp_not94: np.ndarray, bp_poor94: np.ndarray) -> tuple[int, int]:
    """Sampled remained-poor households not poor in 1994 (x) and became-poor ones poor in 1994 (y).

    With Table 8's n they make the bases of the per-period reason shares (`_reasons`). Drawn, a base
    of a few dozen households can put a quoted share out of reach (one household moves it two or
    three points), so they are set: nearest their expected values where PERIOD_SHARES can be met.
    """
    n_rp, n_bp = tot["remained_poor"], tot["became_poor"]
    X, Y = (g.ravel() for g in np.meshgrid(np.arange(n_rp + 1), np.arange(n_bp + 1), indexing="ij"))
    there = (
        (X <= rp_not94.sum())
        & (n_rp - X <= (~rp_not94).sum())
        & (Y <= bp_poor94.sum())
        & (n_bp - Y <= (~bp_poor94).sum())
    )  # enough households of each kind
    bases = {
        ((1979, 1994), "escaped"): tot["escaped"] - k10["escaped"] + X,
        ((1994, 2004), "escaped"): np.full_like(X, k10["escaped"] + k10["remained_not_poor"]),
        ((1979, 1994), "became_poor"): Y + k10["remained_not_poor"],
        ((1994, 2004), "became_poor"): X + n_bp - Y,
    }
    missed = sum((~_shares_met(b, PERIOD_SHARES.get((region, p, m), {}))).astype(int) for (p, m), b in bases.items())
    dev = np.abs(X - n_rp * rp_not94.mean()) + np.abs(Y - n_bp * bp_poor94.mean())
    best = np.lexsort((np.arange(len(X)), dev, missed, ~there))[0]
    return int(X[best]), int(Y[best])


def _pick_region(hh: pd.DataFrame, cat: pd.Series, esc10: np.ndarray, p94: pd.Series, region: str, rng):
    """The sampled households of one region by category (each a shuffled array of rows of `hh`):
    the models' households first, then the incomplete ones; and the models' sizes per category."""
    inreg = (hh["region"] == region).to_numpy()
    n_model = {
        "remained_poor": MODEL_N[("escape", region)][1],
        "escaped": MODEL_N[("escape", region)][0],
        "became_poor": MODEL_N[("descent", region)][0],
        "remained_not_poor": MODEL_N[("descent", region)][1],
    }
    extra = dict(zip(CATS, INCOMPLETE[region]))
    # households of each category; Table 8's n fixes how many sampled escapers / remained-not-poor
    # households escaped over 1994-2004
    tot = {c: n_model[c] + extra[c] for c in CATS}
    share_e = esc10[inreg & (cat == "escaped").to_numpy()].mean()
    share_n = esc10[inreg & (cat == "remained_not_poor").to_numpy()].mean()
    want = ESCAPED10_IN_SAMPLE[region]
    ke = tot["escaped"] * share_e
    kn = tot["remained_not_poor"] * share_n
    ke = int(round(ke * want / (ke + kn)))
    k10 = {"escaped": ke, "remained_not_poor": want - ke}
    # and how many sampled remained-poor households were not poor in 1994, became-poor ones poor
    idx = {c: np.flatnonzero(inreg & (cat == c).to_numpy()) for c in CATS}
    poor94 = p94.to_numpy()
    x, y = _mover_split(region, tot, k10, ~poor94[idx["remained_poor"]], poor94[idx["became_poor"]])
    split = {
        "escaped": (esc10, ke),
        "remained_not_poor": (esc10, want - ke),
        "remained_poor": (~poor94, x),
        "became_poor": (poor94, y),
    }
    picked = {}
    for c in CATS:
        mask, k = split[c]
        a = _pick(rng, idx[c][mask[idx[c]]], k)
        b = _pick(rng, idx[c][~mask[idx[c]]], tot[c] - k)
        picked[c] = rng.permutation(np.r_[a, b])
    return picked, n_model


def make_sample(hh: pd.DataFrame, seed: int = SEED):
    """sample.csv and reasons.csv: the models' households, drawn from households.csv by category."""
    cat = pd.Series(pd.NA, index=hh.index, dtype="object")
    p79 = hh["stage_1979"] <= POVERTY_CUTOFF
    p94 = hh["stage_1994"] <= POVERTY_CUTOFF
    p04 = hh["stage_2004"] <= POVERTY_CUTOFF
    cat[p79 & p04] = "remained_poor"
    cat[p79 & ~p04] = "escaped"
    cat[~p79 & p04] = "became_poor"
    cat[~p79 & ~p04] = "remained_not_poor"
    esc10 = (p94 & ~p04).to_numpy()
    rows = []
    designs = {}
    pre = design_models(seed)
    for ri, region in enumerate(REGIONS):
        rng = _rng(seed, 30, ri)
        picked, n_model = _pick_region(hh, cat, esc10, p94, region, rng)
        # model covariates from the calibrated designs
        for model, (c1, c0) in (
            ("escape", ("escaped", "remained_poor")),
            ("descent", ("became_poor", "remained_not_poor")),
        ):
            d = pre[(model, region)]
            Xd = pd.DataFrame(d.X[:, 1:], columns=d.names)
            ids1 = picked[c1][: n_model[c1]]
            ids0 = picked[c0][: n_model[c0]]
            order = np.r_[np.flatnonzero(d.y == 1), np.flatnonzero(d.y == 0)]
            Xd = Xd.iloc[order].reset_index(drop=True)
            Xd["_drow"] = order  # row of the design matrix d.X
            designs[(model, region)] = d
            Xd["household_id"] = hh["household_id"].to_numpy()[np.r_[ids1, ids0]]
            Xd["_cat"] = [c1] * len(ids1) + [c0] * len(ids0)
            Xd["_model"] = model
            rows.append((region, Xd))
        # incomplete households (land not recorded, or age in Cajamarca)
        inc = []
        for c in CATS:
            ids = picked[c][n_model[c] :]
            inc.append(
                pd.DataFrame(
                    {
                        "household_id": hh["household_id"].to_numpy()[ids],
                        "_cat": c,
                        "_model": "escape" if c in ("escaped", "remained_poor") else "descent",
                    }
                )
            )
        rows.append((region, pd.concat(inc, ignore_index=True).assign(_incomplete=True)))
    frames = []
    for region, df in rows:
        df = df.copy()
        df["_region"] = region
        frames.append(df)
    allx = pd.concat(frames, ignore_index=True)
    if "_incomplete" not in allx:
        allx["_incomplete"] = False
    allx["_incomplete"] = allx["_incomplete"].fillna(False).astype(bool)
    return _assemble_sample(allx, hh, esc10, seed, designs)


SAMPLE_COLUMNS = [
    "household_id",
    "male_head",
    "age_head",
    "education_level",
    "above_primary",
    "prop_children_school",
    "relatives_outside",
    "land_ha",
    "beef_cattle",
    "dairy_cattle",
    "sheep",
    "camelids",
    "livestock_income_share",
    "dependency_ratio",
    "multiple_activities",
    "family_size",
    "improved_breed",
]


def _assemble_sample(allx: pd.DataFrame, hh: pd.DataFrame, esc10: np.ndarray, seed: int, designs: dict):
    """sample.csv for the sampled households (`allx`): the designs' covariates and the others drawn,
    Table 7's model designed on the complete Puno households, family sizes and improved breeds, the
    herds reconciled with Tables 6 and 8 (step 4), then the blanks of the incomplete households.
    Returns (sample, reasons, (households that escaped 1994-2004, livestock.csv's 2004 herds))."""
    rng = _rng(seed, 40)
    n = len(allx)
    inc = allx["_incomplete"].to_numpy()
    region = allx["_region"].to_numpy()
    puno = region == "Puno"
    out = _covariates(allx, rng, puno)
    # Table 7 on the complete Puno households: outcome, dependency ratio, multiple activities
    comp_puno = puno & ~inc
    d7 = design_improved_breeds(_table7_covariates(out, comp_puno), seed)
    _debug_stage("designed", designs, d7)
    dep = np.round(np.clip(rng.normal(0.4, 0.15, n), 0, 1), 4)
    multi = (rng.random(n) < 0.6).astype(int)
    imp = np.zeros(n, dtype=int)
    j_dep, j_multi = d7.names.index("dependency_ratio") + 1, d7.names.index("multiple_activities") + 1
    dep[comp_puno] = np.round(d7.X[:, j_dep], 4)
    multi[comp_puno] = d7.X[:, j_multi].astype(int)
    imp[comp_puno] = d7.y.astype(int)
    out["dependency_ratio"] = dep
    out["multiple_activities"] = multi
    out["family_size"] = _family_sizes(allx, region, rng)
    e10 = set(hh["household_id"].to_numpy()[esc10])
    out["improved_breed"] = _improved_breeds(imp, allx, puno, inc, e10, rng)
    # head counts of 2004: made to agree with livestock.csv (Tables 6 and 8), then the models refined again
    years = ["stage_1979", "stage_1994", "stage_2004"]
    poor = hh.set_index("household_id").loc[allx["household_id"], years].to_numpy() <= POVERTY_CUTOFF
    movers = mover_counts(region, allx["_cat"].to_numpy(), poor)
    lv2004 = reconcile_counts(out, allx, inc, region, e10, designs, d7, comp_puno, seed, movers)
    _blank_incomplete(out, inc, region)
    # which household that remained poor (or became poor) is which row: chosen with the reasons
    reasons, ids = make_reasons(allx, hh, rng)
    remap = dict(zip(allx["household_id"].to_numpy(), ids))
    out["household_id"] = ids
    allx["household_id"] = ids
    lv2004 = lv2004.assign(household_id=lv2004["household_id"].map(remap))
    order = np.argsort(out["household_id"].to_numpy(), kind="stable")
    out = out.iloc[order].reset_index(drop=True)[SAMPLE_COLUMNS]
    escaped10 = set(hh["household_id"].to_numpy()[esc10]) & set(out["household_id"])
    return out, reasons, (escaped10, lv2004)


def _covariates(allx: pd.DataFrame, rng, puno: np.ndarray) -> pd.DataFrame:
    """The household covariates: the designs' values where a model holds the household, drawn otherwise."""
    n = len(allx)
    out = pd.DataFrame({"household_id": allx["household_id"].to_numpy()})

    def fill(col, draw):
        v = np.array(allx[col], dtype=float) if col in allx else np.full(n, np.nan)
        miss = np.isnan(v)
        v[miss] = draw(miss.sum())
        return v

    out["male_head"] = fill("male_head", lambda k: (rng.random(k) < 0.85).astype(float)).astype(int)
    age2 = fill("age_head", lambda k: np.clip(np.round(rng.normal(47, 14, k)), 18, 90) ** 2)
    out["age_head"] = np.round(np.sqrt(age2)).astype(int)
    out["education_level"] = fill("education_level", lambda k: rng.choice([0, 1, 1, 1, 2], k)).astype(int)
    out["above_primary"] = (out["education_level"] >= 2).astype(int)
    out["prop_children_school"] = np.round(
        fill("prop_children_school", lambda k: np.clip(rng.normal(0.7, 0.2, k), 0, 1)), 4
    )
    out["relatives_outside"] = fill("relatives_outside", lambda k: (rng.random(k) < 0.35).astype(float)).astype(int)
    logland = fill("land_ha", lambda k: rng.normal(0.3, 0.9, k))
    out["land_ha"] = np.round(np.exp(logland), 6)
    for col, (m, sd) in (
        ("beef_cattle", (1.5, 2)),
        ("dairy_cattle", (1.5, 2)),
        ("sheep", (10, 10)),
        ("camelids", (5, 8)),
    ):
        v = fill(col, lambda k, m=m, sd=sd: np.maximum(0, np.round(rng.normal(m, sd, k))))
        if col == "camelids":
            v[~puno] = 0
        out[col] = v.astype(int)
    out["livestock_income_share"] = np.round(
        fill("livestock_income_share", lambda k: np.clip(rng.normal(0.6, 0.15, k), 0, 1)), 4
    )
    return out


def _table7_covariates(out: pd.DataFrame, comp_puno: np.ndarray) -> pd.DataFrame:
    """Table 7's fixed covariates: the complete Puno households' own (age squared, log land)."""
    return pd.DataFrame(
        {
            "male_head": out["male_head"].to_numpy(float)[comp_puno],
            "age_head": out["age_head"].to_numpy(float)[comp_puno] ** 2,
            "above_primary": out["above_primary"].to_numpy(float)[comp_puno],
            "prop_children_school": out["prop_children_school"].to_numpy(float)[comp_puno],
            "land_ha": np.log(out["land_ha"].to_numpy(float)[comp_puno]),
            "relatives_outside": out["relatives_outside"].to_numpy(float)[comp_puno],
        }
    )


def _family_sizes(allx: pd.DataFrame, region: np.ndarray, rng) -> np.ndarray:
    """Family sizes: Cajamarca's fallen households average 5.2, those that stayed non-poor 4.4 (text);
    the households citing large family size get the largest families."""
    n = len(allx)
    fam = np.maximum(1, np.round(rng.normal(4.8, 1.8, n))).astype(int)
    large = allx["large_family"].fillna(0).to_numpy() if "large_family" in allx else np.zeros(n)
    for c, mean in (("became_poor", 5.2), ("remained_not_poor", 4.4)):
        idx = np.flatnonzero((region == "Cajamarca") & (allx["_cat"].to_numpy() == c))
        f = np.maximum(1, np.round(rng.normal(mean, 1.6, len(idx)))).astype(int)
        while (dlt := int(round(mean * len(idx))) - f.sum()) != 0:
            ok = np.flatnonzero(f > 1) if dlt < 0 else np.arange(len(idx))
            f[rng.permutation(ok)[: abs(dlt)]] += np.sign(dlt)
        order = np.argsort(-large[idx] - rng.random(len(idx)) * 0.5, kind="stable")
        fam[idx[order]] = np.sort(f)[::-1]
    return fam


def _improved_breeds(imp: np.ndarray, allx: pd.DataFrame, puno, inc, e10: set, rng) -> np.ndarray:
    """improved_breed beyond Table 7's households: Puno's incomplete households half; Cajamarca from
    Table 6 (between 39 and 74 owners; Table 8: only 1 / 2 / 3 of its 73 recent escapers own improved
    beef / dairy / sheep now). `imp` is changed in place and returned."""
    inc_p = np.flatnonzero(puno & inc)
    imp[inc_p[: len(inc_p) // 2]] = 1
    caj = np.flatnonzero(~puno)
    is_e = np.array([h in e10 for h in allx["household_id"].to_numpy()[caj]])
    nonpoor = np.isin(allx["_cat"].to_numpy()[caj], ["escaped", "remained_not_poor"])
    score = rng.random(len(caj)) + 0.5 * nonpoor
    ce, cn = caj[is_e], caj[~is_e]
    imp[ce[np.argsort(-score[is_e], kind="stable")[:5]]] = 1
    imp[cn[np.argsort(-score[~is_e], kind="stable")[:50]]] = 1
    return imp


def _blank_incomplete(out: pd.DataFrame, inc: np.ndarray, region: np.ndarray) -> None:
    """The incomplete households lack land (Cajamarca: half of them lack the head's age instead)."""
    out["land_ha"] = out["land_ha"].astype(object)
    out["age_head"] = out["age_head"].astype(object)
    for k, i in enumerate(np.flatnonzero(inc)):
        if region[i] == "Cajamarca" and k % 2:
            out.at[i, "age_head"] = None
        else:
            out.at[i, "land_ha"] = None
