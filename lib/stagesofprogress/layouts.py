"""The printed tables' layouts: Tables 2, 3, 6, 8 and 9 and the reason tables, shaped for the screen.

Each function takes a study and returns a DataFrame laid out as the book prints it (the chapters
pass it to `display.table`); the numbers come from the analysis modules (`movements`,
`reasons`, `livestock`). Wide layouts re-flow for any number of time points and regions: Table 3
stacks one block of rows per period, so its width does not grow with the number of periods,
and every block carries the number of households of its own period and group.

`beside` and `interleave_columns` set a computed table beside a published one of the same
shape (rows or columns interleaved).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import pandas as pd

from . import movements as mv
from .study import Study

__all__ = [
    "TABLE3_COLUMNS",
    "TABLE3_LABELS",
    "period_name",
    "table3_periods",
    "table3",
    "beside",
    "interleave_columns",
    "table2",
    "table6",
    "table6_long",
    "table8",
    "table8_long",
    "table9",
    "table9_long",
    "livestock_years",
    "model_periods",
    "quoted_reason_shares",
    "reason_periods",
    "reason_table_periods",
    "reason_periods_table",
    "SAMPLED",
    "reason_long",
    "reason_trend",
    "cluster_table",
    "group_blocks",
]

TABLE3_COLUMNS = [*mv.CATEGORIES, "poor_at_start", "poor_at_end"]
TABLE3_LABELS = {**mv.CATEGORY_LABELS, "poor_at_start": "Poor at start", "poor_at_end": "Poor at end"}
N_COLUMN = "Households"
SAMPLED = "Sampled households (n)"


def period_name(start: int, end: int) -> str:
    """A period as the tables and prose print it: start, en dash, end.

    Parameters
    ----------
    start, end : int
        The period's time points.

    Returns
    -------
    str
        For example ``1994–2004`` (an en dash, not a hyphen).
    """
    return f"{start}\u2013{end}"


def table3_periods(study: Study) -> list[tuple[int, int]]:
    """The periods of Table 3: every earlier time point to the survey, the latest start first.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    list of tuple of (int, int)
        ``(start, survey_year)`` pairs.
    """
    return sorted([(y, study.survey_year) for y in study.time_points[:-1]], key=lambda p: -p[0])


def table3(
    study: Study, periods: Sequence[tuple[int, int]] | None = None, by: str | None = "region", with_n: bool = True
) -> pd.DataFrame:
    """Movement percentages in the paper's Table 3, one block of rows per period.

    Rows are (period, group): for every period (latest start first, as in the paper) the groups
    (regions, then "All"); columns are the four categories and the shares poor at the start and
    at the end, then ``Households``, the number of households of that group known at both dates of
    that period. The width is the same for any number of periods and regions.

    Parameters
    ----------
    study : Study
        A loaded study.
    periods : sequence of tuple of (int, int), optional
        The periods to show; by default `table3_periods`.
    by : str or None
        The households.csv column that defines groups; ``None`` for the whole study only.
    with_n : bool
        Whether to add the ``Households`` column.

    Returns
    -------
    pandas.DataFrame
        Percentages (0-100) as floats, indexed by (``Period`` as printed by `period_name`, group).
    """
    periods = list(periods or table3_periods(study))
    blocks = []
    for a, b in periods:
        t = mv.movement_summary(study, a, b, by=by)
        block = t[TABLE3_COLUMNS].rename(columns=TABLE3_LABELS)
        if with_n:
            block[N_COLUMN] = t["households"].astype(int)
        block.index = pd.MultiIndex.from_tuples([(period_name(a, b), g) for g in t.index])
        blocks.append(block)
    out = pd.concat(blocks)
    out.index.names = ["Period", None]
    out.columns.name = None
    return out


def beside(
    computed: pd.DataFrame, published: pd.DataFrame, names: tuple[str, str] = ("This book", "Published")
) -> pd.DataFrame:
    """Interleave two frames of the same shape row by row: ``(*row, "This book")``, ``(*row, "Published")``.

    Columns are aligned by label; rows missing from `published` are shown blank. A row label
    that is a tuple (a MultiIndex) keeps its levels.

    Parameters
    ----------
    computed : pandas.DataFrame
        The table computed from the study.
    published : pandas.DataFrame
        The same table as printed in a paper, with the same labels.
    names : tuple of (str, str)
        The labels of the last index level for the two rows.

    Returns
    -------
    pandas.DataFrame
        Twice the rows of `computed`, with one more index level; integer columns stay integers
        (nullable).
    """
    pub = published.reindex(index=computed.index, columns=computed.columns)
    rows, keys = [], []
    for i in range(len(computed)):
        label = computed.index[i]
        head = label if isinstance(label, tuple) else (label,)
        for name, frame in zip(names, (computed, pub)):
            rows.append(frame.iloc[i])
            keys.append((*head, name))
    out = pd.DataFrame(rows, columns=computed.columns)
    out.index = pd.MultiIndex.from_tuples(keys)
    for c in computed.columns:  # keep each column's dtype (integer counts stay integers)
        if pd.api.types.is_integer_dtype(computed[c]):
            out[c] = pd.to_numeric(out[c]).round().astype("Int64")
    out.index.names = [*(computed.index.names if computed.index.nlevels > 1 else [None]), None]
    return out


def interleave_columns(
    computed: pd.DataFrame, published: pd.DataFrame, names: tuple[str, str] = ("This book", "Published")
) -> pd.DataFrame:
    """Columns side by side: for every column c of `computed`, (c, "This book"), (c, "Published").

    Rows of `published` are aligned to `computed` by label; missing cells are blank.

    Parameters
    ----------
    computed : pandas.DataFrame
        The table computed from the study.
    published : pandas.DataFrame
        The printed table, with the same row and column labels.
    names : tuple of (str, str)
        The second level of each column pair.

    Returns
    -------
    pandas.DataFrame
        The rows of `computed`, twice its columns under a two-level column index.
    """
    pub = published.reindex(index=computed.index)
    parts = {}
    for c in computed.columns:
        parts[(c, names[0])] = computed[c]
        parts[(c, names[1])] = pub[c] if c in pub.columns else pd.Series(index=computed.index, dtype=object)
    out = pd.DataFrame(parts)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out.index.name = None
    return out


def table2(study: Study, column: str = "assets") -> pd.DataFrame:
    """Table 2: households and mean `column` by stage (`published.table2_beside` adds the paper's).

    Parameters
    ----------
    study : Study
        A loaded study with the `column` in households.csv.
    column : str
        The households.csv column to average (``assets`` by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``Stage`` (the stage labels), columns ``Households`` and ``Mean assets`` (as
        `movements.mean_by_stage` computes them).
    """
    t = mv.mean_by_stage(study, column).set_index("label")
    t = t.rename(columns={"households": "Households", "mean": "Mean assets"})
    t.index.name = "Stage"
    return t


def table6(study: Study) -> pd.DataFrame:
    """Table 6: percent of surveyed households holding each item, one block of rows per region.

    Parameters
    ----------
    study : Study
        A loaded study with livestock.csv.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``Region`` with its base n, item), one column of percentages (0-100) per
        year of the livestock survey (as text labels).
    """
    from . import livestock

    t = livestock.holdings(study)
    t = t[t["group"] != mv.ALL]
    base = t.groupby("group", sort=False)["base"].first()
    t = t.assign(block=[f"{g} (n = {int(base[g]):,})" for g in t["group"]], year=t["year"].astype(str))
    out = t.pivot_table(index=["block", "item"], columns="year", values="percent", sort=False)
    out.index.names = ["Region", "Percent of households holding"]
    out.columns.name = None
    return out


def table6_long(study: Study) -> pd.DataFrame:
    """Tidy Table 6 for `plots.paired_bars`: group, item, then, now (percent).

    Parameters
    ----------
    study : Study
        A loaded study with livestock.csv.

    Returns
    -------
    pandas.DataFrame
        One row per region and item; ``then`` and ``now`` are percentages (0-100) of the region's
        households holding the item in the first and last year.
    """
    from . import livestock

    t = livestock.holdings(study)
    t = t[t["group"] != mv.ALL]
    years = sorted(t["year"].unique())
    w = t.pivot_table(index=["group", "item"], columns="year", values="percent", sort=False).reset_index()
    return w.rename(columns={years[0]: "then", years[-1]: "now"})


def table8(study: Study, category: str = "escaped") -> pd.DataFrame:
    """Table 8: mean herd size (and valid n) of one movement category's holders, a block of rows per region.

    Parameters
    ----------
    study : Study
        A loaded study with livestock.csv.
    category : str
        A movement category (`movements.CATEGORIES`).

    Returns
    -------
    pandas.DataFrame
        Indexed by (``Region`` with its n, ``Item``); columns (year, ``Mean herd`` | ``Valid n``),
        mean head per holder and the number of holders (nullable integers); empty when no one holds.
    """
    from . import livestock

    t = livestock.herd_sizes(study, category=category)
    t = t[t["group"] != mv.ALL]
    n = t.groupby("group", sort=False)["n"].first()
    parts = {}
    for (g, y), d in t.groupby(["group", "year"], sort=False):
        d = d.set_index("item")
        block = f"{g} (n = {int(n[g]):,})"
        for item in d.index:
            parts.setdefault((block, item), {})[(str(y), "Mean herd")] = d.loc[item, "mean"]
            parts[(block, item)][(str(y), "Valid n")] = d.loc[item, "valid_n"]
    out = pd.DataFrame.from_dict(parts, orient="index")
    if len(out):
        out.index = pd.MultiIndex.from_tuples(out.index, names=["Region", "Item"])
        out.columns = pd.MultiIndex.from_tuples(out.columns)
        for c in [c for c in out.columns if c[1] == "Valid n"]:
            out[c] = out[c].astype("Int64")
    return out


def table8_long(study: Study, category: str = "escaped") -> pd.DataFrame:
    """Tidy Table 8 for `plots.paired_bars`: group, item, then, now (mean herd size, in head).

    Parameters
    ----------
    study : Study
        A loaded study with livestock.csv.
    category : str
        A movement category (`movements.CATEGORIES`).

    Returns
    -------
    pandas.DataFrame
        One row per region and item; ``then`` and ``now`` are the mean head per holder in the first
        and last year.
    """
    from . import livestock

    t = livestock.herd_sizes(study, category=category)
    t = t[t["group"] != mv.ALL]
    years = sorted(t["year"].unique())
    w = t.pivot_table(index=["group", "item"], columns="year", values="mean", sort=False).reset_index()
    return w.rename(columns={years[0]: "then", years[-1]: "now"})


def table9(study: Study) -> pd.DataFrame:
    """Table 9: households new to each product, one block of rows per region.

    Parameters
    ----------
    study : Study
        A loaded study with production.csv.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``Region``, ``Product``); ``New producers`` (count), ``Percent`` (of producers
        now, 0-100) and ``Producing now`` (count); products nobody produces now are left out.
    """
    from . import livestock

    t = livestock.new_activities(study)
    t = t[(t["group"] != mv.ALL) & (t["valid_n"] > 0)]
    out = pd.DataFrame(
        {
            "New producers": t["households"].astype("Int64").to_numpy(),
            "Percent": t["percent"].to_numpy(),
            "Producing now": t["valid_n"].astype("Int64").to_numpy(),
        },
        index=pd.MultiIndex.from_arrays([t["group"].to_numpy(), t["label"].to_numpy()], names=["Region", "Product"]),
    )
    return out


def table9_long(study: Study) -> pd.DataFrame:
    """Tidy Table 9 for `plots.share_bars`: group, label, percent of producers now who are new to it.

    Parameters
    ----------
    study : Study
        A loaded study with production.csv.

    Returns
    -------
    pandas.DataFrame
        One row per region and product produced now.
    """
    from . import livestock

    t = livestock.new_activities(study)
    return t[(t["group"] != mv.ALL) & (t["valid_n"] > 0)][["group", "label", "percent"]].reset_index(drop=True)


def livestock_years(study: Study) -> tuple[str, str]:
    """The livestock survey's two years (then, now) as text for captions.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    tuple of (str, str)
        The first and last year of study.yml's ``livestock: years`` (see `livestock.settings`).
    """
    from . import livestock

    ys = livestock.settings(study)["years"]
    return str(ys[0]), str(ys[-1])


def model_periods(study: Study, category: str | None = None) -> list[tuple[int, int]]:
    """The periods over which the study's models are estimated, in time order.

    Parameters
    ----------
    study : Study
        A loaded study.
    category : str, optional
        Only the models whose outcome is this movement category (e.g. ``escaped``); by default
        every model.

    Returns
    -------
    list of tuple of (int, int)
        ``(start, end)`` pairs; empty when the study has no models.
    """
    from . import models

    try:
        specs = models.model_specs(study)
    except (KeyError, ValueError):
        return []
    out = set()
    for spec in specs.values():
        kind, positive, _negative = models._outcome(spec)
        if category is None or (kind == "category" and positive == category):
            out.add(models._period(study, spec))
    return sorted(out)


def reason_periods(study: Study) -> list[tuple[int, int]]:
    """The recorded periods reasons are compared over, in time order.

    These are the consecutive steps between time points when more than one was recorded,
    otherwise every recorded period.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.

    Returns
    -------
    list of tuple of (int, int)
        ``(start, end)`` pairs, sorted.
    """
    from . import reasons as rs

    periods = list(rs.recorded_periods(study))
    steps = [p for p in periods if any(p == (a, b) for a, b in zip(study.time_points, study.time_points[1:]))]
    return sorted(steps if len(steps) > 1 else periods)


def reason_table_periods(study: Study, category: str) -> list[tuple[int, int]]:
    """The periods a reason table shows: the period its models weigh first, then `reason_periods`.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        The movement category of the table; the periods of the models whose outcome it is lead.

    Returns
    -------
    list of tuple of (int, int)
        ``(start, end)`` pairs with recorded reasons, each once.
    """
    from . import reasons as rs

    recorded = set(rs.recorded_periods(study))
    lead = [p for p in model_periods(study, category) if p in recorded]
    return lead + [p for p in reason_periods(study) if p not in lead]


def quoted_reason_shares(study: Study, category: str) -> dict[tuple[int, int, str, str], str]:
    """The reason shares the study's paper quotes in its prose, for a study that declares one.

    Read from the ``text_figures.csv`` of the study's ``paper:`` folder: the rows whose
    ``measure`` is ``reason_share`` for `category`, with their ``variable`` (the reason code),
    ``region`` and ``period`` (``START-END``).

    Parameters
    ----------
    study : Study
        A loaded study.
    category : str
        A movement category, e.g. ``escaped``.

    Returns
    -------
    dict
        ``(start, end, region, reason code) -> the quoted value as printed``; empty for a study
        without a paper folder or a transcription without these columns.
    """
    from . import published

    folder = published.paper_folder(study)
    if folder is None or not (folder / "text_figures.csv").is_file():
        return {}
    tf = published.text_figures(folder)
    if not {"measure", "variable", "region", "category", "period", "value"} <= set(tf.columns):
        return {}
    out = {}
    for r in tf[(tf["measure"] == "reason_share") & (tf["category"] == category)].itertuples():
        start, _, end = str(r.period).partition("-")
        if start.strip().isdigit() and end.strip().isdigit() and r.region and r.variable:
            value = str(r.value).strip()
            with contextlib.suppress(ValueError):
                value = f"{float(value):g}"
            out[(int(start), int(end), str(r.region), str(r.variable))] = value
    return out


def reason_periods_table(study: Study, category: str, top: int = 8) -> pd.DataFrame:
    """Percent of the sampled `category` households citing each reason, a block of rows per period.

    One column per region, so the width grows with neither periods nor reasons. Rows are
    (period, reason): each block opens with `SAMPLED`, the number of sampled households of that
    category in each region and period (the base of the percentages below it), then the `top`
    reasons most cited overall (and any the paper quotes), those cited by nobody in that period
    left out. The first block is the period the category's models are estimated over
    (`reason_table_periods`). For a study that declares its paper, a share the paper quotes
    follows the book's in brackets: ``26.7 (27)``.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        A movement category (`movements.CATEGORIES`), e.g. ``escaped``.
    top : int
        How many reasons to show.

    Returns
    -------
    pandas.DataFrame
        Formatted text cells (``73.3``; counts ``15``), blank where a region has no such household;
        empty when no sampled household is in the category.
    """
    from . import reasons as rs

    periods = reason_table_periods(study, category)
    t = rs.reason_shares(study, periods)
    t = t[(t["category"] == category)]
    if t.empty:
        return pd.DataFrame()
    t = t.assign(period=[period_name(a, b) for a, b in zip(t["start"], t["end"])])
    order = list(
        t[t["group"] == mv.ALL]
        .groupby("label", sort=False)["households"]
        .sum()
        .sort_values(ascending=False, kind="stable")
        .head(top)
        .index
    )
    quoted = quoted_reason_shares(study, category)
    label_of = dict(zip(t["reason"].astype(str), t["label"].astype(str)))
    order += [label_of[c] for c in dict.fromkeys(q[3] for q in quoted) if c in label_of and label_of[c] not in order]
    code_of = {v: k for k, v in label_of.items()}
    groups = [g for g in study.regions if g in set(t["group"])]
    rows, keys = [], []
    for a, b in periods:
        per = period_name(a, b)
        d = t[(t["period"] == per) & (t["group"] != mv.ALL)]
        if d.empty:
            continue
        pct = d.pivot_table(index="label", columns="group", values="percent", sort=False).reindex(
            index=order, columns=groups
        )
        base = d.groupby("group", sort=False)["base"].first().reindex(groups)
        keys.append((per, SAMPLED))
        rows.append(["" if pd.isna(n) else f"{int(n):,}" for n in base])
        for label, r in pct.iterrows():
            said = [quoted.get((a, b, str(g), code_of.get(label, ""))) for g in groups]
            if (r.fillna(0) > 0).any() or any(said):
                keys.append((per, label))
                cells = ["" if pd.isna(v) else f"{v:.1f}" for v in r]
                rows.append([f"{c or '0.0'} ({q})" if q else c for c, q in zip(cells, said)])
    out = pd.DataFrame(rows, columns=groups, index=pd.MultiIndex.from_tuples(keys) if keys else None)
    out.index.names = ["Period", None] if keys else out.index.names
    return out


def reason_long(study: Study, category: str, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Tidy shares for one category and period (group, label, percent, base), for `plots.share_bars`.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    category : str
        A movement category (`movements.CATEGORIES`).
    start, end : int, optional
        The period; by default the recorded period to the survey year with the latest start.

    Returns
    -------
    pandas.DataFrame
        One row per region and reason cited by someone: ``percent`` (0-100) of the ``base``
        sampled households of that category.
    """
    from . import reasons as rs

    periods = rs.recorded_periods(study)
    if start is None or end is None:
        ends = [p for p in periods if p[1] == study.survey_year] or periods
        start, end = max(ends, key=lambda p: p[0])
    t = rs.reason_shares(study, [(start, end)])
    t = t[(t["category"] == category) & (t["group"] != mv.ALL) & (t["percent"] > 0)]
    return t[["group", "label", "percent", "base"]].reset_index(drop=True)


