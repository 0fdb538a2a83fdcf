"""The replica's study.yml and README.md, as package data (`templates/`), filled with the seed.

The templates are `str.format` patterns with one field, ``{seed}`` (literal braces are
doubled). `study_spec()` is the parsed study.yml the calibration reads its models and
reasons from, so the generator and the files it writes cannot disagree.
"""

from __future__ import annotations

import copy
import functools
from importlib.resources import files

__all__ = ["README_TEMPLATE", "STUDY_YML_TEMPLATE", "readme", "study_spec", "study_yml"]


def _template(name: str) -> str:
    return files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


STUDY_YML_TEMPLATE = _template("study.yml")
README_TEMPLATE = _template("README.md")


def study_yml(seed: int) -> str:
    """The replica's study.yml for `seed`.

    Parameters
    ----------
    seed : int
        The seed of the replica's random draws, recorded in the file.

    Returns
    -------
    str
        The YAML text.
    """
    return STUDY_YML_TEMPLATE.format(seed=seed)


def readme(seed: int) -> str:
    """The replica's README.md for `seed`.

    Parameters
    ----------
    seed : int
        The seed, recorded in the text.

    Returns
    -------
    str
        Markdown.
    """
    return README_TEMPLATE.format(seed=seed)


def study_spec(seed: int) -> dict:
    """The replica's study.yml for `seed`, parsed.

    Parameters
    ----------
    seed : int
        The seed.

    Returns
    -------
    dict
        The settings.
    """
    return copy.deepcopy(_parsed(seed))  # a copy: the callers may change theirs


@functools.lru_cache(maxsize=4)
def _parsed(seed: int) -> dict:
    """study.yml parsed once per seed (the calibration asks for it thousands of times)."""
    import yaml

    return yaml.safe_load(study_yml(seed))
