"""Calibration, the search: the objective a design is scored by, the local search over
flags, outcomes and continuous values (`refine`), and the last % correct search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import Design
from .exact import grid, sig
from .fit import _expit
from .windows import se_windows

ALL_MOVES = ("flagswap", "flagflip", "outcome", "step", "cont")
STALL = 2500  # evaluations without an improvement after which a refine stops
CORRECT_WEIGHT = 5.0  # per point of % correctly predicted beyond 1.5 from the paper


class Objective:
    """How far a design's realised fit is from the paper: SEs outside their windows (see se_windows),
    the B shift the polish will have to absorb, Wald chi2, log L, % correct and quoted shares.
    Evaluated at the published B (the polish later makes B the maximum-likelihood estimate; what it
    has to absorb is the one-step change H^-1 S), so no model is fitted."""

    def __init__(self, d: Design, windows=None, stars=None, judged=None, shares_at=None, shift_free=0.08):
        self.d = d
        self.shift_free = shift_free  # B shift (in SEs) left to the polish without penalty
        self.shift_weight = 2.0 if shift_free >= 0.05 else 10.0  # a strict design: B first
        is_age = np.array([False] + [kd == "age" for kd in d.kinds])
        lo, hi = windows if windows is not None else se_windows(d.beta, d.se, stars, judged, free=is_age)
        self.ctr, self.half = np.sqrt(lo * hi), 0.5 * np.log(hi / lo)
        self.se_ref = self.ctr.copy()  # the polish absorbs a B shift that is small next to the SE
        self.sd = d.X.std(axis=0)
        self.sd[self.sd == 0] = 1.0
        self.sd[0] = 1.0
        self.b_s = d.beta * self.sd
        self.shares_at = shares_at or {}  # column -> (threshold, share of households at or above it)
        self.idx = {nm: d.names.index(nm) + 1 for nm in list(d.share1) + list(d.share0)}

    def __call__(self, Xc, yc):
        d, sd, b_s = self.d, self.sd, self.b_s
        n = len(yc)
        Xs = Xc / sd
        pi = _expit(Xs @ b_s)
        H = (Xs * (pi * (1 - pi))[:, None]).T @ Xs
        try:
            Hi = np.linalg.inv(H)
        except np.linalg.LinAlgError:
            return np.inf
        R = Xs * (yc - pi)[:, None]
        V = Hi @ (R.T @ R) @ Hi * n / (n - 1) if d.robust else Hi
        shift = (Hi @ R.sum(axis=0)) / sd
        se = np.sqrt(np.clip(np.diag(V), 1e-300, None)) / sd
        r = np.abs(np.log(se / self.ctr))
        L = 2.0 * np.sum(r > self.half) + 0.2 * np.sum((np.maximum(0, r - 0.5 * self.half) / 0.05) ** 2)
        L += self.shift_weight * np.sum((np.maximum(0, np.abs(shift) / self.se_ref - self.shift_free) / 0.04) ** 2)
        if d.wald is not None:
            try:
                w = float(b_s[1:] @ np.linalg.solve(V[1:, 1:], b_s[1:]))
            except np.linalg.LinAlgError:
                w = 0.0
            L += (max(0.0, abs(np.log(max(w, 1e-9) / d.wald)) - 0.05) / 0.02) ** 2
        if d.fit_targets is not None:
            ll_t, c1_t, c0_t = d.fit_targets
            pc = np.clip(pi, 1e-300, 1 - 1e-16)
            ll = float(np.sum(yc * np.log(pc) + (1 - yc) * np.log1p(-pc)))
            L += (max(0.0, abs(ll - ll_t) / abs(ll_t) - 0.02) / 0.01) ** 2
            if c1_t is not None:
                c1 = 100 * np.mean(pi[yc == 1] >= 0.5)
                c0 = 100 * np.mean(pi[yc == 0] < 0.5)
                L += CORRECT_WEIGHT * (max(0.0, abs(c1 - c1_t) - 1.5) + max(0.0, abs(c0 - c0_t) - 1.5))
        for shares, g in ((d.share1, 1.0), (d.share0, 0.0)):
            for nm, want in shares.items():
                got = Xc[yc == g, self.idx[nm]].mean()
                L += (max(0.0, abs(got - want) - 0.003) / 0.002) ** 2
        for j, (thr, want) in self.shares_at.items():
            L += (max(0.0, abs(np.mean(Xc[:, j] >= thr) - want) - 0.005) / 0.005) ** 2
        return sig(L)  # compared with the current one's: a tie is a tie on any machine


@dataclass
class _Moves:
    """What `refine` may move in a design: the columns of each kind and the rules for counts/outcomes."""

    d: Design
    sd: np.ndarray
    flags: list
    steps: list
    conts: list
    transfers: list
    count_rules: dict | None
    outcome_groups: np.ndarray | None
    no_flip: tuple
    swappable: np.ndarray | None = None
    members: dict | None = None

    def flagswap(self, X, y, rng):
        """A flag moved to another household with the same outcome."""
        j = self.flags[rng.integers(len(self.flags))]
        g = y == rng.integers(2)
        a = np.flatnonzero(g & (X[:, j] == 1))
        c = np.flatnonzero(g & (X[:, j] == 0))
        if not len(a) or not len(c):
            return None
        X2 = X.copy()
        i1, i2 = a[rng.integers(len(a))], c[rng.integers(len(c))]
        X2[i1, j], X2[i2, j] = 0, 1
        return X2, y

    def flagflip(self, X, y, rng):
        """A flag switched (unless its prevalence is another table's too)."""
        j = self.flags[rng.integers(len(self.flags))]
        if self.d.names[j - 1] in self.no_flip:
            return None
        i = rng.integers(len(y))
        X2 = X.copy()
        X2[i, j] = 1 - X2[i, j]
        col, yy = X2[:, j] == 1, y == 1
        if col.sum() < 2 or not (col & yy).any() or not (col & ~yy).any():
            return None
        return X2, y

    def outcome(self, X, y, rng):
        """Two outcomes exchanged (only within a group, when groups are given)."""
        y2 = y.copy()
        if self.outcome_groups is None:
            a, c = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
            y2[a[rng.integers(len(a))]], y2[c[rng.integers(len(c))]] = 0, 1
            return X, y2
        i = self.swappable[rng.integers(len(self.swappable))]
        c = self.members[self.outcome_groups[i]]
        c = c[y[c] != y[i]]
        if not len(c):
            return None
        k = c[rng.integers(len(c))]
        y2[i], y2[k] = y[k], y[i]
        return X, y2

    def step(self, X, y, rng):
        """A count or an ordinal level changed by one (owners stay owners: Table 6's owner counts)."""
        d, count_rules = self.d, self.count_rules
        j = self.steps[rng.integers(len(self.steps))]
        i = rng.integers(len(y))
        v = X[i, j] + (1 if rng.random() < 0.5 else -1)
        top = 3 if d.kinds[j - 1] == "ordinal" else np.inf
        if v < 0 or v > top or (d.kinds[j - 1] == "count" and (X[i, j] == 0) != (v == 0)):
            return None
        if count_rules is not None and d.kinds[j - 1] == "count":
            if j not in count_rules or not count_rules[j][0][i] or v < count_rules[j][1][i]:
                return None
        X2 = X.copy()
        X2[i, j] = v
        return X2, y

    def transfer(self, X, y, rng):
        """A head from one herd to another of the same group (totals kept)."""
        j = self.transfers[rng.integers(len(self.transfers))]
        _ok, mn_, grp = self.count_rules[j]
        cand = np.flatnonzero(grp >= 0)
        a = cand[rng.integers(len(cand))]
        same = cand[(grp[cand] == grp[a]) & (cand != a)]
        if not len(same) or X[a, j] - 1 < mn_[a]:
            return None
        b = same[rng.integers(len(same))]
        X2 = X.copy()
        X2[a, j] -= 1
        X2[b, j] += 1
        return X2, y

    def cont(self, X, y, rng):
        """A proportion or log land nudged, or stepped toward (or away from) the column's mean."""
        j = self.conts[rng.integers(len(self.conts))]
        i = rng.integers(len(y))
        X2 = X.copy()
        if rng.random() < 0.5:
            v = X[i, j] + rng.normal(0, 0.5 * self.sd[j])
        else:
            m = X[:, j].mean()
            v = m + (X[i, j] - m) * rng.uniform(0.6, 1.3)
        X2[i, j] = grid(np.clip(v, 0, 1) if self.d.kinds[j - 1] == "prop" else v)
        return X2, y


def _moves(d: Design, sd, moves, count_rules, outcome_groups, no_flip) -> tuple[_Moves, list[str]]:
    """The movable columns of `d` and the list of move kinds to draw from (weighted by repetition)."""
    fixed = np.array([False] + [nm in d.fixed for nm in d.names])
    mv = _Moves(
        d,
        sd,
        flags=[j + 1 for j, kd in enumerate(d.kinds) if kd == "flag" and not fixed[j + 1]],
        steps=[j + 1 for j, kd in enumerate(d.kinds) if kd in ("count", "ordinal") and not fixed[j + 1]],
        conts=[j + 1 for j, kd in enumerate(d.kinds) if kd in Design.CONTINUOUS and not fixed[j + 1]],
        transfers=[j for j, r in (count_rules or {}).items() if np.any(r[2] >= 0)],
        count_rules=count_rules,
        outcome_groups=outcome_groups,
        no_flip=no_flip,
    )
    if outcome_groups is not None:
        mv.swappable = np.flatnonzero(outcome_groups >= 0)
        mv.members = {g: np.flatnonzero(outcome_groups == g) for g in np.unique(outcome_groups[mv.swappable])}
        if not len(mv.swappable):
            moves = tuple(m for m in moves if m != "outcome")
    kinds = [
        k
        for k in ["flagswap"] * 4
        + ["flagflip"] * 2
        + ["outcome"] * 2
        + ["step"] * 2
        + ["cont"] * 2
        + ["transfer"] * (2 if mv.transfers else 0)
        if k in moves
    ]
    if not mv.flags:
        kinds = [k for k in kinds if not k.startswith("flag")]
    if not mv.steps:
        kinds = [k for k in kinds if k != "step"]
    if not mv.conts:
        kinds = [k for k in kinds if k != "cont"]
    return mv, kinds


def refine(
    d: Design,
    rng: np.random.Generator,
    evals: int = 3000,
    polish_every: int = 40,
    stars=None,
    judged=None,
    final_polish=True,
    moves=ALL_MOVES,
    windows=None,
    shares_at=None,
    count_rules=None,
    shift_free=0.08,
    outcome_groups=None,
    no_flip=(),
):
    """Local search on the realised fit: moves of single households' values (a flag moved to another
    household with the same outcome, or switched; a count or level changed by one; a proportion or log
    land nudged; two outcomes exchanged), each kept only if it lowers the Objective. The polish then
    puts B back on the published values exactly."""
    d.X = d.X  # onto the grid (a caller may have written into it)
    obj = Objective(d, windows, stars, judged, shares_at, shift_free)
    X, y = d.X.copy(), d.y.copy()
    mv, kinds = _moves(d, obj.sd, moves, count_rules, outcome_groups, no_flip)
    cur = obj(X, y)
    if not kinds:
        return d
    propose = {k: getattr(mv, k) for k in set(kinds)}
    accepted = 0

    def sync(polish):
        nonlocal X, y, cur
        d.X, d.y = X, y
        if polish:
            d.polish(keep_spread=True)
        X = d.X.copy()
        cur = obj(X, y)

    last = 0
    for it in range(evals):
        if it - last > STALL:  # nothing found for a while: done
            break
        moved = propose[kinds[rng.integers(len(kinds))]](X, y, rng)
        if moved is None:
            continue
        X2, y2 = moved
        new = obj(X2, y2)
        if new < cur:
            X, y, cur, last = X2, y2, new, it
            accepted += 1
            if accepted % polish_every == 0:
                sync(True)
    sync(final_polish)
    d.refine_log = (accepted, cur)
    return d


def table_misses(d: Design, stars: list[str], judged: list[bool]) -> int:
    """How many of the model's published cells the fitted design would miss on the scorecard.

    The cells are B, SE (with stars), the Wald chi2, the log likelihood (via R2) and the
    outcome-0 class's % correct (the outcome-1 class's is what `raise_correct` raises).

    Parameters
    ----------
    d : Design
        The design.
    stars : list of str
        The printed stars of each coefficient.
    judged : list of bool
        Whether each coefficient's stars are judged.

    Returns
    -------
    int
        The number of cells missed.
    """
    b, se, ll = d.fit()
    lo, hi = d.scorecard_windows(stars, judged)
    miss = int(np.sum(np.abs(b - d.beta) > 0.01)) + int(np.sum((se < lo) | (se > hi)))
    pi = _expit(d.X @ b)
    if d.wald is not None:
        miss += abs(d.robust_wald(b) / d.wald - 1) > 0.1
    if d.fit_targets is not None:
        ll0 = d.n1 * np.log(d.n1 / d.n) + d.n0 * np.log(d.n0 / d.n)
        miss += abs(ll - d.fit_targets[0]) > min(0.05 * abs(d.fit_targets[0]), 0.03 * abs(ll0))
        if d.fit_targets[2] is not None:  # the outcome-0 class's % correct
            miss += abs(100 * np.mean(pi[d.y == 0] < 0.5) - d.fit_targets[2]) > 3
    return miss


def raise_correct(
    d: Design,
    rng: np.random.Generator,
    stars: list[str],
    judged: list[bool],
    count_rules: dict | None = None,
    tries: int = 3000,
) -> Design:
    """Bring the share of outcome-1 households correctly predicted up to the paper's (within three points).

    Every other published cell the model meets is kept. The refine sees % correct only at the
    published B, and the polish then moves households near the cut; this search judges the
    polished fit itself. A change is kept if it misses fewer cells, or as many and leaves fewer
    outcome-1 households short, or as many of both and more slack. Outcomes stay as they are.

    Parameters
    ----------
    d : Design
        The design; changed in place.
    rng : numpy.random.Generator
        The random stream.
    stars : list of str
        The printed stars of each coefficient.
    judged : list of bool
        Whether each coefficient's stars are judged.
    count_rules : dict, optional
        As for `refine`.
    tries : int
        Changes tried.

    Returns
    -------
    Design
        `d`, changed.
    """
    if d.fit_targets is None or d.fit_targets[1] is None:
        return d
    d.X = d.X  # onto the grid (a caller may have written into it)
    need = int(np.ceil((d.fit_targets[1] - 3) / 100 * d.n1 - 1e-9))  # outcome-1 households above the cut
    lo, hi = d.scorecard_windows(stars, judged)
    target = (stars, judged, need, np.sqrt(lo * hi), 0.5 * np.log(hi / lo))
    cur, b, eta = _correct_state(d, *target)
    if cur[1] == 0:
        return d
    free = [j + 1 for j, nm in enumerate(d.names) if nm not in d.fixed and d.kinds[j] != "age"]
    sd = d.X.std(axis=0)
    kinds = ["exchange"] * 3 + ["step"] * 2 + ["any"] * 2
    for _ in range(tries):
        if cur[1] == 0:
            break
        ones = d.y == 1
        below = np.flatnonzero(ones & (eta < 0))
        i = below[np.argsort(-eta[below], kind="stable")[min(int(rng.integers(4)), len(below) - 1)]]
        X2 = d.X.copy()
        kind = kinds[rng.integers(len(kinds))]
        j = free[rng.integers(len(free))]
        up = np.sign(d.beta[j])
        if kind == "any":  # any household, either way
            i, up = int(rng.integers(d.n)), (1 if rng.random() < 0.5 else -1)
        if kind == "exchange" or d.kinds[j - 1] == "flag":
            moved = _exchange_value(d, X2, i, j, kind, b, eta, count_rules, rng)
        else:
            moved = _step_value(d, X2, i, j, up, sd, count_rules, rng)
        if not moved:
            continue
        keep, d.X = d.X, X2
        d.polish(iters=200)
        new, b2, eta2 = _correct_state(d, *target)
        if new < cur:
            cur, b, eta = new, b2, eta2
        else:
            d.X = keep
    return d


def _correct_state(d: Design, stars, judged, need: int, ctr, half):
    """(cells missed, outcome-1 households short of `need`, slack) of the polished fit, its B and X B."""
    b, se, _ll = d.fit()
    eta = d.X @ b
    one = eta[d.y == 1]
    near = one[(one < 0) & (one > -1)]
    slack = sig(np.sum(np.maximum(0, np.abs(np.log(se / ctr)) / half - 0.7)) - 0.3 * near.sum())
    return (table_misses(d, stars, judged), max(0, need - int(np.sum(one >= 0))), slack), b, eta


def _exchange_value(d: Design, X2, i: int, j: int, kind: str, b, eta, count_rules, rng) -> bool:
    """Exchange column j's values of household i and one of the same outcome (below the cut: one that
    stays above it), in X2: the column's values, and its sum over each outcome, stay. False: no donor."""
    kd = d.kinds[j - 1]
    gain = (X2[:, j] - X2[i, j]) * b[j]
    same = d.y == d.y[i]
    donors = (
        np.flatnonzero(same & (gain > 0.02) & (eta - gain > 0.3))
        if kind != "any"
        else np.flatnonzero(same & (X2[:, j] != X2[i, j]))
    )
    if count_rules is not None and kd == "count":
        if j not in count_rules or not count_rules[j][0][i]:
            return False
        ok_, mn_, _g = count_rules[j]
        owner = X2[:, j] > 0
        donors = donors[
            ok_[donors] & (owner[donors] == owner[i]) & (X2[donors, j] >= mn_[i]) & (X2[i, j] >= mn_[donors])
        ]
    if not len(donors):
        return False
    k = donors[rng.integers(len(donors))]
    X2[i, j], X2[k, j] = X2[k, j], X2[i, j]
    return True


def _step_value(d: Design, X2, i: int, j: int, up, sd, count_rules, rng) -> bool:
    """Step household i's value of column j in direction `up` (a continuous one by part of its spread),
    in X2. False when the step would leave the column's range or Tables 6 and 8's rules."""
    kd = d.kinds[j - 1]
    if kd in Design.CONTINUOUS:
        v = X2[i, j] + up * rng.uniform(0.2, 1.0) * sd[j]
        X2[i, j] = grid(np.clip(v, 0, 1) if kd == "prop" else v)
        return True
    v = X2[i, j] + up
    top = 3 if kd == "ordinal" else np.inf
    if v < 0 or v > top or (kd == "count" and (X2[i, j] == 0) != (v == 0)):
        return False
    if count_rules is not None and kd == "count":
        if j not in count_rules or not count_rules[j][0][i] or v < count_rules[j][1][i]:
            return False
    X2[i, j] = v
    return True


REFINE_EVALS = 15000
