"""Output folders: the one rule every `sop` command that writes a folder follows.

A command replaces its output folder as a whole, so it must never be pointed at something it
did not write. `check_out` decides; `staging` builds the new folder beside the target and swaps
it into place; `write_folder` does both for a {name: bytes} mapping.

The rule: write only into a folder that does not exist, is empty, or carries the marker file
(`MARKER`) that `sop` left in every folder it wrote. Always refuse the filesystem root, the home
folder and its parents, the working folder and its parents, the study being read and anything
inside it (its ``paper:`` folder included) or holding it, a file and a symlink.

The swap is two renames under an exclusive lock on the parent folder, so concurrent runs on one
target each finish cleanly and leave one complete output; any failure (a full disk, a denied
permission, an interrupt) removes the temporary folder and leaves the previous output as it was.
New folders get the mode the umask gives, as `mkdir` would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from .study import Study

__all__ = [
    "MARKER",
    "OutputError",
    "Interrupted",
    "check_out",
    "staging",
    "write_folder",
    "swap_into",
    "umask_mode",
    "paper_folder",
    "handle_signals",
    "restore_signals",
    "io_message",
]

MARKER = ".sop-output"
# markers left by earlier versions of `sop book`
_OLD_MARKERS = (".sop-book",)


class OutputError(Exception):
    """The output folder cannot be used; the message says why in one sentence."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; raised in the main thread so that cleanup code runs."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_signal(signum, _frame):
    # one interrupt is enough: further ones must not cut the cleanup short
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


def handle_signals() -> dict:
    """Turn SIGINT and SIGTERM into `Interrupted`, so temporary folders are removed on the way out.

    Does nothing outside the main thread.

    Returns
    -------
    dict
        The previous handlers by signal, for `restore_signals` (empty outside the main thread).
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}


def restore_signals(previous: dict) -> None:
    """Put back the handlers `handle_signals` replaced.

    Parameters
    ----------
    previous : dict
        What `handle_signals` returned.
    """
    for s, h in previous.items():
        signal.signal(s, h if h is not None else signal.SIG_DFL)


def io_message(e: OSError, what: str) -> str:
    """A plain sentence for an I/O failure (no traceback): what failed, on which path, why.

    Parameters
    ----------
    e : OSError
        The error.
    what : str
        What could not be done, as a verb phrase ("write the tables").

    Returns
    -------
    str
        ``Could not <what> (<path>): <reason>.``
    """
    where = f" ({e.filename})" if e.filename else ""
    return f"Could not {what}{where}: {e.strerror or e}."


def umask_mode(kind: str = "dir") -> int:
    """The mode `mkdir` or `open` would give under the current umask.

    Parameters
    ----------
    kind : str
        ``dir`` (from 0o777) or ``file`` (from 0o666).

    Returns
    -------
    int
        The permission bits.
    """
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if kind == "dir" else 0o666) & ~mask


def paper_folder(study: Study | None) -> Path | None:
    """The folder a study's ``paper:`` names (relative to the study folder).

    Parameters
    ----------
    study : Study or None
        A loaded study.

    Returns
    -------
    pathlib.Path or None
        ``None`` when there is no study or it names no paper.
    """
    p = study.meta.get("paper") if study is not None else None
    return Path(study.path) / str(p) if p else None


def _marked(folder: Path) -> bool:
    return any((folder / m).is_file() and not (folder / m).is_symlink() for m in (MARKER, *_OLD_MARKERS))


def _inside(p: Path, folder: Path) -> bool:
    return p == folder or folder in p.parents


def _forbidden(p: Path, out: Path, study: Path | None, paper: Path | None) -> str | None:
    """Why the absolute, resolved `p` may never be an output folder, or None."""
    if p == Path(p.anchor):
        return f"--out {out} is the root of the filesystem"
    here = Path.cwd().resolve()
    if _inside(here, p):
        return f"--out {out} is the folder you are working in" + (" or holds it" if p != here else "")
    home = Path.home().resolve()
    if _inside(home, p):
        return f"--out {out} is your home folder" + (" or holds it" if p != home else "")
    if study is not None:
        s = study.resolve()
        if _inside(p, s) or _inside(s, p):
            return (
                f"--out {out} is "
                + (
                    "the study folder"
                    if p == s
                    else "inside the study folder"
                    if _inside(p, s)
                    else "a folder holding the study"
                )
                + f" {study}"
            )
    if paper is not None:
        q = paper.resolve()
        if _inside(p, q) or _inside(q, p):
            return f"--out {out} is the study's paper: folder {paper} or overlaps it"
    return None


def _existing(p: Path, out: Path, command: str | None) -> str | None:
    """Why the current content at `p` may not be replaced, or None (absent, empty or marked)."""
    if p.is_symlink():
        return f"--out {out} is a symbolic link; name a real folder"
    if not p.exists():
        return None
    if not p.is_dir():
        return f"--out {out} is a file, not a folder"
    try:
        empty = next(p.iterdir(), None) is None
    except OSError as e:
        return f"--out {out} cannot be read ({e.strerror})"
    if empty or _marked(p):
        return None
    return (
        f"--out {out} already holds files that sop did not write (it has no {MARKER} marker), "
        f"and {f'`sop {command}`' if command else 'sop'} replaces the folder as a whole"
    )


def check_out(
    out: str | Path, command: str | None, *, study: str | Path | None = None, paper: str | Path | None = None
) -> Path:
    """Return the absolute path of a safe output folder, or raise `OutputError` saying why not.

    Parameters
    ----------
    out : str or pathlib.Path
        The folder the user named with ``--out``.
    command : str or None
        The `sop` subcommand writing it (for the messages and the marker).
    study, paper : str or pathlib.Path, optional
        The study folder being read and its ``paper:`` folder, if any.

    Returns
    -------
    pathlib.Path
        `out` made absolute.

    Raises
    ------
    OutputError
        `out` is a folder sop must not replace (the message says why).
    """
    out = Path(out)
    absolute = Path(os.path.abspath(out))
    if absolute.is_symlink():
        raise OutputError(f"--out {out} is a symbolic link; name a real folder. Nothing was written to {out}.")
    p = absolute.resolve()
    why = _forbidden(p, out, Path(study) if study is not None else None, Path(paper) if paper is not None else None)
    if why is None:
        why = _existing(p, out, command)
    if why is not None:
        raise OutputError(f"{why}; choose a new or empty folder. Nothing was written to {out}.")
    return p


# The same bytes whichever command wrote the folder (and whatever sop version): outputs stay
# byte-identical for the same input.
MARKER_TEXT = (
    b"Written by sop (stagesofprogress). sop replaces this folder as a whole when asked to write "
    b"here again; delete this file to protect the folder from that.\n"
)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` itself (no lock file is left behind)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def swap_into(out: Path, staged: Path, command: str | None = None) -> None:
    """Replace `out` by the finished folder `staged` (a sibling), atomically.

    Two renames under a lock on the parent, the old copy removed last. The target is checked
    again under the lock, so a folder filled by someone else meanwhile is refused, not replaced.

    Parameters
    ----------
    out : pathlib.Path
        The output folder.
    staged : pathlib.Path
        The finished folder beside it.
    command : str, optional
        The sop command, for the check of `out`.

    Raises
    ------
    OutputError
        When `out` has become a folder sop may not replace.
    """
    out, staged = Path(out), Path(staged)
    parent = out.parent
    old = None
    with _locked(parent):
        why = _existing(out, out, command)
        if why is not None:
            raise OutputError(f"{why}; choose a new or empty folder. Nothing was written to {out}.")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.replace(out, old)  # rename over the empty directory just made
        try:
            os.replace(staged, out)
        except BaseException:
            if old is not None:
                os.replace(old, out)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _make_parents(folder: Path) -> list[Path]:
    """mkdir -p `folder`; return the folders created (deepest last), to undo on failure."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    for m in reversed(missing):
        os.mkdir(m)
    return list(reversed(missing))


