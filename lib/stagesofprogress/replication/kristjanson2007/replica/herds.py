"""Step 4: the herds of the sampled households: head counts that meet Tables 6 and 8 while
the models' calibrated counts (and Table 7's shared flags) keep their fit.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .draws import round_half_up
from .fit import _expit
from .targets import ITEMS, TABLE6, TABLE8
from .windows import printed_targets, spss_windows

# 2004 head counts of sample.csv and the livestock.csv items they total: (column, (species, breed) of the
# "first" item, of the "second" item, second restricted to improved_breed households). Camelids: alpacas + llamas.
COUNT_ITEMS = [
    ("beef_cattle", ("beef", "indigenous"), ("beef", "improved"), True),
    ("dairy_cattle", ("dairy", "indigenous"), ("dairy", "improved"), True),
    ("sheep", ("sheep", "indigenous"), ("sheep", "improved"), True),
    ("camelids", ("alpacas", ""), ("llamas", ""), False),
]


def _allowed_sums(mean: float, n: int) -> np.ndarray:
    """Integer totals of n herds whose mean prints as `mean` (one decimal)."""
    c = np.arange(max(n, int(np.floor((mean - 0.06) * n))), int(np.ceil((mean + 0.06) * n)) + 2)
    return c[round_half_up(c / n, 1) == mean]


def _rescale_heads(v: np.ndarray, total: int) -> np.ndarray:
    """Integer herds (>= 1) proportional to v whose sum is `total`."""
    v = np.asarray(v, float)
    if not len(v):
        return v.astype(np.int64)
    w = v * total / v.sum()
    r = np.maximum(1, np.floor(w)).astype(np.int64)
    while (d := total - r.sum()) != 0:
        frac = w - r
        if d > 0:
            r[np.argsort(-frac, kind="stable")[:d]] += 1
        else:
            ok = np.flatnonzero(r > 1)
            r[ok[np.argsort(frac[ok], kind="stable")[:-d]]] -= 1
    return r


def _debug_stage(label, designs, d7):
    """SOP_REPLICA_DEBUG=1: print each model's SEs against the scorecard's windows, and its fit."""
    if not os.environ.get("SOP_REPLICA_DEBUG"):
        return
    out = [label]
    for (model, region), d in list(designs.items()) + [(("improved_breeds", "Puno"), d7)]:
        b, se, ll = d.fit()
        if d.robust:
            st, ju = printed_targets(model, region)
            lo, hi = d.scorecard_windows(st, ju)
        else:
            lo, hi = spss_windows(d.beta)
        ok = (se >= lo) & (se <= hi)
        bad = [
            f"{nm}:{s_:.3g}/[{a:.3g},{c:.3g}]" for nm, s_, a, c, k in zip(["const"] + d.names, se, lo, hi, ok) if not k
        ]
        pi = _expit(d.X @ b)
        pc = f"correct {100 * np.mean(pi[d.y == 1] >= 0.5):.0f}/{100 * np.mean(pi[d.y == 0] < 0.5):.0f}"
        if d.fit_targets is not None and d.fit_targets[1] is not None:
            pc += f" ({d.fit_targets[1]:.0f}/{d.fit_targets[2]:.0f})"
        out.append(
            f"  {model} {region}: {ok.sum()}/{len(ok)} max|dB|={np.abs(b - d.beta).max():.3g} ll={ll:.2f} {pc} "
            + " ".join(bad)
        )
    print("\n".join(out), flush=True)


def _count_targets(reg_name: str, items) -> dict:
    """Per count column: Table 6's owners and Table 8's escapers (n, mean, allowed totals) of both items."""
    tgt = {}
    for col, it_d, it_m, _restr in items:
        i_d, i_m = ITEMS.index(it_d), ITEMS.index(it_m)
        (md, nd), (mm, nm_) = TABLE8[reg_name][i_d][1], TABLE8[reg_name][i_m][1]
        tgt[col] = dict(
            O_d=TABLE6[reg_name][i_d][1],
            O_m=TABLE6[reg_name][i_m][1],
            nd=nd,
            nm=nm_,
            md=md,
            mm=mm,
            Sd=_allowed_sums(md, nd),
            Sm=_allowed_sums(mm, nm_),
        )
    return tgt


def _group_sizes(t: dict, escapers: bool) -> tuple[int, int]:
    """Owners of the first and of the second item among Table 8's escapers, or among the others."""
    return (t["nd"], t["nm"]) if escapers else (t["O_d"] - t["nd"], t["O_m"] - t["nm"])


