"""Step 4: the herds of the sampled households: head counts that meet Tables 6 and 8 while
the models' calibrated counts (and Table 7's shared flags) keep their fit.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .draws import _rng, round_half_up
from .fit import _expit
from .models import T7_SHIFT_FREE
from .search import REFINE_EVALS, raise_correct, refine
from .targets import ITEMS, REGIONS, TABLE6, TABLE8
from .windows import printed_targets, spss_windows, t7_windows

# 2004 head counts of sample.csv and the livestock.csv items they total: (column, (species, breed) of the
# "first" item, of the "second" item, second restricted to improved_breed households). Camelids: alpacas + llamas.
COUNT_ITEMS = [("beef_cattle", ("beef", "indigenous"), ("beef", "improved"), True),
               ("dairy_cattle", ("dairy", "indigenous"), ("dairy", "improved"), True),
               ("sheep", ("sheep", "indigenous"), ("sheep", "improved"), True),
               ("camelids", ("alpacas", ""), ("llamas", ""), False)]


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
            r[ok[np.argsort(frac[ok], kind="stable")[: -d]]] -= 1
    return r


def _debug_stage(label, designs, d7):
    import os

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
        bad = [f"{nm}:{s_:.3g}/[{a:.3g},{c:.3g}]" for nm, s_, a, c, k in zip(["const"] + d.names, se, lo, hi, ok) if not k]
        pi = _expit(d.X @ b)
        pc = f"correct {100 * np.mean(pi[d.y == 1] >= 0.5):.0f}/{100 * np.mean(pi[d.y == 0] < 0.5):.0f}"
        if d.fit_targets is not None and d.fit_targets[1] is not None:
            pc += f" ({d.fit_targets[1]:.0f}/{d.fit_targets[2]:.0f})"
        out.append(f"  {model} {region}: {ok.sum()}/{len(ok)} max|dB|={np.abs(b - d.beta).max():.3g} ll={ll:.2f} {pc} "
                   + " ".join(bad))
    print("\n".join(out), flush=True)


# Puno's covariates that Table 7 shares (its fixed columns), as Table 7's column and transform
T7_FLAGS = ("male_head", "relatives_outside")  # shared flags whose prevalence sets Table 7's SEs
T7_SHARED = {"male_head": ("male_head", None), "relatives_outside": ("relatives_outside", None),
             "education_level": ("above_primary", lambda v: (np.asarray(v) >= 2).astype(float)),
             "prop_children_school": ("prop_children_school", None), "land_ha": ("land_ha", None)}




def _reconcile_counts(out, allx, inc, region, e10, designs, d7, comp_puno, seed):
    """Make sample.csv's 2004 head counts the totals of livestock.csv's 2004 herds (Tables 6 and 8).

    1. Which sampled households of the categories escaped / remained non-poor (1979-2004) are the
       ones that escaped over 1994-2004 (Table 8's n) is free: household ids are swapped within a
       category so that their head counts come close to Table 8's totals (herds move with rows).
    2. Counts are then changed as little as possible: owners added (1 head) or removed (smallest herds)
       so that each region's owners match Table 6 (an owner of both breeds counts once), and the
       escapers' herds rescaled to Table 8's means.
    3. Each total is split into breeds (improved only in improved_breed households, every one of which
       owns an improved beef, dairy or sheep).
    4. The models are refined again (`refine`) with moves that keep Tables 6 and 8: herds outside
       Table 8's escapers change by a head, owners stay owners; Table 7's outcome is exchanged only
       between households whose herds can exchange breeds. The polish keeps every B the published one.
    Returns livestock.csv's 2004 rows. SOP_REPLICA_DEBUG=1 prints each model's SEs at each stage.
    """
    rng = _rng(seed, 45)
    ids = allx["household_id"].to_numpy().copy()
    cat = allx["_cat"].to_numpy()
    M = out["improved_breed"].to_numpy() == 1
    splits = []  # (rows, column, first item, second item, escaped 1994-2004, first herds, second herds)
    for reg_name in REGIONS:
        R_ = np.flatnonzero(region == reg_name)
        items = [ci for ci in COUNT_ITEMS if TABLE6[reg_name][ITEMS.index(ci[1])] is not None]
        C = {ci[0]: out[ci[0]].to_numpy()[R_].astype(np.int64).copy() for ci in items}
        m = M[R_]
        C_orig = {k: v.copy() for k, v in C.items()}
        in_model = {mdl: np.flatnonzero((allx["_model"].to_numpy()[R_] == mdl) & ~inc[R_]) for mdl in ("escape", "descent")}
        tgt = {}
        for col, it_d, it_m, _restr in items:
            i_d, i_m = ITEMS.index(it_d), ITEMS.index(it_m)
            (md, nd), (mm, nm_) = TABLE8[reg_name][i_d][1], TABLE8[reg_name][i_m][1]
            tgt[col] = dict(O_d=TABLE6[reg_name][i_d][1], O_m=TABLE6[reg_name][i_m][1], nd=nd, nm=nm_, md=md, mm=mm,
                            Sd=_allowed_sums(md, nd), Sm=_allowed_sums(mm, nm_))
        # 1. escapers of 1994-2004: swap ids within a category to approach Table 8's totals
        E = np.isin(ids[R_], list(e10))
        cols = [c for c, *_ in items]
        Cm = np.column_stack([C[c] for c in cols]).astype(float)
        T = np.array([tgt[c]["Sd"].mean() + tgt[c]["Sm"].mean() for c in cols])
        own_lo = np.array([max(tgt[c]["nd"], tgt[c]["nm"]) for c in cols])
        own_hi = np.array([tgt[c]["nd"] + tgt[c]["nm"] for c in cols])

        # improved_breed escapers: enough for, and all covered by, Table 8's improved herds
        rc = [c for c, _a, _b, r in items if r]
        m_lo, m_hi = max(tgt[c]["nm"] for c in rc), sum(tgt[c]["nm"] for c in rc)
        Cm = np.column_stack([Cm, m.astype(float)])

        def cost(sums, owners):
            v = np.maximum(0, own_lo - owners[..., :-1]) + np.maximum(0, owners[..., :-1] - own_hi)
            vm = np.maximum(0, m_lo - sums[..., -1]) + np.maximum(0, sums[..., -1] - m_hi)
            return (((sums[..., :-1] - T) / T) ** 2).sum(axis=-1) + 0.002 * (v**2).sum(axis=-1) + vm**2

        for _ in range(400):
            sums = Cm[E].sum(axis=0)
            owners = (Cm[E] > 0).sum(axis=0).astype(float)
            base = cost(sums, owners)
            best = (base - 1e-12, None)
            for c in ("escaped", "remained_not_poor"):
                inc_c = cat[R_] == c
                a, b = np.flatnonzero(E & inc_c), np.flatnonzero(~E & inc_c)
                if not len(a) or not len(b):
                    continue
                dS = Cm[b][None, :, :] - Cm[a][:, None, :]
                dO = (Cm[b] > 0)[None, :, :].astype(float) - (Cm[a] > 0)[:, None, :]
                cc = cost(sums + dS, owners + dO)
                k = np.unravel_index(np.argmin(cc), cc.shape)
                if cc[k] < best[0]:
                    best = (cc[k], (a[k[0]], b[k[1]]))
            if best[1] is None:
                break
            i, j = best[1]
            ri, rj = R_[i], R_[j]
            ids[ri], ids[rj] = ids[rj], ids[ri]
            E[i], E[j] = False, True
        # 2. owners per group (escapers, others) within Table 6/8's ranges
        for col, it_d, it_m, restr in items:
            t = tgt[col]
            c = C[col]
            for G, lo, hi, mneed in ((E, max(t["nd"], t["nm"]), t["nd"] + t["nm"], t["nm"]),
                                     (~E, max(t["O_d"] - t["nd"], t["O_m"] - t["nm"]),
                                      t["O_d"] - t["nd"] + t["O_m"] - t["nm"], t["O_m"] - t["nm"])):
                g = np.flatnonzero(G)
                a = int((c[g] > 0).sum())
                want = int(np.clip(a, lo, hi))
                pref = m[g] if restr else np.zeros(len(g), bool)
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
        # 3. breeds: improved (second item) owners cover every improved_breed household
        Isel = {}

        def sizes(t, G_is_E):
            return (t["nd"], t["nm"]) if G_is_E else (t["O_d"] - t["nd"], t["O_m"] - t["nm"])

        for gi, G in enumerate((E, ~E)):
            restr_cols = [col for col, _a, _b, r in items if r]
            quota = {col: sizes(tgt[col], gi == 0)[1] for col, *_ in items}
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
                    lo_, hi_ = (max(tgt[col]["nd"], tgt[col]["nm"]), tgt[col]["nd"] + tgt[col]["nm"]) if gi == 0 else \
                        (None, tgt[col]["O_d"] - tgt[col]["nd"] + tgt[col]["O_m"] - tgt[col]["nm"])
                    g = np.flatnonzero(G & (C[col] > 0))
                    if len(g) > hi_:
                        rem = g[~m[g]]
                        C[col][rem[np.argmin(C[col][rem])]] = 0
                    av[h] = [col]
                col = max(av[h], key=lambda col: quota[col] - len(chosen[col]))
                chosen[col].append(h)
                unc.remove(h)
            for col, _a, _b, restr in items:
                g = np.flatnonzero(G & (C[col] > 0))
                cand = np.setdiff1d(g[m[g]] if restr else g, chosen[col])
                if gi == 0:  # escapers: herds nearest Table 8's mean of the second breed (less rescaling)
                    key = np.lexsort((rng.random(len(cand)), np.abs(C[col][cand] - tgt[col]["mm"])))
                else:
                    key = np.lexsort((rng.random(len(cand)), C[col][cand] < 2))
                extra = cand[key[: quota[col] - len(chosen[col])]]
                Isel[(gi, col)] = np.r_[np.array(chosen[col], dtype=np.int64), extra].astype(np.int64)
                if len(Isel[(gi, col)]) < quota[col]:
                    raise RuntimeError(f"{reg_name} {col}: too few owners for the second breed")
        covered = np.zeros(len(R_), bool)
        split = {}
        for col, it_d, it_m, restr in items:
            t = tgt[col]
            c = C[col]
            first = np.zeros(len(R_), np.int64)
            second = np.zeros(len(R_), np.int64)
            for gi, G in enumerate((E, ~E)):
                n_d, n_m = sizes(t, gi == 0)
                g = np.flatnonzero(G & (c > 0))
                I = Isel[(gi, col)]
                if restr:
                    covered[I] = True
                ov = n_d + n_m - len(g)  # owners of both
                both = I[np.argsort(-c[I], kind="stable")[: max(ov, 0)]]
                c[both] = np.maximum(c[both], 2)
                only_d = np.setdiff1d(g, I)
                second[I] = c[I]
                sec_b = np.maximum(1, np.round(0.4 * c[both])).astype(np.int64)
                second[both] = sec_b
                first[both] = c[both] - sec_b
                first[only_d] = c[only_d]
            # escapers: totals rescaled to Table 8's means
            for arr, S in ((first, t["Sd"]), (second, t["Sm"])):
                e = np.flatnonzero(E & (arr > 0))
                tot = arr[e].sum()
                arr[e] = _rescale_heads(arr[e], int(S[np.argmin(np.abs(S - tot))]))
            # keep each model's spread of the column (which sets its SE): where the escapers' herds grew,
            # the other owners' herds in that model move toward their mean (owners and breeds kept)
            for rows_m in in_model.values():
                cm = first + second
                sd0 = C_orig[col][rows_m].std()
                k = rows_m[~E[rows_m] & (cm[rows_m] > 0)]
                if cm[rows_m].std() <= sd0 or len(k) < 2:
                    continue
                both_k = (first[k] > 0) & (second[k] > 0)
                mu = cm[k].mean()

                def shrink(f):
                    return np.maximum(np.where(both_k, 2, 1), np.round(mu + f * (cm[k] - mu))).astype(np.int64)

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
                sec = np.where(both_k, np.maximum(1, np.round(0.4 * nk)), np.where(second[k] > 0, nk, 0)).astype(np.int64)
                second[k] = sec
                first[k] = nk - sec
            C[col] = first + second
            split[col] = (first, second)
        if M[R_].any() and not covered[m].all():
            raise RuntimeError(f"{reg_name}: improved_breed households without an improved herd")
        for col, it_d, it_m, restr in items:
            vals = out[col].to_numpy().copy()
            vals[R_] = C[col]
            out[col] = vals
            splits.append((R_, col, it_d, it_m, E) + split[col])
    allx["household_id"] = ids
    out["household_id"] = ids
    # refine the models again on the changed counts: the reasons (moved between households of the
    # same outcome, or switched), proportions, land and the herds Tables 6 and 8 leave free; the polish
    # keeps B the published one. Puno's households are Table 7's too (k7: their row there).
    k7 = np.full(len(allx), -1)
    k7[np.flatnonzero(comp_puno)] = np.arange(int(comp_puno.sum()))
    placed = {}
    for (model, reg_name), d in designs.items():
        rows = np.flatnonzero((allx["_model"].to_numpy() == model) & (region == reg_name) & ~inc)
        dr = allx["_drow"].to_numpy()[rows].astype(int)
        placed[(model, reg_name)] = (rows, dr)
        for j, nm in enumerate(d.names):
            if nm in COUNT_ITEMS_COLS:
                d.X[dr, j + 1] = out[nm].to_numpy(float)[rows]
    _debug_stage("herds reconciled", designs, d7)
    for (model, reg_name), d in designs.items():
        mi, ri = ("escape", "descent").index(model), REGIONS.index(reg_name)
        stars, judged = printed_targets(model, reg_name)
        # herds of households outside Table 8's escapers may grow or shrink by a head (owners stay owners,
        # an owner of both breeds keeps two heads at least): Tables 6 and 8 stay as they are
        rows_d, dr_d = placed[(model, reg_name)]
        count_rules = {}
        for R_, col, _a, _b, E, first, second in splits:
            if col not in d.names:
                continue
            pos = np.full(len(allx), -1)
            pos[R_] = np.arange(len(R_))
            k = pos[rows_d]
            if np.any(k < 0):  # the other region's herds
                continue
            ok = np.zeros(d.n, bool)
            mn = np.zeros(d.n)
            grp = np.full(d.n, -1)
            ok[dr_d] = ~E[k] & ((first[k] + second[k]) > 0)
            mn[dr_d] = np.where((first[k] > 0) & (second[k] > 0), 2, 1)
            # Table 8's escapers: a head may pass between two of them that own only the same breed
            grp[dr_d] = np.where(E[k] & (first[k] > 0) & (second[k] == 0), 1,
                                 np.where(E[k] & (second[k] > 0) & (first[k] == 0), 2, -1))
            count_rules[d.names.index(col) + 1] = (ok, mn, grp)
        refine(d, _rng(seed, 46, mi, ri), evals=REFINE_EVALS, polish_every=20, stars=stars, judged=judged,
               moves=("flagswap", "flagflip", "step", "cont", "transfer"), count_rules=count_rules,
               no_flip=T7_FLAGS if reg_name == "Puno" else ())
        d.polish(iters=200)
        raise_correct(d, _rng(seed, 48, mi, ri), stars, judged, count_rules=count_rules)
        if reg_name == "Puno":  # Table 7's covariates are these households' own: it takes them as they now are
            rows, dr = placed[(model, reg_name)]
            for nm, (nm7, fn) in T7_SHARED.items():
                if nm in d.names:
                    v = d.X[dr, d.names.index(nm) + 1]
                    d7.X[k7[rows], d7.names.index(nm7) + 1] = fn(v) if fn else v
    _debug_stage("Puno refined", {}, d7)
    # Table 7: the dependency ratio, multiple activities and the outcome (improved breeds), which is tied to
    # the herds now: two households may exchange it when neither is one of Table 8's escapers, both own
    # the same species, each of one breed only; their herds then exchange breeds (Tables 6 and 8 unchanged)
    comp_idx = np.flatnonzero(comp_puno)
    label = {}  # (species column, allx row) -> breed: 1 the first item only, 2 the second only, 3 both
    e_all = np.zeros(len(allx), bool)
    for R_, col, it_d, it_m, E, first, second in splits:
        if col in ("beef_cattle", "dairy_cattle", "sheep") and region[R_[0]] == "Puno":
            lab = np.where(first > 0, 1, 0) + np.where(second > 0, 2, 0)
            label[col] = np.zeros(len(allx), np.int64)
            label[col][R_] = lab
            e_all[R_] = E
    labs = np.column_stack([label[c][comp_idx] for c in ("beef_cattle", "dairy_cattle", "sheep")])
    ok = ~e_all[comp_idx] & ~np.any(labs == 3, axis=1)
    key = (labs > 0) @ np.array([1, 2, 4])
    groups = np.where(ok, key, -1)
    if os.environ.get("SOP_REPLICA_DEBUG"):
        print("Table 7 outcome groups:", {int(g): (int(np.sum((groups == g) & (d7.y == 1))), int(np.sum((groups == g) & (d7.y == 0))))
                                          for g in np.unique(groups[groups >= 0])})
    y7_before = d7.y.copy()
    # the Puno models moved Table 7's fixed columns: the outcome and flags are first moved to bring B
    # back, then the dependency ratio is calibrated to them again
    wide = (np.full(len(d7.beta), 1e-9), np.full(len(d7.beta), 1e9))
    refine(d7, _rng(seed, 49), evals=REFINE_EVALS, windows=wide, moves=("outcome", "flagswap", "flagflip"),
           shift_free=0.0, outcome_groups=groups, polish_every=10**9, final_polish=False)
    _debug_stage("Table 7 B first", {}, d7)
    d7.calibrate_mix("dependency_ratio", "multiple_activities")
    _debug_stage("Table 7 recalibrated", {}, d7)
    if os.environ.get("SOP_REPLICA_DEBUG"):
        print("  B shift/SE:", dict(zip(["const"] + d7.names, np.round((d7.fit()[0] - d7.beta) / d7.se, 2))))
    refine(d7, _rng(seed, 47), evals=REFINE_EVALS, windows=t7_windows(d7), moves=("outcome", "flagswap", "flagflip", "cont"),
           shift_free=T7_SHIFT_FREE, outcome_groups=groups, polish_every=10**9, final_polish=False)
    d7.polish_affine("dependency_ratio")
    for g in np.unique(groups[groups >= 0]):
        up = np.flatnonzero((groups == g) & (y7_before == 0) & (d7.y == 1))
        down = np.flatnonzero((groups == g) & (y7_before == 1) & (d7.y == 0))
        assert len(up) == len(down)
        for a, b in zip(up, down):  # exchange the breeds of their herds
            ra, rb = comp_idx[a], comp_idx[b]
            for R_, col, it_d, it_m, E, first, second in splits:
                if col not in label or region[R_[0]] != "Puno":
                    continue
                pa, pb = np.searchsorted(R_, ra), np.searchsorted(R_, rb)
                ta, tb = first[pa] + second[pa], first[pb] + second[pb]
                sa, sb = second[pa] > 0, second[pb] > 0
                first[pa], second[pa] = (0, ta) if sb else (ta, 0)
                first[pb], second[pb] = (0, tb) if sa else (tb, 0)
    imp = out["improved_breed"].to_numpy().copy()
    imp[comp_puno] = d7.y.astype(int)
    out["improved_breed"] = imp
    _debug_stage("Table 7 refined and made exact", {}, d7)
    _debug_stage("after refine", designs, d7)
    for (model, reg_name), d in designs.items():
        rows, dr = placed[(model, reg_name)]
        if reg_name != "Puno":
            d.polish(iters=200)
        for j, nm in enumerate(d.names):  # (the polish moved land and proportions too)
            if d.kinds[j] == "age":
                continue
            v = d.X[dr, j + 1]
            if nm in out.columns:
                f = {"prop": lambda v: np.round(v, 4), "logland": lambda v: np.round(np.exp(v), 6)}.get(d.kinds[j])
                vals = out[nm].to_numpy(float).copy()
                vals[rows] = f(v) if f else v
                out[nm] = vals.astype(out[nm].dtype) if not f else vals
            else:  # a reason flag: reasons.csv is written from allx
                vals = allx[nm].to_numpy(float).copy()
                vals[rows] = v
                allx[nm] = vals
    out["above_primary"] = (out["education_level"] >= 2).astype(int)
    j_dep = d7.names.index("dependency_ratio") + 1
    dep = out["dependency_ratio"].to_numpy(float).copy()
    dep[comp_puno] = np.round(d7.X[:, j_dep], 4)
    out["dependency_ratio"] = dep
    j_multi = d7.names.index("multiple_activities") + 1
    multi = out["multiple_activities"].to_numpy().copy()
    multi[comp_puno] = d7.X[:, j_multi].astype(int)
    out["multiple_activities"] = multi
    lv_rows = []
    for R_, col, it_d, it_m, E, first, second in splits:  # herds of 2004 by breed, after the refine
        c = out[col].to_numpy()[R_].astype(np.int64)
        both = (first > 0) & (second > 0)
        sec = np.where(both, np.maximum(1, np.round(0.4 * c)).astype(np.int64), np.where(second > 0, c, 0))
        fir = c - sec
        moved = c != first + second
        if np.any(E & moved & both):
            raise RuntimeError(f"{col}: a two-breed herd of Table 8's escapers changed")
        sums = (first[E].sum(), second[E].sum())
        first, second = np.where(moved, fir, first), np.where(moved, sec, second)
        if (first[E].sum(), second[E].sum()) != sums:
            raise RuntimeError(f"{col}: the escapers' herds no longer total Table 8's")
        for (sp, br), arr in ((it_d, first), (it_m, second)):
            k = np.flatnonzero(arr > 0)
            lv_rows.append(pd.DataFrame({"_row": R_[k], "year": 2004, "species": sp, "breed": br, "head": arr[k]}))
    lv = pd.concat(lv_rows, ignore_index=True)
    lv.insert(0, "household_id", ids[lv.pop("_row").to_numpy()])
    return lv


COUNT_ITEMS_COLS = tuple(c for c, *_ in COUNT_ITEMS)
COUNTED = {it for _c, a, b, _r in COUNT_ITEMS for it in (a, b)}