def reason_trend(study: Study, reason: str, category: str = "became_poor") -> pd.DataFrame:
    """Percent of `category` households citing `reason` in each recorded sub-period, by group.

    Parameters
    ----------
    study : Study
        A loaded study with reasons.csv.
    reason : str
        A reason code.
    category : str
        A movement category (`movements.CATEGORIES`).

    Returns
    -------
    pandas.DataFrame
        One row per group (regions and ``All``), one column per period (`period_name`), percentages
        0-100; empty when nobody in the category cites the reason.
    """
    from . import reasons as rs

    periods = reason_periods(study)
    t = rs.reason_shares(study, periods)
    t = t[(t["category"] == category) & (t["reason"] == reason)]
    if t.empty:
        return pd.DataFrame()
    t = t.assign(period=[period_name(a, b) for a, b in zip(t["start"], t["end"])])
    out = t.pivot_table(index="group", columns="period", values="percent", sort=False)
    out.columns.name = None
    out.index.name = None
    return out


def cluster_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """A model's standard errors, its own beside those clustered by community, with stars.

    Parameters
    ----------
    comparison : pandas.DataFrame
        `models.cluster_comparison` for one model.

    Returns
    -------
    pandas.DataFrame
        Rows: the variables' labels (constant last); columns: (group, "Robust S.E." |
        "Clustered S.E.") as printed text, e.g. ``0.63**``.
    """

    def fmt_se(se, stars):
        return "" if pd.isna(se) else f"{se:.2f}{stars}"

    t = comparison.copy()
    own = "Robust S.E." if (t["vce"] == "robust").all() else "S.E."
    t[own] = [fmt_se(a, b) for a, b in zip(t["se"], t["stars"])]
    t["Clustered S.E."] = [fmt_se(a, b) for a, b in zip(t["se_cluster"], t["stars_cluster"])]
    wide = t.pivot_table(index="label", columns="group", values=[own, "Clustered S.E."], aggfunc="first", sort=False)
    wide = wide.swaplevel(axis=1)
    groups = list(pd.unique(t["group"]))
    wide = wide.reindex(columns=pd.MultiIndex.from_product([groups, [own, "Clustered S.E."]]))
    order = list(pd.unique(t["label"]))
    wide = wide.reindex(order).fillna("")
    wide.index.name = None
    return wide


