"""Clean pages and every table beside the paper (issue 14, items 2, 5, 6 and 7).

Unit tests check the pieces on hand-made input (deviations of scorecard cells, marks of
published cells, the interactive table's offline HTML, index names in the header); the page
checks read the HTML of the repository's book (`repo_book`, built once per session by
conftest.py) and are plain functions of the HTML folder, so they can also be run on any build
(`check_pages(Path("_build/html"))`).
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pandas as pd
import pytest
from stagesofprogress import beside, display, narrative
from stagesofprogress.replication.kristjanson2007 import deviations

# --------------------------------------------------------------------------- deviations


def _card(rows):
    return pd.DataFrame(rows, columns=["table", "row", "column", "paper", "reproduced", "tolerance", "ok"])


def test_cell_deviations_measure_from_the_printed_number():
    card = _card(
        [
            ("Table 3", "Puno, 1994-2004", "Escaped Poverty", "12.8", 12.84, "within 0.05", True),
            ("Table 4", "Health", "Puno B", "-1.34**", -1.30, "within 0.05", True),
            ("Table 1", "Business", "Both regions", "33 (6)", 30.0, "errata", True),
            ("Table 4", "Wald chi2", "Puno B", "97.80", 88.02, "within 10%", True),
            ("Text", "x", "y", "5", float("nan"), "within 1", False),
        ]
    )
    err = pd.DataFrame([{"table": "Table 1", "row": "Business", "column": "Both regions"}])
    d = deviations.cell_deviations(card, err)
    assert list(d.columns) == deviations.DEVIATION_COLUMNS
    assert d["deviation"].round(4).tolist()[:4] == [0.04, 0.04, -3.0, -9.78]
    assert d["kind"].tolist() == ["percent", "B", "community characteristic", "fit statistic", "text figure"]
    assert d["erratum"].tolist() == [False, False, True, False, False]
    assert pd.isna(d["deviation"].iloc[4])
    assert d["relative"].iloc[3] == pytest.approx(9.78 / 97.80)


def test_largest_deviation_leaves_errata_out_and_names_the_cell():
    card = _card(
        [
            ("Table 1", "Altitude (m)", "Puno", "4093", 4093.0, "", True),
            ("Table 1", "Area of community", "Both regions", "2369", 2350.0, "", True),
            ("Table 1", "Distance (km)", "Puno", "7.6", 7.64, "", True),
        ]
    )
    err = pd.DataFrame([{"table": "Table 1", "row": "Area of community", "column": "Both regions"}])
    s = deviations.largest_deviations(card, err)
    assert s.loc[0, "cells"] == 3 and s.loc[0, "errata"] == 1
    assert s.loc[0, "largest"] == pytest.approx(0.04)
    assert s.loc[0, "where"] == "Distance (km) / Puno"
    text = str(deviations.deviation_text(card, err))
    assert "1 cell is listed in the errata" in text
    assert "0.04 (Table 1, Distance (km) / Puno" in text.replace("\\", "")


def test_deviation_text_never_uses_a_fixed_figure():
    a = _card([("Table 3", "r", "Escaped Poverty", "10.0", 10.2, "", True)])
    b = _card([("Table 3", "r", "Escaped Poverty", "10.0", 10.7, "", False)])
    ta, tb = (str(deviations.deviation_text(c)).replace("\\", "") for c in (a, b))
    assert "0.2 points" in ta and "0.7 points" in tb and "outside their tolerance" in tb


# --------------------------------------------------------------------------- marks and display


def test_mark_cell_uses_the_printed_rounding():
    assert beside.mark_cell(55.04, "55") == ("55", "")
    assert beside.mark_cell(55.6, "55") == (f"55 {beside.MISS_MARK}", beside.MISS_MARK)
    assert beside.mark_cell(2.514, "2.51***") == ("2.51***", "")
    assert beside.mark_cell(95.0, "98 (1)", erratum=True) == (f"98 (1) {beside.ERRATUM_MARK}", beside.ERRATUM_MARK)
    assert beside.mark_cell(float("nan"), "4.1") == ("4.1", "")
    assert beside.mark_cell(1.0, "-") == ("-", "")


def test_marks_text_counts_and_says_when_nothing_differs():
    t = pd.DataFrame({"a": [1]})
    t.attrs["marks"] = {beside.MISS_MARK: 2, beside.ERRATUM_MARK: 0}
    assert "2 published cells" in str(beside.marks_text(t))
    t.attrs["marks"] = {beside.MISS_MARK: 0, beside.ERRATUM_MARK: 0}
    assert "Every published cell agrees" in str(beside.marks_text(t))


def test_index_names_share_the_header_row():
    df = pd.DataFrame({"Mean": [1.0, 2.0]}, index=pd.Index(["1", "2"], name="Stage"))
    out = display.table(df, "T")._repr_html_()
    assert out.count("<tr") == 3  # one header row, two body rows: no row holding only "Stage"
    assert re.search(r"<th[^>]*>Stage</th>\s*<th>Mean</th>", out)


def test_code_spans_of_contract_tables_become_code():
    df = pd.DataFrame({"key": ["`title`"], "text": ["a <b> `x`"]})
    out = display.table(df, "Keys", index=False, code=True)._repr_html_()
    assert "<code>title</code>" in out and "`" not in out and "&lt;b&gt;" in out
    assert "`title`" in display.table(df, "Keys", index=False)._repr_html_()


def test_interactive_table_is_offline_with_a_static_fallback():
    pytest.importorskip("itables")
    df = pd.DataFrame({"table": ["Table 1", "Table 2<script>"], "deviation": [0.5, -0.25]})
    out = display.interactive_table(df, "Cells & co", uid="cells")._repr_html_()
    assert not re.search(r"""(?:src=|from\s+)["']https?://""", out)  # no script from a CDN
    assert "unpkg" not in out and "cdn." not in out
    assert 'id="itbl-cells_fallback"' in out  # the static table, shown without JavaScript
    fallback = out.split('id="itbl-cells_fallback"')[1].split("</div>")[0]
    assert "Table 1" in fallback and "-0.25" in fallback and "<script>" not in fallback
    assert "Table 2&lt;script&gt;" in out
    assert "trusted" not in out and "<noscript>" not in out  # no notebook-trust message on a book page
    many = pd.DataFrame({"cell": [f"c{i}" for i in range(300)]})
    big = display.interactive_table(many, "Many", uid="many")._repr_html_()
    rows = big.split('id="itbl-many_fallback"')[1].split("</table>")[0]
    assert rows.count("<tr") == 301 and "c299" in rows  # every row, not a preview


