"""Calibration, the design: a model's covariates and outcome (`Design`), drawn with the
spreads the published standard errors imply and adjusted until the fit matches the paper.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .exact import grid
from .fit import _expit
from .information import ExpectedInformation
from .polish import Polishing

# Kind of each covariate: how it is drawn and whether the polish may move it continuously.
KINDS = {
    "male_head": "flag",
    "relatives_outside": "flag",
    "above_primary": "flag",
    "multiple_activities": "flag",
    "education_level": "ordinal",
    "age_head": "age",
    "prop_children_school": "prop",
    "livestock_income_share": "prop",
    "dependency_ratio": "prop",
    "land_ha": "logland",
    "beef_cattle": "count",
    "dairy_cattle": "count",
    "sheep": "count",
    "camelids": "count",
}
# Typical level and spread of the non-flag covariates per region (before calibration).
BASE = {
    "Puno": dict(
        education_level=(1.0, 0.5),
        age_head=(48, 14),
        prop_children_school=(0.75, 0.2),
        livestock_income_share=(0.7, 0.15),
        dependency_ratio=(0.4, 0.15),
        land_ha=(0.8, 0.9),
        beef_cattle=(2.0, 3.0),
        dairy_cattle=(2.0, 3.0),
        sheep=(20.0, 25.0),
        camelids=(10.0, 20.0),
    ),
    "Cajamarca": dict(
        education_level=(1.0, 0.5),
        age_head=(47, 14),
        prop_children_school=(0.75, 0.2),
        livestock_income_share=(0.5, 0.15),
        dependency_ratio=(0.4, 0.15),
        land_ha=(0.5, 0.9),
        beef_cattle=(1.0, 1.5),
        dairy_cattle=(1.5, 2.0),
        sheep=(3.0, 4.0),
        camelids=(0.0, 0.0),
    ),
}
# Share of households owning the species now, where the calibrated counts would otherwise give more or
# fewer owners than Table 6 allows (an owner of both breeds counts once: between the larger and the sum).
OWNER_SHARE = {
    "Puno": {"dairy_cattle": 0.90, "camelids": 0.68},
    "Cajamarca": {"beef_cattle": 0.39, "dairy_cattle": 0.62, "sheep": 0.52},
}
FLAG_BASE = {"male_head": 0.85, "relatives_outside": 0.35, "above_primary": 0.3, "multiple_activities": 0.6}


def BASE_SPREAD(d: Design, j: int) -> float:
    """The spread a covariate started from before calibration (the bound of its later changes).

    Parameters
    ----------
    d : Design
        The design.
    j : int
        The covariate's position (0-based, without the constant).

    Returns
    -------
    float
        ``d.base_spread[j]``.
    """
    return d.base_spread[j]


class Design(ExpectedInformation, Polishing):
    """Covariates and outcome of one logit model, calibrated to published B and SE.

    1. Covariates are drawn from fixed random draws and a few parameters per variable
       (prevalence of a flag; level and spread otherwise), independently of the outcome.
    2. The parameters are calibrated on the *expected* information at the published B:
       SE_j = sqrt([X' W X]^-1_jj) with W = pi(1-pi), pi = logistic(X B*) (a fixed-point
       iteration, no model fitting, so it cannot diverge); a flag whose share among the
       outcome-1 households the text quotes gets the prevalence that gives that share; the
       level of one covariate (`lever`) makes sum(pi) = the number of outcome-1 households.
    3. The outcome is assigned with exactly that number of 1s by systematic sampling on pi,
       then pairs are swapped to bring the score X'(y - pi) near 0 (balanced rounding).
    4. `polish`: a minimum-norm Gauss-Newton step on the continuous covariates (proportions,
       log land) makes X'(y - pi(B*)) = 0 exactly, so the maximum-likelihood estimate is B*.
    """

    def __init__(
        self, rng, names, kinds, beta, se, n1, n0, region, robust=True, share1=None, share0=None, fixed=None, zage=0.5
    ):
        self.names, self.kinds = list(names), list(kinds)
        self.beta, self.se = np.asarray(beta, float).copy(), np.asarray(se, float)
        self.se_cal = self.se.copy()  # SE targets of the expected-information calibration
        self.fit_targets = None
        self.wald = None
        self.n1, self.n0 = n1, n0
        self.n = n1 + n0
        self.region = region
        self.robust = robust
        self.share1, self.share0 = share1 or {}, share0 or {}
        self.fixed = fixed or {}  # name -> given column values (not calibrated)
        self.zage = zage
        self.free_flags = set()  # flags of FLAG_BASE whose prevalence is calibrated all the same
        self.mix = {}  # column -> its loadings on the standardized fixed columns (`calibrate_mix`)
        k = len(self.names)
        self.u = rng.random((self.n, k))
        self.z = rng.normal(size=(self.n, k))
        self.uy = rng.random(self.n)
        self.f = rng.normal(size=self.n)  # a household factor: raises covariates of positive B together
        from scipy.stats import norm

        self.zu = norm.ppf(self.u)
        self.rho = 0.0
        self.sign = np.sign(np.round(self.beta[1:], 2))
        self.level, self.spread = np.zeros(k), np.ones(k)
        base = BASE[region]
        for j, (nm, kd) in enumerate(zip(self.names, self.kinds)):
            if kd == "flag":
                p = FLAG_BASE.get(nm, 0.15)
                self.level[j] = np.log(p / (1 - p))
            else:
                self.level[j], self.spread[j] = base[nm]
        self.base_spread = self.spread.copy()
        self.t = 0.0
        self.dir = np.array(
            [
                np.sign(self.beta[j + 1]) * self.spread[j] * 0.5
                if kd in ("prop", "logland", "count", "ordinal") and nm not in self.fixed
                else 0.0
                for j, (nm, kd) in enumerate(zip(self.names, self.kinds))
            ]
        )
        self.X = self.build()
        self.y = None

    @property
    def X(self) -> np.ndarray:
        """The design matrix (constant first); kept on `exact.grid`, so every step starts from the same
        numbers on any machine."""
        return self._X

    @X.setter
    def X(self, value) -> None:
        self._X = grid(value)

    def column(self, j):
        """Covariate j's values (0-based, without the constant) from the current parameters."""
        return self._finish(j, self._shape(j))

    def _shape(self, j):
        """What column j's values take from the household draws, spread, rho and loadings, but
        not from its level: a bisection on the level (or on `t`) computes it once."""
        kd, nm = self.kinds[j], self.names[j]
        if nm in self.fixed:
            return np.asarray(self.fixed[nm], float)
        s = self.spread[j]
        rho, c = self.rho * self.sign[j], np.sqrt(1 - self.rho**2)
        if j in self.mix:
            w = self.mix[j]
            return s * (np.sqrt(max(1 - w @ w, 0.01)) * self.z[:, j] + self._zfix() @ w)
        if kd == "flag":
            return np.argsort(c * self.zu[:, j] - rho * self.f, kind="stable")
        if kd != "count":
            return s * (c * self.z[:, j] + rho * self.f)
        g = np.exp(0.7 * (c * self.z[:, j] + rho * self.f))
        g = (g - np.exp(0.245)) / np.sqrt((np.exp(0.49) - 1) * np.exp(0.49))
        share = OWNER_SHARE[self.region].get(nm)
        own = None
        if share is not None:  # Table 6's owners: exactly this share of households own the species
            own = np.zeros(self.n, bool)
            own[np.argsort(-g, kind="stable")[: int(round(share * self.n))]] = True
        return s * g, own

    def _finish(self, j, shape):
        """Column j from its `_shape` and its current level."""
        kd, nm = self.kinds[j], self.names[j]
        if nm in self.fixed:
            return shape
        a, s = self.level[j] + self.t * self.dir[j], self.spread[j]
        if kd == "prop":
            a = float(np.clip(a, 0.08, 0.92))
        elif kd == "count":
            a = max(a, 0.3 * s)
        elif kd == "ordinal":
            a = float(np.clip(a, 0.3, 2.5))
        if j in self.mix:
            return np.clip(a + shape, 0.0, 1.0)
        if kd == "flag":
            x = np.zeros(self.n)
            x[shape[: int(round(_expit(a) * self.n))]] = 1
            return x
        if kd == "count":
            sg, own = shape
            x = np.maximum(0, np.round(a + sg))
            return x if own is None else np.where(own, np.maximum(x, 1), 0)
        t = a + shape
        if kd == "ordinal":
            return np.clip(np.round(t), 0, 3)
        if kd == "age":
            return np.clip(np.round(t), 18, 90) ** 2
        if kd == "prop":
            return np.clip(t, 0.0, 1.0)
        if kd == "logland":
            return t
        raise ValueError(kd)

    def _zfix(self):
        cols = [np.asarray(self.fixed[nm], float) for nm in self.names if nm in self.fixed]
        return np.column_stack([(c - c.mean()) / max(c.std(), 1e-12) for c in cols])

    def calibrate_mix(self, name: str, flag: str | None = None) -> Design:
        """Calibrate a free proportion's loadings on the fixed columns and its spread (and a free flag's prevalence).

        Every expected SE but the age term's becomes the published one; its level keeps the
        expected number of outcome-1 households n1. Only these columns are rebuilt. Fixed columns come
        with the spreads other models gave them, which can leave their SEs (and the constant's) below
        the published ones; a free covariate that moves with them shares their information and
        raises their SEs, as correlated household characteristics do.

        Parameters
        ----------
        name : str
            The free proportion.
        flag : str, optional
            A free flag calibrated with it.

        Returns
        -------
        Design
            Itself, calibrated.
        """
        from scipy.optimize import least_squares

        j = self.names.index(name)
        if j in self.mix:  # again: keep each household's own part of the column (the refine aligned it
            A = np.column_stack([np.ones(self.n), self._zfix()])  # with the outcome), renew the rest
            u = self.X[:, j + 1] - A @ np.linalg.lstsq(A, self.X[:, j + 1], rcond=None)[0]
            self.z[:, j] = u / max(u.std(), 1e-12)
        for k, nm in enumerate(self.names):  # the fixed columns as they now are
            if nm in self.fixed:
                self.fixed[nm] = self.X[:, k + 1].copy()
        jf = self.names.index(flag) if flag else None
        n_fix = sum(nm in self.fixed for nm in self.names)
        use = [0] + [k + 1 for k, kd in enumerate(self.kinds) if kd != "age"]

        def lever():
            lo, hi = -3.0, 3.0
            shape = self._shape(j)  # the bisection moves only the level
            for _ in range(40):
                self.level[j] = 0.5 * (lo + hi)
                self.X[:, j + 1] = self._finish(j, shape)
                if _expit(self.X @ self.beta).sum() > self.n1:  # B < 0: a higher level, fewer 1s
                    lo = self.level[j] if self.beta[j + 1] < 0 else lo
                    hi = self.level[j] if self.beta[j + 1] >= 0 else hi
                else:
                    hi = self.level[j] if self.beta[j + 1] < 0 else hi
                    lo = self.level[j] if self.beta[j + 1] >= 0 else lo

        def resid(p):
            self.mix[j] = 0.9 * np.tanh(p[:n_fix])
            self.spread[j] = np.exp(p[n_fix])
            if jf is not None:  # on the rarer side, as `calibrate` keeps flags (the SE alone cannot tell)
                self.level[jf] = min(p[n_fix + 1], 0.0)
                self.X[:, jf + 1] = self.column(jf)
            lever()
            return np.log(self.expected_se()[0][use] / self.se[use])

        w0 = self.mix.get(j, np.zeros(n_fix))
        p0 = np.r_[np.arctanh(np.clip(w0 / 0.9, -0.99, 0.99)), np.log(self.spread[j])]
        step = np.full(len(p0), 1e-3)
        if jf is not None:  # the flag's count moves in whole households: a step that moves a few
            p0, step = np.r_[p0, min(self.level[jf], -0.2)], np.r_[step, 0.05]
        resid(least_squares(resid, p0, diff_step=step).x)
        self.X = self.X  # the rebuilt columns onto the grid
        for k, kd in enumerate(self.kinds):  # printed 0.00: a small B of the chosen significance
            if kd == "age":
                self.beta[k + 1] = self.zage * self.expected_se()[0][k + 1]
        return self

    def build(self) -> np.ndarray:
        """The design matrix from the current parameters: the constant, then every covariate.

        Returns
        -------
        numpy.ndarray
            ``n`` rows, one column more than there are covariates.
        """
        return np.column_stack([np.ones(self.n)] + [self.column(j) for j in range(len(self.names))])

    def _balance_lever(self):
        """Shift the levels of the non-flag covariates (each toward the sign of its B, by a common
        multiple `t` of its initial spread) so that the expected number of outcome-1 households is n1."""
        lo, hi = -6.0, 6.0
        # `t` moves only the levels: the columns' shapes are computed once, the columns it does not
        # move (flags, fixed ones, a zero B) built once
        k = range(len(self.names))
        shapes = [self._shape(j) for j in k]
        still = {j: self._finish(j, shapes[j]) for j in k if self.names[j] in self.fixed or self.dir[j] == 0}
        ones = np.ones(self.n)
        for _ in range(40):
            self.t = 0.5 * (lo + hi)
            cols = [still[j] if j in still else self._finish(j, shapes[j]) for j in k]
            tot = _expit(np.column_stack([ones] + cols) @ self.beta).sum()
            if tot > self.n1:
                hi = self.t
            else:
                lo = self.t
        self.t = 0.5 * (lo + hi)
        self.X = self.build()

    def calibrate_fit(self, loglik: float | None, iters: int = 25, steps: int = 10) -> Design:
        """Calibrate; with `loglik`, also choose the factor correlation rho so the expected log L is it.

        Parameters
        ----------
        loglik : float or None
            The published log likelihood; ``None`` keeps rho.
        iters : int
            Iterations of each calibration.
        steps : int
            Bisection steps on rho.

        Returns
        -------
        Design
            Itself, calibrated.
        """
        if loglik is None:
            return self.calibrate(iters)
        lo, hi = 0.0, 0.9
        for _ in range(steps):
            self.rho = 0.5 * (lo + hi)
            self.calibrate(iters)
            if self.expected_loglik() < loglik:
                lo = self.rho
            else:
                hi = self.rho
        self.rho = 0.5 * (lo + hi)
        return self.calibrate(iters)

    def calibrate(self, iters: int = 60) -> Design:
        """Fixed-point calibration of levels and spreads to the published SEs (expected information).

        Parameters
        ----------
        iters : int
            Iterations.

        Returns
        -------
        Design
            Itself, calibrated.
        """
        for _ in range(iters):
            self._balance_lever()
            se, pi = self.expected_se()
            for j, (nm, kd) in enumerate(zip(self.names, self.kinds)):
                if nm in self.fixed:
                    continue
                x = self.X[:, j + 1]
                if kd == "age":  # printed 0.00: a small B of the chosen significance
                    self.beta[j + 1] = self.zage * se[j + 1]
                    continue
                r = np.clip(se[j + 1] / self.se_cal[j + 1], 0.5, 2.0)
                if kd == "flag" and nm in self.share1:
                    got = np.clip((x * pi).sum() / pi.sum(), 1e-3, 1 - 1e-3)
                    want = self.share1[nm]
                    self.level[j] += 0.8 * (np.log(want / (1 - want)) - np.log(got / (1 - got)))
                elif kd == "flag" and nm in self.share0:
                    got = np.clip((x * (1 - pi)).sum() / (1 - pi).sum(), 1e-3, 1 - 1e-3)
                    want = self.share0[nm]
                    self.level[j] += 0.8 * (np.log(want / (1 - want)) - np.log(got / (1 - got)))
                elif kd == "flag":
                    if nm in FLAG_BASE and nm not in self.free_flags:
                        continue
                    self.level[j] = np.clip(self.level[j] + 1.2 * np.log(r), np.log(5.0 / self.n), 0.0)
                else:
                    b0 = BASE_SPREAD(self, j)
                    self.spread[j] = np.clip(self.spread[j] * r**0.8, 0.25 * b0, 4 * b0)
            self.X = self.build()
        self._balance_lever()
        return self

    def assign_outcome(self, swaps: int = 400) -> Design:
        """Exactly n1 outcome-1 households, balanced so that X'(y - pi) is near 0.

        Parameters
        ----------
        swaps : int
            The largest number of pair swaps that balance the score.

        Returns
        -------
        Design
            Itself, with ``y`` set.
        """
        X = self.X
        pi = _expit(X @ self.beta)
        order = np.argsort(self.uy, kind="stable")
        cum = np.cumsum(pi[order]) * self.n1 / pi.sum()
        take = np.diff(np.floor(np.r_[0.0, cum] + 0.5)) > 0
        y = np.zeros(self.n)
        y[order[take]] = 1
        k = int(y.sum()) - self.n1  # fix the count if rounding left one over/under
        if k > 0:
            y[np.flatnonzero(y == 1)[np.argsort(pi[y == 1])[:k]]] = 0
        elif k < 0:
            y[np.flatnonzero(y == 0)[np.argsort(-pi[y == 0])[:-k]]] = 1
        w = pi * (1 - pi)
        Hi = np.linalg.pinv((X * w[:, None]).T @ X)
        Q = X @ Hi @ X.T
        dq = np.diag(Q)
        for _ in range(swaps):
            S = X.T @ (y - pi)
            g = X @ (Hi @ S)
            ones, zeros = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
            # swap i (1 -> 0) with k (0 -> 1): S' = S - x_i + x_k
            d = (
                2 * (g[zeros][None, :] - g[ones][:, None])
                + dq[zeros][None, :]
                + dq[ones][:, None]
                - 2 * Q[np.ix_(ones, zeros)]
            )
            a, b = np.unravel_index(np.argmin(d), d.shape)
            if d[a, b] >= -1e-12:
                break
            y[ones[a]], y[zeros[b]] = 0, 1
        # no flag may separate the outcome (the MLE would not exist): each flag needs households
        # with outcome 1 and 0 among those flagged
        for j, kd in enumerate(self.kinds):
            if kd != "flag":
                continue
            x = X[:, j + 1] == 1
            for want in (0.0, 1.0):
                if x.sum() >= 2 and not np.any(x & (y == want)):
                    src = np.flatnonzero(x & (y != want))
                    dst = np.flatnonzero(~x & (y == want))
                    if len(src) and len(dst):
                        i = src[np.argmin(pi[src])] if want == 0.0 else src[np.argmax(pi[src])]
                        k = dst[np.argmax(pi[dst])] if want == 0.0 else dst[np.argmin(pi[dst])]
                        y[i], y[k] = want, 1.0 - want
        self.y = y
        return self

    def best_rounding(self, streams: Iterable[np.random.Generator], best: tuple | None = None) -> tuple:
        """A balanced rounding of the outcome per random stream, each polished; the one that scores best.

        Parameters
        ----------
        streams : iterable of numpy.random.Generator
            One random stream per candidate rounding.
        best : tuple, optional
            ``(score, snapshot)`` to beat.

        Returns
        -------
        tuple
            ``(score, snapshot)`` of the best candidate (or `best`, if none beats it).
        """
        for rng in streams:
            self.uy = rng.random(self.n)
            self.assign_outcome()
            self.polish()
            sc = self.score()
            if best is None or sc > best[0]:
                best = (sc, self.snapshot())
        return best

    def snapshot(self) -> tuple[np.ndarray, ...]:
        """A copy of the state calibration changes (X, y, levels, spreads, coefficients).

        Returns
        -------
        tuple of numpy.ndarray
            For `restore`.
        """
        return (self.X.copy(), self.y.copy(), self.level.copy(), self.spread.copy(), self.beta.copy())

    def restore(self, snap: tuple[np.ndarray, ...]) -> None:
        """Put back a state saved by `snapshot`.

        Parameters
        ----------
        snap : tuple of numpy.ndarray
            What `snapshot` returned.
        """
        self.X, self.y, self.level, self.spread, self.beta = (a.copy() for a in snap)
