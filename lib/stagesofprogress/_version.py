"""The package's version, written in one place only: ``pyproject.toml``.

An installed package (a wheel or an editable install) reads it from its metadata with
`importlib.metadata`; only a checkout used through ``PYTHONPATH`` and never installed falls back
to the ``version`` line of the checkout's ``pyproject.toml``.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as metadata_version
from pathlib import Path

from . import resources

__all__ = ["version"]


def _from_pyproject(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(r'(?ms)^\[project\]\s*$.*?^version\s*=\s*"([^"]+)"', text)
    return m.group(1) if m else None


def version() -> str:
    """The version of stagesofprogress that is running.

    Returns
    -------
    str
        The installed distribution's version (`importlib.metadata.version`); for a checkout
        used through ``PYTHONPATH`` and never installed, the ``version`` of its
        ``pyproject.toml``; ``"0+unknown"`` if neither is found.
    """
    try:
        return metadata_version("stagesofprogress")
    except PackageNotFoundError:
        try:
            return _from_pyproject(resources.checkout() / "pyproject.toml") or "0+unknown"
        except resources.ResourceError:
            return "0+unknown"
