"""`sop book`: every chapter re-runs on other studies, and the book lands in OUT in one piece.

The whole books come from the session fixtures of conftest.py (`teaching_book`, `small_book`,
`eleven_book`: each built once). Tests that build a book (or a toy one) are marked `slow`; they
still run in CI: the README's test command runs everything. Kernels write into a temporary
home, never ~.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SMALL_SIM, SMALL_TITLE, TEACHING
from stagesofprogress.cli import main
from stagesofprogress.rebuild import BookError, _is_notebook_md, _resolve, build_book, toc_entries
from stagesofprogress.simulation import simulate

BAD = ROOT / "tests" / "studies" / "bad"
slow = pytest.mark.slow


def _chapters() -> list[str]:
    """MyST-notebook pages of the book's table of contents (those `sop book` executes)."""
    toc_path = ROOT / "_toc.yml"
    if not toc_path.exists():
        return []
    out = []
    for entry in toc_entries(yaml.safe_load(toc_path.read_text(encoding="utf-8"))):
        p = _resolve(ROOT, entry)
        if p is not None and _is_notebook_md(p):
            out.append(str(p.relative_to(ROOT)))
    return out


CHAPTERS = _chapters()
if (ROOT / "chapters" / "classroom.md").exists() and "chapters/classroom.md" not in CHAPTERS:
    CHAPTERS.append("chapters/classroom.md")  # executed here even before it is in the toc


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(autouse=True)
def _quiet_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.getbasetemp() / "home"
    for var, sub in [
        ("IPYTHONDIR", "ipython"),
        ("JUPYTER_CONFIG_DIR", "jupyter"),
        ("JUPYTER_DATA_DIR", "jdata"),
        ("JUPYTER_RUNTIME_DIR", "jruntime"),
        ("MPLCONFIGDIR", "mpl"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
    ]:
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def _first_page(out: Path) -> Path:
    m = re.search(r'url=([^"\']+)"', (out / "index.html").read_text(encoding="utf-8"))
    return out / m.group(1) if m else out / "index.html"


def _title(study_dir: Path) -> str:
    return yaml.safe_load((study_dir / "study.yml").read_text(encoding="utf-8"))["title"]


# --------------------------------------------------------------------------- every chapter


@slow
@pytest.mark.skipif(not CHAPTERS, reason="the book has no executable chapters yet")
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_on_the_teaching_study(teaching_book, chapter):
    """Each chapter executed on the teaching study (by `sop book`, which stops on any failing
    chapter and names it): it ran without error and became a page of the book."""
    stem = chapter.removesuffix(".md")
    assert stem not in teaching_book.stderr, teaching_book.stderr[-4000:]
    assert teaching_book.returncode == 0, teaching_book.stderr[-4000:]
    assert (teaching_book.out / f"{stem}.html").is_file()
    import nbformat

    nb = nbformat.read(teaching_book.out / "_sources" / f"{stem}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors[:1]


# --------------------------------------------------------------------------- sop book end to end


@slow
def test_sop_book_on_the_teaching_study(teaching_book):
    rc, out = teaching_book.returncode, teaching_book.out
    assert rc == 0, teaching_book.stderr[-4000:]
    assert (out / "index.html").exists()
    first = _first_page(out)
    assert first.exists()
    html = first.read_text(encoding="utf-8")
    assert "Teaching study: nine fictional Andean villages" in html  # the study's title is the book's
    assert (out / "tables" / "movements.csv").exists()
    assert (out / "tables" / "movement_summary.csv").exists()
    # every page of the toc was built, but the library's own pages (the API reference)
    from stagesofprogress.rebuild import LIBRARY_PAGES

    for entry in toc_entries(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))):
        page = out / (re.sub(r"\.(md|ipynb)$", "", entry) + ".html")
        if entry in LIBRARY_PAGES:
            assert not page.exists(), page
            continue
        assert page.exists(), page
        # the machine path papermill injects is not shown; a parameters cell shows what was typed
        assert str(TEACHING) not in page.read_text(encoding="utf-8")
    assert not list(out.parent.glob(".book.*"))  # no temporary leftovers


