"""The settings of study.yml, key by key, and what they say about the tables.

`check_keys` checks each key of study.yml on its own (type and shape); `check_tables`
checks what needs the tables too: every period is a pair of time points, every model
variable exists in the tables the model reads, reason codes are in the vocabulary,
communities.csv covers every community, `paper:` is a folder inside the study. Unknown
keys are warnings. The knowledge of what a model, a reason or a livestock setting may
say is imported from the modules that use it, not retyped.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

import numpy as np

from . import schema
from .checks_base import _is_int, _is_text, _period, _Where
from .checks_models import check_model_keys, check_model_tables
from .csvfile import invisible
from .problem import Problem, report_rows, rows_of, warning

if TYPE_CHECKING:  # annotations only
    from .csvfile import Cells

__all__ = ["RESERVED_NAMES", "check_keys", "check_tables", "look_alikes"]

#: Group names the tables use for themselves (the total row); no region or community may take one.
RESERVED_NAMES = ("All",)
REASON_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")
LIVESTOCK_KEYS = ("years", "items", "products")
TEXT_KEYS = ("title", "description", "country", "source", "licence")


# --------------------------------------------------------------------------- keys on their own


def _texts(w: _Where, value, path: tuple) -> None:
    """Every text of study.yml is free of invisible and control characters (tabs and line breaks allowed)."""
    if isinstance(value, str):
        what = invisible(value)
        if what:
            w.bad(path, f"the text contains an invisible or control character ({what}); delete it and retype the text.")
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and invisible(k, names=True):
                w.bad(path + (k,), f"the key contains an invisible or control character ({invisible(k, names=True)}).")
            _texts(w, v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _texts(w, v, path + (i,))


def _required(w: _Where, meta: dict, known: set[str]) -> None:
    """Each required key is present; a missing one is matched against the unknown keys for a hint."""
    for k in schema.STUDY_KEYS:
        if k.required and k.name not in meta:
            close = difflib.get_close_matches(k.name, [str(x) for x in meta if x not in known], n=1)
            hint = f" (is '{close[0]}' a misspelling of it?)" if close else ""
            w.bad((k.name,), f"the required key '{k.name}' is missing{hint}.")


def _time_points(w: _Where, meta: dict, valid: dict) -> None:
    if "time_points" not in meta:
        return
    years = meta["time_points"]
    if not isinstance(years, list) or not all(_is_int(y) for y in years):
        w.bad(("time_points",), "time_points must be a list of years written as whole numbers, e.g. [1994, 2004].")
    elif len(years) < 2:
        w.bad(("time_points",), f"time_points needs at least two years; it has {len(years)}.")
    elif any(b <= a for a, b in zip(years[:-1], years[1:])):
        w.bad(("time_points",), f"time_points must be strictly ascending (earliest first); got {years}.")
    elif not all(-9999 <= y <= 9999 for y in years):
        w.bad(("time_points",), "time_points must be years of at most four digits.")
    else:
        valid["time_points"] = years


def _stages(w: _Where, meta: dict, valid: dict) -> None:
    if "stages" not in meta:
        return
    stages = meta["stages"]
    if not isinstance(stages, list) or not all(_is_text(s) for s in stages):
        w.bad(("stages",), "stages must be a list of stage names (texts), lowest stage first.")
    elif len(stages) < 2:
        w.bad(("stages",), f"stages needs at least two stages; it has {len(stages)}.")
    elif len(stages) > 100:
        w.bad(("stages",), f"stages lists {len(stages)} stages; a ladder has at most 100.")
    else:
        valid["stages"] = stages


def _cutoffs(w: _Where, meta: dict, valid: dict) -> None:
    """poverty_cutoff, prosperity_cutoff and top_stage against the stages (when those are valid)."""
    stages = meta.get("stages")
    cutoff = meta.get("poverty_cutoff")
    if "poverty_cutoff" in meta:
        if not _is_int(cutoff):
            w.bad(("poverty_cutoff",), f"poverty_cutoff must be a whole number; got {cutoff!r}."[:200])
        elif "stages" in valid and not (1 <= cutoff < len(stages)):
            w.bad(
                ("poverty_cutoff",),
                f"poverty_cutoff is {cutoff}, but with {len(stages)} stages it must be between 1 and "
                f"{len(stages) - 1} (at least one poor and one non-poor stage).",
            )
    line = meta.get("prosperity_cutoff")
    if line is not None:
        if not _is_int(line):
            w.bad(("prosperity_cutoff",), f"prosperity_cutoff must be a whole number; got {line!r}."[:200])
        elif "stages" in valid and _is_int(cutoff) and not (cutoff < line <= len(stages)):
            w.bad(
                ("prosperity_cutoff",),
                f"prosperity_cutoff is {line}, but it must be above poverty_cutoff ({cutoff}) and at most the "
                f"number of stages ({len(stages)}).",
            )
    top = meta.get("top_stage")
    if top is not None and isinstance(stages, list) and (not _is_int(top) or not 1 <= top <= len(stages)):
        w.bad(("top_stage",), f"top_stage must be a stage number between 1 and {len(stages)}; got {top!r}."[:200])


def _plain_values(w: _Where, meta: dict) -> None:
    """The optional texts are texts (a YAML yes/no gets a hint) and synthetic is a true boolean."""
    for k in TEXT_KEYS[1:]:
        if meta.get(k) is not None and not isinstance(meta[k], str):
            hint = (
                " Put it in quotes: YAML reads yes, no, on and off as true or false."
                if isinstance(meta[k], bool)
                else ""
            )
            w.bad((k,), f"{k} must be a text; got {meta[k]!r}.{hint}"[:300])
    if "synthetic" in meta and not isinstance(meta["synthetic"], bool):
        w.bad(
            ("synthetic",), f"synthetic must be true or false, written without quotes; got {meta['synthetic']!r}."[:200]
        )


def _basic(w: _Where, meta: dict, valid: dict) -> None:
    known = {k.name for k in schema.STUDY_KEYS}
    _required(w, meta, known)
    if "title" in meta and not _is_text(meta["title"]):
        w.bad(("title",), "title must be a non-empty text.")
    _time_points(w, meta, valid)
    _stages(w, meta, valid)
    _cutoffs(w, meta, valid)
    _plain_values(w, meta)
    w.unknown((), meta, known)


def _reasons(w: _Where, meta: dict, valid: dict) -> None:
    r = meta.get("reasons")
    if r is None:
        return
    if not isinstance(r, dict):
        w.bad(
            ("reasons",),
            "reasons must map each reason code to its label, e.g. 'health: Health' on its own line; "
            f"got a {type(r).__name__}.",
        )
        return
    ok = True
    for code, label in r.items():
        if not isinstance(code, str) or not REASON_CODE.match(code):
            w.bad(
                ("reasons", code),
                f"the reason code '{code}' must be snake_case: lower-case letters, digits and _, "
                "starting with a letter.",
            )
            ok = False
        if not _is_text(label):
            w.bad(("reasons", code), f"the label of reason '{code}' must be a non-empty text; got {label!r}."[:200])
            ok = False
    if ok:
        valid["reasons"] = list(r)


def _item(entry) -> tuple[str, str] | None:
    if isinstance(entry, dict):
        if set(entry) - {"species", "breed"}:
            return None
        sp, br = entry.get("species"), entry.get("breed") or ""
    elif isinstance(entry, list):
        if not 1 <= len(entry) <= 2:
            return None
        sp, br = (list(entry) + [""])[:2]
    elif isinstance(entry, str):
        parts = entry.replace("/", " ").replace(":", " ").split()
        sp, br = (parts[0] if parts else ""), " ".join(parts[1:])
    else:
        return None
    if not isinstance(sp, str) or not isinstance(br, str):
        return None
    return sp.strip(), br.strip().lower()


def _livestock(w: _Where, meta: dict, valid: dict) -> None:
    cfg = meta.get("livestock")
    if cfg is None:
        return
    if not isinstance(cfg, dict):
        w.bad(("livestock",), f"livestock must be a mapping (years, items, products); got a {type(cfg).__name__}.")
        return
    w.unknown(("livestock",), cfg, LIVESTOCK_KEYS)
    if cfg.get("years") is not None:
        _period(w, cfg["years"], ("livestock", "years"), valid.get("time_points"), "livestock years")
    items = cfg.get("items")
    if items is not None:
        if not isinstance(items, list):
            w.bad(("livestock", "items"), "livestock items must be a list of [species, breed] pairs.")
        else:
            for i, entry in enumerate(items):
                it = _item(entry)
                if it is None:
                    w.bad(
                        ("livestock", "items", i),
                        f"a livestock item must be [species, breed], "
                        f"{{species: ..., breed: ...}} or a text; got {entry!r}."[:200],
                    )
                elif it[0] not in schema.LIVESTOCK_SPECIES:
                    w.bad(
                        ("livestock", "items", i),
                        f"the species '{it[0]}' is not one of: {', '.join(schema.LIVESTOCK_SPECIES)}.",
                    )
                elif it[1] not in ("", "indigenous", "improved"):
                    w.bad(("livestock", "items", i), f"the breed '{it[1]}' is not indigenous, improved or blank.")
    products = cfg.get("products")
    if products is not None:
        if isinstance(products, dict):
            bad = [k for k, v in products.items() if not _is_text(str(k)) or not _is_text(v)]
        elif isinstance(products, list):
            bad = [p for p in products if not _is_text(p)]
        else:
            bad = [products]
        if bad:
            w.bad(
                ("livestock", "products"),
                "livestock products must be a list of product codes, or a mapping "
                f"product code -> label (texts); {bad[0]!r} is not."[:200],
            )


def _paper(w: _Where, meta: dict, folder: Path, valid: dict) -> None:
    rel = meta.get("paper")
    if rel is None:
        return
    if not _is_text(rel):
        w.bad(("paper",), f"paper must be the name of a folder inside the study; got {rel!r}."[:200])
        return
    target = folder / rel
    if _bundled_paper(target):  # the transcription shipped with this package (trusted, read only)
        valid["paper"] = rel
        return
    p, pw = PurePosixPath(rel), PureWindowsPath(rel)
    if p.is_absolute() or pw.is_absolute() or pw.drive or ".." in p.parts or ".." in pw.parts:
        w.bad(
            ("paper",),
            f"paper must be a folder inside the study, written relative to it (no '..', not an "
            f"absolute path); got '{rel}'.",
        )
        return
    if os.path.lexists(target) and not _inside(target, folder):
        w.bad(
            ("paper",),
            f"paper '{rel}' is a symbolic link to a folder outside the study; copy the folder into the study.",
        )
        return
    if not target.is_dir():
        w.bad(("paper",), f"paper names the folder '{rel}', which does not exist in the study.")
        return
    valid["paper"] = rel


def _inside(path: Path, folder: Path) -> bool:
    from .studyfile import inside

    return inside(path, folder)


def _bundled_paper(target: Path) -> bool:
    from .published import bundled_paper_dir as paper_dir

    try:
        return os.path.realpath(target) == os.path.realpath(paper_dir()) and not os.path.islink(target)
    except (OSError, ValueError):
        return False


def check_keys(meta: dict, lines: dict[tuple, int], folder: Path, problems: list[Problem], valid: dict) -> bool:
    """Check every key of study.yml on its own, adding a problem for each wrong one.

    Parameters
    ----------
    meta : dict
        study.yml as parsed.
    lines : dict of tuple to int
        Key path to its line in study.yml, for the problems' locations.
    folder : pathlib.Path
        The study folder (a ``paper:`` folder is looked up inside it).
    problems : list of Problem
        Appended to.
    valid : dict
        Filled with the keys that passed, in their checked form.

    Returns
    -------
    bool
        ``True`` when no key is wrong (warnings aside).
    """
    w = _Where(lines, problems)
    _basic(w, meta, valid)
    _texts(w, meta, ())
    _reasons(w, meta, valid)
    _livestock(w, meta, valid)
    check_model_keys(w, meta, valid)
    _paper(w, meta, folder, valid)
    return w.errors == 0


# --------------------------------------------------------------------------- keys and tables


def _reserved(cells, fname: str, columns, problems: list[Problem]) -> None:
    """No region or community may be called like the total row ('All'), in any case."""
    reserved = {unicodedata.normalize("NFC", r).casefold() for r in RESERVED_NAMES}
    for col in columns:
        if col not in cells.columns:
            continue
        codes, values = cells.coded(col)
        low = np.array([str(v).casefold() in reserved for v in values], dtype=bool)
        if low.any():
            report_rows(
                problems,
                fname,
                col,
                rows_of(low[codes], cells.rownums),
                lambda r, col=col: (
                    f"'{cells.text(col, r)}' is reserved: the tables use it for the total "
                    "of all groups. Rename the group."
                ),
                "a reserved name",
            )


def _fold(name: str) -> str:
    """A name without case, spacing or accents: 'Bungoma (Kusini)' and 'bungoma(kusini)' fold alike."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(bare.casefold().split())


