"""Reports of study folders already checked in this process, kept while the folder is unchanged.

Every chapter of a book loads its study (``load_study``) and a kernel that runs the chapters one
after the other would read and check the same files each time: about 0.15 s for the Peru study's
CSV files and 0.5 s for a workbook, fifteen times over. :func:`cached` keeps the last few
reports, each under the folder's *fingerprint* (every entry's name, type, inode, size,
modification and change times, read with ``stat`` and never by opening a file), and returns a
deep copy of the kept report while the fingerprint is the same: a chapter that changes its study
changes only its copy.

Nothing is kept for a folder that holds anything but regular files and folders (a symbolic link,
a FIFO, a device: what they point to can change without the folder changing) or more than
:data:`MAX_ENTRIES` entries, or when the folder cannot be listed: those are checked every time.
A file rewritten in place changes its change time (``st_ctime_ns``, which no program can set
back), so an edit between two loads is always seen.
"""

from __future__ import annotations

import copy
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["KEEP", "MAX_ENTRIES", "cached", "clear", "fingerprint"]

#: Reports kept (the least recently used is dropped first).
KEEP = 4
#: Entries (files and folders, at any depth) above which a folder is not fingerprinted.
MAX_ENTRIES = 256

R = TypeVar("R")
_kept: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def fingerprint(folder: str | Path) -> tuple | None:
    """What identifies a folder's contents without opening a file, or ``None`` (not cacheable).

    Parameters
    ----------
    folder : str or pathlib.Path
        The study folder.

    Returns
    -------
    tuple or None
        The resolved folder and, sorted, every entry's relative name, type, inode, size,
        modification and change times; ``None`` when the folder is missing or cannot be listed,
        holds anything but regular files and folders, or has more than `MAX_ENTRIES` entries.
    """
    try:
        root = Path(folder).resolve(strict=True)
        top = os.stat(root)
        if not stat.S_ISDIR(top.st_mode):
            return None
        entries = [("", "d", top.st_dev, top.st_ino, top.st_mtime_ns, top.st_ctime_ns)]
        pending = [(str(root), "")]
        while pending:
            where, rel = pending.pop()
            with os.scandir(where) as listing:
                for entry in listing:
                    if len(entries) > MAX_ENTRIES:
                        return None
                    st = entry.stat(follow_symlinks=False)
                    name = rel + entry.name
                    if stat.S_ISDIR(st.st_mode):
                        kind = "d"
                        pending.append((entry.path, name + "/"))
                    elif stat.S_ISREG(st.st_mode):
                        kind = "f"
                    else:
                        return None
                    entries.append((name, kind, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    except (OSError, RuntimeError, ValueError):
        return None
    return (str(root), tuple(sorted(entries)))


def cached(path: str | Path, make: Callable[[str | Path], R]) -> R:
    """``make(path)``, or a deep copy of what it gave for the same, unchanged folder.

    Parameters
    ----------
    path : str or pathlib.Path
        The study folder, as the caller gave it (reports name files by it, so a relative path
        is kept apart from an absolute one, and from the same relative path in another folder).
    make : callable
        Checks the folder (``study.check`` without the cache).

    Returns
    -------
    object
        What `make` returns, never an object another caller holds.
    """
    found = fingerprint(path)
    try:
        here = os.getcwd()  # a relative path means another folder elsewhere
    except OSError:  # the working folder was removed: nothing to key on
        found = None
    if found is None:
        return make(path)
    key = (os.fspath(path), here, found)
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
            return copy.deepcopy(kept)
    made = make(path)
    if fingerprint(path) != found:  # changed while it was read: keep nothing
        return made
    with _lock:
        _kept[key] = copy.deepcopy(made)
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return made


def clear() -> None:
    """Forget every kept report.

    Returns
    -------
    None
    """
    with _lock:
        _kept.clear()
