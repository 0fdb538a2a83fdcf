"""The book's sentences are computed from the study and phrased right for it.

Unit tests of every sentence generator of `stagesofprogress.narrative` on small hand-written
studies (ties, no significant variable, one region, three regions, an unsupported model), and
one slow test that builds the book of the new-user study (`tests/studies/newuser`, a study that
is not the paper's) and reads every page: no word of the Peru study, no heading over nothing,
no warning, and no box of the paper's findings.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import stagesofprogress as sop
from conftest import sop_in_process
from stagesofprogress import book, layouts, models, narrative
from stagesofprogress.safetext import MD

ROOT = Path(__file__).resolve().parents[1]
NEWUSER = ROOT / "tests" / "studies" / "newuser"

#: Places, species, landscapes and findings of the paper's study that must not reach another study's book.
PERU_WORDS = [
    "Puno",
    "Cajamarca",
    "Andes",
    "Andean",
    "Altiplano",
    "Titicaca",
    "camelid",
    "alpaca",
    "llama",
    "criollo",
    "communal rangeland",
    "ill health dominates",
    "Peruvian highlands",
]
#: Pages about the published literature (they cite the paper's regions among other studies).
LITERATURE_PAGES = {"other-studies.html", "bibliography.html"}
#: The API reference documents the library (its docstrings use the paper's study as their example);
#: it states no finding about the study the book is built from.
REFERENCE_PAGES = {"api.html"}
#: The data contract's own tables in the data appendix: `schema.py` still names the paper's species
#: among the optional columns it documents (making the contract generic is another part of issue 13).
CONTRACT_CAPTION = re.compile(
    r"<caption[^>]*>\s*(?:<span class=\"sop-table-number\">[^<]*</span>\s*)?"
    r"(Keys of study\.yml|\w+\.csv \((required|optional)\))"
)


# --------------------------------------------------------------------------- hand-written studies


def write_study(
    folder: Path,
    rows: list[tuple],
    years=(2000, 2010, 2020),
    reasons: list[tuple] | None = None,
    sample: list[str] | None = None,
) -> sop.Study:
    """A study of `rows` (household_id, community, region, stage per year); ladder of 4 stages, cutoff 2."""
    folder.mkdir(parents=True)
    (folder / "study.yml").write_text(
        "title: Hand-written study\n"
        f"time_points: [{', '.join(map(str, years))}]\n"
        "stages: [Food, Clothes, Roof, Cow]\n"
        "poverty_cutoff: 2\n"
        "reasons:\n  job: Job\n  crop: New crop\n  sick: Illness\n  fire: Fire\n",
        encoding="utf-8",
    )
    head = "household_id,community,region," + ",".join(f"stage_{y}" for y in years)
    body = [",".join(map(str, r)) for r in rows]
    (folder / "households.csv").write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    if reasons is not None:
        ids = sample if sample is not None else sorted({r[0] for r in reasons})
        from stagesofprogress import schema

        cols = [c.name for c in schema.TABLES["sample"].columns]  # every column the contract names, left blank
        blank = "," * (len(cols) - 1)
        (folder / "sample.csv").write_text(
            ",".join(cols) + "\n" + "".join(f"{i}{blank}\n" for i in ids), encoding="utf-8"
        )
        (folder / "reasons.csv").write_text(
            "household_id,start,end,reason\n" + "\n".join(",".join(map(str, r)) for r in reasons) + "\n",
            encoding="utf-8",
        )
    return sop.load_study(folder)


def text(md: MD) -> str:
    """Markdown as a reader sees it (backslash escapes removed)."""
    assert isinstance(md, MD)
    return re.sub(r"\\(.)", r"\1", str(md))


# Two regions: North has 2 escapes of 4 households, South 1 of 4; nobody falls in North.
TWO = [
    ("N1", "a", "North", 1, 2, 3),
    ("N2", "a", "North", 1, 1, 4),
    ("N3", "a", "North", 3, 3, 3),
    ("N4", "a", "North", 2, 2, 2),
    ("S1", "b", "South", 1, 1, 3),
    ("S2", "b", "South", 3, 3, 1),
    ("S3", "b", "South", 2, 2, 2),
    ("S4", "b", "South", 4, 4, 4),
]


def test_region_comparison_names_the_region_that_did_better_on_every_count(tmp_path):
    study = write_study(tmp_path / "s", TWO)
    out = text(narrative.region_comparison_text(study, 2000, 2020))
    assert out.startswith("Over 2000\u20132020, North did better on every count")
    assert "50.0 percent" in out  # 2 of 4 escaped in North


def test_region_comparison_with_a_tie_and_with_three_regions(tmp_path):
    tie = [
        ("N1", "a", "North", 1, 1, 3),
        ("N2", "a", "North", 3, 3, 3),
        ("S1", "b", "South", 1, 1, 3),
        ("S2", "b", "South", 3, 3, 1),
    ]
    out = text(narrative.region_comparison_text(write_study(tmp_path / "t", tie), 2000, 2020))
    assert out == (
        "Over 2000\u20132020, every region escaping poverty the same share (50.0 percent); North had "
        "the lowest share becoming poor (0.0 percent); North had the lowest share poor at the end "
        "(0.0 percent)."
    )
    three = TWO + [("E1", "c", "East", 1, 1, 1), ("E2", "c", "East", 2, 2, 1)]
    out = text(narrative.region_comparison_text(write_study(tmp_path / "3", three), 2000, 2020))
    assert out == (
        "Over 2000\u20132020, North had the highest share escaping poverty (50.0 percent); North and "
        "East tie for the lowest share becoming poor (0.0 percent each); North had the lowest share poor "
        "at the end (25.0 percent)."
    )


def test_single_region_is_not_compared(tmp_path):
    one = [r for r in TWO if r[2] == "North"]
    study = write_study(tmp_path / "one", one)
    out = text(narrative.region_comparison_text(study, 2000, 2020))
    assert out == "The study has a single region, North, so no regions are compared."
    # the single region's facts still name it, with no "All" twice
    assert narrative.movement_facts(study)["long_top_escape_region"] == "North"


def test_movement_facts_name_tied_regions_together(tmp_path):
    tie = [
        ("N1", "a", "North", 1, 1, 3),
        ("N2", "a", "North", 3, 3, 3),
        ("S1", "b", "South", 1, 1, 3),
        ("S2", "b", "South", 3, 3, 3),
    ]
    facts = narrative.movement_facts(write_study(tmp_path / "t", tie))
    assert facts["long_top_escape_region"] == "North and South"


# Reasons: in North, job and crop are tied among the two escapers of 2000-2010; illness rises.
REASONS = [
    ("N1", 2000, 2010, "job"),
    ("N1", 2010, 2020, "job"),
    ("N2", 2010, 2020, "crop"),
    ("N2", 2000, 2010, "crop"),
    ("S1", 2010, 2020, "job"),
    ("S2", 2010, 2020, "sick"),
]


def _reason_study(tmp_path):
    rows = [
        ("N1", "a", "North", 1, 3, 3),
        ("N2", "a", "North", 1, 3, 4),
        ("N3", "a", "North", 3, 3, 1),
        ("S1", "b", "South", 1, 1, 3),
        ("S2", "b", "South", 3, 3, 1),
        ("S3", "b", "South", 3, 1, 1),
    ]
    return write_study(tmp_path / "r", rows, reasons=REASONS, sample=["N1", "N2", "N3", "S1", "S2", "S3"])


def test_reason_leaders_name_ties_and_groups_with_nobody(tmp_path):
    study = _reason_study(tmp_path)
    lead = narrative.reason_leaders(study, "escaped")
    first = lead[(lead["period"] == "2000\u20132010") & (lead["group"] == "North")].iloc[0]
    assert first["reasons"] == ["Job", "New crop"] and first["percent"] == pytest.approx(50.0)
    south = lead[(lead["period"] == "2000\u20132010") & (lead["group"] == "South")].iloc[0]
    assert south["base"] == 0 and south["reasons"] == []
    out = text(narrative.reason_leaders_text(study, "escaped"))
    assert "in North, Job and New crop, tied (50 percent each of 2 sampled households)" in out
    assert "in South, no sampled household is in this category" in out
    assert "overall" in out  # the All group


def test_reason_leaders_when_nobody_cited_a_reason(tmp_path):
    study = _reason_study(tmp_path)
    out = text(narrative.reason_leaders_text(study, "became_poor"))
    # N3 fell in 2010-2020 without citing anything
    assert "in North, none of the 1 sampled households cited a reason" in out


def test_reason_trend_says_whether_a_reason_grew(tmp_path):
    study = _reason_study(tmp_path)
    label, trend = narrative.reason_trend(study, "became_poor")
    assert label == "Illness" and list(trend.columns) == ["2000\u20132010", "2010\u20132020"]
    out = text(narrative.reason_trend_text(study, "became_poor"))
    assert "the share citing Illness, the reason most often given" in out
    # S3 fell in 2000-2010 citing nothing, S2 in 2010-2020 citing illness; nobody in North fell in 2000-2010
    assert "rose from 0 to 100 percent in South (of 1 and 1 sampled households) and cannot be compared in North" in out


def test_reason_text_needs_two_periods(tmp_path):
    rows = [("N1", "a", "North", 1, 3), ("N2", "a", "North", 3, 1)]
    study = write_study(tmp_path / "p", rows, years=(2000, 2020), reasons=[("N1", 2000, 2020, "job")])
    assert narrative.reason_trend_text(study, "escaped") == ""


# --------------------------------------------------------------------------- models


def _fake_fit(results: dict, errors: dict | None = None):
    """A ModelFit-shaped object with hand-set results (coef, pvalue, stars per term)."""
    res = {}
    for g, terms in results.items():
        coef = pd.Series({t: c for t, (c, p) in terms.items()})
        pv = pd.Series({t: p for t, (c, p) in terms.items()})
        stars = pv.map(lambda p: "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else "")
        res[g] = SimpleNamespace(predictors=list(terms), dropped={}, coef=coef, pvalue=pv, stars=stars, nobs=50)
    errors = errors or {}
    return SimpleNamespace(
        results=res,
        errors=errors,
        group_order=[*results, *errors],
        labels={"job": "Job", "sick": "Illness", "crop": "New crop"},
    )


def test_model_findings_split_raising_and_lowering_variables():
    fit = _fake_fit({"North": {"job": (1.2, 0.005), "sick": (-0.9, 0.04), "crop": (0.3, 0.5)}})
    out = text(narrative.model_findings_text(fit, outcome="escaping poverty"))
    assert out == (
        "- North (50 households): 2 of 3 variables significant; job (odds ratio 3.32***) raises the odds of escaping "
        "poverty; illness (odds ratio 0.41**) lowers the odds of escaping poverty."
    )


def test_model_findings_with_no_significant_variable_and_an_unsupported_group():
    fit = _fake_fit({"North": {"job": (0.2, 0.6)}}, errors={"South": "Only 3 observations have outcome = 1."})
    out = text(narrative.model_findings_text(fit)).splitlines()
    assert out[0] == "- North (50 households): no variable is significant at the 10 percent level."
    assert out[1] == "- South: no model is shown. Only 3 observations have outcome = 1."


def test_model_findings_of_a_real_unsupported_model():
    study = sop.load_study(NEWUSER)
    fits = models.fits_by_kind(study)
    descent = fits["descent"]
    assert not descent.supported  # every region's descent model is beyond its data
    out = text(narrative.model_findings_text(descent, outcome="becoming poor"))
    assert out.count("no model is shown") == len(study.regions)
    assert "significant" not in out


# --------------------------------------------------------------------------- tables, holdings, cache


def test_table3_gives_every_period_and_group_its_own_n():
    study = sop.load_study(NEWUSER)
    t = layouts.table3(study)
    assert t.shape[1] == 7  # the width does not grow with the number of time points
    n = t["Households"]
    for a in study.time_points[:-1]:
        s = sop.movement_summary(study, a, study.survey_year)
        for g in s.index:
            assert n[(layouts.period_name(a, study.survey_year), g)] == s.loc[g, "households"]
    assert n.nunique() > 3  # the long period's n is not repeated for the others


def test_holdings_text_is_empty_without_livestock_and_conclusions_stay_computed():
    study = sop.load_study(NEWUSER)
    assert narrative.holdings_text(study) == ""
    c = {k: text(v) for k, v in narrative.conclusions_text(study).items()}
    facts = narrative.movement_facts(study)
    assert f"{facts['long_escaped']} percent of the households escaped poverty" in c["flows"]
    assert c["escape"].startswith("The reason most often cited by the sampled households that escaped poverty")


def test_model_cache_is_keyed_on_content_not_on_the_object(tmp_path):
    study = sop.load_study(NEWUSER)
    again = sop.load_study(NEWUSER)
    assert models.study_digest(study) == models.study_digest(again)
    assert models.cached_fits(study) is models.cached_fits(again)
    changed = sop.load_study(NEWUSER)
    col = changed.households.columns.get_loc("stage_2024")
    changed.households.iloc[0, col] = 9 if changed.households.iloc[0, col] != 9 else 1
    assert models.study_digest(changed) != models.study_digest(study)
    assert models.cached_fits(changed) is not models.cached_fits(study)


def test_paper_boxes_only_for_a_study_that_declares_the_paper(monkeypatch):
    shown = []
    monkeypatch.setattr(book, "note", lambda *a, **k: shown.append((a, k)))
    import stagesofprogress.display as display

    monkeypatch.setattr(display, "note", lambda *a, **k: shown.append((a, k)))
    display.paper_says(sop.load_study(NEWUSER), "A finding of the paper.")
    assert shown == []
    display.paper_says(sop.load_study(ROOT / "data" / "peru2004"), "A finding of the paper.")
    assert shown and shown[0][1]["title"] == "What the paper found"


def test_newuser_study_is_made_by_its_script_and_valid(tmp_path):
    copy = tmp_path / "newuser"
    copy.mkdir()
    subprocess.run([sys.executable, str(NEWUSER / "make_study.py"), str(copy)], check=True)
    assert sorted(f.name for f in NEWUSER.iterdir() if f.is_file()) == ["make_study.py", "study.xlsx", "study.yml"]
    for name in ("study.yml", "study.xlsx"):  # one workbook, as a team delivers it
        assert (copy / name).read_bytes() == (NEWUSER / name).read_bytes(), f"{name}: not what make_study.py writes"
    r = sop_in_process("validate", "--data", NEWUSER)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stdout + r.stderr
    study = sop.load_study(NEWUSER)
    assert len(study.households) == 900 and study.time_points == [1990, 2000, 2010, 2024]
    assert study.households["community"].nunique() == 12 and len(study.regions) == 2
    assert study.n_stages == 9 and study.poverty_cutoff == 4 and study.prosperity_cutoff == 8
    assert not study.has("livestock") and not study.has("communities") and not study.meta.get("paper")
    # four villages with ladders of their own: three on a 7-stage ladder, Sireme with its own poverty line
    assert sorted(study.ladders) == ["Ikolomani", "Lurambi", "Shianda", "Sireme"]
    assert study.ladders["Shianda"].n_stages == 7 and study.ladders["Shianda"].prosperity_cutoff == 6
    assert study.ladders["Sireme"].poverty_cutoff == 5 and not study.one_ladder
    # households of every category cite reasons (stayed poor and stayed not poor included)
    from stagesofprogress import movements

    cats = movements.movement_categories(study, 2010, 2024)
    reasons = study.tables["reasons"]
    cited = reasons.loc[reasons["start"] == 2010, "household_id"].unique()
    assert cats[study.households["household_id"].isin(cited).to_numpy()].nunique() == 4


# --------------------------------------------------------------------------- the new user's book


def _page_text(html: str) -> str:
    """The prose of a page: no code cells, no scripts or styles, no table of the data contract, tags removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = "".join(
        part
        for part in re.split(r"(<table\b.*?</table>)", html, flags=re.S)
        if not (part.startswith("<table") and CONTRACT_CAPTION.search(part))
    )
    html = re.sub(r'<div class="cell_input.*?</div>\s*</div>', " ", html, flags=re.S)
    html = re.sub(r"<pre\b.*?</pre>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _main_article(html: str) -> str:
    m = re.search(r'<article class="bd-article"[^>]*>(.*?)</article>', html, flags=re.S)
    return m.group(1) if m else html


def _page_problems(name: str, article: str) -> list[str]:
    """What is wrong with one page of the new-user book: paper boxes, Peru words, empty headings and
    tables, a model table without its diagnostics."""
    problems = []
    prose = _page_text(article)
    if "What the paper found" in prose:
        problems.append(f"{name}: a paper box")
    if name not in LITERATURE_PAGES | REFERENCE_PAGES:
        for w in PERU_WORDS:
            if re.search(re.escape(w), prose, flags=re.I):
                problems.append(f"{name}: '{w}'")
    # no heading (or rubric) followed directly by another heading or by the end of the page
    body = re.sub(r"<(script|style)\b.*?</\1>", "", article, flags=re.S)
    body = re.sub(r'<p class="rubric"', "<h7", body)
    seq = re.findall(r"<(h[1-7]|p|table|img|ul|ol|dl|pre|figure)\b", body)
    for i, tag in enumerate(seq):
        if tag.startswith("h") and (i + 1 == len(seq) or seq[i + 1].startswith("h")):
            problems.append(f"{name}: heading {i} has nothing under it")
    if re.search(r"<tbody>\s*</tbody>", article):
        problems.append(f"{name}: a table with no row")
    # a diagnostics block under every model of the study shown (the logit-check appendix fits public
    # reference data, not the study, and compares it with Stata's published output instead)
    if name == "appendix-logit-check.html":
        return problems
    parts = re.split(r'(<table class="sop-logit">|<div class="sop-logit-notes">)', article)
    marks = [x for x in parts if x.startswith(('<table class="sop-logit"', '<div class="sop-logit-notes"'))]
    for i, m in enumerate(marks):
        if m.startswith("<table") and (i + 1 == len(marks) or not marks[i + 1].startswith("<div")):
            problems.append(f"{name}: a model table without its diagnostics under it")
    return problems


def _newuser_book_problems(out: Path) -> list[str]:
    """Everything wrong with a built book of the new-user study (an empty list when none)."""
    pages = sorted((out / "chapters").glob("*.html"))
    problems = [] if len(pages) >= 15 else [f"only {len(pages)} pages"]
    html = {page.name: _main_article(page.read_text(encoding="utf-8")) for page in pages}
    for name, article in html.items():
        problems += _page_problems(name, article)
    ed = html.get("escape-descent.html", "")
    if ed.count('<div class="sop-logit-notes">') != 2:
        problems.append("escape-descent.html: not one diagnostics block for each of the escape and descent models")
    # sections the study has no data for are dropped (% sop:requires); a chapter with nothing left
    # is one paragraph saying what it would need
    lv = html.get("livestock.html", "")
    if re.search(r"<h[2-6]\b", lv) or "which this study does not have" not in " ".join(_page_text(lv).split()):
        problems.append("livestock.html: not the one-paragraph page of a study without livestock.csv")
    if "Community by community" in ed or '<section id="reasons-cited-by-households-that-escaped"' not in ed:
        problems.append("escape-descent.html: sections not kept or dropped as the study's tables say")
    mv = html.get("movements.html", "")
    nine = re.search(r"<table\b(?:(?!</table>).)*Households by status in 1990.*?</table>", mv, flags=re.S)
    if not nine or not all(w in nine.group(0) for w in ("Poor", "Not poor", "Prosperous")):
        problems.append("movements.html: no nine-cell status table")
    # stage-level results: the ladder figure per ladder, and a note where study.yml's ladder only is used
    if "drew their own" not in _page_text(html.get("approach.html", "")):
        problems.append("approach.html: the communities' own ladders are not described")
    for name in ("movements.html", "mobility.html"):
        text = " ".join(_page_text(html.get(name, "")).split())
        if not re.search(r"use the ladder of study\.yml only: Sireme, Shianda, Ikolomani and Lurambi have", text):
            problems.append(f"{name}: no note on the communities the stage-level results leave out")
    return problems


@pytest.mark.slow
def test_newuser_book_tells_only_the_truth_about_its_study(newuser_book):
    """The book `sop book --quiet` built of the new-user study (conftest's `newuser_book`)."""
    assert (NEWUSER / "study.xlsx").exists() and not list(NEWUSER.glob("*.csv"))
    out, r = newuser_book.out, newuser_book
    assert r.study.resolve() == NEWUSER.resolve()
    assert r.returncode == 0, r.stderr[-4000:]
    assert "WARNING" not in r.stderr and "warning:" not in r.stderr.lower(), r.stderr[-4000:]
    problems = _newuser_book_problems(out)
    assert not problems, "\n".join(problems)


def test_holdings_text_names_the_largest_changes_with_ties():
    from stagesofprogress import livestock

    study = sop.load_study(ROOT / "tests" / "studies" / "analyses")
    out = text(narrative.holdings_text(study)).splitlines()
    assert [line.split("**")[1] for line in out] == study.regions
    t = livestock.holdings(study)
    w = t[t["group"] == "Highland"].pivot_table(index="item", columns="year", values="percent")
    change = (w[2004] - w[1994]).round(1)
    fell = sorted(change[change == change.min()].index)
    assert len(fell) == 2  # the fixture has a tie for the largest decline
    assert (
        f"{fell[0]} and {fell[1]} declined the most (down {-change.min():.1f} points)" in out[0]
        or f"{fell[1]} and {fell[0]} declined the most (down {-change.min():.1f} points)" in out[0]
    )
    assert f"{change.idxmax()} spread the most (up {change.max():.1f} points)" in out[0]


def test_clustering_text_names_what_keeps_and_loses_significance():
    """Computed from the comparison table: kept, lost and gained findings per group."""
    import pandas as pd
    from stagesofprogress import narrative

    t = pd.DataFrame(
        {
            "group": ["North"] * 4 + ["South"] * 2,
            "variable": ["Constant", "a", "b", "c", "Constant", "a"],
            "label": ["Constant", "Alpha", "Beta", "Gamma", "Constant", "Alpha"],
            "pvalue": [0.01, 0.02, 0.05, 0.5, 0.3, 0.4],
            "pvalue_cluster": [0.2, 0.03, 0.2, 0.08, 0.3, 0.5],
            "n_clusters": [6, 6, 6, 6, 5, 5],
        }
    )
    text = str(narrative.clustering_text(t))
    north, south = text.splitlines()
    assert "**North** (6 communities): 1 of 2 variables" in north
    assert "beta does not" in north and "gamma becomes significant only with clustered errors" in north
    assert "constant" not in north.lower().replace("**north**", "")
    assert "**South** (5 communities): no variable is significant" in south


# --------------------------------------------------------------------------- a chapter without its data


def _run_chapter(name: str, study_dir: Path, monkeypatch) -> list[str]:
    """Execute a chapter's code cells in-process on a study; the Markdown it displays, in order."""
    import IPython.display as ipd
    import jupytext
    import matplotlib

    matplotlib.use("Agg")
    shown: list[str] = []

    def display(*objs, **kw):
        for o in objs:
            if isinstance(o, ipd.Markdown):
                shown.append(o.data)

    monkeypatch.setattr(ipd, "display", display)
    monkeypatch.chdir(ROOT / "chapters")
    nb = jupytext.read(ROOT / "chapters" / f"{name}.md")
    scope: dict = {"display": display}
    for cell in nb.cells:
        if cell.cell_type == "code":
            src = (
                cell.source if "parameters" not in cell.metadata.get("tags", []) else f"study_dir = {str(study_dir)!r}"
            )
            exec(compile(src, f"{name}.md", "exec"), scope)
    return shown


def test_escape_descent_without_reasons_shows_one_note_and_no_section(tmp_path, monkeypatch):
    import shutil

    from stagesofprogress import sections

    folder = tmp_path / "noreasons"
    shutil.copytree(ROOT / "tests" / "studies" / "formats" / "csv", folder)
    (folder / "reasons.csv").unlink()
    shown = _run_chapter("escape-descent", folder, monkeypatch)
    assert len(shown) == 1, shown  # the one note, and no table or sentence over nothing
    assert "no `reasons.csv`" in shown[0] and "{note}" in shown[0]
    # the sections are static headings; the book for this study drops them all and the chapter
    # becomes one paragraph saying what it would need
    text = (ROOT / "chapters" / "escape-descent.md").read_text(encoding="utf-8")
    page, dropped = sections.prepare_chapter(text, sop.load_study(folder))
    assert [s.title for s in sections.parse_sections(page)] == ["Why households escaped or fell"]
    assert "needs `reasons.csv` or a `communities.csv` with altitude" in page


def test_escape_descent_with_reasons_shows_every_section(tmp_path, monkeypatch):
    from stagesofprogress import sections

    folder = ROOT / "tests" / "studies" / "formats" / "csv"
    shown = _run_chapter("escape-descent", folder, monkeypatch)
    assert not any("{rubric}" in m for m in shown)  # headings are the chapter's own, not shown by code
    assert sum("became poor" in m or "escaped poverty" in m for m in shown) >= 2, shown  # the reason notes
    text = (ROOT / "chapters" / "escape-descent.md").read_text(encoding="utf-8")
    page, dropped = sections.prepare_chapter(text, sop.load_study(folder))
    assert [s.title for s in dropped] == ["Community by community"]  # no communities.csv
    assert [s.title for s in sections.parse_sections(page) if s.level == 2] == [
        "Reasons cited by households that escaped",
        "The escape model",
        "Cargo nets",
        "Reasons cited by households that fell into poverty",
        "The descent model",
        "Safety nets",
        "Exercises",
    ]


# --------------------------------------------------------------------------- model tables with many regions


def _wide(groups: list[str], stats: list[str], rows: dict[str, list[str]]) -> pd.DataFrame:
    cols = pd.MultiIndex.from_product([groups, stats])
    return pd.DataFrame(list(rows.values()), index=pd.Index(list(rows), name=""), columns=cols, dtype=object)


def test_model_tables_with_many_regions_get_one_block_of_rows_per_region():
    stats = ["B", "Odds Ratio", "Robust Std. Err."]
    groups = ["North", "South", "East", "West"]
    rows = {
        "Constant": ["-1.00***", "0.37", "0.20"] * 4,
        "Reasons cited": [""] * 12,
        "Job": ["0.50*", "1.65", "0.30"] * 3 + ["", "", ""],  # West did not estimate it
        "N": ["40", "", "", "41", "", "", "42", "", "", "43", "", ""],
    }
    t = _wide(groups, stats, rows)
    t.attrs["row_kinds"] = ["constant", "heading", "variable", "fit"]
    out = layouts.group_blocks(t)
    assert list(out.columns) == stats  # the width no longer grows with the regions
    assert out.index[:5].tolist() == ["North", "Constant", "Reasons cited", "Job", "N"]
    west = out.index.tolist().index("West")
    assert out.index[west:].tolist() == ["West", "Constant", "N"]  # no heading over nothing, no blank row
    assert out.attrs["row_kinds"][west:] == ["heading", "constant", "fit"]
    assert out.loc["N", "B"].tolist() == ["40", "41", "42", "43"]  # each block keeps its own n
    # two regions keep the paper's side-by-side layout
    two = _wide(groups[:2], stats, {k: v[:6] for k, v in rows.items()})
    assert layouts.group_blocks(two) is two
    # tables without row kinds (marginal effects, clustered errors) get a (group, row) index
    ame = _wide(groups + ["Centre"], ["AME (points)", "Std. Err."], {"Job": ["1.0", "0.5"] * 5})
    stacked = layouts.group_blocks(ame)
    assert stacked.index.tolist() == [(g, "Job") for g in groups + ["Centre"]]
    assert list(stacked.columns) == ["AME (points)", "Std. Err."]


def test_collinearity_check_with_fewer_observations_than_columns():
    # a region of four regions had fewer sampled households than the model's terms (an IndexError)
    import numpy as np
    from stagesofprogress import logit_checks

    X = np.array([[1.0, 0.0, 2.0, 5.0, 1.0], [0.0, 1.0, 3.0, 1.0, 0.0], [1.0, 1.0, 0.0, 2.0, 1.0]])
    # with the constant, 3 rows span 3 dimensions: the constant and the first two columns; the rest lie in their span
    assert logit_checks._collinear(X) == [2, 3, 4]


def test_escape_model_of_three_regions_is_printed_one_region_block_under_another(tmp_path):
    import importlib.util

    from stagesofprogress import logit_report

    spec = importlib.util.spec_from_file_location("newuser_make_study", NEWUSER / "make_study.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    folder = tmp_path / "three"
    maker.write_form(folder, "csv")
    # a third region: a copy of Région Lac's households (new ids and village names), with their reasons
    tables = {
        n: pd.read_csv(folder / f"{n}.csv", dtype=str, keep_default_na=False)
        for n in ("households", "sample", "reasons")
    }
    hh = tables["households"]
    lac = hh[hh["region"] == "Région Lac"].copy()
    copied = set(lac["household_id"])
    lac["household_id"] = "X" + lac["household_id"]
    lac["community"] = lac["community"] + " Mpya"
    lac["region"] = "Ziwa Mpya"
    tables["households"] = pd.concat([hh, lac])
    for name in ("sample", "reasons"):
        t = tables[name]
        extra = t[t["household_id"].isin(copied)].copy()
        extra["household_id"] = "X" + extra["household_id"]
        tables[name] = pd.concat([t, extra])
    for name, t in tables.items():
        t.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    study = sop.load_study(folder)
    assert len(study.regions) == 3
    fit = models.fit_model(study, "escape", models.model_specs(study)["escape"])
    assert list(fit.results) == study.regions  # side by side they would take 9 columns
    html = logit_report.fit_html(fit).data
    head = html.split("</thead>", 1)[0]
    assert len(re.findall(r"<th[ >]", head)) == 4  # the row labels and B, odds ratio, robust error: once
    shown = re.findall(r'<tr class="heading"><th scope="row">([^<]+)</th>', html)
    assert [g for g in shown if g in study.regions] == study.regions  # one block of rows per region
