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
rounding boundary, which the coarse grid makes rare. Checked by regenerating under changed
arithmetic (see tests/test_replica.py: `NPY_DISABLE_CPU_FEATURES`, `OPENBLAS_CORETYPE`,
`OMP_NUM_THREADS`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DECIMALS", "SIGNIFICANT", "grid", "one_blas_thread", "sig"]

#: Decimals every kept continuous covariate is rounded to (proportions print 4, land 6 decimals).
DECIMALS = 7
#: Significant digits an objective or score keeps before it is compared.
SIGNIFICANT = 9


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
