"""The contract as field teams have their data: any format, generic sample.csv, look-alike names."""

from __future__ import annotations

import filecmp
import shutil
import subprocess

import openpyxl
import pandas as pd
from conftest import SOP, STUDIES
from stagesofprogress import reasons as rs
from stagesofprogress.study import check

FORMATS = STUDIES / "formats"


def sop(*args, subprocess_=False):
    """`sop ARGS` in this process (`conftest.sop_in_process`), or as the installed `sop`."""
    if not subprocess_:
        from conftest import sop_in_process

        return sop_in_process(*args)
    return subprocess.run([str(SOP), *map(str, args)], capture_output=True, text=True)


def copy(tmp_path, sub="csv", name="study"):
    folder = tmp_path / name
    shutil.copytree(FORMATS / sub, folder)
    return folder


def messages(report, warnings=False) -> list[str]:
    return [str(p) for p in (report.warnings if warnings else report.problems)]


def same_tree(a, b) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    if filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)[1:] != ([], []):
        return False
    return all(same_tree(a / d, b / d) for d in cmp.common_dirs)


def test_the_same_study_in_every_format_gives_byte_identical_tables(tmp_path):
    outs = {}
    for sub in ("csv", "semicolon", "xlsx", "sav", "dta", "workbook"):
        run = sop("tables", "--data", FORMATS / sub, "--out", tmp_path / sub, subprocess_=sub == "workbook")
        assert run.returncode == 0, (sub, run.stderr)
        outs[sub] = tmp_path / sub
    assert len(list(outs["csv"].glob("*.csv"))) > 5
    for sub, out in outs.items():
        assert same_tree(outs["csv"], out), sub


def _workbook_cell(folder, sheet, cell, value):
    wb = openpyxl.load_workbook(folder / "study.xlsx")
    wb[sheet][cell] = value
    wb.save(folder / "study.xlsx")


def test_problems_in_stacked_village_sheets_name_sheet_row_and_column_letter(tmp_path):
    folder = copy(tmp_path, "workbook")
    _workbook_cell(folder, "households_Lugarí", "E3", 9)  # stage_2000 of the second village's L02
    _workbook_cell(folder, "households_Lugarí", "A7", "K02")  # a household id of the first village
    r = check(folder)
    assert messages(r) == [
        "study.xlsx, sheet households_Lugarí, row 7, column A (household_id): 'K02' is a duplicate: it already "
        "appears in row 3 of sheet households_Kabuchai.",
        "study.xlsx, sheet households_Lugarí, row 3, column E (stage_2000): stage 9 is above the ladder: it has "
        "only 6 stages.",
    ], messages(r)


def test_problems_in_a_table_workbook_name_its_sheet(tmp_path):
    folder = copy(tmp_path, "xlsx")
    wb = openpyxl.load_workbook(folder / "sample.xlsx")
    ws = wb.worksheets[0]
    ws["A3"] = "Z99"
    wb.save(folder / "sample.xlsx")
    msgs = messages(check(folder))
    assert msgs[0] == (
        f"sample.xlsx, sheet {ws.title}, row 3, column A (household_id): 'Z99' does not appear in "
        "households.xlsx (household_id)."
    ), msgs
    assert msgs[1] == (
        "reasons.xlsx, sheet reasons, row 3, column A (household_id): 'K03' does not appear in "
        "sample.xlsx (household_id)."
    ), msgs


def test_only_the_first_sheet_of_a_table_workbook_is_read_with_a_warning(tmp_path):
    folder = copy(tmp_path, "xlsx")
    wb = openpyxl.load_workbook(folder / "households.xlsx")
    first = wb.worksheets[0].title
    wb.create_sheet("notes")["A1"] = "written by the team"
    wb.save(folder / "households.xlsx")
    r = check(folder)
    assert r.valid, messages(r)
    assert messages(r, warnings=True) == [
        f"warning: households.xlsx: has 2 sheets; only the first, {first}, is read as "
        "the households table (not notes). Put each table in its own file, or in a "
        "sheet named after it in study.xlsx."
    ]


def test_problems_in_spss_and_stata_files_name_the_case(tmp_path):
    import pyreadstat

    for sub, write, ext in (("sav", pyreadstat.write_sav, "sav"), ("dta", pyreadstat.write_dta, "dta")):
        folder = copy(tmp_path, sub, name=sub)
        df = pd.read_csv(FORMATS / "csv" / "households.csv")
        df.loc[2, "stage_2010"] = 8
        write(df, str(folder / f"households.{ext}"))
        assert messages(check(folder)) == [
            f"households.{ext}, row 3, column stage_2010: stage 8 is above the ladder: it has only 6 stages."
        ]


def test_a_table_saved_in_a_format_that_is_not_read_is_named(tmp_path):
    folder = copy(tmp_path)
    (folder / "households.csv").rename(folder / "households.xls")
    run = sop("validate", "--data", folder)
    assert run.returncode == 1 and "Traceback" not in run.stderr + run.stdout
    assert (
        "households.xls: the households table cannot be read from this file: it is an Excel 97-2003 workbook"
        in run.stdout + run.stderr
    )


