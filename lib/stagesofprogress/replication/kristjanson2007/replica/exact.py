"""Machine-independent calibration: values rounded before they are kept or compared.

The calibration is a long chain of floating-point steps (logit fits, a Gauss-Newton polish, a
local search that keeps a move only if it lowers an objective). Sums, matrix products and
`tanh`/`exp`/`log` differ in their last bits between machines (BLAS kernels chosen per CPU,
numpy's SIMD paths), and a search that compares raw objectives, or carries raw values from one
step to the next, follows those bits: the same seed then writes different files on another
machine. Two rules keep the path the same:

- *state on a grid*: every continuous covariate a step keeps (the polish's result, a search
  move's new value, a column built from calibrated parameters) is rounded to `DECIMALS`
  decimals (`grid`), so the next step starts from the same numbers everywhere;
- *decisions on rounded values*: objectives and scores are rounded to `SIGNIFICANT`
  significant digits (`sig`) before they are compared, so a tie in exact arithmetic is a tie
  on every machine (and is never broken by rounding noise).

A difference survives only when a value falls within a few units in the last place of a
rounding boundary, which the coarse grid makes rare but not impossible: on an AVX-512 machine,
OpenBLAS's own SkylakeX kernels changed the path and three of the files. So the calibration also
runs with the *reference BLAS*, OpenBLAS's Haswell kernels (`REFERENCE_BLAS`, the arithmetic the
committed files were made with), wherever the CPU can run them (`blas_to_pin`; x86-64 with
AVX2 and FMA); other BLAS libraries and processors keep theirs and the two rules. Checked by
regenerating with numpy's AVX-512 loops switched off and one thread (tests/test_replica.py).
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["DECIMALS", "REFERENCE_BLAS", "SIGNIFICANT", "blas_to_pin", "grid", "one_blas_thread", "sig"]

#: Decimals every kept continuous covariate is rounded to (proportions print 4, land 6 decimals).
DECIMALS = 7
#: Significant digits an objective or score keeps before it is compared.
SIGNIFICANT = 9
#: The OpenBLAS core type whose kernels the committed replica was computed with.
REFERENCE_BLAS = "Haswell"


def blas_to_pin(info: list[dict] | None = None, features: dict | None = None) -> str | None:
    """The OpenBLAS core type the calibration must be run with, or None to run it in this process.

    None when this process already uses `REFERENCE_BLAS`, when ``OPENBLAS_CORETYPE`` is set
    (the user's choice stands), when numpy's BLAS is not OpenBLAS, or when the CPU cannot run
    the reference kernels (they need AVX2 and FMA).

    Parameters
    ----------
    info : list of dict, optional
        threadpoolctl's ``threadpool_info()``; read from this process when None.
    features : dict, optional
        numpy's CPU features (``{"AVX2": True, ...}``); read from this process when None.

    Returns
    -------
    str or None
        The core type to set in ``OPENBLAS_CORETYPE`` of a new process, or None.
    """
    if os.environ.get("OPENBLAS_CORETYPE"):
        return None
    if info is None:
        try:
            from threadpoolctl import threadpool_info
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency of scipy's stack
            return None
        info = threadpool_info()
    blas = [i for i in info if i.get("internal_api") == "openblas"]
    if not blas or all(str(i.get("architecture", "")).lower() == REFERENCE_BLAS.lower() for i in blas):
        return None
    if features is None:
        try:
            from numpy._core._multiarray_umath import __cpu_features__ as features
        except ImportError:  # pragma: no cover - numpy moved its private table
            return None
    return REFERENCE_BLAS if features.get("AVX2") and features.get("FMA3") else None


def one_blas_thread():
    """A context in which BLAS runs on one thread (threadpoolctl, when installed; else a no-op).

    The calibration's matrices are a few hundred rows by a few dozen columns: BLAS threads only
    spin (they doubled the CPU time on 2 cores). The files do not depend on it (see the tests)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - an optional speed-up
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def grid(a) -> np.ndarray:
    """`a` rounded to `DECIMALS` decimals (integers, flags and counts are unchanged); -0.0 becomes 0.0."""
    return np.round(np.asarray(a, dtype=float), DECIMALS) + 0.0


def sig(v: float) -> float:
    """`v` rounded to `SIGNIFICANT` significant digits (correctly rounded, so the same on every machine)."""
    v = float(v)
    if v == 0.0 or not np.isfinite(v):
        return v
    return float(f"{v:.{SIGNIFICANT - 1}e}")
