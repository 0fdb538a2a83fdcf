"""Serve MathJax with the book, so equations render without a network connection.

MathJax 3 comes from the PyPI package ``django-static-mathjax`` (pinned in requirements.txt;
it ships MathJax's ``es5`` build as package data and depends on nothing; Django is not
needed to read its files). At ``config-inited`` this extension points Sphinx's
``mathjax_path`` at ``mathjax/tex-mml-chtml.js`` under the built book's ``_static``; when
the HTML build finishes it copies the files MathJax loads at run time there: the combined
TeX/MathML/CHTML component, the TeX extensions it may autoload, the CHTML fonts, the menu and
accessibility modules, and MathJax's licence. The ``mathjax3_config`` of ``_config.yml``
keeps working unchanged.

The files are copied into the output, never into the book's own ``_static/``: Jupyter Book
adds every ``.js`` file found there to every page.

The copy is deterministic (same files, same bytes) and touches only ``_static/mathjax`` in
the output folder, which this extension writes. If the package is missing, the build stops
with a message saying what to install, rather than silently falling back to a CDN.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

__all__ = ["mathjax_source", "copy_mathjax", "setup"]

ENTRY = "tex-mml-chtml.js"
TARGET = "mathjax"  # under the output's _static
# what tex-mml-chtml.js loads on demand (everything else in es5 is other bundles or sources)
PARTS = ["input/tex/extensions", "input/mml", "output/chtml/fonts", "ui", "a11y", "sre"]


def mathjax_source() -> Path:
    """Folder of MathJax's ``es5`` build inside the installed package.

    Raises
    ------
    sphinx.errors.ConfigError
        When the package is not installed or does not hold the expected files.
    """
    spec = importlib.util.find_spec("mathjax")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        es5 = Path(root) / "static" / "mathjax" / "es5"
        if (es5 / ENTRY).is_file():
            return es5
    raise ConfigError(
        "offline maths: MathJax 3 not found; install the pinned `django-static-mathjax` "
        "from requirements.txt (it ships MathJax's es5 build)"
    )


def copy_mathjax(dest: Path, src: Path | None = None) -> list[Path]:
    """Copy the MathJax files the book needs into `dest` (created); return the files written."""
    src = src or mathjax_source()
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    items = [src / ENTRY] + [p for part in PARTS for p in sorted((src / part).rglob("*")) if p.is_file()]
    lic = src.parent / "LICENSE"
    written = []
    for p in items:
        out = dest / p.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, out)
        written.append(out)
    if lic.is_file():
        shutil.copyfile(lic, dest / "LICENSE")
        written.append(dest / "LICENSE")
    return written


def _config_inited(app: Sphinx, config) -> None:
    mathjax_source()  # fail early and clearly when the package is missing
    config.mathjax_path = f"{TARGET}/{ENTRY}"


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    copy_mathjax(Path(app.outdir) / "_static" / TARGET)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("build-finished", _build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
