"""The book builds cleanly, every page of the table of contents exists, executed chapters
re-run identically (nbval), and every chapter runs on another study.

The books come from the session fixtures of conftest.py: `repo_book` (the repository's book
on data/peru2004, built as `tasks.py book` builds it: scripts/build_book.py --force into a
temporary --path-output, `-W -n --keep-going`), and for "every chapter runs on another study"
the books `sop book` built of two studies without optional tables, `small_book` (simulated: four
time points, eight stages) and `eleven_book` (hand-written: eleven stages, accented names), whose
downloadable notebooks are the chapters as the one executor ran and tidied them (study_dir
injected). Kernels, Jupyter and matplotlib write into a temporary home.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLE, ROOT, default_study_dir, notebook_pages, toc_files

SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


# --------------------------------------------------------------------------- build


@pytest.fixture(scope="module")
def book(repo_book):
    return {"html": repo_book.out, "log": repo_book.stdout, "returncode": repo_book.returncode}


@pytest.mark.slow
def test_book_builds_without_warnings(book):
    log = book["log"]
    assert book["returncode"] == 0, log[-6000:]
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not warnings, "\n".join(warnings[:30])
    assert "build succeeded" in log
    # every chapter was executed by the library's executor (scripts/build_book.py primes the
    # jupyter-cache with it); none was left for jupyter-book to execute
    executed = set(re.findall(r"\[build_book\] executed (\S+) in [\d.]+ s", log))
    assert executed == {p.stem for p in notebook_pages()} and "failed here" not in log, log[-3000:]
    # ... and jupyter-book found each in its cache (a key mismatch, such as papermill's `tags: []`
    # on untagged cells, would make it execute every chapter a second time)
    rerun = re.findall(r"(\S+\.md): Executing notebook", log)
    assert not rerun, f"jupyter-book executed again: {rerun}"
    assert len(re.findall(r"Using cached notebook", log)) == len(executed)


@pytest.mark.slow
def test_every_toc_page_is_built(book):
    missing = [f for f in toc_files() if not (book["html"] / f"{f}.html").is_file()]
    assert not missing, f"pages of _toc.yml without HTML: {missing}"
    # the landing page redirects to the first page
    index = (book["html"] / "index.html").read_text(encoding="utf-8")
    assert toc_files()[0].split("/")[-1] in index


@pytest.mark.slow
def test_data_dependent_sections_are_real_sections_in_the_page_toc(book):
    """The sections a study may lack (``% sop:requires`` markers) are headings of the chapter
    source: on the replica's book each is a numbered ``<section>`` with an id, listed in the
    page's own table of contents (the right-hand sidebar), so readers can link to it."""
    from docutils.nodes import make_id
    from stagesofprogress import sections

    seen = 0
    for name in ("escape-descent", "livestock", "appendix-scorecard"):
        html = (book["html"] / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        nav = re.search(r'<nav id="pst-page-toc-nav" class="page-toc".*?</nav>', html, flags=re.S)
        assert nav, f"{name}: no page table of contents"
        text = (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")
        for s in sections.parse_sections(text):
            if s.level == 1 or not s.requires:
                continue
            sid = make_id(s.title)
            assert f'<section id="{sid}"' in html, f"{name}: '{s.title}' is not a section"
            assert f'href="#{sid}"' in nav.group(0), f"{name}: '{s.title}' missing from the page's contents"
            if not name.startswith("appendix"):  # the appendices' part of the toc is not numbered
                assert re.search(rf'href="#{sid}">\d+\.\d+\. ', nav.group(0)), f"{name}: '{s.title}' has no number"
            seen += 1
    assert seen >= 12


def test_every_chapter_declares_parameters_and_kernel():
    for page in notebook_pages():
        text = page.read_text(encoding="utf-8")
        head = yaml.safe_load(text.split("---", 2)[1])
        assert head["kernelspec"]["name"] == "python3", page.name
        assert head.get("file_format") == "mystnb" or "jupytext" in head, page.name
        if page.name.startswith("appendix-logit-check"):
            continue  # written by the logit helper; uses no study
        assert re.search(r":tags: \[parameters\]\s*\n\s*\nstudy_dir = ", text), f"{page.name}: no parameters cell"
        assert "sop.load_study(study_dir)" in text, page.name


@pytest.mark.slow
def test_glued_numbers_reach_the_html(book):
    """The movements page carries the computed percentages of the default study."""
    import stagesofprogress as sop

    page = ROOT / "chapters" / "movements.md"
    study = sop.load_study((page.parent / default_study_dir(page)).resolve())
    a, b = study.time_points[0], study.survey_year
    t = sop.movement_summary(study, a, b).loc[sop.ALL]
    html = (book["html"] / "chapters" / "movements.html").read_text(encoding="utf-8")
    for col in ("escaped", "became_poor", "poor_at_start", "poor_at_end"):
        assert f"{t[col]:.1f}" in html, col
    assert "glue" not in re.sub(r"<[^>]+>", "", html).split("Net change", 1)[-1][:200].lower()


@pytest.mark.slow
def test_licence_in_footer(book):
    html = (book["html"] / "chapters" / "preface.html").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in html and "MIT" in html


# --------------------------------------------------------------------------- nbval


@pytest.mark.slow
def test_nbval_chapters_reproduce_on_the_default_study(nbval_runs):
    """Every chapter as executed for the book on its default study, re-run under nbval: tables,
    text and glued values (the executed notebooks keep the glue outputs) come out identical.

    nbval runs a notebook at a time: conftest's `nbval_runs` shares the chapters between two
    nbval processes run side by side (largest first, each to the less loaded one), started in
    the background as soon as the repository's book is built (`nbval_commands`)."""
    missing, results = nbval_runs["missing"], nbval_runs["runs"]
    assert not missing, f"chapters not executed for the book: {missing}"
    for rc, out in results:
        assert rc == 0, out[-8000:]
    passed = sum(int(m) for _rc, out in results for m in re.findall(r"(\d+) passed", out))
    assert passed >= nbval_runs["notebooks"], [out[-500:] for _rc, out in results]  # every chapter's cells ran


def nbval_commands(executed: Path) -> tuple[list[str], list[list[str]]]:
    """The chapters missing from the executed book under `executed`, and the nbval commands
    (two, run side by side, each given about half of the notebooks by size)."""
    notebooks = {p.stem: executed / "chapters" / f"{p.stem}.ipynb" for p in notebook_pages()}
    missing = [name for name, path in notebooks.items() if not path.is_file()]
    shares: list[list[Path]] = [[], []]
    for path in sorted((p for p in notebooks.values() if p.is_file()), key=lambda p: -p.stat().st_size):
        min(shares, key=lambda s: sum(p.stat().st_size for p in s)).append(path)
    base = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE)]
    base += ["-p", "no:cacheprovider", "-q", "--rootdir", str(executed), "-o", "addopts="]
    return missing, [base + [str(p) for p in share] for share in shares if share]


