"""Consistency checks of the printed logit Tables 4 and 5 (Stata layout) and 7 (SPSS layout)."""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from .intervals import _EPS, _abs_iv, _cells, _flag, _Num, _num, _order, _overlap, _z_stars
from .transcription import REGIONS_TABLES_4_9, _is_heading

__all__ = ["check_logit", "check_table7"]

_Z_CI = 1.96  # the paper's 95 percent intervals (Table 7)


def _logit_rows(t: pd.DataFrame) -> list[str]:
    """Variable rows of a logit table (Constant included), i.e. rows before the fit statistics."""
    out = []
    for _, r in t.iterrows():
        if r["row"].startswith("Wald chi2") or r["row"].startswith("-2 Log"):
            break
        if not _is_heading(r):
            out.append(r["row"])
    return out


def _or_flag(table, row, col, b: _Num, orr: _Num, key):
    lo, hi = math.exp(b.lo), math.exp(b.hi)
    if _overlap(lo, hi, orr.lo, orr.hi):
        return None
    return _flag(
        table,
        row,
        col,
        orr.printed,
        orr.fmt(math.exp(b.value)),
        f"The odds ratio is exp(B); exp of any B that rounds to {b.printed.rstrip('*')} lies in "
        f"[{lo:.4f}, {hi:.4f}], which cannot round to the printed odds ratio.",
        key,
    )


def _star_flag(table: str, row: str, col: str, b: _Num, se: _Num, key) -> dict | None:
    """Do the printed stars fit B/SE for some B and SE inside their rounding intervals?"""
    blo, bhi = _abs_iv(b)
    slo, shi = max(se.lo, 0.0), se.hi
    zlo = blo / shi if shi > 0 else 0.0
    zhi = bhi / slo if slo > 0 else math.inf
    smin, smax = _z_stars(zlo), _z_stars(zhi)
    if smin <= b.stars <= smax:
        return None
    z = abs(b.value) / se.value
    p = 2 * stats.norm.sf(z)
    allowed = "none" if smin == smax == 0 else "/".join("*" * k or "none" for k in range(smin, smax + 1))
    return _flag(
        table,
        row,
        col,
        b.printed,
        f"{b.fmt(b.value)}{'*' * _z_stars(z)}",
        f"B/SE = {b.fmt(b.value)}/{se.printed} gives z = {z:.2f} and a two-sided p of "
        f"{p:.3f}; with B and SE anywhere within their rounding the stars could only be "
        f"{allowed}, not {'*' * b.stars}.",
        key,
    )


def _coef_flags(t: pd.DataFrame, table: str, region: str) -> tuple[list[dict], int]:
    """Odds ratios and stars of one region's variables; also how many variables it lists."""
    rows, cols = _order(t)
    cell = _cells(t)
    cb, co, cs = f"{region} B", f"{region} Odds Ratio", f"{region} SE"
    out, nvar = [], 0
    for row in _logit_rows(t):
        b, orr, se = _num(cell[(row, cb)]), _num(cell[(row, co)]), _num(cell[(row, cs)])
        if b is None:
            continue
        nvar += row != "Constant"
        flags = [
            _or_flag(table, row, co, b, orr, (rows[row], cols[co])) if orr is not None else None,
            _star_flag(table, row, cb, b, se, (rows[row], cols[cb])) if se is not None else None,
        ]
        out += [f for f in flags if f]
    return out, nvar


def _wald_flags(t: pd.DataFrame, table: str, region: str, nvar: int) -> list[dict]:
    """The model's Wald df against the variables listed, and Prob > chi2 against the Wald chi2."""
    rows, cols = _order(t)
    cell = _cells(t)
    cb = f"{region} B"
    out = []
    df_ = _num(cell.get(("Wald df", cb), ""))
    if df_ is not None and int(df_.value) != nvar:
        out.append(
            _flag(
                table,
                "Wald df",
                cb,
                df_.printed,
                str(nvar),
                f"The model lists {nvar} explanatory variables for {region} but the Wald test has "
                f"{df_.printed} degrees of freedom.",
                (rows["Wald df"], cols[cb]),
            )
        )
    w, p = _num(cell.get(("Wald chi2", cb), "")), _num(cell.get(("Prob >chi2", cb), ""))
    if w and p and df_:
        plo, phi = stats.chi2.sf(w.hi, df_.value), stats.chi2.sf(w.lo, df_.value)
        if not _overlap(plo, phi, p.lo, p.hi):
            out.append(
                _flag(
                    table,
                    "Prob >chi2",
                    cb,
                    p.printed,
                    p.fmt(stats.chi2.sf(w.value, df_.value)),
                    f"A chi-square of {w.printed} on {df_.printed} df has p = {stats.chi2.sf(w.value, df_.value):.4g}.",
                    (rows["Prob >chi2"], cols[cb]),
                )
            )
    return out


def _mcfadden_flags(t: pd.DataFrame, table: str, region: str) -> list[dict]:
    """McFadden's R-square must be feasible for N and the log pseudolikelihood (|LL0| <= N ln 2)."""
    rows, cols = _order(t)
    cell = _cells(t)
    cb, r2_row = f"{region} B", "Pseudo R-square (McFadden's)"
    ll, r2, nn = (_num(cell.get((k, cb), "")) for k in ("Log pseudolikelihood", r2_row, "N"))
    if not (ll and r2 and nn):
        return []
    ll0_min = (abs(ll.value) - ll.half) / (1 - max(r2.lo, 0.0))
    if ll0_min <= nn.value * math.log(2) + _EPS:
        return []
    return [
        _flag(
            table,
            r2_row,
            cb,
            r2.printed,
            f"<= {1 - abs(ll.value) / (nn.value * math.log(2)):.2f}",
            f"McFadden's R-square is 1 - LL/LL0 and a binary null model has |LL0| <= N ln 2 = "
            f"{nn.value * math.log(2):.1f}; with LL = {ll.printed} the printed R-square would "
            "need a larger |LL0|.",
            (rows[r2_row], cols[cb]),
        )
    ]


