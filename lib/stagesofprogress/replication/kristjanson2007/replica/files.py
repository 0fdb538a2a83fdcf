"""The replica as files: every step in order, written atomically into a study folder."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from stagesofprogress.outputs import to_csv_bytes, write_atomically

from ..command import SEED
from .communities import make_communities
from .exact import blas_to_pin, one_blas_thread
from .households import make_households
from .livestock import make_livestock
from .sample import make_sample
from .templates import readme, study_yml


def build(seed: int = SEED) -> dict[str, bytes]:
    """Every file of the replica as {file name: bytes} (deterministic for a seed).

    Where this process's OpenBLAS kernels are not the reference ones (`exact.blas_to_pin`), the
    files are computed in a new process that loads the reference kernels."""
    core = blas_to_pin()
    if core is not None:
        return _build_elsewhere(seed, core)
    with one_blas_thread():
        return _build(seed)


def _build_elsewhere(seed: int, core: str) -> dict[str, bytes]:
    """`build` in a spawned process whose OpenBLAS uses the kernels of `core` (read when it loads)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    saved = os.environ.get("OPENBLAS_CORETYPE")
    os.environ["OPENBLAS_CORETYPE"] = core  # the child (and its own workers) inherit it
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as ex:
            return ex.submit(build, seed).result()
    finally:
        if saved is None:
            os.environ.pop("OPENBLAS_CORETYPE", None)
        else:
            os.environ["OPENBLAS_CORETYPE"] = saved


def _build(seed: int) -> dict[str, bytes]:
    from stagesofprogress import datapackage as dp

    com = make_communities(seed)
    hh = make_households(com, seed)
    files = {
        "study.yml": study_yml(seed).encode("utf-8"),
        "README.md": readme(seed).encode("utf-8"),
        "communities.csv": to_csv_bytes(com),
        "households.csv": to_csv_bytes(hh),
    }
    files.update(_sample_files(hh, seed))
    files["datapackage.json"] = dp.to_json_bytes(dp.from_files(files, "peru2004"))
    return files


def _sample_files(hh: pd.DataFrame, seed: int) -> dict[str, bytes]:
    sample, reasons, (escaped10, lv2004) = make_sample(hh, seed)
    out = {"sample.csv": to_csv_bytes(sample), "reasons.csv": to_csv_bytes(reasons)}
    livestock, production = make_livestock(hh, sample, escaped10, seed, lv2004)
    out["livestock.csv"] = to_csv_bytes(livestock)
    out["production.csv"] = to_csv_bytes(production)
    return out


def generate(out_dir: str | Path, seed: int = SEED) -> Path:
    """Write the replica study folder `out_dir` (replaced atomically).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The folder: new, empty or written by sop before.
    seed : int
        The seed of the replica's random draws.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    OutputError
        When `out_dir` is a folder sop may not replace.
    """
    out = Path(out_dir)
    write_atomically(out, build(seed))
    return out
