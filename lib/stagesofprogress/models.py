"""The paper's logit models (Tables 4, 5 and 7), built from a study's declared specification.

study.yml `models:` declares each model once (schema.STUDY_KEYS): its `table`, `period`,
`outcome`, `by` (fit once per group, e.g. region) or `filter` (fit on a subset), the
`class_labels` of the "% correctly predicted" rows and the `groups` of variables, each
with its printed `label`, an optional `transform` (log | square) and the `regions` it
enters (all when absent). A variable `name` is a reason code (a 0/1 flag from
reasons.csv for the model's period, see `reasons.reason_flags`) or a column of
sample.csv.

The outcome is either a movement category over the period (1 = that category; 0 = the
category with the same starting status: escaped vs remained_poor, became_poor vs
remained_not_poor), an explicit mapping `{1: escaped, 0: remained_poor}`, or a 0/1
column of sample.csv (`improved_breed`, Table 7). The households are those of sample.csv;
models use complete cases (`logit` drops incomplete rows and says so in its notes).

Without a `models:` key, a study with sample.csv and reasons.csv still gets the two
models of the method (`generic_specs`): escape and descent over the first to the last
time point, per region, with every reason cited by at least 5% of that region's model
households as a predictor (rarer reasons cannot be estimated reliably).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import logit_report, outputs, safetext
from . import movements as mv
from . import reasons as rs
from .logistic import LogitError, LogitResult, logit
from .modelspec import TRANSFORMS, filter_name
from .study import Study

__all__ = [
    "GENERIC_MIN_SHARE",
    "TRANSFORMS",
    "OUTCOME",
    "CLUSTER",
    "NOTES_COLUMNS",
    "ModelFit",
    "generic_specs",
    "model_specs",
    "term_name",
    "variables",
    "design_matrix",
    "fit_model",
    "fit_models",
    "fit",
    "cached_fits",
    "cluster_comparison",
    "margins_table",
    "study_digest",
    "fits_by_kind",
]

GENERIC_MIN_SHARE = 0.05
OUTCOME = "outcome"  # name of the 0/1 outcome column of every design matrix
CLUSTER = "_cluster"  # column of the design matrix holding the cluster when one is asked for
#: Columns of `logit_notes.csv` (and the first columns of `ModelFit.diagnostics()`).
NOTES_COLUMNS = ["model", "group", "variable", "kind", "message"]


@dataclass
class ModelFit:
    """A fitted specification: one `LogitResult` per group plus what the report needs.

    `results` holds the groups the data can support (what tables, plots and the book show);
    `errors` says, for every other group, why it is not shown: the fit failed (a
    `LogitError`) or the data cannot support it (`LogitResult.supported` is False; the
    fitted result stays available in `all_results`). `diagnostics()` records, for every
    group, what happened to its model.
    """

    name: str
    spec: dict
    results: dict[str, LogitResult]
    data: dict[str, pd.DataFrame]
    labels: dict[str, str]
    groups: dict[str, list[str]]
    class_labels: dict[int, str]
    errors: dict[str, str] = field(default_factory=dict)
    all_results: dict[str, LogitResult] = field(default_factory=dict)
    error_diagnostics: dict[str, pd.DataFrame] = field(default_factory=dict)
    cluster: str = ""

    @property
    def supported(self) -> bool:
        """True when at least one group's model can be shown."""
        return bool(self.results)

    @property
    def unsupported(self) -> dict[str, str]:
        """{group: reason} for every group whose model is not shown (same as `errors`)."""
        return dict(self.errors)

    @property
    def group_order(self) -> list[str]:
        """Every group the model was fitted for, in the order of the blocks."""
        return list(self.data)

    def diagnostics(self) -> pd.DataFrame:
        """What happened to each group's model (dropped predictors, separation, failures).

        Returns
        -------
        pandas.DataFrame
            The columns of `NOTES_COLUMNS` and ``value``, groups in `group_order`; no rows when
            nothing was noted.
        """
        parts = []
        for g in self.group_order:
            r = self.all_results.get(g, self.results.get(g))
            d = r.diagnostics if r is not None else self.error_diagnostics.get(g)
            if d is None:
                continue
            d = d.copy()
            d.insert(0, "group", g)
            d.insert(0, "model", self.name)
            parts.append(d)
        if not parts:
            return pd.DataFrame(columns=[*NOTES_COLUMNS, "value"])
        return pd.concat(parts, ignore_index=True)[[*NOTES_COLUMNS, "value"]]

    def margins(self, discrete: bool = False) -> pd.DataFrame:
        """Average marginal effects of every shown group (`LogitResult.margins`), as one tidy table.

        Parameters
        ----------
        discrete : bool
            ``True`` for the discrete change 0 to 1 of 0/1 predictors, ``False`` for derivatives.

        Returns
        -------
        pandas.DataFrame
            Columns model, group, term, label, then the rest of `margins.MARGINS_COLUMNS`; one row per
            group and slope.
        """
        from .margins import MARGINS_COLUMNS

        parts = []
        for g, r in self.results.items():
            m = r.margins(discrete=discrete)
            m.insert(0, "group", g)
            m.insert(0, "model", self.name)
            m.insert(3, "label", m["term"].map(lambda v: self.labels.get(v, v)))
            parts.append(m)
        if not parts:
            return pd.DataFrame(columns=["model", "group", "label", *MARGINS_COLUMNS])
        return pd.concat(parts, ignore_index=True)

    @property
    def table(self) -> str:
        """The table number or name the model's spec gives (``table:`` in study.yml), or empty text."""
        return str(self.spec.get("table", ""))

    @property
    def layout(self) -> str:
        """ "spss" (Table 7: one model, SPSS columns) or "paper" (Tables 4-5: a block per group)."""
        return _layout(self.spec)


