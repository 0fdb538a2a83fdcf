"""Tables given as CSV, XLSX, SAV, DTA or sheets of one study.xlsx read to the same text cells."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml
from conftest import sop_in_process
from stagesofprogress import fieldfiles as ff

FORMATS = Path(__file__).resolve().parent / "studies" / "formats"
TABLES = ("households", "sample", "reasons")
SUBS = ("semicolon", "xlsx", "sav", "dta", "workbook")


def _maker():
    spec = importlib.util.spec_from_file_location("make_formats", FORMATS / "make_formats.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _dialect(folder: Path) -> ff.CsvDialect:
    dialect, issues = ff.dialect_from_meta(yaml.safe_load((Path(folder) / "study.yml").read_text(encoding="utf-8")))
    assert issues == []
    return dialect


def _read(folder, name, **kw) -> ff.TableText:
    if "dialect" not in kw and (Path(folder) / "study.yml").exists():
        kw["dialect"] = _dialect(folder)
    table, issues = ff.read_table(folder, name, **kw)
    assert issues == [], issues
    assert table is not None
    return table


def _xlsx(path: Path, rows: list[list], title: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# --------------------------------------------------------------------------- one study, five forms


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("sub", SUBS)
def test_committed_formats_read_to_the_csv_cells(sub, name):
    ref = _read(FORMATS / "csv", name)
    got = _read(FORMATS / sub, name)
    pd.testing.assert_frame_equal(got.frame, ref.frame)
    assert (FORMATS / sub / "study.yml").read_text().startswith((FORMATS / "csv" / "study.yml").read_text())
    assert got.header == ref.header
    assert got.name == name
    assert all(str(t) == "str" for t in got.frame.dtypes)


def test_formats_written_afresh_read_to_the_committed_csv_cells(tmp_path):
    _maker().main(tmp_path)
    for name in TABLES:
        ref = _read(FORMATS / "csv", name)
        for sub in ("csv", "semicolon"):
            assert (tmp_path / sub / f"{name}.csv").read_bytes() == (FORMATS / sub / f"{name}.csv").read_bytes()
        for sub in SUBS:
            pd.testing.assert_frame_equal(_read(tmp_path / sub, name).frame, ref.frame, obj=f"{sub}/{name}")


def test_cells_are_rendered_as_the_csv_holds_them():
    s = _read(FORMATS / "dta", "sample").frame
    assert s.loc[2, "prop_children_school"] == "0.3333333333333333"
    assert s.loc[7, "land_ha"] == "1e-05"
    assert s.loc[5, "age_head"] == ""  # a blank is "" in every format
    assert s.loc[2, "male_head"] == "1"  # whole numbers without .0
    hh = _read(FORMATS / "sav", "households").frame
    assert hh.loc[2, "stage_1990"] == "1"  # labelled stage keeps its number (label is "Food")
    assert hh.loc[8, "community"] == "Lugarí"  # labelled text column becomes its label
    assert _read(FORMATS / "dta", "reasons").frame["reason"].tolist()[:3] == ["business", "health", "land_division"]


def test_sources_and_sheets_are_named():
    t = _read(FORMATS / "workbook", "households")
    assert (t.source_file, t.sheet) == ("study.xlsx", "households_Kabuchai, households_Lugarí")
    t = _read(FORMATS / "xlsx", "sample")
    assert (t.source_file, t.sheet) == ("sample.xlsx", "sample")
    t = _read(FORMATS / "sav", "reasons")
    assert (t.source_file, t.sheet) == ("reasons.sav", None)
    assert t.value_labels["reason"][2] == "health"


# --------------------------------------------------------------------------- locations


def test_locations_as_the_spreadsheet_shows_them():
    t = _read(FORMATS / "xlsx", "households")
    assert str(t.locate(9, "stage_2000")) == "households.xlsx, sheet households, row 9, column E (stage_2000)"
    t = _read(FORMATS / "csv", "households")
    assert str(t.locate(9, "assets")) == "households.csv, row 9, column G (assets)"
    t = _read(FORMATS / "sav", "households")
    # SPSS's Data View numbers cases from 1 (no header row)
    assert str(t.locate(9, "stage_2000")) == "households.sav, row 8, column stage_2000"
    loc = _read(FORMATS / "dta", "sample").locate(2, "age_head")
    assert (loc.file, loc.sheet, loc.row, loc.column, loc.letter) == ("sample.dta", None, 1, "age_head", None)


def test_stacked_village_sheets_are_numbered_as_one_sheet_and_located_in_their_own():
    t = _read(FORMATS / "workbook", "households")
    assert t.frame.index.tolist() == list(range(2, 14))
    first_lugari = t.frame.index[t.frame["household_id"] == "L01"][0]
    loc = t.locate(first_lugari, "stage_1990")
    assert str(loc) == "study.xlsx, sheet households_Lugarí, row 2, column D (stage_1990)"
    assert loc.issue("x") == ff.Issue("study.xlsx, sheet households_Lugarí", 2, "D (stage_1990)", "x")
    assert str(t.locate(7)) == "study.xlsx, sheet households_Kabuchai, row 7"


def test_blank_rows_keep_the_row_numbers_and_empty_columns_go(tmp_path):
    _xlsx(
        tmp_path / "reasons.xlsx",
        [
            ["household_id", "start", "end", "reason", None],
            ["K01", 1990, 2010, "business", None],
            [None, None, None, None, None],
            ["   ", None, None, None],
            ["K03", 1990.0, 2010, " health ", None],
        ],
    )
    t = _read(tmp_path, "reasons")
    assert t.frame.index.tolist() == [2, 5]
    assert list(t.frame.columns) == ["household_id", "start", "end", "reason"]
    assert t.frame.loc[5].tolist() == ["K03", "1990", "2010", " health "]  # text as written
    assert str(t.locate(5, "reason")) == "reasons.xlsx, sheet Sheet1, row 5, column D (reason)"


def test_a_wrong_dimension_tag_does_not_cut_the_sheet(tmp_path):
    p = _xlsx(
        tmp_path / "reasons.xlsx",
        [["household_id", "start", "end", "reason"]] + [[f"H{i}", 1990, 2010, "health"] for i in range(5)],
    )
    with zipfile.ZipFile(p) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b'<dimension ref="A1:D6" />' in parts[sheet]
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:D6" />', b'<dimension ref="A1:B2" />')
    with zipfile.ZipFile(p, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    t = _read(tmp_path, "reasons")
    assert len(t.frame) == 5 and t.frame.loc[6, "reason"] == "health"


def test_workbook_numbers_dates_and_booleans(tmp_path):
    p = _xlsx(
        tmp_path / "sample.xlsx",
        [
            ["household_id", "land_ha", "visit", "male_head", "code"],
            ["H1", 0.5, dt.datetime(2024, 3, 1), True, "007"],
            ["H2", 2.0, dt.datetime(2024, 3, 1, 12, 30), False, 7],
            ["H3", 1e-5, dt.date(2024, 3, 2), None, -3],
        ],
    )
    with zipfile.ZipFile(p) as z:  # as Excel writes it: 17 significant digits
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"<v>0.5</v>", b"<v>0.42857142857142855</v>")
    with zipfile.ZipFile(p, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    f = _read(tmp_path, "sample").frame
    assert f["land_ha"].tolist() == ["0.42857142857142855", "2", "1e-05"]
    assert f["visit"].tolist() == ["2024-03-01", "2024-03-01T12:30:00", "2024-03-02"]
    assert f["male_head"].tolist() == ["TRUE", "FALSE", ""]
    assert f["code"].tolist() == ["007", "7", "-3"]


def test_spss_and_stata_missing_values_dates_float_storage_and_labels_of_numbers(tmp_path):
    df = pd.DataFrame(
        {
            "household_id": ["H1", "H2", "H3"],
            "male_head": [0, 1, 1],
            "age_head": [40.0, 99.0, np.nan],
            "visit": [dt.date(2024, 3, 1), dt.date(2024, 3, 2), None],
            "tribe": [1.0, 2.0, 3.0],
        }
    )
    labels = {"male_head": {0: "female", 1: "male"}, "tribe": {1: "Bukusu", 2: "Tachoni"}}
    pyreadstat.write_sav(df, tmp_path / "sample.sav", variable_value_labels=labels, missing_ranges={"age_head": [99]})
    f = _read(tmp_path, "sample").frame
    assert f["male_head"].tolist() == ["0", "1", "1"]  # a 0/1 flag keeps its codes
    assert f["age_head"].tolist() == ["40", "", ""]  # user-missing 99 and system-missing are blank
    assert f["visit"].tolist() == ["2024-03-01", "2024-03-02", ""]
    assert f["tribe"].tolist() == ["Bukusu", "Tachoni", "3"]  # an extra column takes its labels
    (tmp_path / "sample.sav").unlink()
    d2 = pd.DataFrame({"household_id": ["H1", "H2"], "land_ha": np.array([0.28, 1.5], dtype=np.float32)})
    d2.to_stata(tmp_path / "sample.dta", write_index=False)  # pandas keeps float32 as Stata's float
    assert (
        pyreadstat.read_dta(tmp_path / "sample.dta", metadataonly=True)[1].readstat_variable_types["land_ha"] == "float"
    )
    assert _read(tmp_path, "sample").frame["land_ha"].tolist() == ["0.28", "1.5"]


# --------------------------------------------------------------------------- finding tables


def test_a_table_given_twice_is_a_problem(tmp_path):
    shutil.copy(FORMATS / "csv" / "households.csv", tmp_path)
    shutil.copy(FORMATS / "xlsx" / "households.xlsx", tmp_path)
    table, issues = ff.read_table(tmp_path, "households")
    assert table is None
    assert [i.message for i in issues] == [
        "the households table is given more than once: in households.csv and households.xlsx; "
        "keep one and remove or rename the others."
    ]
    (tmp_path / "households.xlsx").unlink()
    shutil.copy(FORMATS / "workbook" / "study.xlsx", tmp_path)
    table, issues = ff.read_table(tmp_path, "households")
    assert table is None
    assert "households.csv and study.xlsx (sheets households_Kabuchai, households_Lugarí)" in issues[0].message
    table, issues = ff.read_table(tmp_path, "sample")  # only in the workbook: fine
    assert issues == [] and table.sheet == "sample"


@pytest.mark.parametrize(
    "fname, words",
    [
        ("households.xls", "this file: it is an Excel 97-2003 workbook, which is not read; save it as households.xlsx"),
        ("households.ods", "it is an OpenDocument spreadsheet"),
        ("households.json", "it is a JSON file"),
        ("households.parquet", "it is a file of a kind that is not read"),
        ("Households.csv", "read from households.csv: rename this file households.csv"),
        ("households.XLSX", "rename this file households.xlsx"),
    ],
)
def test_a_table_under_another_extension_is_named(tmp_path, fname, words):
    (tmp_path / fname).write_bytes(b"x")
    table, issues = ff.read_table(tmp_path, "households")
    assert table is None
    assert len(issues) == 1 and issues[0].file == fname and words in issues[0].message


def test_an_absent_table_gives_no_issue_and_a_folder_is_not_a_file(tmp_path):
    assert ff.read_table(tmp_path, "livestock") == (None, [])
    (tmp_path / "livestock.csv").mkdir()
    table, issues = ff.read_table(tmp_path, "livestock")
    assert table is None and issues == [ff.Issue("livestock.csv", None, None, "is not a file.")]


def test_village_sheets_with_different_headers_are_reported(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "households_a"
    ws.append(["household_id", "community", "region", "stage_1990"])
    ws.append(["A1", "a", "r", 1])
    ws = wb.create_sheet("Households B")  # case and spaces of sheet names are ignored
    ws.append(["household_id", "region", "community", "stage_1990"])
    ws = wb.create_sheet("households_c")
    ws.append(["household_id", "community", "stage_1990", "assets"])
    ws = wb.create_sheet("notes")
    wb.save(tmp_path / "study.xlsx")
    table, issues = ff.read_table(tmp_path, "households")
    assert table is None
    assert [(i.file, i.row) for i in issues] == [
        ("study.xlsx, sheet Households B", 1),
        ("study.xlsx, sheet households_c", 1),
    ]
    assert "the same columns in another order" in issues[0].message
    assert "lacks 'region' and has 'assets' in addition" in issues[1].message


def test_broken_files_are_reported_not_raised(tmp_path):
    (tmp_path / "households.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "sample.sav").write_bytes(b"$FL2 broken")
    (tmp_path / "reasons.dta").write_bytes(b"\x00" * 64)
    for name, file in (("households", "households.xlsx"), ("sample", "sample.sav"), ("reasons", "reasons.dta")):
        table, issues = ff.read_table(tmp_path, name)
        assert table is None and len(issues) == 1 and issues[0].file == file
    (tmp_path / "study.xlsx").write_bytes(b"not a workbook")
    table, issues = ff.read_table(tmp_path, "communities")
    assert table is None and issues[0].file == "study.xlsx" and "not an Excel workbook" in issues[0].message


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("sub", ("csv", "xlsx", "sav", "dta", "workbook"))
def test_files_past_the_limits_are_refused(sub):
    folder = FORMATS / sub
    for limits, words in (
        (ff.Limits(file_bytes=100), "MB, more than"),
        (ff.Limits(rows=5), "more than 5 rows"),
        (ff.Limits(columns=3), "columns, more than the 3"),
    ):
        table, issues = ff.read_table(folder, "households", limits=limits)
        assert table is None, (sub, limits)
        assert len(issues) == 1 and words in issues[0].message, issues
    assert ff.read_table(folder, "households", limits=ff.Limits(rows=12, columns=7))[0] is not None


def test_a_workbook_that_expands_past_the_limit_is_refused():
    table, issues = ff.read_table(FORMATS / "xlsx", "sample", limits=ff.Limits(unzipped_bytes=1000))
    assert table is None and "expands to" in issues[0].message


# --------------------------------------------------------------------------- CSV dialects


def test_semicolons_and_decimal_commas_read_when_declared(tmp_path):
    for name in TABLES:
        text = (FORMATS / "csv" / f"{name}.csv").read_text(encoding="utf-8")
        rows = [
            ";".join(
                c.replace(".", ",") if c.replace(".", "").replace("-", "").replace("e", "").isdigit() else c
                for c in line.split(",")
            )
            for line in text.split("\n")
        ]
        (tmp_path / f"{name}.csv").write_text("\n".join(rows), encoding="utf-8")
    assert "0,3333333333333333" in (tmp_path / "sample.csv").read_text()
    dialect, issues = ff.dialect_from_meta({"csv": {"delimiter": ";", "decimal": ","}})
    assert issues == [] and dialect == ff.CsvDialect(";", ",")
    for name in TABLES:
        got = _read(tmp_path, name, dialect=dialect)
        pd.testing.assert_frame_equal(got.frame, _read(FORMATS / "csv", name).frame)


def test_undeclared_semicolons_get_a_precise_hint(tmp_path):
    (tmp_path / "households.csv").write_text("household_id;community;region\nH1;A;R\n", encoding="utf-8")
    table, issues = ff.read_table(tmp_path, "households")
    assert table is None
    assert issues == [
        ff.Issue(
            "households.csv",
            1,
            None,
            'the columns are separated by semicolons, not commas; add `csv: {delimiter: ";"}` '
            "to study.yml, or save the spreadsheet as 'CSV UTF-8 (comma delimited)'.",
        )
    ]
    (tmp_path / "households.csv").write_text("household_id\tcommunity\nH1\tA\n", encoding="utf-8")
    assert (
        'separated by tabs, not commas; add `csv: {delimiter: "\\t"}`'
        in ff.read_table(tmp_path, "households")[1][0].message
    )
    (tmp_path / "households.csv").write_text("household_id\nH1;2\n", encoding="utf-8")
    assert ff.read_table(tmp_path, "households")[1] == []  # a one-column table is not a semicolon file


def test_undeclared_decimal_commas_get_a_hint_naming_column_and_row(tmp_path):
    (tmp_path / "sample.csv").write_text(
        "household_id;land_ha;family_size;note\nH1;2;5;a,b\nH2;0,5;6;x\nH3;;4,5;1,5\n", encoding="utf-8"
    )
    table, issues = ff.read_table(tmp_path, "sample", dialect=ff.CsvDialect(delimiter=";"))
    assert table is not None and table.frame.loc[3, "land_ha"] == "0,5"  # read as written
    assert [(i.row, i.column) for i in issues] == [(3, "land_ha"), (4, "family_size")]
    assert issues[0].message.startswith('decimal commas in column land_ha (row 3): add `decimal: ","`')
    # a comma file with quoted decimal commas
    (tmp_path / "sample.csv").write_text('household_id,land_ha\nH1,"1,25"\n', encoding="utf-8")
    issues = ff.read_table(tmp_path, "sample")[1]
    assert [(i.row, i.column) for i in issues] == [(2, "land_ha")]
    # declared: no hint, and the cell is converted
    t, issues = ff.read_table(tmp_path, "sample", dialect=ff.CsvDialect(decimal=","))
    assert issues == [] and t.frame.loc[2, "land_ha"] == "1.25"


def test_declared_decimal_commas_convert_numbers_only(tmp_path):
    (tmp_path / "sample.csv").write_text(
        "household_id;land_ha;note\nH1; 0,5 ;a,b\nH2;-3,25e2;1,2,3\nH3;,5;Kabuchai, Bungoma\n", encoding="utf-8"
    )
    t, issues = ff.read_table(tmp_path, "sample", dialect=ff.CsvDialect(";", ","))
    assert issues == []
    assert t.frame["land_ha"].tolist() == [" 0.5 ", "-3.25e2", ".5"]
    assert t.frame["note"].tolist() == ["a,b", "1,2,3", "Kabuchai, Bungoma"]


@pytest.mark.parametrize(
    "spec, words",
    [
        ("x", "csv must be a mapping"),
        ({"delimiter": ":"}, "csv delimiter ':' is not one of"),
        ({"decimal": ";"}, "csv decimal ';' must be"),
        ({"delimiter": ",", "decimal": ","}, "cannot be the same character"),
        ({"sep": ";"}, "unknown keys sep"),
    ],
)
def test_dialect_settings_are_checked(spec, words):
    _dialect, issues = ff.dialect_from_meta({"csv": spec})
    assert len(issues) == 1 and issues[0].file == "study.yml" and words in issues[0].message


def test_no_dialect_declared_is_comma_and_point():
    assert ff.dialect_from_meta({"title": "x"}) == (ff.CsvDialect(None, None), [])
    assert ff.dialect_from_meta({"csv": {"delimiter": "\t"}})[0] == ff.CsvDialect("\t", None)


# --------------------------------------------------------------------------- stage names


def test_stage_cells_hold_numbers_or_the_ladders_names():
    ladder = ["Food", "Clothes", "Roof", "Small animals", "Lugarí cattle"]
    decomposed = unicodedata.normalize("NFD", "LUGARÍ CATTLE")
    cells = pd.Series(
        ["1", " food ", "ROOF", "small animals", decomposed, "", "  ", "7", "2.0", "Land", "1.5"],
        index=range(2, 13),
        dtype="str",
    )
    numbers, bad = ff.stage_codes(cells, ladder)
    assert numbers.index.equals(cells.index) and bad.index.equals(cells.index)
    np.testing.assert_array_equal(numbers.to_numpy(), [1, 1, 3, 4, 5, np.nan, np.nan, 7, 2, np.nan, 1.5])
    assert bad.tolist() == [False] * 9 + [True, False]


def test_a_name_two_stages_share_is_not_accepted():
    numbers, bad = ff.stage_codes(pd.Series(["roof", "Food"]), ["Food", "Roof", "roof "])
    assert np.isnan(numbers[0]) and bad.tolist() == [True, False] and numbers[1] == 1


def test_column_letters():
    assert [ff.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
        "XFD",
    ]


def test_read_tables_reads_every_table_given_and_lists_the_workbook_once(tmp_path, monkeypatch):
    calls = []
    real = ff._workbook_sheets
    monkeypatch.setattr(ff, "_workbook_sheets", lambda *a: calls.append(a) or real(*a))
    tables, issues = ff.read_tables(FORMATS / "workbook")
    assert issues == [] and list(tables) == ["households", "sample", "reasons"] and len(calls) == 1
    (tmp_path / "study.xlsx").write_bytes(b"broken")
    tables, issues = ff.read_tables(tmp_path)
    assert tables == {} and len(issues) == 1  # one problem with the workbook, not one per table


def test_formatted_empty_cells_far_out_are_not_columns(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["household_id", "start", "end", "reason"])
    ws.append(["K01", 1990, 2010, "health"])
    ws.cell(row=2, column=5000).number_format = "0.00"  # styled, no value
    ws.cell(row=900, column=3).number_format = "0.00"
    wb.save(tmp_path / "reasons.xlsx")
    t = _read(tmp_path, "reasons", limits=ff.Limits(columns=10, rows=5))
    assert t.frame.shape == (1, 4)


def test_stage_labels_that_disagree_with_the_ladder_are_named():
    t = _read(FORMATS / "sav", "households")
    stages = ["Food", "Clothes", "Roof", "Small animals", "Land", "Cattle"]
    assert ff.stage_label_mismatches(t, stages) == []
    assert ff.stage_label_mismatches(t, [" food", "CLOTHES"] + stages[2:]) == []
    swapped = ["Food", "Roof", "Clothes"] + stages[3:]
    issues = ff.stage_label_mismatches(t, swapped)
    assert [i.column for i in issues] == ["stage_1990", "stage_2000", "stage_2010"]
    assert "2 = 'Clothes' (the ladder's stage 2 is 'Roof'); 3 = 'Roof'" in issues[0].message
    assert ff.stage_label_mismatches(_read(FORMATS / "csv", "households"), swapped) == []


def test_a_required_table_given_nowhere_is_reported_once(tmp_path):
    shutil.copy(FORMATS / "csv" / "sample.csv", tmp_path)
    tables, issues = ff.read_tables(tmp_path)
    assert list(tables) == ["sample"]
    assert [(i.file, i.message) for i in issues] == [
        (
            "households.csv",
            "the file is missing: every study folder needs households.csv. It may also be given as "
            "households.xlsx, households.sav, households.dta or a sheet named households in study.xlsx.",
        )
    ]
    _xlsx(tmp_path / "study.xlsx", [["x"]], title="Hogares")
    tables, issues = ff.read_tables(tmp_path)
    assert issues[0].message.endswith("study.xlsx has the sheets Hogares, none named households.")
    (tmp_path / "households.xls").write_bytes(b"x")  # the file that is there is named instead
    tables, issues = ff.read_tables(tmp_path)
    assert [i.file for i in issues] == ["households.xls"]


def _with_cached_value(path: Path, cell: str, value: str) -> None:
    """Give one formula cell of sheet1 the value Excel would have saved beside it."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    head, rest = sheet.split(f'<c r="{cell}"', 1)
    body, tail = rest.split("</c>", 1)
    parts["xl/worksheets/sheet1.xml"] = (
        head + f'<c r="{cell}"' + body.replace("<v />", f"<v>{value}</v>") + "</c>" + tail
    ).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)


