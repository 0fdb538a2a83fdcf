"""What `logit()` checks before and after fitting, and the record it keeps of it.

Stata cleans a logit's estimation sample before it iterates: it leaves out incomplete rows,
omits constant and collinear predictors, and drops a predictor that predicts the outcome
perfectly together with the observations it predicts (`[R] logit`, `_binperfect.ado`).
This module does the same and writes down every step as a `Diagnostics` record: one row per
event with the `variable` concerned (or ``"(model)"``), a `kind` from `KINDS` and a `message`
in Stata's words where Stata has words. `support()` then states whether the data can support
the model at all (the rule is in its docstring).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "CONSTANT",
    "DIAGNOSTIC_COLUMNS",
    "KINDS",
    "MIN_EVENTS_PER_PARAMETER",
    "MODEL_ROW",
    "Diagnostics",
    "LogitError",
    "events_message",
    "support",
    "check_columns",
    "outcome_values",
    "predictor_matrix",
    "check_outcome_classes",
    "check_size",
    "clean_sample",
    "separating_set",
]

#: Name of the intercept among the terms.
CONSTANT = "Constant"
#: `variable` of a row that concerns the whole model rather than one predictor.
MODEL_ROW = "(model)"
#: Columns of `LogitResult.diagnostics`.
DIAGNOSTIC_COLUMNS = ["variable", "kind", "message", "value"]
#: Every diagnostic kind, with what it records (`value` in brackets).
KINDS = {
    "listwise_deletion": "rows left out because a value is missing [rows]",
    "dropped_constant": "predictor omitted: constant in the estimation sample",
    "dropped_collinear": "predictor omitted: a linear combination of the constant and earlier predictors",
    "dropped_perfect_prediction": "predictor dropped: it predicts the outcome perfectly",
    "perfect_prediction_obs": "observations left out with a perfect predictor [observations]",
    "separation": "the outcome is separated: the maximum likelihood estimate does not exist",
    "outcome_constant": "the outcome takes one value only",
    "too_few_observations": "no more observations than parameters [observations]",
    "events_per_parameter": "observations in the smaller outcome class per parameter [ratio]",
    "completely_determined": "observations with a fitted probability of exactly 0 or 1 [observations]",
    "not_converged": "Newton's method did not converge",
    "convergence_warning": "the optimizer warned but met its tolerance",
    "near_singular": "the information matrix is close to singular",
    "clusters": "standard errors adjusted for clusters [clusters]",
    "few_clusters": "too few clusters for the Wald test of all slopes [clusters]",
    "unsupported": "the data cannot support this model; the message says why",
}
#: Often-quoted rule of thumb (Peduzzi et al. 1996): fewer events per parameter bias the estimates.
MIN_EVENTS_PER_PARAMETER = 10

_COLLINEAR_TOL = 1e-9  # residual norm of a unit-norm column after projecting on earlier ones


class LogitError(ValueError):
    """A logit that cannot be estimated from these data; the message says why.

    `kind` is the diagnostic kind of the cause (``"invalid"`` for a mistake in the call or
    the data types) and `diagnostics` the record kept until the failure (a DataFrame with
    `DIAGNOSTIC_COLUMNS`, ending with an ``unsupported`` row), so that a report can show
    everything that happened to the model.
    """

    def __init__(self, message: str, kind: str = "invalid", diagnostics: pd.DataFrame | None = None):
        super().__init__(message)
        self.kind = kind
        self.diagnostics = diagnostics if diagnostics is not None else _frame([(MODEL_ROW, kind, message, np.nan)])


def _frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=DIAGNOSTIC_COLUMNS)
    df["value"] = df["value"].astype(float)
    return df


class Diagnostics:
    """The running record of one fit: tidy rows, plus the legacy `notes` and `dropped`."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, float]] = []
        self.notes: list[str] = []
        self.dropped: dict[str, str] = {}

    def add(self, variable: str, kind: str, message: str, value: float = np.nan, note: str | None = None) -> None:
        """Record one diagnostic row (and, with `note`, a fit warning).

        Parameters
        ----------
        variable : str
            The predictor concerned, or `MODEL_ROW` for the whole model.
        kind : str
            One of `KINDS` (``dropped_constant``, ``collinear``, ``perfect_prediction`` ...).
        message : str
            What happened, in a sentence.
        value : float
            A number that goes with it (observations lost, a ratio ...), NaN when none.
        note : str, optional
            A warning to show with the fit's results as well.

        Raises
        ------
        KeyError
            For a `kind` not in `KINDS` (a programming error, not a user's).
        """
        if kind not in KINDS:
            raise KeyError(f"unknown diagnostic kind {kind!r}")
        self.rows.append((variable, kind, message, float(value)))
        if note:
            self.notes.append(note)

    def frame(self) -> pd.DataFrame:
        """The rows recorded so far as a tidy table.

        Returns
        -------
        pandas.DataFrame
            Columns ``variable``, ``kind``, ``message`` and ``value``, in the order recorded.
        """
        return _frame(self.rows)

    def fail(
        self, kind: str, message: str, variable: str = MODEL_ROW, value: float = np.nan, record: bool = True
    ) -> LogitError:
        """Record why a model cannot be fitted and return the error to raise.

        An ``unsupported`` row is added for the model as well.

        Parameters
        ----------
        kind : str
            One of `KINDS`: the cause.
        message : str
            The cause, in a sentence.
        variable : str
            The predictor concerned, or `MODEL_ROW`.
        value : float
            A number that goes with the cause.
        record : bool
            ``False`` when the cause is already recorded.

        Returns
        -------
        LogitError
            Carrying the kind and the diagnostics so far.
        """
        if record:
            self.add(variable, kind, message, value)
        self.add(MODEL_ROW, "unsupported", message)
        return LogitError(message, kind=kind, diagnostics=self.frame())