def _layout(spec: dict) -> str:
    if spec.get("layout"):
        return str(spec["layout"]).lower()
    if str(spec.get("style", spec.get("software", ""))).lower() == "spss":
        return "spss"
    return "spss" if spec.get("robust") is False and not spec.get("by") else "paper"


# ------------------------------------------------------------------------- specifications


def generic_specs(study: Study) -> dict[str, dict]:
    """Escape and descent models for a study with sample.csv and reasons.csv but no ``models:``.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).

    Returns
    -------
    dict of str to dict
        Specifications by model name, in the form of `model_specs`.
    """
    start, end = study.time_points[0], study.time_points[-1]
    labels = rs.reason_labels(study)
    flags = rs.reason_flags(study, start, end)
    cat = mv.movement_categories(study, start, end)
    cat.index = cat.index.astype(str)
    hh = study.households.set_index(study.households["household_id"].astype(str))
    region = hh["region"].reindex(flags.index)
    out = {}
    for name, (one, heading) in {
        "escape": ("escaped", "Reasons cited"),
        "descent": ("became_poor", "Reasons cited"),
    }.items():
        keep = cat.reindex(flags.index).isin([one, mv.COUNTERPART[one]]).to_numpy()
        share = flags[keep].groupby(region[keep].to_numpy(), sort=False).mean()
        variables = []
        for code in flags.columns:
            regions = [str(g) for g in share.index if share.loc[g, code] >= GENERIC_MIN_SHARE]
            if regions:
                variables.append({"name": code, "label": labels.get(code, code), "regions": regions})
        out[name] = {
            "table": "",
            "period": [start, end],
            "outcome": one,
            "by": "region",
            "class_labels": {1: mv.CATEGORY_LABELS[one], 0: mv.CATEGORY_LABELS[mv.COUNTERPART[one]]},
            "groups": [{"heading": heading, "variables": variables}],
            "generic": True,
        }
    return out


def model_specs(study: Study) -> dict[str, dict]:
    """The logit models of a study.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).

    Returns
    -------
    dict of str to dict
        The study's ``models:`` by name, or the generic escape and descent models when it
        declares none but its data allow them; empty otherwise.
    """
    specs = study.meta.get("models")
    if specs:
        if not isinstance(specs, dict):
            raise ValueError("study.yml `models:` must map model names to specifications.")
        return {str(k): dict(v) for k, v in specs.items()}
    if study.has("sample") and study.has("reasons"):
        return generic_specs(study)
    missing = [f for f, t in (("sample.csv", "sample"), ("reasons.csv", "reasons")) if not study.has(t)]
    raise KeyError(
        f"This study declares no `models:` in study.yml and has no {' or '.join(missing)} for the generic models."
    )


