"""The one executor keeps a kernel per worker: no chapter sees what an earlier one left behind."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from stagesofprogress.execute import RESET_TAG, Chapter, execute


def _chapter(folder: Path, name: str, *cells: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _run(tmp_path: Path, *sources: Path) -> list:
    chapters = [Chapter(p.stem, p, tmp_path / "out" / f"{p.stem}.ipynb") for p in sources]
    return execute(chapters, jobs=1, timeout=120)


def _stdout(ipynb: Path) -> list[str]:
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    return ["".join(o["text"]) for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "stream"]


def test_a_reused_kernel_is_reset_between_chapters(tmp_path):
    # the larger source runs first (execute starts the longest chapters first), on the one worker
    messy = _chapter(
        tmp_path / "a",
        "messy",
        "# " + "x" * 400 + "\nimport os, warnings\nimport matplotlib, matplotlib.pyplot as plt\nleft_behind = 41",
        "matplotlib.rcParams['lines.linewidth'] = 9\nwarnings.simplefilter('error')\nplt.figure()\nos.chdir('/')",
    )
    b_dir = (tmp_path / "b").resolve()
    clean = _chapter(
        b_dir,
        "clean",
        "import os, warnings\nimport matplotlib, matplotlib.pyplot as plt\n"
        "print('left_behind' in dir(), matplotlib.rcParams['lines.linewidth'], len(plt.get_fignums()))",
        f"print(os.getcwd() == {str(b_dir)!r})\n"
        "warnings.warn('a warning is not an error here')\nprint('after the warning')",
        "1 + 1",
    )
    runs = _run(tmp_path, messy, clean)
    assert [r.error for r in runs] == [None, None]
    out = tmp_path / "out" / "clean.ipynb"
    text = _stdout(out)
    assert text[0] == "False 1.5 0\n"
    assert text[1] == "True\nafter the warning\n"  # in its own folder; warnings are not errors
    nb = json.loads(out.read_text(encoding="utf-8"))
    assert [c["execution_count"] for c in nb["cells"]] == [1, 2, 3]  # as a fresh kernel counts
    assert nb["cells"][2]["outputs"][0]["execution_count"] == 3
    assert not any(RESET_TAG in c["metadata"].get("tags", []) for c in nb["cells"])
    assert "_sop_" not in out.read_text(encoding="utf-8")


def test_a_failed_chapter_is_named_by_its_own_cell_and_the_next_gets_a_new_kernel(tmp_path):
    failing = _chapter(tmp_path / "c", "failing", "# " + "x" * 400 + "\nmarker = 'old kernel'", "1 / 0")
    after = _chapter(tmp_path / "d", "after", "print('marker' in dir())")
    runs = _run(tmp_path, failing, after)
    assert runs[0].error.startswith("code cell 2 raised ZeroDivisionError"), runs[0].error
    assert runs[0].error.endswith("cell begins: 1 / 0")
    assert runs[1].error is None
    assert _stdout(tmp_path / "out" / "after.ipynb") == ["False\n"]
