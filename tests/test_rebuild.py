"""`sop book`: every chapter re-runs on other studies, and the book lands in OUT in one piece.

Slow (each test executes chapters in Jupyter kernels), marked `slow`; they still run in CI:
the README's test command runs everything. Kernels write into a temporary home, never ~.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
import yaml

from stagesofprogress.cli import main
from stagesofprogress.rebuild import BookError, _is_notebook_md, _resolve, toc_entries, build_book
from stagesofprogress.simulation import simulate

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TEACHING = ROOT / "data" / "teaching"
GOOD = ROOT / "tests" / "studies" / "good"
BAD = ROOT / "tests" / "studies" / "bad"


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
    for var, sub in [("IPYTHONDIR", "ipython"), ("JUPYTER_CONFIG_DIR", "jupyter"), ("JUPYTER_DATA_DIR", "jdata"),
                     ("JUPYTER_RUNTIME_DIR", "jruntime"), ("MPLCONFIGDIR", "mpl"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_CACHE_HOME", "cache")]:
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def _first_page(out: Path) -> Path:
    m = re.search(r'url=([^"\']+)"', (out / "index.html").read_text(encoding="utf-8"))
    return out / m.group(1) if m else out / "index.html"


def _title(study_dir: Path) -> str:
    return yaml.safe_load((study_dir / "study.yml").read_text(encoding="utf-8"))["title"]


# --------------------------------------------------------------------------- every chapter


@pytest.mark.skipif(not CHAPTERS, reason="the book has no executable chapters yet")
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_on_the_teaching_study(tmp_path, chapter):
    import jupytext
    import papermill as pm

    md = ROOT / chapter
    pm.execute_notebook(
        jupytext.read(md),
        str(tmp_path / (md.stem + ".ipynb")),
        parameters={"study_dir": str(TEACHING)},
        cwd=str(md.parent),
        kernel_name="python3",
        progress_bar=False,
    )


# --------------------------------------------------------------------------- sop book end to end


@pytest.fixture(scope="module")
def teaching_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("teaching") / "book"
    here = os.getcwd()
    os.chdir(ROOT)  # --data as a user types it, relative to where they are
    try:
        rc = main(["book", "--data", "data/teaching", "--out", str(out), "--quiet"])
    finally:
        os.chdir(here)
    return rc, out


def test_sop_book_on_the_teaching_study(teaching_book, capsys):
    rc, out = teaching_book
    assert rc == 0
    assert (out / "index.html").exists()
    first = _first_page(out)
    assert first.exists()
    html = first.read_text(encoding="utf-8")
    assert "Teaching study: nine fictional Andean villages" in html  # the study's title is the book's
    assert (out / "tables" / "movements.csv").exists()
    assert (out / "tables" / "movement_summary.csv").exists()
    # every page of the toc was built
    for entry in toc_entries(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))):
        page = out / (re.sub(r"\.(md|ipynb)$", "", entry) + ".html")
        assert page.exists(), page
        # the machine path papermill injects is not shown; a parameters cell shows what was typed
        assert str(TEACHING) not in page.read_text(encoding="utf-8")
    assert not list(out.parent.glob(".book.*"))  # no temporary leftovers


def test_sop_book_summary(tmp_path, capsys):
    study = tmp_path / "study"
    simulate(study, households=150, communities=4, regions=2, title="Tiny fictional study for a summary")
    out = tmp_path / "out"
    assert main(["book", "--data", str(study), "--out", str(out)]) == 0
    cap = capsys.readouterr()
    assert "Book: Tiny fictional study for a summary" in cap.out
    assert re.search(r"\d+ pages from \d+ executed chapters, built in [\d.]+ s", cap.out)
    assert f"tables: {out.resolve() / 'tables'}" in cap.out
    if CHAPTERS:
        assert Path(CHAPTERS[0]).stem in cap.err  # the progress bar names chapters
    assert "Traceback" not in cap.err


def test_a_study_with_only_the_two_required_files_builds_a_complete_book(tmp_path):
    study = tmp_path / "study"
    simulate(study, households=200, communities=5, regions=2, stages=8, cutoff=4,
             title="Only study.yml and households.csv (fictional)")
    assert sorted(p.name for p in study.iterdir()) == [".sop-output", "households.csv", "study.yml"]  # + the marker
    res = build_book(study, tmp_path / "out", progress=False)
    assert res.pages >= len(CHAPTERS)
    assert "Only study.yml and households.csv" in _first_page(res.out).read_text(encoding="utf-8")
    assert (res.out / "tables" / "movements.csv").exists()


def test_the_hand_written_eleven_stage_study_builds(tmp_path):
    src = GOOD / "eleven_stages_accented"
    res = build_book(src, tmp_path / "out", progress=False)
    assert "Estudio de Ñuñoa y Cajamarca-Baños" in _first_page(res.out).read_text(encoding="utf-8")


def test_a_study_with_four_time_points_builds(tmp_path):
    study = tmp_path / "study"
    simulate(study, households=300, years=(1984, 1994, 2004, 2014), stages=12, cutoff=6,
             title="Four time points (fictional)")
    res = build_book(study, tmp_path / "out", progress=False)
    tables = {p.name for p in (res.out / "tables").iterdir()}
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
GOOD_CHAPTER = NB_HEAD + """
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
BAD_CHAPTER = NB_HEAD + """
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


def _toy_book(root: Path, chapters: dict[str, str]) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "_config.yml").write_text(TOY_CONFIG)
    (root / "chapters" / "intro.md").write_text("# Intro\n\nA plain page; see [the counts](counts.md).\n")
    toc = {"format": "jb-book", "root": "chapters/intro", "chapters": [{"file": f"chapters/{n}"} for n in chapters]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    for name, text in chapters.items():
        (root / "chapters" / (name.removesuffix(".md") + ".md")).write_text(text)
    return root


def test_glue_works_with_execution_off_and_parameters_are_hidden(tmp_path):
    book = _toy_book(tmp_path / "src", {"counts": GOOD_CHAPTER, "again.md": GOOD_CHAPTER.replace("# Counts", "# Again")})
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
