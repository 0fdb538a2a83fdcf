"""The logit engine against Stata's published output and against hand-built messy data.

Reference values are Stata's own results for `statsmodels.datasets.spector`, stored in
statsmodels' test suite (installed with statsmodels, imported here rather than retyped):
- statsmodels/discrete/tests/results/results_glm_logit_constrained.py,
  `results_noconstraint_robust`: `glm grade gpa tuce psi, family(binomial) vce(robust)`,
  which for the logit link equals `logit grade gpa tuce psi, vce(robust)`;
- statsmodels/discrete/tests/results/results_discrete.py, `Spector.logit()`: plain
  `logit grade gpa tuce psi` (coefficients, model SEs, z, log likelihoods, fitted probabilities).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
import statsmodels.api as sm
from stagesofprogress.logistic import LogitError, LogitResult, logit
from stagesofprogress.logit_checks import DIAGNOSTIC_COLUMNS, KINDS
from statsmodels.discrete.tests.results.results_discrete import Spector
from statsmodels.discrete.tests.results.results_glm_logit_constrained import (
    results_noconstraint_robust,
)

PRED = ["GPA", "TUCE", "PSI"]
TERMS = ["Constant", *PRED]
# Stata orders terms gpa tuce psi _cons; ours put Constant first
STATA_ORDER = [3, 0, 1, 2]


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


@pytest.fixture(scope="module")
def fit(spector) -> LogitResult:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return logit(spector, "GRADE", PRED)


@pytest.fixture(scope="module")
def stata_robust():
    return results_noconstraint_robust


@pytest.fixture(scope="module")
def stata_plain():
    return Spector.logit


# -- against Stata --------------------------------------------------------------------


def test_coefficients_match_stata(fit, stata_plain):
    expected = np.asarray(stata_plain.params)[STATA_ORDER]
    assert list(fit.coef.index) == TERMS
    np.testing.assert_allclose(fit.coef.to_numpy(), expected, atol=5e-5)


def test_robust_se_z_p_match_stata_vce_robust(fit, stata_robust):
    table = stata_robust.params_table[STATA_ORDER]  # columns: b se z pvalue ll ul ...
    np.testing.assert_allclose(fit.coef.to_numpy(), table[:, 0], atol=5e-5)
    np.testing.assert_allclose(fit.se.to_numpy(), table[:, 1], atol=5e-5)
    np.testing.assert_allclose(fit.z.to_numpy(), table[:, 2], atol=5e-5)
    np.testing.assert_allclose(fit.pvalue.to_numpy(), table[:, 3], atol=5e-5)
    # odds-ratio CI is the exponentiated coefficient CI Stata prints
    np.testing.assert_allclose(np.log(fit.ci_low.to_numpy()), table[:, 4], atol=5e-5)
    np.testing.assert_allclose(np.log(fit.ci_high.to_numpy()), table[:, 5], atol=5e-5)
    # to 4 decimals, as the toolchain notes quote them
    assert fit.se.round(4).tolist() == [5.2808, 1.2878, 0.1198, 0.9799]


def test_robust_cov_matches_stata(fit, stata_robust):
    expected = stata_robust.cov[np.ix_(STATA_ORDER, STATA_ORDER)]
    np.testing.assert_allclose(fit.cov.to_numpy(), expected, rtol=1e-5)


def test_fit_statistics_match_stata(fit, stata_robust, stata_plain):
    assert fit.nobs == 32
    assert fit.wald_df == 3
    assert round(fit.wald_chi2, 4) == round(stata_robust.chi2, 4) == 9.3605
    assert fit.wald_p == pytest.approx(stata_robust.p, abs=5e-6)
    assert fit.loglik == pytest.approx(stata_plain.llf, abs=5e-6)
    assert fit.loglik_null == pytest.approx(stata_plain.llnull, abs=5e-6)
    assert round(fit.pseudo_r2, 4) == round(stata_plain.prsquared, 4) == 0.3740


def test_model_based_se_match_stata_plain_logit(spector, fit, stata_plain):
    expected = np.asarray(stata_plain.bse)[STATA_ORDER]
    np.testing.assert_allclose(fit.model_se.to_numpy(), expected, atol=5e-5)
    plain = logit(spector, "GRADE", PRED, robust=False)
    np.testing.assert_allclose(plain.se.to_numpy(), expected, atol=5e-5)
    np.testing.assert_allclose(plain.z.to_numpy(), np.asarray(stata_plain.z)[STATA_ORDER], atol=5e-5)
    # the robust Wald chi2 differs from the model-based one: the covariance really is used
    assert abs(plain.wald_chi2 - fit.wald_chi2) > 0.5


def test_spss_wald_is_squared_model_z(fit, stata_plain):
    expected = np.asarray(stata_plain.z)[STATA_ORDER] ** 2
    np.testing.assert_allclose(fit.wald.to_numpy(), expected, rtol=1e-6)
    from scipy import stats

    np.testing.assert_allclose(fit.wald_pvalue.to_numpy(), stats.chi2.sf(expected, 1), rtol=1e-5)


def test_minus2ll_cox_snell_nagelkerke_by_hand(spector, fit, stata_plain):
    y = spector["GRADE"].to_numpy()
    n, ybar = len(y), y.mean()
    ll0 = n * (ybar * np.log(ybar) + (1 - ybar) * np.log(1 - ybar))  # intercept-only model
    ll1 = stata_plain.llf
    cox_snell = 1 - np.exp((2 / n) * (ll0 - ll1))
    nagelkerke = cox_snell / (1 - np.exp(2 * ll0 / n))
    assert fit.minus2ll == pytest.approx(-2 * ll1, abs=1e-5)
    assert fit.loglik_null == pytest.approx(ll0, abs=1e-9)
    assert fit.cox_snell_r2 == pytest.approx(cox_snell, abs=1e-6)
    assert fit.nagelkerke_r2 == pytest.approx(nagelkerke, abs=1e-6)
    assert round(fit.cox_snell_r2, 4) == 0.3821 and round(fit.nagelkerke_r2, 4) == 0.5278


def test_pct_correct_from_statas_fitted_probabilities(fit, stata_plain, spector):
    y = spector["GRADE"].to_numpy()
    pred = stata_plain.phat >= 0.5
    expected = {1: 100 * np.mean(pred[y == 1]), 0: 100 * np.mean(~pred[y == 0])}
    assert fit.pct_correct == pytest.approx(expected)
    assert fit.pct_correct == pytest.approx({1: 800 / 11, 0: 1800 / 21})  # 8 of 11, 18 of 21
    np.testing.assert_allclose(fit.predict(), stata_plain.phat, atol=1e-6)


def test_linktest_matches_manual_refit(spector, fit):
    X = sm.add_constant(spector[PRED], prepend=True).to_numpy()
    xb = X @ fit.coef.to_numpy()
    Z = np.column_stack([np.ones_like(xb), xb, xb**2])
    n = len(xb)
    ref = sm.Logit(spector["GRADE"].to_numpy(), Z).fit(disp=0, cov_type="HC0", cov_kwds={"scaling_factor": n / (n - 1)})
    lt = fit.linktest()
    assert lt.hatsq_coef == pytest.approx(ref.params[2], abs=1e-6)
    assert lt.hatsq_se == pytest.approx(ref.bse[2], abs=1e-6)
    assert lt.hatsq_pvalue == pytest.approx(ref.pvalues[2], abs=1e-6)
    assert lt.hat_coef == pytest.approx(ref.params[1], abs=1e-6)
    assert lt.nobs == 32
    assert lt.hatsq_pvalue > 0.1  # spector's model passes the link test


def test_tidy_frame_and_summary(fit):
    df = fit.to_frame()
    assert list(df.columns) == [
        "term",
        "coef",
        "se",
        "odds_ratio",
        "z",
        "pvalue",
        "ci_low",
        "ci_high",
        "stars",
        "dropped",
    ]
    assert df["term"].tolist() == TERMS
    assert df["stars"].tolist() == ["**", "**", "", "**"]
    np.testing.assert_allclose(df["odds_ratio"], np.exp(df["coef"]))
    stats_frame = fit.summary_stats()
    assert stats_frame.columns.tolist() == ["statistic", "value", "meaning"]
    s = stats_frame.set_index("statistic")["value"]
    assert s["nobs"] == 32 and s["wald_df"] == 3
    assert s["pseudo_r2"] == pytest.approx(fit.pseudo_r2)
    assert "N=32" in repr(fit)


def test_stars_thresholds():
    p = pd.Series([0.001, 0.0099, 0.01, 0.049, 0.05, 0.0999, 0.1, 0.5, np.nan])
    assert sop.significance_stars(p).tolist() == ["***", "***", "**", "**", "*", "*", "", "", ""]


def test_deterministic(spector, fit):
    again = logit(spector, "GRADE", PRED)
    pd.testing.assert_frame_equal(again.to_frame(), fit.to_frame())
    assert again.wald_chi2 == fit.wald_chi2


def test_exported_at_package_level():
    assert sop.logit is logit and sop.LogitError is LogitError and sop.LogitResult is LogitResult


# -- messy data ------------------------------------------------------------------------


def _quiet(*args, **kwargs) -> LogitResult:
    """Fit with every warning turned into an error: messy data must not leak warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return logit(*args, **kwargs)


