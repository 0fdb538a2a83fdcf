"""Step 4b: the models' reason flags steered so the sub-periods' shares can be what the text says.

A household's sub-period reasons are its 25-year reasons that account for the sub-period's move
(`reasons`), so a sub-period share is fixed by which households carry a calibrated flag. Which of
a category's households made its move in 1979-1994 and which in 1994-2004 is settled by then for
the escapers and the households that stayed non-poor (Table 8's escapers, `herds`); for the
households that stayed poor or fell it is still free (`reasons.arrange` chooses it at the end).

So, for each share of movers the text quotes (`reasons.PERIOD_SHARES`), the flags of the settled
households are moved between the two sub-periods' households of the same outcome, until the
settled part of the share is what the quote leaves after the free households' expected part:

=========================  ==================================  ===============================
sub-period move            settled households (design, y)      free households
=========================  ==================================  ===============================
escape, 1979-1994          escapers of 1979-1994 (escape, 1)   remained poor, not poor in 1994
escape, 1994-2004          escapers of 1994-2004 (escape, 1),  (none; reasons outside the
                           stayed non-poor, poor in 1994       descent model: `reasons`)
                           (descent, 0)
descent, 1979-1994         stayed non-poor, poor in 1994       became poor, poor in 1994
                           (descent, 0)
descent, 1994-2004         (none)                              became poor, not poor in 1994;
                                                               remained poor, not poor in 1994
=========================  ==================================  ===============================

A flag moved to another household of the same outcome keeps the column's share in each outcome
(the text's 25-year shares), and each move is the one, of a few drawn, that the calibration's
`Objective` scores best; the polish then puts B back on the published values. Where the fallers
of 1994-2004 need more households that fell over 25 years to cite a reason than do (Puno's ill
health), flags are switched on in that outcome first. Each reason's moves are kept only if the
model misses no published cell it met before and keeps every outcome class at 75 percent
correctly predicted (after a search on its values, not its flags, when needed); otherwise the
model is put back as it was, and other streams are tried (`RETRIES`).
"""

from __future__ import annotations

import os

import numpy as np

from .design import Design
from .search import Objective
from .windows import printed_targets

__all__ = ["steer_models", "settled_targets"]

RETRIES = 3  # attempts on other streams before a design is left as it was
CANDIDATES = 24  # pairs of households scored per flag moved
POLISH_EVERY = 8  # flags moved between two polishes


def _rate(n_part: int, n_all: int, k: int) -> int:
    """Households of `n_part` out of `n_all` expected to carry a flag that `k` of them carry."""
    return int(round(k * n_part / n_all)) if n_all else 0


def settled_targets(
    des: dict[str, Design],
    late: dict[str, np.ndarray],
    n_movers: dict[tuple[tuple[int, int], str], int],
    n_free: dict[str, tuple[int, int]],
    shares: dict[tuple[tuple[int, int], str], dict[str, float]],
    direction: dict[str, str],
) -> dict[tuple[str, int, str], int]:
    """How many settled households of one region should carry each quoted reason in the late group.

    Parameters
    ----------
    des : dict
        ``{"escape": Design, "descent": Design}`` of the region.
    late : dict
        ``{model: bool per design row}``: the row's household escaped in 1994-2004 (escape model,
        y=1) or was poor in 1994 (descent model, y=0); ignored for the free rows.
    n_movers : dict
        ``{(sub-period, move): movers of the region in the sample}``.
    n_free : dict
        ``{"remained_poor": (not poor in 1994, all), "became_poor": (poor in 1994, all)}``.
    shares : dict
        ``{(sub-period, move): {reason: quoted share}}`` of the region.
    direction : dict
        ``reason -> "up" / "down"`` (`reasons.reason_direction`).

    Returns
    -------
    dict
        ``(model, y, reason) -> households of that model's outcome y, late group, to carry it``.
    """
    out = {}
    _escaper_targets(des, late, n_movers, n_free, shares, out)
    _faller_targets(des, late, n_movers, n_free, shares, direction, out)
    # every reason of the escape model cited by two escapers or more is cited in both sub-periods
    d = des["escape"]
    for code in d.names:
        if code not in direction or ("escape", 1, code) in out:
            continue
        f = _col(des, "escape", code) & (d.y == 1)
        cur, k = int(np.sum(f & late["escape"])), int(f.sum())
        if k >= 2:
            out[("escape", 1, code)] = _late_want(des, late, "escape", 1, code, min(max(cur, 1), k - 1))
    return out


