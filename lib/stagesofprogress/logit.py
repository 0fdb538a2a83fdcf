"""Binary logit the way the paper's software computed it: Stata for Tables 4-5, SPSS for Table 7.

`logit()` cleans the estimation sample the way Stata's `logit` does (listwise deletion,
constant and collinear predictors dropped, a dummy that predicts the outcome perfectly dropped
together with the observations it predicts), fits by Newton's method with statsmodels and
returns a `LogitResult` holding both Stata's robust figures (`vce(robust)` = HC0 x n/(n-1))
and SPSS's model-based ones (Wald = (B/SE)^2, -2LL, Cox & Snell and Nagelkerke R^2).

Problems that make a fit meaningless raise one typed error, `LogitError`, with a sentence
naming the cause; everything the function did on its own initiative is listed in
`LogitResult.notes` and `LogitResult.dropped`, never in a warning or traceback.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

CONSTANT = "Constant"

#: Columns of `LogitResult.to_frame()`.
FRAME_COLUMNS = ["term", "coef", "se", "odds_ratio", "z", "pvalue", "ci_low", "ci_high", "stars", "dropped"]

_MAXITER = 100
_COLLINEAR_TOL = 1e-9  # residual norm of a unit-norm column after projecting on earlier ones
_SATURATED_XB = 30.0  # |x'b| beyond this means fitted probabilities of 0 or 1 to 13 digits


class LogitError(ValueError):
    """A logit that cannot be estimated from these data; the message says why."""


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
    """Significance marks used in the paper: * p<0.1, ** p<0.05, *** p<0.01."""
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

    # -- per-term figures ---------------------------------------------------------------
    @property
    def terms(self) -> list[str]:
        return [CONSTANT, *self.predictors]

    @property
    def estimated(self) -> list[str]:
        """Terms actually in the fitted model (Constant and kept predictors)."""
        return [t for t in self.terms if t not in self.dropped]

    @property
    def odds_ratio(self) -> pd.Series:
        return np.exp(self.coef).rename("odds_ratio")

    @property
    def z(self) -> pd.Series:
        return (self.coef / self.se).rename("z")

    @property
    def pvalue(self) -> pd.Series:
        return pd.Series(2 * stats.norm.sf(np.abs(self.z.to_numpy())), index=self.coef.index, name="pvalue")

    @property
    def stars(self) -> pd.Series:
        return significance_stars(self.pvalue)

    def conf_int_or(self, alpha: float = 0.05, which: str = "robust") -> pd.DataFrame:
        """Odds-ratio confidence interval, exp(B -/+ z * SE); `which="model"` uses the ML SE (SPSS)."""
        se = self.se if which == "robust" else self.model_se
        q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"ci_low": np.exp(self.coef - q * se), "ci_high": np.exp(self.coef + q * se)})

    @property
    def ci_low(self) -> pd.Series:
        return self.conf_int_or()["ci_low"]

    @property
    def ci_high(self) -> pd.Series:
        return self.conf_int_or()["ci_high"]

    # -- SPSS figures -------------------------------------------------------------------
    @property
    def wald(self) -> pd.Series:
        """SPSS's per-term Wald statistic, (B / model SE)^2 on 1 df."""
        return ((self.coef / self.model_se) ** 2).rename("wald")

    @property
    def wald_pvalue(self) -> pd.Series:
        """SPSS's `Sig.` column: chi-square(1) tail of `wald`."""
        return pd.Series(stats.chi2.sf(self.wald.to_numpy(), 1), index=self.coef.index, name="sig")

    @property
    def minus2ll(self) -> float:
        return -2.0 * self.loglik

    @property
    def cox_snell_r2(self) -> float:
        return float(1.0 - np.exp(2.0 / self.nobs * (self.loglik_null - self.loglik)))

    @property
    def nagelkerke_r2(self) -> float:
        return float(self.cox_snell_r2 / (1.0 - np.exp(2.0 * self.loglik_null / self.nobs)))

    # -- Stata figures ------------------------------------------------------------------
    @property
    def pseudo_r2(self) -> float:
        """McFadden's pseudo R^2, as Stata prints it."""
        return float(1.0 - self.loglik / self.loglik_null)

    @property
    def wald_p(self) -> float:
        return float(stats.chi2.sf(self.wald_chi2, self.wald_df)) if self.wald_df > 0 else float("nan")

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the estimated terms (robust when `robust=True`)."""
        return pd.DataFrame(self._cov, index=self.estimated, columns=self.estimated)

    def predict(self) -> np.ndarray:
        """Fitted probabilities for the estimation sample."""
        b = self.coef[self.estimated].to_numpy()
        return _expit(self._X @ b)

    def classification(self, cutoff: float = 0.5) -> dict[int, float]:
        """Percent of each outcome class predicted correctly, predicting 1 when p >= cutoff
        (Stata's `estat classification` rule)."""
        return _pct_correct(self._y, self.predict(), cutoff)

    def linktest(self) -> LinkTest:
        """Stata's `linktest`, refitting with the same covariance choice as this fit."""
        xb = self._X @ self.coef[self.estimated].to_numpy()
        X = np.column_stack([np.ones_like(xb), xb, xb**2])
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = _fit(self._y, X, self.robust)
        if not (np.all(np.isfinite(res.bse)) and res.mle_retvals.get("converged", False)):
            raise LogitError("The link test's refit did not converge (the linear prediction separates the outcome).")
        p = 2 * stats.norm.sf(np.abs(res.params / res.bse))
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
        """One row per term (dropped predictors included, with NaN and the reason)."""
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
        """Fit statistics, one row each (Stata's first, then SPSS's): statistic, value, meaning."""
        cov = "robust" if self.robust else "model-based"
        rows = [
            ("nobs", self.nobs, "observations used in the fit"),
            ("wald_chi2", self.wald_chi2, f"Wald chi2 that all slopes are 0 ({cov} covariance)"),
            ("wald_df", self.wald_df, "degrees of freedom of the Wald test (slopes estimated)"),
            ("wald_p", self.wald_p, "Prob > chi2 of the Wald test"),
            ("loglik", self.loglik, "log (pseudo)likelihood of the fitted model"),
            ("loglik_null", self.loglik_null, "log likelihood of the intercept-only model"),
            ("pseudo_r2", self.pseudo_r2, "McFadden's pseudo R2, 1 - LL/LL0 (Stata)"),
            ("pct_correct_1", self.pct_correct[1], "% of outcome = 1 predicted correctly (p >= 0.5)"),
            ("pct_correct_0", self.pct_correct[0], "% of outcome = 0 predicted correctly (p < 0.5)"),
            ("minus2ll", self.minus2ll, "-2 log likelihood (SPSS)"),
            ("cox_snell_r2", self.cox_snell_r2, "Cox & Snell R2 (SPSS)"),
            ("nagelkerke_r2", self.nagelkerke_r2, "Nagelkerke R2 (SPSS)"),
        ]
        df = pd.DataFrame(rows, columns=["statistic", "value", "meaning"])
        df["value"] = df["value"].astype(float)
        return df

    def __repr__(self) -> str:  # short and stable: no memory addresses
        kind = "robust" if self.robust else "model-based"
        return (
            f"<LogitResult {self.outcome} ~ {len(self.estimated) - 1} predictors, N={self.nobs}, "
            f"{kind} SE, log likelihood {self.loglik:.4f}, {len(self.dropped)} dropped>"
        )


# -- estimation ------------------------------------------------------------------------


def logit(data: pd.DataFrame, outcome: str, predictors: Sequence[str], robust: bool = True) -> LogitResult:
    """Fit `outcome` (0/1) on `predictors` plus a constant, as Stata's `logit y x, vce(robust)`.

    With `robust=False` the SEs are the model-based ML ones (Stata's default, SPSS's only).
    Raises `LogitError` when the model cannot be estimated; see the module docstring.
    """
    predictors = _check_columns(data, outcome, predictors)
    notes: list[str] = []
    dropped: dict[str, str] = {}

    y_raw = _outcome_values(data[outcome], outcome)
    X_raw = _predictor_matrix(data, predictors)

    # listwise deletion
    ok = ~(np.isnan(y_raw) | np.isnan(X_raw).any(axis=1))
    n_missing = int((~ok).sum())
    if n_missing:
        cols = [c for c, m in zip([outcome, *predictors], np.isnan(np.column_stack([y_raw, X_raw])).sum(0)) if m]
        notes.append(
            f"{n_missing} of {len(ok)} rows were left out because of missing values "
            f"(listwise deletion; missing in: {', '.join(cols)})."
        )
    y, X = y_raw[ok], X_raw[ok]
    _check_outcome_classes(y, outcome, after_drop=bool(n_missing))
    # before the separation checks, whose messages would hide this more basic problem;
    # constant columns are left out of the count because they are dropped anyway
    _check_size(len(y), 1 + int((np.ptp(X, axis=0) > 0).sum()) if len(y) else X.shape[1] + 1)

    keep = _clean_sample(y, X, predictors, outcome, dropped, notes)
    rows, cols = keep
    y, X = y[rows], X[np.ix_(rows, cols)]
    kept = [p for p, c in zip(predictors, cols) if c]

    n, k = len(y), X.shape[1] + 1
    _check_size(n, k)
    Xc = np.column_stack([np.ones(n), X])
    res, fit_notes = _fit_checked(y, Xc, robust, kept)
    notes.extend(fit_notes)

    coef = pd.Series(np.nan, index=[CONSTANT, *predictors], name="coef")
    se = coef.copy().rename("se")
    model_se = coef.copy().rename("model_se")
    est = [CONSTANT, *kept]
    coef[est] = res.params
    se[est] = res.bse if robust else res.model_bse
    model_se[est] = res.model_bse
    if k > 1:
        R = np.eye(k)[1:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = res.wald_test(R, use_f=False, scalar=True)
        wald_chi2, wald_df = float(np.squeeze(w.statistic)), k - 1
    else:
        wald_chi2, wald_df = float("nan"), 0

    p = _expit(Xc @ res.params)
    return LogitResult(
        outcome=outcome,
        predictors=list(predictors),
        robust=robust,
        coef=coef,
        se=se,
        model_se=model_se,
        nobs=n,
        loglik=float(res.llf),
        loglik_null=float(res.llnull),
        wald_chi2=wald_chi2,
        wald_df=wald_df,
        pct_correct=_pct_correct(y, p, 0.5),
        dropped=dropped,
        notes=notes,
        converged=True,
        iterations=int(res.mle_retvals.get("iterations", 0)),
        _y=y,
        _X=Xc,
        _cov=np.asarray(res.cov_params()),
    )


def _check_columns(data: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> list[str]:
    if not isinstance(data, pd.DataFrame):
        raise LogitError(f"`data` must be a pandas DataFrame, not {type(data).__name__}.")
    if isinstance(predictors, str):
        predictors = [predictors]
    predictors = list(predictors)
    missing = [c for c in [outcome, *predictors] if c not in data.columns]
    if missing:
        raise LogitError(f"Unknown column(s) {', '.join(map(repr, missing))}: not in the data.")
    dupes = sorted({p for p in predictors if predictors.count(p) > 1})
    if dupes:
        raise LogitError(f"Predictor(s) listed more than once: {', '.join(map(repr, dupes))}.")
    if outcome in predictors:
        raise LogitError(f"The outcome {outcome!r} is also listed as a predictor.")
    if CONSTANT in predictors:
        raise LogitError(f"A predictor may not be called {CONSTANT!r}: that name is reserved for the intercept.")
    return predictors


def _numeric(col: pd.Series, name: str, role: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=float, na_value=np.nan)
    raise LogitError(
        f"The {role} {name!r} is not numeric (dtype {col.dtype}); recode it as 0/1 or numbers first."
    )


def _outcome_values(col: pd.Series, name: str) -> np.ndarray:
    y = _numeric(col, name, "outcome")
    vals = np.unique(y[~np.isnan(y)])
    bad = vals[~np.isin(vals, [0.0, 1.0])]
    if bad.size:
        shown = ", ".join(f"{v:g}" for v in bad[:5])
        raise LogitError(f"The outcome {name!r} must be coded 0/1; it also takes the value(s) {shown}.")
    return y


def _predictor_matrix(data: pd.DataFrame, predictors: list[str]) -> np.ndarray:
    cols = [_numeric(data[p], p, "predictor") for p in predictors]
    X = np.column_stack(cols) if cols else np.empty((len(data), 0))
    inf = [p for p, c in zip(predictors, cols) if np.isinf(c).any()]
    if inf:
        raise LogitError(f"Predictor(s) {', '.join(map(repr, inf))} contain infinite values.")
    return X


def _check_size(n: int, k: int) -> None:
    if n <= k:
        raise LogitError(
            f"Only {n} usable observations for {k} parameters (constant and {k - 1} predictors); "
            "a logit needs more observations than parameters."
        )


def _check_outcome_classes(y: np.ndarray, outcome: str, after_drop: bool, why: str = "") -> None:
    if y.size == 0:
        raise LogitError(f"No observations left to fit {outcome!r}{why or ' after listwise deletion'}.")
    classes = np.unique(y)
    if classes.size < 2:
        where = why or (" after listwise deletion" if after_drop else "")
        raise LogitError(
            f"The outcome {outcome!r} takes only the value {classes[0]:g}{where}; a logit needs both 0 and 1."
        )


def _clean_sample(
    y: np.ndarray, X: np.ndarray, predictors: list[str], outcome: str, dropped: dict[str, str], notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Stata's pre-fit checks, repeated until nothing changes: constants, collinearity, then
    perfect prediction by a single predictor (dummies dropped with their observations;
    a continuous separator is an error). Returns row and column masks."""
    rows = np.ones(len(y), dtype=bool)
    cols = np.ones(X.shape[1], dtype=bool)
    while True:
        Xr, yr = X[rows], y[rows]
        # constants
        for j in np.flatnonzero(cols):
            v = Xr[:, j]
            if v.size and np.all(v == v[0]):
                cols[j] = False
                dropped[predictors[j]] = f"constant in the estimation sample (always {v[0]:g})"
        # collinearity, order preserved: a later column is dropped
        idx = np.flatnonzero(cols)
        for j in _collinear(Xr[:, idx]):
            cols[idx[j]] = False
            dropped[predictors[idx[j]]] = "collinear with the constant and earlier predictors"
        # perfect prediction, first offending predictor in order
        changed = False
        for j in np.flatnonzero(cols):
            hit = _perfect_prediction(Xr[:, j], yr)
            if hit is None:
                continue
            kind, value, mask = hit
            name = predictors[j]
            if kind == "continuous":
                raise LogitError(
                    f"The predictor {name!r} separates the outcome completely "
                    f"({outcome!r} = 1 exactly when {name} {value}); the logit coefficient is infinite. "
                    "Remove it or recode it."
                )
            if kind == "quasi-continuous":
                cond, c = value
                n_lost = int(mask.sum())
                dropped[name] = f"outcome = {name} {cond} {c:g} predicts data perfectly except for {name} == {c:g}"
                notes.append(
                    f"outcome = {name} {cond} {c:g} predicts data perfectly except for {name} == {c:g} subsample: "
                    f"{name} dropped and {n_lost} obs not used."
                )
            else:
                outcome_word = "success" if kind == "success" else "failure"
                n_lost = int(mask.sum())
                op = "!=" if value != 0 else "=="
                dropped[name] = f"{name} {op} 0 predicts {outcome_word} perfectly"
                notes.append(
                    f"{name} {op} 0 predicts {outcome_word} perfectly; {name} dropped and {n_lost} obs not used."
                )
            rows[np.flatnonzero(rows)[mask]] = False
            cols[j] = False
            _check_outcome_classes(
                y[rows], outcome, False, why=f" once the observations {name} predicts perfectly are left out"
            )
            changed = True
            break
        if not changed:
            return rows, cols


def _collinear(X: np.ndarray) -> list[int]:
    """Columns (positions) that are linear combinations of the constant and earlier columns."""
    if X.shape[1] == 0:
        return []
    A = np.column_stack([np.ones(len(X)), X])
    A = A / np.linalg.norm(A, axis=0)
    r = np.abs(np.diag(np.linalg.qr(A, mode="r")))
    # |R_jj| is column j's residual after projecting on ALL earlier columns; a collinear
    # earlier column adds nothing to their span, so one unpivoted pass is exact
    return [j - 1 for j in range(1, A.shape[1]) if r[j] < _COLLINEAR_TOL]


def _perfect_prediction(x: np.ndarray, y: np.ndarray):
    """Stata's single-variable perfect-prediction check.

    Dummies (two values, one of them 0): if every observation with x != 0 (or x == 0) has
    the same outcome, return ("success"|"failure", value, mask of those rows to leave out).
    Anything else: complete separation -> ("continuous", "> c" text, None); separation
    except at one value c -> ("quasi-continuous", (">"|"<", c), mask of rows with x != c)
    so that, as in Stata, x is dropped and only the x == c subsample is kept.
    """
    vals = np.unique(x)
    if vals.size == 2 and 0.0 in vals:
        for nonzero in (True, False):
            m = (x != 0) if nonzero else (x == 0)
            ym = y[m]
            if ym.size and np.all(ym == ym[0]):
                return ("success" if ym[0] == 1 else "failure", 1.0 if nonzero else 0.0, m)
        return None
    lo1, hi1 = x[y == 1].min(), x[y == 1].max()
    lo0, hi0 = x[y == 0].min(), x[y == 0].max()
    if hi0 < lo1:
        return ("continuous", f"> {hi0:g}", None)
    if hi1 < lo0:
        return ("continuous", f"< {lo0:g}", None)
    if hi0 == lo1:
        return ("quasi-continuous", (">", hi0), x != hi0)
    if hi1 == lo0:
        return ("quasi-continuous", ("<", lo0), x != lo0)
    return None


class _Fit(NamedTuple):
    params: np.ndarray
    bse: np.ndarray
    model_bse: np.ndarray
    llf: float
    llnull: float
    mle_retvals: dict
    wald_test: object
    cov_params: object


def _fit(y: np.ndarray, X: np.ndarray, robust: bool) -> _Fit:
    """statsmodels Logit by Newton; robust covariance = HC0 x n/(n-1) (Stata's vce(robust)).

    statsmodels' cov_type="HC1" silently gives HC0 for Logit, hence the explicit scaling factor.
    """
    import statsmodels.api as sm

    n = len(y)
    model = sm.Logit(y, X)
    res = model.fit(method="newton", maxiter=_MAXITER, disp=0)
    out = res
    if robust:
        out = model.fit(
            start_params=res.params,
            method="newton",
            maxiter=_MAXITER,
            disp=0,
            cov_type="HC0",
            cov_kwds={"scaling_factor": n / (n - 1)},
        )
    return _Fit(
        params=np.asarray(out.params, dtype=float),
        bse=np.asarray(out.bse, dtype=float),
        model_bse=np.asarray(res.bse, dtype=float),
        llf=float(out.llf),
        llnull=float(out.llnull),
        mle_retvals={**res.mle_retvals},
        wald_test=out.wald_test,
        cov_params=out.cov_params,
    )


def _fit_checked(y: np.ndarray, X: np.ndarray, robust: bool, names: list[str]) -> tuple[_Fit, list[str]]:
    """Fit with statsmodels' warnings captured; divergence becomes a LogitError naming the
    predictors involved, anything benign becomes a note."""
    from statsmodels.tools import sm_exceptions as smx

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            try:
                res = _fit(y, X, robust)
            except np.linalg.LinAlgError as e:
                raise LogitError(f"The logit could not be estimated: singular matrix ({e}).") from None
    kinds = {type(w.message) for w in caught}
    converged = bool(res.mle_retvals.get("converged", False))
    xb = X @ res.params
    saturated = bool(np.nanmax(np.abs(xb)) > _SATURATED_XB) if xb.size else False
    finite = np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse)) and np.all(np.isfinite(res.model_bse))
    separation_warned = smx.PerfectSeparationWarning in kinds

    if not converged or separation_warned or saturated or not finite:
        involved = _separating_set(y, X, names)
        if involved:
            kind = "completely" if involved[1] else "quasi-completely"
            raise LogitError(
                f"The outcome is {kind} separated by a combination of predictors "
                f"({', '.join(involved[0])}): some coefficients are infinite and the maximum "
                "likelihood estimate does not exist. Drop or merge some of these predictors."
            )
        if not converged:
            raise LogitError(f"The logit did not converge in {_MAXITER} Newton iterations.")
        if not finite:
            raise LogitError("The logit's covariance matrix could not be computed (singular information matrix).")
    determined = np.abs(xb) > -np.log(np.finfo(float).eps)  # fitted p is 0 or 1 in double precision
    if determined.any():
        fails = int((determined & (xb < 0) & (y == 0)).sum())
        succ = int((determined & (xb > 0) & (y == 1)).sum())
        notes.append(f"{fails} failures and {succ} successes completely determined (fitted probability 0 or 1).")
    if smx.HessianInversionWarning in kinds:
        notes.append("The information matrix was close to singular; standard errors may be unreliable.")
    if smx.ConvergenceWarning in kinds and converged:
        notes.append("The optimizer reported a convergence warning but met its tolerance.")
    return res, notes


def _separating_set(y: np.ndarray, X: np.ndarray, names: list[str]) -> tuple[list[str], bool] | None:
    """Linear program (Konis 2007): is there b != 0 with (2y-1) x'b >= 0 for every row?

    Returns (predictors with non-zero b, complete?) or None when the data overlap.
    """
    s = 2 * y - 1
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300)
    A = (X / scale) * s[:, None]  # rows: s_i x_i
    n, k = A.shape
    # maximise sum_i s_i x_i'b  s.t.  s_i x_i'b >= 0,  -1 <= b <= 1
    lp = optimize.linprog(
        c=-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(n), bounds=[(-1, 1)] * k, method="highs"
    )
    if lp.status != 0 or -lp.fun < 1e-6:
        return None
    # name the fewest predictors: minimise sum |b_j| (constant free) keeping the separation
    cost = np.r_[0.0, np.ones(k - 1), 0.0, np.ones(k - 1)]  # b = b_plus - b_minus
    AA = np.column_stack([A, -A])
    lp1 = optimize.linprog(
        c=cost,
        A_ub=np.vstack([-AA, -AA.sum(axis=0)]),
        b_ub=np.r_[np.zeros(n), -1.0],
        bounds=[(0, None)] * (2 * k),
        method="highs",
    )
    b = lp1.x[:k] - lp1.x[k:] if lp1.status == 0 else lp.x
    involved = [nm for nm, bj in zip(names, b[1:]) if abs(bj) > 1e-7] or names
    # complete separation: a strictly positive common margin t, s_i x_i'b >= t for all i
    lp2 = optimize.linprog(
        c=np.r_[np.zeros(k), -1.0],
        A_ub=np.column_stack([-A, np.ones(n)]),
        b_ub=np.zeros(n),
        bounds=[(-1, 1)] * k + [(None, 1)],
        method="highs",
    )
    complete = lp2.status == 0 and -lp2.fun > 1e-9
    return involved, bool(complete)


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _pct_correct(y: np.ndarray, p: np.ndarray, cutoff: float) -> dict[int, float]:
    pred = p >= cutoff
    out = {}
    for cls in (1, 0):
        m = y == cls
        out[cls] = float(100.0 * np.mean(pred[m] == bool(cls))) if m.any() else float("nan")
    return out