def term_name(name: str, transform: str | None) -> str:
    """The design-matrix column of a variable.

    Parameters
    ----------
    name : str
        The variable.
    transform : str or None
        Its transform in the specification, one of `TRANSFORMS` (``"log"`` or ``"square"``), if any.

    Returns
    -------
    str
        For example ``log_land_ha``, ``age_head_squared``, or `name` itself.

    Raises
    ------
    ValueError
        `transform` is not one of `TRANSFORMS`.
    """
    if not transform:
        return name
    if transform not in TRANSFORMS:
        raise ValueError(f"Unknown transform {transform!r} for variable {name!r}: use one of {', '.join(TRANSFORMS)}.")
    return f"log_{name}" if transform == "log" else f"{name}_squared"


def variables(spec: dict) -> list[dict]:
    """Every variable of a specification, with its heading and design-matrix ``term``.

    Parameters
    ----------
    spec : dict
        One model specification (a value of `model_specs`).

    Returns
    -------
    list of dict
        One per variable, in the specification's order.
    """
    out = []
    for grp in spec.get("groups") or []:
        for v in grp.get("variables") or []:
            v = dict(v)
            v["heading"] = grp.get("heading") or ""
            v["term"] = term_name(str(v["name"]), v.get("transform"))
            v["regions"] = None if v.get("regions") is None else [str(r) for r in v["regions"]]
            out.append(v)
    return out


def _period(study: Study, spec: dict) -> tuple[int, int]:
    p = spec.get("period")
    if p:
        return int(p[0]), int(p[1])
    return study.time_points[0], study.time_points[-1]


def _outcome(spec: dict) -> tuple[str, str | None, str | None]:
    """(kind, positive, negative): ("category", "escaped", "remained_poor") or ("column", name, None)."""
    out = spec.get("outcome")
    if isinstance(out, dict):
        pos = out.get(1, out.get("1", out.get("positive")))
        neg = out.get(0, out.get("0", out.get("negative")))
        return "category", str(pos), str(neg)
    out = str(out or "")
    if " vs " in out:
        pos, neg = [s.strip() for s in out.split(" vs ", 1)]
        return "category", pos, neg
    if out in mv.COUNTERPART:
        return "category", out, mv.COUNTERPART[out]
    if not out:
        raise ValueError("The model specification has no `outcome`.")
    return "column", out, None


# ------------------------------------------------------------------------- design matrix


def design_matrix(study: Study, spec: dict) -> pd.DataFrame:
    """The data of one model: one row per household the model covers.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    spec : dict
        One model specification (a value of `model_specs`).

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``outcome`` (0/1) and one per term. Incomplete rows are kept, with
        NaN: `stagesofprogress.logistic.logit` reports the listwise deletion itself.
    """
    if not study.has("sample"):
        raise KeyError("This study has no sample.csv: the logit models need the sampled households.")
    sample = study.table("sample").copy()
    sample.index = sample["household_id"].astype(str)
    ids = sample.index
    hh = study.households.set_index(study.households["household_id"].astype(str))
    start, end = _period(study, spec)
    kind, pos, neg = _outcome(spec)
    if kind == "category":
        for c in (pos, neg):
            if c not in mv.CATEGORIES:
                raise ValueError(f"Outcome category {c!r} is not one of {mv.CATEGORIES}.")
        cat = mv.movement_categories(study, start, end)
        cat.index = cat.index.astype(str)
        cat = cat.reindex(ids).astype(object)
        y = pd.Series(np.where(cat == pos, 1.0, np.where(cat == neg, 0.0, np.nan)), index=ids)
    else:
        if pos not in sample.columns:
            raise KeyError(f"The outcome {pos!r} is neither a movement category nor a column of sample.csv.")
        y = pd.to_numeric(sample[pos], errors="coerce").astype(float)
    by = spec.get("by")
    data = pd.DataFrame(
        {"group": hh[by].reindex(ids).astype(object).to_numpy() if by else "", OUTCOME: y.to_numpy()}, index=ids
    )
    for col, value in (spec.get("filter") or {}).items():
        source = sample[col] if col in sample.columns else hh[col].reindex(ids)
        allowed = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
        data = data[source.reindex(data.index).astype(str).isin(allowed).to_numpy()]
    if not by:
        data["group"] = filter_name(spec)
    data = data[data[OUTCOME].notna()]

    flags = rs.reason_flags(study, start, end) if study.has("reasons") else None
    codes = set(rs.reason_labels(study)) if study.has("reasons") else set()
    cols = {}
    for v in variables(spec):
        name = str(v["name"])
        if name in sample.columns:
            x = pd.to_numeric(sample[name], errors="coerce").astype(float).reindex(data.index)
        elif name in codes:
            x = flags[name].reindex(data.index).fillna(0).astype(float)
        else:
            raise KeyError(
                f"Model variable {name!r} is neither a reason code of reasons.csv/study.yml nor a column of sample.csv."
            )
        if v.get("transform") == "log":
            x = np.log(x.where(x > 0))
        elif v.get("transform") == "square":
            x = x**2
        if v["regions"] is not None:
            x = x.where(data["group"].astype(str).isin(v["regions"]))  # not in the model elsewhere
        cols[v["term"]] = x
    return pd.concat([data, pd.DataFrame(cols, index=data.index)], axis=1)