@slow
def test_sop_book_summary(small_book):
    assert small_book.returncode == 0, small_book.stderr[-4000:]
    out = small_book.out
    assert f"Book: {SMALL_TITLE}" in small_book.stdout
    assert re.search(r"\d+ pages from \d+ executed chapters, built in [\d.]+ s", small_book.stdout)
    assert f"tables: {out.resolve() / 'tables'}" in small_book.stdout
    if CHAPTERS:
        assert Path(CHAPTERS[0]).stem in small_book.stderr  # the progress bar names chapters
    assert "Traceback" not in small_book.stderr


@slow
def test_a_study_with_only_the_two_required_files_builds_a_complete_book(small_book):
    assert small_book.extra["files_before"] == [".sop-output", "households.csv", "study.yml"]  # + the marker
    assert small_book.returncode == 0, small_book.stderr[-4000:]
    m = re.search(r"(\d+) pages from", small_book.stdout)
    assert int(m.group(1)) >= len(CHAPTERS)
    assert SMALL_TITLE in _first_page(small_book.out).read_text(encoding="utf-8")
    assert (small_book.out / "tables" / "movements.csv").exists()


@slow
def test_the_hand_written_eleven_stage_study_builds(eleven_book):
    assert eleven_book.returncode == 0, eleven_book.stderr[-4000:]
    assert "Estudio de Ñuñoa y Cajamarca-Baños" in _first_page(eleven_book.out).read_text(encoding="utf-8")


@slow
def test_a_study_with_four_time_points_builds(small_book):
    assert SMALL_SIM["years"] == (1984, 1994, 2004, 2014)
    assert small_book.returncode == 0, small_book.stderr[-4000:]
    tables = {p.name for p in (small_book.out / "tables").iterdir()}
    assert {"transitions_1984_2014.csv", "transitions_2004_2014.csv", "movements.csv"} <= tables


