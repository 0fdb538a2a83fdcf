"""The book builds cleanly, every page of the table of contents exists, executed chapters
re-run identically (nbval), and every chapter runs on another study (papermill).

The book is built once per test session (`built_book()`, shared with test_browser.py) with
forced execution into a temporary --path-output, with `-W -n --keep-going`, and with
kernels, Jupyter and matplotlib pointed at temporary folders so the home folder stays clean.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import build_book  # noqa: E402  (scripts/build_book.py)

SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
EXAMPLE = ROOT / "data" / "example"

_STATE: dict = {}


# --------------------------------------------------------------------------- shared build


def isolated_env(base: Path) -> dict:
    """Environment with Jupyter, IPython, matplotlib and XDG folders under `base`."""
    env = os.environ.copy()
    for var, sub in [
        ("IPYTHONDIR", "ipython"),
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("JUPYTER_DATA_DIR", "jupyter-data"),
        ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
        ("MPLCONFIGDIR", "matplotlib"),
        ("XDG_CONFIG_HOME", "xdg-config"),
        ("XDG_CACHE_HOME", "xdg-cache"),
    ]:
        path = base / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    build_book.quiet_kernels(env["IPYTHONDIR"])
    env["PYTHONHASHSEED"] = "0"
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def toc_files() -> list[str]:
    """Every page of _toc.yml (root first), as paths relative to the book root, no extension."""
    from stagesofprogress.rebuild import toc_entries

    return toc_entries(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))


def notebook_pages() -> list[Path]:
    """Toc pages that are MyST notebooks (they have code cells)."""
    pages = []
    for f in toc_files():
        p = ROOT / f"{f}.md"
        if p.exists() and "```{code-cell}" in p.read_text(encoding="utf-8"):
            pages.append(p)
    return pages


def default_study_dir(chapter: Path) -> str:
    m = re.search(r'^study_dir\s*=\s*"([^"]+)"', chapter.read_text(encoding="utf-8"), re.M)
    return m.group(1) if m else ""


def built_book() -> dict:
    """Build the book once per session; return {out, html, log, returncode, seconds, env, tmp}."""
    if "book" in _STATE:
        return _STATE["book"]
    tmp = Path(tempfile.mkdtemp(prefix="sop-book-test-"))
    env = isolated_env(tmp / "home")
    out = tmp / "out"
    t0 = time.perf_counter()
    proc = build_book.build(force=True, path_output=str(out), env=env, capture=True)
    seconds = time.perf_counter() - t0
    html = out / "_build" / "html"
    _STATE["book"] = {"out": out, "html": html, "log": proc.stdout or "", "returncode": proc.returncode,
                      "seconds": seconds, "env": env, "tmp": tmp}
    return _STATE["book"]


@pytest.fixture(scope="session")
def book():
    info = built_book()
    yield info


def _cleanup():
    info = _STATE.get("book")
    if info:
        shutil.rmtree(info["tmp"], ignore_errors=True)


import atexit  # noqa: E402

atexit.register(_cleanup)


# --------------------------------------------------------------------------- build


def test_book_builds_without_warnings(book):
    log = book["log"]
    assert book["returncode"] == 0, log[-6000:]
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not warnings, "\n".join(warnings[:30])
    assert "build succeeded" in log


def test_every_toc_page_is_built(book):
    missing = [f for f in toc_files() if not (book["html"] / f"{f}.html").is_file()]
    assert not missing, f"pages of _toc.yml without HTML: {missing}"
    # the landing page redirects to the first page
    index = (book["html"] / "index.html").read_text(encoding="utf-8")
    assert toc_files()[0].split("/")[-1] in index


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


def test_licence_in_footer(book):
    html = (book["html"] / "chapters" / "preface.html").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in html and "MIT" in html


# --------------------------------------------------------------------------- papermill runs


def _run_papermill(page: Path, study_dir: str | None, out: Path, env: dict) -> str | None:
    """Execute one chapter with papermill (cwd = chapters/); inject study_dir unless None."""
    code = (
        "import sys, jupytext, papermill\n"
        "nb = jupytext.read(sys.argv[1])\n"
        "params = {'study_dir': sys.argv[3]} if sys.argv[3] else {}\n"
        "papermill.execute_notebook(nb, sys.argv[2], parameters=params,\n"
        "    cwd=sys.argv[4], kernel_name='python3', progress_bar=False)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(page), str(out), study_dir or "", str(page.parent)],
                          env=env, text=True, capture_output=True, timeout=600)
    return None if proc.returncode == 0 else proc.stderr[-4000:]


def papermill_run(tag: str, study_dir: str | None) -> tuple[Path, list[Path], dict[str, str | None]]:
    """Every chapter executed with papermill into <tmp>/<tag>/chapters (once per session and tag)."""
    key = ("papermill", tag)
    if key in _STATE:
        return _STATE[key]
    base = Path(tempfile.mkdtemp(prefix=f"sop-book-{tag}-"))
    out_dir = base / "chapters"
    out_dir.mkdir()
    (base / "data").symlink_to(ROOT / "data", target_is_directory=True)
    env = isolated_env(base / "home")
    pages = notebook_pages()
    with ThreadPoolExecutor(max_workers=2) as pool:
        errors = list(pool.map(lambda p: _run_papermill(p, study_dir, out_dir / f"{p.stem}.ipynb", env), pages))
    _STATE[key] = (out_dir, pages, {p.stem: e for p, e in zip(pages, errors)}, env)
    atexit.register(shutil.rmtree, base, True)
    return _STATE[key]


# --------------------------------------------------------------------------- nbval


def test_nbval_chapters_reproduce_on_the_default_study():
    """Execute every chapter on its default study, then re-run it under nbval: tables, text and
    glued values (papermill keeps the glue outputs) must come out identical."""
    out_dir, pages, errors, env = papermill_run("default", None)
    failed = {k: v for k, v in errors.items() if v}
    assert not failed, "\n\n".join(f"{k}:\n{v}" for k, v in failed.items())
    cmd = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider", "-q",
           "--rootdir", str(out_dir.parent), "-o", "addopts=", str(out_dir)]
    proc = subprocess.run(cmd, cwd=out_dir.parent, env=env, text=True, capture_output=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]


# --------------------------------------------------------------------------- papermill on the example study


@pytest.fixture(scope="session")
def papermill_example():
    """Every chapter executed with papermill on the small example study (no optional tables)."""
    out_dir, pages, errors, _env = papermill_run("example", str(EXAMPLE))
    return out_dir, [p for p in pages if "study_dir" in p.read_text(encoding="utf-8")], errors


def test_papermill_runs_every_chapter_on_the_example_study(papermill_example):
    out_dir, pages, errors = papermill_example
    failed = {k: v for k, v in errors.items() if v}
    assert not failed, "\n\n".join(f"{k}:\n{v}" for k, v in failed.items())
    import nbformat

    for page in pages:
        nb = nbformat.read(out_dir / f"{page.stem}.ipynb", as_version=4)
        tags = [c.metadata.get("tags", []) for c in nb.cells if c.cell_type == "code"]
        assert any("injected-parameters" in t for t in tags), f"{page.stem}: parameters not injected"
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert str(EXAMPLE) in injected.source
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                assert o.get("output_type") != "error", f"{page.stem}: {o.get('ename')}"
                if o.get("output_type") == "stream":
                    assert o.get("name") != "stderr", f"{page.stem}: stderr output {o.get('text', '')[:300]}"


def test_missing_optional_tables_give_one_note(papermill_example):
    """The example study has no communities.csv: the study-area chapter says so in a note, once."""
    import stagesofprogress as sop

    out_dir, _pages, _errors = papermill_example
    study = sop.load_study(EXAMPLE)
    assert not study.has("communities")
    import nbformat

    nb = nbformat.read(out_dir / "study-area.ipynb", as_version=4)
    texts = [o.get("data", {}).get("text/markdown", "") for c in nb.cells for o in c.get("outputs", [])]
    notes = [t for t in texts if "communities.csv" in t]
    assert len(notes) == 1 and notes[0].startswith("````{note}"), notes
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


@pytest.mark.parametrize("study_dir", [EXAMPLE, ROOT / "data" / "peru2004"])
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

BOOK_CHAPTERS = ["preface", "intro", "study-area", "approach", "logit-model", "movements", "mobility", "escape-descent",
                 "livestock", "conclusions", "appendix-data", "appendix-scorecard", "bibliography"]


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