def test_constant_predictor_is_dropped_with_reason(spector, fit):
    d = spector.assign(private_job=0.0)
    r = _quiet(d, "GRADE", ["GPA", "private_job", "TUCE", "PSI"])
    assert r.dropped == {"private_job": "constant in the estimation sample (always 0)"}
    assert np.isnan(r.coef["private_job"]) and r.stars["private_job"] == ""
    np.testing.assert_allclose(r.coef[TERMS].to_numpy(), fit.coef.to_numpy(), atol=1e-8)
    assert r.wald_df == 3
    row = r.to_frame().set_index("term").loc["private_job"]
    assert np.isnan(row["se"]) and row["dropped"].startswith("constant")


def test_collinear_predictor_later_one_dropped(spector, fit):
    d = spector.assign(combo=2 * spector["GPA"] - spector["PSI"] + 1)
    r = _quiet(d, "GRADE", ["GPA", "TUCE", "PSI", "combo"])
    assert list(r.dropped) == ["combo"] and "collinear" in r.dropped["combo"]
    np.testing.assert_allclose(r.coef[TERMS].to_numpy(), fit.coef.to_numpy(), atol=1e-8)
    # order decides which one goes: put combo first and PSI becomes the redundant one
    r2 = _quiet(d, "GRADE", ["combo", "GPA", "TUCE", "PSI"])
    assert list(r2.dropped) == ["PSI"]
    assert r2.loglik == pytest.approx(fit.loglik, abs=1e-8)


