"""Reasons for movements: one 0/1 flag per household and reason, and who cited what.

The paper elicits reasons for a random sample of households (Step 6) and uses them two
ways: as binary predictors of the logit models (Tables 4 and 5) and as shares quoted in
the text ("27 per cent of escapes in Cajamarca were associated with business gains").
Both are computed here from `reasons.csv` (long: household_id, start, end, reason).

Conventions (documented in the book):

* The households asked about reasons are those of `sample.csv` when the study has it,
  otherwise every household that appears in `reasons.csv`. A sampled household that
  cited nothing in a period has all flags 0: not citing a reason is information.
* A period with no rows of its own in `reasons.csv` (the paper's 25-year models, when
  reasons were recorded per sub-period) is the union of the recorded periods that lie
  inside it: a reason counts if it was cited in any of them.
* A share is the percent of the sampled households of a movement category (over the
  same period) and group that cited the reason; its base is shown next to it.
"""

from __future__ import annotations

import pandas as pd

from . import movements as mv
from . import outputs
from .study import Study

__all__ = [
    "REASON_COLUMNS",
    "reason_labels",
    "sampled_households",
    "recorded_periods",
    "reason_flags",
    "reason_shares",
    "reason_share",
]

REASON_COLUMNS = ["household_id", "start", "end", "reason"]


def _reasons_table(study: Study) -> pd.DataFrame:
    if not study.has("reasons"):
        raise KeyError("This study has no reasons.csv: reasons for movements are needed here.")
    df = study.table("reasons")
    out = pd.DataFrame(
        {
            "household_id": df["household_id"].astype(str),
            "start": pd.to_numeric(df["start"]).astype(int),
            "end": pd.to_numeric(df["end"]).astype(int),
            "reason": df["reason"].astype(str).str.strip(),
        }
    )
    return out[out["reason"] != ""]


def reason_labels(study: Study) -> dict[str, str]:
    """Reason code to label: study.yml's ``reasons:`` first, then codes found only in reasons.csv.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to str
        In study.yml's order, then reasons.csv's; a code without a label maps to itself.
    """
    labels = {str(k): str(v) for k, v in (study.meta.get("reasons") or {}).items()}
    if study.has("reasons"):
        for code in pd.unique(_reasons_table(study)["reason"]):
            labels.setdefault(code, code)
    return labels


def sampled_households(study: Study) -> pd.Index:
    """Households asked about reasons: sample.csv if present, else those in reasons.csv.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.

    Returns
    -------
    pandas.Index
        Household ids (text) named ``household_id``, each once, in file order.
    """
    if study.has("sample"):
        ids = study.table("sample")["household_id"].astype(str)
    else:
        ids = _reasons_table(study)["household_id"]
    return pd.Index(pd.unique(ids), name="household_id")


def recorded_periods(study: Study) -> list[tuple[int, int]]:
    """Periods that have rows in reasons.csv, in the study's period order, then any others in time order.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.

    Returns
    -------
    list of tuple of (int, int)
        ``(start, end)`` pairs: those of `Study.periods` first (each time point to the survey, then
        consecutive pairs), then any other recorded pair sorted.
    """
    r = _reasons_table(study)
    found = set(zip(r["start"].tolist(), r["end"].tolist()))
    known = [p for p in study.periods() if p in found]
    return known + sorted(found - set(known))