def test_unpinned_marks_only_the_replica():
    from types import SimpleNamespace

    replica = SimpleNamespace(synthetic=True, meta={"paper": "../paper"})
    field = SimpleNamespace(synthetic=False, meta={})
    marked = str(narrative.unpinned(replica, "the median move was {k} stages", k=7))
    assert narrative.SYNTHETIC_MARK in marked.replace("\\", "") and "not a finding" in marked
    assert str(narrative.unpinned(field, "the median move was {k} stages", k=7)) == "the median move was 7 stages"
    assert str(narrative.replica_note(field, "only on the replica")) == ""
    assert narrative.SYNTHETIC_MARK in str(narrative.replica_note(replica, "only on the replica")).replace("\\", "")


def test_errata_bullets_read_printed_then_implied(tmp_path):
    from types import SimpleNamespace

    (tmp_path / "errata.csv").write_text(
        "table,row,column,printed,consistent_value,explanation\nTable 1,No. of households,Cajamarca,100,97.4,why\n",
        encoding="utf-8",
    )
    study = SimpleNamespace(meta={"paper": "."}, path=tmp_path)
    text = str(beside.errata_text(study, "Table 1")).replace("\\", "")
    assert "the paper prints 100 where its other figures imply 97.4" in text


# --------------------------------------------------------------------------- the built pages

