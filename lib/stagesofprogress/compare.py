"""`sop compare`: several studies of a team side by side (movements, mobility, shared reasons).

    sop compare --data villages-2015 --data villages-2025 --out comparison/

writes into a new folder `movements.csv`, `mobility.csv` and, when two or more studies have
reasons, `reasons.csv` (each with a leading `study` column, the study folder's name), and
`compare.html`, one page with the same tables. Study text reaches the page only through
`safetext.html`; the folder is built in a temporary sibling and moved into place, and an
`--out` follows the rule of every sop output folder (`outdir.check_out`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import movements as mv
from . import safetext
from .study import Study

__all__ = [
    "study_labels",
    "movements_side_by_side",
    "mobility_side_by_side",
    "shared_reasons",
    "compare_tables",
    "compare_html",
    "add_parser",
]


def study_labels(paths: list[Path]) -> list[str]:
    """A short unique label per study folder.

    Parameters
    ----------
    paths : list of pathlib.Path
        The study folders.

    Returns
    -------
    list of str
        Each folder's name, numbered when two folders share a name.
    """
    names = [Path(p).resolve().name or str(p) for p in paths]
    out, seen = [], {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if names.count(n) == 1 else f"{n}-{seen[n]}")
    return out


def _with_study(df: pd.DataFrame, label: str) -> pd.DataFrame:
    df = df.copy()
    df.insert(0, "study", label)
    return df


def movements_side_by_side(studies: dict[str, Study]) -> pd.DataFrame:
    """``movements.csv`` of every study, stacked.

    Parameters
    ----------
    studies : dict of str to Study
        Loaded studies by label (`study_labels`), in the order to show them.

    Returns
    -------
    pandas.DataFrame
        The columns of `stagesofprogress.movements.all_movements` after a ``study`` column.
    """
    return pd.concat([_with_study(mv.all_movements(s), k) for k, s in studies.items()], ignore_index=True)


def mobility_side_by_side(studies: dict[str, Study]) -> pd.DataFrame:
    """Headline mobility of every study, period and group (one row each).

    Parameters
    ----------
    studies : dict of str to Study
        Loaded studies by label (`study_labels`), in the order to show them.

    Returns
    -------
    pandas.DataFrame
        Columns ``study, start, end, group, households, escape`` (share of the poor at the start
        who escaped), ``descent`` (share of the non-poor who became poor), ``steady_share_poor``
        (poor / not poor chain), ``steady_share_poor_stages`` (stage chain),
        ``years_to_escape, years_to_descent, shorrocks_P`` (stage chain).
    """
    from . import mobility as mb

    rows = []
    for label, study in studies.items():
        results = mb.chains(study)
        stages = {(r.start, r.end, r.group): r for r in results if r.chain == mb.STAGES}
        for r in results:
            if r.chain != mb.POVERTY:
                continue
            s = stages[(r.start, r.end, r.group)]
            rows.append(
                {
                    "study": label,
                    "start": r.start,
                    "end": r.end,
                    "group": r.group,
                    "households": int(r.counts.to_numpy().sum()),
                    "escape": float(r.P.loc[mb.POOR, mb.NOT_POOR]),
                    "descent": float(r.P.loc[mb.NOT_POOR, mb.POOR]),
                    "steady_share_poor": r.steady_share_poor,
                    "steady_share_poor_stages": s.steady_share_poor,
                    "years_to_escape": float(r.years_to_cross.loc[mb.POOR]),
                    "years_to_descent": float(r.years_to_cross.loc[mb.NOT_POOR]),
                    "shorrocks_P": float(s.indices["P"]),
                }
            )
    return pd.DataFrame(rows)


def shared_reasons(studies: dict[str, Study]) -> pd.DataFrame:
    """Reason shares (all households) for the reason codes that every study with reasons uses.

    Parameters
    ----------
    studies : dict of str to Study
        Loaded studies by label (`study_labels`), in the order to show them.

    Returns
    -------
    pandas.DataFrame
        Tidy shares; empty when fewer than two studies have ``reasons.csv``.
    """
    from . import reasons

    with_reasons = {k: s for k, s in studies.items() if s.has("reasons")}
    if len(with_reasons) < 2:
        return pd.DataFrame()
    tables = {k: reasons.reason_shares(s, by=None) for k, s in with_reasons.items()}
    shared = set.intersection(*[set(t["reason"]) for t in tables.values()])
    parts = [_with_study(t[t["reason"].isin(shared)], k) for k, t in tables.items()]
    return pd.concat(parts, ignore_index=True)


def compare_tables(studies: dict[str, Study]) -> dict[str, pd.DataFrame]:
    """The CSV tables of ``sop compare``.

    Parameters
    ----------
    studies : dict of str to Study
        Loaded studies by label (`study_labels`), in the order to show them.

    Returns
    -------
    dict of str to pandas.DataFrame
        By file name.
    """
    out = {"movements.csv": movements_side_by_side(studies), "mobility.csv": mobility_side_by_side(studies)}
    r = shared_reasons(studies)
    if len(r):
        out["reasons.csv"] = r
    return out


def _cell(v) -> str:
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return "n/a"
        return "never" if np.isinf(v) else f"{v:,.3g}" if abs(v) < 1 else f"{v:,.1f}"
    return safetext.html(v)


def _html_table(df: pd.DataFrame, caption: str) -> str:
    head = "".join(f"<th>{safetext.html(c)}</th>" for c in df.columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in df.itertuples(index=False)
    )
    return (
        f"<table>\n<caption>{safetext.html(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def compare_html(studies: dict[str, Study], tables: dict[str, pd.DataFrame]) -> str:
    """One self-contained HTML page with the studies and their tables (study text escaped).

    Parameters
    ----------
    studies : dict of str to Study
        Loaded studies by label (`study_labels`), in the order to show them.
    tables : dict of str to pandas.DataFrame
        As `compare_tables` returns them.

    Returns
    -------
    str
        The page.
    """
    items = "\n".join(
        f"<li><b>{safetext.html(k)}</b>: {safetext.html(s.title)} ({len(s.households):,} households, "
        f"time points {safetext.html(', '.join(map(str, s.time_points)))}, {s.n_stages} stages, "
        f"poor up to stage {s.poverty_cutoff})</li>"
        for k, s in studies.items()
    )
    mov = tables["movements.csv"]
    wide = (
        mov.pivot_table(index=["study", "start", "end", "group"], columns="category", values="percent", sort=False)
        .reindex(columns=mv.CATEGORIES)
        .reset_index()
    )
    wide.columns = ["study", "start", "end", "group", *[mv.CATEGORY_LABELS[c] + " (%)" for c in mv.CATEGORIES]]
    mob = tables["mobility.csv"].copy()
    for c in ("escape", "descent", "steady_share_poor", "steady_share_poor_stages"):
        mob[c] = 100 * mob[c]
    parts = [
        _html_table(wide, "Households by movement category (percent of households known at both dates)"),
        _html_table(
            mob,
            "Mobility: escape and descent (percent per period), steady-state percent poor, "
            "mean years to cross the poverty line, Shorrocks index",
        ),
    ]
    if "reasons.csv" in tables:
        r = tables["reasons.csv"][["study", "start", "end", "category", "label", "households", "base", "percent"]]
        parts.append(_html_table(r, "Shared reasons: percent of the sampled households of each category citing them"))
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1.5em 0;font-size:0.9em}"
        "td,th{border-bottom:1px solid #ccc;padding:0.2em 0.6em;text-align:right}"
        "td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold;padding:0.4em 0}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Stages-of-Progress studies side by side</title>\n"
        f"<style>{style}</style>\n</head>\n<body>\n<h1>Stages-of-Progress studies side by side</h1>\n"
        f"<ul>\n{items}\n</ul>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )


def cmd_compare(args: argparse.Namespace) -> int:
    """``sop compare``: several studies side by side, written as CSV files and compare.html to ``--out``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``data``: two or more study folders, ``out``).

    Returns
    -------
    int
        The exit code: 0 written, 1 with fewer than two studies or a study with a problem
        (nothing is written).

    Raises
    ------
    OutputError
        When ``--out`` is a folder sop may not replace (the CLI reports it).
    """
    from .cli import _print_problems
    from .outdir import check_out, paper_folder, write_folder
    from .outputs import to_csv_bytes
    from .study import validate

    out = Path(args.out)
    if len(args.data) < 2:
        print("sop compare needs at least two studies (--data A --data B).", file=sys.stderr)
        return 1
    studies, failed = {}, False
    for label, path in zip(study_labels(args.data), args.data):
        problems, study = validate(path)
        if problems:
            _print_problems(problems, path)
            failed = True
        else:
            studies[label] = study
    if failed:
        print(f"Nothing was written to {out}.", file=sys.stderr)
        return 1
    for study in studies.values():  # --out may be inside none of the studies (raises OutputError)
        check_out(out, "compare", study=study.path, paper=paper_folder(study))
    tables = compare_tables(studies)
    files = {name: to_csv_bytes(df) for name, df in tables.items()}
    files["compare.html"] = compare_html(studies, tables).encode("utf-8")
    write_folder(out, files, "compare", checked=True)
    print(f"Compared {len(studies)} studies; wrote {len(files)} files to {out}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``sop compare`` on the CLI's subparsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``sop`` parser.
    """
    p = sub.add_parser("compare", help="several studies side by side (movements, mobility, shared reasons)")
    p.add_argument("--data", type=Path, action="append", required=True, help="a study folder (repeat for each study)")
    p.add_argument("--out", type=Path, required=True, help="new folder for the CSV files and compare.html")
    p.set_defaults(func=cmd_compare)