# ------------------------------------------------------------------------- fitting


def fit_model(study: Study, name: str, spec: dict | None = None, cluster: str | None = None) -> ModelFit:
    """Fit one model, per group (the specification's ``by``) or on its filtered subset.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    name : str
        The model's name in `model_specs`.
    spec : dict, optional
        The specification; by default the study's for `name`.
    cluster : str, optional
        A column of households.csv or sample.csv (for example ``"community"``): Stata's
        ``vce(cluster community)`` errors instead of the specification's (or its ``cluster:``).

    Returns
    -------
    ModelFit
        The fitted groups; a group that cannot be estimated or supported is reported in
        ``errors`` rather than raised, so the other groups still print.
    """
    spec = spec if spec is not None else model_specs(study)[name]
    cluster = cluster or spec.get("cluster") or None
    vs = variables(spec)
    design = design_matrix(study, spec)
    if cluster:
        design[CLUSTER] = _cluster_column(study, str(cluster), design.index)
    robust = spec.get("robust", _layout(spec) != "spss")
    found = [str(g) for g in pd.unique(design["group"])]
    wanted = [str(g) for g in spec.get("regions") or []] if spec.get("by") else []
    order = [g for g in wanted if g in found] or found  # `regions:` sets the order of the blocks
    results: dict[str, LogitResult] = {}
    every: dict[str, LogitResult] = {}
    data: dict[str, pd.DataFrame] = {}
    errors: dict[str, str] = {}
    failed: dict[str, pd.DataFrame] = {}
    for g in order:
        part = design[design["group"].astype(str) == g]
        terms = [v["term"] for v in vs if v["regions"] is None or g in v["regions"]]
        terms = list(dict.fromkeys(terms))
        data[g] = part[[OUTCOME, *terms]]
        groups_of = part[CLUSTER].rename(str(cluster)) if cluster else None
        if not terms:
            why = "the model has no explanatory variable for this group"
            if spec.get("generic"):
                why += f" (no reason was cited by {GENERIC_MIN_SHARE:.0%} of its households)"
            errors[g] = f"the data cannot support this model: {why}."
            failed[g] = LogitError(errors[g][0].upper() + errors[g][1:], kind="unsupported").diagnostics
            continue
        try:
            every[g] = logit(part, OUTCOME, terms, robust=bool(robust), cluster=groups_of)
        except LogitError as e:
            errors[g] = str(e)
            failed[g] = e.diagnostics
            continue
        if every[g].supported:
            results[g] = every[g]
        else:
            errors[g] = f"the data cannot support this model: {every[g].unsupported_reason}."
    groups: dict[str, list[str]] = {}
    for v in vs:
        groups.setdefault(v["heading"], [])
        if v["term"] not in groups[v["heading"]]:
            groups[v["heading"]].append(v["term"])
    labels = {v["term"]: str(v.get("label") or v["name"]) for v in vs}
    kind, pos, neg = _outcome(spec)
    default = {1: mv.CATEGORY_LABELS.get(pos, pos), 0: mv.CATEGORY_LABELS.get(neg, neg) if neg else "Not " + str(pos)}
    given = {int(k): str(v) for k, v in (spec.get("class_labels") or {}).items()}
    return ModelFit(
        name=name,
        spec=spec,
        results=results,
        data=data,
        labels=labels,
        groups=groups,
        class_labels={**default, **given},
        errors=errors,
        all_results=every,
        error_diagnostics=failed,
        cluster=str(cluster or ""),
    )


