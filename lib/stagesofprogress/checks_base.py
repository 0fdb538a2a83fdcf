"""What every check of study.yml shares: where a problem about a key is reported, and type tests.

`_Where` collects problems (and warnings) about study.yml, each at the line of its key path;
`checks` (the keys and the tables) and `checks_models` (the models) both report through it.
"""

from __future__ import annotations

import difflib

import numpy as np

from .problem import Problem, warning

__all__: list[str] = []  # internal to the validation: `checks` is the public module

F = "study.yml"


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_text(v) -> bool:
    return isinstance(v, str) and bool(v.strip())


class _Where:
    """Collects problems about study.yml, each at the line of its key path."""

    def __init__(self, lines: dict[tuple, int], problems: list[Problem]):
        self.lines, self.problems = lines, problems
        self.errors = 0

    def line(self, path: tuple) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def bad(self, path: tuple, msg: str) -> None:
        self.errors += 1
        self.problems.append(Problem(F, self.line(path), ".".join(map(str, path)) or None, msg))

    def warn(self, path: tuple, msg: str) -> None:
        self.problems.append(warning(F, self.line(path), ".".join(map(str, path)) or None, msg))

    def unknown(self, path: tuple, mapping: dict, known) -> None:
        for k in mapping:
            if k not in known:
                close = difflib.get_close_matches(str(k), list(known), n=1)
                hint = f" Is it a misspelling of '{close[0]}'?" if close else ""
                self.warn(path + (k,), f"the key '{k}' is not part of the data contract and is ignored.{hint}")


def _period(w: _Where, value, path: tuple, years: list[int] | None, what: str) -> tuple[int, int] | None:
    """A [start, end] pair of time points with start before end, or None after a problem."""
    if not isinstance(value, list) or len(value) != 2 or not all(_is_int(v) for v in value):
        w.bad(path, f"{what} must be [start, end], two years; got {value!r}."[:200])
        return None
    a, b = int(value[0]), int(value[1])
    if a >= b:
        w.bad(path, f"{what} [{a}, {b}] is reversed or empty: the start must be before the end.")
        return None
    if years:
        out = [y for y in (a, b) if y not in years]
        if out:
            w.bad(
                path,
                f"{what} [{a}, {b}] uses {', '.join(map(str, out))}, which is not a time point (time_points: {years}).",
            )
            return None
    return a, b
