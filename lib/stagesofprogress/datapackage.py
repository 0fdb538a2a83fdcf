"""`datapackage.json` for a study folder, derived from the data contract (`schema.TABLES`).

A Frictionless Data Package (https://specs.frictionlessdata.io/data-package/): one resource per
table of the contract present in the folder, with a Table Schema whose fields follow the
table's header (contract columns get the contract's type, description and constraints; extra
columns get a type inferred from their cells), plus study.yml as a non-tabular resource. A
table is described in the form it is given: a CSV as a Tabular Data Resource (with its
``delimiter`` and ``decimalChar`` when study.yml's ``csv:`` declares them); a workbook, SPSS or
Stata file as a plain Data Resource (the Tabular Data Resource profile is for CSV and inline
data only) with its format, media type and, for a workbook, the sheet read (``dialect.sheet``)
or the village sheets stacked into it (``dialect.sheets``). Every study shipped in `data/` carries one; `sop datapackage --data DIR`
writes it, and a test checks the committed files are current.

    import stagesofprogress as sop
    sop.datapackage.datapackage("data/peru2004")["resources"][0]["schema"]["fields"][0]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from . import schema

if TYPE_CHECKING:  # pragma: no cover
    import argparse

__all__ = ["EXTRA_DESCRIPTIONS", "LICENCE_PATHS", "datapackage", "from_files", "to_json_bytes", "write_datapackage"]

# Type of each contract kind in Table Schema.
_TYPES = {"string": "string", "integer": "integer", "number": "number", "flag": "integer", "stage": "integer"}

# Descriptions of extra columns that shipped studies use (not part of the contract).
EXTRA_DESCRIPTIONS = {
    "assets": "Number of assets the household owns now (extra column; the paper's Table 2 averages it by stage).",
    "name_source": "'paper' if the paper names this community, 'synthetic' if the name was invented for the replica.",
    "language": "Language spoken in the community (the paper: Spanish in Cajamarca; 12 Quechua and 8 Aymara communities in Puno).",
}

LICENCE_PATHS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "MIT": "https://opensource.org/licenses/MIT",
}


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "study"


def _field(col: schema.Column, n_stages: int | None) -> dict:
    f = {"name": col.name, "type": _TYPES[col.kind], "description": col.description}
    c: dict = {}
    if not col.blank_ok:
        c["required"] = True
    if col.unique:
        c["unique"] = True
    lo, hi = col.minimum, col.maximum
    if col.kind == "flag":
        c["enum"] = [0, 1]
        lo = hi = None
    if col.kind == "stage":
        lo, hi = 1, n_stages
    if lo is not None:
        c["minimum"] = int(lo) if float(lo).is_integer() and f["type"] == "integer" else lo
    if hi is not None:
        c["maximum"] = int(hi) if float(hi).is_integer() and f["type"] == "integer" else hi
    if col.choices is not None:
        c["enum"] = list(col.choices)
    if c:
        f["constraints"] = c
    return f


def _infer(name: str, cells: pd.Series) -> dict:
    s = cells.str.strip()
    filled = s[s != ""]
    num = pd.to_numeric(filled, errors="coerce")
    if len(filled) and num.notna().all():
        typ = "integer" if (num == num.round()).all() and not filled.str.contains(r"[.eE]").any() else "number"
    else:
        typ = "string"
    desc = EXTRA_DESCRIPTIONS.get(name, "Extra column (kept, not part of the data contract).")
    return {"name": name, "type": typ, "description": desc}


def datapackage(study_folder: str | Path) -> dict:
    """The Data Package descriptor of a valid study folder (raises `StudyError` otherwise).

    Parameters
    ----------
    study_folder : str or pathlib.Path
        The study.

    Returns
    -------
    dict
        The descriptor, ready for `to_json_bytes`.
    """
    from .fieldfiles import dialect_from_meta, find_table, read_tables, workbook_sheets
    from .problem import Problem, StudyError
    from .study import validate
    from .studyfile import MAX_YAML_BYTES, read_bytes

    folder = Path(study_folder)
    problems, _study = validate(folder)  # the descriptor is derived from a valid study only
    if problems:
        raise StudyError(problems, folder)
    raw = read_bytes(folder, "study.yml", MAX_YAML_BYTES, problems)
    if problems or raw is None:  # changed since it was validated
        raise StudyError(problems, folder)
    meta = yaml.safe_load(raw.decode("utf-8-sig")) or {}
    dialect, _ = dialect_from_meta(meta)
    tables, issues = read_tables(folder, dialect=dialect)
    if any(i.severity == "error" for i in issues):  # changed since it was validated
        raise StudyError([Problem(i.file, i.row, i.column, i.message) for i in issues], folder)
    sheets, _ = workbook_sheets(folder)
    given = {name: _given(t, find_table(folder, name, sheets=sheets)[0]) for name, t in tables.items()}
    return _descriptor(raw, given, folder.resolve().name, dialect)


def from_files(files: dict[str, bytes], name: str) -> dict:
    """The descriptor of a study given as its files (what a generator is about to write).

    Parameters
    ----------
    files : dict of str to bytes
        File name to content.
    name : str
        The package's name.

    Returns
    -------
    dict
        The descriptor.
    """
    given = {}
    for spec in schema.TABLES.values():
        if spec.filename in files:
            df = pd.read_csv(io.BytesIO(files[spec.filename]), dtype=str, keep_default_na=False, encoding="utf-8-sig")
            df.columns = [str(c).strip() for c in df.columns]
            given[spec.name] = (df, spec.filename, "csv", None)
    return _descriptor(files["study.yml"], given, name, None)


#: Format and media type of each kind of file a table may be given as (`fieldfiles.FORMATS`).
MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
}


def _given(table, source) -> tuple[pd.DataFrame, str, str, list[str] | None]:
    """(cells, path, format, sheets) of a table read by `fieldfiles` (a `TableText` and its `Source`)."""
    kind = source.kind
    sheets = (list(source.sheets) or [table.sheet]) if kind == "xlsx" else None
    return table.frame, table.source_file, kind, sheets


def _descriptor(yml: bytes, given: dict, name: str, dialect) -> dict:
    """The descriptor of study.yml's bytes and the tables given: name -> (cells, path, format, sheet)."""
    meta = yaml.safe_load(yml.decode("utf-8-sig")) or {}
    years = meta.get("time_points") or []
    n_stages = len(meta.get("stages") or []) or None
    title = str(meta.get("title", name)).strip()
    pkg: dict = {
        "profile": "tabular-data-package",
        "name": _slug(name),
        "title": title,
    }
    if meta.get("description"):
        pkg["description"] = " ".join(str(meta["description"]).split())
    if meta.get("licence"):
        lic = {"name": str(meta["licence"])}
        if lic["name"] in LICENCE_PATHS:
            lic["path"] = LICENCE_PATHS[lic["name"]]
        pkg["licenses"] = [lic]
    if meta.get("source"):
        pkg["sources"] = [{"title": " ".join(str(meta["source"]).split())}]
    if "synthetic" in meta:
        pkg["synthetic"] = bool(meta["synthetic"])
    resources = []
    for spec in schema.TABLES.values():
        if spec.name in given:
            resources.append(_resource(spec, *given[spec.name], years, n_stages, set(given), dialect))
    resources.append(
        {
            "name": "study",
            "path": "study.yml",
            "format": "yaml",
            "mediatype": "application/yaml",
            "encoding": "utf-8",
            "description": "Settings of the study: "
            + "; ".join(f"{k.name}: {k.description}" for k in schema.STUDY_KEYS if k.name in meta),
        }
    )
    pkg["resources"] = resources
    return pkg


