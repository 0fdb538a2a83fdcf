"""Gather the runnable copies of the chapters for the `notebooks` branch (Colab and Binder).

    python scripts/collect_notebooks.py [_build/html] [_build/notebooks]

The built book serves, next to each chapter, a notebook that runs on its own (made by
``_ext/sop_launch.py`` with `stagesofprogress.downloads.reader_copy`). This script copies
exactly those notebooks, with their paths (``chapters/movements.ipynb`` ...), into a new
folder, and adds the two files Binder reads: ``requirements.txt`` installing the library from
the repository named in ``_config.yml``, and a README saying where the notebooks come from.
The publishing workflow pushes that folder to the ``notebooks`` branch that the launch
buttons open. The folder is written afresh: it must not exist, or hold a previous output of
this script (its README's first line).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIRST_LINE = "# Runnable copies of the chapters of the stagesofprogress book"


def main(argv: list[str]) -> int:
    html = Path(argv[0]) if argv else ROOT / "_build" / "html"
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "_build" / "notebooks"
    sources = html / "_sources"
    notebooks = sorted(sources.rglob("*.ipynb"))
    if not notebooks:
        print(f"no notebooks under {sources}: build the book first", file=sys.stderr)
        return 1
    if out.exists():
        readme = out / "README.md"
        if not readme.is_file() or not readme.read_text(encoding="utf-8").startswith(FIRST_LINE):
            print(f"{out} exists and was not written by this script; give a new folder", file=sys.stderr)
            return 1
        shutil.rmtree(out)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repository = config["repository"]["url"].rstrip("/")
    branch = config["repository"].get("branch", "main")
    for nb in notebooks:
        target = out / nb.relative_to(sources)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(nb, target)
    (out / "requirements.txt").write_text(f"stagesofprogress[book] @ git+{repository}@{branch}\n", encoding="utf-8")
    (out / "README.md").write_text(
        f"{FIRST_LINE}\n\nGenerated from the MyST chapters of {repository} (branch {branch}) each time the book\n"
        "is published; do not edit them here. Each notebook installs the library if it is missing and\n"
        "reads the study shipped with it.\n",
        encoding="utf-8",
    )
    print(f"{len(notebooks)} notebooks -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
