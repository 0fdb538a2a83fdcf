"""The `models:` of study.yml: each model's keys on their own, then the columns it names.

`check_model_keys` checks a model specification's shape (its outcome, period, filter,
groups and variables); `check_model_tables` checks, once the tables are read, that every
column, region and reason code a model names exists. The vocabularies come from light
modules (`movements` for the categories and their counterparts, `modelspec` for transforms
and group names), so a validation never imports the logit engine.
"""

from __future__ import annotations

import difflib

from .checks_base import _is_text, _period, _Where
from .modelspec import TRANSFORMS, filter_name

__all__ = ["check_model_keys", "check_model_tables"]

MODEL_KEYS = (
    "table",
    "title",
    "period",
    "outcome",
    "by",
    "regions",
    "filter",
    "robust",
    "layout",
    "style",
    "software",
    "class_labels",
    "groups",
)


GROUP_KEYS = ("heading", "variables")


VARIABLE_KEYS = ("name", "label", "transform", "regions")


def _outcome_of(spec: dict):
    """(kind, positive, negative) of a model, the way models.py reads it; None when malformed."""
    from .movements import COUNTERPART

    out = spec.get("outcome")
    if isinstance(out, dict):
        keys = {str(k) for k in out}
        if keys not in ({"0", "1"}, {"positive", "negative"}):
            return None
        pos = out.get(1, out.get("1", out.get("positive")))
        neg = out.get(0, out.get("0", out.get("negative")))
        return "category", pos, neg
    if not isinstance(out, str) or not out.strip():
        return None
    if " vs " in out:
        pos, neg = [s.strip() for s in out.split(" vs ", 1)]
        return "category", pos, neg
    if out in COUNTERPART:
        return "category", out, COUNTERPART[out]
    return "column", out, None


def _model_texts(w: _Where, path: tuple, spec: dict) -> None:
    """The text-valued keys of a model, its layout and its robust flag."""
    for k in ("table", "title", "layout", "style", "software", "by"):
        if spec.get(k) is not None and not isinstance(spec[k], str):
            w.bad(path + (k,), f"{k} must be a text; got {spec[k]!r}."[:200])
    if spec.get("layout") is not None and str(spec["layout"]).lower() not in ("spss", "paper"):
        w.bad(path + ("layout",), f"layout must be spss or paper; got {spec['layout']!r}."[:200])
    if "robust" in spec and not isinstance(spec["robust"], bool):
        w.bad(
            path + ("robust",), f"robust must be true or false, written without quotes; got {spec['robust']!r}."[:200]
        )


def _model_outcome(w: _Where, path: tuple, spec: dict) -> None:
    from .movements import CATEGORIES

    oc = _outcome_of(spec)
    if oc is None:
        w.bad(
            path + ("outcome",),
            "outcome must be a movement category (escaped, became_poor, ...), "
            "'A vs B', {1: category, 0: category} or a 0/1 column of sample.csv.",
        )
    elif oc[0] == "category":
        for c in oc[1:]:
            if c not in CATEGORIES:
                w.bad(path + ("outcome",), f"the outcome category {c!r} is not one of: {', '.join(CATEGORIES)}."[:300])


def _filter_value_ok(v) -> bool:
    """A filter value: a text or whole number (not a boolean), or a list of texts and whole numbers."""
    if isinstance(v, list):
        return all(isinstance(x, (str, int)) for x in v)
    return isinstance(v, (str, int)) and not isinstance(v, bool)