def test_duplicate_column_is_collinear(spector):
    d = spector.assign(GPA2=spector["GPA"])
    r = _quiet(d, "GRADE", ["GPA", "GPA2", "PSI"])
    assert list(r.dropped) == ["GPA2"]


def test_binary_perfect_predictor_dropped_with_obs_count_like_stata(spector):
    d = spector.copy()
    d["flag"] = 0
    idx = d.index[d["GRADE"] == 0][:4]
    d.loc[idx, "flag"] = 1  # flag == 1 only where GRADE == 0: "flag != 0 predicts failure perfectly"
    r = _quiet(d, "GRADE", ["GPA", "TUCE", "PSI", "flag"])
    assert r.nobs == 28
    assert r.dropped == {"flag": "flag != 0 predicts failure perfectly"}
    assert "flag != 0 predicts failure perfectly; flag dropped and 4 obs not used." in r.notes
    ref = _quiet(d.drop(index=idx), "GRADE", PRED)
    np.testing.assert_allclose(r.coef[TERMS].to_numpy(), ref.coef.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(r.se[TERMS].to_numpy(), ref.se.to_numpy(), atol=1e-8)


def test_binary_zero_value_predicts_success(spector):
    d = spector.copy()
    d["flag"] = 1
    idx = d.index[d["GRADE"] == 1][:3]
    d.loc[idx, "flag"] = 0  # flag == 0 only where GRADE == 1
    r = _quiet(d, "GRADE", ["GPA", "flag"])
    assert r.nobs == 29
    assert "flag == 0 predicts success perfectly; flag dropped and 3 obs not used." in r.notes


def test_continuous_complete_separation_is_an_error_naming_it(spector):
    d = spector.assign(score=spector["GRADE"] * 10 + np.arange(32) / 100)
    threshold = d.loc[d["GRADE"] == 0, "score"].max()
    message = f"'score' separates the outcome completely ('GRADE' = 1 exactly when score > {threshold:g})"
    with pytest.raises(LogitError, match=re.escape(message)):
        _quiet(d, "GRADE", ["GPA", "score"])


def test_continuous_quasi_separation_drops_like_stata():
    # x < 3 -> 0, x > 3 -> 1, mixed at x == 3: Stata keeps only the x == 3 subsample
    x = np.array([1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 5, 5], dtype=float)
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1])
    z = np.array([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], dtype=float)
    r = _quiet(pd.DataFrame({"y": y, "x": x, "z": z}), "y", ["x", "z"])
    assert r.nobs == 6 and "x" in r.dropped
    assert any("x dropped and 6 obs not used" in n for n in r.notes)


def _separable(n=60, seed=1):
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(size=(3, n))
    return a, b, c


def test_complete_separation_by_combination_is_a_clear_error():
    a, b, c = _separable()
    d = pd.DataFrame({"y": (a + b > 0).astype(int), "a": a, "b": b, "c": c})
    with pytest.raises(LogitError, match=r"completely separated by a combination of predictors \(a, b\)"):
        _quiet(d, "y", ["c", "a", "b"])


