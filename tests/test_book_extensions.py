"""The book's local Sphinx extensions (`_ext/`), on a two-page Sphinx project built in a
temporary folder (seconds, no notebook executed):

* `sop_table_numbers`: HTML tables with a caption are numbered by chapter, a caption that
  carries the paper's number keeps it, a table without an id gets one, and `:ref:` links to
  any of them with the number as its text (a wrong name is a warning under -n);
* `sop_offline_maths`: the page loads MathJax from the book's own `_static`, and the file is
  there.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

import sop_table_numbers as stn  # noqa: E402

CONF = """
extensions = ["sphinx.ext.mathjax", "sop_table_numbers", "sop_offline_maths"]
root_doc = "index"
exclude_patterns = ["_build"]
numfig = True
"""

INDEX = """
Book
====

.. toctree::
   :numbered:

   one
   two
"""

ONE = """
One
===

.. raw:: html

   <table class="sop-table" id="tbl-first"><caption>A first table &amp; more</caption>
   <tr><td>1</td></tr></table>
   <table class="sop-logit"><caption>Table 4. The paper's fourth</caption><tr><td>2</td></tr></table>
   <table><tr><td>no caption, not numbered</td></tr></table>

See :ref:`tbl-second` and :ref:`tbl-table4`. Maths: :math:`a^2 + b^2 = c^2`.
"""

TWO = """
Two
===

.. raw:: html

   <div><table id="tbl-second"><caption>Second chapter's table</caption><tr><td>3</td></tr></table></div>
   <table class="sop-table" id="tbl-table-2-a-slug"><caption>Table 2. Paper's second</caption></table>

Back to :ref:`tbl-first`; the paper's :ref:`tbl-table2`.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import io

    from sphinx.application import Sphinx

    src = tmp_path_factory.mktemp("src")
    for name, text in {"conf.py": CONF, "index.rst": INDEX, "one.rst": ONE, "two.rst": TWO}.items():
        (src / name).write_text(textwrap.dedent(text), encoding="utf-8")
    out = src / "_build" / "html"
    warnings = io.StringIO()
    app = Sphinx(
        str(src),
        str(src),
        str(out),
        str(src / "_build" / "doctrees"),
        "html",
        status=None,
        warning=warnings,
        freshenv=True,
        confoverrides={"nitpicky": True},
    )
    app.build()
    return {
        "out": out,
        "warnings": warnings.getvalue(),
        "one": (out / "one.html").read_text(encoding="utf-8"),
        "two": (out / "two.html").read_text(encoding="utf-8"),
    }


def test_tables_numbered_by_chapter_and_paper_numbers_kept(built):
    one, two = built["one"], built["two"]
    assert '<span class="sop-table-number">Table 1.1.</span> A first table &amp; more' in one
    assert '<span class="sop-table-number">Table 2.1.</span> Second chapter' in two
    # the paper's Table 4 keeps its own number, is not renumbered, and gets an id
    assert "<caption>Table 4. The paper's fourth</caption>" in one
    assert re.search(r'<table id="tbl-table4" class="sop-logit">', one)
    assert one.count("sop-table-number") == 1  # the table without a caption is left alone


def test_tables_referable_from_any_page(built):
    one, two = built["one"], built["two"]
    assert re.search(
        r'<a class="reference internal" href="two.html#tbl-second"><span class="std std-ref">'
        r"Table 2\.1</span></a>",
        one,
    )
    assert re.search(r'href="#tbl-table4"><span class="std std-ref">Table 4</span>', one)
    assert re.search(r'href="one.html#tbl-first"><span class="std std-ref">Table 1\.1</span>', two)
    # a paper table with another id is still reachable by its number
    assert re.search(r'href="#tbl-table-2-a-slug"><span class="std std-ref">Table 2</span>', two)
    assert built["warnings"] == "", built["warnings"]


def test_mathjax_served_with_the_book(built):
    one, out = built["one"], built["out"]
    assert re.search(r'<script (async="async"|defer="defer") src="_static/mathjax/tex-mml-chtml.js">', one)
    assert not re.search(r"<script[^>]+src=\"https?://[^\"]*mathjax", one)
    entry = out / "_static" / "mathjax" / "tex-mml-chtml.js"
    assert entry.is_file() and entry.stat().st_size > 100_000
    assert (out / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    assert (out / "_static" / "mathjax" / "input" / "tex" / "extensions" / "ams.js").is_file()
    assert (out / "_static" / "mathjax" / "LICENSE").is_file()


def test_caption_helpers():
    assert stn.paper_number("Table 12. x") == "12"
    assert stn.paper_number("Tables of x") is None
    assert stn.caption_of('<table><caption style="a"><b>A</b> &lt;b&gt;\n c</caption></table>') == "A <b> c"
    assert stn.slug("Table 3. Households, by region") == "table-3-households-by-region"


BIB = """
@article{kristjanson2007x, author = {Kristjanson, P. and Krishna, A. and Radeny, M.}, title = {Dynamic poverty},
  journal = {J}, year = {2007}}
@article{krishna2004a, author = {Krishna, Anirudh}, title = {Escaping poverty}, journal = {WD}, year = {2004}}
@article{krishna2004b, author = {Krishna, Anirudh}, title = {Falling into poverty}, journal = {JHD}, year = {2004}}
@article{swinton, author = {Swinton, S. M. and Quiroz, R.}, title = {Soil}, journal = {WD}, year = {2001}}
"""


def test_bibliography_labels_are_author_year(tmp_path):
    """Citations in the text and labels in the bibliography use the same author-year form."""
    import io

    from sphinx.application import Sphinx

    conf = (
        'extensions = ["sphinxcontrib.bibtex", "sop_bibstyle"]\nroot_doc = "index"\n'
        'bibtex_bibfiles = ["refs.bib"]\nbibtex_reference_style = "author_year"\n'
        'bibtex_default_style = "sopauthoryear"\n'
    )
    index = (
        "Book\n====\n\n:cite:t:`kristjanson2007x`, :cite:p:`krishna2004a,krishna2004b,swinton`.\n\n.. bibliography::\n"
    )
    for name, text in {"conf.py": conf, "index.rst": index, "refs.bib": BIB}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    warnings = io.StringIO()
    app = Sphinx(
        str(tmp_path),
        str(tmp_path),
        str(tmp_path / "out"),
        str(tmp_path / "dt"),
        "html",
        status=None,
        warning=warnings,
        freshenv=True,
    )
    app.build()
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    # a second Sphinx application in one process re-registers docutils nodes: not this extension's
    ours = [w for w in warnings.getvalue().splitlines() if w.strip() and "is already registered" not in w]
    assert ours == [], ours
    labels = re.findall(r'role="doc-backlink" href="#[^"]+">([^<]+)</a>', html)
    assert labels == ["Krishna, 2004a", "Krishna, 2004b", "Kristjanson et al., 2007", "Swinton and Quiroz, 2001"]
    # the text cites in the same author-year form
    assert "Kristjanson <em>et al.</em> [" in html and ">Swinton and Quiroz, 2001</a>]" in html