# ------------------------------------------------------------------ the call and the data types


def check_columns(data: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> list[str]:
    """Check the outcome and predictor names against the data before anything is computed.

    Parameters
    ----------
    data : pandas.DataFrame
        The estimation data.
    outcome : str
        The 0/1 outcome column.
    predictors : sequence of str
        The predictor columns (a single name is accepted).

    Returns
    -------
    list of str
        The predictors as a list, in the order given.

    Raises
    ------
    LogitError
        When `data` is not a DataFrame, a column is missing, a predictor is listed twice or is the
        outcome, or a predictor takes the constant's reserved name.
    """
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
    raise LogitError(f"The {role} {name!r} is not numeric (dtype {col.dtype}); recode it as 0/1 or numbers first.")


def outcome_values(col: pd.Series, name: str) -> np.ndarray:
    """The outcome as floats, checked to be coded 0/1 (missing values allowed).

    Parameters
    ----------
    col : pandas.Series
        The outcome column.
    name : str
        Its name, for the messages.

    Returns
    -------
    numpy.ndarray
        Floats 0.0, 1.0 or NaN.

    Raises
    ------
    LogitError
        When the column is not numeric or takes another value.
    """
    y = _numeric(col, name, "outcome")
    vals = np.unique(y[~np.isnan(y)])
    bad = vals[~np.isin(vals, [0.0, 1.0])]
    if bad.size:
        shown = ", ".join(f"{v:g}" for v in bad[:5])
        raise LogitError(f"The outcome {name!r} must be coded 0/1; it also takes the value(s) {shown}.")
    return y


def predictor_matrix(data: pd.DataFrame, predictors: list[str]) -> np.ndarray:
    """The predictors as a float matrix, checked to be numeric and finite (NaN allowed).

    Parameters
    ----------
    data : pandas.DataFrame
        The estimation data.
    predictors : list of str
        The predictor columns.

    Returns
    -------
    numpy.ndarray
        One row per row of `data`, one column per predictor.

    Raises
    ------
    LogitError
        When a predictor is not numeric or holds an infinite value.
    """
    cols = [_numeric(data[p], p, "predictor") for p in predictors]
    X = np.column_stack(cols) if cols else np.empty((len(data), 0))
    inf = [p for p, c in zip(predictors, cols) if np.isinf(c).any()]
    if inf:
        raise LogitError(f"Predictor(s) {', '.join(map(repr, inf))} contain infinite values.")
    return X


# ------------------------------------------------------------------ the support rule


def support(nobs: int, n_params: int, n_one: int, n_zero: int, requested: int, kept: int) -> tuple[bool, str]:
    """Whether the data can support a fitted model, and why not.

    A model is unsupported when (1) predictors were asked for and every one was dropped,
    (2) fewer observations than parameters remain, or (3) the smaller outcome class has fewer
    observations than the model has parameters (constant included). A model whose sample is
    completely separated (Stata's r(2000)) cannot be fitted at all: `logit` raises `LogitError`
    for it, and reports treat that as unsupported too.

    Parameters
    ----------
    nobs : int
        Observations used.
    n_params : int
        Parameters estimated, the constant included.
    n_one, n_zero : int
        Observations with outcome 1 and 0.
    requested : int
        Predictors asked for.
    kept : int
        Predictors left after the pre-fit checks.

    Returns
    -------
    supported : bool
        Whether the model can be shown.
    reason : str
        Why not, as a phrase; empty text when supported.
    """
    small = min(n_one, n_zero)
    which = "1" if n_one <= n_zero else "0"
    if requested and not kept:
        every = "the only predictor was" if requested == 1 else f"every one of the {requested} predictors was"
        return False, f"{every} dropped, leaving only the constant on {_n(nobs, 'observation')}"
    if nobs < n_params:
        return False, f"only {_n(nobs, 'observation')} remain for {_n(n_params, 'parameter')}"
    if small < n_params:
        return False, (
            f"only {_n(small, 'observation')} {'has' if small == 1 else 'have'} outcome = {which}, fewer than "
            f"the model's {n_params} parameters (constant and {_n(n_params - 1, 'predictor')})"
        )
    return True, ""


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def events_message(outcome: str, n_one: int, n_zero: int, n_params: int) -> tuple[str, float]:
    """The ``events_per_parameter`` row: both class counts against the number of parameters.

    Parameters
    ----------
    outcome : str
        The outcome's name.
    n_one, n_zero : int
        Observations with outcome 1 and 0.
    n_params : int
        Parameters estimated, the constant included.

    Returns
    -------
    message : str
        The sentence, flagged when below `MIN_EVENTS_PER_PARAMETER`.
    ratio : float
        Observations of the smaller class per parameter.
    """
    ratio = min(n_one, n_zero) / n_params
    low = " (fewer than the 10 often recommended)" if ratio < MIN_EVENTS_PER_PARAMETER else ""
    message = (
        f"{_n(n_one, 'observation')} with {outcome} = 1 and {n_zero} with {outcome} = 0 for "
        f"{_n(n_params, 'parameter')}: {ratio:.1f} per parameter in the smaller class{low}"
    )
    return message, ratio


# ------------------------------------------------------------------ Stata's pre-fit checks


def check_outcome_classes(y: np.ndarray, outcome: str, diag: Diagnostics, after_drop: bool, why: str = "") -> None:
    """Refuse a sample with no observation or with a single outcome class.

    Parameters
    ----------
    y : numpy.ndarray
        The outcome of the sample (0/1, no NaN).
    outcome : str
        The outcome's name.
    diag : Diagnostics
        Receives the cause.
    after_drop : bool
        Whether observations were already deleted (said in the message).
    why : str
        A phrase saying how the sample was reduced, overriding the default one.

    Raises
    ------
    LogitError
        When the sample is empty or the outcome does not vary.
    """
    if y.size == 0:
        raise diag.fail(
            "outcome_constant", f"No observations left to fit {outcome!r}{why or ' after listwise deletion'}."
        )
    classes = np.unique(y)
    if classes.size < 2:
        where = why or (" after listwise deletion" if after_drop else "")
        raise diag.fail(
            "outcome_constant",
            f"The outcome {outcome!r} takes only the value {classes[0]:g}{where}; a logit needs both 0 and 1.",
        )


def check_size(n: int, k: int, diag: Diagnostics) -> None:
    """Refuse a sample with no more observations than parameters.

    Parameters
    ----------
    n : int
        Observations.
    k : int
        Parameters, the constant included.
    diag : Diagnostics
        Receives the cause.

    Raises
    ------
    LogitError
        When ``n <= k``.
    """
    if n <= k:
        raise diag.fail(
            "too_few_observations",
            f"Only {n} usable observations for {k} parameters (constant and {k - 1} predictors); "
            "a logit needs more observations than parameters.",
            value=n,
        )


def clean_sample(
    y: np.ndarray, X: np.ndarray, predictors: list[str], outcome: str, diag: Diagnostics
) -> tuple[np.ndarray, np.ndarray]:
    """Stata's pre-fit checks, repeated until nothing changes.

    Constant predictors and collinear ones are dropped, then perfect prediction by a single
    predictor is handled: a dummy is dropped with the observations it predicts; a continuous
    separator is an error. Each step is recorded in `diag`.

    Parameters
    ----------
    y : numpy.ndarray
        The outcome (0/1) of the complete cases.
    X : numpy.ndarray
        Their predictors, without the constant.
    predictors : list of str
        The names of the columns of `X`.
    outcome : str
        The outcome's name.
    diag : Diagnostics
        Receives every drop.

    Returns
    -------
    rows : numpy.ndarray
        Booleans, the observations kept.
    columns : numpy.ndarray
        Booleans, the predictors kept.

    Raises
    ------
    LogitError
        When a continuous predictor separates the outcome, or too little is left.
    """
    rows = np.ones(len(y), dtype=bool)
    cols = np.ones(X.shape[1], dtype=bool)
    while True:
        Xr, yr = X[rows], y[rows]
        for j in np.flatnonzero(cols):
            v = Xr[:, j]
            if v.size and np.all(v == v[0]):
                cols[j] = False
                name = predictors[j]
                diag.dropped[name] = f"constant in the estimation sample (always {v[0]:g})"
                diag.add(name, "dropped_constant", f"{name} omitted because of collinearity (always {v[0]:g})")
        idx = np.flatnonzero(cols)
        for j in _collinear(Xr[:, idx]):  # order preserved: a later column is dropped
            cols[idx[j]] = False
            name = predictors[idx[j]]
            diag.dropped[name] = "collinear with the constant and earlier predictors"
            diag.add(name, "dropped_collinear", f"{name} omitted because of collinearity")
        hit = next(((j, h) for j in np.flatnonzero(cols) if (h := _perfect_prediction(Xr[:, j], yr)) is not None), None)
        if hit is None:
            return rows, cols
        j, (kind, value, mask) = hit
        name = predictors[j]
        if kind == "continuous":
            diag.add(name, "separation", f"outcome = {name} {value} predicts data perfectly")
            raise diag.fail(
                "separation",
                f"The predictor {name!r} separates the outcome completely "
                f"({outcome!r} = 1 exactly when {name} {value}); the logit coefficient is infinite. "
                "Remove it or recode it.",
                record=False,
            )
        n_lost = int(mask.sum())
        if kind == "quasi-continuous":
            cond, c = value
            what = f"outcome = {name} {cond} {c:g} predicts data perfectly except for {name} == {c:g} subsample"
            diag.dropped[name] = what.removesuffix(" subsample")
            note = f"{what}: {name} dropped and {n_lost} obs not used."
        else:
            op = "!=" if value != 0 else "=="
            what = f"{name} {op} 0 predicts {'success' if kind == 'success' else 'failure'} perfectly"
            diag.dropped[name] = what
            note = f"{what}; {name} dropped and {n_lost} obs not used."
        diag.add(name, "dropped_perfect_prediction", what)
        diag.add(name, "perfect_prediction_obs", f"{name} dropped and {n_lost} obs not used", n_lost, note=note)
        rows[np.flatnonzero(rows)[mask]] = False
        cols[j] = False
        check_outcome_classes(
            y[rows], outcome, diag, False, why=f" once the observations {name} predicts perfectly are left out"
        )


def _collinear(X: np.ndarray) -> list[int]:
    """Columns (positions) that are linear combinations of the constant and earlier columns."""
    if X.shape[1] == 0:
        return []
    A = np.column_stack([np.ones(len(X)), X])
    A = A / np.linalg.norm(A, axis=0)
    r = np.abs(np.diag(np.linalg.qr(A, mode="r")))
    # fewer rows than columns: R has only len(X) diagonal entries, and every later column is in
    # the span of the earlier ones (a zero residual)
    r = np.concatenate([r, np.zeros(A.shape[1] - len(r))])
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


def separating_set(y: np.ndarray, X: np.ndarray, names: list[str]) -> tuple[list[str], bool] | None:
    """Whether the outcome is separated by some combination of the predictors (a linear program, Konis 2007).

    It looks for b != 0 with (2y-1) x'b >= 0 for every row.

    Parameters
    ----------
    y : numpy.ndarray
        The outcome (0/1).
    X : numpy.ndarray
        The design matrix, the constant first.
    names : list of str
        The names of the columns of `X` after the constant.

    Returns
    -------
    tuple of (list of str, bool) or None
        The predictors with a non-zero b (as few as found) and whether the separation is complete
        (rather than quasi-complete); ``None`` when the data overlap.
    """
    from scipy import optimize  # imported here: `sop validate` loads this module, and scipy.optimize is slow to import

    s = 2 * y - 1
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300)
    A = (X / scale) * s[:, None]  # rows: s_i x_i
    n, k = A.shape
    # maximise sum_i s_i x_i'b  s.t.  s_i x_i'b >= 0,  -1 <= b <= 1
    lp = optimize.linprog(c=-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(n), bounds=[(-1, 1)] * k, method="highs")
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
