"""Random streams and the small drawing helpers every step shares (rounding as printed,
integers that sum to a target, exact splits by shares).
"""

from __future__ import annotations

import numpy as np


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent, reproducible stream per part of the generator."""
    return np.random.default_rng([seed, *stream])


def round_half_up(x: float | np.ndarray, decimals: int = 0) -> np.ndarray:
    """Round halves up (0.5 to 1, 2.5 to 3), as printed tables do, unlike numpy's round half to even.

    Parameters
    ----------
    x : float or numpy.ndarray
        The values.
    decimals : int
        Decimals kept.

    Returns
    -------
    numpy.ndarray
        Floats.
    """
    f = 10.0**decimals
    return np.floor(np.asarray(x, dtype=float) * f + 0.5 + 1e-9) / f


def _spread_to_sum(rng, n, total, rel_sd, decimals, lo=None, hi=None, fixed=None):
    """n values with the given exact sum (at `decimals`), spread around the mean; `fixed` {i: value} kept."""
    fixed = fixed or {}
    f = 10**decimals
    free = np.array([i for i in range(n) if i not in fixed])
    rest = total - sum(fixed.values())
    mean = rest / len(free)
    v = mean * np.exp(rng.normal(0, rel_sd, len(free)) - rel_sd**2 / 2)
    if lo is not None or hi is not None:
        v = np.clip(v, lo, hi)
    units = np.round(v * f).astype(np.int64)
    target = int(round(rest * f))
    for _ in range(1000):  # distribute the rounding difference one unit at a time, largest first
        d = target - units.sum()
        if d == 0:
            break
        step = np.sign(d)
        k = min(abs(d), len(units))
        order = np.argsort(-units if step > 0 else units, kind="stable")
        if lo is not None:
            ok = (units + step) / f >= lo
        else:
            ok = np.ones(len(units), bool)
        if hi is not None:
            ok &= (units + step) / f <= hi
        idx = order[ok[order]][:k]
        units[idx] += step
    out = np.empty(n)
    out[free] = units / f
    for i, val in fixed.items():
        out[i] = val
    return out


def _flags(rng, n: int, k: int) -> np.ndarray:
    f = np.zeros(n, dtype=np.int64)
    f[rng.permutation(n)[:k]] = 1
    return f


def _exact_split(n: int, shares) -> np.ndarray:
    w = np.asarray(shares, float) / np.sum(shares) * n
    k = np.floor(w).astype(int)
    k[np.argsort(-(w - k), kind="stable")[: n - k.sum()]] += 1
    return k


def _pick(rng, idx: np.ndarray, k: int) -> np.ndarray:
    return np.sort(rng.permutation(idx)[:k])