def test_quasi_complete_separation_by_combination_is_a_clear_error():
    a, b, c = _separable()
    y = (a + b > 0).astype(int)
    a[:10], b[:10], y[:10] = 0, 0, np.arange(10) % 2
    d = pd.DataFrame({"y": y, "a": a, "b": b, "c": c})
    with pytest.raises(LogitError, match=r"quasi-completely separated .*\(a, b\)"):
        _quiet(d, "y", ["c", "a", "b"])


def test_missing_values_listwise_deletion(spector, fit):
    d = spector.copy()
    d.loc[d.index[[1, 5]], "GPA"] = np.nan
    d.loc[d.index[7], "GRADE"] = np.nan
    d.loc[d.index[5], "PSI"] = np.nan  # same row as a GPA gap: counted once
    r = _quiet(d, "GRADE", PRED)
    assert r.nobs == 29
    assert r.notes[0].startswith("3 of 32 rows were left out because of missing values")
    assert "GRADE, GPA, PSI" in r.notes[0]
    ref = _quiet(d.dropna(), "GRADE", PRED)
    np.testing.assert_allclose(r.coef.to_numpy(), ref.coef.to_numpy(), atol=1e-10)


def test_nullable_and_bool_columns(spector, fit):
    d = spector.assign(GRADE=spector["GRADE"].astype("Int64"), PSI=spector["PSI"].astype(bool))
    r = _quiet(d, "GRADE", PRED)
    np.testing.assert_allclose(r.coef.to_numpy(), fit.coef.to_numpy(), atol=1e-10)


def test_pct_correct_hand_case():
    # one dummy: fitted p is the group mean. x=0: y 0,0,0,1 -> p=.25, predicts 0;
    # x=1: y 1,1,0 -> p=2/3, predicts 1. Ones: 2 of 3 right; zeros: 3 of 4 right.
    d = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1, 0], "x": [0, 0, 0, 0, 1, 1, 1]})
    r = _quiet(d, "y", ["x"])
    assert r.pct_correct == pytest.approx({1: 200 / 3, 0: 75.0})
    np.testing.assert_allclose(r.predict(), [0.25] * 4 + [2 / 3] * 3, atol=1e-8)
    assert r.classification(cutoff=0.7) == pytest.approx({1: 0.0, 0: 100.0})


@pytest.mark.parametrize(
    "frame, outcome, predictors, message",
    [
        (pd.DataFrame({"y": [1, 1, 1, 1], "x": [1, 2, 3, 4]}), "y", ["x"], r"'y' takes only the value 1"),
        (pd.DataFrame({"y": [0, 1, 2, 1], "x": [1, 2, 3, 4]}), "y", ["x"], r"'y' must be coded 0/1.*2"),
        (pd.DataFrame({"y": ["a", "b", "a", "b"], "x": [1, 2, 3, 4]}), "y", ["x"], r"outcome 'y' is not numeric"),
        (pd.DataFrame({"y": [0, 1, 0, 1], "x": ["a", "b", "c", "d"]}), "y", ["x"], r"predictor 'x' is not numeric"),
        (pd.DataFrame({"y": [0, 1, 0, 1], "x": [1, 2, 3, 4]}), "y", ["x", "nope"], r"Unknown column\(s\) 'nope'"),
        (pd.DataFrame({"y": [0, 1, 0, 1], "x": [1, 2, 3, 4]}), "y", ["y"], r"also listed as a predictor"),
        (pd.DataFrame({"y": [0, 1, 0, 1], "x": [1, 2, 3, 4]}), "y", ["x", "x"], r"more than once"),
        (
            pd.DataFrame({"y": [0, 1, 1], "a": [1.0, 3.0, 2.0], "b": [2.0, 1.0, 5.0]}),
            "y",
            ["a", "b"],
            r"Only 3 usable observations for 3 parameters",
        ),
        (
            pd.DataFrame({"y": [0, 1, np.nan, np.nan], "x": [1, np.nan, 3, 4]}),
            "y",
            ["x"],
            r"only the value 0 after listwise",
        ),
        (pd.DataFrame({"y": [0, 1, 0, 1], "x": [1, np.inf, 3, 4]}), "y", ["x"], r"infinite"),
    ],
)
def test_fatal_problems_raise_logit_error(frame, outcome, predictors, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(LogitError, match=message):
            logit(frame, outcome, predictors)


def test_logit_error_is_a_value_error():
    assert issubclass(LogitError, ValueError)


def test_dummy_separation_leaving_one_class_is_an_error():
    d = pd.DataFrame({"y": [0, 0, 1, 1, 0, 1], "x": [0, 0, 1, 1, 0, 1], "z": [1, 2, 3, 4, 5, 6.0]})
    with pytest.raises(LogitError, match=r"x predicts perfectly are left out"):
        _quiet(d, "y", ["z", "x"])


def test_stata_manual_logitxmpl_covariate_pattern_separation():
    """Stata's manual ([R] logit, data logitxmpl): the pattern x1 == x2 == 0 always fails,
    so Stata iterates 16,000 times and stops with "convergence not achieved". We say why."""
    d = pd.DataFrame({"y": [0, 0, 0, 1, 0, 1], "x1": [0, 0, 1, 1, 0, 0], "x2": [0, 0, 0, 0, 1, 1]})
    with pytest.raises(LogitError, match=r"quasi-completely separated by a combination of predictors \(x1, x2\)"):
        _quiet(d, "y", ["x1", "x2"])


def test_great_predictor_is_fitted_with_a_note_not_an_error():
    """Overlapping but nearly separated data have a finite MLE: fit them, and report the
    observations whose fitted probability is 0 or 1 as Stata does ("completely determined")."""
    x = np.r_[np.linspace(-60, -1, 30), np.linspace(1, 60, 30), [0.5, -0.5]]
    y = np.r_[np.zeros(30), np.ones(30), [0, 1]].astype(int)
    r = _quiet(pd.DataFrame({"y": y, "x": x}), "y", ["x"])
    assert np.isfinite(r.coef["x"]) and r.coef["x"] > 0
    determined = np.abs(r.coef["Constant"] + r.coef["x"] * x) > -np.log(np.finfo(float).eps)
    expected = f"{int((determined & (y == 0)).sum())} failures and {int((determined & (y == 1)).sum())} successes"
    assert determined.sum() > 0
    assert any(n.startswith(expected) for n in r.notes)


def test_constant_columns_do_not_count_against_the_sample_size():
    d = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0], "x": [1.0, 2, 3, 4, 2.5, 3.5], "c1": 1.0, "c2": 0.0, "c3": 7.0})
    r = _quiet(d, "y", ["x", "c1", "c2", "c3"])
    assert r.nobs == 6 and sorted(r.dropped) == ["c1", "c2", "c3"]