EARLY, LATER = (1979, 1994), (1994, 2004)


def _col(des: dict, model: str, code: str):
    """A model's 0/1 column of a reason as booleans (None: not in the model)."""
    d = des[model]
    return d.X[:, d.names.index(code) + 1] == 1 if code in d.names else None


def _late_want(des: dict, late: dict, model: str, y: int, code: str, want: int) -> int:
    """`want` within what the outcome's flags and late rows allow."""
    d = des[model]
    f, grp = _col(des, model, code), d.y == y
    n_late = int(np.sum(grp & late[model]))
    k = int(np.sum(f & grp))
    return min(max(want, k - int(grp.sum()) + n_late, 0), n_late, k)


def _escaper_targets(des, late, n_movers, n_free, shares, out) -> None:
    """Escapes: the escapers of 1994-2004 and the non-poor households poor in 1994 that should cite each reason."""
    for code, sh in shares.get((EARLY, "escaped"), {}).items():
        f = _col(des, "escape", code)
        if f is None:
            continue
        y_e, y_d = des["escape"].y, des["descent"].y
        k, n_e = int(np.sum(f & (y_e == 1))), int(np.sum(y_e == 1))
        n_late = int(np.sum((y_e == 1) & late["escape"]))
        # incomplete escapers among the movers cite it at the escapers' rate
        inc1 = n_movers[(EARLY, "escaped")] - (n_e - n_late) - n_free["remained_poor"][0]
        want_early = (
            int(round(sh * n_movers[(EARLY, "escaped")]))
            - _rate(*n_free["remained_poor"], int(np.sum(f & (y_e == 0))))
            - _rate(inc1, n_e, k)
        )
        out[("escape", 1, code)] = _late_want(des, late, "escape", 1, code, k - want_early)
        sh2 = shares.get((LATER, "escaped"), {}).get(code)
        if sh2 is not None and _col(des, "descent", code) is not None:
            inc2 = n_movers[(LATER, "escaped")] - n_late - int(np.sum((y_d == 0) & late["descent"]))
            want = int(round(sh2 * n_movers[(LATER, "escaped")])) - out[("escape", 1, code)] - _rate(inc2, n_e, k)
            out[("descent", 0, code)] = _late_want(des, late, "descent", 0, code, want)


def _faller_targets(des, late, n_movers, n_free, shares, direction, out) -> None:
    """Descents: the households that fell over 25 years and the non-poor ones poor in 1994 that should cite each reason."""
    for code, sh in shares.get((EARLY, "became_poor"), {}).items():
        f = _col(des, "descent", code)
        if f is None or direction.get(code) != "down":
            continue
        y_d = des["descent"].y
        k_bp, (n_bp1, n_bp) = int(np.sum(f & (y_d == 1))), n_free["became_poor"]
        f_rp = _col(des, "escape", code)
        n_rpb = n_free["remained_poor"][0]
        rpb = n_rpb if f_rp is None else min(n_rpb, int(np.sum(f_rp & (des["escape"].y == 0))))
        sh2 = shares.get((LATER, "became_poor"), {}).get(code)
        # the fallers of 1994-2004 need this many households that fell over 25 years to cite it
        bp2 = 0 if sh2 is None else min(max(int(round(sh2 * n_movers[(LATER, "became_poor")])) - rpb, 0), n_bp - n_bp1)
        if bp2 > k_bp:
            out[("descent", 1, code, "all")] = bp2
            k_bp = bp2
        bp1 = min(max(k_bp - bp2, 0), n_bp1) if sh2 is not None else _rate(n_bp1, n_bp, k_bp)
        want = int(round(sh * n_movers[(EARLY, "became_poor")])) - bp1
        out[("descent", 0, code)] = _late_want(des, late, "descent", 0, code, want)


