"""No text from a study is ever interpreted: not as Markdown, MyST, Jinja2, HTML, TeX or mathtext.

Unit tests check `safetext` and each display helper of `book` with hostile strings; the slow
tests build the book of a hostile study (`tests/studies/analyses` with payloads in every text
field: study.yml keys and CSV cells) with the installed `sop book`, twice: the canary file a
Jinja2 payload would create never appears, both builds exit 0, every payload is shown literally
and no markup from the data reaches the HTML, and the downloadable notebooks of the two builds
are byte-identical and carry no absolute or temporary path. `test_browser.py` opens the same
hostile book in Chromium.
"""

from __future__ import annotations

import ast
import html as _html
import json
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import STUDIES
from stagesofprogress import safetext
from stagesofprogress.safetext import MD, md, md_join

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- payloads


def payload(tag: str, canary: str = "/tmp/PWNED") -> str:
    """One hostile text: Jinja2, HTML, script, MyST roles and directives, TeX, Markdown."""
    return (
        f"{tag} {{{{ cycler.__init__.__globals__.os.system('touch {canary}') }}}} "
        "<img src=x onerror=window.__pwned=1> <script>window.__pwned=2</script> "
        "{glue:text}`x` {eval-rst} $\\x$ [link](javascript:window.__pwned=3) *em* `tick` | a"
    )


HOSTILE = payload("P")
MARKUP = ["<script", "onerror=", "<img", "javascript:"]