# -- diagnostics as data ------------------------------------------------------------------


def _rows(r, kind):
    d = r.diagnostics
    return d[d["kind"] == kind]


def test_diagnostics_frame_columns_and_kinds(spector, fit):
    d = fit.diagnostics
    assert d.columns.tolist() == DIAGNOSTIC_COLUMNS == ["variable", "kind", "message", "value"]
    assert set(d["kind"]) <= set(KINDS)
    # spector: 11 successes, 21 failures, 4 parameters
    epp = _rows(fit, "events_per_parameter").iloc[0]
    assert epp["variable"] == "(model)" and epp["value"] == pytest.approx(11 / 4)
    assert epp["message"].startswith("11 observations with GRADE = 1 and 21 with GRADE = 0 for 4 parameters: 2.8")
    assert fit.supported and fit.unsupported_reason == ""
    assert fit.diagnostics is not fit.diagnostics  # a copy: the result stays immutable


def test_diagnostics_dropped_constant_and_collinear_in_statas_words(spector):
    d = spector.assign(private_job=0.0, combo=2 * spector["GPA"] - spector["PSI"] + 1)
    r = _quiet(d, "GRADE", ["GPA", "private_job", "TUCE", "PSI", "combo"])
    const = _rows(r, "dropped_constant")
    assert const[["variable", "message"]].values.tolist() == [
        ["private_job", "private_job omitted because of collinearity (always 0)"]
    ]
    col = _rows(r, "dropped_collinear")
    assert col[["variable", "message"]].values.tolist() == [["combo", "combo omitted because of collinearity"]]
    assert r.supported  # three predictors remain
    assert r.dropped["private_job"].startswith("constant")  # the legacy record still works


def test_diagnostics_perfect_prediction_in_statas_words(spector):
    d = spector.copy()
    d["flag"] = 0
    d.loc[d.index[d["GRADE"] == 0][:4], "flag"] = 1
    r = _quiet(d, "GRADE", ["GPA", "TUCE", "PSI", "flag"])
    drop = _rows(r, "dropped_perfect_prediction").iloc[0]
    obs = _rows(r, "perfect_prediction_obs").iloc[0]
    assert (drop["variable"], drop["message"]) == ("flag", "flag != 0 predicts failure perfectly")
    assert (obs["variable"], obs["message"], obs["value"]) == ("flag", "flag dropped and 4 obs not used", 4)
    # the events are counted on the sample actually used (28 rows: 11 ones, 17 zeros)
    assert _rows(r, "events_per_parameter").iloc[0]["message"].startswith("11 observations with GRADE = 1 and 17")