# --------------------------------------------------------------------------- every chapter on the example study


@pytest.fixture(scope="module", params=["small_book", "eleven_book"])
def papermill_example(request):
    """Every chapter executed on a study without optional tables, by `sop book` (conftest's
    session books: no extra execution): the book, the chapters and their executed notebooks."""
    book = request.getfixturevalue(request.param)
    assert book.returncode == 0, book.stderr[-4000:]  # `sop book` stops on, and names, a failing chapter
    pages = [p for p in notebook_pages() if "study_dir" in p.read_text(encoding="utf-8")]
    notebooks = {p: book.out / "_sources" / p.relative_to(ROOT).with_suffix(".ipynb") for p in notebook_pages()}
    errors = {p.stem: None if nb.is_file() else f"{nb} missing" for p, nb in notebooks.items()}
    return book, pages, errors, notebooks


@pytest.mark.slow
def test_papermill_runs_every_chapter_on_the_example_study(papermill_example):
    book, pages, errors, notebooks = papermill_example
    failed = {k: v for k, v in errors.items() if v}
    assert not failed, "\n\n".join(f"{k}:\n{v}" for k, v in failed.items())
    import nbformat

    for page in pages:
        nb = nbformat.read(notebooks[page], as_version=4)
        # the injected study replaced the chapter's default in its parameters cell (the machine
        # path papermill injected is tidied away: the folder is named by its name)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, f"{page.stem}: no parameters cell"
        assert f"study_dir = {book.study.name!r}" in params[0].source, f"{page.stem}: parameters not injected"
        assert default_study_dir(page) not in params[0].source
        assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                assert o.get("output_type") != "error", f"{page.stem}: {o.get('ename')}"
                if o.get("output_type") == "stream":
                    assert o.get("name") != "stderr", f"{page.stem}: stderr output {o.get('text', '')[:300]}"


@pytest.mark.slow
def test_missing_optional_tables_give_one_note(papermill_example):
    """The study has no communities.csv: the study-area chapter says so in a note, once."""
    import stagesofprogress as sop

    book, _pages, _errors, notebooks = papermill_example
    study = sop.load_study(book.study)
    assert not study.has("communities")
    import nbformat

    nb = nbformat.read(notebooks[ROOT / "chapters" / "study-area.md"], as_version=4)
    texts = [o.get("data", {}).get("text/markdown", "") for c in nb.cells for o in c.get("outputs", [])]
    notes = [t for t in texts if "communities.csv" in t]
    assert len(notes) == 1 and re.match(r"`{3,}\{note\}", notes[0]), notes  # a note directive (any fence)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert not images, "a figure was drawn although the study has no communities.csv"


