"""Average marginal effects of a fitted logit, as Stata's `margins` reports them.

For predictor j with coefficient b_j, the average marginal effect (AME) is the mean over the
estimation sample of dp_i/dx_ij = b_j p_i (1 - p_i) (Stata's `margins, dydx(*)` for a variable
not declared as a factor). With `discrete=True` a 0/1 predictor gets instead the mean
discrete change p_i(x_ij = 1) - p_i(x_ij = 0) (Stata's `margins, dydx(i.x)`). Standard errors
are the delta method's, sqrt(J V J'), with J the derivative of the AMEs with respect to the
coefficients and V the model's own covariance (robust, clustered or model-based, whichever
the fit used); z and p are normal, the 95% interval is dydx -/+ 1.96 se, as Stata prints them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri  # norm.sf(x) = ndtr(-x), norm.ppf = ndtri (scipy.stats is slow to import)

if TYPE_CHECKING:
    from .logistic import LogitResult

__all__ = ["MARGINS_COLUMNS", "ame_and_jacobian", "average_marginal_effects", "is_binary"]

#: Columns of `average_marginal_effects()`.
MARGINS_COLUMNS = ["term", "dydx", "se", "z", "pvalue", "ci_low", "ci_high"]


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def is_binary(column: np.ndarray) -> bool:
    """True when every value is 0 or 1 (the columns `discrete=True` treats as factors).

    Parameters
    ----------
    column : numpy.ndarray
        One column of a design matrix.

    Returns
    -------
    bool
        ``True`` when every value is 0.0 or 1.0.
    """
    return bool(np.isin(column, (0.0, 1.0)).all())


def ame_and_jacobian(X: np.ndarray, b: np.ndarray, discrete: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average marginal effects of a logit and their Jacobian with respect to the coefficients.

    The effects are of columns 1.. of `X` (column 0 is the constant) at coefficients `b`; the
    Jacobian has one row per effect and one column per coefficient (for delta-method errors).

    Parameters
    ----------
    X : numpy.ndarray
        The design matrix, ``n`` rows by ``k`` columns, the constant first.
    b : numpy.ndarray
        The ``k`` coefficients (log-odds).
    discrete : numpy.ndarray
        One boolean per slope (``k - 1``): ``True`` takes the discrete change from 0 to 1 for that
        column instead of the derivative.

    Returns
    -------
    ame : numpy.ndarray
        ``k - 1`` effects on the probability (a share, not a percent) per unit of each predictor.
    jacobian : numpy.ndarray
        ``k - 1`` by ``k`` matrix of derivatives of the effects with respect to `b`.
    """
    n, k = X.shape
    xb = X @ b
    p = _expit(xb)
    f = p * (1.0 - p)  # logistic density at x'b
    ame = np.empty(k - 1)
    jac = np.empty((k - 1, k))
    mean_f = f.mean()
    grad_f = X.T @ (f * (1.0 - 2.0 * p)) / n  # d mean(f) / d b
    for j in range(1, k):
        if discrete[j - 1]:
            xb1 = xb + b[j] * (1.0 - X[:, j])
            xb0 = xb - b[j] * X[:, j]
            p1, p0 = _expit(xb1), _expit(xb0)
            f1, f0 = p1 * (1.0 - p1), p0 * (1.0 - p0)
            ame[j - 1] = np.mean(p1 - p0)
            # d p1/d b = f1 * x(with x_j = 1); d p0/d b = f0 * x(with x_j = 0)
            g = X.T @ (f1 - f0) / n
            g[j] = np.mean(f1)  # column j is 1 in the first scenario and 0 in the second
            jac[j - 1] = g
        else:
            ame[j - 1] = b[j] * mean_f
            g = b[j] * grad_f
            g[j] += mean_f
            jac[j - 1] = g
    return ame, jac


def average_marginal_effects(result: LogitResult, discrete: bool = False, level: float = 0.95) -> pd.DataFrame:
    """Tidy AMEs of every predictor of `result`: `MARGINS_COLUMNS`, one row per predictor in
    the model's order; a dropped predictor keeps its row with NaN (Stata prints "(omitted)").

    Parameters
    ----------
    result : LogitResult
        A fitted model; its estimation sample and covariance are used.
    discrete : bool
        False: derivatives for every predictor (`margins, dydx(*)`). True: the discrete change
        from 0 to 1 for predictors whose estimation-sample values are all 0 or 1.
    level : float
        Confidence level of `ci_low`, `ci_high`.

    Returns
    -------
    pandas.DataFrame
        The columns of `MARGINS_COLUMNS`, one row per predictor.
    """
    X = result._X
    est = result.estimated
    b = result.coef[est].to_numpy(dtype=float)
    flags = np.array([discrete and is_binary(X[:, j]) for j in range(1, X.shape[1])], dtype=bool)
    ame, jac = ame_and_jacobian(X, b, flags)
    se = np.sqrt(np.einsum("ij,jk,ik->i", jac, result._cov, jac))
    z = ame / se
    q = ndtri(0.5 + level / 2)
    kept = pd.DataFrame(
        {
            "term": est[1:],
            "dydx": ame,
            "se": se,
            "z": z,
            "pvalue": 2 * ndtr(-np.abs(z)),
            "ci_low": ame - q * se,
            "ci_high": ame + q * se,
        }
    ).set_index("term")
    out = kept.reindex(result.predictors).rename_axis("term").reset_index()
    out.attrs["discrete"] = [t for t, d in zip(est[1:], flags) if d]
    return out[MARGINS_COLUMNS]
