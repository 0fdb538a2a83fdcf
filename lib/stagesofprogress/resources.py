"""Where the files that ship with the library are: studies, the paper's transcription, the book.

The repository keeps one copy of each file where a reader expects it (``data/peru2004``,
``data/paper``, ``chapters/``, ``_config.yml`` ... at the repository root, where
``jupyter-book build .`` finds them). A wheel carries the same files, in the same layout,
under the package as ``stagesofprogress/_resources/`` (copied there at build time by the
``build_py`` hook in ``setup.py``, which reads `SHIPPED` from this file). This module is the
one place that knows both layouts::

    from stagesofprogress import resources
    resources.path("data/peru2004")      # the default study, in a checkout or a wheel
    resources.path("_toc.yml").parent    # the book sources

It reads the installed copy through `importlib.resources` and falls back to the checkout
(two folders above this package) when the package was not built into a wheel: an editable
install, or ``PYTHONPATH=lib``. It imports nothing outside the standard library, so
``setup.py`` can read `SHIPPED` without the library's dependencies.
"""

from __future__ import annotations

from importlib import resources as _resources
from pathlib import Path, PurePosixPath

__all__ = ["SHIPPED", "PACKAGED", "ResourceError", "root", "path", "checkout", "study_folder"]

#: What a wheel carries, relative to the repository root (folders are copied whole, without
#: caches, notebooks' checkpoints or built output). The book needs its sources and the
#: literature table; `sop validate`/`sop tables` the default study and the paper's
#: transcription; the book tests and examples the other shipped studies.
SHIPPED: tuple[str, ...] = (
    "data/README.md",
    "data/peru2004",
    "data/paper",
    "data/example",
    "data/teaching",
    "data/literature",
    "data/maps",
    "_config.yml",
    "_toc.yml",
    "references.bib",
    "chapters",
    "_static",
    "_ext",
)

#: The folder, inside the package, that holds the shipped files in a wheel.
PACKAGED = "_resources"

_PACKAGE = __name__.rpartition(".")[0] or "stagesofprogress"
_CHECKOUT = Path(__file__).resolve().parents[2]


class ResourceError(FileNotFoundError):
    """A file that should ship with the library is not there (an incomplete installation)."""


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / "lib" / "stagesofprogress").is_dir()


def root() -> Path:
    """The folder that holds the shipped files, in the layout of the repository.

    Returns
    -------
    pathlib.Path
        ``stagesofprogress/_resources`` of an installed wheel if it exists, else the root of the
        checkout this code runs from.

    Raises
    ------
    ResourceError
        Neither exists (the package was installed without its data, or from a zip file).
    """
    try:
        packaged = _resources.files(_PACKAGE) / PACKAGED
    except ModuleNotFoundError:  # pragma: no cover - this file run on its own (setup.py)
        packaged = None
    if packaged is not None and packaged.is_dir():
        if not isinstance(packaged, Path):  # pragma: no cover - e.g. a zipped installation
            raise ResourceError(
                f"{_PACKAGE} is installed as an archive ({packaged}); install it as a folder "
                "(pip does) so its studies and book sources can be read."
            )
        return packaged
    if _is_checkout(_CHECKOUT):
        return _CHECKOUT
    raise ResourceError(
        f"{_PACKAGE} was installed without its package data ({_PACKAGE}/{PACKAGED} is missing): "
        "reinstall it from a wheel or a source distribution built by setuptools."
    )


def _check_relative(relative: str) -> PurePosixPath:
    rel = PurePosixPath(relative)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"a shipped file is named relative to the repository root, got {relative!r}")
    if not any(rel.parts[: len(PurePosixPath(s).parts)] == PurePosixPath(s).parts for s in SHIPPED):
        raise ValueError(f"{relative!r} is not shipped with the library; shipped: {', '.join(SHIPPED)}")
    return rel


def path(relative: str, *, check: bool = True) -> Path:
    """The path of a shipped file or folder, in a checkout or an installed wheel alike.

    Parameters
    ----------
    relative : str
        Its path relative to the repository root, with ``/`` (for example
        ``"data/peru2004"`` or ``"data/literature/studies.csv"``); it must lie inside one of
        `SHIPPED`.
    check : bool, default True
        Raise `ResourceError` if it does not exist. With ``False`` the path is returned
        anyway (for a default whose absence a later step reports in its own words).

    Returns
    -------
    pathlib.Path
        An absolute path on the file system.

    Raises
    ------
    ValueError
        `relative` is absolute, climbs out with ``..``, or is not among the shipped files.
    ResourceError
        The file is missing (only with ``check=True``).
    """
    rel = _check_relative(relative)
    try:
        found = root().joinpath(*rel.parts)
    except ResourceError:
        if check:
            raise
        return _CHECKOUT.joinpath(*rel.parts)
    if check and not found.exists():
        raise ResourceError(f"{relative} is missing from {root()}: the installation is incomplete.")
    return found


def checkout() -> Path:
    """The root of the source checkout, for maintainers' tools that rewrite files in it.

    Returns
    -------
    pathlib.Path
        The repository root (the folder with ``pyproject.toml`` and ``lib/``).

    Raises
    ------
    ResourceError
        The library runs from an installed wheel, which has no checkout to write to.
    """
    if not _is_checkout(_CHECKOUT):
        raise ResourceError("this command rewrites files of the source checkout; run it from a clone of the repository")
    return _CHECKOUT


def study_folder(study_dir: str | Path) -> Path:
    """The study folder a chapter names, found away from the repository when it is shipped.

    A chapter's parameters cell names its study as a path in the repository's layout
    (``"../data/peru2004"``). Where that folder exists it is used as it is. Where it does not
    (a chapter downloaded from the book into an empty folder, or opened in Colab) and the path
    ends in ``data/NAME`` for a study shipped with the library, the shipped copy is used.

    Parameters
    ----------
    study_dir : str or pathlib.Path
        The folder the chapter names.

    Returns
    -------
    pathlib.Path
        `study_dir` itself when it is a folder or names no shipped study (so that loading it
        reports it missing in the usual words); otherwise the shipped study's folder.
    """
    given = Path(study_dir)
    if given.is_dir():
        return given
    parts = PurePosixPath(given.as_posix()).parts
    if len(parts) >= 2 and parts[-2] == "data":
        relative = f"data/{parts[-1]}"
        if relative in SHIPPED and relative not in ("data/paper", "data/literature", "data/README.md"):
            found = path(relative, check=False)
            if found.is_dir():
                return found
    return given