def _resource(spec, df, path, kind, sheets, years, n_stages, present: set[str], dialect) -> dict:
    """The resource of one table: its file, format, sheet, dialect and Table Schema."""
    header = list(df.columns)
    declared = {c.name: c for c in spec.expanded_columns(years)}
    fields = [_field(declared[h], n_stages) if h in declared else _infer(h, df[h]) for h in header]
    comma = kind == "csv" and dialect is not None and dialect.decimal == ","
    for f in fields:
        if comma and f["type"] == "number":
            f["decimalChar"] = ","  # Table Schema's way of saying 0,5
    tschema: dict = {"fields": fields, "missingValues": [""]}
    uniq = [c.name for c in declared.values() if c.unique and c.name in header]
    if len(uniq) == 1:
        tschema["primaryKey"] = uniq[0]
    fks = []
    for c in declared.values():
        if c.references and c.name in header:
            rt, rc = c.references.split(".")
            if rt in present:
                fks.append({"fields": c.name, "reference": {"resource": rt, "fields": rc}})
    if fks:
        tschema["foreignKeys"] = fks
    res = {
        "name": spec.name,
        "path": path,
        # a Tabular Data Resource is a CSV (or inline JSON) by its spec: a workbook, SPSS or Stata
        # file is a plain Data Resource, described with the same schema of the cells as read
        "profile": "tabular-data-resource" if kind == "csv" else "data-resource",
        "format": kind,
        "mediatype": MEDIA[kind],
    }
    if kind == "csv":
        res["encoding"] = "utf-8"
        if dialect is not None and dialect.delimiter not in (None, ","):
            res["dialect"] = {"delimiter": dialect.delimiter}
    if sheets is not None:  # the sheet read, or the village sheets stacked into the table, in order
        res["dialect"] = {"sheet": sheets[0]} if len(sheets) == 1 else {"sheets": sheets}
    res["description"] = spec.description + (f" {spec.notes}" if spec.notes else "")
    res["schema"] = tschema
    return res


