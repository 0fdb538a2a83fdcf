"""Step 3b: reasons.csv, the reasons each sampled household gives for its moves.

The 25-year reasons (1979-2004) of the models' households are their calibrated flags (Tables 4
and 5 use them); the other sampled households cite their category's reasons at its rate, and the
25-year shares the text quotes outside the models are set (`FREE_SHARES`).

The sub-period reasons (1979-1994, 1994-2004) are exactly the 25-year reasons that account for
the sub-period's move: all of them when the move is the household's 25-year one (an escape from
poverty between 1979 and 2004 is an escape in exactly one sub-period), those of the move's
direction (`reason_direction`) when the household went both ways and ended where it started. No
sub-period cell is set afterwards, so the periods never disagree (`incoherent` is empty).

The shares the text quotes for a sub-period (`PERIOD_SHARES`; those it prints, `PRINTED`, are
judged by the scorecard) are met by choosing who moved when, not by overriding cells:

1. `periods` moves the calibrated flags of the escapers and of the households that stayed
   non-poor between those that moved early and late (same outcome, so every published number
   of the models stays; step 4 of the calibration);
2. `arrange` then chooses which household that stayed poor (or fell) carries which sampled row
   (the rows of a category differ only in when their household moved), which households of a
   category carry the reasons drawn at a rate, and the reasons added outside a household's
   model, so that each quoted share is met and every model reason is cited in both sub-periods.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..command import SEED
from .targets import POVERTY_CUTOFF, REGIONS, model_spec, model_variables
from .templates import study_spec

__all__ = [
    "FREE_SHARES",
    "PERIOD_SHARES",
    "PRINTED",
    "SUB_PERIODS",
    "arrange",
    "incoherent",
    "make_reasons",
    "mover_counts",
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


# The shares among a sub-period's movers that the text prints (text_figures.csv; the scorecard judges
# them); the other entries of PERIOD_SHARES render the text's order of importance and its trends.
PRINTED = {
    ("Puno", (1979, 1994), "escaped", "livestock_diversification"),
    ("Puno", (1994, 2004), "escaped", "livestock_diversification"),
    ("Cajamarca", (1979, 1994), "escaped", "crop_diversification"),
    ("Cajamarca", (1994, 2004), "escaped", "crop_diversification"),
    ("Cajamarca", (1979, 1994), "escaped", "remittances"),
    ("Cajamarca", (1994, 2004), "escaped", "remittances"),
    ("Cajamarca", (1979, 1994), "became_poor", "health"),
    ("Cajamarca", (1994, 2004), "became_poor", "health"),
    ("Puno", (1979, 1994), "became_poor", "health"),
    ("Puno", (1994, 2004), "became_poor", "health"),
}
# Weights of the arrangement's cost, per household off: a printed share, another quoted one, a model
# reason short of its least share in a sub-period, a reason added outside a household's model.
W_PRINTED, W_QUOTED, W_PRESENT, W_FREE = 1000, 10, 100, 1
ARRANGE_STEPS = 40000  # proposals per region
PRESENT_SHARE = 0.05  # the least share of a sub-period's movers citing a model reason (when it can)


def mover_counts(regions: np.ndarray, cats: np.ndarray, poor: np.ndarray) -> dict:
    """Per region: movers per (sub-period, move), and the households still free to move in either
    sub-period: remained poor (not poor in 1994, all) and became poor (poor in 1994, all).

    Parameters
    ----------
    regions, cats : numpy.ndarray
        Region and 25-year category of each sampled household.
    poor : numpy.ndarray
        Poor in 1979, 1994, 2004 (n x 3 booleans).

    Returns
    -------
    dict
        ``region -> ({(sub-period, move): n}, {"remained_poor": (k, n), "became_poor": (k, n)})``.
    """
    out = {}
    for r in REGIONS:
        m = regions == r
        n_movers = {key: int(np.sum(v & m)) for key, v in sub_period_moves(poor).items()}
        rp, bp = m & (cats == "remained_poor"), m & (cats == "became_poor")
        n_free = {
            "remained_poor": (int(np.sum(rp & ~poor[:, 1])), int(rp.sum())),
            "became_poor": (int(np.sum(bp & poor[:, 1])), int(bp.sum())),
        }
        out[r] = (n_movers, n_free)
    return out


def _can(poor: np.ndarray, cat: np.ndarray, vocab: list[str]) -> np.ndarray:
    """n x 4 x reasons: the 25-year reasons that account for each sub-period move (`sub_period_moves` order)."""
    direction = reason_direction()
    out = []
    for (_period, move), moved in sub_period_moves(poor).items():
        of_move = np.array([direction.get(c) == MOVE_DIRECTION[move] for c in vocab])
        out.append(moved[:, None] & ((cat == move)[:, None] | of_move[None, :]))
    return np.stack(out, axis=1)


def _cells(allx: pd.DataFrame, long: np.ndarray, poor: np.ndarray, vocab: list[str], region: str):
    """The arrangement's targets in one region: (target, weight, least count, its weight), 4 x reasons each."""
    m = allx["_region"].to_numpy() == region
    cat = allx["_cat"].to_numpy()[m]
    tgt, w = np.zeros((4, len(vocab))), np.zeros((4, len(vocab)))
    least, wl = np.zeros((4, len(vocab))), np.zeros((4, len(vocab)))
    for s, ((period, move), moved) in enumerate(sub_period_moves(poor[m]).items()):
        n = int(moved.sum())
        model = "escape" if move == "escaped" else "descent"
        for code in model_variables(model, region):
            if code in vocab and code in reason_direction():
                j = vocab.index(code)
                k = int(np.sum(long[m][:, j] & (cat == move)))
                least[s, j] = min(int(np.ceil(PRESENT_SHARE * n)), k // 2)
                wl[s, j] = W_PRESENT
        for code, sh in PERIOD_SHARES.get((region, period, move), {}).items():
            j = vocab.index(code)
            tgt[s, j] = round(sh * n)
            w[s, j] = W_PRINTED if (region, period, move, code) in PRINTED else W_QUOTED
            wl[s, j] = 0
    return tgt, w, least, wl


def arrange(allx: pd.DataFrame, hh: pd.DataFrame, long: np.ndarray, drawn: np.ndarray, free: np.ndarray, rng):
    """Which household each sampled row is, and which drawn or free reasons it cites, so that every
    sub-period share the text quotes is met by reasons the 25-year ones account for.

    Free to choose, without touching a published number: which of a region's households that
    remained poor (or became poor) carries which row (they differ only in when they moved); which
    households of a category carry the reasons drawn at a rate (`drawn`: incomplete households,
    `FREE_SHARES`); and a reason outside a household's model (`free`). A local search (each
    proposal kept when it costs no more) minimises the households off each quoted share
    (`W_PRINTED`, `W_QUOTED`), short of a model reason's least share (`PRESENT_SHARE`) and the
    reasons added (`W_FREE`). `long` is changed in place.

    Parameters
    ----------
    allx : pandas.DataFrame
        The sampled rows (household_id, _region, _cat).
    hh : pandas.DataFrame
        households.csv.
    long : numpy.ndarray
        Rows x reasons booleans: the 25-year reasons.
    drawn, free : numpy.ndarray
        Rows x reasons booleans: the reasons drawn at a rate, the reasons that may be added.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        The household id of each row.
    """
    vocab = list(study_spec(SEED)["reasons"])
    ids = allx["household_id"].to_numpy().copy()
    stages = hh.set_index("household_id")[["stage_1979", "stage_1994", "stage_2004"]]
    poor = stages.loc[ids].to_numpy() <= POVERTY_CUTOFF
    cat, region = allx["_cat"].to_numpy(), allx["_region"].to_numpy()
    for r in REGIONS:
        rows = np.flatnonzero(region == r)
        sub = _Arrangement(long[rows], poor[rows], cat[rows], drawn[rows], free[rows], vocab, allx.iloc[rows])
        perm = sub.search(rng, ARRANGE_STEPS)
        ids[rows] = ids[rows][perm]
        poor[rows] = poor[rows][perm]
        long[rows] = sub.long
    return ids


class _Arrangement:
    """One region's arrangement search (see `arrange`): rows keep their flags, households move."""

    def __init__(self, long, poor, cat, drawn, free, vocab, allx):
        self.long, self.poor, self.cat, self.drawn, self.free = long.copy(), poor.copy(), cat, drawn, free
        region = str(allx["_region"].iloc[0]) if len(allx) else ""
        self.tgt, self.w, self.least, self.wl = _cells(allx.assign(_region=region), long, poor, vocab, region)
        self.vocab = vocab
        self.perm = np.arange(len(cat))
        self.groups = [np.flatnonzero(cat == c) for c in ("remained_poor", "became_poor")]
        self.swaps = [
            (j, np.flatnonzero((cat == c) & drawn[:, j]))
            for c in np.unique(cat)
            for j in range(len(vocab))
            if np.sum((cat == c) & drawn[:, j]) >= 2
        ]
        flexible = np.isin(cat, ["remained_poor", "became_poor"])
        self.flips = np.argwhere(free & (_can(poor, cat, vocab).any(axis=1) | flexible[:, None]))
        direction = reason_direction()
        moves = [move for _period, move in sub_period_moves(poor[:0])]
        self.of_move = np.array([[direction.get(c) == MOVE_DIRECTION[mv] for c in vocab] for mv in moves])
        self.own = np.array([[c == mv for mv in moves] for c in cat]).reshape(len(cat), 4)

    def contrib(self, i: int) -> np.ndarray:
        """Row i's part of the counts (4 x reasons, 0/1)."""
        p79, p94, p04 = self.poor[i]
        moved = np.array([p79 and not p94, p94 and not p79, p94 and not p04, p04 and not p94])
        can = (moved & self.own[i])[:, None] | (moved[:, None] & self.of_move)
        return (can & self.long[i][None, :]).astype(np.int64)

    def cost(self, C: np.ndarray, nfree: int) -> float:
        """Households off the quoted shares and short of the least ones (weighted), and reasons added."""
        off = (np.abs(C - self.tgt) * self.w).sum()  # w is 0 where no share is quoted
        return float(off + (np.maximum(0, self.least - C) * self.wl).sum() + W_FREE * nfree)

    def search(self, rng, steps: int) -> np.ndarray:
        C = (_can(self.poor, self.cat, self.vocab) & self.long[:, None, :]).sum(axis=0)
        nfree = int(np.sum(self.long & self.free))
        cur = self.cost(C, nfree)
        kinds = [k for k, ok in (("path", True), ("swap", bool(self.swaps)), ("flip", len(self.flips) > 0)) if ok]
        for _ in range(steps):
            kind = kinds[rng.integers(len(kinds))]
            if kind == "path":
                g = self.groups[rng.integers(2)]
                if len(g) < 2:
                    continue
                a, b = g[rng.integers(len(g))], g[rng.integers(len(g))]
                if (self.poor[a] == self.poor[b]).all():
                    continue
                old = self.contrib(a) + self.contrib(b)
                self.poor[[a, b]] = self.poor[[b, a]]
                new = self.contrib(a) + self.contrib(b)
                C2, nf2 = C - old + new, nfree
                undo = ("path", a, b)
            elif kind == "swap":
                j, pool = self.swaps[rng.integers(len(self.swaps))]
                a, b = pool[rng.integers(len(pool))], pool[rng.integers(len(pool))]
                if self.long[a, j] == self.long[b, j]:
                    continue
                old = self.contrib(a) + self.contrib(b)
                self.long[a, j], self.long[b, j] = self.long[b, j], self.long[a, j]
                new = self.contrib(a) + self.contrib(b)
                C2, nf2 = C - old + new, nfree
                undo = ("swap", a, b, j)
            else:
                a, j = self.flips[rng.integers(len(self.flips))]
                old = self.contrib(a)
                self.long[a, j] = ~self.long[a, j]
                new = self.contrib(a)
                C2, nf2 = C - old + new, nfree + (1 if self.long[a, j] else -1)
                undo = ("flip", a, j)
            c2 = self.cost(C2, nf2)
            if c2 <= cur:
                C, nfree, cur = C2, nf2, c2
                if undo[0] == "path":
                    self.perm[[undo[1], undo[2]]] = self.perm[[undo[2], undo[1]]]
                continue
            if undo[0] == "path":
                self.poor[[undo[1], undo[2]]] = self.poor[[undo[2], undo[1]]]
            elif undo[0] == "swap":
                _, a, b, j = undo
                self.long[a, j], self.long[b, j] = self.long[b, j], self.long[a, j]
            else:
                self.long[undo[1], undo[2]] = ~self.long[undo[1], undo[2]]
        self.final_cost = cur
        return self.perm


def _drawn_flags(allx: pd.DataFrame, vocab: list[str]) -> np.ndarray:
    """Which 25-year reasons are drawn at a rate (`_long_flags`): an incomplete household's, and a
    `FREE_SHARES` reason's; households of a category may exchange them."""
    drawn = np.zeros((len(allx), len(vocab)), bool)
    inc = allx["_incomplete"].to_numpy()
    for j, code in enumerate(vocab):
        if code in allx:
            drawn[:, j] = inc
    for (r, c), shares in FREE_SHARES.items():
        m = (allx["_region"].to_numpy() == r) & (allx["_cat"].to_numpy() == c)
        for code in shares:
            drawn[m, vocab.index(code)] = True
    return drawn


def make_reasons(allx: pd.DataFrame, hh: pd.DataFrame, rng) -> tuple[pd.DataFrame, np.ndarray]:
    """reasons.csv for the sampled rows (`allx`: category, region, calibrated flags), and the
    household id each row is given (`arrange`)."""
    vocab = list(study_spec(SEED)["reasons"])
    flags = _long_flags(allx, vocab, rng)
    long = flags.to_numpy() == 1
    ids = arrange(allx, hh, long, _drawn_flags(allx, vocab), _free_flags(allx, vocab), rng)
    years = ["stage_1979", "stage_1994", "stage_2004"]
    poor = hh.set_index("household_id").loc[ids, years].to_numpy() <= POVERTY_CUTOFF
    can = _can(poor, allx["_cat"].to_numpy(), vocab)
    parts = []
    codes = np.array(vocab, dtype=object)
    periods = [(1979, 2004)] + [period for period, _move in sub_period_moves(poor)]
    mats = [long] + [long & can[:, s, :] for s in range(4)]
    for (a, b), m in zip(periods, mats):
        i, j = np.nonzero(m)
        parts.append(pd.DataFrame({"household_id": ids[i], "start": a, "end": b, "reason": codes[j]}))
    reasons = pd.concat(parts, ignore_index=True)
    reasons["reason"] = reasons["reason"].astype(str)
    reasons = reasons.sort_values(["household_id", "start", "end", "reason"], kind="stable").reset_index(drop=True)
    return reasons[["household_id", "start", "end", "reason"]], ids


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
