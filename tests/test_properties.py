"""Properties of the movement computations on random studies (hypothesis).

Random ladders of 2-15 stages, any valid cutoff, 2-4 time points, random stages with
unknowns, random (accented) regions. Each property is checked against a plain count.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
import yaml as _yaml
from conftest import STUDIES, examples
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from stagesofprogress import movements as mv
from stagesofprogress.study import Study

REGIONS = ["Puno", "Cajamarca", "Ñuñoa", "Baños", "Región 5"]
SETTINGS = settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def studies(draw, max_households: int = 40) -> Study:
    n_stages = draw(st.integers(2, 15))
    cutoff = draw(st.integers(1, n_stages - 1))
    years = sorted(draw(st.sets(st.integers(1950, 2030), min_size=2, max_size=4)))
    n = draw(st.integers(1, max_households))
    stage = st.one_of(st.none(), st.integers(1, n_stages))
    cols = {
        "household_id": [f"H{i}" for i in range(n)],
        "community": [f"C{i % 3}" for i in range(n)],
        "region": draw(st.lists(st.sampled_from(REGIONS), min_size=n, max_size=n)),
    }
    for y in years:
        cols[f"stage_{y}"] = pd.array(draw(st.lists(stage, min_size=n, max_size=n)), dtype="Int64")
    hh = pd.DataFrame(cols, index=pd.RangeIndex(2, n + 2, name="row"))
    return Study(
        path=None,
        title="random",
        time_points=years,
        stages=[f"s{i}" for i in range(1, n_stages + 1)],
        poverty_cutoff=cutoff,
        households=hh,
        meta={},
    )


def known_both(study: Study, a: int, b: int) -> np.ndarray:
    return (study.households[f"stage_{a}"].notna() & study.households[f"stage_{b}"].notna()).to_numpy()


def naive_category(s0, s1, cutoff):
    if pd.isna(s0) or pd.isna(s1):
        return None
    return {
        (True, True): "remained_poor",
        (True, False): "escaped",
        (False, True): "became_poor",
        (False, False): "remained_not_poor",
    }[(s0 <= cutoff, s1 <= cutoff)]


@SETTINGS
@given(studies())
def test_categories_partition_the_known_households(study):
    for a, b in study.periods():
        cat = sop.movement_categories(study, a, b)
        known = known_both(study, a, b)
        assert (cat.notna().to_numpy() == known).all()
        naive = [
            naive_category(x, y, study.poverty_cutoff)
            for x, y in zip(study.households[f"stage_{a}"], study.households[f"stage_{b}"])
        ]
        assert [None if pd.isna(v) else v for v in cat] == naive
        counts = sop.movement_counts(study, a, b)
        regions = study.households["region"]
        for g in study.regions:
            in_g = (regions == g).to_numpy()
            assert counts.loc[g, mv.CATEGORIES].sum() == (in_g & known).sum()
            assert counts.loc[g, "unknown"] == (in_g & ~known).sum()
            for c in mv.CATEGORIES:
                assert counts.loc[g, c] == ((cat == c).to_numpy() & in_g).sum()
        assert counts.loc[mv.ALL, mv.CATEGORIES].sum() == known.sum()
        assert counts.loc[mv.ALL].sum() == len(study.households)


@SETTINGS
@given(studies())
def test_percents_add_to_100_per_group(study):
    t = sop.all_movements(study)
    assert len(t) == len(study.periods()) * (len(study.regions) + 1) * 4
    for _key, part in t.groupby(["start", "end", "group"], sort=False):
        assert part["category"].tolist() == mv.CATEGORIES
        n = part["households"].sum()
        if n:
            assert part["percent"].sum() == pytest.approx(100.0)
            assert part["percent"].tolist() == pytest.approx((100.0 * part["households"] / n).tolist(), rel=1e-12)
        else:
            assert part["percent"].isna().all()


@SETTINGS
@given(studies())
def test_all_is_the_sum_of_the_regions(study):
    for a, b in study.periods():
        counts = sop.movement_counts(study, a, b)
        regions = counts.drop(index=mv.ALL)
        assert regions.index.tolist() == study.regions
        assert (regions.sum() == counts.loc[mv.ALL]).all()
        assert (sop.movement_counts(study, a, b, by=None).loc[mv.ALL] == counts.loc[mv.ALL]).all()


@SETTINGS
@given(studies())
def test_counts_agree_with_the_transition_matrix(study):
    c = study.poverty_cutoff
    for a, b in study.periods():
        counts = sop.movement_counts(study, a, b)
        for g in [None, *study.regions]:
            m = sop.transition_matrix(study, a, b, group=None if g is None else ("region", g)).to_numpy()
            row = counts.loc[mv.ALL if g is None else g]
            # the poor / non-poor quadrants are the four categories
            assert [m[:c, :c].sum(), m[:c, c:].sum(), m[c:, :c].sum(), m[c:, c:].sum()] == row[mv.CATEGORIES].tolist()
            # the margins are the stage distributions of the households known in both years
            hh = study.households if g is None else study.households[study.households["region"] == g]
            known = hh[f"stage_{a}"].notna() & hh[f"stage_{b}"].notna()
            start = hh.loc[known, f"stage_{a}"].value_counts().reindex(range(1, study.n_stages + 1), fill_value=0)
            end = hh.loc[known, f"stage_{b}"].value_counts().reindex(range(1, study.n_stages + 1), fill_value=0)
            assert m.sum(axis=1).tolist() == start.tolist()
            assert m.sum(axis=0).tolist() == end.tolist()
        norm = sop.transition_matrix(study, a, b, normalize=True)
        sums = norm.sum(axis=1, min_count=1).dropna()
        assert np.allclose(sums, 1.0)


@SETTINGS
@given(studies())
def test_summary_and_rates_agree_with_the_counts(study):
    for a, b in study.periods():
        s = sop.movement_summary(study, a, b)
        counts = sop.movement_counts(study, a, b)
        assert (s["households"] == counts[mv.CATEGORIES].sum(axis=1)).all()
        ok = s["households"] > 0
        assert np.allclose(s.loc[ok, "poor_at_start"], s.loc[ok, "remained_poor"] + s.loc[ok, "escaped"])
        assert np.allclose(s.loc[ok, "poor_at_end"], s.loc[ok, "remained_poor"] + s.loc[ok, "became_poor"])
        assert s.loc[~ok, mv.CATEGORIES].isna().all().all()
    rates = sop.poverty_rates(study)
    status = sop.poverty_status(study)
    for y in study.time_points:
        r = rates[(rates.year == y) & (rates.group == mv.ALL)].iloc[0]
        col = status[y]
        assert r.households == col.notna().sum()
        if r.households:
            assert r.percent_poor == pytest.approx(100.0 * col.sum() / col.notna().sum())


@settings(
    max_examples=examples(10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(study=studies(max_households=15))
def test_csv_round_trip_loads_the_same_study(study, tmp_path_factory):
    """A random study written as the contract's files loads back to the same frame."""
    folder = tmp_path_factory.mktemp("rt")
    hh = study.households
    meta = {
        "title": "random",
        "time_points": study.time_points,
        "stages": study.stages,
        "poverty_cutoff": study.poverty_cutoff,
    }
    import yaml

    (folder / "study.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    hh.to_csv(folder / "households.csv", index=False)
    loaded = sop.load_study(folder)
    pd.testing.assert_frame_equal(loaded.households, hh, check_dtype=False)
    pd.testing.assert_frame_equal(sop.all_movements(loaded), sop.all_movements(study))


# --------------------------------------------------------------------------- validation never crashes

_YML = "title: t\ntime_points: [1994, 2004]\nstages: [a, b, c]\npoverty_cutoff: 1\n"
_CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "1",
            "2",
            "3",
            "4",
            "0",
            "-1",
            "3.5",
            "x",
            "nan",
            "inf",
            "1e3",
            '"',
            '""',
            "\r",
            "Ñ",
            "\ufeff",
            '"a,b"',
            "H1",
            "\t",
        ]
    ),
    st.text(max_size=4),
)
_HEADER = st.one_of(
    st.sampled_from(
        [
            "household_id",
            "community",
            "region",
            "stage_1994",
            "stage_2004",
            "",
            " region",
            "Unnamed: 2",
            "x.1",
            "household_id.1",
        ]
    ),
    st.text(max_size=5),
)


