"""Step 3b: reasons.csv, the reasons each sampled household gives for its moves.

The 25-year reasons (1979-2004) of the models' households are their calibrated flags (Tables 4
and 5 use them); the other sampled households cite their category's reasons at its rate, and the
25-year shares the text quotes outside the models are set (`FREE_SHARES`).

The sub-period reasons (1979-1994, 1994-2004) are derived from them, so the periods agree: a
household that moved in a sub-period cites there the 25-year reasons that account for that move,
all of them when the move is its 25-year one (an escape from poverty between 1979 and 2004 is an
escape in exactly one sub-period), those of the move's direction (`reason_direction`) when the
household went both ways and ended where it started. Where the text quotes a sub-period share
(`PERIOD_SHARES`), exactly that share of the sub-period's movers cite the reason, households
whose 25-year reasons account for it first: the quoted share can ask for fewer than the 25-year
reasons account for (or more), and only then does a sub-period disagree with the long period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..command import SEED
from .targets import POVERTY_CUTOFF, REGIONS, model_spec
from .templates import study_spec

__all__ = [
    "FREE_SHARES",
    "PERIOD_SHARES",
    "SUB_PERIODS",
    "incoherent",
    "make_reasons",
    "reason_direction",
    "sub_period_moves",
]

SUB_PERIODS = ((1979, 1994), (1994, 2004))
#: The direction of each move a reason can account for.
MOVE_DIRECTION = {"escaped": "up", "became_poor": "down"}
# Reasons no model groups: remittances lift a household, an accidental loss of assets sinks it.
OTHER_DIRECTIONS = {"remittances": "up", "asset_loss": "down"}

# Reasons outside the models whose shares the text quotes (25-year period, all sampled households of a category).
FREE_SHARES = {
    ("Cajamarca", "remained_poor"): {"health": 0.39, "disability": 0.17, "asset_loss": 0.03},
    ("Puno", "remained_poor"): {"asset_loss": 0.17, "disability": 0.03},
    ("Cajamarca", "escaped"): {"remittances": 0.27},
}
# Per-period shares the text quotes: (region, period, movers) -> {reason: share}.
PERIOD_SHARES = {
    ("Puno", (1979, 1994), "escaped"): {
        "livestock_diversification": 0.55,
        "offfarm_diversification": 0.35,
        "business_gains": 0.2,
    },
    ("Puno", (1994, 2004), "escaped"): {
        "livestock_diversification": 0.52,
        "offfarm_diversification": 0.38,
        "business_gains": 0.22,
    },
    ("Cajamarca", (1979, 1994), "escaped"): {
        "offfarm_diversification": 0.5,
        "crop_diversification": 0.45,
        "remittances": 0.25,
        "livestock_diversification": 0.2,
    },
    ("Cajamarca", (1994, 2004), "escaped"): {
        "offfarm_diversification": 0.48,
        "crop_diversification": 0.36,
        "remittances": 0.29,
        "livestock_diversification": 0.22,
    },
    ("Cajamarca", (1979, 1994), "became_poor"): {
        "health": 0.30,
        "marriage_expenses": 0.15,
        "disability": 0.08,
        "large_family": 0.2,
    },
    ("Cajamarca", (1994, 2004), "became_poor"): {
        "health": 0.52,
        "marriage_expenses": 0.25,
        "disability": 0.14,
        "large_family": 0.2,
    },
    ("Puno", (1979, 1994), "became_poor"): {"health": 0.23, "land_division": 0.1, "livestock_losses": 0.2},
    ("Puno", (1994, 2004), "became_poor"): {"health": 0.67, "land_division": 0.3, "livestock_losses": 0.2},
}


def reason_direction() -> dict[str, str]:
    """'up' or 'down' per reason code: the side of the models' reason groups it is listed on (a reason
    that raises the odds of escape, or lowers those of falling, is 'up'), else `OTHER_DIRECTIONS`."""
    out = dict(OTHER_DIRECTIONS)
    for model, sides in (("escape", ("up", "down")), ("descent", ("down", "up"))):
        for group, side in zip(model_spec()[model]["groups"][:2], sides):
            for v in group["variables"]:
                if out.setdefault(v["name"], side) != side:
                    raise ValueError(f"reason {v['name']} is listed on both sides of the models")
    return out


def _long_flags(allx: pd.DataFrame, vocab: list[str], rng) -> pd.DataFrame:
    """The 25-year reasons of every sampled household (a 0/1 column per code)."""
    cat = allx["_cat"].to_numpy()
    region = allx["_region"].to_numpy()
    flags = pd.DataFrame(0, index=allx.index, columns=vocab)
    for code in vocab:
        if code in allx:
            v = np.array(allx[code], dtype=float)
            flags[code] = np.where(np.isnan(v), 0, v).astype(int)
    # incomplete households: the reasons of their model, at the rate of their category's complete households
    for _key, g in allx.groupby(["_region", "_cat"], sort=True):
        idx_c = g.index[~g["_incomplete"].to_numpy()]
        idx_i = g.index[g["_incomplete"].to_numpy()]
        for code in vocab:
            if code not in allx or not len(idx_i):
                continue
            rate = flags.loc[idx_c, code].mean()
            k = int(round(rate * len(idx_i)))
            flags.loc[rng.permutation(idx_i)[:k], code] = 1
    for (r, c), shares in FREE_SHARES.items():
        idx = allx.index[(region == r) & (cat == c)]
        for code, sh in shares.items():
            flags.loc[idx, code] = 0
            flags.loc[rng.permutation(idx)[: int(round(sh * len(idx)))], code] = 1
    return flags


def sub_period_moves(poor: np.ndarray) -> dict[tuple[tuple[int, int], str], np.ndarray]:
    """{(sub-period, move): which households made that move in it} from poor-at-1979/1994/2004 flags."""
    out = {}
    for p, period in enumerate(SUB_PERIODS):
        out[(period, "escaped")] = poor[:, p] & ~poor[:, p + 1]
        out[(period, "became_poor")] = ~poor[:, p] & poor[:, p + 1]
    return out


def _free_flags(allx: pd.DataFrame, vocab: list[str]) -> np.ndarray:
    """Which 25-year reasons may still be added to a household without touching a calibrated number:
    a complete household's reasons outside its model, unless `FREE_SHARES` sets that share."""
    free = np.zeros((len(allx), len(vocab)), bool)
    complete = ~allx["_incomplete"].to_numpy()
    for j, code in enumerate(vocab):
        outside = np.isnan(np.array(allx[code], dtype=float)) if code in allx else np.ones(len(allx), bool)
        free[:, j] = complete & outside
    for (r, c), shares in FREE_SHARES.items():
        m = (allx["_region"].to_numpy() == r) & (allx["_cat"].to_numpy() == c)
        for code in shares:
            free[m, vocab.index(code)] = False
    return free


