"""The study data contract, declared once.

Validation, `datapackage.json` and the field documentation are all derived from
these declarations, so adding an optional table (communities, sampled households,
livestock ...) means adding one `Table` to `TABLES` and nothing else in the loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds understood by the validator.
#   string  - any non-blank text
#   integer - whole number (blank allowed when not required)
#   number  - any real number
#   flag    - 0 or 1
#   stage   - integer in 1..len(stages)  (blank = unknown)
KINDS = ("string", "integer", "number", "flag", "stage")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str
    required: bool = True  # must the column be present?
    blank_ok: bool = False  # may a cell be empty?
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    references: str | None = None  # "households.household_id": value must exist there


@dataclass(frozen=True)
class Table:
    name: str
    filename: str
    description: str
    columns: tuple[Column, ...]
    required: bool = False
    # Columns made per time point: "stage_{year}" -> one column for each year of study.yml.
    per_year: tuple[Column, ...] = ()
    min_rows: int = 1
    extra_columns: bool = True  # extra columns are kept, not rejected
    notes: str = ""

    def column_names(self, years=()) -> list[str]:
        names = [c.name for c in self.columns]
        for c in self.per_year:
            names += [c.name.format(year=y) for y in years]
        return names

    def expanded_columns(self, years=()) -> list[Column]:
        cols = list(self.columns)
        for c in self.per_year:
            for y in years:
                cols.append(
                    Column(
                        name=c.name.format(year=y),
                        kind=c.kind,
                        description=c.description.format(year=y),
                        required=c.required,
                        blank_ok=c.blank_ok,
                        unique=c.unique,
                        minimum=c.minimum,
                        maximum=c.maximum,
                        choices=c.choices,
                        references=c.references,
                    )
                )
        return cols


@dataclass(frozen=True)
class StudyKey:
    name: str
    description: str
    required: bool = True


STUDY_KEYS: tuple[StudyKey, ...] = (
    StudyKey("title", "Title of the study, shown on the book and in every report."),
    StudyKey(
        "time_points",
        "Years the community recalled, strictly ascending, at least two; the last is the year of the survey.",
    ),
    StudyKey("stages", "Names of the stages of progress, lowest first, at least two."),
    StudyKey(
        "poverty_cutoff",
        "Integer: stages 1..poverty_cutoff are poor, higher stages are not poor "
        "(1 <= poverty_cutoff < number of stages).",
    ),
    StudyKey("description", "Free text describing the study (optional).", required=False),
    StudyKey("synthetic", "true when the households are synthetic, not field records (optional).", required=False),
    StudyKey("country", "Country of the study (optional).", required=False),
    StudyKey("source", "Citation or provenance of the data (optional).", required=False),
    StudyKey("licence", "Licence of the data (optional).", required=False),
    StudyKey(
        "top_stage",
        "Stage from which Table 2's asset means are pooled ('12 and higher'); default: the highest stage (optional).",
        required=False,
    ),
    StudyKey(
        "paper",
        "Folder, relative to the study, holding a published paper's tables to compare with (optional).",
        required=False,
    ),
)

HOUSEHOLDS = Table(
    name="households",
    filename="households.csv",
    required=True,
    description="One row per household resident at the survey, placed on the ladder at every time point.",
    columns=(
        Column("household_id", "string", "Identifier of the household, unique in the study.", unique=True),
        Column("community", "string", "Community (village) the household lives in."),
        Column("region", "string", "Region the community belongs to; tables are computed per region and for all."),
    ),
    per_year=(
        Column(
            "stage_{year}",
            "stage",
            "Stage of progress of the household in {year}: an integer from 1 (lowest) to the number "
            "of stages; blank when the community could not place it.",
            blank_ok=True,
        ),
    ),
    notes="Extra columns (for example `assets`, the number of assets owned now) are kept and may be used by chapters.",
)

# Registry of every table of the contract, in documentation order. Optional tables are
# appended by the modules that use them (see `register`).
TABLES: dict[str, Table] = {HOUSEHOLDS.name: HOUSEHOLDS}


def register(table: Table) -> Table:
    """Add an optional table to the contract (idempotent)."""
    TABLES[table.name] = table
    return table
