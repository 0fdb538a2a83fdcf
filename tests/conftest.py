"""Shared test helpers: where the fixture studies live, writing a small study, running `sop`."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TESTS = Path(__file__).resolve().parent
STUDIES = TESTS / "studies"
SOP = Path(sys.executable).with_name("sop")  # the venv's console script


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (relative path -> digest); {} when it does not exist."""
    folder = Path(folder)
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def write_study(tmp_path):
    """Factory: write study.yml (a dict or text) and households.csv (text or bytes); return the folder."""

    def write(meta: dict | str, households: str | bytes, name: str = "study", **other_files) -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        text = meta if isinstance(meta, str) else yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
        (folder / "study.yml").write_text(text, encoding="utf-8")
        data = households if isinstance(households, bytes) else households.encode("utf-8")
        (folder / "households.csv").write_bytes(data)
        for fname, content in other_files.items():
            (folder / fname).write_text(content, encoding="utf-8")
        return folder

    return write


@pytest.fixture
def sop_main(capsys):
    """Run `sop` in-process: sop_main("validate", "--data", path) -> (exit code, stdout, stderr)."""
    from stagesofprogress import cli

    def run(*args) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def sop_run():
    """Run the installed `sop` command as a subprocess -> CompletedProcess (text)."""

    def run(*args, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([str(SOP), *map(str, args)], capture_output=True, text=True, encoding="utf-8", **kw)

    return run