def test_diagnostics_quasi_continuous_prediction():
    x = np.array([1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 5, 5], dtype=float)
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1])
    z = np.array([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], dtype=float)
    r = _quiet(pd.DataFrame({"y": y, "x": x, "z": z}), "y", ["x", "z"])
    drop = _rows(r, "dropped_perfect_prediction").iloc[0]
    assert drop["message"] == "outcome = x > 3 predicts data perfectly except for x == 3 subsample"
    assert _rows(r, "perfect_prediction_obs").iloc[0]["value"] == 6


def test_diagnostics_listwise_deletion_per_model_and_variable(spector):
    d = spector.copy()
    d.loc[d.index[[1, 5]], "GPA"] = np.nan
    d.loc[d.index[7], "GRADE"] = np.nan
    r = _quiet(d, "GRADE", PRED)
    rows = _rows(r, "listwise_deletion")
    assert rows["variable"].tolist() == ["(model)", "GRADE", "GPA"]
    assert rows["value"].tolist() == [3, 1, 2]
    assert rows.iloc[0]["message"] == r.notes[0].rstrip(".")


def test_every_predictor_dropped_is_unsupported():
    # every reason cited only by households that fell: each predicts the outcome perfectly
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0])
    a = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    b = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    r = _quiet(pd.DataFrame({"y": y, "a": a, "b": b}), "y", ["a", "b"])
    assert not r.supported and r.estimated == ["Constant"] and r.nobs == 8
    assert (
        r.unsupported_reason == "every one of the 2 predictors was dropped, leaving only the constant on 8 observations"
    )
    kinds = r.diagnostics["kind"].tolist()
    assert kinds.count("dropped_perfect_prediction") == 2 and kinds[-1] == "unsupported"
    assert "<LogitResult" in repr(r) and "UNSUPPORTED" in repr(r)


def test_fewer_events_than_parameters_is_unsupported():
    rng = np.random.default_rng(3)
    n = 40
    X = rng.normal(size=(n, 4))
    y = np.zeros(n, dtype=int)
    y[[0, 7, 19, 33]] = 1  # 4 events for 5 parameters
    X[[0, 7, 19, 33], 0] += 0.5
    d = pd.DataFrame(X, columns=list("abcd")).assign(y=y)
    r = _quiet(d, "y", list("abcd"))
    assert not r.supported
    assert r.unsupported_reason.startswith("only 4 observations have outcome = 1, fewer than the model's 5 parameters")
    assert _rows(r, "events_per_parameter").iloc[0]["value"] == pytest.approx(4 / 5)
    ok = _quiet(d, "y", ["a", "b"])  # 4 events for 3 parameters: supported (if thin)
    assert (
        ok.supported and "fewer than the 10 often recommended" in _rows(ok, "events_per_parameter").iloc[0]["message"]
    )


@pytest.mark.parametrize(
    "frame, predictors, kind",
    [
        (
            pd.DataFrame({"y": [0, 1, 1], "a": [1.0, 3.0, 2.0], "b": [2.0, 1.0, 5.0]}),
            ["a", "b"],
            "too_few_observations",
        ),
        (pd.DataFrame({"y": [1, 1, 1, 1], "x": [1, 2, 3, 4]}), ["x"], "outcome_constant"),
        (pd.DataFrame({"y": [0, 0, 1, 1, 0, 1], "x": [1, 2, 7, 8, 3, 9.0]}), ["x"], "separation"),
    ],
)
def test_fatal_data_problems_carry_their_diagnostics(frame, predictors, kind):
    with pytest.raises(LogitError) as info:
        _quiet(frame, "y", predictors)
    e = info.value
    assert e.kind == kind
    assert e.diagnostics.columns.tolist() == DIAGNOSTIC_COLUMNS
    assert e.diagnostics["kind"].iloc[-1] == "unsupported" and kind in e.diagnostics["kind"].tolist()


def test_continuous_separation_row_in_statas_words(spector):
    d = spector.assign(score=spector["GRADE"] * 10 + np.arange(32) / 100)
    threshold = d.loc[d["GRADE"] == 0, "score"].max()
    with pytest.raises(LogitError) as info:
        _quiet(d, "GRADE", ["GPA", "score"])
    sep = info.value.diagnostics.query("kind == 'separation'").iloc[0]
    assert (sep["variable"], sep["message"]) == ("score", f"outcome = score > {threshold:g} predicts data perfectly")


def test_combination_separation_diagnostics():
    a, b, c = _separable()
    d = pd.DataFrame({"y": (a + b > 0).astype(int), "a": a, "b": b, "c": c})
    with pytest.raises(LogitError) as info:
        _quiet(d, "y", ["c", "a", "b"])
    assert info.value.kind == "separation"
    assert "(a, b)" in info.value.diagnostics.query("kind == 'separation'").iloc[0]["message"]


