#!/usr/bin/env python3
"""Write the field templates of the classroom chapter (CSV and one XLSX workbook).

    .venv/bin/python chapters/templates/make_templates.py

ladder.csv       the ladder the community meeting agrees on (-> study.yml `stages`, `poverty_cutoff`)
households.csv   the placement sheet: one row per household, one stage column per year (-> households.csv)
reasons.csv      reasons cited for sampled households, one row per reason (-> reasons.csv)
sample.csv       the sampled households (-> sample.csv); only household_id is needed to start
study.yml        the study settings, to fill in
stages-of-progress-templates.xlsx   the same sheets in one workbook, with a "Read me" sheet

The column names are those of the data contract (lib/stagesofprogress/schema.py), so a sheet
exported as "CSV UTF-8" is already in the contract's shape. The example years are 2014 and
2024: rename the `stage_` columns to your own time points.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEARS = (2014, 2024)

LADDER = [
    ["stage", "name", "poor"],
    *[[i, "", ""] for i in range(1, 13)],
]
HOUSEHOLDS = [
    ["household_id", "community", "region", *[f"stage_{y}" for y in YEARS], "notes"],
    ["H001", "Example village", "Example region", 3, 6, "example row: replace it"],
]
REASONS = [["household_id", "start", "end", "reason"], ["H001", YEARS[0], YEARS[-1], "example_reason"]]
SAMPLE = [["household_id", "male_head", "age_head", "education_level", "family_size", "land_ha"],
          ["H001", 1, 45, 1, 5, 0.8]]

STUDY_YML = f"""\
# study.yml: the settings of your study (see the data contract in data/README.md).
title: "Name of the study, place and years"
time_points: [{YEARS[0]}, {YEARS[1]}]      # every year the meeting recalled, ascending; the last is now
stages:                              # the ladder, lowest stage first, as the meeting named it
  - Food
  - Some clothes
  - ...
poverty_cutoff: 5                    # stages 1..5 are poor (the line the meeting drew)
country: ""
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
    ["Ladder", "One row per stage named by the community meeting, lowest first; poor = 1 up to the "
               "poverty line, 0 above it.", "study.yml: stages (the names in order) and poverty_cutoff (the last stage with poor = 1)"],
    ["Households", "One row per household of today; the stage the meeting places it at, for each year. "
                   "Leave a cell empty when the meeting cannot place the household.", "households.csv"],
    ["Sample", "The randomly sampled households (about a quarter of each movement category).", "sample.csv"],
    ["Reasons", "One row per reason cited for a sampled household's trajectory over a period.", "reasons.csv"],
    [""],
    ["Rename the stage_2014 / stage_2024 columns to your own years (stage_<year>, one per time point)."],
    ["Save each sheet as 'CSV UTF-8 (comma delimited)' with the file name above; write study.yml by hand."],
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

    def sheet(title, rows, widths, stage_cols=(), flag_cols=()):
        s = wb.create_sheet(title)
        for r in rows:
            s.append(r)
        for c in s[1]:
            c.font, c.fill = head, fill
        s.freeze_panes = "A2"
        for col, w in widths.items():
            s.column_dimensions[col].width = w
        n = len(rows) + 200
        if stage_cols:
            dv = DataValidation(type="whole", operator="between", formula1="1", formula2="30", allow_blank=True,
                                error="A stage is a whole number from 1 (lowest) up; leave empty if unknown.",
                                errorTitle="Stage")
            s.add_data_validation(dv)
            for col in stage_cols:
                dv.add(f"{col}2:{col}{n}")
        if flag_cols:
            dv = DataValidation(type="list", formula1='"0,1"', allow_blank=True)
            s.add_data_validation(dv)
            for col in flag_cols:
                dv.add(f"{col}2:{col}{n}")
        return s

    sheet("Ladder", LADDER, {"A": 8, "B": 50, "C": 8}, flag_cols=("C",))
    sheet("Households", HOUSEHOLDS, {"A": 14, "B": 22, "C": 18, "D": 12, "E": 12, "F": 40}, stage_cols=("D", "E"))
    sheet("Sample", SAMPLE, {"A": 14, "B": 11, "C": 10, "D": 16, "E": 12, "F": 10}, flag_cols=("B",))
    sheet("Reasons", REASONS, {"A": 14, "B": 8, "C": 8, "D": 30})
    wb.save(path)


def main() -> None:
    (HERE / "ladder.csv").write_bytes(_csv(LADDER))
    (HERE / "households.csv").write_bytes(_csv(HOUSEHOLDS))
    (HERE / "sample.csv").write_bytes(_csv(SAMPLE))
    (HERE / "reasons.csv").write_bytes(_csv(REASONS))
    (HERE / "study.yml").write_text(STUDY_YML, encoding="utf-8")
    _xlsx(HERE / "stages-of-progress-templates.xlsx")
    print(f"Wrote the templates to {HERE}")


if __name__ == "__main__":
    main()