def _correct_flags(t: pd.DataFrame, table: str, region: str, minimum: float) -> list[dict]:
    """Every '% Correctly Predicted' row over the share the text says every model exceeds."""
    rows, cols = _order(t)
    cell = _cells(t)
    cb = f"{region} B"
    out = []
    for row in t["row"]:
        if not row.startswith("% Correctly Predicted:") or row == "% Correctly Predicted:":
            continue
        v = _num(cell[(row, cb)])
        if v and not v.hi > minimum:
            out.append(
                _flag(
                    table,
                    row,
                    cb,
                    v.printed,
                    f"> {minimum:g}",
                    f"The text says every model classifies over {minimum:g} percent of households correctly.",
                    (rows[row], cols[cb]),
                )
            )
    return out


def check_logit(t: pd.DataFrame, table: str, correctly_predicted_min: float | None = None) -> list[dict]:
    """Tables 4/5: odds ratios vs exp(B), stars vs B/SE, Wald df vs variables, p vs Wald chi2.

    Also the feasibility of McFadden's R-square given N and the log pseudolikelihood
    (|LL0| <= N ln 2) and, when ``correctly_predicted_min`` is given (the text's figure
    ``correctly_predicted_min``), the text's claim that every model classifies more than that
    percentage of households correctly.
    """
    out = []
    for region in REGIONS_TABLES_4_9:
        if f"{region} B" not in t.columns:
            continue
        coef, nvar = _coef_flags(t, table, region)
        out += coef + _wald_flags(t, table, region, nvar) + _mcfadden_flags(t, table, region)
        if correctly_predicted_min is not None:
            out += _correct_flags(t, table, region, correctly_predicted_min)
    return out


def check_table7(t7: pd.DataFrame, table: str = "Table 7") -> list[dict]:
    """Table 7 (SPSS layout): OR vs exp(B), Wald vs (B/S.E.)^2, Sig. vs Wald, CI vs exp(B ± 1.96 S.E.)."""
    rows, cols = _order(t7)
    cell = _cells(t7)
    out = []
    for row in _logit_rows(t7):
        b, se, w, sig, orr = (_num(cell[(row, c)]) for c in ["B", "S.E.", "Wald", "Sig.", "Odds Ratio"])
        lo_ci, hi_ci = _num(cell[(row, "CI Lower")]), _num(cell[(row, "CI Upper")])
        at = rows[row]
        if b and orr:
            f = _or_flag(table, row, "Odds Ratio", b, orr, (at, cols["Odds Ratio"]))
            if f:
                out.append(f)
        if b and se and w:
            blo, bhi = _abs_iv(b)
            slo, shi = max(se.lo, 0.0), se.hi
            wlo = (blo / shi) ** 2 if shi > 0 else 0.0
            whi = (bhi / slo) ** 2 if slo > 0 else math.inf
            if not _overlap(wlo, whi, w.lo, w.hi):
                out.append(
                    _flag(
                        table,
                        row,
                        "Wald",
                        w.printed,
                        w.fmt((b.value / se.value) ** 2),
                        f"The Wald statistic is (B/S.E.)^2 = ({b.printed}/{se.printed})^2 = "
                        f"{(b.value / se.value) ** 2:.2f}; with rounding it lies in [{wlo:.2f}, {whi:.2f}].",
                        (at, cols["Wald"]),
                    )
                )
        if w and sig:
            plo, phi = stats.chi2.sf(w.hi, 1), stats.chi2.sf(max(w.lo, 0.0), 1)
            if not _overlap(plo, phi, sig.lo, sig.hi):
                out.append(
                    _flag(
                        table,
                        row,
                        "Sig.",
                        sig.printed,
                        sig.fmt(stats.chi2.sf(w.value, 1)),
                        f"A Wald chi-square of {w.printed} on 1 df has p = {stats.chi2.sf(w.value, 1):.4f}.",
                        (at, cols["Sig."]),
                    )
                )
        if b and se:
            slo, shi = max(se.lo, 0.0), se.hi
            for ci, sign, name in [(lo_ci, -1, "CI Lower"), (hi_ci, +1, "CI Upper")]:
                if ci is None:
                    continue
                ends = [math.exp(bb + sign * _Z_CI * ss) for bb in (b.lo, b.hi) for ss in (slo, shi)]
                if not _overlap(min(ends), max(ends), ci.lo, ci.hi):
                    mid = math.exp(b.value + sign * _Z_CI * se.value)
                    out.append(
                        _flag(
                            table,
                            row,
                            name,
                            ci.printed,
                            ci.fmt(mid),
                            f"The 95 percent bound is exp(B {'+' if sign > 0 else '-'} 1.96 S.E.) = {mid:.3f}; "
                            f"with rounding it lies in [{min(ends):.3f}, {max(ends):.3f}].",
                            (at, cols[name]),
                        )
                    )
    return out
