"""A study folder checked before in this process is not read again while it is unchanged."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from stagesofprogress import study as study_module
from stagesofprogress import studycache
from stagesofprogress.study import check, load_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path):
    studycache.clear()
    dst = tmp_path / "study"
    shutil.copytree(ROOT / "data" / "example", dst)
    yield dst
    studycache.clear()


@pytest.fixture
def reads(monkeypatch):
    """How many times a folder is really read and checked."""
    calls = []
    real = study_module._check

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(study_module, "_check", counting)
    return calls


def test_an_unchanged_folder_is_read_once_and_every_caller_gets_its_own_copy(folder, reads):
    a = load_study(folder)
    b = load_study(folder)
    assert len(reads) == 1
    assert a is not b and a.households is not b.households
    b.households.loc[b.households.index[0], "community"] = "changed"
    b.meta["title"] = "changed"
    c = load_study(folder)
    assert c.households.equals(a.households) and c.meta == a.meta
    assert len(reads) == 1


def test_an_edit_in_place_is_seen_even_with_the_same_size_and_modification_time(folder, reads):
    yml = folder / "study.yml"
    first = load_study(folder)
    st = yml.stat()
    text = yml.read_text(encoding="utf-8")
    edited = text.replace(first.title, first.title[::-1], 1)
    assert edited != text and len(edited.encode()) == len(text.encode())
    yml.write_text(edited, encoding="utf-8")
    os.utime(yml, ns=(st.st_atime_ns, st.st_mtime_ns))  # the change time cannot be set back
    again = load_study(folder)
    assert again.title == first.title[::-1]
    assert len(reads) == 2


def test_a_new_file_is_seen(folder, reads):
    assert check(folder).valid
    (folder / "households.csv").rename(folder / "households.old")
    report = check(folder)
    assert not report.valid and any("households" in str(p) for p in report.problems)
    assert len(reads) == 2


def test_a_folder_with_a_symbolic_link_is_read_every_time(folder, reads):
    (folder / "link").symlink_to(folder / "study.yml")
    assert studycache.fingerprint(folder) is None
    load_study(folder)
    load_study(folder)
    assert len(reads) == 2


def test_a_study_keeps_the_path_its_caller_gave(folder, reads, monkeypatch):
    absolute = load_study(folder)
    monkeypatch.chdir(folder.parent)
    relative = load_study("study")
    assert len(reads) == 2
    assert absolute.path == folder and relative.path == Path("study")
    other = folder.parent / "elsewhere"
    shutil.copytree(folder, other / "study")
    monkeypatch.chdir(other)  # another folder of the same relative name
    load_study("study")
    assert len(reads) == 3


def test_only_the_last_few_reports_are_kept(tmp_path, reads):
    studycache.clear()
    folders = []
    for i in range(studycache.KEEP + 1):
        shutil.copytree(ROOT / "data" / "example", tmp_path / f"s{i}")
        folders.append(tmp_path / f"s{i}")
        load_study(folders[-1])
    load_study(folders[-1])
    assert len(reads) == studycache.KEEP + 1
    load_study(folders[0])  # dropped: read again
    assert len(reads) == studycache.KEEP + 2
    studycache.clear()


def test_a_huge_folder_is_not_fingerprinted(folder):
    for i in range(studycache.MAX_ENTRIES + 1):
        (folder / f"extra{i}.txt").write_text("", encoding="utf-8")
    assert studycache.fingerprint(folder) is None
