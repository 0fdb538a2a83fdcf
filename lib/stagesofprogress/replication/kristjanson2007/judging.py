"""How the scorecard judges one published cell against the number a study gives.

Each rule returns a `Judgement` (verdict and the sentence saying how the cell was judged):
`judge_printed` at the printed precision (half a unit of the last printed decimal, bracketed
ranks), `judge_abs` and `judge_rel` within an absolute or relative tolerance never tighter
than the printed precision, `judge_exact` for counts, `judge_bracket` for SPSS's Sig. in its
significance bracket, and `judge_coef` for a B with its significance stars (`star_level`,
`stars_consistent`). `norm` reads a printed cell ("2.51***", "100 (1)", "0.00") as a number.
The scorecard (`scorecard`) applies them cell by cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr  # the normal distribution's cdf (scipy.stats.norm.sf(z) is ndtr(-z))

from stagesofprogress.logistic import significance_stars

__all__ = [
    "EPS",
    "Judgement",
    "judge_abs",
    "judge_bracket",
    "judge_coef",
    "judge_exact",
    "judge_printed",
    "judge_rel",
    "norm",
    "star_level",
    "stars_consistent",
]

#: Slack added to every comparison, so a value exactly on a tolerance's edge passes.
EPS = 1e-9


def _half_unit(decimals) -> float:
    d = 0 if decimals is None or (isinstance(decimals, float) and math.isnan(decimals)) else int(decimals)
    return 0.5 * 10.0 ** (-d)


def _fmt(x: float) -> str:
    return f"{x:g}"


def star_level(p: float | None) -> str:
    """The paper's stars for a p-value (the method's `significance_stars`).

    Parameters
    ----------
    p : float or None
        A two-sided p-value.

    Returns
    -------
    str
        ``***``, ``**``, ``*`` or empty text (also for None or NaN).
    """
    return "" if p is None else significance_stars(float(p))


def stars_consistent(b: float, se: float, printed_stars: str, decimals: int = 2) -> bool:
    """Whether the printed stars agree with the printed B and SE (two-sided normal test).

    B and SE are rounded, so every star level reachable with B and SE anywhere inside their
    rounding intervals counts as agreeing.

    Parameters
    ----------
    b : float
        The printed coefficient.
    se : float
        Its printed standard error.
    printed_stars : str
        The stars printed beside it.
    decimals : int
        Decimals B and SE are printed with.

    Returns
    -------
    bool
        ``False`` as well when B or SE is not finite.
    """
    if not (np.isfinite(b) and np.isfinite(se)):
        return False
    h = _half_unit(decimals)
    b_lo, b_hi = abs(b) - h, abs(b) + h
    se_lo, se_hi = max(se - h, 0.0), se + h
    b_lo = max(b_lo, 0.0)
    z_lo = b_lo / se_hi if se_hi > 0 else 0.0
    z_hi = b_hi / se_lo if se_lo > 0 else np.inf
    p_hi, p_lo = 2 * ndtr(-z_lo), 2 * ndtr(-z_hi)
    reachable = {star_level(p) for p in (p_lo, p_hi)}
    for cut in (0.01, 0.05, 0.1):  # every level between the two ends is reachable too
        if p_lo < cut <= p_hi:
            reachable |= {star_level(cut - 1e-12), star_level(cut)}
    return (printed_stars or "") in reachable


@dataclass(frozen=True)
class Judgement:
    ok: bool
    tolerance: str


def judge_printed(reproduced: float, value: float, decimals: int | None, consistent: float | None = None) -> Judgement:
    """Equal at printed precision; against the errata's consistent value when there is one.

    Parameters
    ----------
    reproduced : float
        The value this study gives.
    value : float
        The printed value; NaN for a printed "-" (then the reproduced value must be blank too).
    decimals : int or None
        Decimals printed (None: a whole number).
    consistent : float, optional
        The errata's consistent value, judged against instead of the printed one.

    Returns
    -------
    Judgement
        Whether it agrees, and the tolerance in words.
    """
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
    """Within `amount` of the printed value.

    Parameters
    ----------
    reproduced : float
        The value this study gives.
    value : float
        The printed value.
    amount : float
        The largest difference allowed, in the value's unit.
    what : str
        The unit, appended to the tolerance's text (" percentage points").

    Returns
    -------
    Judgement
        Whether it agrees, and the tolerance in words.
    """
    ok = bool(np.isfinite(reproduced) and np.isfinite(value) and abs(reproduced - value) <= amount + EPS)
    return Judgement(ok, f"within {_fmt(amount)}{what}")


def judge_rel(reproduced: float, value: float, share: float, decimals: int | None) -> Judgement:
    """Within `share` of the printed value, but never tighter than half a printed unit.

    Parameters
    ----------
    reproduced : float
        The value this study gives.
    value : float
        The printed value.
    share : float
        The relative difference allowed (0.05 for 5 %).
    decimals : int or None
        Decimals printed.

    Returns
    -------
    Judgement
        Whether it agrees, and the tolerance in words.
    """
    allowed = max(share * abs(value), _half_unit(decimals)) if np.isfinite(value) else np.nan
    ok = bool(np.isfinite(reproduced) and np.isfinite(value) and abs(reproduced - value) <= allowed + EPS)
    return Judgement(ok, f"within {share:.0%} (or half a printed unit)")


def judge_exact(reproduced: float, value: float) -> Judgement:
    """The same whole number as printed (counts, sample sizes).

    Parameters
    ----------
    reproduced : float
        The value this study gives.
    value : float
        The printed value.

    Returns
    -------
    Judgement
        ``ok`` only when both are finite and equal.
    """
    ok = bool(
        np.isfinite(reproduced)
        and np.isfinite(value)
        and round(reproduced) == round(value)
        and abs(reproduced - value) < EPS + 1e-6
    )
    return Judgement(ok, "exact")


def judge_bracket(reproduced_p: float, printed_p: float) -> Judgement:
    """The same significance bracket (< .01, < .05, < .1, otherwise) as the printed p-value.

    Parameters
    ----------
    reproduced_p : float
        The p-value this study gives.
    printed_p : float
        The printed one.

    Returns
    -------
    Judgement
        Whether the stars agree.
    """
    ok = bool(np.isfinite(reproduced_p) and star_level(reproduced_p) == star_level(printed_p))
    return Judgement(ok, "same significance bracket (< .01, < .05, < .1, otherwise)")


def judge_coef(
    reproduced: float,
    reproduced_stars: str,
    value: float,
    printed_stars: str,
    se: float | None,
    decimals: int | None = 2,
    amount: float = 0.05,
    stars_printed: bool = True,
) -> Judgement:
    """A logit coefficient: B within `amount`, and the same stars when the paper's stars fit its B and SE.

    Parameters
    ----------
    reproduced : float
        B as this study gives it.
    reproduced_stars : str
        Its stars.
    value : float
        The printed B.
    printed_stars : str
        The printed stars.
    se : float or None
        The printed SE; without it the stars are not judged.
    decimals : int or None
        Decimals B and SE are printed with.
    amount : float
        The largest difference allowed in B.
    stars_printed : bool
        ``False`` for tables that print no stars (SPSS's Table 7, whose ``Sig.`` column is judged
        on its own).

    Returns
    -------
    Judgement
        Whether it agrees, and the tolerance in words (saying whether the stars were judged).
    """
    base = judge_abs(reproduced, value, amount)
    printed_stars = printed_stars or ""
    if not stars_printed:
        return Judgement(base.ok, base.tolerance + " (no stars printed; Sig. judged in its own cell)")
    if se is None or not np.isfinite(se):
        return Judgement(base.ok, base.tolerance + "; stars not judged (no printed SE)")
    if stars_consistent(value, se, printed_stars, 2 if decimals is None else int(decimals)):
        same = (reproduced_stars or "") == printed_stars
        shown = printed_stars or "none"
        return Judgement(bool(base.ok and same), base.tolerance + f"; stars must match ({shown})")
    return Judgement(base.ok, base.tolerance + "; stars not judged (the paper's stars disagree with its own B and SE)")


def norm(label: str) -> str:
    """Loose key for matching printed labels: lower case, words only, plural "s" dropped.

    Parameters
    ----------
    label : str
        A printed row or column label.

    Returns
    -------
    str
        Words joined by single spaces ("Alpacas fiber prod lbs/yr" and "Alpaca fiber prod lbs/yr"
        get the same key).
    """
    words = re.findall(r"[a-z0-9]+", str(label).lower())
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)