def _sub_flags(long: np.ndarray, free: np.ndarray, allx: pd.DataFrame, poor: np.ndarray, vocab: list[str], rng):
    """{sub-period: n x reasons bool matrix}: each move's reasons, accounted for by the 25-year ones.

    A quoted share (`PERIOD_SHARES`) is met by the households whose 25-year reasons account for it
    first, then by households that may take the reason for the 25 years too (`free`: `long` is
    changed in place), then by others."""
    cat, region = allx["_cat"].to_numpy(), allx["_region"].to_numpy()
    direction = reason_direction()
    sub = {period: np.zeros(long.shape, bool) for period in SUB_PERIODS}
    for (period, move), moved in sub_period_moves(poor).items():
        of_move = np.array([direction.get(c) == MOVE_DIRECTION[move] for c in vocab])
        # the 25-year reasons that account for this move: all of a household's when it is its 25-year
        # move, those of the move's direction when it went both ways
        can = moved[:, None] & ((cat == move)[:, None] | of_move[None, :])
        s = sub[period]
        s |= long & can
        for r in REGIONS:
            idx = np.flatnonzero(moved & (region == r))
            for code, sh in PERIOD_SHARES.get((r, period, move), {}).items():
                j = vocab.index(code)
                acc, add = long[idx, j] & can[idx, j], free[idx, j] & can[idx, j]
                first = np.lexsort((rng.random(len(idx)), ~add, ~acc))  # accounted for, then free
                pick = idx[first[: int(round(sh * len(idx)))]]
                s[idx, j] = False
                s[pick, j] = True
                long[pick, j] |= free[pick, j] & can[pick, j]
    return sub