def _cluster_column(study: Study, column: str, ids: pd.Index) -> np.ndarray:
    """The cluster of each design-matrix household, from households.csv or sample.csv."""
    hh = study.households.set_index(study.households["household_id"].astype(str))
    if column in hh.columns:
        source = hh[column]
    elif study.has("sample") and column in study.table("sample").columns:
        sample = study.table("sample")
        source = sample.set_index(sample["household_id"].astype(str))[column]
    else:
        raise KeyError(f"Cluster column {column!r} is neither a column of households.csv nor of sample.csv.")
    return source.reindex(ids).astype(object).to_numpy()


def fit_models(study: Study, cluster: str | None = None) -> dict[str, ModelFit]:
    """Every model of the study (declared or generic), in declaration order.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    cluster : str, optional
        As in `fit_model`.

    Returns
    -------
    dict of str to ModelFit
        By model name.
    """
    return {name: fit_model(study, name, spec, cluster=cluster) for name, spec in model_specs(study).items()}


def fit(study: Study, name: str) -> dict[str, LogitResult]:
    """The fitted groups of one model (the chapters' one-liner).

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    name : str
        The model's name in `model_specs`.

    Returns
    -------
    dict of str to LogitResult
        By group.
    """
    return fit_model(study, name).results


_FITS: dict[tuple[str, str, str], dict[str, ModelFit]] = {}
_FITS_MAX = 8  # studies kept: a book build uses one or two