def _move_flags(d: Design, moves: list[tuple[int, int, np.ndarray, int]], rng, stars, judged) -> int:
    """Move flags between the late and early rows of one outcome until each column's late count is
    its target; each move the best of `CANDIDATES` pairs by the calibration's Objective. Returns the
    number of flags moved."""
    obj = Objective(d, None, stars, judged)
    X = d.X.copy()
    moved = 0
    for j, y, late, want in moves:
        while True:
            has = X[:, j] == 1
            if late is None:  # the count over the whole outcome: flags switched on
                if int(np.sum(has & (d.y == y))) >= want:
                    break
                give = np.full(CANDIDATES, -1)
                take = np.flatnonzero(~has & (d.y == y))
            else:
                cur = int(np.sum(has & late & (d.y == y)))
                if cur == want:
                    break
                src = late if cur > want else ~late  # take the flag from this side to the other
                give = np.flatnonzero(has & src & (d.y == y))
                take = np.flatnonzero(~has & ~src & (d.y == y))
            if not len(give) or not len(take):
                break
            pairs = np.column_stack(
                [give[rng.integers(len(give), size=CANDIDATES)], take[rng.integers(len(take), size=CANDIDATES)]]
            )
            best = None
            for a, b in pairs:
                X2 = X.copy()
                if a >= 0:
                    X2[a, j] = 0
                X2[b, j] = 1
                score = obj(X2, d.y)
                if best is None or score < best[0]:
                    best = (score, X2)
            X = best[1]
            moved += 1
            if moved % POLISH_EVERY == 0:
                d.X = X
                d.polish(keep_spread=True)
                X = d.X.copy()
    if moved:
        d.X = X
        d.polish(iters=200)
    return moved


def _quality(d: Design, stars, judged, quality) -> tuple:
    """`quality` and, after it, how far the poorer outcome class's % correctly predicted falls below 75
    (the text says every class of Tables 4 and 5 is predicted at 75 percent or better)."""
    pi = d.X @ d.fit()[0]
    low = min(100 * np.mean(pi[d.y == 1] >= 0), 100 * np.mean(pi[d.y == 0] < 0))
    return (*quality(d, stars, judged), round(max(0.0, 75 - low), 6))


def steer_models(designs: dict, targets: dict, late: dict, streams, quality, hold=None, repair=None) -> dict:
    """Move each design's flags to the settled targets (`settled_targets`), keeping its published cells.

    Parameters
    ----------
    designs : dict
        ``(model, region) -> Design``; changed in place.
    targets : dict
        ``region -> {(model, y, reason): households}``.
    late : dict
        ``(model, region) -> bool per design row`` (see `settled_targets`).
    streams : callable
        ``(model, region, move, attempt) -> numpy.random.Generator``.
    quality : callable
        ``(design, stars, judged) -> comparable``: lower is better (cells missed first).
    hold : dict, optional
        ``(model, region) -> covariate names`` the polish leaves as they are (Table 7's too).
    repair : callable, optional
        ``(design, rng, stars, judged, key)``: a search on the design's values (not its flags) run
        when a move loses a cell, before it is given up.

    Returns
    -------
    dict
        ``(model, region) -> flags moved`` (0 where the design was put back).
    """
    done, hold = {}, hold or {}
    for (model, region), d in designs.items():
        tg = targets.get(region, {})
        moves = [  # totals first (flags switched on), then the moves between sub-periods
            (d.names.index(key[2]) + 1, key[1], None if len(key) > 3 else late[(model, region)], tg[key])
            for key in sorted(tg, key=lambda k: (len(k) == 3, k[:3]))
            if key[0] == model and key[2] in d.names
        ]
        stars, judged = printed_targets(model, region)
        held = {nm: d.X[:, d.names.index(nm) + 1].copy() for nm in hold.get((model, region), ()) if nm in d.names}
        fixed0 = dict(d.fixed)
        d.fixed.update({nm: v for nm, v in held.items() if nm not in d.fixed})
        n = 0
        # one reason at a time, each kept only if no cell is lost; a second round puts back on target
        # what a later repair moved
        for k, move in enumerate(moves + moves):
            start, before = d.snapshot(), _quality(d, stars, judged, quality)
            for attempt in range(RETRIES):
                rng = streams(model, region, k, attempt)
                got = _move_flags(d, [move], rng, stars, judged)
                after = _quality(d, stars, judged, quality)
                if got and after > before and repair is not None:  # values only: the flags stay
                    repair(d, rng, stars, judged, (model, region))
                    after = _quality(d, stars, judged, quality)
                if after <= before:
                    n += got
                    break
                d.restore(start)
            if os.environ.get("SOP_REPLICA_DEBUG"):
                print(f"steer {model} {region} {d.names[move[0] - 1]}: {before} -> {after}", flush=True)
        d.fixed = fixed0
        done[(model, region)] = n
    return done