def _escaper_cost(sums, owners, T, own_lo, own_hi, m_lo, m_hi):
    """How far the escapers' herd totals, owners and improved_breed count are from Table 8's."""
    v = np.maximum(0, own_lo - owners[..., :-1]) + np.maximum(0, owners[..., :-1] - own_hi)
    vm = np.maximum(0, m_lo - sums[..., -1]) + np.maximum(0, sums[..., -1] - m_hi)
    return (((sums[..., :-1] - T) / T) ** 2).sum(axis=-1) + 0.002 * (v**2).sum(axis=-1) + vm**2


def _swap_escapers(ids, R_, cat_r, E, C, tgt, items, m) -> None:
    """1. Which households of a category escaped over 1994-2004 (`E`) is free: swap ids (in place)
    within a category so the escapers' head counts come close to Table 8's totals."""
    cols = [c for c, *_ in items]
    Cm = np.column_stack([C[c] for c in cols]).astype(float)
    T = np.array([tgt[c]["Sd"].mean() + tgt[c]["Sm"].mean() for c in cols])
    own_lo = np.array([max(tgt[c]["nd"], tgt[c]["nm"]) for c in cols])
    own_hi = np.array([tgt[c]["nd"] + tgt[c]["nm"] for c in cols])
    # improved_breed escapers: enough for, and all covered by, Table 8's improved herds
    rc = [c for c, _a, _b, r in items if r]
    m_lo, m_hi = max(tgt[c]["nm"] for c in rc), sum(tgt[c]["nm"] for c in rc)
    Cm = np.column_stack([Cm, m.astype(float)])
    bounds = (T, own_lo, own_hi, m_lo, m_hi)
    for _ in range(400):
        sums = Cm[E].sum(axis=0)
        owners = (Cm[E] > 0).sum(axis=0).astype(float)
        best = (_escaper_cost(sums, owners, *bounds) - 1e-12, None)
        for c in ("escaped", "remained_not_poor"):
            inc_c = cat_r == c
            a, b = np.flatnonzero(E & inc_c), np.flatnonzero(~E & inc_c)
            if not len(a) or not len(b):
                continue
            dS = Cm[b][None, :, :] - Cm[a][:, None, :]
            dO = (Cm[b] > 0)[None, :, :].astype(float) - (Cm[a] > 0)[:, None, :]
            cc = _escaper_cost(sums + dS, owners + dO, *bounds)
            k = np.unravel_index(np.argmin(cc), cc.shape)
            if cc[k] < best[0]:
                best = (cc[k], (a[k[0]], b[k[1]]))
        if best[1] is None:
            break
        i, j = best[1]
        ri, rj = R_[i], R_[j]
        ids[ri], ids[rj] = ids[rj], ids[ri]
        E[i], E[j] = False, True


def _match_owners(C, tgt, items, E, m, rng, reg_name: str) -> None:
    """2. Owners per group (escapers, others) within Table 6/8's ranges: owners added (1 head) or
    removed (smallest herds), improved_breed households first where the second item needs them."""
    for col, _it_d, _it_m, restr in items:
        t = tgt[col]
        c = C[col]
        for G, lo, hi, mneed in (
            (E, max(t["nd"], t["nm"]), t["nd"] + t["nm"], t["nm"]),
            (
                ~E,
                max(t["O_d"] - t["nd"], t["O_m"] - t["nm"]),
                t["O_d"] - t["nd"] + t["O_m"] - t["nm"],
                t["O_m"] - t["nm"],
            ),
        ):
            g = np.flatnonzero(G)
            a = int((c[g] > 0).sum())
            want = int(np.clip(a, lo, hi))
            if a > want:  # remove owners: smallest herds of households outside improved_breed first
                cand = g[c[g] > 0]
                key = np.lexsort((rng.random(len(cand)), c[cand], (m[cand] if restr else np.zeros(len(cand)))))
                c[cand[key[: a - want]]] = 0
            elif a < want:  # add owners (1 head): improved_breed households first
                cand = g[c[g] == 0]
                key = np.lexsort((rng.random(len(cand)), ~(m[cand]) if restr else np.zeros(len(cand))))
                c[cand[key[: want - a]]] = 1
            if restr:  # enough owners among improved_breed households
                short = mneed - int(((c[g] > 0) & m[g]).sum())
                if short > 0:
                    add = g[(c[g] == 0) & m[g]][:short]
                    rem = g[(c[g] > 0) & ~m[g]]
                    rem = rem[np.argsort(c[rem], kind="stable")][: len(add)]
                    if len(add) < short or len(rem) < len(add):
                        raise RuntimeError(f"{reg_name} {col}: too few improved_breed owners")
                    c[add] = 1
                    c[rem] = 0


