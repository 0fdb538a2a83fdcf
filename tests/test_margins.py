"""Average marginal effects (`LogitResult.margins`) against Stata and independent computations.

Stata's reference values for `statsmodels.datasets.spector` are those stored in statsmodels'
test suite (statsmodels/discrete/tests/results/results_discrete.py, `Spector.logit()`, "taken
from margins command"): `margins, dydx(*)` after `logit grade gpa tuce psi`
(`margeff_nodummy_dydx`, `_se`) and the same with psi declared a factor (`margeff_dummy_dydx`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from stagesofprogress.logistic import logit
from stagesofprogress.margins import MARGINS_COLUMNS
from statsmodels.discrete.tests.results.results_discrete import Spector

PRED = ["GPA", "TUCE", "PSI"]


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _ame_by_loop(X, b, discrete_cols=()):
    """AMEs computed observation by observation, the slow way (no shared code)."""
    n, k = X.shape
    out = []
    for j in range(1, k):
        total = 0.0
        for i in range(n):
            if j in discrete_cols:
                x1, x0 = X[i].copy(), X[i].copy()
                x1[j], x0[j] = 1.0, 0.0
                total += _expit(x1 @ b) - _expit(x0 @ b)
            else:
                p = _expit(X[i] @ b)
                total += b[j] * p * (1 - p)
        out.append(total / n)
    return np.array(out)


def _numerical_se(X, b, V, discrete_cols=(), h=1e-6):
    """Delta-method SEs with the Jacobian of the AMEs taken by central finite differences."""
    J = np.empty((X.shape[1] - 1, len(b)))
    for m in range(len(b)):
        e = np.zeros(len(b))
        e[m] = h
        J[:, m] = (_ame_by_loop(X, b + e, discrete_cols) - _ame_by_loop(X, b - e, discrete_cols)) / (2 * h)
    return np.sqrt(np.diag(J @ V @ J.T))


def test_margins_match_stata_dydx(spector):
    stata = Spector.logit
    r = logit(spector, "GRADE", PRED, robust=False)  # Stata's reference fit uses the OIM VCE
    m = r.margins()
    assert m.columns.tolist() == MARGINS_COLUMNS == ["term", "dydx", "se", "z", "pvalue", "ci_low", "ci_high"]
    assert m["term"].tolist() == PRED
    np.testing.assert_allclose(m["dydx"], stata.margeff_nodummy_dydx, atol=1e-6)
    np.testing.assert_allclose(m["se"], stata.margeff_nodummy_dydx_se, atol=1e-6)  # printed to 7 digits


def test_margins_match_stata_discrete_change_for_a_factor(spector):
    stata = Spector.logit
    m = logit(spector, "GRADE", PRED, robust=False).margins(discrete=True)
    np.testing.assert_allclose(m["dydx"], stata.margeff_dummy_dydx, atol=1e-6)
    np.testing.assert_allclose(m["se"], stata.margeff_dummy_dydx_se, atol=1e-6)
    assert m.attrs["discrete"] == ["PSI"]  # GPA and TUCE are not 0/1: derivatives as before


@pytest.mark.parametrize("vce", ["oim", "robust", "cluster"])
@pytest.mark.parametrize("discrete", [False, True])
def test_margins_equal_a_numerical_delta_method(spector, vce, discrete):
    d = spector.assign(cl=np.arange(32) % 8)
    kw = {"robust": vce != "oim", "cluster": "cl" if vce == "cluster" else None}
    r = logit(d, "GRADE", PRED, **kw)
    X = sm.add_constant(d[PRED]).to_numpy()
    b = r.coef.to_numpy()
    cols = (3,) if discrete else ()
    m = r.margins(discrete=discrete)
    np.testing.assert_allclose(m["dydx"], _ame_by_loop(X, b, cols), atol=1e-10)
    np.testing.assert_allclose(m["se"], _numerical_se(X, b, r.cov.to_numpy(), cols), atol=1e-6)
    q = 1.959963984540054
    np.testing.assert_allclose(m["z"], m["dydx"] / m["se"])
    np.testing.assert_allclose(m["ci_low"], m["dydx"] - q * m["se"], atol=1e-12)
    np.testing.assert_allclose(m["ci_high"], m["dydx"] + q * m["se"], atol=1e-12)


def test_hand_case_one_dummy_is_a_difference_of_shares():
    """y on one 0/1 x: the logit is saturated, so the fitted p are the two groups' shares,
    the discrete AME is p1 - p0 and its delta-method SE is sqrt(p1 q1 / n1 + p0 q0 / n0)
    under the OIM VCE (times sqrt(n/(n-1)) under Stata's robust VCE)."""
    x = np.array([0] * 10 + [1] * 8, dtype=float)
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0] + [1, 1, 1, 1, 1, 0, 0, 0], dtype=float)
    d = pd.DataFrame({"y": y, "x": x})
    p0, p1, n0, n1 = 3 / 10, 5 / 8, 10, 8
    se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    m = logit(d, "y", ["x"], robust=False).margins(discrete=True).iloc[0]
    assert m["dydx"] == pytest.approx(p1 - p0, abs=1e-9) and m["se"] == pytest.approx(se, abs=1e-7)
    mr = logit(d, "y", ["x"]).margins(discrete=True).iloc[0]
    assert mr["se"] == pytest.approx(se * np.sqrt(18 / 17), abs=1e-7)
    # the derivative version: b * mean p(1-p), with b = logit(p1) - logit(p0)
    b = np.log(p1 / (1 - p1)) - np.log(p0 / (1 - p0))
    fbar = (n0 * p0 * (1 - p0) + n1 * p1 * (1 - p1)) / (n0 + n1)
    assert logit(d, "y", ["x"]).margins().iloc[0]["dydx"] == pytest.approx(b * fbar, abs=1e-9)


def test_hand_case_two_variables_closed_form_jacobian():
    """Two predictors: AME_j = b_j mean(f) with f = p(1-p); its gradient is
    mean(f) e_j + b_j mean(f (1-2p) x), written out here term by term."""
    rng = np.random.default_rng(11)
    n = 80
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < _expit(0.2 + 0.9 * x1 - 0.5 * x2)).astype(int)
    r = logit(pd.DataFrame({"y": y, "x1": x1, "x2": x2}), "y", ["x1", "x2"])
    b0, b1, b2 = r.coef.to_numpy()
    p = _expit(b0 + b1 * x1 + b2 * x2)
    f, g = p * (1 - p), p * (1 - p) * (1 - 2 * p)
    J = np.array(
        [
            [b1 * g.mean(), f.mean() + b1 * (g * x1).mean(), b1 * (g * x2).mean()],
            [b2 * g.mean(), b2 * (g * x1).mean(), f.mean() + b2 * (g * x2).mean()],
        ]
    )
    V = r.cov.to_numpy()
    m = r.margins()
    np.testing.assert_allclose(m["dydx"], [b1 * f.mean(), b2 * f.mean()], atol=1e-12)
    np.testing.assert_allclose(m["se"], np.sqrt(np.diag(J @ V @ J.T)), atol=1e-10)


def test_dropped_predictor_keeps_a_nan_row(spector):
    m = logit(spector.assign(k=0.0), "GRADE", ["GPA", "k", "PSI"]).margins()
    assert m["term"].tolist() == ["GPA", "k", "PSI"]
    assert m.loc[1, ["dydx", "se"]].isna().all() and m.loc[[0, 2], "dydx"].notna().all()
