#!/usr/bin/env python3
"""Write the field templates of the classroom chapter (CSV and one XLSX workbook).

    .venv/bin/python chapters/templates/make_templates.py

ladder.csv       the ladder the community meeting agrees on (-> study.yml `stages`, `poverty_cutoff`)
households.csv   the placement sheet: one row per household, one stage column per year (-> households.csv)
reasons.csv      reasons cited for sampled households, one row per reason (-> reasons.csv)
sample.csv       the sampled households (-> sample.csv); only household_id is needed to start
study.yml        the study settings, to fill in
study.xlsx       the same sheets in one workbook, with a "Read me" sheet: a study folder may hold it
                 instead of the CSV files (sheets households, sample, reasons; `ladder` and `Read me`
                 are not tables of the contract and are not read)

Every file is written from the rows below (one source), and the templates form a valid study
as they are (`tests/test_contract.py` checks it, and builds a book from a filled study.xlsx).

The column names are those of the data contract (lib/stagesofprogress/schema.py), so a sheet
exported as "CSV UTF-8" is already in the contract's shape. The example years are 2014 and
2024: rename the `stage_` columns to your own time points.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEARS = (2014, 2024)

# An example ladder (replace it with the one the meeting agrees on): poor up to stage 4.
STAGES = ["Food", "Some clothes", "Repairs to the house", "School for the children", "Small animals",
          "A bicycle", "Cattle", "A better house"]
CUTOFF = 4
LADDER = [
    ["stage", "name", "poor"],
    *[[i, name, 1 if i <= CUTOFF else 0] for i, name in enumerate(STAGES, start=1)],
]
HOUSEHOLDS = [
    ["household_id", "community", "region", *[f"stage_{y}" for y in YEARS], "notes"],
    ["H001", "Example village", "Example region", 3, 6, "example row: replace it"],
]
REASONS = [["household_id", "start", "end", "reason"], ["H001", YEARS[0], YEARS[-1], "example_reason"]]
SAMPLE = [["household_id", "male_head", "age_head", "education_level", "family_size", "land_ha"],
          ["H001", 1, 45, 1, 5, 0.8]]

STAGE_LINES = "\n".join(f"  - {name}" for name in STAGES)
STUDY_YML = f"""\
# study.yml: the settings of your study (see the data contract in data/README.md).
title: "Name of the study, place and years"
time_points: [{YEARS[0]}, {YEARS[1]}]      # every year the meeting recalled, ascending; the last is now
stages:                              # the ladder, lowest stage first, as the meeting named it
{STAGE_LINES}
poverty_cutoff: {CUTOFF}                    # stages 1..{CUTOFF} are poor (the line the meeting drew)
# prosperity_cutoff: 7               # optional: stages from 7 up are prosperous (a third status)
country: "Example country"
description: >
  Who met where and when, how households were listed, what was sampled.
# reasons:                           # only with reasons.csv: code -> label
#   poor_health: Poor health and health-related expenses
#   business_gains: Business gains
"""

README_ROWS = [
    ["Stages-of-Progress field templates"],
    [""],
    ["Sheet", "What goes in it", "Becomes, in the study folder"],
    ["ladder", "One row per stage named by the community meeting, lowest first; poor = 1 up to the "
               "poverty line, 0 above it.", "study.yml: stages (the names in order) and poverty_cutoff (the last stage with poor = 1)"],
    ["households", "One row per household of today; the stage the meeting places it at, for each year. "
                   "Leave a cell empty when the meeting cannot place the household.", "households.csv"],
    ["sample", "The randomly sampled households (about a quarter of each movement category).", "sample.csv"],
    ["reasons", "One row per reason cited for a sampled household's trajectory over a period.", "reasons.csv"],
    [""],
    ["Rename the stage_2014 / stage_2024 columns to your own years (stage_<year>, one per time point)."],
    ["Either save each sheet as 'CSV UTF-8 (comma delimited)' with the file name above, or put this workbook,"
     " named study.xlsx, in the study folder as it is; write study.yml by hand (stages and poverty_cutoff from"
     " the ladder sheet)."],
    ["A stage cell may hold the stage's number or its name as the ladder writes it."],
    ["Then run:  sop validate --data my_study   and   sop book --data my_study --out my_book"],
]


def _csv(rows) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _xlsx(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    fixed = dt.datetime(2026, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "stagesofprogress"
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F2")

    ws = wb.active
    ws.title = "Read me"
    for row in README_ROWS:
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=14)
    for c in ws[3]:
        c.font = head
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 60
    for row in ws.iter_rows(min_row=4, max_row=7):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")

    def sheet(title, rows, widths, flag_cols=()):
        s = wb.create_sheet(title)
        for r in rows:
            s.append(r)
        for c in s[1]:
            c.font, c.fill = head, fill
        s.freeze_panes = "A2"
        for col, w in widths.items():
            s.column_dimensions[col].width = w
        n = len(rows) + 200
        if flag_cols:
            dv = DataValidation(type="list", formula1='"0,1"', allow_blank=True)
            s.add_data_validation(dv)
            for col in flag_cols:
                dv.add(f"{col}2:{col}{n}")
        return s

    sheet("ladder", LADDER, {"A": 8, "B": 50, "C": 8}, flag_cols=("C",))
    sheet("households", HOUSEHOLDS, {"A": 14, "B": 22, "C": 18, "D": 12, "E": 12, "F": 40})
    sheet("sample", SAMPLE, {"A": 14, "B": 11, "C": 10, "D": 16, "E": 12, "F": 10}, flag_cols=("B",))
    sheet("reasons", REASONS, {"A": 14, "B": 8, "C": 8, "D": 30})
    wb.save(path)


def main() -> None:
    (HERE / "ladder.csv").write_bytes(_csv(LADDER))
    (HERE / "households.csv").write_bytes(_csv(HOUSEHOLDS))
    (HERE / "sample.csv").write_bytes(_csv(SAMPLE))
    (HERE / "reasons.csv").write_bytes(_csv(REASONS))
    (HERE / "study.yml").write_text(STUDY_YML, encoding="utf-8")
    _xlsx(HERE / "study.xlsx")
    print(f"Wrote the templates to {HERE}")


if __name__ == "__main__":
    main()
