"""`sop simulate` / `sop.simulate`: valid, deterministic, calibrated, and clear about bad parameters."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import stagesofprogress as sop
import yaml
from stagesofprogress import reasons as rs
from stagesofprogress.cli import main
from stagesofprogress.simulation import SimulationError, SimulationParams, simulate, simulate_files

ROOT = Path(__file__).resolve().parents[1]
TEACHING = ROOT / "data" / "teaching"


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def test_default_simulation_is_valid(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "escaped 20.0% (asked 20.0%)" in out
    assert main(["validate", "--data", str(tmp_path / "s")]) == 0
    study = sop.load_study(tmp_path / "s")
    assert len(study.households) == 300
    assert study.n_stages == 10 and study.poverty_cutoff == 5
    assert study.time_points == [2010, 2024]
    assert study.synthetic
    assert "not field data" in study.title
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [".sop-output", "households.csv", "study.yml"]


def test_same_seed_same_bytes_other_seed_other_bytes():
    kw = dict(households=500, years=(2000, 2010, 2020), with_reasons=True)
    a = simulate_files(seed=7, **kw)
    b = simulate_files(seed=7, **kw)
    c = simulate_files(seed=8, **kw)
    assert a == b
    assert a["households.csv"] != c["households.csv"]


def test_cli_is_byte_identical_across_processes(tmp_path):
    # a fresh interpreter each time: no hidden state (hash seeds, dict order) leaks into the files
    cmd = [
        sys.executable,
        "-m",
        "stagesofprogress.cli",
        "simulate",
        "--households",
        "250",
        "--with-reasons",
        "--seed",
        "3",
    ]
    for name in ("a", "b"):
        subprocess.run([*cmd, "--out", str(tmp_path / name)], check=True, capture_output=True)
    assert _tree_hash(tmp_path / "a") == _tree_hash(tmp_path / "b")


CASES = [
    dict(),
    dict(households=120, communities=4, regions=2, stages=6, cutoff=3, escape_rate=0.1, descent_rate=0.05),
    dict(
        households=3817,
        communities=40,
        regions=2,
        stages=13,
        cutoff=7,
        years=(1979, 1994, 2004),
        escape_rate=0.294,
        descent_rate=0.098,
        poor_start=0.472,
    ),
    dict(
        households=2000,
        regions=5,
        communities=25,
        stages=11,
        cutoff=6,
        years=(1984, 1994, 2004, 2014),
        escape_rate=0.0,
        descent_rate=0.3,
        poor_start=0.2,
    ),
    dict(households=60, communities=3, regions=3, escape_rate=0.5, descent_rate=0.5, poor_start=0.5),
    dict(households=1000, stages=2, cutoff=1, escape_rate=0.33, descent_rate=0.01, with_reasons=True),
]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "defaults")
@pytest.mark.parametrize("seed", [1, 2, 99])
def test_realised_rates_within_one_point(tmp_path, kw, seed):
    simulate(tmp_path / "s", seed=seed, **kw)
    problems, study = sop.validate(tmp_path / "s")
    assert problems == []
    p = SimulationParams(**{**kw, "seed": seed})
    a, b = study.time_points[0], study.time_points[-1]
    row = sop.movement_summary(study, a, b, by=None).iloc[-1]
    assert row["households"] == p.households  # no unknown stages
    assert abs(row["escaped"] - 100 * p.escape_rate) <= 1.0
    assert abs(row["became_poor"] - 100 * p.descent_rate) <= 1.0
    assert abs(row["poor_at_start"] - 100 * p.poor_start) <= 1.0
    # every stage column stays on the ladder, every community has households
    for y in study.time_points:
        s = study.households[f"stage_{y}"]
        assert s.min() >= 1 and s.max() <= study.n_stages
    assert study.households["community"].nunique() == p.communities
    assert study.households["region"].nunique() == p.regions


def test_assets_rise_with_stage(tmp_path):
    simulate(tmp_path / "s", households=3000, stages=12, cutoff=6)
    study = sop.load_study(tmp_path / "s")
    means = sop.mean_by_stage(study, "assets")["mean"].dropna().to_numpy()
    assert np.all(np.diff(means) > 0)


def test_with_reasons_follows_the_contract(tmp_path):
    simulate(tmp_path / "s", households=400, with_reasons=True, sample_share=0.25)
    problems, study = sop.validate(tmp_path / "s")
    assert problems == []
    assert study.has("sample") and study.has("reasons")
    meta = yaml.safe_load((tmp_path / "s" / "study.yml").read_text(encoding="utf-8"))
    vocab = set(meta["reasons"])
    assert set(study.table("reasons")["reason"]) <= vocab
    assert set(meta["models"]) == {"escape", "descent"}
    for spec in meta["models"].values():
        names = [v["name"] for g in spec["groups"] for v in g["variables"]]
        sample_cols = set(study.table("sample").columns)
        assert all(n in vocab or n in sample_cols for n in names)
        assert spec["period"] == study.time_points[:1] + study.time_points[-1:]
    # about a quarter of each movement category, every category represented
    cats = sop.movement_categories(study, 2010, 2024)
    sampled = cats.loc[study.table("sample")["household_id"].to_numpy()].value_counts()
    allc = cats.value_counts()
    for c in sop.CATEGORIES:
        assert sampled[c] >= 2
        assert abs(sampled[c] - 0.25 * allc[c]) <= 2
    flags = rs.reason_flags(study, 2010, 2024)
    assert len(flags) == len(study.table("sample"))


def test_reasons_carry_a_signal(tmp_path):
    simulate(tmp_path / "s", households=4000, with_reasons=True, sample_share=0.5, seed=5)
    study = sop.load_study(tmp_path / "s")
    flags = rs.reason_flags(study, 2010, 2024)
    cats = sop.movement_categories(study, 2010, 2024).loc[flags.index]
    poor0 = cats.isin(["escaped", "remained_poor"])
    d = flags[poor0].assign(y=(cats[poor0] == "escaped").astype(int).to_numpy())
    fit = sop.logit(d, "y", ["improved_livestock", "off_farm_job"])
    assert fit.coef["improved_livestock"] > 1.0 and fit.pvalue["improved_livestock"] < 0.01
    assert abs(fit.coef["off_farm_job"]) < 0.5  # the noise reason


BAD = [
    (["--stages", "6", "--cutoff", "6"], "cutoff is 6, but with 6 stages it must be between 1 and 5"),
    (["--cutoff", "0"], "cutoff must be at least 1"),
    (["--escape-rate", "1.5"], "escape-rate must be a share between 0 and 1"),
    (["--descent-rate", "-0.1"], "descent-rate must be a share between 0 and 1"),
    (["--years", "2010"], "years needs at least two time points"),
    (["--years", "2024,2010"], "years must be strictly ascending"),
    (["--years", "2010,twenty"], "years must be whole numbers"),
    (["--escape-rate", "0.6", "--poor-start", "0.5"], "cannot exceed poor-start"),
    (["--descent-rate", "0.6", "--poor-start", "0.5"], "cannot exceed 1 - poor-start"),
    (["--regions", "5", "--communities", "3"], "regions (5) cannot exceed communities (3)"),
    (["--households", "5", "--communities", "9"], "communities (9) cannot exceed households (5)"),
    (["--households", "0"], "households must be at least 1"),
    (["--stages", "1", "--cutoff", "1"], "stages must be at least 2"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[m[:30] for _a, m in BAD])
def test_bad_parameters_are_reported_and_nothing_is_written(tmp_path, capsys, args, message):
    out = tmp_path / "s"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = _tree_hash(out)
    assert main(["simulate", "--out", str(out), *args]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert _tree_hash(out) == before


def test_all_problems_at_once():
    with pytest.raises(SimulationError) as e:
        simulate_files(stages=4, cutoff=4, escape_rate=2, years=(2010,))
    msg = str(e.value)
    assert "cutoff" in msg and "escape_rate".replace("_", "-") in msg and "years" in msg


def test_out_is_replaced_atomically(tmp_path):
    out = tmp_path / "s"
    simulate(out, households=100, with_reasons=True)
    assert (out / "reasons.csv").exists()
    simulate(out, households=100)
    assert not (out / "reasons.csv").exists()  # the old folder was swapped out, not merged
    assert [p.name for p in tmp_path.iterdir()] == ["s"]  # no temporary leftovers


@pytest.mark.slow
def test_a_million_households():
    """A million households are generated whole (their speed is measured in benchmarks/, not here)."""
    files = simulate_files(
        households=1_000_000, communities=400, regions=6, stages=13, cutoff=7, years=(1979, 1994, 2004)
    )
    assert files["households.csv"].count(b"\n") == 1_000_001


def test_teaching_study_is_current_and_valid():
    proc = subprocess.run([sys.executable, str(TEACHING / "make.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    problems, study = sop.validate(TEACHING)
    assert problems == []
    assert study.n_stages == 10 and study.poverty_cutoff == 5 and study.time_points == [2010, 2024]
    assert len(study.regions) == 3 and any(not r.isascii() for r in study.regions)
    assert study.households["community"].nunique() == 9
    assert study.has("sample") and study.has("reasons")
    assert "models" in study.meta and "reasons" in study.meta
    assert "fictional" in study.title.lower()
