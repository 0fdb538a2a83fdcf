"""Interval arithmetic on printed numbers, and the errata's flag records.

A printed number ``x`` with ``d`` decimals stands for the interval ``x ± 0.5·10^-d``; a check
flags only when no values inside those intervals could satisfy the relation the paper implies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from stagesofprogress.logistic import significance_stars

from .transcription import parse_printed

__all__: list[str] = []  # helpers of the checks modules, not an interface

_EPS = 1e-9


@dataclass(frozen=True)
class _Num:
    """A printed number and the interval of true values it could have been rounded from."""

    printed: str
    value: float
    stars: int
    decimals: int

    @property
    def half(self) -> float:
        return 0.5 * 10.0 ** (-self.decimals)

    @property
    def lo(self) -> float:
        return self.value - self.half

    @property
    def hi(self) -> float:
        return self.value + self.half

    def fmt(self, x: float) -> str:
        """A computed value shown with one more decimal than printed (trailing zeros dropped)."""
        out = f"{x:.{self.decimals + 1}f}"
        return out.rstrip("0").rstrip(".") if "." in out else out


def _num(s: str) -> _Num | None:
    v, st, d = parse_printed(s)
    return None if math.isnan(v) else _Num(s.strip(), v, st, d)


def _overlap(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> bool:
    return a_lo <= b_hi + _EPS and b_lo <= a_hi + _EPS


def _abs_iv(n: _Num) -> tuple[float, float]:
    """Interval of |x|, clipped at zero."""
    lo, hi = n.lo, n.hi
    if lo <= 0 <= hi:
        return 0.0, max(-lo, hi)
    return (lo, hi) if lo > 0 else (-hi, -lo)


def _stars_for_p(p: float) -> int:
    """Number of the paper's stars for a p-value (the method's `significance_stars`)."""
    return len(significance_stars(float(p)))


def _z_stars(z: float) -> int:
    return _stars_for_p(2 * stats.norm.sf(z)) if np.isfinite(z) else 3


def _flag(table, row, column, printed, consistent, explanation, key=()):
    return {
        "table": table,
        "row": row,
        "column": column,
        "printed": printed,
        "consistent_value": consistent,
        "explanation": explanation,
        "_key": key,
    }


def _cells(w: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {(r["row"], c): r[c] for _, r in w.iterrows() for c in w.columns[1:]}


def _order(w: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    return {r: i for i, r in enumerate(w["row"])}, {c: i for i, c in enumerate(w.columns)}


def _count_range(x: _Num, n: int) -> tuple[int, int]:
    """Whole numbers of households, out of n, whose percentage rounds to the printed x."""
    return math.ceil(x.lo * n / 100 - 1e-9), math.floor(x.hi * n / 100 + 1e-9)


def _pos(tables: dict[str, pd.DataFrame], table: str, row: str, col: str) -> tuple[int, int]:
    """Printed (row, column) position of a cell, for ordering errata."""
    w = tables[table]
    rows, cols = _order(w)
    return rows.get(row, len(rows)), cols.get(col, len(cols))


def _text_decimals(v: float) -> int:
    s = f"{v:g}"
    return len(s.split(".")[1]) if "." in s else 0
