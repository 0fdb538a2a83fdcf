"""The copy of a chapter a reader downloads or opens in Colab (`stagesofprogress.downloads`,
`_ext/sop_launch.py`): it installs the library if missing, finds the shipped study, and shows
glued values and MyST as plain Markdown. The copy served by a built book is executed in an
empty folder with the wheel by tests/test_package.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt
from stagesofprogress import downloads, resources

ROOT = Path(__file__).resolve().parents[1]


def _launch():
    spec = importlib.util.spec_from_file_location("sop_launch", ROOT / "_ext" / "sop_launch.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _glue_output(name, text):
    return nbformat.v4.new_output(
        "display_data", data={"text/plain": text}, metadata={"scrapbook": {"name": name, "mime_prefix": ""}}
    )


def _chapter():
    params = nbformat.v4.new_code_cell('study_dir = "../data/peru2004"')
    params.metadata["tags"] = ["parameters"]
    code = nbformat.v4.new_code_cell("glue('n', '3,868'); glue('who', '<b>x</b>')")
    code.outputs = [_glue_output("n", "'3,868'"), _glue_output("who", "'<b>*x*</b>'"), _glue_output("k", "40")]
    text = nbformat.v4.new_markdown_cell(
        "(sec-x)=\n# Title\n\n% a comment\nThere are {glue:text}`n` households in {glue:text}`k` communities "
        "({glue:text}`who`, {glue}`missing`), see {numref}`Table %s <tbl-3>` and {cite:p}`kristjanson2007, krishna2004`.\n\n"
        "```{note}\nRead {doc}`the approach <approach>` first.\n```\n\n"
        "```{glue:figure} fig_ladder\n:name: fig-ladder\n:alt: bars\n\nThe ladder, stage by stage.\n```\n"
    )
    return nbformat.v4.new_notebook(cells=[text, params, code])


def test_glued_values_are_the_text_the_book_shows():
    assert downloads.glued_values(_chapter()) == {"n": "3,868", "who": "<b>*x*</b>", "k": "40"}


def test_myst_becomes_plain_markdown_with_glued_values_escaped():
    md = _chapter().cells[0].source
    out = downloads.myst_to_markdown(md, downloads.glued_values(_chapter()))
    html = MarkdownIt("commonmark").render(out)  # as a notebook viewer shows it
    assert "There are 3,868 households in 40 communities (&lt;b&gt;*x*&lt;/b&gt;" in html
    assert "<b>" not in html and "<em>x" not in html  # a glued value is text, never markup
    assert "`missing`" in out  # a value the build did not glue is named, not invented
    assert "see Table %s and (kristjanson2007; krishna2004)" in out  # keys the caller did not name
    cited = downloads.myst_to_markdown(
        "{cite:t}`k1` and {cite:p}`k1, k2`", citations={"k1": ("Krishna", "2004"), "k2": ("A and B", "2006")}
    )
    assert cited == "Krishna (2004) and (Krishna 2004; A and B 2006)"
    assert "> **Note.**" in out and "> Read the approach first." in out
    assert "*Figure (fig_ladder): The ladder, stage by stage.*" in out
    shown = downloads.myst_to_markdown(md, figures=["fig_ladder"])
    assert "![bars](attachment:fig_ladder.png)\n\n*The ladder, stage by stage.*" in shown
    assert "{" not in out.replace("{glue", "") and "(sec-x)=" not in out and "a comment" not in out


def test_reader_copy_installs_if_missing_and_finds_the_shipped_study():
    nb = _chapter()
    before = nbformat.writes(nb)
    copy = downloads.reader_copy(nb, repository="https://github.com/o/r/", title="A *book*")
    assert nbformat.writes(nb) == before  # the executed chapter is not changed
    kinds = [(c.cell_type, c.source.splitlines()[0] if c.source else "") for c in copy.cells]
    assert kinds[0][0] == "markdown" and "A \\*book\\*" in copy.cells[0].source
    assert kinds[1] == ("code", downloads.INSTALL_MARKER)
    assert "'stagesofprogress[book] @ git+https://github.com/o/r'" in copy.cells[1].source
    params = [i for i, c in enumerate(copy.cells) if "parameters" in c.metadata.get("tags", [])]
    assert params and copy.cells[params[0] + 1].source.splitlines()[0] == downloads.STUDY_MARKER
    assert [c["id"] for c in copy.cells] == [f"cell-{i:03d}" for i in range(len(copy.cells))]
    nbformat.validate(copy)
    assert nbformat.writes(copy) == nbformat.writes(
        downloads.reader_copy(_chapter(), repository="https://github.com/o/r/", title="A *book*")
    )
    # no repository named: no install cell
    assert downloads.INSTALL_MARKER not in nbformat.writes(
        downloads.reader_copy(_chapter(), repository=None, title="t")
    )


def test_the_added_cells_run(tmp_path, monkeypatch):
    copy = downloads.reader_copy(_chapter(), repository="https://github.com/o/r", title="t")
    monkeypatch.chdir(tmp_path)  # an empty folder: ../data/peru2004 does not exist here
    ns: dict = {}
    for cell in copy.cells:
        if (
            "added-to-copy" in cell.metadata.get("tags", [])
            and cell.cell_type == "code"
            or "parameters" in cell.metadata.get("tags", [])
        ):
            exec(compile(cell.source, "<cell>", "exec"), ns)  # the library is installed: nothing is pip-installed
    assert Path(ns["study_dir"]) == resources.path("data/peru2004")


def test_study_folder_only_replaces_a_missing_shipped_study(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resources.study_folder("../data/peru2004") == resources.path("data/peru2004")
    assert resources.study_folder("data/example") == resources.path("data/example")
    for other in ("../data/mine", "peru2004", "../data/paper", "../data/literature"):
        assert resources.study_folder(other) == Path(other)  # load_study reports it missing
    own = tmp_path / "data" / "peru2004"
    own.mkdir(parents=True)
    assert resources.study_folder(own) == own  # an existing folder is always the one used


def test_launch_buttons_open_the_notebooks_branch():
    buttons = [
        {
            "type": "group",
            "buttons": [
                {
                    "type": "link",
                    "text": "Binder",
                    "url": "https://mybinder.org/v2/gh/o/r/main?urlpath=tree/chapters/movements.md",
                },
                {
                    "type": "link",
                    "text": "Colab",
                    "url": "https://colab.research.google.com/github/o/r/blob/main/chapters/movements.md",
                },
                {"type": "link", "text": "Repository", "url": "https://github.com/o/r/blob/main/chapters/movements.md"},
            ],
        }
    ]
    _launch().rewrite_launch_urls(buttons, "chapters/movements", "main")
    urls = [b["url"] for b in buttons[0]["buttons"]]
    assert urls[0] == "https://mybinder.org/v2/gh/o/r/notebooks?urlpath=tree/chapters/movements.ipynb"
    assert urls[1] == "https://colab.research.google.com/github/o/r/blob/notebooks/chapters/movements.ipynb"
    assert urls[2].endswith("/blob/main/chapters/movements.md")  # other links untouched


@pytest.mark.slow
def test_a_chapter_downloaded_from_the_book_runs_in_an_empty_folder(repo_book, tmp_path):
    """The notebook the download button serves, executed where nothing of the repository is."""
    import subprocess

    served = repo_book.out / "_sources" / "chapters" / "movements.ipynb"
    assert served.is_file(), "the book serves no notebook for the movements chapter"
    nb = nbformat.read(served, as_version=4)
    text = nbformat.writes(nb)
    assert "{glue" not in "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert downloads.INSTALL_MARKER in text and downloads.STUDY_MARKER in text
    empty = tmp_path / "reader"
    empty.mkdir()
    (empty / "movements.ipynb").write_text(text, encoding="utf-8")
    home = tmp_path / "home"
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "jupyter"),
        "JUPYTER_DATA_DIR": str(home / "jupyter-data"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "mpl"),
        "MPLBACKEND": "Agg",
    }  # no PYTHONPATH: the kernel imports the installed package
    runner = (
        "import nbformat, sys\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read('movements.ipynb', as_version=4)\n"
        "NotebookClient(nb, timeout=600, kernel_name='python3').execute()\n"
        "nbformat.write(nb, 'run.ipynb')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", runner], cwd=empty, env=env, capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stderr[-3000:]
    done = nbformat.read(empty / "run.ipynb", as_version=4)
    errors = [o for c in done.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert sorted(p.name for p in empty.iterdir()) == ["movements.ipynb", "run.ipynb"]


def test_citations_of_the_book_bibliography():
    cites = _launch().citations([ROOT / "references.bib"])
    assert cites["kristjanson2007dynamic"] == ("Kristjanson et al.", "2007")