def group_blocks(table: pd.DataFrame, max_columns: int = 8) -> pd.DataFrame:
    """Re-flow a table of one column block per group (region) into one block of rows per group.

    A model's tables (`logit_report.paper_table`, `margins_wide`, `cluster_table`) set the
    groups side by side: (group, statistic) columns. With many groups they outgrow the page, so
    when the table has more than `max_columns` columns each group becomes a block of rows under
    its own name and the columns are the statistics once: the width no longer grows with the
    number of groups. Rows blank in a group's block are left out of it (a variable that group's
    model did not estimate), and so is a heading left with no variable under it.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns a two-level MultiIndex (group, statistic); a ``row_kinds`` attribute (as
        `paper_table` sets) is carried over, the group's name becoming a ``heading`` row.
    max_columns : int, default 8
        Tables with at most this many columns are returned unchanged.

    Returns
    -------
    pandas.DataFrame
        The table itself, or the stacked one: with ``row_kinds`` a flat index (group rows
        included), otherwise a (group, row) MultiIndex, as Tables 6, 8 and 9 are laid out.
    """
    if not isinstance(table.columns, pd.MultiIndex) or table.columns.nlevels != 2 or table.shape[1] <= max_columns:
        return table
    kinds = table.attrs.get("row_kinds")
    groups = list(pd.unique(table.columns.get_level_values(0)))
    stats = list(pd.unique(table.columns.get_level_values(1)))
    labels, rows, out_kinds, blocks = [], [], [], []
    for g in groups:
        block = table[g].reindex(columns=stats).fillna("")
        filled = block.astype(str).ne("").any(axis=1).to_numpy()
        kind = kinds or ["variable"] * len(block)
        keep = [bool(f) or k == "fit-heading" for f, k in zip(filled, kind)]
        for i, k in enumerate(kind):  # a heading stays when a variable under it does
            if k == "heading":
                nxt = next((j for j in range(i + 1, len(kind)) if kind[j] != "variable"), len(kind))
                keep[i] = any(keep[i + 1 : nxt])
        if kinds is not None:
            labels.append(str(g))
            rows.append([""] * len(stats))
            out_kinds.append("heading")
        for label, k, vals, ok in zip(block.index, kind, block.itertuples(index=False), keep):
            if ok:
                labels.append(label)
                rows.append(list(vals))
                out_kinds.append(k)
                blocks.append(str(g))
    if kinds is not None:
        out = pd.DataFrame(rows, columns=stats, index=pd.Index(labels, name=""), dtype=object)
        out.attrs["row_kinds"] = out_kinds
        return out
    index = pd.MultiIndex.from_arrays(
        [blocks, labels], names=[table.columns.names[0] or "Group", table.index.name or ""]
    )
    return pd.DataFrame(rows, columns=stats, index=index, dtype=object)