def test_not_converged_and_completely_determined(monkeypatch, spector):
    import sys

    lg = sys.modules["stagesofprogress.logistic"]  # the module (sop.logit is the function)
    x = np.r_[np.linspace(-60, -1, 30), np.linspace(1, 60, 30), [0.5, -0.5]]
    y = np.r_[np.zeros(30), np.ones(30), [0, 1]].astype(int)
    r = _quiet(pd.DataFrame({"y": y, "x": x}), "y", ["x"])
    det = _rows(r, "completely_determined").iloc[0]
    assert det["message"].endswith("successes completely determined") and det["value"] > 0
    monkeypatch.setattr(lg, "_MAXITER", 1)
    with pytest.raises(LogitError) as info:
        logit(spector, "GRADE", PRED)
    assert info.value.kind == "not_converged"


def test_invalid_calls_have_kind_invalid():
    with pytest.raises(LogitError) as info:
        logit(pd.DataFrame({"y": [0, 1], "x": [1, 2]}), "y", ["nope"])
    assert info.value.kind == "invalid" and info.value.diagnostics["kind"].tolist() == ["invalid"]


# -- likelihood-ratio chi2 ----------------------------------------------------------------


def test_lr_chi2_matches_stata(fit, stata_plain):
    # Stata's `logit grade gpa tuce psi`: LR chi2(3) = 15.40, Prob > chi2 = 0.0015
    # (Stata's own log likelihoods agree with ours to 5e-6, its convergence tolerance)
    assert fit.lr_chi2 == pytest.approx(stata_plain.llr, abs=1e-5) and round(fit.lr_chi2, 2) == 15.40
    assert fit.lr_df == 3
    assert fit.lr_pvalue == pytest.approx(stata_plain.llr_pvalue, rel=1e-5) and round(fit.lr_pvalue, 4) == 0.0015
    s = fit.summary_stats().set_index("statistic")["value"]
    assert s["lr_chi2"] == fit.lr_chi2 and s["lr_df"] == 3 and s["lr_p"] == fit.lr_pvalue


def test_lr_chi2_matches_statsmodels_llr_after_a_drop(spector):
    d = spector.copy()
    d["flag"] = 0
    idx = d.index[d["GRADE"] == 0][:4]
    d.loc[idx, "flag"] = 1
    r = _quiet(d, "GRADE", ["GPA", "TUCE", "PSI", "flag"])
    kept = d.drop(index=idx)
    ref = sm.Logit(kept["GRADE"], sm.add_constant(kept[PRED])).fit(disp=0)
    assert r.lr_chi2 == pytest.approx(ref.llr, abs=1e-6) and r.lr_df == int(ref.df_model)
    assert r.lr_pvalue == pytest.approx(ref.llr_pvalue, rel=1e-6)
    # robust and model-based fits share the likelihood: the LR test does not depend on the VCE
    assert logit(kept, "GRADE", PRED, robust=False).lr_chi2 == pytest.approx(r.lr_chi2, abs=1e-9)


def test_lr_chi2_undefined_for_constant_only(spector):
    r = _quiet(spector.assign(k=1.0), "GRADE", ["k"])
    assert r.lr_df == 0 and np.isnan(r.lr_chi2) and np.isnan(r.lr_pvalue) and not r.supported


# -- cluster-robust errors ----------------------------------------------------------------


def _clustered_data(seed=7, n=300, g=25):
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, g, size=n)
    shock = rng.normal(size=g)[cl]
    x1 = rng.normal(size=n) + 0.5 * shock
    x2 = (rng.random(n) < 0.4).astype(float)
    xb = -0.3 + 0.8 * x1 - 0.6 * x2 + shock
    y = (rng.random(n) < 1 / (1 + np.exp(-xb))).astype(int)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "village": np.array([f"v{c:02d}" for c in cl])})


def _by_hand_cluster_cov(y, X, b, groups):
    """V = G/(G-1) H^-1 (sum_g s_g s_g') H^-1 from statsmodels' score_obs and hessian, summed
    cluster by cluster in a plain loop (independent of the vectorised code)."""
    model = sm.Logit(y, X)
    scores = model.score_obs(b)
    bread = np.linalg.inv(-model.hessian(b))
    labels = sorted(set(groups))
    meat = np.zeros((X.shape[1], X.shape[1]))
    for g in labels:
        s = scores[np.asarray(groups) == g].sum(axis=0)
        meat += np.outer(s, s)
    G = len(labels)
    return G / (G - 1) * bread @ meat @ bread, G


