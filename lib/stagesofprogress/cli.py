"""The `sop` command. A user's mistake gets a plain report and exit code 1, never a traceback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .study import StudyError, load_study, validate

# The embedded default study: the synthetic replica of the Peru study.
DEFAULT_STUDY = Path(__file__).resolve().parents[2] / "data" / "peru2004"


def default_study() -> Path:
    return DEFAULT_STUDY


def _print_problems(problems, path) -> None:
    n = len(problems)
    print(f"{path}: {n} problem{'s' if n != 1 else ''} found.", file=sys.stderr)
    for p in problems:
        print(f"  - {p}", file=sys.stderr)


def cmd_validate(args) -> int:
    from .study import check

    report = check(args.data)
    if report.problems:
        _print_problems(report.problems, args.data)
    for w in report.warnings:  # reported, but they do not make the study invalid
        print(f"  - {w}", file=sys.stderr)
    if report.problems:
        return 1
    print(f"{args.data}: valid. {report.study!r}")
    return 0


def _unsafe_out(data: Path, out: Path) -> str | None:
    """Why `out` must not be replaced by the tables (it is swapped in whole), or None when it is safe."""
    o, d, here = Path(out).resolve(), Path(data).resolve(), Path.cwd().resolve()
    if o.exists() and not o.is_dir():
        return f"--out {out} is a file; name a folder for the tables."
    if o == d or o in d.parents:
        return f"--out {out} holds the study itself, and the tables replace that folder; choose another one."
    if o == here or o in here.parents:
        return f"--out {out} is the folder you are working in (or holds it), and the tables replace it; choose another one."
    if (o / "study.yml").exists() or (o / "households.csv").exists():
        return f"--out {out} holds a study (study.yml or households.csv), and the tables replace that folder; choose another one."
    return None


def cmd_tables(args) -> int:
    from . import movements as mv
    from .outputs import write_tables

    unsafe = _unsafe_out(args.data, args.out)
    if unsafe:
        print(unsafe, file=sys.stderr)
        print(f"Nothing was written to {args.out}.", file=sys.stderr)
        return 1
    problems, study = validate(args.data)
    if problems:
        _print_problems(problems, args.data)
        print(f"Nothing was written to {args.out}.", file=sys.stderr)
        return 1
    tables = write_tables(study, args.out)
    for a, b in study.periods():
        unknown = int(mv.movement_counts(study, a, b, by=None).loc[mv.ALL, "unknown"])
        if unknown:
            print(f"{a}-{b}: {unknown:,} household{'s' if unknown != 1 else ''} left out (stage unknown in {a} or {b}).")
    print(f"Wrote {len(tables)} tables to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sop", description="Stages-of-Progress poverty dynamics: validate a study, compute its tables, build its book.")
    p.add_argument("--version", action="version", version=f"sop {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a study folder against the data contract")
    v.add_argument("--data", type=Path, default=None, help="study folder (default: the embedded default study)")
    v.set_defaults(func=cmd_validate)

    t = sub.add_parser("tables", help="write every table the study allows as CSV")
    t.add_argument("--data", type=Path, default=None, help="study folder (default: the embedded default study)")
    t.add_argument("--out", type=Path, required=True, help="folder to write the CSV files into (replaced atomically)")
    t.set_defaults(func=cmd_tables)

    # `sop book`, `sop simulate` (their code lives in those modules). `from . import simulate` would
    # give the function `simulate` that __init__ exports under the module's name, so import from it.
    from .rebuild import add_parser as add_book_parser
    from .simulate import add_parser as add_simulate_parser

    add_book_parser(sub)
    add_simulate_parser(sub)

    from .datapackage import add_parser as add_datapackage_parser
    from .replica import add_parser as add_replica_parser

    add_replica_parser(sub)
    add_datapackage_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "data") and args.data is None:
        args.data = default_study()
    try:
        return args.func(args)
    except StudyError as e:  # pragma: no cover - validate() already reports
        print(str(e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