def _cover_improved(C, tgt, items, G, gi: int, m, rng, reg_name: str) -> dict:
    """3a. Owners of the second (improved) item chosen so that they cover every improved_breed
    household of the group; {column: chosen rows}."""
    restr_cols = [col for col, _a, _b, r in items if r]
    quota = {col: _group_sizes(tgt[col], gi == 0)[1] for col, *_ in items}
    chosen = {col: [] for col, *_ in items}
    unc = [int(h) for h in np.flatnonzero(G & m)]
    rng.shuffle(unc)
    while unc:
        av = {h: [col for col in restr_cols if C[col][h] > 0 and len(chosen[col]) < quota[col]] for h in unc}
        h = min(unc, key=lambda h: len(av[h]))
        if not av[h]:  # give it one head of the breed with most room left, keep the owner count
            col = max(restr_cols, key=lambda col: quota[col] - len(chosen[col]))
            if len(chosen[col]) >= quota[col]:
                raise RuntimeError(f"{reg_name}: too few improved herds for the improved_breed households")
            C[col][h] = 1
            hi_ = sum(_group_sizes(tgt[col], gi == 0))
            g = np.flatnonzero(G & (C[col] > 0))
            if len(g) > hi_:
                rem = g[~m[g]]
                C[col][rem[np.argmin(C[col][rem])]] = 0
            av[h] = [col]
        col = max(av[h], key=lambda col: quota[col] - len(chosen[col]))
        chosen[col].append(h)
        unc.remove(h)
    return chosen


def _second_item_owners(C, tgt, items, E, m, rng, reg_name: str) -> dict:
    """3a. Owners of the second item per (group, column): improved_breed households first, then
    (escapers) herds nearest Table 8's mean or (others) herds of two heads or more."""
    Isel = {}
    for gi, G in enumerate((E, ~E)):
        chosen = _cover_improved(C, tgt, items, G, gi, m, rng, reg_name)
        for col, _a, _b, restr in items:
            g = np.flatnonzero(G & (C[col] > 0))
            cand = np.setdiff1d(g[m[g]] if restr else g, chosen[col])
            if gi == 0:  # escapers: herds nearest Table 8's mean of the second breed (less rescaling)
                key = np.lexsort((rng.random(len(cand)), np.abs(C[col][cand] - tgt[col]["mm"])))
            else:
                key = np.lexsort((rng.random(len(cand)), C[col][cand] < 2))
            quota = _group_sizes(tgt[col], gi == 0)[1]
            extra = cand[key[: quota - len(chosen[col])]]
            Isel[(gi, col)] = np.r_[np.array(chosen[col], dtype=np.int64), extra].astype(np.int64)
            if len(Isel[(gi, col)]) < quota:
                raise RuntimeError(f"{reg_name} {col}: too few owners for the second breed")
    return Isel


def _keep_spread(first, second, c_orig, E, in_model) -> None:
    """Keep each model's spread of the column (which sets its SE): where the escapers' herds grew,
    the other owners' herds in that model move toward their mean (owners and breeds kept)."""
    for rows_m in in_model.values():
        cm = first + second
        sd0 = c_orig[rows_m].std()
        k = rows_m[~E[rows_m] & (cm[rows_m] > 0)]
        if cm[rows_m].std() <= sd0 or len(k) < 2:
            continue
        floor = np.where((first[k] > 0) & (second[k] > 0), 2, 1)
        mu = cm[k].mean()

        def shrink(f, cm=cm, k=k, mu=mu, floor=floor):
            return np.maximum(floor, np.round(mu + f * (cm[k] - mu))).astype(np.int64)

        lo_f, hi_f = 0.0, 1.0
        for _ in range(30):
            f = 0.5 * (lo_f + hi_f)
            v = cm.copy()
            v[k] = shrink(f)
            if v[rows_m].std() > sd0:
                hi_f = f
            else:
                lo_f = f
        nk = shrink(lo_f)
        both_k = floor == 2
        sec = np.where(both_k, np.maximum(1, np.round(0.4 * nk)), np.where(second[k] > 0, nk, 0)).astype(np.int64)
        second[k] = sec
        first[k] = nk - sec


