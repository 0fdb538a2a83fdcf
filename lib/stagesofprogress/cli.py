"""The `sop` command. A user's mistake gets a plain report and exit code 1, never a traceback."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from . import __version__, resources
from .outdir import OutputError, check_out, handle_signals, io_message, paper_folder, restore_signals
from .study import StudyError, validate

__all__ = ["DEFAULT_STUDY", "build_parser", "default_study", "main"]

# The embedded default study: the synthetic replica of the Peru study (shipped in the wheel).
DEFAULT_STUDY = resources.path("data/peru2004", check=False)


def default_study() -> Path:
    """The study used when ``--data`` is not given: the shipped synthetic replica of the Peru study.

    Returns
    -------
    pathlib.Path
        Its folder inside the installed package.
    """
    return DEFAULT_STUDY


def _print_problems(problems, path) -> None:
    n = len(problems)
    print(f"{path}: {n} problem{'s' if n != 1 else ''} found.", file=sys.stderr)
    for p in problems:
        print(f"  - {p}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """``sop validate``: check a study and print every problem (stderr) or a one-line summary.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``data``).

    Returns
    -------
    int
        The exit code: 0 valid, 1 when there is a problem.
    """
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


def cmd_tables(args: argparse.Namespace) -> int:
    """``sop tables``: compute every table the study allows and write them as CSV to ``--out``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``data``, ``out``).

    Returns
    -------
    int
        The exit code: 0 written, 1 when the study has a problem (nothing is written).

    Raises
    ------
    OutputError
        When ``--out`` is a folder sop may not replace (`main` reports it).
    """
    from . import movements as mv
    from .outputs import write_tables

    problems, study = validate(args.data)
    if problems:
        _print_problems(problems, args.data)
        print(f"Nothing was written to {args.out}.", file=sys.stderr)
        return 1
    check_out(args.out, "tables", study=args.data, paper=paper_folder(study))
    tables = write_tables(study, args.out, checked=True)
    for a, b in study.periods():
        unknown = int(mv.movement_counts(study, a, b, by=None).loc[mv.ALL, "unknown"])
        if unknown:
            print(
                f"{a}-{b}: {unknown:,} household{'s' if unknown != 1 else ''} left out (stage unknown in {a} or {b})."
            )
    print(f"Wrote {len(tables)} tables to {args.out}")
    return 0


def add_plugin_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the subcommands of installed plug-ins (entry point group ``stagesofprogress.commands``).

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``sop`` parser; each plug-in's entry point is called with it.
    """
    from .outputs import installed_plugins

    for ep in installed_plugins("stagesofprogress.commands"):
        ep.load()(sub)


def build_parser() -> argparse.ArgumentParser:
    """The ``sop`` argument parser with every subcommand, plug-ins' included.

    Returns
    -------
    argparse.ArgumentParser
        Each subcommand sets ``func`` to the function that runs it.
    """
    p = argparse.ArgumentParser(
        prog="sop",
        description="Stages-of-Progress poverty dynamics: validate a study, compute its tables, build its book.",
    )
    p.add_argument("--version", action="version", version=f"sop {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a study folder against the data contract")
    v.add_argument("--data", type=Path, default=None, help="study folder (default: the embedded default study)")
    v.set_defaults(func=cmd_validate)

    t = sub.add_parser("tables", help="write every table the study allows as CSV")
    t.add_argument("--data", type=Path, default=None, help="study folder (default: the embedded default study)")
    t.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for the CSV files: new, empty or written by sop before (replaced atomically)",
    )
    t.set_defaults(func=cmd_tables)

    # `sop book`, `sop simulate` (their code lives in those modules)
    from .rebuild import add_parser as add_book_parser
    from .simulation import add_parser as add_simulate_parser

    add_book_parser(sub)
    add_simulate_parser(sub)

    from .datapackage import add_parser as add_datapackage_parser

    add_plugin_parsers(sub)
    add_datapackage_parser(sub)
    __import__(f"{__package__}.compare", fromlist=["add_parser"]).add_parser(sub)  # sop compare
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the ``sop`` command: a user's mistake gets a plain report and exit code 1, never a traceback.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``sop``; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        The exit code: 0 on success, 1 for a problem with the study or the output folder or a
        read/write error, 128 plus the signal number when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "data") and args.data is None:
        args.data = default_study()
    previous = handle_signals()
    try:
        return args.func(args)
    except StudyError as e:  # pragma: no cover - validate() already reports
        print(str(e), file=sys.stderr)
        return 1
    except OutputError as e:
        print(str(e), file=sys.stderr)
        return 1
    except OSError as e:  # permission denied, disk full ...: the previous output is intact
        print(io_message(e, f"finish `sop {args.command}`"), file=sys.stderr)
        out = getattr(args, "out", None)
        if out is not None:
            print(f"Nothing was written to {out}; what was there is unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", signal.SIGINT)
        print(f"Interrupted ({signal.Signals(signum).name}); temporary files removed.", file=sys.stderr)
        return 128 + int(signum)
    finally:
        restore_signals(previous)


if __name__ == "__main__":
    sys.exit(main())
