"""Calibration, the expected information: the SE windows the scorecard accepts for each
coefficient, given the printed stars (Tables 4, 5) or SPSS's columns (Table 7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .targets import model_spec, model_variables

if TYPE_CHECKING:
    from .design import Design


# --------------------------------------------------------------------------- refinement on the realised fit

Z_CUTS = (1.6448536269514722, 1.959963984540054, 2.5758293035489004)  # two-sided 0.1, 0.05, 0.01


def printed_targets(model: str, region: str) -> tuple[list[str], list[bool]]:
    """The printed stars of each coefficient (constant first), and whether they fit the printed B and SE.

    Parameters
    ----------
    model : str
        ``escape`` or ``descent``.
    region : str
        The region.

    Returns
    -------
    stars : list of str
        The printed stars.
    judged : list of bool
        Whether the scorecard judges them (`scorecard.stars_consistent`).
    """
    from .. import paper
    from ..scorecard import stars_consistent

    spec = model_spec()[model]
    labels = {"const": "Constant"}
    labels.update({v["name"]: v["label"] for g in spec["groups"] for v in g["variables"]})
    pub = paper.published(spec["table"])
    cells = {(r.row, r.column): r for r in pub.itertuples(index=False)}
    stars, judged = [], []
    for nm in ["const"] + model_variables(model, region):
        b = cells[(labels[nm], f"{region} B")]
        se = cells[(labels[nm], f"{region} SE")]
        s = "*" * int(b.stars)
        stars.append(s)
        judged.append(bool(stars_consistent(b.value, se.value, s, int(b.decimals))))
    return stars, judged


def se_windows(
    beta: np.ndarray,
    se: np.ndarray,
    stars: list[str] | None = None,
    judged: list[bool] | None = None,
    margin: float = 0.02,
    free: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of SEs that pass the scorecard for each coefficient.

    An SE passes within 15 % (or half a printed unit) of the printed SE and, where the paper's
    stars are judged, when it gives the same stars with the published B.

    Parameters
    ----------
    beta : numpy.ndarray
        The published coefficients.
    se : numpy.ndarray
        The published SEs.
    stars : list of str, optional
        The printed stars.
    judged : list of bool, optional
        Whether each coefficient's stars are judged.
    margin : float
        Share of each window (on a log scale) left out at both ends, to aim inside.
    free : numpy.ndarray, optional
        Booleans, coefficients printed 0.00 (any SE prints right; stay near the calibrated one).

    Returns
    -------
    lo, hi : numpy.ndarray
        The bounds.
    """
    beta, se = np.abs(np.asarray(beta, float)), np.asarray(se, float)
    tol = np.maximum(0.15 * se, 0.005)
    if free is not None:  # printed 0.00: any SE prints right; stay near the calibrated one
        tol = np.where(free, 0.5 * se, tol)
    lo, hi = np.maximum(se - tol, 1e-9), se + tol
    if stars is not None:
        for j, (s, ok) in enumerate(zip(stars, judged)):
            if not ok or beta[j] == 0:
                continue
            k = len(s)
            z_lo = Z_CUTS[k - 1] if k else 0.0
            z_hi = Z_CUTS[k] if k < 3 else np.inf
            s_lo = beta[j] / z_hi if np.isfinite(z_hi) else 0.0
            s_hi = beta[j] / z_lo if z_lo > 0 else np.inf
            a, b = max(lo[j], s_lo), min(hi[j], s_hi)
            if a < b:
                lo[j], hi[j] = a, b
    lo = np.maximum(lo, hi / 3)  # one-sided windows (printed 0.00): aim near the top
    # aim inside, away from the edges
    w = np.log(hi / lo)
    return lo * np.exp(margin * w), hi * np.exp(-margin * w)


def spss_windows(beta: np.ndarray, model: str = "improved_breeds") -> tuple[np.ndarray, np.ndarray]:
    """SE windows of an SPSS table (Table 7), from every printed column that depends on the SE.

    The printed S.E. within 15 %, and the SE that makes the printed Wald (within 10 %), Sig. (same
    bracket) and 95 % CI bounds (within 15 %) with the published B.

    Parameters
    ----------
    beta : numpy.ndarray
        The design's coefficients (a printed 0.00 has a small true value).
    model : str
        The model of `targets.model_spec`.

    Returns
    -------
    lo, hi : numpy.ndarray
        The bounds.
    """
    from .. import paper

    spec = model_spec()[model]
    labels = ["Constant"] + [v["label"] for g in spec["groups"] for v in g["variables"]]
    pub = paper.published(spec["table"])
    val = {(r.row, r.column): r.value for r in pub.itertuples(index=False)}
    z = 1.959963984540054
    lo, hi = [], []
    for lab, b in zip(labels, beta):  # the design's B (printed 0.00 has a small true value)
        se, w = val[(lab, "S.E.")], val[(lab, "Wald")]
        ab = abs(b)
        tol = max(0.15 * se, 0.005)
        a, c = max(se - tol, 1e-9), se + tol
        tw = max(0.1 * w, 0.005)
        if ab > 0:
            a = max(a, ab / np.sqrt(w + tw))
            c = min(c, ab / np.sqrt(max(w - tw, 1e-12)))
            sig = val[(lab, "Sig.")]
            k = sum(sig < cut for cut in (0.1, 0.05, 0.01))
            z_lo = Z_CUTS[k - 1] if k else 0.0
            z_hi = Z_CUTS[k] if k < 3 else np.inf
            a = max(a, ab / z_hi if np.isfinite(z_hi) else 0.0)
            c = min(c, ab / z_lo if z_lo > 0 else np.inf)
        for col, sign in (("CI Lower", -1), ("CI Upper", 1)):
            v = val.get((lab, col), np.nan)
            if np.isfinite(v) and v > 0 and ab > 0:
                t = max(0.15 * v, 0.005)
                e1, e2 = np.log(max(v - t, 1e-12)), np.log(v + t)
                s1, s2 = sorted(((e1 - b) / (sign * z), (e2 - b) / (sign * z)))
                a, c = max(a, s1), min(c, s2)
        if not a < c:  # the printed cells disagree: the S.E. alone
            a, c = max(se - tol, 1e-9), se + tol
        lo.append(a)
        hi.append(c)
    lo, hi = np.array(lo), np.array(hi)
    lo = np.maximum(lo, hi / 3)
    w = np.log(hi / lo)
    return lo * np.exp(0.02 * w), hi * np.exp(-0.02 * w)


def t7_windows(d: Design) -> tuple[np.ndarray, np.ndarray]:
    """Table 7's SE windows, those of fixed columns whose SE is out of its window widened to take it in.

    The other models set the fixed columns' spread, and a search that chased them would spoil the
    SEs it can reach (but it should not make them worse).

    Parameters
    ----------
    d : Design
        Table 7's design.

    Returns
    -------
    lo, hi : numpy.ndarray
        The bounds.
    """
    lo, hi = spss_windows(d.beta)
    se = d.fit()[1]
    for k, nm in enumerate(d.names):
        if nm in d.fixed and not lo[k + 1] <= se[k + 1] <= hi[k + 1]:  # out of reach: no worse than now
            lo[k + 1], hi[k + 1] = min(lo[k + 1], se[k + 1] * 0.98), max(hi[k + 1], se[k + 1] * 1.02)
    return lo, hi