def _split_breeds(c, t, restr: bool, E, Isel, col, covered, c_orig, in_model):
    """3b. One column's herds split into (first item, second item) heads; the escapers' totals
    rescaled to Table 8's means and the models' spread of the column kept."""
    n = len(c)
    first = np.zeros(n, np.int64)
    second = np.zeros(n, np.int64)
    for gi, G in enumerate((E, ~E)):
        n_d, n_m = _group_sizes(t, gi == 0)
        g = np.flatnonzero(G & (c > 0))
        sel = Isel[(gi, col)]
        if restr:
            covered[sel] = True
        ov = n_d + n_m - len(g)  # owners of both
        both = sel[np.argsort(-c[sel], kind="stable")[: max(ov, 0)]]
        c[both] = np.maximum(c[both], 2)
        only_d = np.setdiff1d(g, sel)
        second[sel] = c[sel]
        sec_b = np.maximum(1, np.round(0.4 * c[both])).astype(np.int64)
        second[both] = sec_b
        first[both] = c[both] - sec_b
        first[only_d] = c[only_d]
    # escapers: totals rescaled to Table 8's means
    for arr, S in ((first, t["Sd"]), (second, t["Sm"])):
        e = np.flatnonzero(E & (arr > 0))
        tot = arr[e].sum()
        arr[e] = _rescale_heads(arr[e], int(S[np.argmin(np.abs(S - tot))]))
    _keep_spread(first, second, c_orig, E, in_model)
    return first, second


def reconcile_region(
    reg_name: str,
    out: pd.DataFrame,
    allx: pd.DataFrame,
    inc: np.ndarray,
    region: np.ndarray,
    e10: set[str],
    ids: np.ndarray,
    cat: np.ndarray,
    M: np.ndarray,
    rng: np.random.Generator,
) -> list[tuple]:
    """Steps 1-3 of `recalibrate.reconcile_counts` for one region's head counts.

    The head counts of sample.csv (`out`, changed in place) are made to total Table 6's owners
    and Table 8's escapers' herds.

    Parameters
    ----------
    reg_name : str
        The region.
    out : pandas.DataFrame
        sample.csv being built (one row per sampled household); its count columns change in place.
    allx : pandas.DataFrame
        The sampled households with the models' columns (``_model`` ...), row for row with `out`.
    inc : numpy.ndarray
        Booleans, the households with incomplete data (in no model).
    region : numpy.ndarray
        Each row's region.
    e10 : set of str
        Ids of the households that escaped poverty over 1994-2004 (Table 8's).
    ids : numpy.ndarray
        The rows' household ids; changed in place by step 1 (swaps within a category).
    cat : numpy.ndarray
        Each row's movement category over 1979-2004.
    M : numpy.ndarray
        Booleans, the households with an improved breed.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of tuple
        One (rows, column, first item, second item, escaped 1994-2004, first herds, second herds)
        per count column.
    """
    R_ = np.flatnonzero(region == reg_name)
    items = [ci for ci in COUNT_ITEMS if TABLE6[reg_name][ITEMS.index(ci[1])] is not None]
    C = {ci[0]: out[ci[0]].to_numpy()[R_].astype(np.int64).copy() for ci in items}
    m = M[R_]
    C_orig = {k: v.copy() for k, v in C.items()}
    in_model = {mdl: np.flatnonzero((allx["_model"].to_numpy()[R_] == mdl) & ~inc[R_]) for mdl in ("escape", "descent")}
    tgt = _count_targets(reg_name, items)
    E = np.isin(ids[R_], list(e10))
    _swap_escapers(ids, R_, cat[R_], E, C, tgt, items, m)
    _match_owners(C, tgt, items, E, m, rng, reg_name)
    Isel = _second_item_owners(C, tgt, items, E, m, rng, reg_name)
    covered = np.zeros(len(R_), bool)
    split = {}
    for col, _it_d, _it_m, restr in items:
        split[col] = _split_breeds(C[col], tgt[col], restr, E, Isel, col, covered, C_orig[col], in_model)
        C[col] = split[col][0] + split[col][1]
    if M[R_].any() and not covered[m].all():
        raise RuntimeError(f"{reg_name}: improved_breed households without an improved herd")
    splits = []
    for col, it_d, it_m, _restr in items:
        vals = out[col].to_numpy().copy()
        vals[R_] = C[col]
        out[col] = vals
        splits.append((R_, col, it_d, it_m, E) + split[col])
    return splits


COUNT_ITEMS_COLS = tuple(c for c, *_ in COUNT_ITEMS)
COUNTED = {it for _c, a, b, _r in COUNT_ITEMS for it in (a, b)}
