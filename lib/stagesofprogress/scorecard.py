"""The reproduction scorecard: every published cell next to the number this study gives.

`scorecard(study)` returns one row per published cell with exactly the columns
`table, row, column, paper, reproduced, tolerance, ok`:

* `paper` is the cell as printed ("2.51***", "100 (1)" is split by the paper module into
  its percent and its rank), `reproduced` the number computed from the study through the
  same library functions the chapters call (never copied from the paper), `tolerance` a
  sentence saying how the cell was judged, and `ok` the verdict.
* Tables 1, 2, 3, 6, 8 and 9 must agree at the paper's printed precision: within half a
  unit of the last printed decimal.
* Where the paper's errata (`errata.csv`: a printed value that contradicts the paper's own
  other figures) list a consistent value for a cell, `paper` still holds the printed value
  but `ok` is judged against the consistent value, and `tolerance` says so. The scorecard
  keeps its seven columns; the errata are the place that explains each such cell.
* Logit tables (4, 5 and the SPSS Table 7): B within 0.05; the significance stars are
  judged inside the B row's `ok` (identical stars required) whenever the paper's stars
  agree with its own printed B and SE, and not judged otherwise (the tolerance says
  which); standard errors (robust, or SPSS's S.E.) and confidence limits within 15%; odds
  ratios within 5% (B's tolerance carried through exp); SPSS's Wald within 10% and Sig.
  in the same significance bracket (< .01, < .05, < .1, otherwise); the model Wald chi2
  within 10%; Wald df and N exact; Prob > chi2 at printed precision; log likelihoods
  within 5%; pseudo R-square within 0.03; % correctly predicted within 3 points. A
  relative tolerance is never tighter than half a unit of the printed precision (a
  printed SE of 0.00 cannot demand a reproduced 0).
* Text figures (`table` = "Text") are judged within 1 percentage point (or 1 unit of
  what they count) of the statement's value.

Cells the study cannot reproduce (an optional table is missing, a variable is not in the
model) are kept, with `reproduced` blank and `ok` False: the scorecard counts them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .study import Study

COLUMNS = ["table", "row", "column", "paper", "reproduced", "tolerance", "ok"]
SUMMARY_COLUMNS = ["table", "cells", "ok", "share_ok"]
EPS = 1e-9

PRINTED_TABLES = ("Table 1", "Table 2", "Table 3", "Table 6", "Table 8", "Table 9")
TEXT = "Text"


# ------------------------------------------------------------------------- judging rules


def _half_unit(decimals) -> float:
    d = 0 if decimals is None or (isinstance(decimals, float) and math.isnan(decimals)) else int(decimals)
    return 0.5 * 10.0 ** (-d)


def _fmt(x: float) -> str:
    return f"{x:g}"


def star_level(p: float) -> str:
    """The paper's stars for a p-value: *** < 0.01, ** < 0.05, * < 0.1."""
    if p is None or not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def stars_consistent(b: float, se: float, printed_stars: str, decimals: int = 2) -> bool:
    """Do the printed stars agree with the printed B and SE (two-sided normal test)?

    B and SE are rounded, so every star level reachable with B and SE anywhere inside
    their rounding intervals counts as agreeing.
    """
    if not (np.isfinite(b) and np.isfinite(se)):
        return False
    h = _half_unit(decimals)
    b_lo, b_hi = abs(b) - h, abs(b) + h
    se_lo, se_hi = max(se - h, 0.0), se + h
    b_lo = max(b_lo, 0.0)
    z_lo = b_lo / se_hi if se_hi > 0 else 0.0
    z_hi = b_hi / se_lo if se_lo > 0 else np.inf
    p_hi, p_lo = 2 * stats.norm.sf(z_lo), 2 * stats.norm.sf(z_hi)
    reachable = {star_level(p) for p in (p_lo, p_hi)}
    for cut in (0.01, 0.05, 0.1):  # every level between the two ends is reachable too
        if p_lo < cut <= p_hi:
            reachable |= {star_level(cut - 1e-12), star_level(cut)}
    return (printed_stars or "") in reachable