@st.composite
def messy_csv(draw) -> bytes:
    header = draw(st.lists(_HEADER, max_size=7))
    rows = draw(st.lists(st.lists(_CELL, max_size=8), max_size=6))
    nl = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = nl.join([",".join(header)] + [",".join(r) for r in rows])
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"])), errors="replace")


_MESSY_YML = st.one_of(
    st.just(_YML),
    st.text(max_size=60),
    st.builds(
        lambda a, b: _YML.replace(a, b),
        st.sampled_from(["1994", "[a, b, c]", "1\n", "t\n", "title", ": "]),
        st.text(max_size=8),
    ),
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=messy_csv(), yml=_MESSY_YML)
def test_validation_reports_instead_of_crashing(raw, yml, tmp_path_factory):
    """Whatever the bytes, validate() returns problems (or a study); it never raises."""
    folder = tmp_path_factory.mktemp("messy")
    (folder / "households.csv").write_bytes(raw)
    (folder / "study.yml").write_text(yml, encoding="utf-8", errors="replace")
    problems, study = sop.validate(folder)
    assert (study is None) == bool(problems)
    for p in problems:
        assert isinstance(p, sop.Problem) and str(p)
    if study is not None:
        sop.all_movements(study)


# --------------------------------------------------------------------------- validate is the one gate
# Generated and mutated studies (the hostile corpus's complete base study, then random damage):
# when `validate` accepts one, every table is computed and written; when it refuses one,
# `sop tables` refuses it too (exit 1), printing the same problems and writing nothing.