def study_digest(study: Study) -> str:
    """A SHA-256 digest of everything a model reads: study.yml's settings and every table's content.

    Column names, dtypes and values all count, so two studies with the same content get the
    same digest whatever the object.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    import hashlib
    import json

    h = hashlib.sha256()
    h.update(json.dumps([study.title, study.time_points, study.stages, study.poverty_cutoff], default=str).encode())
    h.update(json.dumps(study.meta, sort_keys=True, default=str).encode())
    for name, df in [("households", study.households), *sorted(study.tables.items())]:
        h.update(name.encode() + b"\0" + "\0".join(f"{c}:{t}" for c, t in df.dtypes.astype(str).items()).encode())
        h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()


def cached_fits(study: Study, cluster: str | None = None) -> dict[str, ModelFit]:
    """`fit_models` of a study, computed once per study content and cluster.

    The tables, the scorecard and the chapters share one fit. The key is the study's folder and
    `study_digest`, so a changed study is refitted and an equal one is not; the cache holds a
    bounded number of studies.

    Parameters
    ----------
    study : Study
        A loaded study.
    cluster : str or None
        A households.csv column to cluster the standard errors on, or ``None`` for robust errors.

    Returns
    -------
    dict of str to ModelFit
        As `fit_models` returns; the same objects on a second call (do not modify them).

    Raises
    ------
    KeyError
        When the study has no model to fit (as `fit_models`).
    """
    key = (str(study.path), study_digest(study), cluster or "")
    hit = _FITS.get(key)
    if hit is not None:
        return hit
    fits = fit_models(study, cluster=cluster)
    if len(_FITS) >= _FITS_MAX:
        _FITS.pop(next(iter(_FITS)))
    _FITS[key] = fits
    return fits


def _outcome_kind(spec: dict) -> str:
    out = spec.get("outcome")
    if isinstance(out, dict):
        out = out.get(1, out.get("1"))
    if out in ("escaped", "remained_poor"):
        return "escape"
    if out in ("became_poor", "remained_not_poor"):
        return "descent"
    return "other"


def fits_by_kind(study: Study) -> dict[str, Any]:
    """The study's fitted models by kind: the escape model, the descent model and the others.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict
        ``escape`` and ``descent`` map to a `ModelFit` when there is one, ``other`` to a list of the
        rest; empty when the study has neither ``models:`` nor sample.csv and reasons.csv.
    """
    try:
        fits = cached_fits(study)
    except KeyError:
        return {}
    out: dict[str, Any] = {"other": []}
    for fit in fits.values():
        kind = _outcome_kind(fit.spec)
        if kind in ("escape", "descent") and kind not in out:
            out[kind] = fit
        else:
            out["other"].append(fit)
    return out


def cluster_comparison(study: Study, name: str, cluster: str = "community") -> pd.DataFrame:
    """A model's robust (or model-based) errors beside Stata's ``vce(cluster ...)`` ones.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    name : str
        The model's name in `model_specs`.
    cluster : str, default "community"
        The column that defines the clusters.

    Returns
    -------
    pandas.DataFrame
        One row per group and estimated term (`stagesofprogress.logit_report.compare_errors`),
        with labels. Groups whose clustered fit fails (for example a single community) are left out.
    """
    base = cached_fits(study)[name]
    clustered = cached_fits(study, cluster)[name]
    t = logit_report.compare_errors(base.results, clustered.results)
    t.insert(0, "model", name)
    t.insert(3, "label", t["variable"].map(lambda v: base.labels.get(v, v)))
    return t


def margins_table(fit: ModelFit) -> pd.DataFrame:
    """Both kinds of average marginal effect of every shown group, tidy.

    Parameters
    ----------
    fit : ModelFit
        A fitted model (`fit_model`).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, group, term, label, effect`` (``"dydx"``: the derivative, every
        predictor; ``"discrete"``: the change from 0 to 1, 0/1 predictors only), then ``dydx,
        se, z, pvalue, ci_low, ci_high``.
    """
    parts = []
    for g, r in fit.results.items():
        derivative = r.margins()
        change = r.margins(discrete=True)
        change = change[change["term"].isin(change.attrs["discrete"])]
        for effect, m in (("dydx", derivative), ("discrete", change)):
            m = m.copy()
            m.insert(0, "effect", effect)
            m.insert(0, "label", m["term"].map(lambda v: fit.labels.get(v, v)))
            m.insert(0, "term", m.pop("term"))
            m.insert(0, "group", g)
            m.insert(0, "model", fit.name)
            parts.append(m)
    cols = ["model", "group", "term", "label", "effect", "dydx", "se", "z", "pvalue", "ci_low", "ci_high"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def _flat_paper_table(fit: ModelFit) -> pd.DataFrame:
    t = logit_report.fit_table(fit)
    if isinstance(t.columns, pd.MultiIndex):
        t.columns = [f"{m}: {s}" for m, s in t.columns]
    return t.rename_axis("variable").reset_index()


def _text_cells(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Study text in CSV cells neutralised against spreadsheet formulas (safetext.csv_cell)."""
    df = df.copy()
    for c in columns:
        df[c] = df[c].map(safetext.csv_cell)
    return df


@outputs.producer("models")
def _produce(study: Study) -> dict[str, pd.DataFrame]:
    """logit_<model>.csv, logit_<model>_paper.csv (when a group can be shown), margins_<model>.csv,
    logit_<model>_cluster.csv (when the households have communities) and logit_notes.csv."""
    if not study.has("sample") or not (study.meta.get("models") or study.has("reasons")):
        return {}
    out: dict[str, pd.DataFrame] = {}
    notes = []
    clustered = "community" in study.households.columns
    for name, fit in cached_fits(study).items():
        out[f"logit_{name}.csv"] = logit_report.fit_long_table(fit)
        notes.append(fit.diagnostics()[NOTES_COLUMNS])
        if not fit.results:
            continue
        out[f"logit_{name}_paper.csv"] = _flat_paper_table(fit)
        out[f"margins_{name}.csv"] = _text_cells(margins_table(fit), ["group", "label"])
        if clustered:
            comp = cluster_comparison(study, name)
            if len(comp):
                out[f"logit_{name}_cluster.csv"] = _text_cells(comp, ["group", "label"])
    if notes:
        out["logit_notes.csv"] = _text_cells(
            pd.concat(notes, ignore_index=True), ["model", "group", "variable", "message"]
        )
    return out