STRAY = [r"Study\('", r"&lt;LogitResult", r"<LogitResult", r"dtype: float64", r"dtype: object"]


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _visible(html_text: str) -> str:
    html_text = re.sub(r"<(script|style)\b.*?</\1>", " ", html_text, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", html_text))


def _code_inputs(html_text: str) -> list[str]:
    """The code of every cell whose input is shown (not removed, not collapsed behind a toggle)."""
    out = []
    for chunk in html_text.split('<div class="cell ')[1:]:
        tags = chunk.split('"', 1)[0]
        if "tag_hide-input" in tags or "tag_remove-input" in tags or "tag_remove-cell" in tags:
            continue
        code = chunk.split('<div class="cell_output', 1)[0]
        if '<div class="cell_input' in code:
            out.append(_visible(code))
    return out


def _chapters(html: Path) -> list[Path]:
    return sorted((html / "chapters").glob("*.html"))


def check_no_stray_output(html: Path) -> list[str]:
    bad = []
    for page in _chapters(html):
        for out in re.findall(r'<div class="cell_output.*?</div>\s*</div>', _text(page), flags=re.S):
            for pat in STRAY:
                if re.search(pat, out):
                    bad.append(f"{page.name}: {pat}")
    return bad


def check_plumbing_hidden(html: Path) -> list[str]:
    bad = []
    for page in _chapters(html):
        for code in _code_inputs(_text(page)):
            if re.search(r"glue_figure\s*\(", code):
                bad.append(f"{page.name}: {code.strip()[:60]}")
    return bad


def check_no_lone_parameter_cell_first(html: Path) -> list[str]:
    bad = []
    for page in _chapters(html):
        t = _text(page)
        body = t.split('<article class="bd-article">', 1)[-1]
        first_p = body.find("<p>")
        first_cell = body.find('<div class="cell ')
        if (
            first_cell != -1
            and (first_p == -1 or first_cell < first_p)
            and "tag_parameters" in body[first_cell : first_cell + 200]
        ):
            bad.append(page.name)
    return bad


def check_no_empty_header_rows(html: Path) -> list[str]:
    bad = []
    for page in _chapters(html):
        for thead in re.findall(r"<thead>(.*?)</thead>", _text(page), flags=re.S):
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", thead, flags=re.S):
                cells = [c.strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", row, flags=re.S)]
                if len(cells) > 1 and cells[0] and not any(cells[1:]):
                    bad.append(f"{page.name}: header row of index names only ({cells[0]})")
    return bad


def check_no_literal_backticks_in_tables(html: Path) -> list[str]:
    t = _text(html / "chapters" / "appendix-data.html")
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", t)
    return [c for c in cells if "`" in c]


def check_table1_layout(html: Path) -> list[str]:
    v = _visible(_text(html / "chapters" / "study-area.html"))
    bad = []
    if "Percent of communities with:" not in v:
        bad.append("Table 1 lacks the paper's sub-heading")
    if beside.TABLE1_NOTE.split("(")[0].strip() not in v:
        bad.append("Table 1 lacks the note on the bracketed ranks")
    return bad


def check_beside_tables(html: Path) -> list[str]:
    bad = []
    live = _text(html / "chapters" / "livestock.html")
    for uid in ("table6", "table8", "table9", "fit-adoption"):
        m = re.search(rf'<table[^>]*id="tbl-{uid}".*?</table>', live, flags=re.S)
        if m is None or "Published" not in m.group(0):
            bad.append(f"livestock: {uid} without published columns")
    esc = _text(html / "chapters" / "escape-descent.html")
    for uid in ("fit-escape", "fit-descent"):
        m = re.search(rf'<table[^>]*id="tbl-{uid}".*?</table>', esc, flags=re.S)
        if m is None or "Published" not in m.group(0) or "Wald chi2" not in m.group(0):
            bad.append(f"escape-descent: {uid} without published fit statistics")
    return bad


def check_scorecard_page(html: Path) -> list[str]:
    t = _text(html / "chapters" / "appendix-scorecard.html")
    bad = []
    if 'id="tbl-scorecard-deviations"' not in t:
        bad.append("no table of largest deviations")
    if 'id="itbl-scorecard"' not in t or 'id="itbl-scorecard_fallback"' not in t:
        bad.append("the cells are not an interactive table with a static fallback")
    if re.search(r"""(?:src=|import[^;]*from\s+)["']https?://""", t):
        bad.append("a script is fetched from the network")
    fallback = t.split('id="itbl-scorecard_fallback"')[-1].split("</table>")[0]
    if fallback.count("<tr") < 800:
        bad.append(f"the static fallback holds {fallback.count('<tr')} rows")
    return bad


def check_prose(html: Path) -> list[str]:
    bad = []
    for page in _chapters(html):
        v = _visible(_text(page))
        if re.search(r"largest difference is 0\.0 points", v):
            bad.append(f"{page.name}: a fixed 0.0 difference")
        if "consistent with the paper's other figures" in v:
            bad.append(f"{page.name}: errata bullet read backwards")
    mov = _visible(_text(html / "chapters" / "movements.html"))
    if "median move" in mov and narrative.SYNTHETIC_MARK not in mov.split("median move")[0][-600:]:
        bad.append("movements: the median move is not marked synthetic")
    css = (html / "_static" / "sop.css").read_text(encoding="utf-8")
    if not re.search(r"span\.pasted-text\s*\{[^}]*font-weight:\s*inherit", css):
        bad.append("glued text is still bold")
    return bad


CHECKS = [
    check_no_stray_output,
    check_plumbing_hidden,
    check_no_lone_parameter_cell_first,
    check_no_empty_header_rows,
    check_no_literal_backticks_in_tables,
    check_table1_layout,
    check_beside_tables,
    check_scorecard_page,
    check_prose,
]


def check_pages(html: Path) -> dict[str, list[str]]:
    """Every check on a built book's HTML folder: {check name: problems} (empty lists when clean)."""
    return {c.__name__: c(Path(html)) for c in CHECKS}


@pytest.mark.slow
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_repo_book_pages(repo_book, check):
    assert repo_book.returncode == 0, repo_book.stdout[-3000:]
    problems = check(repo_book.out)
    assert not problems, "\n".join(problems[:20])


# --------------------------------------------------------------------------- the replica beside the paper


@pytest.fixture(scope="module")
def replica():
    import stagesofprogress as sop
    from conftest import ROOT

    return sop.load_study(ROOT / "data" / "peru2004")


def test_livestock_tables_beside_the_paper_in_its_order(replica):
    from stagesofprogress import book

    t6 = book.livestock_beside(replica, "Table 6", book.table6(replica), formats="{:.0f}")
    assert [c[-1] for c in t6.columns] == ["This book", "Published"] * 2
    regions = list(dict.fromkeys(b.split(" (")[0] for b in t6.index.get_level_values(0)))
    assert regions == ["Puno", "Cajamarca"]  # the paper's column order
    assert t6.loc[t6.index[0], ("1994", "Published")] == "55"  # Table 6, Puno, beef indigenous, 10 years ago
    t9 = book.livestock_beside(replica, "Table 9", book.table9(replica))
    alpaca = [ix for ix in t9.index if ix[1].lower().startswith("alpaca")]
    assert alpaca and t9.loc[alpaca[0], ("New producers", "Published")] == "34"  # "Alpacas fiber" matched
    assert set(t6.attrs["marks"]) == {beside.MISS_MARK, beside.ERRATUM_MARK}


def test_fit_statistics_beside_the_paper(replica):
    from stagesofprogress import book, models

    fits = models.fits_by_kind(replica)
    t = book.fit_beside(fits["escape"], replica)
    assert {"Wald chi2", "Pseudo R-square (McFadden's)", "N"} <= set(t.index)
    assert t.loc["N", ("Puno", "Published")] == "290"
    assert t.loc["N", ("Puno", "This book")] == str(fits["escape"].results["Puno"].nobs)
    odds = book.odds_beside(fits["escape"], replica)
    assert odds.index[0].startswith("Factors") and odds.loc[odds.index[0]].eq("").all()  # the paper's sub-heading


def test_table1_has_the_paper_layout_and_marks_its_errata(replica):
    from stagesofprogress import book, communities

    t = book.table1_beside(replica, communities.table1(replica))
    assert "Percent of communities with:" in t.index
    assert t.loc["Percent of communities with:"].eq("").all()
    assert t.loc["Area of community", ("Both regions", "Published")].endswith(beside.ERRATUM_MARK)
    assert t.attrs["marks"][beside.ERRATUM_MARK] >= 1


def test_table2_published_column_is_the_printed_text_with_its_marks(tmp_path):
    """Table 2 beside the paper: printed means as printed; a cell this book misses is marked."""
    import shutil

    import stagesofprogress as sop
    from stagesofprogress import beside

    root = Path(__file__).resolve().parents[1]
    t = beside.table2_beside(sop.load_study(root / "data" / "peru2004"))
    printed = pd.read_csv(root / "data" / "paper" / "table2.csv", dtype=str).set_index("row").iloc[:, 0]
    assert list(t["Published"]) == list(printed.reindex(t.index))  # the replica meets every printed mean
    assert t.attrs["marks"] == {beside.MISS_MARK: 0, beside.ERRATUM_MARK: 0}
    copy = tmp_path / "peru"
    shutil.copytree(root / "data" / "peru2004", copy)
    shutil.copytree(root / "data" / "paper", copy / "paper")
    text = (copy / "study.yml").read_text(encoding="utf-8").replace("paper: ../paper", "paper: paper")
    (copy / "study.yml").write_text(text, encoding="utf-8")
    table = (copy / "paper" / "table2.csv").read_text(encoding="utf-8").replace("\n1,1.33\n", "\n1,1.50\n")
    (copy / "paper" / "table2.csv").write_text(table, encoding="utf-8")
    t = beside.table2_beside(sop.load_study(copy))
    assert t["Published"].iloc[0] == f"1.50 {beside.MISS_MARK}"
    assert t.attrs["marks"][beside.MISS_MARK] == 1
    assert beside.MISS_MARK in str(beside.marks_text(t))


def test_table3_pooled_size_carries_the_errata_mark():
    """The errata question Table 3's region sizes (their sum against the text's 3,817): marked on the page."""
    import stagesofprogress as sop
    from stagesofprogress import beside

    root = Path(__file__).resolve().parents[1]
    t, _ = beside.table3_beside(sop.load_study(root / "data" / "peru2004"))
    n = t.columns[-1]
    pooled = [t.loc[idx, n] for idx in t.index if idx[1] == "All" and idx[2] == "Published"]
    regions = [t.loc[idx, n] for idx in t.index if idx[1] != "All" and idx[2] == "Published"]
    assert pooled and all(v.endswith(beside.ERRATUM_MARK) for v in pooled)
    assert regions and not any(beside.ERRATUM_MARK in v for v in regions)