@contextlib.contextmanager
def staging(
    out: str | Path,
    command: str | None,
    *,
    study: str | Path | None = None,
    paper: str | Path | None = None,
    checked: bool = False,
) -> Iterator[Path]:
    """Yield an empty temporary folder beside `out`; when the block succeeds, swap it into place.

    The folder is marked as written by sop and then swapped into place as `out`. On any
    exception (I/O error, interrupt) the temporary folder and any parent folders made for it are
    removed and `out` is left as it was.

    Parameters
    ----------
    out : str or pathlib.Path
        The output folder.
    command : str or None
        The sop command, recorded in the marker and used by the checks.
    study : str or pathlib.Path, optional
        The study folder: `out` may not be inside it.
    paper : str or pathlib.Path, optional
        The study's paper folder: `out` may not be inside it.
    checked : bool
        ``True`` skips `check_out` (the caller ran it already, before slow work).

    Yields
    ------
    pathlib.Path
        The temporary folder to fill.

    Raises
    ------
    OutputError
        When `out` is a folder sop may not replace.
    """
    target = Path(os.path.abspath(out)).resolve() if checked else check_out(out, command, study=study, paper=paper)
    created = _make_parents(target.parent)
    tmp = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        yield tmp
        (tmp / MARKER).write_bytes(MARKER_TEXT)
        os.chmod(tmp, umask_mode("dir"))
        swap_into(target, tmp, command)
        tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
            for c in reversed(created):
                with contextlib.suppress(OSError):
                    c.rmdir()


def write_folder(
    out: str | Path,
    files: dict[str, bytes],
    command: str | None,
    *,
    study: str | Path | None = None,
    paper: str | Path | None = None,
    checked: bool = False,
) -> Path:
    """Write files as the folder `out` (checked, staged, swapped).

    Parameters
    ----------
    out : str or pathlib.Path
        The output folder.
    files : dict of str to bytes
        Relative file name to content.
    command : str or None
        The sop command.
    study : str or pathlib.Path, optional
        The study folder: `out` may not be inside it.
    paper : str or pathlib.Path, optional
        The study's paper folder.
    checked : bool
        ``True`` when `check_out` was run already.

    Returns
    -------
    pathlib.Path
        The absolute, resolved output folder.

    Raises
    ------
    OutputError
        When `out` is a folder sop may not replace.
    """
    with staging(out, command, study=study, paper=paper, checked=checked) as tmp:
        for name, data in sorted(files.items()):
            p = tmp / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
    return Path(os.path.abspath(out)).resolve()