def test_cluster_cov_matches_hand_computation_and_statsmodels():
    d = _clustered_data()
    r = _quiet(d, "y", ["x1", "x2"], cluster="village")
    X = sm.add_constant(d[["x1", "x2"]]).to_numpy()
    b = r.coef.to_numpy()
    V, G = _by_hand_cluster_cov(d["y"].to_numpy(), X, b, d["village"].tolist())
    np.testing.assert_allclose(r.cov.to_numpy(), V, atol=1e-6, rtol=0)
    np.testing.assert_allclose(r.se.to_numpy(), np.sqrt(np.diag(V)), atol=1e-6, rtol=0)
    assert r.n_clusters == G == 25 and r.vce == "cluster" and r.cluster_name == "village" and r.robust
    # statsmodels' cluster VCE with its small-sample factor G/(G-1)(N-1)/(N-K) undone
    groups = pd.factorize(d["village"])[0]
    ref = sm.Logit(d["y"], X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups})
    n, k = X.shape
    np.testing.assert_allclose(r.cov.to_numpy(), np.asarray(ref.cov_params()) / ((n - 1) / (n - k)), atol=1e-6, rtol=0)
    # the Wald test uses the clustered covariance
    slopes = b[1:]
    assert r.wald_chi2 == pytest.approx(slopes @ np.linalg.solve(V[1:, 1:], slopes), abs=1e-6)
    assert r.coef.to_numpy() == pytest.approx(_quiet(d, "y", ["x1", "x2"]).coef.to_numpy(), abs=1e-10)
    clusters = _rows(r, "clusters").iloc[0]
    assert clusters["message"] == "Std. err. adjusted for 25 clusters in village" and clusters["value"] == 25
    s = r.summary_stats().set_index("statistic")["value"]
    assert s["n_clusters"] == 25


def test_cluster_given_as_array_or_named_series(spector):
    d = _clustered_data()
    by_name = _quiet(d, "y", ["x1", "x2"], cluster="village")
    by_array = _quiet(d.drop(columns="village"), "y", ["x1", "x2"], cluster=d["village"].to_numpy())
    by_series = _quiet(d.drop(columns="village"), "y", ["x1", "x2"], cluster=d["village"].rename("community"))
    np.testing.assert_allclose(by_array.se.to_numpy(), by_name.se.to_numpy(), atol=1e-12)
    assert by_array.cluster_name == "cluster" and by_series.cluster_name == "community"
    with pytest.raises(LogitError, match="one value per row"):
        logit(d, "y", ["x1"], cluster=[1, 2, 3])
    with pytest.raises(LogitError, match="Unknown cluster column 'nope'"):
        logit(d, "y", ["x1"], cluster="nope")


def test_cluster_missing_rows_are_left_out_like_stata():
    d = _clustered_data()
    d.loc[d.index[:5], "village"] = None
    r = _quiet(d, "y", ["x1", "x2"], cluster="village")
    assert r.nobs == len(d) - 5
    assert "missing in: village" in r.notes[0]
    ref = _quiet(d.iloc[5:], "y", ["x1", "x2"], cluster="village")
    np.testing.assert_allclose(r.se.to_numpy(), ref.se.to_numpy(), atol=1e-12)


def test_too_few_clusters():
    d = _clustered_data()
    d["two"] = np.where(d.index % 2 == 0, "a", "b")
    r = _quiet(d, "y", ["x1", "x2"], cluster="two")  # 2 clusters: rank 1 < 2 slopes
    assert r.n_clusters == 2 and np.isnan(r.wald_chi2) and r.wald_df == 2
    assert len(_rows(r, "few_clusters")) == 1
    with pytest.raises(LogitError) as info:
        logit(d.assign(one="a"), "y", ["x1"], cluster="one")
    assert info.value.kind == "few_clusters"


def test_the_distribution_tails_are_scipy_stats_bit_for_bit():
    """The p-values and interval quantiles come from scipy.special (scipy.stats is slow to import):
    the same numbers as scipy.stats gives, at the edges too."""
    from scipy import stats
    from stagesofprogress import logistic as lg

    x = np.array(
        [-np.inf, -40.0, -3.2, -1e-12, 0.0, 1e-300, 0.5, 1.959963984540054, 3.84, 7.0, 40.0, 1e4, np.inf, np.nan]
    )
    np.testing.assert_array_equal(lg._norm_sf(np.abs(x)), stats.norm.sf(np.abs(x)))
    q = np.array([0.0, 1e-10, 0.025, 0.5, 0.95, 0.975, 0.995, 1.0, np.nan])
    np.testing.assert_array_equal(lg._norm_ppf(q), stats.norm.ppf(q))
    assert lg._norm_ppf(1 - 0.05 / 2) == stats.norm.ppf(1 - 0.05 / 2)
    for df in (1, 2, 3, 7, 30):
        np.testing.assert_array_equal(lg._chi2_sf(x, df), stats.chi2.sf(x, df))
        assert lg._chi2_sf(5.0, df) == stats.chi2.sf(5.0, df)
