"""data/README.md documents every field of the contract, and stays in step with schema.py."""

from pathlib import Path

from stagesofprogress import datadoc, schema

ROOT = Path(__file__).resolve().parents[1]


def test_data_readme_is_current():
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert text == datadoc.render_readme(text), (
        "data/README.md is out of date: run `python -m stagesofprogress.datadoc`"
    )


def test_every_field_is_documented():
    md = datadoc.markdown()
    for key in schema.STUDY_KEYS:
        assert f"`{key.name}`" in md
        assert key.description.strip()
    for table in schema.TABLES.values():
        assert f"`{table.filename}`" in md
        for col in table.columns + table.per_year:
            assert col.description.strip(), f"{table.filename}: {col.name} has no description"
            assert f"`{col.name.format(year='<year>')}`" in md
