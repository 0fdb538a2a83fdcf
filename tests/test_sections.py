"""Sections a study lacks the data for are dropped from the book's chapters (`stagesofprogress.sections`).

Fast: hand-written chapter texts, the repository's own chapters read as text, small studies.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
import stagesofprogress as sop
from stagesofprogress import sections

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"  # households.csv only
TEACHING = ROOT / "data" / "teaching"  # reasons and sample, no communities or livestock
PERU = ROOT / "data" / "peru2004"

CHAPTER = """\
---
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

# A chapter
% sop:requires reasons|communities

Intro text.

```{code-cell} ipython3
:tags: [parameters]

study_dir = "../data/x"
```

(sec-kept)=
## Kept section

Always shown.

```{code-cell} ipython3
# a Python comment, not a heading
x = 1
```

(sec-gone)=
## Needs livestock
% sop:requires livestock

Herds.

````{note}
```python
# still not a heading
```
````

### A subsection of it

More herds.

## Needs reasons and livestock
% sop:requires reasons livestock

Both.

## Needs reasons

% sop:requires reasons

Reasons only (blank line before the marker).

## Exercises

The end.
"""


def _headings(text: str) -> list[str]:
    return [s.title for s in sections.parse_sections(text)]


def test_parse_sections_skips_front_matter_and_fenced_blocks():
    secs = sections.parse_sections(CHAPTER)
    assert [(s.level, s.title, s.requires) for s in secs] == [
        (1, "A chapter", "reasons|communities"),
        (2, "Kept section", None),
        (2, "Needs livestock", "livestock"),
        (3, "A subsection of it", None),
        (2, "Needs reasons and livestock", "reasons livestock"),
        (2, "Needs reasons", "reasons"),
        (2, "Exercises", None),
    ]
    lines = CHAPTER.splitlines()
    gone = secs[2]
    assert lines[gone.start] == "(sec-gone)=" and lines[gone.end] == "## Needs reasons and livestock"
    assert secs[3].end == gone.end  # a subsection ends with its parent
    assert secs[0].end == len(lines)


def test_drop_sections_removes_each_unmet_section_to_the_next_heading_of_its_level():
    have = {"reasons"}

    def met(requirement: str) -> bool:
        return all(any(w in have for w in word.split("|")) for word in requirement.split())

    text, dropped = sections.drop_sections(CHAPTER, met)
    assert [s.title for s in dropped] == ["Needs livestock", "Needs reasons and livestock"]
    assert _headings(text) == ["A chapter", "Kept section", "Needs reasons", "Exercises"]
    assert "(sec-kept)=" in text and "(sec-gone)=" not in text  # a section's label goes with it
    assert "Herds." not in text and "More herds." not in text and "still not a heading" not in text
    assert "# a Python comment, not a heading" in text and "Reasons only" in text
    # the kept text is the original without exactly those lines
    lines = CHAPTER.splitlines(keepends=True)
    gone = {i for s in dropped for i in range(s.start, s.end)}
    assert text == "".join(ln for i, ln in enumerate(lines) if i not in gone)

    unchanged, none = sections.drop_sections(CHAPTER, lambda r: True)
    assert unchanged == CHAPTER and none == []


def test_requirements_of_tables_choices_and_conditions():
    example, teaching, peru = (sop.load_study(p) for p in (EXAMPLE, TEACHING, PERU))
    met = sections.requirement_met
    assert met("reasons", teaching) and not met("reasons", example)
    assert met("reasons sample", teaching) and not met("reasons livestock", teaching)
    assert met("livestock|reasons", teaching) and not met("livestock|communities", teaching)
    assert met("paper synthetic-replica community-view breeds milk", peru)
    assert not any(met(c, teaching) for c in ("paper", "synthetic-replica", "community-view", "breeds", "milk"))
    with pytest.raises(ValueError, match="names 'reason', which is neither a table nor a condition"):
        met("reason", teaching)
    with pytest.raises(ValueError, match="names 'livestok'"):  # every word checked, even after one is met
        met("reasons|livestok", teaching)
    assert sections.describe("reasons|community-view livestock") == (
        "`reasons.csv` or a `communities.csv` with altitude and distance-to-market columns and `livestock.csv`"
    )


def test_a_chapter_with_nothing_left_becomes_one_paragraph_that_still_runs(tmp_path):
    example = sop.load_study(EXAMPLE)
    page, dropped = sections.prepare_chapter(CHAPTER, example)
    assert [s.title for s in dropped] == ["A chapter"]
    assert _headings(page) == ["A chapter"]
    assert page.startswith("---\nkernelspec:")
    assert "needs `reasons.csv` or `communities.csv`, which this study does not have" in page
    nb = jupytext.reads(page, fmt="md:myst")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1 and code[0].metadata["tags"] == ["parameters", "remove-cell"]
    assert code[0].source == 'study_dir = "../data/x"'


def _chapters() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "chapters").glob("*.md"))}


def test_the_chapters_markers_are_valid_and_the_replica_meets_every_one():
    peru = sop.load_study(PERU)
    markers = {(name, s.title): s.requires for name, text in _chapters().items() for s in sections.parse_sections(text)}
    required = {k: v for k, v in markers.items() if v}
    assert len(required) >= 14  # escape-descent, livestock, the appendices
    assert all(sections.requirement_met(r, peru) for r in required.values())
    # no marker line that is not directly under a heading (it would silently do nothing)
    for name, text in _chapters().items():
        n_lines = len([ln for ln in text.splitlines() if sections.MARKER.match(ln.strip())])
        assert n_lines == sum(1 for (c, _t), r in required.items() if c == name), name


def test_escape_descent_and_livestock_sections_for_studies_without_their_data():
    chapters = _chapters()
    teaching = sop.load_study(TEACHING)
    text, dropped = sections.prepare_chapter(chapters["escape-descent"], teaching)
    assert [s.title for s in dropped] == ["Community by community"]
    assert _headings(text) == [
        "Why households escaped or fell",
        "Reasons cited by households that escaped",
        "The escape model",
        "Cargo nets",
        "Reasons cited by households that fell into poverty",
        "The descent model",
        "Safety nets",
        "Exercises",
    ]
    assert "community_plots.community_movements" not in text
    live, _ = sections.prepare_chapter(chapters["livestock"], teaching)
    assert _headings(live) == ["The role of livestock"] and "`livestock.csv`" in live
    example = sop.load_study(EXAMPLE)
    for name in ("escape-descent", "livestock", "appendix-scorecard"):
        page, _ = sections.prepare_chapter(chapters[name], example)
        assert len(re.findall(r"^#", page, flags=re.M)) == 1, name  # the title and one paragraph
    data, dropped = sections.prepare_chapter(chapters["appendix-data"], example)
    assert [s.title for s in dropped] == ["What a synthetic replica is, and is not"]


def test_the_periods_the_paper_prints_are_read_from_its_transcription(tmp_path):
    """What is pinned by the paper comes from data/paper/table3.csv, never from a list in the code."""
    import shutil

    from stagesofprogress import figstyle, phrasing

    peru, teaching = sop.load_study(PERU), sop.load_study(TEACHING)
    assert phrasing.published_periods(peru) == [(1979, 2004), (1994, 2004)]
    assert phrasing.unpublished_periods(peru) == [(1979, 1994)]
    assert phrasing.published_periods(teaching) == phrasing.unpublished_periods(teaching) == []
    assert teaching.synthetic and not figstyle.is_replica(teaching) and figstyle.is_replica(peru)
    # a transcription without the 1994-2004 block: that period is no longer pinned
    folder = tmp_path / "peru2004"
    shutil.copytree(PERU, folder)
    shutil.copytree(ROOT / "data" / "paper", folder / "paper")  # a study's paper folder lies inside it
    meta = folder / "study.yml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("paper: ../paper\n", "paper: paper\n"), encoding="utf-8")
    t3 = folder / "paper" / "table3.csv"
    t3.write_text(
        "".join(ln for ln in t3.read_text(encoding="utf-8").splitlines(keepends=True) if "1994-2004" not in ln)
    )
    copy = sop.load_study(folder)
    assert figstyle.is_replica(copy)
    assert phrasing.unpublished_periods(copy) == [(1994, 2004), (1979, 1994)]


def test_reason_sentences_are_marked_on_the_replica_where_the_paper_quotes_no_share():
    from stagesofprogress import layouts, narrative

    peru, teaching = sop.load_study(PERU), sop.load_study(TEACHING)
    mark = narrative.SYNTHETIC_MARK.replace(":", "\\:")
    quoted = layouts.quoted_reason_shares(peru, "became_poor")
    assert quoted and not any(k[2] == sop.ALL for k in quoted)  # the paper quotes regional shares only
    for cat in ("escaped", "became_poor"):
        bullets = str(narrative.reason_leaders_text(peru, cat)).splitlines()
        assert bullets and all(mark in b for b in bullets), bullets  # each names an overall share
        assert mark in str(narrative.reason_table_note(peru, cat))
        assert mark in str(narrative.conclusions_text(peru)["escape" if cat == "escaped" else "descent"])
        for text in (narrative.reason_leaders_text(teaching, cat), narrative.reason_table_note(teaching, cat)):
            assert "synthetic" not in str(text)


def test_the_reason_figure_is_pinned_only_when_the_paper_quotes_every_share_it_draws(monkeypatch):
    from stagesofprogress import findings, layouts, reasons

    peru = sop.load_study(PERU)
    assert not findings.reason_figure_quoted(peru, "escaped")  # the paper quotes a few shares only
    drawn = layouts.reason_long(peru, "escaped")
    periods = reasons.recorded_periods(peru)
    a, b = max((p for p in periods if p[1] == peru.survey_year), key=lambda p: p[0])  # the figure's period
    codes = reasons.reason_shares(peru, periods)
    code_of = dict(zip(codes["label"].astype(str), codes["reason"].astype(str)))
    every = {(a, b, g, code_of[lab]): "1" for g, lab in zip(drawn["group"], drawn["label"])}
    monkeypatch.setattr(layouts, "quoted_reason_shares", lambda study, category: every)
    assert findings.reason_figure_quoted(peru, "escaped")
    every.popitem()
    assert not findings.reason_figure_quoted(peru, "escaped")


def _shown_by_section(name: str, study_dir: Path, monkeypatch) -> tuple[list[sections.Section], dict[str, int]]:
    """Run a chapter as `sop book` prepares it for a study, in-process: per section, its static prose
    lines plus the outputs its code cells displayed (empty Markdown not counted)."""
    import IPython.display as ipd
    import matplotlib

    matplotlib.use("Agg")
    shown = [0]

    def display(*objs, **kw):
        shown[0] += sum(1 for o in objs if not (isinstance(o, ipd.Markdown) and not o.data.strip()))

    monkeypatch.setattr(ipd, "display", display)
    monkeypatch.chdir(ROOT / "chapters")
    text, _ = sections.prepare_chapter(
        (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8"), sop.load_study(study_dir)
    )
    secs = [s for s in sections.parse_sections(text)]
    lines = text.splitlines()
    owner = {i: s.title for s in secs for i in range(s.start, s.end)}  # innermost section last
    content: dict[str, int] = {}
    scope: dict = {"display": display}
    i = 0
    while i < len(lines):
        if lines[i].startswith("```{code-cell}"):
            j = next(k for k in range(i + 1, len(lines)) if lines[k].rstrip() == "```")
            cell = jupytext.reads("\n".join(lines[i : j + 1]), fmt="md:myst").cells[0]
            src = (
                cell.source if "parameters" not in cell.metadata.get("tags", []) else f"study_dir = {str(study_dir)!r}"
            )
            shown[0] = 0
            exec(compile(src, f"{name}.md", "exec"), scope)
            content[owner.get(i, "")] = content.get(owner.get(i, ""), 0) + shown[0]
            i = j + 1
            continue
        if lines[i].strip() and not lines[i].startswith(("#", "%", "(")):
            content[owner.get(i, "")] = content.get(owner.get(i, ""), 0) + 1
        i += 1
    import matplotlib.pyplot as plt

    plt.close("all")
    return secs, content


@pytest.mark.parametrize("study_dir", [EXAMPLE, ROOT / "tests" / "studies" / "formats" / "csv"], ids=["example", "csv"])
@pytest.mark.parametrize("name", ["escape-descent", "livestock", "conclusions", "appendix-data", "appendix-scorecard"])
def test_no_heading_over_nothing_for_a_study_without_optional_tables(name, study_dir, monkeypatch):
    """data/example has only households.csv; formats/csv adds reasons and sample but supports no
    model: every section `sop book` keeps for them shows something."""
    secs, content = _shown_by_section(name, study_dir, monkeypatch)
    empty = [s.title for s in secs if s.level > 1 and not content.get(s.title)]
    assert not empty, f"{name}: headings over nothing: {empty}"