@dataclass(frozen=True)
class Judgement:
    ok: bool
    tolerance: str


def judge_printed(reproduced: float, value: float, decimals, consistent: float | None = None) -> Judgement:
    """Equal at printed precision; against the errata's consistent value when there is one."""
    h = _half_unit(decimals)
    target = value if consistent is None or not np.isfinite(consistent) else consistent
    if consistent is not None and np.isfinite(consistent):
        tol = f"within {_fmt(h)} (printed precision) of the errata's consistent value {_fmt(consistent)}"
    else:
        tol = f"within {_fmt(h)} (printed precision)"
    if not np.isfinite(target):  # a printed "-" (nothing to average): reproduced must be blank too
        return Judgement(bool(not np.isfinite(reproduced)), "blank, as printed")
    return Judgement(bool(np.isfinite(reproduced) and abs(reproduced - target) <= h + EPS), tol)


def judge_abs(reproduced: float, value: float, amount: float, what: str = "") -> Judgement:
    ok = bool(np.isfinite(reproduced) and np.isfinite(value) and abs(reproduced - value) <= amount + EPS)
    return Judgement(ok, f"within {_fmt(amount)}{what}")


def judge_rel(reproduced: float, value: float, share: float, decimals) -> Judgement:
    """Within `share` of the printed value, but never tighter than half a printed unit."""
    allowed = max(share * abs(value), _half_unit(decimals)) if np.isfinite(value) else np.nan
    ok = bool(np.isfinite(reproduced) and np.isfinite(value) and abs(reproduced - value) <= allowed + EPS)
    return Judgement(ok, f"within {share:.0%} (or half a printed unit)")


def judge_exact(reproduced: float, value: float) -> Judgement:
    ok = bool(np.isfinite(reproduced) and np.isfinite(value) and round(reproduced) == round(value) and abs(reproduced - value) < EPS + 1e-6)
    return Judgement(ok, "exact")


def judge_bracket(reproduced_p: float, printed_p: float) -> Judgement:
    ok = bool(np.isfinite(reproduced_p) and star_level(reproduced_p) == star_level(printed_p))
    return Judgement(ok, "same significance bracket (< .01, < .05, < .1, otherwise)")


def judge_coef(
    reproduced: float,
    reproduced_stars: str,
    value: float,
    printed_stars: str,
    se: float | None,
    decimals=2,
    amount: float = 0.05,
) -> Judgement:
    """B within `amount`; identical stars required when the paper's stars fit its B and SE."""
    base = judge_abs(reproduced, value, amount)
    printed_stars = printed_stars or ""
    if se is None or not np.isfinite(se):
        return Judgement(base.ok, base.tolerance + "; stars not judged (no printed SE)")
    if stars_consistent(value, se, printed_stars, 2 if decimals is None else int(decimals)):
        same = (reproduced_stars or "") == printed_stars
        shown = printed_stars or "none"
        return Judgement(bool(base.ok and same), base.tolerance + f"; stars must match ({shown})")
    return Judgement(base.ok, base.tolerance + "; stars not judged (the paper's stars disagree with its own B and SE)")


# ------------------------------------------------------------------------- summary


def scorecard_summary(card: pd.DataFrame) -> pd.DataFrame:
    """Cells, cells ok and the share ok per table (tables in the card's order), then `All`."""
    if card.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    ok = card["ok"].astype(bool)
    g = ok.groupby(card["table"], sort=False)
    out = pd.DataFrame({"cells": g.size(), "ok": g.sum()}).reset_index()
    out.loc[len(out)] = ["All", int(len(card)), int(ok.sum())]
    out["cells"] = out["cells"].astype(int)
    out["ok"] = out["ok"].astype(int)
    out["share_ok"] = out["ok"] / out["cells"].where(out["cells"] > 0)
    return out[SUMMARY_COLUMNS]