def _load_hostile():
    spec = importlib.util.spec_from_file_location("make_hostile", STUDIES / "make_hostile.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_HOSTILE = _load_hostile()
_BASE = _HOSTILE.BASE
_CSV_FILES = [f for f in _BASE if f.endswith(".csv")]
_GARBAGE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "All",
            "all",
            "0",
            "-1",
            "1.5",
            "99",
            "1979",
            "2004",
            "1980",
            "nan",
            "x",
            "Ba\u0301nos",
            "Ba\u00f1os",
            "H01",
            "North",
            "\u200b",
            "a\x00b",
            "=1+1",
            '"',
            "improved",
            "beef",
            "health",
        ]
    ),
    st.text(max_size=5),
)
_YAML_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2010),
    st.sampled_from(["false", "escaped", "log", "cube", "North", ""]),
    st.lists(st.integers(1975, 2010), max_size=3),
    st.lists(st.sampled_from(["a", "b", "Food"]), max_size=3),
    st.dictionaries(st.sampled_from(["x", "name", "1", "years"]), st.integers(0, 3), max_size=2),
)


class _NoAliasDumper(_yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _paths(obj, path=()):
    """Every key path of a nested study.yml (mappings and lists)."""
    out = [path] if path else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, path + (i,))
    return out


def _parent(meta, path):
    for k in path[:-1]:
        meta = meta[k]
    return meta


@st.composite
def _csv_mutation(draw, files):
    name = draw(st.sampled_from([f for f in _CSV_FILES if f in files]))
    lines = files[name].splitlines()
    r = draw(st.integers(0, len(lines) - 1))
    cells = lines[r].split(",")
    c = draw(st.integers(0, len(cells) - 1))
    kind = draw(st.sampled_from(["drop_cell", "duplicate_cell", "garble", "duplicate_row", "drop_row", "drop_file"]))
    if kind == "drop_cell":
        del cells[c]
    elif kind == "duplicate_cell":
        cells.insert(c, cells[c])
    elif kind == "garble":
        g = draw(_GARBAGE)
        cells[c] = '"' + g.replace('"', '""') + '"' if any(ch in g for ch in ',"\n\r') else g
    elif kind == "duplicate_row":
        lines.insert(r, lines[r])
    elif kind == "drop_row" and len(lines) > 2:
        del lines[r]
    elif kind == "drop_file":
        files.pop(name)
        return kind
    if kind in ("drop_cell", "duplicate_cell", "garble"):
        lines[r] = ",".join(cells)
    files[name] = "\n".join(lines) + "\n"
    return kind


@st.composite
def _yml_mutation(draw, meta):
    paths = _paths(meta)
    path = draw(st.sampled_from(paths))
    parent = _parent(meta, path)
    kind = draw(st.sampled_from(["set", "delete", "rename", "reverse_period"]))
    if kind == "reverse_period":
        for p in (("models", "escape", "period"), ("livestock", "years")):
            try:
                v = _parent(meta, p + (None,))
            except (KeyError, TypeError, IndexError):
                continue
            if isinstance(v, list):
                v.reverse()
    elif kind == "set":
        parent[path[-1]] = draw(_YAML_VALUES)
    elif kind == "delete" and isinstance(parent, (dict, list)):
        del parent[path[-1]]
    elif kind == "rename" and isinstance(parent, dict):
        parent[str(path[-1]) + draw(st.sampled_from(["_", "s", "x"]))] = parent.pop(path[-1])
    return kind


@st.composite
def mutated_studies(draw) -> dict[str, str]:
    files = dict(_BASE)
    meta = _yaml.safe_load(_BASE["study.yml"])
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            draw(_csv_mutation(files))
        else:
            draw(_yml_mutation(meta))
    files["study.yml"] = _yaml.dump(meta, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True)
    return files


def _write(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _sop_tables(folder, out) -> tuple[int, str]:
    from stagesofprogress import cli

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["tables", "--data", str(folder), "--out", str(out)])
    return code, err.getvalue()


GATE = settings(max_examples=examples(60), derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))


