"""Small helpers that keep the book's chapters thin.

Chapters compute with the library and hand results to MyST-NB through these helpers:

* `glue_text(name, value, fmt)` glues a pre-formatted string (never a numpy scalar, whose
  format specs warn under numpy 2) for `` {glue:text}`name` `` in the prose;
* `glue_figure(name, fig)` renders a matplotlib figure to PNG once, deterministically, and
  glues it for a `{glue:figure}` directive (with caption, name and alt text in the chapter);
* `table(df, caption)` shows a DataFrame as an HTML table with a caption and a plain-text
  form (what nbval compares and what a screen reader or terminal shows);
* `table3(study)` lays out movement percentages the way the paper's Table 3 does;
* `requires(study, "livestock", "Tables 6, 8 and 9")` shows one short note, instead of an
  error, when a study lacks an optional table, and tells the chapter to skip the section;
* `markdown(template, **values)` and `note(template, **values)` show Markdown written by the
  chapter with study values filled in, escaped (`safetext.md`).

Study text (names, labels, descriptions) is never pasted into Markdown or HTML unescaped: the
sentence builders here return `safetext.MD` with every study value escaped, table captions and
cells are HTML-escaped, glued text is shown by `{glue:text}` as plain text, and figures are drawn
with mathtext off. Chapters pass study values as keyword values, never inside an f-string (a test
reads the chapters to keep it so).
"""

from __future__ import annotations

import io
import math
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from . import movements as mv
from . import safetext
from .published import paper_folder
from .safetext import MD, md, md_join
from .study import Study

DPI = 130  # a 5.4-inch figure is about 700 px wide: sharp on a phone, modest in the built site

# --------------------------------------------------------------------------- formatting


def fmt(value: Any, spec: str = ".1f", missing: str = "n/a") -> str:
    """Format a number as text; NaN/None give `missing`. `spec` is a format spec or '{...}' template."""
    if value is None:
        return missing
    try:
        if isinstance(value, (float, np.floating)) and math.isnan(float(value)):
            return missing
        if pd.isna(value):
            return missing
    except (TypeError, ValueError):
        pass
    if isinstance(value, (np.integer,)):
        value = int(value)
    elif isinstance(value, (np.floating,)):
        value = float(value)
    if "{" in spec:
        return spec.format(value)
    return format(value, spec)


def glue_text(name: str, value: Any, spec: str = ".1f", missing: str = "n/a") -> str:
    """Glue `value` formatted as a string (for `{glue:text}` in prose); return the string."""
    from myst_nb import glue

    text = value if isinstance(value, str) else fmt(value, spec, missing)
    glue(name, text, display=False)
    return text


def glue_many(values: dict[str, Any], spec: str = ".1f") -> dict[str, str]:
    """`glue_text` for every item of a mapping (same format spec); returns the strings."""
    return {k: glue_text(k, v, spec) for k, v in values.items()}


