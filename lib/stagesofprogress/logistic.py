"""Binary logit the way the paper's software computed it: Stata for Tables 4-5, SPSS for Table 7.

`logit()` cleans the estimation sample the way Stata's `logit` does (listwise deletion,
constant and collinear predictors dropped, a dummy that predicts the outcome perfectly dropped
together with the observations it predicts), fits by Newton's method with statsmodels and
returns a `LogitResult` holding both Stata's robust figures (`vce(robust)` = HC0 x n/(n-1))
and SPSS's model-based ones (Wald = (B/SE)^2, -2LL, Cox & Snell and Nagelkerke R^2).

`logit(..., cluster=c)` gives Stata's `vce(cluster c)` errors instead, and `margins()` Stata's
average marginal effects. Beside the robust Wald test, `lr_chi2` is the likelihood-ratio test
Stata prints under `vce(oim)` and SPSS as its omnibus test.

Problems that make a fit meaningless raise one typed error, `LogitError`, with a sentence
naming the cause; everything the function did on its own initiative is recorded in
`LogitResult.diagnostics` (a tidy frame; `notes` and `dropped` are the same as text), never in
a warning or traceback. `LogitResult.supported` says whether the data can support the model
(the rule: `logit_checks.support`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import chdtrc, ndtr, ndtri

from .logit_checks import (
    CONSTANT,
    MODEL_ROW,
    Diagnostics,
    LogitError,
    check_outcome_classes,
    check_size,
    clean_sample,
    events_message,
    separating_set,
    support,
)
from .logit_checks import check_columns as _check_columns
from .logit_checks import outcome_values as _outcome_values
from .logit_checks import predictor_matrix as _predictor_matrix

__all__ = ["FRAME_COLUMNS", "LinkTest", "LogitError", "significance_stars", "LogitResult", "logit"]


# The distribution functions the reports need, straight from scipy.special: they are what
# scipy.stats' norm.sf, norm.ppf and chi2.sf evaluate (the same numbers, bit for bit; tested),
# without importing scipy.stats (about half a second of CPU at every start of `sop`).
def _norm_sf(x):
    """Upper tail of the standard normal (as scipy.stats.norm.sf)."""
    return ndtr(-np.asarray(x, dtype=float))


def _norm_ppf(q):
    """Quantile of the standard normal (as scipy.stats.norm.ppf)."""
    return ndtri(q)


def _chi2_sf(x, df):
    """Upper tail of the chi-squared distribution on `df` degrees of freedom (as scipy.stats.chi2.sf,
    which is 1 below 0 where scipy.special.chdtrc gives NaN)."""
    return chdtrc(df, np.maximum(x, 0.0))


#: Columns of `LogitResult.to_frame()`.
FRAME_COLUMNS = ["term", "coef", "se", "odds_ratio", "z", "pvalue", "ci_low", "ci_high", "stars", "dropped"]

_MAXITER = 100
_SATURATED_XB = 30.0  # |x'b| beyond this means fitted probabilities of 0 or 1 to 13 digits


class LinkTest(NamedTuple):
    """Stata's `linktest`: refit the outcome on the linear prediction and its square.

    A significant `hatsq` suggests a misspecified link or omitted variables.
    """

    hat_coef: float
    hat_pvalue: float
    hatsq_coef: float
    hatsq_se: float
    hatsq_z: float
    hatsq_pvalue: float
    nobs: int


def significance_stars(p: pd.Series | np.ndarray | float) -> pd.Series | str:
    """The paper's significance marks: one star for p < 0.1, two for p < 0.05, three for p < 0.01.

    Parameters
    ----------
    p : float, numpy.ndarray or pandas.Series
        p-values.

    Returns
    -------
    str or pandas.Series
        ``""`` to ``"***"``: a string for a scalar (blank when not finite), else a Series named
        ``stars`` (with the index of `p` when it is a Series).
    """
    if np.isscalar(p):
        return "" if not np.isfinite(p) else "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    arr = np.asarray(p, dtype=float)
    out = np.select([arr < 0.01, arr < 0.05, arr < 0.1], ["***", "**", "*"], default="")
    index = p.index if isinstance(p, pd.Series) else None
    return pd.Series(out, index=index, dtype=object, name="stars")


@dataclass(frozen=True, eq=False)
class LogitResult:
    """One fitted logit. Per-term Series are indexed by `terms` (Constant first, then the
    predictors in the order given; a dropped predictor has NaN and an entry in `dropped`)."""

    outcome: str
    predictors: list[str]
    robust: bool
    coef: pd.Series
    se: pd.Series
    model_se: pd.Series
    nobs: int
    loglik: float
    loglik_null: float
    wald_chi2: float
    wald_df: int
    pct_correct: dict[int, float]
    dropped: dict[str, str]
    notes: list[str]
    converged: bool
    iterations: int
    _y: np.ndarray = field(repr=False)
    _X: np.ndarray = field(repr=False)
    _cov: np.ndarray = field(repr=False)
    _diagnostics: pd.DataFrame = field(repr=False, default_factory=lambda: Diagnostics().frame())
    supported: bool = True
    unsupported_reason: str = ""
    vce: str = "robust"
    n_clusters: int = 0
    cluster_name: str = ""

    # -- what happened to the model -----------------------------------------------------
    @property
    def diagnostics(self) -> pd.DataFrame:
        """Everything done to the sample and found in the fit, one row per event: `variable`
        (a predictor, or "(model)"), `kind` (see `logit_checks.KINDS`), `message` (Stata's
        words where Stata has words) and `value` (a count or ratio where the kind has one)."""
        return self._diagnostics.copy()

    # -- per-term figures ---------------------------------------------------------------
    @property
    def terms(self) -> list[str]:
        """Every term: ``Constant`` first, then the predictors in the order given."""
        return [CONSTANT, *self.predictors]

    @property
    def estimated(self) -> list[str]:
        """Terms actually in the fitted model (Constant and kept predictors)."""
        return [t for t in self.terms if t not in self.dropped]

    @property
    def odds_ratio(self) -> pd.Series:
        """exp(B) per term."""
        return np.exp(self.coef).rename("odds_ratio")

    @property
    def z(self) -> pd.Series:
        """B / SE per term (with the standard errors of `se`)."""
        return (self.coef / self.se).rename("z")

    @property
    def pvalue(self) -> pd.Series:
        """Two-sided normal p-value of `z` per term."""
        return pd.Series(2 * _norm_sf(np.abs(self.z.to_numpy())), index=self.coef.index, name="pvalue")

    @property
    def stars(self) -> pd.Series:
        """The paper's significance marks of `pvalue` (`significance_stars`)."""
        return significance_stars(self.pvalue)

    def conf_int_or(self, alpha: float = 0.05, which: str = "robust") -> pd.DataFrame:
        """Odds-ratio confidence interval, exp(B -/+ z * SE).

        Parameters
        ----------
        alpha : float
            One minus the confidence level (0.05 for 95 %).
        which : str
            ``robust`` uses the fit's covariance (robust or clustered when so fitted, as Stata);
            ``model`` uses the maximum-likelihood standard errors (as SPSS prints).

        Returns
        -------
        pandas.DataFrame
            Columns ``ci_low`` and ``ci_high``, one row per term in the order of `terms`; NaN for
            dropped predictors.
        """
        se = self.se if which == "robust" else self.model_se
        q = _norm_ppf(1 - alpha / 2)
        return pd.DataFrame({"ci_low": np.exp(self.coef - q * se), "ci_high": np.exp(self.coef + q * se)})

    @property
    def ci_low(self) -> pd.Series:
        """Lower end of the 95% odds-ratio interval (`conf_int_or`)."""
        return self.conf_int_or()["ci_low"]

    @property
    def ci_high(self) -> pd.Series:
        """Upper end of the 95% odds-ratio interval (`conf_int_or`)."""
        return self.conf_int_or()["ci_high"]

    # -- SPSS figures -------------------------------------------------------------------
    @property
    def wald(self) -> pd.Series:
        """SPSS's per-term Wald statistic, (B / model SE)^2 on 1 df."""
        return ((self.coef / self.model_se) ** 2).rename("wald")

    @property
    def wald_pvalue(self) -> pd.Series:
        """SPSS's `Sig.` column: chi-square(1) tail of `wald`."""
        return pd.Series(_chi2_sf(self.wald.to_numpy(), 1), index=self.coef.index, name="sig")

    @property
    def minus2ll(self) -> float:
        """-2 log likelihood, as SPSS prints it."""
        return -2.0 * self.loglik

    @property
    def cox_snell_r2(self) -> float:
        """Cox and Snell's pseudo R², as SPSS prints it."""
        return float(1.0 - np.exp(2.0 / self.nobs * (self.loglik_null - self.loglik)))

    @property
    def nagelkerke_r2(self) -> float:
        """Nagelkerke's pseudo R² (Cox and Snell's rescaled to a maximum of 1), as SPSS prints it."""
        return float(self.cox_snell_r2 / (1.0 - np.exp(2.0 * self.loglik_null / self.nobs)))

    # -- Stata figures ------------------------------------------------------------------
    @property
    def pseudo_r2(self) -> float:
        """McFadden's pseudo R^2, as Stata prints it."""
        return float(1.0 - self.loglik / self.loglik_null)

    @property
    def wald_p(self) -> float:
        """p-value of the model's Wald chi2 (`wald_chi2` on `wald_df` degrees of freedom)."""
        return float(_chi2_sf(self.wald_chi2, self.wald_df)) if self.wald_df > 0 else float("nan")

    @property
    def lr_chi2(self) -> float:
        """Likelihood-ratio chi2 against the intercept-only model on the same sample,
        2 (LL - LL0): Stata's `LR chi2` under `vce(oim)`, SPSS's omnibus test of the model."""
        return float(2.0 * (self.loglik - self.loglik_null)) if self.lr_df > 0 else float("nan")

    @property
    def lr_df(self) -> int:
        """Degrees of freedom of the likelihood-ratio test: the slopes estimated."""
        return len(self.estimated) - 1

    @property
    def lr_pvalue(self) -> float:
        """p-value of `lr_chi2` on `lr_df` degrees of freedom."""
        return float(_chi2_sf(self.lr_chi2, self.lr_df)) if self.lr_df > 0 else float("nan")

    def margins(self, discrete: bool = False) -> pd.DataFrame:
        """Average marginal effects with delta-method standard errors, as Stata's ``margins, dydx(*)``.

        Parameters
        ----------
        discrete : bool
            ``True`` takes the discrete change from 0 to 1 for 0/1 predictors, as Stata's
            ``margins, dydx(i.x)``; ``False`` the derivative for every predictor.

        Returns
        -------
        pandas.DataFrame
            One row per estimated slope, the columns of `margins.MARGINS_COLUMNS` (effects on the
            probability, as shares); see `margins.average_marginal_effects`.
        """
        from .margins import average_marginal_effects

        return average_marginal_effects(self, discrete=discrete)

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the estimated terms (robust when `robust=True`)."""
        return pd.DataFrame(self._cov, index=self.estimated, columns=self.estimated)

    def predict(self) -> np.ndarray:
        """Fitted probabilities for the estimation sample.

        Returns
        -------
        numpy.ndarray
            One probability (0-1) per observation used in the fit, in sample order.
        """
        b = self.coef[self.estimated].to_numpy()
        return _expit(self._X @ b)

    def classification(self, cutoff: float = 0.5) -> dict[int, float]:
        """Percent of each outcome class predicted correctly (Stata's ``estat classification`` rule).

        Parameters
        ----------
        cutoff : float
            A household is predicted to have outcome 1 when its fitted probability is at least this.

        Returns
        -------
        dict of int to float
            ``{0: percent, 1: percent}``, each 0-100 (NaN for a class with no observation).
        """
        return _pct_correct(self._y, self.predict(), cutoff)

    def linktest(self) -> LinkTest:
        """Stata's ``linktest``, refitting with the same covariance choice as this fit.

        Returns
        -------
        LinkTest
            Coefficients and p-values of the linear prediction and its square.

        Raises
        ------
        LogitError
            When the refit does not converge (the linear prediction separates the outcome).
        """
        xb = self._X @ self.coef[self.estimated].to_numpy()
        X = np.column_stack([np.ones_like(xb), xb, xb**2])
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = _fit(self._y, X, self.robust)
        if not (np.all(np.isfinite(res.bse)) and res.mle_retvals.get("converged", False)):
            raise LogitError("The link test's refit did not converge (the linear prediction separates the outcome).")
        p = 2 * _norm_sf(np.abs(res.params / res.bse))
        return LinkTest(
            hat_coef=float(res.params[1]),
            hat_pvalue=float(p[1]),
            hatsq_coef=float(res.params[2]),
            hatsq_se=float(res.bse[2]),
            hatsq_z=float(res.params[2] / res.bse[2]),
            hatsq_pvalue=float(p[2]),
            nobs=int(len(xb)),
        )

    # -- tidy views ---------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The coefficient table, one row per term (dropped predictors included, with NaN and the reason).

        Returns
        -------
        pandas.DataFrame
            The columns of `FRAME_COLUMNS`: term, log-odds coefficient, its standard error, odds ratio,
            z, two-sided p-value, 95 % odds-ratio interval, significance stars and ``dropped`` (empty
            text unless the predictor was dropped).
        """
        ci = self.conf_int_or()
        df = pd.DataFrame(
            {
                "term": self.terms,
                "coef": self.coef.to_numpy(),
                "se": self.se.to_numpy(),
                "odds_ratio": self.odds_ratio.to_numpy(),
                "z": self.z.to_numpy(),
                "pvalue": self.pvalue.to_numpy(),
                "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(),
                "stars": self.stars.to_numpy(),
                "dropped": [self.dropped.get(t, "") for t in self.terms],
            }
        )
        return df[FRAME_COLUMNS]

    def summary_stats(self) -> pd.DataFrame:
        """Fit statistics, one row each (Stata's first, then SPSS's).

        Returns
        -------
        pandas.DataFrame
            Columns ``statistic`` (a short key such as ``wald_chi2``), ``value`` (float) and
            ``meaning`` (a sentence); ``n_clusters`` is added after ``nobs`` for a clustered fit.
        """
        cov = {"cluster": f"clustered by {self.cluster_name}", "robust": "robust"}.get(self.vce, "model-based")
        rows = [
            ("nobs", self.nobs, "observations used in the fit"),
            ("wald_chi2", self.wald_chi2, f"Wald chi2 that all slopes are 0 ({cov} covariance)"),
            ("wald_df", self.wald_df, "degrees of freedom of the Wald test (slopes estimated)"),
            ("wald_p", self.wald_p, "Prob > chi2 of the Wald test"),
            ("lr_chi2", self.lr_chi2, "likelihood-ratio chi2 that all slopes are 0, 2(LL - LL0)"),
            ("lr_df", self.lr_df, "degrees of freedom of the likelihood-ratio test"),
            ("lr_p", self.lr_pvalue, "Prob > chi2 of the likelihood-ratio test"),
            ("loglik", self.loglik, "log (pseudo)likelihood of the fitted model"),
            ("loglik_null", self.loglik_null, "log likelihood of the intercept-only model"),
            ("pseudo_r2", self.pseudo_r2, "McFadden's pseudo R2, 1 - LL/LL0 (Stata)"),
            ("pct_correct_1", self.pct_correct[1], "% of outcome = 1 predicted correctly (p >= 0.5)"),
            ("pct_correct_0", self.pct_correct[0], "% of outcome = 0 predicted correctly (p < 0.5)"),
            ("minus2ll", self.minus2ll, "-2 log likelihood (SPSS)"),
            ("cox_snell_r2", self.cox_snell_r2, "Cox & Snell R2 (SPSS)"),
            ("nagelkerke_r2", self.nagelkerke_r2, "Nagelkerke R2 (SPSS)"),
        ]
        if self.vce == "cluster":
            rows.insert(1, ("n_clusters", self.n_clusters, f"clusters in {self.cluster_name}"))
        df = pd.DataFrame(rows, columns=["statistic", "value", "meaning"])
        df["value"] = df["value"].astype(float)
        return df

    def __repr__(self) -> str:  # short and stable: no memory addresses
        kind = {"cluster": f"{self.n_clusters} clusters", "robust": "robust"}.get(self.vce, "model-based")
        flag = "" if self.supported else ", UNSUPPORTED"
        return (
            f"<LogitResult {self.outcome} ~ {len(self.estimated) - 1} predictors, N={self.nobs}, "
            f"{kind} SE, log likelihood {self.loglik:.4f}, {len(self.dropped)} dropped{flag}>"
        )


# -- estimation ------------------------------------------------------------------------


def logit(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    robust: bool = True,
    cluster: str | Sequence | np.ndarray | None = None,
) -> LogitResult:
    """Fit `outcome` (0/1) on `predictors` plus a constant, as Stata's `logit y x, vce(robust)`.

    Parameters
    ----------
    data : DataFrame
        One row per observation.
    outcome, predictors : str, list of str
        Column names; the outcome is coded 0/1, predictors are numeric (bool allowed).
    robust : bool
        True: Stata's `vce(robust)` (HC0 x n/(n-1)); False: the model-based ML SEs
        (Stata's default `vce(oim)`, SPSS's only).
    cluster : str or array-like, optional
        Stata's `vce(cluster c)`: a column name of `data`, or one value per row of `data` in
        row order (a named Series gives its name to the reports).
        V = G/(G-1) H^-1 (sum_g s_g s_g') H^-1 with s_g the summed score of cluster g (no
        (N-1)/(N-K) term, as in Stata's maximum-likelihood commands). Rows with a missing
        cluster are left out like rows with a missing predictor. Implies robust errors.

    Returns
    -------
    LogitResult
        With `diagnostics` recording everything done to the sample and `supported` saying
        whether the data can support the model (rule in `logit_checks.support`).

    Raises
    ------
    LogitError
        When the model cannot be estimated (its `diagnostics` hold the record up to then).
    """
    predictors = _check_columns(data, outcome, predictors)
    diag = Diagnostics()
    y_raw = _outcome_values(data[outcome], outcome)
    X_raw = _predictor_matrix(data, predictors)
    codes, cluster_name = _cluster_codes(data, cluster)

    ok = _listwise(y_raw, X_raw, codes, [outcome, *predictors, cluster_name], diag)
    n_missing = int((~ok).sum())
    y, X = y_raw[ok], X_raw[ok]
    codes = codes[ok] if codes is not None else None
    check_outcome_classes(y, outcome, diag, after_drop=bool(n_missing))
    # before the separation checks, whose messages would hide this more basic problem;
    # constant columns are left out of the count because they are dropped anyway
    check_size(len(y), 1 + int((np.ptp(X, axis=0) > 0).sum()) if len(y) else X.shape[1] + 1, diag)

    rows, cols = clean_sample(y, X, predictors, outcome, diag)
    y, X = y[rows], X[np.ix_(rows, cols)]
    codes = codes[rows] if codes is not None else None
    kept = [p for p, c in zip(predictors, cols) if c]

    n, k = len(y), X.shape[1] + 1
    check_size(n, k, diag)
    Xc = np.column_stack([np.ones(n), X])
    res = _fit_checked(y, Xc, robust, kept, diag, codes)

    coef = pd.Series(np.nan, index=[CONSTANT, *predictors], name="coef")
    se = coef.copy().rename("se")
    model_se = coef.copy().rename("model_se")
    est = [CONSTANT, *kept]
    coef[est] = res.params
    se[est] = res.bse if (robust or codes is not None) else res.model_bse
    model_se[est] = res.model_bse
    wald_chi2, wald_df = _wald(res, k, diag, cluster_name)

    n_one = int(y.sum())
    msg, ratio = events_message(outcome, n_one, n - n_one, k)
    diag.add(MODEL_ROW, "events_per_parameter", msg, ratio)
    supported, reason = support(n, k, n_one, n - n_one, len(predictors), len(kept))
    if not supported:
        diag.add(MODEL_ROW, "unsupported", f"The data cannot support this model: {reason}.")

    p = _expit(Xc @ res.params)
    return LogitResult(
        outcome=outcome,
        predictors=list(predictors),
        robust=bool(robust or codes is not None),
        coef=coef,
        se=se,
        model_se=model_se,
        nobs=n,
        loglik=float(res.llf),
        loglik_null=float(res.llnull),
        wald_chi2=wald_chi2,
        wald_df=wald_df,
        pct_correct=_pct_correct(y, p, 0.5),
        dropped=diag.dropped,
        notes=diag.notes,
        converged=True,
        iterations=int(res.mle_retvals.get("iterations", 0)),
        _y=y,
        _X=Xc,
        _cov=res.cov,
        _diagnostics=diag.frame(),
        supported=supported,
        unsupported_reason=reason,
        vce="cluster" if codes is not None else "robust" if robust else "oim",
        n_clusters=res.n_clusters,
        cluster_name=cluster_name if codes is not None else "",
    )


def _listwise(
    y: np.ndarray, X: np.ndarray, codes: np.ndarray | None, names: list[str], diag: Diagnostics
) -> np.ndarray:
    """Rows with every value present (a missing cluster counts as missing, as in Stata);
    the rows left out are recorded for the model and for each column concerned."""
    parts = [y, X] + ([np.where(codes < 0, np.nan, 0.0)] if codes is not None else [])
    missing = np.isnan(np.column_stack(parts))
    ok = ~missing.any(axis=1)
    n_missing = int((~ok).sum())
    if n_missing:
        counts = missing.sum(0)
        cols = [c for c, m in zip(names, counts) if m]
        note = (
            f"{n_missing} of {len(ok)} rows were left out because of missing values "
            f"(listwise deletion; missing in: {', '.join(cols)})."
        )
        diag.add(MODEL_ROW, "listwise_deletion", note.rstrip("."), n_missing, note=note)
        for c, m in zip(names, counts):
            if m:
                diag.add(c, "listwise_deletion", f"{int(m)} of {len(ok)} rows have no value for {c}", int(m))
    return ok


def _cluster_codes(data: pd.DataFrame, cluster) -> tuple[np.ndarray | None, str]:
    """Integer cluster codes per row of `data` (-1 where missing) and the name to report."""
    if cluster is None:
        return None, ""
    if isinstance(cluster, str):
        if cluster not in data.columns:
            raise LogitError(f"Unknown cluster column {cluster!r}: not in the data.")
        values, name = data[cluster], cluster
    else:
        named = isinstance(cluster, pd.Series) and cluster.name is not None
        values, name = pd.Series(np.asarray(cluster, dtype=object)), str(cluster.name) if named else "cluster"
        if values.ndim != 1 or len(values) != len(data):
            raise LogitError(f"`cluster` must give one value per row of the data ({len(data)}), not {len(values)}.")
    codes, _ = pd.factorize(pd.Series(values).reset_index(drop=True))
    return np.asarray(codes), name


def _wald(res: _Fit, k: int, diag: Diagnostics, cluster_name: str) -> tuple[float, int]:
    """Wald chi2 that every slope is 0, with the fit's covariance (robust, clustered or OIM)."""
    if k <= 1:
        return float("nan"), 0
    R = np.eye(k)[1:]
    if res.n_clusters:
        diag.add(
            MODEL_ROW, "clusters", f"Std. err. adjusted for {res.n_clusters} clusters in {cluster_name}", res.n_clusters
        )
        rank = np.linalg.matrix_rank(res.cov[1:, 1:])
        if rank < k - 1:
            diag.add(
                MODEL_ROW,
                "few_clusters",
                f"Wald chi2 not reported: with {res.n_clusters} clusters the clustered covariance of the "
                f"{k - 1} slopes has rank {rank} only",
                res.n_clusters,
            )
            return float("nan"), k - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = res.wald_test(R, cov_p=res.cov if res.n_clusters else None, use_f=False, scalar=True)
    return float(np.squeeze(w.statistic)), k - 1


class _Fit(NamedTuple):
    params: np.ndarray
    bse: np.ndarray
    model_bse: np.ndarray
    llf: float
    llnull: float
    mle_retvals: dict
    wald_test: object
    cov: np.ndarray
    n_clusters: int


def _fit(y: np.ndarray, X: np.ndarray, robust: bool, clusters: np.ndarray | None = None) -> _Fit:
    """statsmodels Logit by Newton; robust covariance = HC0 x n/(n-1) (Stata's vce(robust)),
    clustered covariance = G/(G-1) H^-1 (sum_g s_g s_g') H^-1 (Stata's vce(cluster)).

    statsmodels' cov_type="HC1" silently gives HC0 for Logit, hence the explicit scaling factor;
    its cov_type="cluster" adds (N-1)/(N-K), hence the sandwich computed here.
    """
    from statsmodels.discrete.discrete_model import Logit  # not statsmodels.api: a second less to import

    n = len(y)
    model = Logit(y, X)
    res = model.fit(method="newton", maxiter=_MAXITER, disp=0)
    out, n_clusters = res, 0
    cov = np.asarray(res.cov_params())
    if clusters is not None:
        params = np.asarray(res.params, dtype=float)
        scores = (y - _expit(X @ params))[:, None] * X  # score contribution of each observation
        groups = np.unique(clusters, return_inverse=True)[1]
        n_clusters = int(groups.max()) + 1 if n else 0
        summed = np.zeros((n_clusters, X.shape[1]))
        np.add.at(summed, groups, scores)
        bread = cov  # inverse of the negative Hessian at the MLE
        factor = n_clusters / (n_clusters - 1) if n_clusters > 1 else np.nan
        cov = factor * bread @ (summed.T @ summed) @ bread
    elif robust:
        out = model.fit(
            start_params=res.params,
            method="newton",
            maxiter=_MAXITER,
            disp=0,
            cov_type="HC0",
            cov_kwds={"scaling_factor": n / (n - 1)},
        )
        cov = np.asarray(out.cov_params())
    return _Fit(
        params=np.asarray(out.params, dtype=float),
        bse=np.sqrt(np.diag(cov)) if clusters is not None else np.asarray(out.bse, dtype=float),
        model_bse=np.asarray(res.bse, dtype=float),
        llf=float(out.llf),
        llnull=float(out.llnull),
        mle_retvals={**res.mle_retvals},
        wald_test=out.wald_test,
        cov=cov,
        n_clusters=n_clusters,
    )


def _fit_checked(
    y: np.ndarray, X: np.ndarray, robust: bool, names: list[str], diag: Diagnostics, clusters: np.ndarray | None = None
) -> _Fit:
    """Fit with statsmodels' warnings captured; divergence becomes a LogitError naming the
    predictors involved, anything benign becomes a note and a diagnostic row."""
    from statsmodels.tools import sm_exceptions as smx

    if clusters is not None and np.unique(clusters).size < 2:
        raise diag.fail("few_clusters", "Clustered standard errors need at least 2 clusters in the estimation sample.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            try:
                res = _fit(y, X, robust, clusters)
            except np.linalg.LinAlgError as e:
                raise diag.fail("near_singular", f"The logit could not be estimated: singular matrix ({e}).") from None
    kinds = {type(w.message) for w in caught}
    converged = bool(res.mle_retvals.get("converged", False))
    xb = X @ res.params
    saturated = bool(np.nanmax(np.abs(xb)) > _SATURATED_XB) if xb.size else False
    finite = np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse)) and np.all(np.isfinite(res.model_bse))
    separation_warned = smx.PerfectSeparationWarning in kinds

    if not converged or separation_warned or saturated or not finite:
        involved = separating_set(y, X, names)
        if involved:
            kind = "completely" if involved[1] else "quasi-completely"
            raise diag.fail(
                "separation",
                f"The outcome is {kind} separated by a combination of predictors "
                f"({', '.join(involved[0])}): some coefficients are infinite and the maximum "
                "likelihood estimate does not exist. Drop or merge some of these predictors.",
            )
        if not converged:
            raise diag.fail("not_converged", f"The logit did not converge in {_MAXITER} Newton iterations.")
        if not finite:
            raise diag.fail(
                "near_singular", "The logit's covariance matrix could not be computed (singular information matrix)."
            )
    determined = np.abs(xb) > -np.log(np.finfo(float).eps)  # fitted p is 0 or 1 in double precision
    if determined.any():
        fails = int((determined & (xb < 0) & (y == 0)).sum())
        succ = int((determined & (xb > 0) & (y == 1)).sum())
        words = f"{fails} failures and {succ} successes completely determined"
        diag.add(MODEL_ROW, "completely_determined", words, fails + succ, note=f"{words} (fitted probability 0 or 1).")
    if smx.HessianInversionWarning in kinds:
        note = "The information matrix was close to singular; standard errors may be unreliable."
        diag.add(MODEL_ROW, "near_singular", note.rstrip("."), note=note)
    if smx.ConvergenceWarning in kinds and converged:
        note = "The optimizer reported a convergence warning but met its tolerance."
        diag.add(MODEL_ROW, "convergence_warning", note.rstrip("."), note=note)
    return res


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _pct_correct(y: np.ndarray, p: np.ndarray, cutoff: float) -> dict[int, float]:
    pred = p >= cutoff
    out = {}
    for cls in (1, 0):
        m = y == cls
        out[cls] = float(100.0 * np.mean(pred[m] == bool(cls))) if m.any() else float("nan")
    return out
