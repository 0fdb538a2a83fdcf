"""Years of livestock.csv and production.csv rows must be time points of study.yml (else the
livestock tables silently lose those rows): `sop validate` names file, row and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from stagesofprogress.study import validate

ANALYSES = Path(__file__).resolve().parent / "studies" / "analyses"


@pytest.mark.parametrize("table,line", [("livestock", 2), ("production", 3)])
def test_year_not_a_time_point(tmp_path, table, line):
    study = tmp_path / "s"
    shutil.copytree(ANALYSES, study)
    path = study / f"{table}.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[line - 1] = rows[line - 1].replace(",1994,", ",1999,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    problems, got = validate(study)
    assert got is None
    hits = [p for p in problems if p.file == f"{table}.csv" and p.column == "year"]
    assert [p.row for p in hits] == [line], problems
    assert "1999 is not a time point of study.yml ([1979, 1994, 2004])" in hits[0].message


def test_time_point_years_pass():
    problems, study = validate(ANALYSES)
    assert study is not None, problems