def look_alikes(cells: Cells, fname: str, column: str, problems: list[Problem]) -> None:
    """Warn about names of `column` that differ only in case, spacing or accents (likely typos).

    One warning per set of look-alike spellings, at the first row of the rarer spelling(s),
    naming every spelling with its number of rows and first rows.

    Parameters
    ----------
    cells : Cells
        The table as read.
    fname : str
        The file's name, for the warning.
    column : str
        The column to look at (``region``, ``community``); nothing happens if it is absent.
    problems : list of Problem
        Appended to.
    """
    if column not in cells.columns:
        return
    codes, values = cells.coded(column)
    if len(values) < 2:
        return
    folded = np.array([_fold(str(v)) for v in values], dtype=object)
    fvalues, _fu = np.unique(folded, return_inverse=True)
    counts = np.bincount(_fu, minlength=len(fvalues))
    filled = np.array([str(v) != "" for v in values], dtype=bool)
    n_rows = np.bincount(codes, minlength=len(values))
    for g in np.flatnonzero(counts > 1):
        members = [i for i in np.flatnonzero(_fu == g) if filled[i]]
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (-n_rows[i], int(cells.rownums[np.argmax(codes == i)])))
        parts = []
        for i in members:
            rows = cells.rownums[codes == i]
            shown = ", ".join(str(int(r)) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
            parts.append(f"'{values[i]}' ({len(rows):,} row{'s' if len(rows) != 1 else ''}: {shown})")
        first = int(cells.rownums[np.argmax(codes == members[1])])
        plural = {"community": "communities"}.get(column, f"{column}s")
        listed = ", ".join(parts[:-1]) + " and " + parts[-1]
        problems.append(
            warning(
                fname,
                first,
                column,
                f"{listed} differ only in case, spacing or accents, so they are counted as "
                f"different {plural}: is one a typo? If they are one {column}, write it one way everywhere.",
            )
        )


def _communities(read: dict, problems: list[Problem]) -> None:
    if "communities" not in read:
        return
    hh, cm = read["households"][0], read["communities"][0]
    if not {"community", "region"} <= set(hh.columns) or not {"community", "region"} <= set(cm.columns):
        return
    fname = schema.TABLES["communities"].filename
    known = set(cm.series("community"))
    s = hh.series("community")
    first = ~s.duplicated().to_numpy()
    missing = first & ~s.isin(known).to_numpy() & ~hh.blank("community")
    report_rows(
        problems,
        fname,
        "community",
        rows_of(missing, hh.rownums),
        lambda r: (
            f"the community '{hh.text('community', r)}' of households.csv (row {r}) has no row here; "
            "communities.csv must describe every community of households.csv."
        ),
        "communities missing from communities.csv",
    )
    pairs = dict(zip(hh.series("community"), hh.series("region")))
    regions = cm.series("region").to_numpy()
    comm = cm.series("community").to_numpy()
    other = np.array([c in pairs and pairs[c] != r for c, r in zip(comm, regions)], dtype=bool)
    report_rows(
        problems,
        fname,
        "region",
        rows_of(other, cm.rownums),
        lambda r: (
            f"the community '{cm.text('community', r)}' is in region '{cm.text('region', r)}' here but "
            f"in '{pairs[cm.text('community', r)]}' in households.csv."
        ),
        "a region different from households.csv",
    )


def _holding_years(read: dict, valid: dict, problems: list[Problem]) -> None:
    """The `year` of every livestock.csv and production.csv row is a time point of study.yml."""
    years = valid.get("time_points")
    if not years:
        return
    for name in ("livestock", "production"):
        if name not in read:
            continue
        cells, cols, spec = read[name]
        if "year" not in {c.name for c in cols}:
            continue
        v = cells.numbers("year")
        off = ~np.isnan(v) & ~np.isin(v, years)
        report_rows(
            problems,
            spec.filename,
            "year",
            rows_of(off, cells.rownums),
            lambda r, cells=cells: f"{cells.text('year', r)} is not a time point of study.yml ({years}).",
            "not a time point",
        )


def _reason_rows(read: dict, valid: dict, problems: list[Problem]) -> None:
    if "reasons" not in read:
        return
    cells, cols, spec = read["reasons"]
    fname = spec.filename
    years = valid.get("time_points")
    names = {c.name for c in cols}
    if years and {"start", "end"} <= names:
        a, b = cells.numbers("start"), cells.numbers("end")
        ok = ~np.isnan(a) & ~np.isnan(b)
        for col, v in (("start", a), ("end", b)):
            off = ok & ~np.isin(v, years)
            report_rows(
                problems,
                fname,
                col,
                rows_of(off, cells.rownums),
                lambda r, col=col: f"{cells.text(col, r)} is not a time point of study.yml ({years}).",
                "not a time point",
            )
        rev = ok & np.isin(a, years) & np.isin(b, years) & (a >= b)
        report_rows(
            problems,
            fname,
            "start",
            rows_of(rev, cells.rownums),
            lambda r: (
                f"the period {cells.text('start', r)}-{cells.text('end', r)} is reversed or empty: "
                "start must be before end."
            ),
            "a reversed period",
        )
    vocab = valid.get("reasons")
    if vocab and "reason" in names:
        codes, values = cells.coded("reason")
        unknown = np.array([v != "" and v not in vocab for v in values], dtype=bool)[codes]
        report_rows(
            problems,
            fname,
            "reason",
            rows_of(unknown, cells.rownums),
            lambda r: (
                f"the reason code '{cells.text('reason', r)}' is not in the vocabulary of study.yml "
                "(reasons:); add it there or correct the code."
            ),
            "a reason code outside the vocabulary",
        )


def check_tables(meta: dict, lines: dict[tuple, int], read: dict, valid: dict, problems: list[Problem]) -> None:
    """Check what study.yml and the tables say about each other, adding a problem for each conflict.

    Parameters
    ----------
    meta : dict
        study.yml as parsed.
    lines : dict of tuple to int
        Key path to its line in study.yml.
    read : dict
        Table name to (Cells, usable columns, schema.Table) for the tables read.
    valid : dict
        The study.yml keys that passed `check_keys`.
    problems : list of Problem
        Appended to.
    """
    if "households" in read:
        _reserved(read["households"][0], schema.HOUSEHOLDS.filename, ("region", "community"), problems)
        for column in ("region", "community"):
            look_alikes(read["households"][0], schema.HOUSEHOLDS.filename, column, problems)
    if "communities" in read:
        _reserved(read["communities"][0], schema.TABLES["communities"].filename, ("region", "community"), problems)
        if "households" in read:
            _communities(read, problems)
    _reason_rows(read, valid, problems)
    _holding_years(read, valid, problems)
    if "households" in read:
        check_model_tables(_Where(lines, problems), meta, read, valid)
