"""Calibration, the polish: Gauss-Newton on the continuous covariates until the published B
is the maximum-likelihood estimate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .exact import grid
from .fit import _expit

if TYPE_CHECKING:
    from .design import Design


# How freely the polish moves each kind of covariate (per unit of its spread): log land least, so
# that its spread, which sets its SE, stays where the calibration put it.
POLISH_WEIGHT = {"logland": 0.3}


def polish_columns(d: Design, cols: list[int], iters: int = 200, keep_spread: bool = True) -> None:
    """Gauss-Newton on the continuous columns `cols` of d.X until X'(y - pi(B*)) = 0 (the MLE is then B*).

    Optionally each column's variance (which sets its SE) is kept. The step is the smallest one,
    each value measured in its column's spread (see POLISH_WEIGHT) and its room inside [0, 1] for
    proportions; it is halved until the residuals fall. ``d.X`` is changed in place.

    Parameters
    ----------
    d : Design
        The design.
    cols : list of int
        Columns of ``d.X`` (the constant is 0) the polish may move.
    iters : int
        The largest number of steps.
    keep_spread : bool
        Keep each column's variance.
    """
    n, p = d.X.shape
    nv = n * len(cols)
    v = np.concatenate([d.X[:, c] for c in cols])
    prop = np.repeat([d.kinds[c - 1] == "prop" for c in cols], n)
    lo, hi = np.where(prop, 0.0, -np.inf), np.where(prop, 1.0, np.inf)
    var0 = [np.var(d.X[:, c]) for c in cols]
    # unit of each score: its column's spread times the number of households; of a variance gap: the variance
    units = np.concatenate(
        [np.maximum((d.X.std(axis=0) + (np.arange(p) == 0)) * 1e-6 * n, 1e-9)]
        + ([np.array([v0 * 1e-3 + 1e-12]) for v0 in var0] if keep_spread else [])
    )

    def evaluate(v, need_jacobian=True):
        """Residuals (scores, then variance gaps), their Jacobian, and a merit: the residuals in their
        units, squared and summed (the Gauss-Newton step lowers it for a small enough step)."""
        X = d.X.copy()
        sd = np.ones(nv)
        for k, c in enumerate(cols):
            X[:, c] = v[k * n : (k + 1) * n]
            sd[k * n : (k + 1) * n] = (np.std(X[:, c]) + 1e-9) * POLISH_WEIGHT.get(d.kinds[c - 1], 1.0)
        pi = _expit(X @ d.beta)
        r = d.y - pi
        w = pi * (1 - pi)
        J = np.zeros((p, nv)) if need_jacobian else None
        G, JG = [], []
        for k, c in enumerate(cols):
            if need_jacobian:
                Jc = -(X * (d.beta[c] * w)[:, None]).T  # d S_j / d x_ic = -x_ij w_i beta_c (+ r_i if j = c)
                Jc[c] += r
                J[:, k * n : (k + 1) * n] = Jc
            if keep_spread:
                x = X[:, c]
                G.append(np.var(x) - var0[k])
                if need_jacobian:
                    g = np.zeros(nv)
                    g[k * n : (k + 1) * n] = 2 * (x - x.mean()) / n
                    JG.append(g)
        res = np.concatenate([X.T @ r, np.array(G)])
        merit = float(np.sum((res / units) ** 2))
        return res, (np.vstack([J] + JG) if need_jacobian else None), merit, sd

    res, J, merit, sd = evaluate(v)
    best = (merit, v.copy())
    for _ in range(iters):
        if merit < 1.0:  # every residual below a millionth of its unit
            break
        room = np.where(np.isinf(lo), 1.0, np.clip(np.minimum(v - lo, hi - v) * 4, 0.02, 1))
        scale = sd * room
        Js = J * scale[None, :]
        step = -Js.T @ np.linalg.lstsq(Js @ Js.T, res, rcond=None)[0] * scale
        for _half in range(6):  # halve the step until the merit falls
            v_new = np.clip(v + step, lo, hi)
            m_new = evaluate(v_new, need_jacobian=False)[2]
            if m_new < merit:
                break
            step = step / 2
        if not m_new < merit:
            break
        v = v_new
        res, J, merit, sd = evaluate(v)
        if merit < best[0]:
            best = (merit, v.copy())
    for k, c in enumerate(cols):
        d.X[:, c] = grid(best[1][k * n : (k + 1) * n])


class Polishing:
    """The polish of a design (mixed into `design.Design`): B made the maximum-likelihood estimate."""

    CONTINUOUS = ("prop", "logland")

    def polish_affine(self, name: str, iters: int = 12) -> Polishing:
        """Put B on the published values through one free proportion alone.

        x' = s x + X c is a reparametrization of the logit (the MLE of every other coefficient moves
        by B_x c, B_x by the factor 1/s), so the fit lands on B* while the outcome and the other
        columns stay as they are. The SEs hardly move (c is small); only the clip to 0-1 makes it
        inexact, hence a few rounds.

        Parameters
        ----------
        name : str
            The free proportion.
        iters : int
            Rounds.

        Returns
        -------
        Polishing
            Itself, polished.
        """
        j = self.names.index(name) + 1
        for _ in range(iters):
            b = self.fit()[0]
            if np.abs(b - self.beta).max() < 1e-6:
                break
            c = (b - self.beta) / self.beta[j]
            c[j] = 0.0
            self.X[:, j] = grid(np.clip(b[j] / self.beta[j] * self.X[:, j] + self.X @ c, 0.0, 1.0))
        return self

    def polish(self, iters: int = 40, keep_spread: bool = False) -> Polishing:
        """Gauss-Newton on continuous covariates until X'(y - pi(B*)) = 0 (the MLE is then B*).

        Parameters
        ----------
        iters : int
            The largest number of steps.
        keep_spread : bool
            Keep each column's variance.

        Returns
        -------
        Polishing
            Itself, polished.
        """
        cols = [j + 1 for j, kd in enumerate(self.kinds) if kd in self.CONTINUOUS and self.names[j] not in self.fixed]
        polish_columns(self, cols, iters=iters, keep_spread=keep_spread)
        return self
