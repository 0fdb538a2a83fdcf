"""The logit the calibration fits: a plain Newton maximum-likelihood fit on numpy arrays."""

from __future__ import annotations

import numpy as np


def _expit(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def fit_logit(
    X: np.ndarray, y: np.ndarray, beta0: np.ndarray | None = None, iters: int = 100, ridge: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Newton-Raphson logit (first column = constant), fitted on scaled columns.

    Parameters
    ----------
    X : numpy.ndarray
        The design matrix, the constant first.
    y : numpy.ndarray
        The 0/1 outcome.
    beta0 : numpy.ndarray, optional
        Starting coefficients; ``None`` starts from zeros.
    iters : int
        The largest number of Newton steps.
    ridge : float
        A ridge penalty on the coefficients (0 for maximum likelihood).

    Returns
    -------
    beta : numpy.ndarray
        The coefficients.
    robust_se : numpy.ndarray
        Stata's robust standard errors (with its n/(n-1) factor).
    model_se : numpy.ndarray
        The maximum-likelihood standard errors.
    loglik : float
        The log likelihood.
    """
    n, p = X.shape
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    sd[0] = 1.0
    X0, X = X, X / sd  # fit on scaled columns; transform back at the end
    b = np.zeros(p) if beta0 is None else beta0 * sd
    for _ in range(iters):
        pi = _expit(X @ b)
        g = X.T @ (y - pi) - ridge * b
        H = (X * (pi * (1 - pi))[:, None]).T @ X + ridge * np.eye(p)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        step = np.clip(step, -5, 5)
        b = b + step
        if np.max(np.abs(step)) < 1e-10:
            break
    b = b / sd
    X = X0
    pi = _expit(X @ b)
    H = (X * (pi * (1 - pi))[:, None]).T @ X
    try:
        Hi = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        Hi = np.linalg.pinv(H)
    S = X * (y - pi)[:, None]
    V = Hi @ (S.T @ S) @ Hi * n / (n - 1)
    ll = float(np.sum(y * np.log(np.clip(pi, 1e-300, 1)) + (1 - y) * np.log(np.clip(1 - pi, 1e-300, 1))))
    return b, np.sqrt(np.clip(np.diag(V), 0, None)), np.sqrt(np.clip(np.diag(Hi), 0, None)), ll