def test_decimal_commas_get_a_hint_or_are_read_when_declared(tmp_path):
    folder = copy(tmp_path)
    sample = pd.read_csv(folder / "sample.csv", dtype=str, keep_default_na=False)
    sample["land_ha"] = sample["land_ha"].str.replace(".", ",")
    sample.to_csv(folder / "sample.csv", index=False)
    r = check(folder)
    assert any("decimal commas in column land_ha" in w and "csv:" in w for w in messages(r, warnings=True)), messages(
        r, warnings=True
    )
    assert any("'1,25' is not a number" in m for m in messages(r))
    with open(folder / "study.yml", "a", encoding="utf-8") as f:
        f.write('csv: {decimal: ","}\n')
    r = check(folder)
    assert r.valid, messages(r)
    assert r.study.table("sample")["land_ha"].iloc[0] == 1.25


def test_the_csv_setting_is_checked(tmp_path):
    folder = copy(tmp_path)
    with open(folder / "study.yml", "a", encoding="utf-8") as f:
        f.write('csv: {delimiter: "#"}\n')
    msgs = messages(check(folder))
    assert any(m.startswith("study.yml, line 11, column csv: csv delimiter '#'") for m in msgs), msgs


def test_sample_needs_only_household_id(tmp_path):
    folder = copy(tmp_path)
    ids = pd.read_csv(folder / "sample.csv")["household_id"]
    (folder / "sample.csv").write_text("household_id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    r = check(folder)
    assert r.valid, messages(r)
    run = sop("tables", "--data", folder, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    # a model naming a characteristic the study does not record is still refused
    with open(folder / "study.yml", "a", encoding="utf-8") as f:
        f.write("models:\n  m:\n    outcome: escaped\n    groups: [{variables: [{name: land_ha}]}]\n")
    msgs = messages(check(folder))
    assert any("the variable 'land_ha' is neither a reason code" in m for m in msgs), msgs


def test_reasons_of_every_category_are_shared(tmp_path):
    folder = copy(tmp_path)
    sample = (folder / "sample.csv").read_text(encoding="utf-8").splitlines()
    (folder / "sample.csv").write_text(
        "\n".join(sample + [sample[1].replace("K01", "L01", 1)]) + "\n", encoding="utf-8"
    )
    with open(folder / "reasons.csv", "a", encoding="utf-8") as f:
        f.write("L01,2000,2010,health\nL01,2000,2010,land_division\n")  # L01 stayed at stage 1
    r = check(folder).study
    cats = rs.reason_shares(r, [(2000, 2010)])
    # the fixture records reasons for households that stayed poor and that stayed not poor too
    found = set(cats.loc[cats["households"] > 0, "category"])
    assert {"remained_poor", "remained_not_poor"} <= found, found
    stayed = cats[(cats["category"] == "remained_poor") & (cats["group"] == "All")].set_index("reason")
    assert stayed.loc["health", "households"] == 1 and stayed.loc["health", "base"] == 2  # L01 and K03
    for cat in found:
        base = cats[(cats["category"] == cat) & (cats["group"] == "All")]["base"].iloc[0]
        assert base > 0


def test_look_alike_names_are_a_warning_with_their_rows(tmp_path):
    folder = copy(tmp_path)
    hh = (folder / "households.csv").read_text(encoding="utf-8").splitlines()
    hh[3] = hh[3].replace("Kabuchai", "kabuchai")
    hh[8] = hh[8].replace("Lugarí", "Lugari ").replace("Kakamega (Magharibi)", "kakamega  (magharibi)")
    (folder / "households.csv").write_text("\n".join(hh) + "\n", encoding="utf-8")
    run = sop("validate", "--data", folder)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout + run.stderr
    assert (
        "warning: households.csv, row 4, column community: 'Kabuchai' (5 rows: 2, 3, 5, 6, 7) and 'kabuchai' "
        "(1 row: 4) differ only in case, spacing or accents"
    ) in out, out
    assert "'Lugarí' (5 rows: 8, 10, 11, 12, 13) and 'Lugari' (1 row: 9)" in out
    assert "'Kakamega (Magharibi)' (5 rows: 8, 10, 11, 12, 13) and 'kakamega  (magharibi)' (1 row: 9)" in out
    r = check(folder)
    assert r.valid and len(r.warnings) == 3


def test_names_that_differ_otherwise_are_not_look_alikes(tmp_path):
    folder = copy(tmp_path)
    r = check(folder)
    assert r.valid and not [w for w in messages(r, warnings=True) if "differ only" in w]


# --------------------------------------------------------------------------- templates

TEMPLATES = STUDIES.parent.parent / "chapters" / "templates"


def test_the_classroom_templates_are_a_valid_study(tmp_path):
    csvs = tmp_path / "csv"
    book = tmp_path / "xlsx"
    csvs.mkdir()
    book.mkdir()
    for f in ("study.yml", "households.csv", "sample.csv", "reasons.csv"):
        shutil.copy(TEMPLATES / f, csvs / f)
    for f in ("study.yml", "study.xlsx"):
        shutil.copy(TEMPLATES / f, book / f)
    for folder in (csvs, book):
        r = check(folder)
        assert r.valid and not r.warnings, (folder.name, messages(r), messages(r, warnings=True))
    a, b = check(csvs).study, check(book).study
    pd.testing.assert_frame_equal(a.households, b.households)
    assert "- ..." not in (TEMPLATES / "study.yml").read_text(encoding="utf-8")


def test_the_workbook_template_holds_the_csv_templates():
    wb = openpyxl.load_workbook(TEMPLATES / "study.xlsx", read_only=True)
    for name in ("households", "sample", "reasons", "ladder"):
        rows = [["" if v is None else str(v) for v in row] for row in wb[name].iter_rows(values_only=True)]
        csv_rows = pd.read_csv(TEMPLATES / f"{name}.csv", dtype=str, keep_default_na=False).values.tolist()
        header = (TEMPLATES / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        assert rows[0] == header and rows[1:] == csv_rows, name
    stages = [r[1] for r in pd.read_csv(TEMPLATES / "ladder.csv").itertuples(index=False)]
    assert check_template_stages(stages)


def check_template_stages(stages) -> bool:
    import yaml

    meta = yaml.safe_load((TEMPLATES / "study.yml").read_text(encoding="utf-8"))
    ladder = pd.read_csv(TEMPLATES / "ladder.csv")
    return meta["stages"] == list(stages) and meta["poverty_cutoff"] == int(ladder["poor"].sum())


def _class_study(folder):
    """A small class study typed into the workbook template: 3 villages, 36 households, names and numbers."""
    import numpy as np

    rng = np.random.default_rng(7)
    shutil.copy(TEMPLATES / "study.yml", folder / "study.yml")
    yml = (folder / "study.yml").read_text(encoding="utf-8")
    (folder / "study.yml").write_text(
        yml.replace("Name of the study, place and years", "Class study: three villages")
        .replace("# reasons:", "reasons:")
        .replace("#   ", "  "),
        encoding="utf-8",
    )
    stages = pd.read_csv(TEMPLATES / "ladder.csv")["name"].tolist()
    wb = openpyxl.load_workbook(TEMPLATES / "study.xlsx")
    hh, sample, reasons = wb["households"], wb["sample"], wb["reasons"]
    for ws in (hh, sample, reasons):
        ws.delete_rows(2, ws.max_row)
    n = 0
    for village, region in (("Amani", "Hill"), ("Baraka", "Hill"), ("Chemchem", "Valley")):
        for _ in range(12):
            n += 1
            a, b = (int(x) for x in rng.integers(1, 9, size=2))
            first = stages[a - 1] if n % 5 == 0 else a  # some cells hold the stage's name
            hh.append([f"H{n:03d}", village, region, first, b, ""])
            if n % 3 == 0:
                sample.append(
                    [
                        f"H{n:03d}",
                        int(rng.integers(0, 2)),
                        int(rng.integers(25, 70)),
                        int(rng.integers(0, 4)),
                        int(rng.integers(2, 9)),
                        round(float(rng.uniform(0.2, 3)), 2),
                    ]
                )
                code = ("business_gains" if b > a else "poor_health") if a != b else "poor_health"
                reasons.append([f"H{n:03d}", 2014, 2024, code])
    wb.save(folder / "study.xlsx")


def test_a_filled_workbook_template_is_a_valid_study(tmp_path):
    """The class study typed into the template validates; its whole book is built by the installed
    wheel in tests/test_package.py (one book for both: a teacher's study, from the package)."""
    folder = tmp_path / "class"
    folder.mkdir()
    _class_study(folder)
    r = check(folder)
    assert r.valid, messages(r)


def test_a_model_whose_by_is_not_a_column_gets_only_that_problem():
    """Its groups are unknown, so the regions it names are not judged against another model's."""
    from stagesofprogress import checks_models
    from stagesofprogress.checks_base import _Where

    class _Cells:
        columns = ["household_id", "region", "community"]

        def series(self, name):
            import pandas as pd

            return pd.Series({"region": ["North", "South"], "community": ["a", "b"]}[name])

    hh = _Cells()
    assert checks_models._fitted_regions(hh, set(hh.columns), {"by": "district"}) is None
    assert checks_models._fitted_regions(hh, set(hh.columns), {"by": "community"}) == {"a", "b"}
    problems: list = []
    w = _Where({}, problems)
    checks_models._model_columns(
        w, ("models", "m"), {"by": "district", "regions": ["North", "Elsewhere"]}, set(), set(hh.columns), None
    )
    messages = [p.message for p in problems]
    assert messages == ["by names 'district', which is not a column of households.csv."]