def test_formulas_without_saved_values_are_reported_by_cell(tmp_path):
    header = ["household_id", "community", "region", "stage_2000", "stage_2010", "note"]
    rows = [
        header,
        ["h1", "a", "R", 1, "=D2+1", "=1"],
        ["h2", "a", "R", 2, "=D3+1", "x"],
        ["h3", "a", "R", 2, "=D4+1", "=2"],
    ]
    path = _xlsx(tmp_path / "households.xlsx", rows, title="households")
    _with_cached_value(path, "E4", "3")  # saved by a spreadsheet program: its value is read, no issue
    table, issues = ff.read_table(tmp_path, "households")
    assert table is not None and table.frame["stage_2010"].tolist() == ["", "", "3"]
    assert [(i.file, i.row, i.column, i.severity) for i in issues] == [
        ("households.xlsx, sheet households", 2, "E (stage_2010)", "error"),  # a column the contract requires
        ("households.xlsx, sheet households", 2, "F (note)", "warning"),  # a column of the team's own
    ]
    assert issues[0].message.startswith("cells E2, E3 hold formulas with no saved value, so they read as empty")
    assert issues[1].message.startswith("cells F2, F4 hold formulas")
    (tmp_path / "study.yml").write_text("title: t\ntime_points: [2000, 2010]\nstages: [A, B, C]\npoverty_cutoff: 1\n")
    r = sop_in_process("validate", "--data", tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "households.xlsx, sheet households, row 2, column E (stage_2010): cells E2, E3" in r.stdout + r.stderr
    assert "warning: households.xlsx, sheet households, row 2, column F (note)" in r.stdout + r.stderr


def test_datapackage_describes_every_format_as_given():
    from stagesofprogress import datapackage as dp

    def pkg(sub):
        return {r["name"]: r for r in dp.datapackage(FORMATS / sub)["resources"]}

    csv = pkg("csv")
    for sub, kind, media in (
        ("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("sav", "sav", "application/x-spss-sav"),
        ("dta", "dta", "application/x-stata-dta"),
        ("workbook", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        got = pkg(sub)
        assert list(got) == list(csv), sub  # every table is described, not only study.yml
        for name in TABLES:
            r = got[name]
            path = "study.xlsx" if sub == "workbook" else f"{name}.{kind}"
            assert (r["path"], r["format"], r["mediatype"], r["profile"]) == (path, kind, media, "data-resource")
            assert "encoding" not in r  # a binary file has no text encoding
            assert r["schema"] == csv[name]["schema"], (sub, name)  # the same cells, the same schema
    assert pkg("xlsx")["sample"]["dialect"] == {"sheet": "sample"}
    book = pkg("workbook")
    assert book["households"]["dialect"] == {"sheets": ["households_Kabuchai", "households_Lugar\u00ed"]}
    assert book["reasons"]["dialect"] == {"sheet": "reasons"}
    assert "dialect" not in csv["households"] and csv["households"]["profile"] == "tabular-data-resource"
    semi = pkg("semicolon")["sample"]
    assert semi["dialect"] == {"delimiter": ";"} and semi["format"] == "csv"
    numbers = [f for f in semi["schema"]["fields"] if f["type"] == "number"]
    assert numbers and all(f["decimalChar"] == "," for f in numbers)
    assert [f["name"] for f in semi["schema"]["fields"]] == [f["name"] for f in csv["sample"]["schema"]["fields"]]


@pytest.mark.slow
def test_newuser_study_in_every_form_gives_byte_identical_tables(tmp_path):
    """The Done-when study (per-community ladders, a prosperity line, one workbook) as CSV, XLSX,
    SAV and DTA files: `sop tables` writes the same bytes as from its committed study.xlsx."""
    newuser = FORMATS.parent / "newuser"
    spec = importlib.util.spec_from_file_location("newuser_make_study", newuser / "make_study.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    sop_cmd = Path(sys.executable).with_name("sop")

    def tables(folder: Path) -> dict[str, bytes]:
        out = tmp_path / f"out-{folder.name}"
        r = subprocess.run(
            [str(sop_cmd), "tables", "--data", str(folder), "--out", str(out)], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr
        return {f.name: f.read_bytes() for f in sorted(out.glob("*.csv"))}

    forms = ("csv", "xlsx", "sav", "dta")
    for form in forms:
        maker.write_form(tmp_path / form, form)
    with ThreadPoolExecutor(max_workers=2) as pool:  # five processes, two at a time
        ref, *made = pool.map(tables, [newuser, *(tmp_path / form for form in forms)])
    assert {"status_movements.csv", "logit_notes.csv", "movements.csv"} <= set(ref)
    for form, got in zip(forms, made):
        assert list(got) == list(ref), form
        for name, data in ref.items():
            assert got[name] == data, f"{form}: {name} differs from the workbook's"