@GATE
@given(files=mutated_studies())
def test_validate_is_the_one_gate(files, tmp_path_factory):
    from stagesofprogress.outputs import write_tables

    root = tmp_path_factory.mktemp("gate")
    folder = _write(root / "study", files)
    problems, study = sop.validate(folder)
    out = root / "out"
    if study is not None:
        tables = write_tables(study, out)  # the tables compute_tables(study) gave, as written (computed once)
        assert tables
        assert sorted(p.name for p in out.iterdir()) == sorted([*tables, ".sop-output"])
    else:
        code, err = _sop_tables(folder, out)
        assert code == 1
        assert "Traceback" not in err
        for p in problems:
            assert f"  - {p}" in err
        assert not out.exists()


def test_the_gate_sees_both_sides():
    """The mutations are neither all harmless nor all fatal (else the property above proves little)."""
    import tempfile
    from pathlib import Path

    from hypothesis import find

    with tempfile.TemporaryDirectory() as d:

        def verdict(files, tag):
            folder = _write(Path(d) / f"{tag}{len(list(Path(d).iterdir()))}", files)
            return bool(sop.validate(folder)[0])

        # the first example found is enough: no shrinking (Phase.shrink) to a minimal one
        find(
            mutated_studies(),
            lambda f: verdict(f, "bad"),
            settings=settings(derandomize=True, database=None, deadline=None, phases=[Phase.generate]),
        )
        find(
            mutated_studies(),
            lambda f: not verdict(f, "ok"),
            settings=settings(derandomize=True, database=None, deadline=None, phases=[Phase.generate]),
        )


ACCEPTED_CHANGES = ("unknown_key", "short_row")


def _accepted_change(files: dict, change: str) -> dict:
    """The base study's files with one change that `validate` accepts."""
    files = dict(files)
    if change == "unknown_key":
        files["study.yml"] += "license: MIT\n"
    elif change == "short_row":
        lines = files["households.csv"].splitlines()
        lines[3] = lines[3].rsplit(",", 1)[0]
        files["households.csv"] = "\n".join(lines) + "\n"
    return files


def write_accepted_mutations(folder) -> dict:
    """Write the base study with every change of ACCEPTED_CHANGES at once into `folder` (the one
    study conftest's `accepted_book` builds): {"problems": validate's problems of each change
    alone, of the base and of them all together}."""
    import tempfile
    from pathlib import Path

    files = dict(_BASE)
    for change in ACCEPTED_CHANGES:
        files = _accepted_change(files, change)
    _write(Path(folder), files)
    problems = {"all": sop.validate(folder)[0]}
    with tempfile.TemporaryDirectory() as d:
        for change in ("base", *ACCEPTED_CHANGES):
            one = _write(Path(d) / change, _accepted_change(_BASE, change))
            problems[change] = sop.validate(one)[0]
    return {"problems": problems}


@pytest.mark.slow
def test_book_builds_when_validate_accepts(accepted_book):
    """`sop book` succeeds on a study that `validate` accepts although it carries every change of
    ACCEPTED_CHANGES (one book for all of them, built by conftest's `accepted_book`)."""
    problems = accepted_book.extra["problems"]
    assert set(problems) == {"all", "base", *ACCEPTED_CHANGES}
    assert not any(problems.values()), problems
    r = accepted_book
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_book_refuses_with_the_validate_report(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    files = dict(_BASE)
    files["study.yml"] = files["study.yml"].replace("period: [1979, 2004]", "period: [2004, 1979]")
    folder = _write(tmp_path / "study", files)
    problems, _ = sop.validate(folder)
    assert problems
    sop_cmd = Path(sys.executable).with_name("sop")
    r = subprocess.run(
        [str(sop_cmd), "book", "--data", str(folder), "--out", str(tmp_path / "book")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 1
    for p in problems:
        assert str(p) in r.stderr
    assert not (tmp_path / "book").exists()


def test_the_whole_suite_runs_every_example_and_the_fast_lane_a_quarter():
    """`tasks.py test --fast` picks the Hypothesis profile that `examples` scales down; every other
    run keeps the counts the tests name. Both profiles draw the same examples on every run."""
    import sys
    from pathlib import Path

    from conftest import FAST_MIN_EXAMPLES

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    try:
        import tasks
    finally:
        sys.path.remove(str(root))
    assert "--hypothesis-profile=sop-fast" in tasks.pytest_args(["--fast"])
    assert not any("hypothesis" in a for a in tasks.pytest_args([]))
    for name in ("sop-full", "sop-fast"):
        profile = settings.get_profile(name)
        assert profile.derandomize and profile.database is None, name
    fast = settings.get_current_profile_name() == "sop-fast"
    assert examples(60) == (15 if fast else 60) and examples(150) == (37 if fast else 150)
    assert examples(10) == (FAST_MIN_EXAMPLES if fast else 10)
    assert SETTINGS.max_examples == examples(40) and GATE.max_examples == examples(60)