def test_an_invalid_study_leaves_out_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("an earlier book")
    (out / ".sop-output").write_text("marker of an earlier book")
    before = _tree_hash(out)
    bad = BAD / "duplicate_ids"
    assert main(["book", "--data", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "problem" in err and "duplicate" in err
    assert "Nothing was written" in err
    assert "Traceback" not in err
    assert _tree_hash(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_no_data_builds_the_default_study(monkeypatch, tmp_path):
    seen = {}

    def fake(data, out, **kw):
        seen["data"] = Path(data)
        raise BookError("stop here")

    monkeypatch.setattr("stagesofprogress.rebuild.build_book", fake)
    assert main(["book", "--out", str(tmp_path / "o"), "--quiet"]) == 1
    from stagesofprogress.cli import default_study

    assert seen["data"] == default_study()


# --------------------------------------------------------------------------- the runner on a toy book

TOY_CONFIG = """\
title: Toy
exclude_patterns: [_build, ".*"]
only_build_toc_files: true
execute: {execute_notebooks: force, raise_on_error: true}
sphinx:
  config: {nb_render_markdown_format: myst}
"""
NB_HEAD = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
"""
GOOD_CHAPTER = (
    NB_HEAD
    + """
# Counts

```{code-cell} ipython3
:tags: [parameters]
study_dir = "../data/example"
```

```{code-cell} ipython3
import stagesofprogress as sop
from myst_nb import glue
study = sop.load_study(study_dir)
glue("n", f"{len(study.households):,}", display=False)
```

The study has {glue:text}`n` households. Back to [the introduction](intro.md).

```{code-cell} ipython3
from IPython.display import Markdown
Markdown("Computed prose may link to [another chapter](again.md) too.")
```
"""
)
BAD_CHAPTER = (
    NB_HEAD
    + """
# Broken

```{code-cell} ipython3
:tags: [parameters]
study_dir = "../data/example"
```

```{code-cell} ipython3
import stagesofprogress as sop
study = sop.load_study(study_dir)
study.households["no_such_column"]
```
"""
)


def _toy_book(root: Path, chapters: dict[str, str]) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "_config.yml").write_text(TOY_CONFIG)
    (root / "chapters" / "intro.md").write_text("# Intro\n\nA plain page; see [the counts](counts.md).\n")
    toc = {"format": "jb-book", "root": "chapters/intro", "chapters": [{"file": f"chapters/{n}"} for n in chapters]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    for name, text in chapters.items():
        (root / "chapters" / (name.removesuffix(".md") + ".md")).write_text(text)
    return root


@slow
def test_glue_works_with_execution_off_and_parameters_are_hidden(tmp_path):
    book = _toy_book(
        tmp_path / "src", {"counts": GOOD_CHAPTER, "again.md": GOOD_CHAPTER.replace("# Counts", "# Again")}
    )
    study = tmp_path / "study"
    simulate(study, households=123, title="Glue check (fictional)")
    res = build_book(study, tmp_path / "out", book=book, jobs=2, progress=False)
    html = (res.out / "chapters" / "counts.html").read_text(encoding="utf-8")
    assert "The study has" in html and ">123<" in html
    # the injected-parameters cell is removed; the chapter's parameters cell names the study folder
    # without a machine path (an absolute --data is shown by its folder name)
    assert str(study) not in html and str(tmp_path) not in html
    assert "&#39;study&#39;" in html or "'study'" in html
    assert "../data/example" not in html
    # links written to chapter .md files still resolve once the chapters are notebooks
    assert 'href="intro.html"' in html
    computed = re.search(r"<p>Computed prose.*?</p>", html, re.S).group(0)
    assert 'class="reference internal" href="again.html"' in computed
    assert 'href="counts.html"' in (res.out / "chapters" / "intro.html").read_text(encoding="utf-8")
    assert (res.out / "chapters" / "again.html").exists()  # toc entry written with .md
    assert res.pages == 3
    assert [c.name for c in res.chapters] == ["chapters/counts", "chapters/again.md"]
    # a second build replaces the first one (it carries the marker of a book)
    (res.out / "stale.html").write_text("from the first build")
    build_book(study, tmp_path / "out", book=book, jobs=1, progress=False)
    assert not (res.out / "stale.html").exists()
    assert (res.out / "chapters" / "counts.html").exists()


def test_a_folder_sop_book_did_not_write_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("precious")
    before = _tree_hash(out)
    assert main(["book", "--data", str(TEACHING), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "did not write" in err and "Traceback" not in err
    assert _tree_hash(out) == before


@slow
def test_a_failing_chapter_is_named_and_out_is_untouched(tmp_path, capsys):
    book = _toy_book(tmp_path / "src", {"counts": GOOD_CHAPTER, "broken": BAD_CHAPTER})
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("an earlier book")
    (out / ".sop-output").write_text("marker of an earlier book")
    before = _tree_hash(out)
    rc = main(["book", "--data", str(TEACHING), "--out", str(out), "--book", str(book), "--quiet"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "chapters/broken" in err
    assert "KeyError" in err and "no_such_column" in err
    assert "chapters/counts" not in err.split("failed")[-1]  # only the failing chapter is blamed
    assert "Traceback" not in err
    assert _tree_hash(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]


# --------------------------------------------------------------------------- pages about the library


def test_library_pages_leave_a_study_book_toc_and_sources(tmp_path):
    """The API reference documents the library (the same for every study): a study's book leaves
    it out of its _toc.yml and its copied sources, and keeps every other entry in order."""
    from stagesofprogress.rebuild import LIBRARY_PAGES, copy_sources, leave_out_library_pages

    work = tmp_path / "work"
    work.mkdir()
    entries = copy_sources(ROOT, work)
    assert set(LIBRARY_PAGES) <= set(entries)
    left = leave_out_library_pages(work, entries)
    assert left == [e for e in entries if e not in LIBRARY_PAGES]
    assert toc_entries(yaml.safe_load((work / "_toc.yml").read_text(encoding="utf-8"))) == left
    assert all(_resolve(work, e) is None for e in LIBRARY_PAGES)
    assert all(_resolve(work, e) is not None for e in left)
    assert leave_out_library_pages(work, left) == left  # nothing left to take out


@slow
def test_a_study_book_has_no_library_reference(small_book):
    assert small_book.returncode == 0, small_book.stderr[-4000:]
    assert not (small_book.out / "chapters" / "api.html").exists()
    assert "api.html" not in (small_book.out / "chapters" / "preface.html").read_text(encoding="utf-8")