def _model_selection(w: _Where, path: tuple, spec: dict) -> None:
    """regions, filter and class_labels of a model."""
    v = spec.get("regions")
    if v is not None and (not isinstance(v, list) or not all(_is_text(x) for x in v)):
        w.bad(path + ("regions",), f"regions must be a list of region names; got {v!r}."[:200])
    f = spec.get("filter")
    if f is not None:
        ok_f = isinstance(f, dict) and f and all(isinstance(k, str) and _filter_value_ok(v) for k, v in f.items())
        if not ok_f:
            w.bad(path + ("filter",), "filter must map a column to a value or a list of values, e.g. {region: Puno}.")
    cl = spec.get("class_labels")
    if cl is not None and (
        not isinstance(cl, dict) or not {str(k) for k in cl} <= {"0", "1"} or not all(_is_text(v) for v in cl.values())
    ):
        w.bad(
            path + ("class_labels",),
            "class_labels must map 1 and 0 to texts, e.g. {1: Escaping poverty, 0: Staying poor}.",
        )


def _model_variable(w: _Where, vp: tuple, v) -> None:
    if not isinstance(v, dict) or not _is_text(v.get("name")):
        w.bad(vp, "each variable must be a mapping with a name (a reason code or a column of sample.csv).")
        return
    w.unknown(vp, v, VARIABLE_KEYS)
    if v.get("label") is not None and not isinstance(v["label"], str):
        w.bad(vp + ("label",), f"label must be a text; got {v['label']!r}."[:200])
    t = v.get("transform")
    if t is not None and t not in TRANSFORMS:
        w.bad(vp + ("transform",), f"the transform {t!r} is not one of: {', '.join(TRANSFORMS)}."[:200])
    r = v.get("regions")
    if r is not None and (not isinstance(r, list) or not all(_is_text(x) for x in r)):
        w.bad(vp + ("regions",), f"regions must be a list of region names; got {r!r}."[:200])


def _model_group(w: _Where, gp: tuple, grp) -> None:
    if not isinstance(grp, dict):
        w.bad(gp, "each entry of groups must be a mapping {heading, variables}.")
        return
    w.unknown(gp, grp, GROUP_KEYS)
    if grp.get("heading") is not None and not isinstance(grp["heading"], str):
        w.bad(gp + ("heading",), f"heading must be a text; got {grp['heading']!r}."[:200])
    vs = grp.get("variables")
    if not isinstance(vs, list) or not vs:
        w.bad(gp + ("variables",), "variables must be a non-empty list of {name, label, transform, regions}.")
        return
    for j, v in enumerate(vs):
        _model_variable(w, gp + ("variables", j), v)


def _model(w: _Where, name: str, spec, valid: dict) -> None:
    path = ("models", name)
    if not isinstance(spec, dict):
        w.bad(
            path, f"the model '{name}' must be a mapping (period, outcome, groups, ...); got a {type(spec).__name__}."
        )
        return
    w.unknown(path, spec, MODEL_KEYS)
    _model_texts(w, path, spec)
    if spec.get("period") is not None:
        _period(w, spec["period"], path + ("period",), valid.get("time_points"), "the period")
    _model_outcome(w, path, spec)
    _model_selection(w, path, spec)
    groups = spec.get("groups")
    if not isinstance(groups, list) or not groups:
        w.bad(
            path + ("groups",), "groups must be a list of {heading, variables}; the model needs at least one variable."
        )
        return
    for i, grp in enumerate(groups):
        _model_group(w, path + ("groups", i), grp)


def check_model_keys(w: _Where, meta: dict, valid: dict) -> None:
    """Check the shape of every model of study.yml's `models:`.

    Parameters
    ----------
    w : _Where
        Where problems about study.yml are collected, at their lines.
    meta : dict
        study.yml as read.
    valid : dict
        The settings found valid so far; ``valid["models"]`` is set when every model is.
    """
    m = meta.get("models")
    if m is None:
        return
    if not isinstance(m, dict):
        w.bad(("models",), f"models must map each model name to its specification; got a {type(m).__name__}.")
        return
    before = w.errors
    for name, spec in m.items():
        if not _is_text(str(name)):
            w.bad(("models",), "a model name must be a non-empty text.")
            continue
        _model(w, str(name), spec, valid)
    if w.errors == before:
        valid["models"] = m


