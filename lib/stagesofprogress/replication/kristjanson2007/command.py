"""`sop replica`: the subcommand that writes the synthetic Peru 2004 study.

Registered through the entry point group ``stagesofprogress.commands`` (pyproject.toml), so
the `sop` command never imports the replication: it calls `add_parser` on its subparsers.
The generator itself is imported only when the subcommand runs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

__all__ = ["SEED", "add_parser", "run"]

SEED = 2004  # the seed of the committed data/peru2004


def run(args: argparse.Namespace) -> int:
    """``sop replica``: write the replica into ``args.out`` with ``args.seed``; print what was written.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``out``, ``seed``).

    Returns
    -------
    int
        The exit code, 0.

    Raises
    ------
    OutputError
        When ``--out`` is a folder sop may not replace (``sop`` reports it).
    """
    from ...outdir import check_out
    from .replica import generate

    t0 = time.perf_counter()
    check_out(args.out, "replica")  # before the slow calibration; OutputError is reported by `sop`
    generate(args.out, seed=args.seed)
    print(f"Wrote the Peru 2004 replica (seed {args.seed}) to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``sop replica`` on the subparsers of the ``sop`` command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``sop`` parser.
    """
    r = sub.add_parser(
        "replica",
        help="write the synthetic Peru 2004 study calibrated to Kristjanson et al. (2007)",
        description="Invent households, communities, reasons and livestock whose aggregates reproduce the "
        "paper's published tables. Same seed, same bytes. The result is synthetic, not field data.",
    )
    r.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for the study: new, empty or written by sop before (replaced atomically)",
    )
    r.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED}, the committed data/peru2004)")
    r.set_defaults(func=run)
