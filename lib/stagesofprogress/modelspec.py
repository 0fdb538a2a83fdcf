"""The vocabulary a model specification of study.yml shares between its checks and its fits.

`checks_models` (run by every ``sop validate``) and `models` (the fits) both need these
facts; keeping them here, beside nothing heavier than the movement categories, lets a
validation run without importing the logit engine and scipy.
"""

from __future__ import annotations

__all__ = ["TRANSFORMS", "filter_name"]

#: The transforms a model variable may ask for (``transform:`` in study.yml).
TRANSFORMS = ("log", "square")


def filter_name(spec: dict) -> str:
    """The group name of a model fitted on a filtered subset.

    Parameters
    ----------
    spec : dict
        A model specification (study.yml's ``models:`` entry).

    Returns
    -------
    str
        The filter's values joined by commas (``{region: [Puno, Cajamarca]}`` gives
        ``"Puno, Cajamarca"``); ``"All"`` when the model has no filter.
    """
    from .movements import ALL  # (movements imports the study, whose checks import this module)

    f = spec.get("filter") or {}
    if not f:
        return ALL
    vals = [", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v) for v in f.values()]
    return ", ".join(vals)