def _fitted_regions(hh, hh_cols: set, spec: dict) -> set | None:
    """The groups a model's `regions` may name: the values of its `by` column, or the study's regions
    plus the name of its filter. None when `by` is not a column (reported on its own): its groups are
    unknown, so the regions it names are not judged."""
    by = spec.get("by")
    if by and by in hh_cols:
        return set(hh.series(by))
    if not by:
        return (set(hh.series("region")) if "region" in hh_cols else set()) | {filter_name(spec)}
    return None


def _model_columns(w: _Where, path: tuple, spec: dict, sample: set, hh_cols: set, regions: set | None) -> None:
    """The outcome, by, filter and regions of one model name columns and values the tables have."""
    by = spec.get("by")
    oc = _outcome_of(spec)
    if oc and oc[0] == "column" and oc[1] not in sample:
        w.bad(path + ("outcome",), f"the outcome '{oc[1]}' is neither a movement category nor a column of sample.csv.")
    if by and by not in hh_cols:
        w.bad(path + ("by",), f"by names '{by}', which is not a column of households.csv.")
    for col in spec.get("filter") or {}:
        if col not in sample and col not in hh_cols:
            w.bad(path + ("filter", col), f"filter names '{col}', a column of neither sample.csv nor households.csv.")
    for r in spec.get("regions") or []:
        if regions is not None and r not in regions:
            w.bad(
                path + ("regions",),
                f"the region '{r}' does not appear in households.csv"
                f"{f' (column {by})' if by and by != 'region' else ''}.",
            )


def _variable_names(
    w: _Where, vp: tuple, v: dict, sample: set, codes: set, has_reasons: bool, regions: set | None
) -> None:
    """A model variable is a column of sample.csv or a reason code that reasons.csv can back."""
    if v["name"] not in sample and v["name"] in codes and not has_reasons:
        w.bad(
            vp + ("name",),
            f"the variable '{v['name']}' is a reason code, but the study has no "
            "reasons.csv to say which households cite it; add reasons.csv or drop the variable.",
        )
    elif v["name"] not in sample and v["name"] not in codes:
        close = difflib.get_close_matches(v["name"], sorted(sample | codes), n=1)
        hint = f" Is it a misspelling of '{close[0]}'?" if close else ""
        w.bad(
            vp + ("name",),
            f"the variable '{v['name']}' is neither a reason code (study.yml reasons: "
            f"or reasons.csv) nor a column of sample.csv.{hint}",
        )
    for r in v.get("regions") or []:
        if regions is not None and r not in regions:
            w.bad(vp + ("regions",), f"the region '{r}' does not appear in households.csv.")


def check_model_tables(w: _Where, meta: dict, read: dict, valid: dict) -> None:
    """Check that every column, region and reason code a valid model names exists in the tables.

    Parameters
    ----------
    w : _Where
        Where problems about study.yml are collected, at their lines.
    meta : dict
        study.yml as read.
    read : dict
        Table name -> (Cells, usable columns, schema.Table) for the tables read.
    valid : dict
        The settings found valid (`check_model_keys` put the models there).
    """
    models = valid.get("models")
    if not models:
        return
    if "sample" not in read:
        w.bad(("models",), "models need sample.csv (the sampled households), which this study does not have.")
        return
    sample = set(read["sample"][0].columns)
    hh = read["households"][0]
    hh_cols = set(hh.columns)
    codes = set(valid.get("reasons") or [])
    if "reasons" in read and "reason" in read["reasons"][0].columns:
        codes |= set(read["reasons"][0].series("reason")) - {""}
    for name, spec in models.items():
        path = ("models", str(name))
        regions = _fitted_regions(hh, hh_cols, spec)
        _model_columns(w, path, spec, sample, hh_cols, regions)
        for i, grp in enumerate(spec["groups"]):
            for j, v in enumerate(grp["variables"]):
                vp = path + ("groups", i, "variables", j)
                _variable_names(w, vp, v, sample, codes, "reasons" in read, regions)