# --------------------------------------------------------------------------- figures and helpers (fast)


def _figures(study):
    from stagesofprogress import plots

    out = {
        "ladder": lambda: plots.ladder(study),
        "assets_by_stage": lambda: plots.assets_by_stage(study),
        "movement_bars": lambda: plots.movement_bars(study),
        "poverty_flow": lambda: plots.poverty_flow(study, groups=["All", *study.regions]),
        "transition_heatmaps": lambda: plots.transition_heatmaps(study),
        "poverty_trend": lambda: plots.poverty_trend(study),
        "odds_ratio_curve": lambda: plots.odds_ratio_curve(0.3),
    }
    if study.has("communities"):
        out["community_scatter"] = lambda: plots.community_scatter(study)
    return out


@pytest.mark.parametrize("study_dir", [EXAMPLE])  # the replica's figures: tests/test_plots.py
def test_figures_are_deterministic_titled_and_phone_sized(study_dir):
    import stagesofprogress as sop
    from matplotlib.figure import Figure
    from stagesofprogress import book

    if not (study_dir / "study.yml").exists():
        pytest.skip(f"{study_dir} not present")
    study = sop.load_study(study_dir)
    for name, make in _figures(study).items():
        fig = make()
        assert isinstance(fig, Figure), name
        assert fig._suptitle is not None and fig._suptitle.get_text().strip(), f"{name}: no title"
        width, _height = fig.get_size_inches()
        assert width <= 6.5, f"{name}: {width} in wide, too wide for a phone"
        assert book.png_bytes(fig) == book.png_bytes(make()), f"{name}: not deterministic"


def test_table3_layout_stacks_one_block_per_period():
    import stagesofprogress as sop
    from stagesofprogress import book

    study = sop.load_study(EXAMPLE)
    t = book.table3(study)
    periods = [book.period_name(a, study.survey_year) for a in reversed(study.time_points[:-1])]
    assert list(t.index) == [(p, g) for p in periods for g in [*study.regions, sop.ALL]]
    assert list(t.columns)[:4] == [sop.CATEGORY_LABELS[c] for c in sop.CATEGORIES] and "Households" in t.columns
    for a in study.time_points[:-1]:
        s = sop.movement_summary(study, a, study.survey_year)
        for g in s.index:
            row = t.loc[(book.period_name(a, study.survey_year), g)]
            assert row["Escaped poverty"] == pytest.approx(s.loc[g, "escaped"])
            assert row["Households"] == s.loc[g, "households"]  # the n of its own period and group


def test_missing_value_formatting_and_tables():
    import numpy as np
    import pandas as pd
    from stagesofprogress import book

    assert book.fmt(float("nan")) == "n/a" and book.fmt(np.float64(2.345), ".2f") == "2.35"
    assert book.fmt(np.int64(3), ",") == "3"
    df = pd.DataFrame({"a": [1.0, np.nan], "n": pd.array([3, 4], dtype="Int64")}, index=["x", "y"])
    t = book.table(df, "A caption & more", uid="t")
    html = t._repr_html_()
    assert "<caption" in html and "A caption &amp; more" in html and 'id="tbl-t"' in html
    assert "0x" not in repr(t) and "1.0" in repr(t)


# --------------------------------------------------------------------------- computed prose

BOOK_CHAPTERS = [
    "preface",
    "intro",
    "study-area",
    "approach",
    "logit-model",
    "movements",
    "mobility",
    "escape-descent",
    "livestock",
    "conclusions",
    "appendix-data",
    "appendix-scorecard",
    "bibliography",
]


def _prose_lines(text: str):
    """Lines of running text: no front matter, code cells, directives' options, math, headings."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"^```\{code-cell\}.*?^```$", "", text, flags=re.S | re.M)
    text = re.sub(r"^\$\$.*?^\$\$.*?$", "", text, flags=re.S | re.M)
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith(("#", ":", "```", "%", "(")):
            continue
        yield line


def test_prose_numbers_come_from_glue():
    """No number typed into the running text of the book's chapters: results are glued.

    Allowed: roles (`{glue:text}`..., citations), inline code and math, and names such as
    "Table 3" or the licence "CC-BY-4.0".
    """
    bad = []
    for name in BOOK_CHAPTERS:
        text = (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")
        for line in _prose_lines(text):
            s = re.sub(r"\{[a-z:-]+\}`[^`]*`", "", line)
            s = re.sub(r"`[^`]*`", "", s)
            s = re.sub(r"\$[^$]*\$", "", s)
            s = re.sub(r"\bTables? \d+(, \d+)*( and \d+)?", "", s)
            s = s.replace("CC-BY-4.0", "")
            if re.search(r"\d", s):
                bad.append(f"{name}: {line.strip()}")
    assert not bad, "numbers typed into prose (glue them):\n" + "\n".join(bad)
