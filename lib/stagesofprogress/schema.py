"""The study data contract, declared once.

Validation, `datapackage.json` and the field documentation are all derived from
these declarations, so adding an optional table (communities, sampled households,
livestock ...) means adding one `Table` to `TABLES` and nothing else in the loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "COMMUNITIES",
    "HOUSEHOLDS",
    "KINDS",
    "LADDERS",
    "LIVESTOCK",
    "LIVESTOCK_SPECIES",
    "PRODUCTION",
    "REASONS",
    "SAMPLE",
    "STUDY_KEYS",
    "TABLES",
    "Column",
    "StudyKey",
    "Table",
    "register",
]

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

    def column_names(self, years: Sequence[int] = ()) -> list[str]:
        """The names of the table's columns, the per-year ones expanded for `years`.

        Parameters
        ----------
        years : sequence of int
            The study's time points; empty for the fixed columns only.

        Returns
        -------
        list of str
            Fixed columns first, then each per-year column for every year (``stage_1979`` ...).
        """
        names = [c.name for c in self.columns]
        for c in self.per_year:
            names += [c.name.format(year=y) for y in years]
        return names

    def expanded_columns(self, years: Sequence[int] = ()) -> list[Column]:
        """The table's columns with the per-year ones expanded for `years`.

        Parameters
        ----------
        years : sequence of int
            The study's time points.

        Returns
        -------
        list of Column
            As `column_names`, with each per-year column's name and description filled in.
        """
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
    StudyKey("description", "Free text describing the study (optional; a text).", required=False),
    StudyKey(
        "synthetic",
        "true when the households are synthetic, not field records (optional; true or false without quotes: 'false' in quotes is refused).",
        required=False,
    ),
    StudyKey(
        "country",
        "Country of the study (optional; a text: quote NO, YES, ON, OFF, which YAML reads as true/false).",
        required=False,
    ),
    StudyKey("source", "Citation or provenance of the data (optional; a text).", required=False),
    StudyKey("licence", "Licence of the data (optional; a text).", required=False),
    StudyKey(
        "top_stage",
        "Stage from which Table 2's asset means are pooled ('12 and higher'); default: the highest stage (optional).",
        required=False,
    ),
    StudyKey(
        "paper",
        "Folder inside the study, written relative to it, holding a published paper's tables to compare with "
        "(optional; no '..', no absolute path, no symbolic link leading out of the study; the one exception is "
        "the transcription shipped with this package, data/paper, which the Peru replica names as ../paper).",
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
        Column(
            "community",
            "string",
            "Community (village) the household lives in; not `All` (in any case), which names the total.",
        ),
        Column(
            "region",
            "string",
            "Region the community belongs to; tables are computed per region and for all (so `All`, in any case, is reserved).",
        ),
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
    """Add an optional table to the contract (idempotent: a table of the same name is replaced).

    Parameters
    ----------
    table : Table
        The table's definition.

    Returns
    -------
    Table
        `table` itself.
    """
    TABLES[table.name] = table
    return table


# =========================================================================== optional tables
# Declared here (not in the modules that read them) so that validation, datapackage.json and
# the field documentation know every table of the contract. All are optional: a study that
# lacks one simply has no chapter/table that needs it.

STUDY_KEYS = STUDY_KEYS + (
    StudyKey(
        "csv",
        'How the CSV tables are written (optional): `csv: {delimiter: ";", decimal: ","}` for spreadsheets that '
        'save semicolon-separated CSV with decimal commas. `delimiter` is one of `,` `;` `|` or a tab (`"\\t"`); '
        "`decimal` is `.` or `,` (a decimal comma is read only in cells that are numbers written so). Default: "
        "commas and decimal points.",
        required=False,
    ),
    StudyKey(
        "reasons",
        "Vocabulary of reasons.csv (optional): a mapping reason code (snake_case) -> label as a reader "
        "should see it, e.g. `health: Health`. Codes are snake_case (a-z, 0-9, _; a letter first); when the "
        "vocabulary is declared, every code of reasons.csv must be in it.",
        required=False,
    ),
    StudyKey(
        "models",
        "Logit specifications the chapters fit (optional): a mapping model name -> {table, period: "
        "[start, end], outcome, by or filter, class_labels, groups: [{heading, variables: [{name, label, "
        "transform, regions}]}]}. `name` is a reason code (a 0/1 flag built from reasons.csv for the "
        "model's period) or a column of sample.csv. `period` is two time points, start before end (default: "
        "the first and the last); `outcome` is a movement category (escaped, remained_poor, became_poor, "
        "remained_not_poor), `A vs B`, {1: category, 0: category} or a 0/1 column of sample.csv; `transform` is "
        "log or square; `by` and `filter` name columns of households.csv or sample.csv; `regions` name regions "
        "of households.csv; `class_labels` maps 1 and 0 to texts; `robust` is true or false. Models need sample.csv.",
        required=False,
    ),
    StudyKey(
        "livestock",
        "Settings of the livestock survey tables (optional): `years: [then, now]` (default: the last two "
        "time points; two time points, then before now) and the order of `items` ([species, breed] with a "
        "species of livestock.csv and a breed indigenous, improved or blank) and `products` (a list of codes, or "
        "a mapping code -> label) in the tables.",
        required=False,
    ),
)

_ACTIVITIES = (
    ("livestock_production", "Livestock production"),
    ("crop_agriculture", "Crop agriculture"),
    ("trade_livestock_products", "Trade in livestock products"),
    ("casual_labor", "Casual labor"),
    ("handicrafts", "Handicrafts"),
    ("business", "Business"),
    ("livestock_trade", "Livestock trade"),
)

_RANK_NOTE = (
    "How Table 1's bracketed rank is derived from `rank_<activity>`: each community ranks the "
    "activities it cites, 1 = largest contribution to incomes (blank = not cited). An activity's "
    "score in a group of communities is the Borda count sum over communities of (9 - rank), "
    "uncited = 0 (9 = the eight activity codes incl. `other` + 1); activities are ordered by score, "
    "highest first (ties: more communities citing first, then the order of the columns). The "
    "bracket is the activity's place in that order; `other` (activities Table 1 does not print) "
    "takes a place too, which is why Puno's ranks skip 7."
)

COMMUNITIES = register(
    Table(
        name="communities",
        filename="communities.csv",
        description="One row per community (village) studied: the characteristics of the paper's Table 1.",
        columns=(
            Column(
                "community",
                "string",
                "Community name, as in households.csv (every community of households.csv has one row).",
                unique=True,
            ),
            Column("region", "string", "Region of the community, the same as in households.csv."),
            Column(
                "altitude_m", "number", "Altitude of the community, metres above sea level.", minimum=0, maximum=7000
            ),
            Column(
                "households_reported",
                "integer",
                "Number of households the community reports (its own count; may differ from the rows of households.csv).",
                minimum=1,
            ),
            Column(
                "households_with_land",
                "integer",
                "Households of the community holding land (community's count).",
                minimum=0,
            ),
            Column(
                "households_without_land",
                "integer",
                "Households of the community without land (community's count).",
                minimum=0,
            ),
            Column("primary_schools", "integer", "Number of primary schools in the community.", minimum=0),
            Column("dist_secondary_school_km", "number", "Distance to the nearest secondary school, km.", minimum=0),
            Column("dist_health_facility_km", "number", "Distance to the nearest health facility, km.", minimum=0),
            Column(
                "dist_trading_center_km",
                "number",
                "Distance to the nearest trading centre (market town), km.",
                minimum=0,
            ),
            Column(
                "area",
                "number",
                "Area of the community, as Table 1 prints it (unit not stated in the paper; probably hectares).",
                minimum=0,
            ),
            Column(
                "pct_income_livestock",
                "number",
                "Percent of the community's income from livestock and livestock-related activities (0-100).",
                minimum=0,
                maximum=100,
            ),
            Column("clean_water", "flag", "1 if the community has access to clean water."),
            Column("telephone", "flag", "1 if telephone services are available in the community."),
            Column("electricity", "flag", "1 if the community has access to electricity."),
            Column("regular_transport", "flag", "1 if regular transport services are available."),
            Column("veterinary", "flag", "1 if veterinary services are available."),
            Column(
                "road_months",
                "number",
                "Months per year the village link road is passable (0-12).",
                minimum=0,
                maximum=12,
            ),
        )
        + tuple(
            Column(
                f"act_{code}", "flag", f"1 if the community cites {label.lower()} as an important economic activity."
            )
            for code, label in _ACTIVITIES
        )
        + (
            Column(
                "act_other",
                "flag",
                "1 if the community cites another important activity that Table 1 does not print.",
                required=False,
            ),
        )
        + tuple(
            Column(
                f"rank_{code}",
                "integer",
                f"The community's order of importance of {label.lower()} for incomes (1 = most important); blank if not cited.",
                required=False,
                blank_ok=True,
                minimum=1,
                maximum=8,
            )
            for code, label in _ACTIVITIES + (("other", "Other activities"),)
        ),
        notes="Percent rows of Table 1 are percents of communities with the flag = 1. " + _RANK_NOTE,
    )
)

SAMPLE = register(
    Table(
        name="sample",
        filename="sample.csv",
        description=(
            "The randomly sampled households (about 25% of each movement category, paper step 6) whose reasons "
            "and characteristics were asked: the explanatory variables of the logit models. Blank = not recorded; "
            "models use complete cases only."
        ),
        columns=(
            Column(
                "household_id",
                "string",
                "Household (as in households.csv).",
                unique=True,
                references="households.household_id",
            ),
            Column(
                "male_head",
                "flag",
                "1 if the head of household is a man (the paper's 'Gender').",
                required=False,
                blank_ok=True,
            ),
            Column(
                "age_head",
                "integer",
                "Age of the head of household, years (models use its square).",
                required=False,
                blank_ok=True,
                minimum=14,
                maximum=110,
            ),
            Column(
                "education_level",
                "integer",
                "Schooling of the head: 0 none, 1 primary, 2 secondary, 3 higher (Tables 4-5 'Level of education').",
                required=False,
                blank_ok=True,
                minimum=0,
                maximum=3,
            ),
            Column(
                "above_primary",
                "flag",
                "1 if education_level >= 2, i.e. above primary level (Table 7).",
                required=False,
                blank_ok=True,
            ),
            Column(
                "prop_children_school",
                "number",
                "Proportion of the household's school-age children attending school (0-1).",
                required=False,
                blank_ok=True,
                minimum=0,
                maximum=1,
            ),
            Column(
                "relatives_outside",
                "flag",
                "1 if relatives working outside the community support the household.",
                required=False,
                blank_ok=True,
            ),
            Column(
                "land_ha",
                "number",
                "Land owned, hectares, 2004 (models use its natural log; > 0).",
                required=False,
                blank_ok=True,
                minimum=0,
            ),
            Column(
                "beef_cattle",
                "integer",
                "Beef cattle owned in 2004, head (all breeds).",
                required=False,
                blank_ok=True,
                minimum=0,
            ),
            Column(
                "dairy_cattle",
                "integer",
                "Dairy cattle owned in 2004, head (all breeds).",
                required=False,
                blank_ok=True,
                minimum=0,
            ),
            Column(
                "sheep", "integer", "Sheep owned in 2004, head (all breeds).", required=False, blank_ok=True, minimum=0
            ),
            Column(
                "camelids",
                "integer",
                "Alpacas and llamas owned in 2004, head.",
                required=False,
                blank_ok=True,
                minimum=0,
            ),
            Column(
                "livestock_income_share",
                "number",
                "Proportion of household income from livestock (0-1).",
                required=False,
                blank_ok=True,
                minimum=0,
                maximum=1,
            ),
            Column(
                "dependency_ratio",
                "number",
                "Dependants (under 15 or over 64) per household member (0-1).",
                required=False,
                blank_ok=True,
                minimum=0,
                maximum=1,
            ),
            Column(
                "multiple_activities",
                "flag",
                "1 if the household is involved in more than one income-generating activity.",
                required=False,
                blank_ok=True,
            ),
            Column("family_size", "integer", "Number of household members.", required=False, blank_ok=True, minimum=1),
            Column(
                "improved_breed",
                "flag",
                "1 if the household owns any improved dairy cattle, beef cattle or sheep now (Table 7's outcome); "
                "equals what livestock.csv says for the survey year when the study has livestock.csv.",
                required=False,
                blank_ok=True,
            ),
        ),
        notes=(
            "Only household_id is required: every other column is optional, and a model uses the columns its "
            "specification in study.yml names. The columns listed are those the Peru replication uses; any other "
            "characteristic a team records is kept as an extra column and may be named by a model."
        ),
    )
)

REASONS = register(
    Table(
        name="reasons",
        filename="reasons.csv",
        description=(
            "Long table, one row per reason cited for a sampled household's trajectory over a period. "
            "A household/period with no row cited no reason of the vocabulary."
        ),
        columns=(
            Column("household_id", "string", "Sampled household (as in sample.csv).", references="sample.household_id"),
            Column(
                "start",
                "integer",
                "First year of the period the reason refers to (a time point of study.yml, before `end`).",
            ),
            Column(
                "end",
                "integer",
                "Last year of the period the reason refers to (a time point of study.yml, after `start`).",
            ),
            Column(
                "reason",
                "string",
                "Reason code (snake_case), one of study.yml `reasons:` when the study declares a vocabulary.",
            ),
        ),
        notes=(
            "The logit models use the reasons of their own period (e.g. 1979-2004) as 0/1 flags; "
            "shares quoted per sub-period (1979-1994, 1994-2004) use those periods' rows."
        ),
    )
)

LIVESTOCK_SPECIES = ("beef", "dairy", "sheep", "alpacas", "llamas", "chickens", "guinea_pigs", "pigs")

LIVESTOCK = register(
    Table(
        name="livestock",
        filename="livestock.csv",
        description=(
            "Long table of the livestock survey of the sampled households: one row per household x year x "
            "species x breed owned (no row = none owned)."
        ),
        columns=(
            Column("household_id", "string", "Sampled household (as in sample.csv).", references="sample.household_id"),
            Column("year", "integer", "Year of the holding (e.g. 1994 = '10 years ago', 2004 = 'now')."),
            Column(
                "species",
                "string",
                "Species: beef, dairy, sheep, alpacas, llamas, chickens, guinea_pigs, pigs.",
                choices=LIVESTOCK_SPECIES,
            ),
            Column(
                "breed",
                "string",
                "indigenous (criollo) or improved; blank for species without breeds.",
                blank_ok=True,
                choices=("indigenous", "improved"),
            ),
            Column("head", "integer", "Number of animals (>= 1).", minimum=1),
        ),
    )
)

PRODUCTION = register(
    Table(
        name="production",
        filename="production.csv",
        description=(
            "Long table of livestock production of the sampled households: one row per household x product x "
            "year reported (no row = not reported)."
        ),
        columns=(
            Column("household_id", "string", "Sampled household (as in sample.csv).", references="sample.household_id"),
            Column(
                "product",
                "string",
                "Product code, e.g. alpaca_fiber, beef, camelid_hides, camelid_meat, cheese, chickens, dried_meat, eggs, guinea_pigs, milk, mutton, pork, wool.",
            ),
            Column(
                "unit", "string", "Unit of the quantity as Table 9 prints it, e.g. lbs/yr, kgs/wk, no/mo, litres/day."
            ),
            Column("year", "integer", "Year of the production (e.g. 1994 = '10 years ago', 2004 = 'now')."),
            Column("quantity", "number", "Quantity produced in the unit (0 = did not produce).", minimum=0),
        ),
        notes=(
            "Table 9: a household is new to a product when it produces it now (quantity > 0 in the last year) and "
            "did not then (0 or no row in the first year). 'Valid N' = the region's sampled households producing "
            "it now; the percent is of Valid N."
        ),
    )
)

STUDY_KEYS = STUDY_KEYS + (
    StudyKey(
        "prosperity_cutoff",
        "Integer (optional): stages from this one up are prosperous, a third status above not poor "
        "(poverty_cutoff < prosperity_cutoff <= number of stages). `sop tables` then writes status_movements.csv.",
        required=False,
    ),
)

LADDERS = register(
    Table(
        name="ladders",
        filename="ladders.csv",
        description=(
            "Ladders of communities whose meeting defined its own stages and lines: one row per community and "
            "stage. A community not listed here uses the ladder of study.yml (stages, poverty_cutoff, "
            "prosperity_cutoff)."
        ),
        columns=(
            Column("community", "string", "Community (as in households.csv) the ladder belongs to."),
            Column(
                "stage",
                "integer",
                "Stage number on the community's ladder: 1, 2, 3 ... without gaps.",
                minimum=1,
                maximum=100,
            ),
            Column(
                "name",
                "string",
                "The stage's name as the community's meeting gave it (stage cells of households.csv may hold it).",
            ),
            Column(
                "poor",
                "flag",
                "1 for the stages at or below the community's poverty line, 0 above (at least one of each).",
            ),
            Column(
                "prosperous",
                "flag",
                "1 for the stages at or above the community's prosperity line, 0 below (optional; the line is above the poverty line).",
                required=False,
                blank_ok=True,
            ),
        ),
        notes=(
            "Stage numbers of households.csv are checked against each community's own ladder; poverty status, "
            "movements and status movements use each community's own lines. Tables of stages (transition matrices, "
            "assets by stage, the stage chain) compare stage numbers, so they cover only households on study.yml's "
            "ladder when communities have their own."
        ),
    )
)
