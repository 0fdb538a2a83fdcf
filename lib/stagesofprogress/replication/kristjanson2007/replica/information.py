"""Calibration, the expected information: what a design's data give at the published B.

`ExpectedInformation` is the part of `design.Design` that measures a design: the standard
errors the expected information implies, the expected log likelihood, the realised fit (Stata's
robust or SPSS's ordinary SEs), the robust Wald chi2, the scorecard's SE windows and the score
that ranks candidate designs. It reads the design's attributes (X, y, beta, se, kinds, ...).
"""

from __future__ import annotations

import numpy as np

from stagesofprogress.logistic import significance_stars

from .exact import sig
from .fit import _expit, fit_logit
from .windows import se_windows

__all__ = ["ExpectedInformation"]


class ExpectedInformation:
    """Measures of a design (mixed into `design.Design`)."""

    def expected_se(self) -> tuple[np.ndarray, np.ndarray]:
        """Standard errors from the expected information at the published coefficients, no fitting.

        Returns
        -------
        se : numpy.ndarray
            sqrt of the diagonal of (X'WX)^-1 with W = pi(1 - pi), constant first.
        pi : numpy.ndarray
            The probabilities logistic(X B*), one per household.
        """
        pi = _expit(self.X @ self.beta)
        H = (self.X * (pi * (1 - pi))[:, None]).T @ self.X
        return np.sqrt(np.clip(np.diag(np.linalg.pinv(H)), 0, None)), pi

    def expected_loglik(self) -> float:
        """The expected log likelihood at the published coefficients (each household's entropy term summed).

        Returns
        -------
        float
            A negative number.
        """
        pi = np.clip(_expit(self.X @ self.beta), 1e-12, 1 - 1e-12)
        return float(np.sum(pi * np.log(pi) + (1 - pi) * np.log(1 - pi)))

    def fit(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Fit the logit on the current design (`fit.fit_logit`, started at the published coefficients).

        Returns
        -------
        beta : numpy.ndarray
            The fitted coefficients.
        se : numpy.ndarray
            Robust (Stata) or model-based (SPSS) standard errors, as the design's model prints them.
        loglik : float
            The log likelihood.
        """
        b, rse, mse, ll = fit_logit(self.X, self.y, beta0=self.beta)
        return b, (rse if self.robust else mse), ll

    def robust_wald(self, b: np.ndarray) -> float:
        """The robust Wald chi2 of all slopes at coefficients `b` (Stata's, as Tables 4 and 5 print it).

        Parameters
        ----------
        b : numpy.ndarray
            Coefficients, the constant first.

        Returns
        -------
        float
            The chi2 statistic.
        """
        pi = _expit(self.X @ b)
        Hi = np.linalg.pinv((self.X * (pi * (1 - pi))[:, None]).T @ self.X)
        S = self.X * (self.y - pi)[:, None]
        V = Hi @ (S.T @ S) @ Hi * self.n / (self.n - 1)
        return float(b[1:] @ np.linalg.pinv(V[1:, 1:]) @ b[1:])

    def scorecard_windows(self, stars: list[str], judged: list[bool]) -> tuple[np.ndarray, np.ndarray]:
        """The SE windows that pass the scorecard (no margin; the age term, printed 0.00, is free).

        Parameters
        ----------
        stars : list of str
            The printed stars of each coefficient.
        judged : list of bool
            Whether each coefficient's stars are judged (they fit the printed B and SE).

        Returns
        -------
        lo, hi : numpy.ndarray
            The lower and upper bound of each coefficient's SE.
        """
        is_age = np.array([False] + [kd == "age" for kd in self.kinds])
        return se_windows(self.beta, self.se, stars, judged, margin=0, free=is_age)

    def score(self) -> float:
        """How many SEs land within 15 % of the published ones (B is exact after the polish), penalised for misses.

        B off by 0.005 or more, different stars and a Wald chi2 or fit statistic away from the paper's
        lower the score.

        Returns
        -------
        float
            Higher is better.
        """
        b, se, _ll = self.fit()
        ok = np.abs(b - self.beta) < 0.005
        r = se / self.se
        inside = (r > 0.85) & (r < 1.15)
        inside[[j + 1 for j, kd in enumerate(self.kinds) if kd == "age"]] = False  # printed 0.00: any SE prints
        sc = float(np.sum(inside)) - 100.0 * np.sum(~ok) - 0.01 * float(np.sum(np.abs(np.log(np.clip(r, 1e-6, None)))))
        # stars (two-sided normal p < 0.01 / 0.05 / 0.1) as the published B and SE give them
        from scipy.stats import norm

        def stars(z):
            return significance_stars(2 * norm.sf(np.abs(z))).str.len().to_numpy()

        sc -= float(np.sum(stars(b / np.maximum(se, 1e-12)) != stars(self.beta / self.se)))
        if self.wald is not None:
            sc -= 2 * max(0.0, abs(self.robust_wald(b) / self.wald - 1) - 0.05) / 0.1
        for shares, g in ((self.share1, 1.0), (self.share0, 0.0)):  # shares the text quotes
            for nm, want in shares.items():
                got = self.X[self.y == g, self.names.index(nm) + 1].mean()
                sc -= 3 * max(0.0, abs(got - want) - 0.004) / 0.01
        if self.fit_targets is not None:  # (log L, % correct of 1s, % correct of 0s) as printed
            ll_t, c1_t, c0_t = self.fit_targets
            ll0 = self.n1 * np.log(self.n1 / self.n) + self.n0 * np.log(self.n0 / self.n)
            pi = _expit(self.X @ b)
            c1 = 100 * np.mean(pi[self.y == 1] >= 0.5)
            c0 = 100 * np.mean(pi[self.y == 0] < 0.5)
            sc -= 4 * abs(_ll - ll_t) / abs(ll0) / 0.03
            if c1_t is not None:
                sc -= 2 * (abs(c1 - c1_t) + abs(c0 - c0_t)) / 3
        return sig(sc)  # compared with other candidates' scores