def make_reasons(allx: pd.DataFrame, hh: pd.DataFrame, rng) -> pd.DataFrame:
    """reasons.csv for the sampled households (`allx`, with their category, region and calibrated flags)."""
    vocab = list(study_spec(SEED)["reasons"])
    flags = _long_flags(allx, vocab, rng)
    ids = allx["household_id"].to_numpy()
    years = ["stage_1979", "stage_1994", "stage_2004"]
    poor = hh.set_index("household_id").loc[ids, years].to_numpy() <= POVERTY_CUTOFF
    long = flags.to_numpy() == 1
    sub = _sub_flags(long, _free_flags(allx, vocab), allx, poor, vocab, rng)
    parts = []
    codes = np.array(vocab, dtype=object)
    for (a, b), m in [((1979, 2004), long)] + list(sub.items()):
        i, j = np.nonzero(m)
        parts.append(pd.DataFrame({"household_id": ids[i], "start": a, "end": b, "reason": codes[j]}))
    reasons = pd.concat(parts, ignore_index=True)
    reasons["reason"] = reasons["reason"].astype(str)
    reasons = reasons.sort_values(["household_id", "start", "end", "reason"], kind="stable").reset_index(drop=True)
    return reasons[["household_id", "start", "end", "reason"]]


def incoherent(reasons: pd.DataFrame, households: pd.DataFrame, sampled) -> pd.DataFrame:
    """Where a study's sub-period reasons and 25-year reasons disagree, by the rule `make_reasons`
    follows: one row per (household, sub-period, reason) with ``kind`` "not in sub-period" (a 25-year
    reason that accounts for a move of the sub-period, not cited there) or "not accounted for" (a
    sub-period reason no 25-year reason accounts for), and ``quoted`` (the text quotes that share).

    `households` is households.csv (region and stages); `sampled` the households with reasons.
    """
    vocab = list(study_spec(SEED)["reasons"])
    ids = np.asarray(sorted(set(sampled)), dtype=object)
    hh = households.set_index("household_id").loc[ids]
    poor = hh[["stage_1979", "stage_1994", "stage_2004"]].to_numpy() <= POVERTY_CUTOFF
    cat = np.select(
        [poor[:, 0] & poor[:, 2], poor[:, 0], poor[:, 2]],
        ["remained_poor", "escaped", "became_poor"],
        "remained_not_poor",
    )
    region = hh["region"].to_numpy()
    row = pd.Series(np.arange(len(ids)), index=ids)

    def matrix(a: int, b: int) -> np.ndarray:
        r = reasons[(reasons["start"] == a) & (reasons["end"] == b) & reasons["household_id"].isin(ids)]
        m = np.zeros((len(ids), len(vocab)), bool)
        m[row.loc[r["household_id"]].to_numpy(), [vocab.index(c) for c in r["reason"]]] = True
        return m

    long = matrix(1979, 2004)
    direction = reason_direction()
    parts = []
    for (period, move), moved in sub_period_moves(poor).items():
        of_move = np.array([direction.get(c) == MOVE_DIRECTION[move] for c in vocab])
        acc = long & moved[:, None] & ((cat == move)[:, None] | of_move[None, :])
        got = matrix(*period) & moved[:, None]
        quoted = np.array([[c in PERIOD_SHARES.get((r, period, move), {}) for c in vocab] for r in REGIONS])
        q = quoted[np.searchsorted(np.array(REGIONS), region)]
        for kind, bad in (("not in sub-period", acc & ~got), ("not accounted for", got & ~acc)):
            i, j = np.nonzero(bad)
            parts.append(
                pd.DataFrame(
                    {
                        "household_id": ids[i],
                        "region": region[i],
                        "start": period[0],
                        "end": period[1],
                        "move": move,
                        "reason": np.array(vocab, dtype=object)[j],
                        "kind": kind,
                        "quoted": q[i, j],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)