def _rendered(markdown_text: str) -> str:
    """Markdown -> HTML with markdown-it (CommonMark, as MyST parses it)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(markdown_text)


def _visible(html_text: str) -> str:
    from bs4 import BeautifulSoup

    return " ".join(BeautifulSoup(html_text, "html.parser").get_text(" ").split())


# --------------------------------------------------------------------------- safetext


def test_markdown_escape_renders_literally():
    out = _rendered(safetext.markdown(HOSTILE))
    assert "<img" not in out and "<script" not in out and "<em>" not in out and "<code>" not in out
    assert "href" not in out
    assert _visible(out) == " ".join(HOSTILE.split())


def test_markdown_escape_at_line_start_and_controls():
    for text in [
        "# heading",
        "1. item",
        "- item",
        "> quote",
        "    code",
        "```fence",
        "---",
        "=== x",
        "a\nb",
        "a\u200bb\x00c",
        "\\*not em\\*",
    ]:
        out = _rendered("x " + safetext.markdown(text)) if text.startswith(" ") else _rendered(safetext.markdown(text))
        assert not re.search(r"<(h\d|ol|ul|blockquote|pre|hr|code|em)\b", out), (text, out)
    assert safetext.clean("a\u200bb\x00c\nd") == "abc d"


def test_html_and_latex_and_csv():
    assert "<" not in safetext.html(HOSTILE) and '"' not in safetext.html('a"b')
    tex = safetext.latex("100% of $x$ & {y} \\z")
    assert "$" not in tex.replace(r"\$", "") and "%" not in tex.replace(r"\%", "")
    assert safetext.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safetext.csv_cell(-1.5) == -1.5


def test_md_escapes_values_but_not_the_template():
    out = md("**{region}** has {n:,} households", region="<b>x</b> *y*", n=12345)
    assert isinstance(out, MD)
    html = _rendered(out)
    assert "<strong>" in html and "12,345" in html and "<b>" not in html and "<em>" not in html
    assert md("{x}", x=md("*{y}*", y="*")) == "*\\**"  # an MD value is not escaped twice
    assert md_join(", ", ["*a*", MD("*b*")]) == "\\*a\\*, *b*"
    assert md("{cite:p}`x`") == "{cite:p}`x`"  # without values, a template is left as written


def test_matplotlib_text_is_never_mathtext():
    from stagesofprogress import plots

    assert plots.RC["text.parse_math"] is False
    df = pd.DataFrame({"label": ["$\\frac{1}{0}$", "$x^$"], "percent": [10.0, 20.0], "group": ["$a$", "$b$"]})
    fig = plots.share_bars(df, "label", "percent", "group", title="$\\undefinedcommand$")
    from stagesofprogress.book import png_bytes

    assert png_bytes(fig)[:4] == b"\x89PNG"  # mathtext would raise on these labels
    texts = [t for ax in fig.axes for t in ax.get_yticklabels()]
    assert texts and all(not t._parse_math for t in texts)


# --------------------------------------------------------------------------- display helpers


@pytest.fixture
def shown(monkeypatch):
    """Capture what book.markdown / note display (the Markdown text)."""
    import IPython.display as ipd

    got: list[str] = []
    monkeypatch.setattr(ipd, "display", lambda obj, *a, **k: got.append(getattr(obj, "data", obj)))
    return got


def test_book_markdown_and_note_escape_values(shown):
    from stagesofprogress import book

    book.markdown("Region {r}: {n:,}", r=HOSTILE, n=5)
    book.note("About {r}", r=HOSTILE, title="Title {r}", kind="tip")
    for text in shown:
        out = _rendered(text)
        assert not any(m in out for m in ["<script", "<img", "<em>", "href="]), out
        assert "{{ cycler" not in text  # Jinja2 braces are escaped
    with pytest.raises(ValueError):
        book.note("x", kind="note}\n```{eval-rst}")


def test_book_table_escapes_caption_cells_and_headers():
    from stagesofprogress import book

    df = pd.DataFrame({HOSTILE: [1.0]}, index=pd.Index([HOSTILE], name=HOSTILE))
    out = book.table(df, caption=HOSTILE)._repr_html_()
    assert not any(m in out for m in ["<script", "<img"]), out
    assert _visible(out).count(" ".join(HOSTILE.split())) >= 3


def _study_with(tmp_path: Path) -> Path:
    folder = tmp_path / "S"
    make_hostile(folder, str(tmp_path / "canary"))
    return folder


def test_sentence_builders_escape_study_text(tmp_path):
    import stagesofprogress as sop
    from stagesofprogress import book, datadoc, logit_report, models

    study = sop.load_study(_study_with(tmp_path))
    long = book.main_periods(study)["long"]
    texts = [
        book.region_movement_text(study, *long),
        book.community_text(study),
        datadoc.provenance_text(study),
        book.region_comparison_text(study, *long),
        book.reason_leaders_text(study, "escaped"),
        book.reason_leaders_text(study, "became_poor"),
        *book.conclusions_text(study).values(),
    ]
    fits = models.fits_by_kind(study)
    texts += [book.model_findings_text(f) for f in [fits.get("escape"), fits.get("descent")] if f is not None]
    label, trend = book.reason_trend(study, "became_poor", "health")
    assert not trend.empty
    texts.append(book.reason_trend_text(study, "became_poor", "health"))
    texts.append(book.scorecard_text(pd.DataFrame({"table": [HOSTILE, HOSTILE], "ok": [True, False]})))
    for t in texts:
        assert isinstance(t, MD), type(t)
        out = _rendered(t)
        assert not any(m in out for m in ["<script", "<img", 'href="javascript']), out
    assert "R1" in _visible(_rendered(texts[0]))
    html = logit_report.fit_html(fits["escape"]).data
    assert "<script" not in html and "<img" not in html


def test_chapters_pass_study_values_as_keywords_not_fstrings():
    """Lint: book.markdown / note / paper_says / subheading never get an f-string, .format or a concatenation."""
    problems = []
    for page in sorted((ROOT / "chapters").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for i, src in enumerate(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S)):
            src = "\n".join(
                line for line in src.splitlines() if not line.startswith((":", "---")) and not re.match(r"^\w+:$", line)
            )
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("markdown", "note", "paper_says", "subheading")
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "book"
                ):
                    for arg in node.args + [k.value for k in node.keywords if k.arg == "title"]:
                        bad = [
                            n
                            for n in ast.walk(arg)
                            if isinstance(n, (ast.JoinedStr, ast.BinOp))
                            or (isinstance(n, ast.Attribute) and n.attr == "format")
                        ]
                        if bad:
                            problems.append(f"{page.name} cell {i}: {ast.unparse(node)[:80]}")
    assert not problems, "\n".join(problems)


def test_config_has_no_template_extension():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "substitution" not in cfg["parse"]["myst_enable_extensions"]
    assert cfg["sphinx"]["config"]["smartquotes"] is False  # study text is not typeset either
    assert not any("jinja" in e for e in cfg.get("sphinx", {}).get("extra_extensions", []))


# --------------------------------------------------------------------------- the hostile study


def make_hostile(folder: Path, canary: str) -> dict[str, str]:
    """Copy tests/studies/analyses to `folder` with a payload in every text field; return them."""
    shutil.copytree(STUDIES / "analyses", folder)
    (folder / "make_study.py").unlink()
    p = {
        k: payload(k, canary)
        for k in ["T", "D", "SRC", "LIC", "C", "R1", "R2", "V1", "V2", "ST", "RL", "MT", "VL", "H", "CL", "PR", "UN"]
    }
    meta = yaml.safe_load((folder / "study.yml").read_text(encoding="utf-8"))
    meta["title"], meta["description"], meta["source"] = p["T"], p["D"], p["SRC"]
    meta["licence"], meta["country"] = p["LIC"], p["C"]
    meta["stages"] = [f"{p['ST']} {i}" for i in range(1, len(meta["stages"]) + 1)]
    meta["reasons"] = {code: f"{p['RL']} {i}" for i, code in enumerate(meta["reasons"])}
    meta["livestock"]["products"] = {"milk": p["PR"], "wool": "Wool", "eggs": "Eggs"}
    regions = {"Highland": p["R1"], "Valley": p["R2"]}
    for spec in meta["models"].values():
        spec["title"] = p["MT"]
        if "class_labels" in spec:
            spec["class_labels"] = {k: f"{p['CL']} {k}" for k in spec["class_labels"]}
        if "filter" in spec:
            spec["filter"] = {"region": regions[spec["filter"]["region"]]}
        for g in spec["groups"]:
            g["heading"] = p["H"]
            for v in g["variables"]:
                v["label"] = f"{p['VL']} {v['name']}"
                if "regions" in v:
                    v["regions"] = [regions[r] for r in v["regions"]]
    (folder / "study.yml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")
    hh = pd.read_csv(folder / "households.csv", dtype=str, keep_default_na=False)
    co = pd.read_csv(folder / "communities.csv", dtype=str, keep_default_na=False)
    villages = {c: f"{p['V1'] if i % 2 else p['V2']} {i}" for i, c in enumerate(co["community"])}
    for df in (hh, co):
        df["region"] = df["region"].map(regions)
        df["community"] = df["community"].map(villages)
        df.to_csv(folder / ("households.csv" if df is hh else "communities.csv"), index=False)
    # livestock.csv species and breeds are closed vocabularies: item names carry no study text
    pr = pd.read_csv(folder / "production.csv", dtype=str, keep_default_na=False)
    pr["unit"] = pr["unit"].where(pr["product"] != "eggs", p["UN"])
    pr.to_csv(folder / "production.csv", index=False)
    return p


@pytest.fixture(scope="module")
def hostile(hostile_books):  # conftest.py: built once per session, shared with test_browser.py
    info = hostile_books
    for proc in info["runs"]:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return info


@pytest.mark.slow
def test_hostile_book_builds_and_nothing_runs(hostile):
    assert not hostile["canary"].exists(), "a Jinja2 payload in the study ran a shell command"
    assert not Path("/tmp/PWNED").exists()
    for proc in hostile["runs"]:
        assert "Traceback" not in proc.stderr


def _pages(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): p.read_text(encoding="utf-8")
        for p in sorted(out.rglob("*.html"))
        if "_static" not in p.parts
    }


@pytest.mark.slow
def test_hostile_payloads_shown_literally_and_never_as_markup(hostile):
    pages = _pages(hostile["out"][0])
    visible = {name: _visible(text) for name, text in pages.items()}
    everything = " ".join(visible.values())
    # the fields a chapter shows in prose, tables or captions
    # (community names are in no chapter's output)
    for key in ["T", "D", "SRC", "LIC", "C", "R1", "R2", "ST", "RL", "MT", "VL", "H", "CL", "PR", "UN"]:
        assert " ".join(hostile["payloads"][key].split()) in everything, f"payload {key} not shown literally"
    from bs4 import BeautifulSoup

    for name, text in pages.items():
        for marker in ["<script>window.__pwned", "<img src=x", 'href="javascript:']:
            assert marker not in text, f"{name}: raw {marker!r} from the data"
        soup = BeautifulSoup(text, "html.parser")
        assert not soup.select("[onerror]"), f"{name}: an element with onerror"
        assert not [s for s in soup.find_all("script") if "__pwned" in s.get_text()], f"{name}: a script from the data"
        assert not [a for a in soup.find_all("a", href=True) if a["href"].startswith("javascript:")], name
        assert not soup.find_all("em", string=re.compile("^em$")), f"{name}: *em* from the data became emphasis"


def _downloadables(out: Path) -> dict[str, bytes]:
    files = {}
    for p in sorted(out.rglob("*")):
        if p.is_file() and (p.suffix == ".ipynb" or "_sources" in p.parts):
            files[str(p.relative_to(out))] = p.read_bytes()
    return files


@pytest.mark.slow
def test_book_sources_relocatable_and_deterministic(hostile):
    a, b = (_downloadables(o) for o in hostile["out"])
    assert a, "the built book has no downloadable sources"
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, f"sources differ between two builds: {differ[:5]}"
    tmp = str(hostile["tmp"])
    for name, data in a.items():
        # the payloads themselves name the canary file (under the temporary folder): not a leak
        text = data.decode("utf-8", errors="replace").replace(str(hostile["canary"]), "CANARY")
        assert tmp not in text and str(hostile["study"]) not in text, f"{name} carries an absolute path"
        assert tempfile.gettempdir() + "/" not in text, f"{name} carries a temporary path"
        assert not re.search(r'"(start_time|end_time|duration)"', text), f"{name} carries timings"
        if name.endswith(".ipynb"):
            nb = json.loads(text)
            assert "papermill" not in nb["metadata"]
            assert not any("injected-parameters" in c.get("metadata", {}).get("tags", []) for c in nb["cells"])


def test_neutral_study_name():
    from stagesofprogress.rebuild import neutral_study_name

    assert neutral_study_name("/home/u/studies/peru") == "peru"
    assert neutral_study_name("data/peru") == "data/peru"
    assert neutral_study_name(None, "/tmp/x/S") == "S"


def test_configure_writes_an_inert_title(tmp_path):
    from stagesofprogress.rebuild import configure

    (tmp_path / "_config.yml").write_text("title: x\nexecute: {}\n", encoding="utf-8")
    configure(tmp_path, "Villages d'Ayacucho <img src=x onerror=alert(1)> \" & co")
    title = yaml.safe_load((tmp_path / "_config.yml").read_text(encoding="utf-8"))["title"]
    assert "<" not in title and ">" not in title and '"' not in title
    assert _html.unescape(title) == "Villages d'Ayacucho <img src=x onerror=alert(1)> \" & co"


def test_executed_notebook_is_tidied(tmp_path):
    """The injected cell, papermill's record, timings and machine paths leave the notebook."""
    import nbformat
    from stagesofprogress.rebuild import _hide_injected

    study, cwd = tmp_path / "studies" / "peru", tmp_path / "sop-book-abc" / "chapters"
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"input_path": str(cwd / "x.md"), "start_time": "2026-12-01T10:00:00"}
    params = nbformat.v4.new_code_cell("study_dir = '../data/peru'", metadata={"tags": ["parameters"]})
    injected = nbformat.v4.new_code_cell(f"study_dir = {str(study)!r}", metadata={"tags": ["injected-parameters"]})
    work = nbformat.v4.new_code_cell(
        "print(study_dir)", metadata={"execution": {"iopub.status.busy": "2026"}, "papermill": {"duration": 1.5}}
    )
    work.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{study}/households.csv in {cwd}\n")]
    nb.cells = [params, injected, work]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    _hide_injected(str(path), str(study), study_dir=str(study), cwd=str(cwd))
    first = path.read_bytes()
    text = first.decode("utf-8")
    assert str(tmp_path) not in text and "papermill" not in text and "iopub" not in text
    out = nbformat.reads(text, as_version=4)
    assert [c.source for c in out.cells] == ["study_dir = 'peru'", "print(study_dir)"]
    assert out.cells[1].outputs[0].text == "peru/households.csv in .\n"
    assert [c.id for c in out.cells] == ["cell-000", "cell-001"]
    _hide_injected(str(path), str(study), study_dir=str(study), cwd=str(cwd))
    assert path.read_bytes() == first  # idempotent and byte-stable


def test_stream_outputs_are_merged():
    from stagesofprogress.rebuild import _merge_streams

    outs = [
        {"output_type": "stream", "name": "stdout", "text": "a\n"},
        {"output_type": "stream", "name": "stdout", "text": "b\n"},
        {"output_type": "stream", "name": "stderr", "text": "c\n"},
        {"output_type": "display_data", "data": {}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "d\n"},
    ]
    assert [o.get("text") for o in _merge_streams(outs)] == ["a\nb\n", "c\n", None, "d\n"]


def test_repository_build_numbers_cells(tmp_path):
    """scripts/build_book.py gives executed notebooks stable cell ids (MyST-NB's are random)."""
    import sys

    import nbformat

    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import build_book

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x"), nbformat.v4.new_code_cell("1")])
    (tmp_path / "chapters").mkdir()
    path = tmp_path / "chapters" / "x.ipynb"
    nbformat.write(nb, path)
    assert build_book.number_cells(tmp_path) == 1
    first = path.read_bytes()
    assert [c.id for c in nbformat.read(path, as_version=4).cells] == ["cell-000", "cell-001"]
    assert build_book.number_cells(tmp_path) == 0 and path.read_bytes() == first