def png_bytes(fig, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, without a timestamp or software tag (so output is reproducible)."""
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        # long study names can leave constrained layout no room; the figure is still drawn
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def glue_figure(name: str, fig, dpi: int = DPI):
    """Glue a figure for a `{glue:figure}` directive (display=False: shown only where pasted)."""
    from IPython.display import Image
    from myst_nb import glue

    glue(name, Image(data=png_bytes(fig, dpi), format="png"), display=False)


def show_figure(fig, dpi: int = DPI):
    """Display a figure in place (for a code cell whose `mystnb.figure` metadata sets caption and name)."""
    from IPython.display import Image, display

    display(Image(data=png_bytes(fig, dpi), format="png"))


# --------------------------------------------------------------------------- tables


def _isna(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


class BookTable:
    """A DataFrame with a caption: HTML (with <caption>) in the book, aligned text elsewhere."""

    def __init__(self, df: pd.DataFrame, caption: str = "", formats: dict | str | None = "{:.1f}",
                 uid: str | None = None, index: bool = True, na_rep: str = ""):
        self.df = df
        self.caption = caption
        self.formats = formats
        self.uid = uid or _slug(caption or "table")
        self.index = index
        self.na_rep = na_rep

    def _formatted(self) -> pd.DataFrame:
        out = self.df.astype(object)
        for j, col in enumerate(self.df.columns):
            spec = self.formats.get(col) if isinstance(self.formats, dict) else self.formats
            s = self.df.iloc[:, j]
            if spec is None or not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                out.iloc[:, j] = [self.na_rep if _isna(v) else v for v in s]
                continue
            if pd.api.types.is_integer_dtype(s) and (spec == "{:.1f}" or not isinstance(self.formats, dict)):
                spec = "{:,}"
            out.iloc[:, j] = [self.na_rep if _isna(v) else spec.format(v) for v in s]
        return out

    def _repr_html_(self) -> str:
        f = self._formatted()
        html = f.to_html(index=self.index, na_rep=self.na_rep, escape=True, border=0,
                         classes=["sop-table", "table"], table_id=f"tbl-{self.uid}")
        if self.caption:
            cap = safetext.html(self.caption)
            html = html.replace(">\n", f">\n  <caption style=\"text-align: left; caption-side: top;\">{cap}</caption>\n", 1)
        return html

    def __repr__(self) -> str:
        body = self._formatted().to_string(index=self.index)
        return f"{self.caption}\n{body}" if self.caption else body


def table(df: pd.DataFrame, caption: str = "", formats: dict | str | None = "{:.1f}", uid: str | None = None,
          index: bool = True) -> BookTable:
    """A captioned table for display in a chapter (see `BookTable`)."""
    return BookTable(df, caption, formats, uid, index)


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)[:40]
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "table"


TABLE3_COLUMNS = CATEGORIES_AND_POOR = [*mv.CATEGORIES, "poor_at_start", "poor_at_end"]
TABLE3_LABELS = {**mv.CATEGORY_LABELS, "poor_at_start": "Poor at start", "poor_at_end": "Poor at end"}


def period_name(start: int, end: int) -> str:
    return f"{start}\u2013{end}"


def table3(study: Study, periods: Sequence[tuple[int, int]] | None = None, by: str | None = "region",
           with_n: bool = True) -> pd.DataFrame:
    """Movement percentages in the layout of the paper's Table 3, turned for the screen.

    Rows are the groups (regions, then "All"); columns are grouped by category, with one
    column per period inside each group (latest period first, as in the paper), followed by
    the number of households known in both years of the longest period.
    """
    periods = list(periods or sorted([(y, study.survey_year) for y in study.time_points[:-1]], key=lambda p: -p[0]))
    parts = {}
    n = None
    for a, b in periods:
        t = mv.movement_summary(study, a, b, by=by)
        for col in TABLE3_COLUMNS:
            parts[(TABLE3_LABELS[col], period_name(a, b))] = t[col]
        if n is None or (b - a) > n[0]:
            n = (b - a, t["households"])
    out = pd.DataFrame(parts)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    # group columns by category in the paper's order, periods inside
    order = [(TABLE3_LABELS[c], period_name(a, b)) for c in TABLE3_COLUMNS for a, b in periods]
    out = out[order]
    if with_n and n is not None:
        out[("Households", "n")] = n[1].astype(int)
    out.index.name = None
    return out


def beside(computed: pd.DataFrame, published: pd.DataFrame, names: tuple[str, str] = ("This book", "Published")
           ) -> pd.DataFrame:
    """Interleave two frames of the same shape row by row: (row, "This book"), (row, "Published").

    Columns are aligned by label; rows missing from `published` are shown blank.
    """
    pub = published.reindex(index=computed.index, columns=computed.columns)
    frames = {names[0]: computed, names[1]: pub}
    out = pd.concat(frames, names=["source", "row"]).swaplevel(0, 1)
    order = [(r, s) for r in computed.index for s in names]
    out = out.reindex(order)
    out.index.names = [None, None]
    return out


# --------------------------------------------------------------------------- notes and prose


def markdown(template: str, /, **values: Any) -> None:
    """Display Markdown written by a chapter, with study `values` escaped (see `safetext.md`).

    The book renders output Markdown as MyST. `template` is library text: with `values` its
    ``{name}`` fields are filled, every value shown literally; an `MD` from a helper of this
    module is shown as it is.
    """
    from IPython.display import Markdown, display

    text = md(template, **values)
    if text.strip():
        display(Markdown(str(text)))


_KINDS = frozenset({"note", "tip", "important", "warning", "caution", "attention", "danger", "error", "hint",
                    "seealso"})


def note(template: str, /, kind: str = "note", title: str | None = None, **values: Any) -> None:
    """Display a MyST admonition (note, tip, important ...): `template` and `title` as in `markdown`."""
    if kind not in _KINDS:
        raise ValueError(f"unknown admonition kind {kind!r}")
    body = md(template, **values)
    head = f"````{{admonition}} {md(title, **values)}\n:class: {kind}\n" if title else f"````{{{kind}}}\n"
    markdown(MD(f"{head}{body}\n````"))


def requires(study: Study, table_name: str, enables: str) -> bool:
    """True if the study has the optional table; otherwise show one short note and return False."""
    if study.has(table_name):
        return True
    from . import schema

    spec = schema.TABLES.get(table_name)
    fname = spec.filename if spec else f"{table_name}.csv"
    note(
        "This study has no {fname}, so {enables} cannot be shown here. Add that optional table "
        "to the study folder (see the data appendix) to enable this section.",
        kind="note", fname=MD(f"`{fname}`"), enables=enables,
    )
    return False


def is_paper_study(study: Study) -> bool:
    """True for a study that declares a published paper to compare with (the Peru replica)."""
    return bool(study.meta.get("paper"))


def study_summary(study: Study) -> dict[str, str]:
    """Glue-ready strings describing the study: title, households, communities, regions, years."""
    hh = study.households
    regions = study.regions
    return {
        "title": study.title,
        "n_households": f"{len(hh):,}",
        "n_communities": f"{hh['community'].nunique():,}",
        "n_regions": f"{len(regions)}",
        "regions": _join(regions),
        "first_year": str(study.time_points[0]),
        "survey_year": str(study.survey_year),
        "years": _join([str(y) for y in study.time_points]),
        "n_stages": str(study.n_stages),
        "cutoff": str(study.poverty_cutoff),
        "cutoff_stage": study.stages[study.poverty_cutoff - 1],
        "first_nonpoor_stage": study.stages[study.poverty_cutoff],
    }


def _join(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _md_list(items: Iterable[object]) -> MD:
    """'a, b and c' as Markdown: items that are not `MD` are escaped."""
    items = [safetext._inert(i) for i in items]
    if len(items) <= 1:
        return md_join("", items)
    return md("{head} and {last}", head=md_join(", ", items[:-1]), last=items[-1])


def glue_study(study: Study, prefix: str = "study_") -> dict[str, str]:
    """Glue every item of `study_summary` as `study_<key>` (e.g. `study_n_households`)."""
    out = study_summary(study)
    for k, v in out.items():
        glue_text(prefix + k, v)
    return out


# --------------------------------------------------------------------------- movement facts


def main_periods(study: Study) -> dict[str, tuple[int, int]]:
    """The two periods the prose talks about: `long` (first time point to the survey) and
    `short` (the last earlier time point to the survey; equal to `long` with two time points)."""
    tp = study.time_points
    return {"long": (tp[0], tp[-1]), "short": (tp[-2], tp[-1])}


def movement_facts(study: Study) -> dict[str, str]:
    """Glue-ready strings for every movement number the chapters quote.

    Keys: `<p>_start`, `<p>_end`, `<p>_years` and `<p>_<quantity>` (percent of all households,
    one decimal) for p in long/short and quantity in the four categories, `poor_at_start`,
    `poor_at_end`; `<p>_n` (households known in both years); `<p>_new_poor_share` (percent of
    the poor at the end who were not poor at the start); `<p>_top_escape_region` /
    `<p>_top_escape_pct` and `<p>_top_descent_region` / `<p>_top_descent_pct` (region with the
    highest share escaping / becoming poor); `poor_<year>` for every time point.
    """
    out: dict[str, str] = {}
    for tag, (a, b) in main_periods(study).items():
        t = mv.movement_summary(study, a, b)
        allr = t.loc[mv.ALL]
        out[f"{tag}_start"], out[f"{tag}_end"], out[f"{tag}_years"] = str(a), str(b), str(b - a)
        for col in TABLE3_COLUMNS:
            out[f"{tag}_{col}"] = fmt(allr[col])
        out[f"{tag}_n"] = f"{int(allr['households']):,}"
        pe = allr["poor_at_end"]
        out[f"{tag}_new_poor_share"] = fmt(100 * allr["became_poor"] / pe if pe else float("nan"), ".0f")
        regions = t.drop(index=mv.ALL)
        if len(regions):
            for key, col in (("escape", "escaped"), ("descent", "became_poor")):
                s = regions[col].dropna()
                r = s.idxmax() if len(s) else None
                out[f"{tag}_top_{key}_region"] = str(r) if r is not None else "n/a"
                out[f"{tag}_top_{key}_pct"] = fmt(s.max() if len(s) else float("nan"))
    rates = mv.poverty_rates(study)
    for _, row in rates[rates["group"] == mv.ALL].iterrows():
        out[f"poor_{int(row['year'])}"] = fmt(row["percent_poor"])
    out["poor_first"] = out[f"poor_{study.time_points[0]}"]
    out["poor_last"] = out[f"poor_{study.survey_year}"]
    return out


def glue_movement_facts(study: Study, prefix: str = "mv_") -> dict[str, str]:
    """Glue every `movement_facts` item as `mv_<key>` (e.g. `mv_long_escaped`)."""
    facts = movement_facts(study)
    for k, v in facts.items():
        glue_text(prefix + k, v)
    return facts


def region_movement_text(study: Study, start: int, end: int) -> MD:
    """One Markdown bullet per region: escapes, descents and poverty at both ends of the period."""
    t = mv.movement_summary(study, start, end)
    lines = []
    for region, r in t.drop(index=mv.ALL).iterrows():
        lines.append(md(
            "- **{region}** ({n:,} households): {esc} percent escaped poverty and {fell} percent became "
            "poor; the share poor went from {start} to {end} percent.",
            region=region, n=int(r["households"]), esc=fmt(r["escaped"]), fell=fmt(r["became_poor"]),
            start=fmt(r["poor_at_start"]), end=fmt(r["poor_at_end"])))
    return md_join("\n", lines)


# --------------------------------------------------------------------------- published tables


def interleave_columns(computed: pd.DataFrame, published: pd.DataFrame,
                       names: tuple[str, str] = ("This book", "Published")) -> pd.DataFrame:
    """Columns side by side: for every column c of `computed`, (c, "This book"), (c, "Published").

    Rows of `published` are aligned to `computed` by label; missing cells are blank.
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


def community_text(study: Study) -> MD:
    """A short computed paragraph on the communities: altitude, market distance and livestock income per region."""
    c = study.table("communities")
    parts = []
    by = c.groupby("region", sort=False)
    regions = [r for r in study.regions if r in by.groups] or list(by.groups)
    if "altitude_m" in c.columns:
        alt = by["altitude_m"].agg(["mean", "min", "max", "size"]).reindex(regions)
        bits = [md("{mean} m in {r} ({n} communities, from {lo} to {hi} m)", mean=fmt(a["mean"], ",.0f"), r=r,
                   n=int(a["size"]), lo=fmt(a["min"], ",.0f"), hi=fmt(a["max"], ",.0f")) for r, a in alt.iterrows()]
        parts.append(md("The communities lie on average at {x}.", x=_md_list(bits)))
    if "dist_trading_center_km" in c.columns:
        d = by["dist_trading_center_km"].mean().reindex(regions)
        parts.append(md("The nearest trading centre is on average {x}.",
                        x=_md_list([md("{v} km away in {r}", v=fmt(v), r=r) for r, v in d.items()])))
    if "pct_income_livestock" in c.columns:
        d = by["pct_income_livestock"].mean().reindex(regions)
        bits = [md("{v} percent of community income in {r}" if i == 0 else "{v} percent in {r}",
                   v=fmt(v, ".0f"), r=r) for i, (r, v) in enumerate(d.items())]
        parts.append(md("Livestock provides on average {x}.", x=_md_list(bits)))
    return md_join(" ", parts)




def assets_facts(study: Study, column: str = "assets") -> dict[str, str]:
    """Lowest and highest mean of `column` by stage and whether it rises at every step."""
    t = mv.mean_by_stage(study, column)
    m = t["mean"].dropna()
    steps = np.diff(m.to_numpy())
    if len(steps) and (steps > 0).all():
        pattern = "rise at every step"
    elif len(steps):
        pattern = f"rise in {int((steps > 0).sum())} of {len(steps)} steps"
    else:
        pattern = "cannot be compared (a single stage is occupied)"
    return {"low": fmt(m.iloc[0], ".2f") if len(m) else "n/a",
            "high": fmt(m.iloc[-1], ".2f") if len(m) else "n/a", "pattern": pattern}


def table2(study: Study, column: str = "assets") -> pd.DataFrame:
    """Table 2: households and mean `column` by stage, with the published means beside when known."""
    t = mv.mean_by_stage(study, column).set_index("label")
    t = t.rename(columns={"households": "Households", "mean": "Mean assets"})
    folder = paper_folder(study)
    if folder is not None:
        from . import published as paper_tables

        pub = paper_tables.wide("Table 2", folder).set_index("row").iloc[:, 0]
        t["Published"] = pd.to_numeric(pub.reindex(t.index), errors="coerce")
    t.index.name = "Stage"
    return t


def odds_shift(p0: float, ratio: float) -> float:
    """Probability after multiplying the odds p0/(1-p0) by `ratio`: r p0 / (1 - p0 + r p0)."""
    return ratio * p0 / (1.0 - p0 + ratio * p0)


def escape_rate(study: Study) -> float:
    """Share (0-1) of households poor at the start of the long period that escaped (NaN if none poor)."""
    a, b = main_periods(study)["long"]
    t = mv.movement_summary(study, a, b).loc[mv.ALL]
    return float(t["escaped"] / t["poor_at_start"]) if t["poor_at_start"] else float("nan")


def logit_example(study: Study, ratios: Sequence[float] = (2.0, 0.5)) -> dict[str, str]:
    """Worked odds-ratio example on the study: the long-period escape rate among households
    poor at the start is the base probability; each ratio gives the shifted probability.

    Keys: base_pct, base_odds, and for each ratio r (formatted like '2' or '0.5'):
    ratio_<i>, odds_<i>, pct_<i> (i = 1, 2, ...).
    """
    p0 = escape_rate(study)
    out = {"base_pct": fmt(100 * p0), "base_odds": fmt(p0 / (1 - p0) if p0 < 1 else float("nan"), ".2f")}
    for i, r in enumerate(ratios, start=1):
        p1 = odds_shift(p0, r)
        out[f"ratio_{i}"] = f"{r:g}"
        out[f"odds_{i}"] = fmt(r * p0 / (1 - p0) if p0 < 1 else float("nan"), ".2f")
        out[f"pct_{i}"] = fmt(100 * p1)
    return out


def published_table3(folder, periods: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """The paper's Table 3 (data/paper/table3.csv) in the layout of `table3()`.

    Rows "Cajamarca, 1994-2004" become (group, period) cells; "Both Regions" is renamed "All".
    """
    from . import published as paper_tables

    w = paper_tables.wide("Table 3", folder)
    names = {"Remained Poor": "remained_poor", "Escaped Poverty": "escaped", "Became Poor": "became_poor",
             "Remained Not Poor": "remained_not_poor", "Poor at the Start of the Period": "poor_at_start",
             "Poor at the End of the Period": "poor_at_end"}
    parts: dict[tuple[str, str], dict[str, float]] = {}
    for _, r in w.iterrows():
        if "," not in r["row"]:
            continue
        group, span = [x.strip() for x in r["row"].rsplit(",", 1)]
        group = mv.ALL if group.lower().startswith("both") else group
        a, b = (int(x) for x in span.split("-"))
        for col, key in names.items():
            v = pd.to_numeric(r.get(col, ""), errors="coerce")
            parts.setdefault((TABLE3_LABELS[key], period_name(a, b)), {})[group] = v
    out = pd.DataFrame(parts)
    order = [(TABLE3_LABELS[c], period_name(a, b)) for c in TABLE3_COLUMNS for a, b in periods]
    out = out.reindex(columns=pd.MultiIndex.from_tuples(order))
    return out


def table3_beside(study: Study) -> tuple[pd.DataFrame, float | None]:
    """Table 3 for the study; with the published rows interleaved when the study has a paper.

    Returns (frame, largest absolute difference in percentage points, or None without a paper).
    """
    periods = sorted([(y, study.survey_year) for y in study.time_points[:-1]], key=lambda p: -p[0])
    t = table3(study, periods)
    folder = paper_folder(study)
    if folder is None:
        return t, None
    pub = published_table3(folder, periods)
    cols = [c for c in t.columns if c in pub.columns]
    diff = (t[cols] - pub.reindex(index=t.index)[cols]).abs().max().max()
    n_col = ("Households", "n")
    if n_col in t.columns:
        from . import published as paper_tables

        sizes = paper_tables.sample_sizes(folder)
        sizes = sizes[sizes["table"] == "Table 3"].set_index("group")["n"].astype(int)
        if len(sizes):
            sizes[mv.ALL] = int(sizes.sum())
            pub[n_col] = sizes
    both = beside(t, pub.reindex(columns=t.columns))
    if n_col in both.columns:
        both[n_col] = both[n_col].round().astype("Int64")
    return both, float(diff) if pd.notna(diff) else None


def mobility_facts(study: Study) -> dict[str, str]:
    """Percent of households moving up, staying, moving down over the long period, and the
    median number of stages climbed by households that escaped poverty."""
    a, b = main_periods(study)["long"]
    s0 = mv.stages(study, a).astype("Float64")
    s1 = mv.stages(study, b).astype("Float64")
    ok = (s0.notna() & s1.notna()).to_numpy(dtype=bool)
    d = (s1[ok] - s0[ok]).to_numpy(dtype=float)
    n = len(d)
    pct = (lambda m: fmt(100 * m.sum() / n)) if n else (lambda m: "n/a")
    cut = study.poverty_cutoff
    esc = (s0[ok].to_numpy(dtype=float) <= cut) & (s1[ok].to_numpy(dtype=float) > cut)
    med = fmt(float(np.median(d[esc])), ".0f") if esc.any() else "n/a"
    return {"up": pct(d > 0), "same": pct(d == 0), "down": pct(d < 0), "escape_steps": med, "n": f"{n:,}"}


def study_files(study: Study) -> pd.DataFrame:
    """The files of the study folder with their size and, for tables of the contract, their rows."""
    from . import schema

    by_file = {t.filename: t for t in schema.TABLES.values()}
    rows = []
    for p in sorted(study.path.iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        t = by_file.get(p.name)
        if t is not None:
            n = len(study.households) if t.name == "households" else len(study.tables.get(t.name, []))
            role = f"{'required' if t.required else 'optional'} table: {t.description}"
            rows.append((p.name, f"{n:,}", role))
        elif p.name == "study.yml":
            rows.append((p.name, "", "settings: title, time points, stages, poverty cutoff"))
        else:
            rows.append((p.name, "", "other file (not read by the loader)"))
    return pd.DataFrame(rows, columns=["file", "rows", "role"])


def provenance_text(study: Study) -> MD:
    """Markdown on where the study comes from: its description, source and licence."""
    parts = []
    desc = study.meta.get("description")
    if desc:
        parts.append(md("{d}", d=" ".join(str(desc).split())))
    if study.meta.get("source"):
        parts.append(md("**Source.** {s}", s=" ".join(str(study.meta["source"]).split())))
    if study.meta.get("licence"):
        parts.append(md("**Licence of the data.** {s}.", s=str(study.meta["licence"])))
    if study.synthetic:
        parts.append(MD("**Synthetic.** The study declares `synthetic: true`: its households are not field records."))
    return md_join("\n\n", parts) or MD("The study folder gives no description of its source.")


# --------------------------------------------------------------------------- logit models


def _outcome_kind(spec: dict) -> str:
    out = spec.get("outcome")
    if isinstance(out, dict):
        out = out.get(1, out.get("1"))
    if out in ("escaped", "remained_poor"):
        return "escape"
    if out in ("became_poor", "remained_not_poor"):
        return "descent"
    return "other"


def model_fits(study: Study) -> dict[str, Any]:
    """The study's fitted models by kind: {"escape": ModelFit, "descent": ..., "other": [...]}.

    Empty when the study has neither `models:` nor sample.csv and reasons.csv.
    """
    from . import models

    try:
        fits = models.cached_fits(study)
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


def logit_table_html(fit, caption: str | None = None):
    """The model in the paper's printed layout (Tables 4, 5 or 7), as displayable HTML."""
    from IPython.display import HTML

    from . import logit_report

    cap = caption or " ".join(str(fit.spec.get("title") or fit.name).split())
    if fit.spec.get("table"):
        cap = f"{fit.spec['table']}. {cap}"
    return HTML(logit_report.to_html(fit.paper_table(), caption=cap))


def odds_beside(fit, study: Study) -> pd.DataFrame | None:
    """Odds ratios with significance stars, this book beside the published table, per group.

    Rows are the model's variables (printed labels); columns (group, "This book" | "Published").
    None when the study has no paper or the paper has no table of that name.
    """
    from . import published as paper_tables

    folder = paper_folder(study)
    table = str(fit.spec.get("table") or "")
    if folder is None or not table.startswith("Table"):
        return None
    try:
        pub = paper_tables.wide(table, folder).set_index("row")
    except (KeyError, FileNotFoundError):
        return None
    rows = {}
    for g, r in fit.results.items():
        for term in r.predictors:
            label = fit.labels.get(term, term)
            if term in r.dropped:
                ours = "dropped"
            else:
                ours = fmt(float(np.exp(r.coef[term])), ".2f") + r.stars[term]
            col_or, col_b = f"{g} Odds Ratio", f"{g} B"
            if col_or not in pub.columns and "Odds Ratio" in pub.columns:
                col_or, col_b = "Odds Ratio", "B"
            theirs = ""
            if label in pub.index and col_or in pub.columns:
                b = str(pub.loc[label, col_b]) if col_b in pub.columns else ""
                stars = "*" * b.count("*")
                if not stars and "Sig." in pub.columns:
                    from .logistic import significance_stars

                    p = pd.to_numeric(pub.loc[label, "Sig."], errors="coerce")
                    stars = significance_stars(float(p)) if pd.notna(p) else ""
                theirs = str(pub.loc[label, col_or]) + stars
            rows.setdefault(label, {})[(g, "This book")] = ours
            rows[label][(g, "Published")] = theirs
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out.fillna("")


def significant_text(fit, alpha: float = 0.1) -> MD:
    """Markdown bullets, one per group: the variables with p < alpha, largest odds ratio first."""
    lines = []
    for g, r in fit.results.items():
        kept = [t for t in r.predictors if t not in r.dropped and r.pvalue[t] < alpha]
        kept.sort(key=lambda t: -float(r.coef[t]))
        if kept:
            items = [md("{label} (odds ratio {ratio})", label=str(fit.labels.get(t, t)).lower(),
                        ratio=fmt(float(np.exp(r.coef[t])), ".2f") + r.stars[t]) for t in kept]
            lines.append(md("- **{g}** ({n:,} households): {items}.", g=g, n=int(r.nobs), items=md_join("; ", items)))
        else:
            lines.append(md("- **{g}** ({n:,} households): no variable is significant at the {level} percent level.",
                            g=g, n=int(r.nobs), level=fmt(100 * alpha, ".0f")))
    for g, err in getattr(fit, "errors", {}).items():
        lines.append(md("- **{g}**: the model could not be estimated ({err})", g=g, err=str(err)))
    return md_join("\n", lines)


# --------------------------------------------------------------------------- reasons


def reason_table(study: Study, category: str, start: int | None = None, end: int | None = None,
                 top: int = 8) -> pd.DataFrame:
    """Percent of the sampled households of `category` citing each reason, by group (wide).

    Rows: reasons (labels), ordered by the share among all groups; columns: groups, then the
    base (sampled households) is given in the column names. Period: the recorded period ending
    at the survey year (default) .
    """
    from . import reasons as rs

    periods = rs.recorded_periods(study)
    if start is None or end is None:
        ends = [p for p in periods if p[1] == study.survey_year] or periods
        start, end = max(ends, key=lambda p: p[0])
    t = rs.reason_shares(study, [(start, end)])
    t = t[t["category"] == category]
    if t.empty:
        return pd.DataFrame()
    wide_ = t.pivot_table(index="label", columns="group", values="percent", sort=False)
    bases = t.groupby("group", sort=False)["base"].first()
    groups = [g for g in [*study.regions, mv.ALL] if g in wide_.columns]
    wide_ = wide_[groups].sort_values(groups[-1], ascending=False)
    wide_ = wide_[(wide_.fillna(0) > 0).any(axis=1)].head(top)
    wide_.columns = [f"{g} (n = {int(bases[g]):,})" for g in groups]
    wide_.index.name = f"Reason ({start}\u2013{end})"
    return wide_


def reason_long(study: Study, category: str, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Tidy shares for one category and period (group, label, percent), for `plots.share_bars`."""
    from . import reasons as rs

    periods = rs.recorded_periods(study)
    if start is None or end is None:
        ends = [p for p in periods if p[1] == study.survey_year] or periods
        start, end = max(ends, key=lambda p: p[0])
    t = rs.reason_shares(study, [(start, end)])
    t = t[(t["category"] == category) & (t["group"] != mv.ALL) & (t["percent"] > 0)]
    return t[["group", "label", "percent", "base"]].reset_index(drop=True)


def reason_trend(study: Study, reason: str, category: str = "became_poor") -> pd.DataFrame:
    """Percent of `category` households citing `reason` in each recorded sub-period, by group."""
    from . import reasons as rs

    periods = list(rs.recorded_periods(study))
    steps = [p for p in periods if any(p == (a, b) for a, b in zip(study.time_points, study.time_points[1:]))]
    periods = sorted(steps if len(steps) > 1 else periods)
    t = rs.reason_shares(study, periods)
    t = t[(t["category"] == category) & (t["reason"] == reason)]
    if t.empty:
        return pd.DataFrame()
    t = t.assign(period=[period_name(a, b) for a, b in zip(t["start"], t["end"])])
    out = t.pivot_table(index="group", columns="period", values="percent", sort=False)
    out.columns.name = None
    out.index.name = None
    return out


# --------------------------------------------------------------------------- livestock


def _year_label(study: Study, year: int, years: Sequence[int]) -> str:
    return f"{year}" if year != years[-1] else f"{year} (now)"


def table6(study: Study) -> pd.DataFrame:
    """Table 6: percent of surveyed households holding each item, by region and year (wide).

    Rows: items; columns: (region, year); the base of each region is in its column name.
    """
    from . import livestock

    t = livestock.holdings(study)
    t = t[t["group"] != mv.ALL]
    base = t.groupby("group", sort=False)["base"].first()
    t = t.assign(col=[(f"{g} (n = {int(base[g]):,})", str(y)) for g, y in zip(t["group"], t["year"])])
    wide_ = t.pivot_table(index="item", columns="col", values="percent", sort=False)
    wide_.columns = pd.MultiIndex.from_tuples(wide_.columns)
    wide_.index.name = "Percent of households holding"
    return wide_


def table6_long(study: Study) -> pd.DataFrame:
    """Tidy Table 6 for `plots.paired_bars`: group, item, then, now (percent)."""
    from . import livestock

    t = livestock.holdings(study)
    t = t[t["group"] != mv.ALL]
    years = sorted(t["year"].unique())
    w = t.pivot_table(index=["group", "item"], columns="year", values="percent", sort=False).reset_index()
    return w.rename(columns={years[0]: "then", years[-1]: "now"})


def table8(study: Study, category: str = "escaped") -> pd.DataFrame:
    """Table 8: mean herd size (and valid n) of one movement category's holders, by region and year."""
    from . import livestock

    t = livestock.herd_sizes(study, category=category)
    t = t[t["group"] != mv.ALL]
    n = t.groupby("group", sort=False)["n"].first()
    parts = {}
    for (g, y), d in t.groupby(["group", "year"], sort=False):
        d = d.set_index("item")
        parts[(f"{g} (n = {int(n[g]):,})", str(y), "Mean herd")] = d["mean"]
        parts[(f"{g} (n = {int(n[g]):,})", str(y), "Valid n")] = d["valid_n"].astype("Int64")
    out = pd.DataFrame(parts)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out.index.name = "Item"
    return out


def table8_long(study: Study, category: str = "escaped") -> pd.DataFrame:
    from . import livestock

    t = livestock.herd_sizes(study, category=category)
    t = t[t["group"] != mv.ALL]
    years = sorted(t["year"].unique())
    w = t.pivot_table(index=["group", "item"], columns="year", values="mean", sort=False).reset_index()
    return w.rename(columns={years[0]: "then", years[-1]: "now"})


def table9(study: Study) -> pd.DataFrame:
    """Table 9: households new to each product (count, percent of producers now, valid n), by region."""
    from . import livestock

    t = livestock.new_activities(study)
    t = t[(t["group"] != mv.ALL) & (t["valid_n"] > 0)]
    parts = {}
    for g, d in t.groupby("group", sort=False):
        d = d.set_index("label")
        parts[(g, "New producers")] = d["households"].astype("Int64")
        parts[(g, "Percent")] = d["percent"]
        parts[(g, "Producing now")] = d["valid_n"].astype("Int64")
    out = pd.DataFrame(parts)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out.index.name = "Product"
    return out


def table9_long(study: Study) -> pd.DataFrame:
    from . import livestock

    t = livestock.new_activities(study)
    return t[(t["group"] != mv.ALL) & (t["valid_n"] > 0)][["group", "label", "percent"]].reset_index(drop=True)


def livestock_years(study: Study) -> tuple[str, str]:
    from . import livestock

    ys = livestock.settings(study)["years"]
    return str(ys[0]), str(ys[-1])


# --------------------------------------------------------------------------- scorecard


def scorecard_frame(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for display: reproduced values rounded sensibly, verdicts as words."""
    out = card.copy()
    out["reproduced"] = [("" if v is None or (isinstance(v, float) and math.isnan(v)) else
                          (f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v))) for v in out["reproduced"]]
    out["ok"] = np.where(out["ok"].astype(bool), "yes", "no")
    return out


def scorecard_text(card: pd.DataFrame) -> MD:
    """One computed paragraph: cells judged, share within tolerance, tables fully reproduced."""
    n = len(card)
    ok = int(card["ok"].astype(bool).sum())
    per = card.groupby("table", sort=False)["ok"].agg(["size", "sum"])
    full = [t for t, r in per.iterrows() if r["sum"] == r["size"]]
    worst = per.assign(share=per["sum"] / per["size"]).sort_values("share").head(1)
    parts = [md("Of the {n:,} published cells and quoted figures, {ok:,} ({pct} percent) are reproduced within "
                "their tolerance.", n=n, ok=ok, pct=fmt(100 * ok / n if n else float("nan")))]
    if full:
        parts.append(md("Fully reproduced: {full}.", full=_md_list(str(t) for t in full)))
    if len(worst) and worst["share"].iloc[0] < 1:
        parts.append(md("The weakest is {t}, with {k:,} of {m:,} cells within tolerance.", t=str(worst.index[0]),
                        k=int(worst["sum"].iloc[0]), m=int(worst["size"].iloc[0])))
    return md_join(" ", parts)


def paper_says(study: Study, text: str, title: str = "What the paper found") -> None:
    """Show the paper's own finding (attributed, paraphrased) only when the study is the paper's.

    Chapters run on any study; statements about Puno and Cajamarca belong next to the Peru
    replica's tables, not next to another study's.
    """
    if is_paper_study(study):
        note(MD(" ".join(text.split())), kind="tip", title=title)


def trend_text(trend: pd.DataFrame, what: str) -> MD:
    """'... citing <what> went from X to Y percent in A, ...' for a `reason_trend` frame."""
    if trend.empty or trend.shape[1] < 2:
        return MD("")
    first, last = trend.columns[0], trend.columns[-1]
    bits = [md("from {a} to {b} percent in {g}", a=fmt(r[first], ".0f"), b=fmt(r[last], ".0f"), g=g)
            for g, r in trend.iterrows() if g != mv.ALL]
    return md("Among households that became poor, the share citing {what} went {bits}, between the periods "
              "{first} and {last}.", what=what, bits=_md_list(bits), first=str(first), last=str(last))


_T3_PUBLISHED_COLUMNS = {
    "remained_poor": "Remained Poor", "escaped": "Escaped Poverty", "became_poor": "Became Poor",
    "remained_not_poor": "Remained Not Poor", "poor_at_start": "Poor at the Start of the Period",
    "poor_at_end": "Poor at the End of the Period",
}


def table3_gaps(study: Study) -> dict[str, str] | None:
    """Where this study's Table 3 differs most from the printed one, errata taken into account.

    Returns glue-ready strings: `gap` (largest difference, points), `where` (group, column,
    period), `printed`, `erratum` (the paper's own consistent value, or "" when the cell is not
    an erratum) and `gap_other` (largest difference outside erratum cells). None without a paper.
    """
    folder = paper_folder(study)
    if folder is None:
        return None
    from . import published as paper_tables

    periods = sorted([(y, study.survey_year) for y in study.time_points[:-1]], key=lambda p: -p[0])
    ours = table3(study, periods, with_n=False)
    pub = published_table3(folder, periods).reindex(index=ours.index)
    diff = (ours - pub).abs()
    err = paper_tables.errata(folder)
    err = err[err["table"] == "Table 3"]
    label_to_key = {v: k for k, v in TABLE3_LABELS.items()}
    cells = []
    for g in diff.index:
        for (lab, per) in diff.columns:
            d = diff.loc[g, (lab, per)]
            if pd.isna(d):
                continue
            a, b = per.split("\u2013")
            row = f"{'Both Regions' if g == mv.ALL else g}, {a}-{b}"
            col = _T3_PUBLISHED_COLUMNS[label_to_key[lab]]
            hit = err[(err["row"] == row) & (err["column"] == col)]
            cells.append((float(d), g, lab, per, pub.loc[g, (lab, per)],
                          hit["consistent_value"].iloc[0] if len(hit) else ""))
    if not cells:
        return None
    cells.sort(key=lambda c: -c[0])
    top = cells[0]
    others = [c[0] for c in cells if not c[5]]
    return {"gap": fmt(top[0]), "where": f"{top[1]}, {top[2].lower()}, {top[3]}", "printed": fmt(top[4]),
            "erratum": str(top[5]), "gap_other": fmt(max(others) if others else float("nan"))}


def table3_gap_text(study: Study) -> MD:
    """One computed sentence on how far the study's Table 3 is from the printed one."""
    g = table3_gaps(study)
    if g is None:
        return MD("")
    text = md("Each region has two rows: the percentages re-computed from this study and, below them, those "
              "printed in the paper. The largest difference is {gap} percentage points ({where})", **g)
    if g["erratum"]:
        return md("{text}, where the paper prints {printed} although its own other figures imply {erratum}: a "
                  "misprint, listed with the errata in the [scorecard appendix](appendix-scorecard.md). "
                  "Elsewhere the largest difference is {gap_other} points.", text=text, **g)
    return md("{text}.", text=text)


def errata_text(study: Study, table: str) -> MD:
    """Markdown listing the paper's errata for `table` (printed value, consistent value), or ''."""
    folder = paper_folder(study)
    if folder is None:
        return MD("")
    from . import published as paper_tables

    err = paper_tables.errata(folder)
    err = err[err["table"] == table]
    if err.empty:
        return MD("")
    items = [md("- {row} / {column}: printed {printed}, consistent with the paper's other figures {value}",
                row=str(r["row"]), column=str(r["column"]), printed=str(r["printed"]),
                value=str(r["consistent_value"])) for _, r in err.iterrows()]
    n = len(items)
    head = md("The paper's own figures disagree in {n} cell{s} of {table} (errata, explained in the "
              "[scorecard appendix](appendix-scorecard.md)):", n=n, s=MD("s" if n != 1 else ""), table=table)
    return md("{head}\n\n{items}", head=head, items=md_join("\n", items))


def reason_periods_table(study: Study, category: str, top: int = 8) -> pd.DataFrame:
    """Percent of the sampled `category` households citing each reason, by region and recorded
    sub-period (columns (region, period)); the `top` reasons most cited overall first."""
    from . import reasons as rs

    periods = list(rs.recorded_periods(study))
    steps = [p for p in periods if any(p == (a, b) for a, b in zip(study.time_points, study.time_points[1:]))]
    periods = sorted(steps if len(steps) > 1 else periods)
    t = rs.reason_shares(study, periods)
    t = t[(t["category"] == category)]
    if t.empty:
        return pd.DataFrame()
    t = t.assign(period=[period_name(a, b) for a, b in zip(t["start"], t["end"])])
    order = (t[t["group"] == mv.ALL].groupby("label", sort=False)["households"].sum()
             .sort_values(ascending=False).head(top).index)
    t = t[(t["group"] != mv.ALL) & t["label"].isin(order)]
    w = t.pivot_table(index="label", columns=["group", "period"], values="percent", sort=False)
    groups = [g for g in study.regions if g in w.columns.get_level_values(0)]
    cols = [(g, period_name(a, b)) for g in groups for a, b in periods if (g, period_name(a, b)) in w.columns]
    w = w.reindex(index=list(order), columns=pd.MultiIndex.from_tuples(cols))
    w = w[(w.fillna(0) > 0).any(axis=1)]
    w.index.name = None
    return w
