"""Reading a file of a study folder without trusting it.

A study folder may hold anything: a symbolic link to a file elsewhere on disk, a named
pipe (FIFO) that would block a reader for ever, a device, a folder where a file should
be, a file nobody may read, or a file of many gigabytes. `read_bytes` looks at the path
with `os.lstat`/`os.stat` first, opens it without blocking, checks the opened file is a
regular file, and reads at most a bounded number of bytes. Every failure is a plain
`Problem`, never an exception.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .problem import Problem

__all__ = ["MAX_CSV_BYTES", "MAX_YAML_BYTES", "inside", "read_bytes"]

#: Largest study.yml read (a real one is a few kilobytes).
MAX_YAML_BYTES = 1 << 20
#: Largest CSV table read (about a million households with a dozen time points).
MAX_CSV_BYTES = 256 << 20


def inside(path: Path, folder: Path) -> bool:
    """True when `path`, with every symbolic link followed, lies in `folder` (also resolved).

    Parameters
    ----------
    path : pathlib.Path
        A file or folder.
    folder : pathlib.Path
        The folder it must lie in (it may be `folder` itself).

    Returns
    -------
    bool
        ``False`` as well when a path cannot be resolved.
    """
    try:
        real, root = os.path.realpath(path), os.path.realpath(folder)
    except (OSError, ValueError):
        return False
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "is not a file: it is a folder"
    if stat.S_ISFIFO(mode):
        return "is not a file: it is a named pipe (FIFO), and it was not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is not a file: it is a device, and it was not read"
    if stat.S_ISSOCK(mode):
        return "is not a file: it is a socket, and it was not read"
    if not stat.S_ISREG(mode):
        return "is not a file, and it was not read"
    return None


def _os_message(e: OSError) -> str:
    if e.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied. Make the file readable (chmod u+r) and try again."
    if e.errno == errno.ELOOP:
        return "is a symbolic link that loops; it was not read."
    reason = e.strerror or e.__class__.__name__
    return f"cannot be read: {reason}."


def read_bytes(folder: Path, fname: str, limit: int, problems: list[Problem]) -> bytes | None:
    """The bytes of `folder/fname`, or None after adding a problem that says why not.

    Symbolic links, FIFOs, devices and folders are refused without being opened, and so is a
    file larger than `limit`. The caller checks that the file exists (missing files are reported
    by the contract).

    Parameters
    ----------
    folder : pathlib.Path
        The study folder.
    fname : str
        The file's name inside it.
    limit : int
        The largest size accepted, in bytes.
    problems : list of Problem
        Appended to when the file cannot be read.

    Returns
    -------
    bytes or None
        The content; ``None`` when refused or unreadable.
    """
    path = Path(folder) / fname
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            if not inside(path, folder):
                problems.append(
                    Problem(
                        fname,
                        None,
                        None,
                        "is a symbolic link to a file outside the study folder; copy the file into the study instead.",
                    )
                )
                return None
            st = os.stat(path)
        what = _kind(st.st_mode)
        if what:
            problems.append(Problem(fname, None, None, f"{what}."))
            return None
        if st.st_size > limit:
            problems.append(
                Problem(
                    fname,
                    None,
                    None,
                    f"is too large ({st.st_size:,} bytes); the limit for this file is {limit:,} bytes.",
                )
            )
            return None
        # O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            what = _kind(os.fstat(fd).st_mode)
            if what:
                problems.append(Problem(fname, None, None, f"{what}."))
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(limit + 1)
        finally:
            os.close(fd)
    except OSError as e:
        problems.append(Problem(fname, None, None, _os_message(e)))
        return None
    if len(data) > limit:
        problems.append(Problem(fname, None, None, f"is too large; the limit for this file is {limit:,} bytes."))
        return None
    return data