def _rows_for(r: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    exact = r[(r["start"] == start) & (r["end"] == end)]
    if len(exact):
        return exact
    inside = r[(r["start"] >= start) & (r["end"] <= end)]
    return inside


def reason_flags(study: Study, start: int, end: int) -> pd.DataFrame:
    """A 0/1 flag per sampled household and reason, for one period.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    start, end : int
        The period.

    Returns
    -------
    pandas.DataFrame
        Sampled households as rows, every reason of the study as columns (study.yml order, then
        order of appearance), so the shape is the same whichever period is asked for.
    """
    r = _reasons_table(study)
    ids = sampled_households(study)
    codes = list(reason_labels(study))
    rows = _rows_for(r, start, end)
    rows = rows[rows["household_id"].isin(ids)]
    flags = pd.crosstab(rows["household_id"], rows["reason"]).clip(upper=1)
    flags = flags.reindex(index=ids, columns=codes, fill_value=0).fillna(0).astype(int)
    flags.columns.name = "reason"
    return flags


def reason_shares(
    study: Study,
    periods: list[tuple[int, int]] | None = None,
    by: str | None = "region",
) -> pd.DataFrame:
    """Share of the sampled households of each movement category citing each reason.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    periods : list of (int, int), optional
        By default every period with recorded reasons.
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``start, end, group, category, reason, label, households`` (citing), ``base``
        (sampled households of that category and group), ``percent``. Groups in order of
        appearance, then ``All``; categories in the paper's order; reasons in the study's order.
        Categories without a sampled household are left out.
    """
    labels = reason_labels(study)
    periods = periods or recorded_periods(study)
    ids = sampled_households(study)
    hh = study.households.set_index(study.households["household_id"].astype(str))
    frames = []
    for start, end in periods:
        flags = reason_flags(study, start, end)
        cat = mv.movement_categories(study, start, end)
        cat.index = cat.index.astype(str)
        info = pd.DataFrame(
            {
                "group": hh[by].reindex(ids).to_numpy() if by else mv.ALL,
                "category": cat.reindex(ids).astype(str).to_numpy(),
            },
            index=ids,
        )
        info = info[cat.reindex(ids).notna().to_numpy() & info["group"].notna().to_numpy()]
        d = flags.loc[info.index].assign(group=info["group"].astype(str), category=info["category"])
        if by:
            d = pd.concat([d, d.assign(group=mv.ALL)])
        g = d.groupby(["group", "category"], sort=False)
        base = g.size()
        long = g[list(flags.columns)].sum().stack().rename("households").reset_index()
        long.columns = ["group", "category", "reason", "households"]
        long["base"] = base.reindex(pd.MultiIndex.from_frame(long[["group", "category"]])).to_numpy()
        long.insert(0, "end", end)
        long.insert(0, "start", start)
        frames.append(long)
    if not frames:
        return pd.DataFrame(
            columns=["start", "end", "group", "category", "reason", "label", "households", "base", "percent"]
        )
    out = pd.concat(frames, ignore_index=True)
    groups = list(pd.unique(hh[by])) + [mv.ALL] if by else [mv.ALL]
    out["group"] = pd.Categorical(out["group"], categories=[str(g) for g in groups] if by else groups)
    out["category"] = pd.Categorical(out["category"], categories=mv.CATEGORIES)
    out["reason"] = pd.Categorical(out["reason"], categories=list(labels))
    out["_p"] = out.groupby(["start", "end"], sort=False).ngroup()
    out = out.sort_values(["_p", "group", "category", "reason"], kind="stable").drop(columns="_p")
    for c in ("group", "category", "reason"):
        out[c] = out[c].astype(str)
    out.insert(out.columns.get_loc("reason") + 1, "label", out["reason"].map(labels))
    out["households"] = out["households"].astype(int)
    out["base"] = out["base"].astype(int)
    out["percent"] = 100.0 * out["households"] / out["base"].where(out["base"] > 0)
    return out.reset_index(drop=True)


def reason_share(
    study: Study, reason: str, category: str, start: int, end: int, group: str = mv.ALL, by: str = "region"
) -> float:
    """One quoted figure: percent of `category` households of `group` citing `reason` in start -> end.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    reason : str
        A reason code.
    category : str
        A movement category (`movements.CATEGORIES`), e.g. ``escaped``.
    start, end : int
        The period.
    group : str
        A value of the `by` column, or ``"All"``.
    by : str
        The households.csv column that defines groups.

    Returns
    -------
    float
        Percent (0-100) of the sampled households of that category and group who cite the reason.

    Raises
    ------
    KeyError
        When no sampled household of that category and group is there, or the reason is unknown.
    """
    t = reason_shares(study, [(start, end)], by=by)
    hit = t[(t["group"] == str(group)) & (t["category"] == category) & (t["reason"] == reason)]
    if hit.empty:
        raise KeyError(f"No sampled '{category}' households in {group} for {start}-{end}, or no reason '{reason}'.")
    return float(hit["percent"].iloc[0])


@outputs.producer("reasons")
def _produce(study: Study) -> dict[str, pd.DataFrame]:
    if not study.has("reasons"):
        return {}
    return {"reason_shares.csv": reason_shares(study)}