def to_json_bytes(pkg: dict) -> bytes:
    """A descriptor as ``datapackage.json`` bytes.

    Parameters
    ----------
    pkg : dict
        A descriptor.

    Returns
    -------
    bytes
        Indented UTF-8 JSON ending in a newline; the same descriptor gives the same bytes.
    """
    return (json.dumps(pkg, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _written_by_sop(path: Path) -> bool:
    """Whether an existing datapackage.json looks like one this module wrote (so it may be replaced)."""
    try:
        pkg = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    resources = pkg.get("resources") if isinstance(pkg, dict) else None
    return (
        pkg.get("profile") == "tabular-data-package"
        and isinstance(resources, list)
        and any(isinstance(r, dict) and r.get("name") == "study" and r.get("path") == "study.yml" for r in resources)
    )


def write_datapackage(study_folder: str | Path) -> Path:
    """Write ``datapackage.json`` into the study folder (a temporary file, then a rename).

    Parameters
    ----------
    study_folder : str or pathlib.Path
        The study.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    stagesofprogress.outdir.OutputError
        A ``datapackage.json`` is there that sop did not write (or it is a symbolic link); the
        folder is left unchanged, as on any I/O error.
    """
    import tempfile

    from .outdir import OutputError, umask_mode

    folder = Path(study_folder)
    out = folder / "datapackage.json"
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise OutputError(
            f"{out} is a symbolic link or not a file; sop replaces only a datapackage.json it wrote. "
            "Nothing was written."
        )
    if out.exists() and not _written_by_sop(out):
        raise OutputError(
            f"{out} was not written by sop (it is not a data package with the study.yml resource), "
            "so it is not replaced; move it away first. Nothing was written."
        )
    data = to_json_bytes(datapackage(folder))
    fd, tmp = tempfile.mkstemp(prefix=".datapackage.json.tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, umask_mode("file"))
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out


def cmd_datapackage(args: argparse.Namespace) -> int:
    """``sop datapackage``: write DIR/datapackage.json for a valid study folder.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``data``).

    Returns
    -------
    int
        The exit code: 0 written, 1 when the study has a problem (nothing is written).
    """
    import sys

    from .problem import StudyError
    from .study import validate

    folder = Path(args.data)
    problems, _study = validate(folder)
    if problems:  # the same report as `sop validate`
        n = len(problems)
        print(f"{args.data}: {n} problem{'s' if n != 1 else ''} found.", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        print(f"Nothing was written to {folder}.", file=sys.stderr)
        return 1
    try:
        out = write_datapackage(folder)
    except StudyError as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"Wrote {out}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``sop datapackage`` on the subparsers of the ``sop`` command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``sop`` parser.
    """
    d = sub.add_parser(
        "datapackage",
        help="write DIR/datapackage.json (Frictionless Data Package) derived from the data contract",
    )
    d.add_argument("--data", type=Path, required=True, help="study folder")
    d.set_defaults(func=cmd_datapackage)
