"""`sop simulate`: a fictional village study that satisfies the data contract.

The households are invented, never field data. What is controlled exactly is what a
teacher needs to know in advance: over the first -> last time point, the share of all
households that escaped poverty and the share that became poor (the paper's categories
B and C, as percent of all households, Table 3) and the share poor at the start. These
are *counts* chosen up front (rounded to the nearest household), so the realised rates
differ from the requested ones only by rounding: less than 0.5 / N.

Everything is vectorized numpy driven by one `numpy.random.Generator(seed)`, so the same
parameters and seed give byte-identical files. Regions differ (some escape more than
others) without changing the overall totals: households are picked for each category
with weighted sampling without replacement (Gumbel top-k), which keeps counts exact.

    import stagesofprogress as sop
    sop.simulate("my_village", households=300, stages=10, cutoff=5, years=(2010, 2024))
    sop.load_study("my_village")
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml

from .outputs import to_csv_bytes, write_atomically

if TYPE_CHECKING:  # pragma: no cover
    import argparse

__all__ = [
    "LADDER",
    "REGIONS",
    "COMMUNITIES",
    "ESCAPE_REASONS",
    "DESCENT_REASONS",
    "SimulationError",
    "SimulationParams",
    "simulate_frames",
    "study_yml_text",
    "simulate_files",
    "simulate",
    "defaults",
]

#: Fictional ladder names, lowest first; used for the first stages, "Stage k" beyond.
LADDER = [
    "Food",
    "Some clothes",
    "Roof repairs",
    "Chickens and guinea pigs",
    "Children in primary school",
    "Small plot of land",
    "A few sheep or a cow",
    "Bicycle or motorbike",
    "Improved dairy cow",
    "Larger plot of land",
    "Secondary education for children",
    "Small shop or business",
    "Brick house",
    "Plot or house in town",
    "Truck or tractor",
    "Tertiary education for children",
]
#: Fictional region names (one accented, to exercise UTF-8 end to end).
REGIONS = ["Cordillera Alta", "Río Claro", "Valle Bajo", "Pampa Verde", "Selva Norte", "Costa Sur"]
#: Fictional community names.
COMMUNITIES = [
    "Santa Rosa",
    "Pampa Grande",
    "Alto Molino",
    "San Isidro",
    "Huaylla",
    "Cruz Pata",
    "Llaqta Uma",
    "Tres Ríos",
    "Quilla",
    "Ayllu Sur",
    "Chacra Nueva",
    "Piedra Blanca",
    "Ojo de Agua",
    "Los Alisos",
    "Tambo Viejo",
    "Kusi Pampa",
    "La Unión",
    "Cerro Azul",
]
#: Reasons mentioned for escaping / falling / staying, used by `with_reasons`.
ESCAPE_REASONS = {
    "improved_livestock": "Improved livestock quality",
    "business_gains": "Business gains",
    "crop_diversification": "Crop diversification",
    "off_farm_job": "Non-agricultural / off-farm job",
}
DESCENT_REASONS = {
    "poor_health": "Poor health and health-related expenses",
    "livestock_loss": "Loss of livestock (disease, theft)",
    "heavy_funeral": "Heavy funeral expenses",
    "land_division": "Land division among heirs",
}


class SimulationError(ValueError):
    """Parameters that cannot give a valid study; the message says which and why."""


@dataclass(frozen=True)
class SimulationParams:
    households: int = 300
    communities: int = 9
    regions: int = 3
    stages: int = 10
    cutoff: int = 5
    years: tuple[int, ...] = (2010, 2024)
    escape_rate: float = 0.20
    descent_rate: float = 0.08
    poor_start: float = 0.50
    seed: int = 1
    title: str | None = None
    description: str | None = None
    with_reasons: bool = False
    sample_share: float = 0.25
    region_names: tuple[str, ...] = field(default=())

    def check(self) -> None:
        """Check every parameter at once.

        Raises
        ------
        SimulationError
            Listing every impossible parameter (counts below one, more regions than communities or
            communities than households, a cutoff not below the number of stages, years not
            increasing whole numbers, rates outside 0-1 or inconsistent with each other).
        """
        problems: list[str] = []
        ok_n, ok_r = self._check_sizes(problems)
        self._check_years(problems)
        self._check_rates(problems)
        if self.region_names and ok_r and len(self.region_names) != self.regions:
            problems.append(f"{len(self.region_names)} region names given for {self.regions} regions.")
        if self.with_reasons and ok_n and self.households < 20:
            problems.append("with-reasons needs at least 20 households (a sample of each movement category).")
        if problems:
            raise SimulationError("Cannot simulate this study:\n" + "\n".join(f"  - {p}" for p in problems))

    def _check_sizes(self, problems: list[str]) -> tuple[bool, bool]:
        """Households, communities, regions, stages and cutoff; (households ok, regions ok)."""
        n, k, r, s, c = self.households, self.communities, self.regions, self.stages, self.cutoff
        ok_n, ok_k, ok_r = (
            _whole(problems, "households", n, 1),
            _whole(problems, "communities", k, 1),
            _whole(problems, "regions", r, 1),
        )
        if ok_k and ok_r and r > k:
            problems.append(f"regions ({r}) cannot exceed communities ({k}): every region needs a community.")
        if ok_n and ok_k and k > n:
            problems.append(f"communities ({k}) cannot exceed households ({n}): every community needs a household.")
        if _whole(problems, "stages", s, 2) and _whole(problems, "cutoff", c, 1) and c >= s:
            problems.append(
                f"cutoff is {c}, but with {s} stages it must be between 1 and {s - 1} "
                "(at least one poor and one non-poor stage)."
            )
        return ok_n, ok_r

    def _check_years(self, problems: list[str]) -> None:
        years = list(self.years)
        if len(years) < 2:
            problems.append(f"years needs at least two time points; got {len(years)}.")
        elif not all(isinstance(y, (int, np.integer)) and not isinstance(y, bool) for y in years):
            problems.append(f"years must be whole numbers; got {years}.")
        elif any(b <= a for a, b in zip(years[:-1], years[1:])):
            problems.append(f"years must be strictly ascending (earliest first); got {years}.")

    def _check_rates(self, problems: list[str]) -> None:
        """Each rate is a share; escapes fit in the poor at the start, descents in the others."""
        rates_ok = True
        for name in ("escape_rate", "descent_rate", "poor_start", "sample_share"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) or not (0.0 <= float(v) <= 1.0):
                problems.append(f"{name.replace('_', '-')} must be a share between 0 and 1 (0.2 means 20%); got {v!r}.")
                rates_ok = False
        if not rates_ok:
            return
        if self.escape_rate > self.poor_start + 1e-12:
            problems.append(
                f"escape-rate ({self.escape_rate:g}) cannot exceed poor-start ({self.poor_start:g}): "
                "only households poor at the start can escape."
            )
        if self.descent_rate > 1 - self.poor_start + 1e-12:
            problems.append(
                f"descent-rate ({self.descent_rate:g}) cannot exceed 1 - poor-start ({1 - self.poor_start:g}): "
                "only households not poor at the start can become poor."
            )


def _whole(problems: list[str], name: str, v, lo: int) -> bool:
    """True when `v` is a whole number of at least `lo`; else a problem is added."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        problems.append(f"{name} must be a whole number; got {v!r}.")
        return False
    if v < lo:
        problems.append(f"{name} must be at least {lo}; got {v}.")
        return False
    return True


# --------------------------------------------------------------------------- helpers


def _names(base: list[str], n: int, fmt: str) -> list[str]:
    return list(base[:n]) + [fmt.format(i) for i in range(len(base) + 1, n + 1)]


def _allocate(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Integers summing to `total`, proportional to `weights`, each >= minimum (largest remainder)."""
    k = len(weights)
    base = np.full(k, minimum, dtype=np.int64)
    rest = total - base.sum()
    share = weights / weights.sum() * rest
    out = base + np.floor(share).astype(np.int64)
    short = total - out.sum()
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    out[order[:short]] += 1
    return out


def _pick(rng: np.random.Generator, candidates: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """k of `candidates` without replacement, with probability tilted by `weights` (Gumbel top-k)."""
    if k <= 0:
        return candidates[:0]
    keys = np.log(weights) + rng.gumbel(size=len(candidates))
    return candidates[np.argsort(-keys, kind="stable")[:k]]


def _draw_in(rng, lo, hi, centre, spread, size):
    """Integers in [lo, hi] (arrays allowed), around `centre` with normal noise, clipped."""
    v = np.rint(centre + rng.normal(0.0, spread, size=size))
    return np.clip(v, lo, hi).astype(np.int64)


# --------------------------------------------------------------------------- simulation


def simulate_frames(params: SimulationParams) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The settings and tables of a fictional study, as Python objects (deterministic for `params`).

    Parameters
    ----------
    params : SimulationParams
        The parameters, checked first.

    Returns
    -------
    meta : dict
        study.yml's mapping.
    frames : dict of str to pandas.DataFrame
        File name (``households.csv`` ...) to its table.

    Raises
    ------
    SimulationError
        When the parameters are impossible.
    """
    params.check()
    p = params
    rng = np.random.default_rng(p.seed)
    n, S, C = p.households, p.stages, p.cutoff
    years = [int(y) for y in p.years]

    # regions and communities: round robin, community sizes vary (+-50%)
    regions = list(p.region_names) or _names(REGIONS, p.regions, "Region {}")
    communities = _names(COMMUNITIES, p.communities, "Community {}")
    comm_region = np.arange(p.communities) % p.regions
    sizes = _allocate(n, rng.uniform(0.5, 1.5, p.communities), minimum=1)
    comm = np.repeat(np.arange(p.communities), sizes)
    region = comm_region[comm]

    # region tilts (fixed pattern so regions differ; totals stay exact)
    tilt = np.linspace(-0.45, 0.45, p.regions) if p.regions > 1 else np.zeros(1)
    n_poor0 = int(round(p.poor_start * n))
    n_esc = min(int(round(p.escape_rate * n)), n_poor0)
    n_desc = min(int(round(p.descent_rate * n)), n - n_poor0)
    idx = np.arange(n)
    poor0 = np.zeros(n, dtype=bool)
    poor0[_pick(rng, idx, n_poor0, np.exp(-tilt[region]))] = True
    esc = np.zeros(n, dtype=bool)
    esc[_pick(rng, idx[poor0], n_esc, np.exp(tilt[region[poor0]] * 1.5))] = True
    desc = np.zeros(n, dtype=bool)
    desc[_pick(rng, idx[~poor0], n_desc, np.exp(-tilt[region[~poor0]] * 1.5))] = True
    poor1 = (poor0 & ~esc) | (~poor0 & desc)

    # stage at the first time point: poor ones skew low, non-poor ones just above the cutoff
    s0 = np.where(
        poor0,
        _draw_in(rng, 1, C, (C + 1) / 2 + 0.5, max(C / 3, 0.8), n),
        _draw_in(rng, C + 1, S, C + 1 + (S - C) / 3, max((S - C) / 3, 0.8), n),
    )
    # stage at the last time point: a step from s0 that keeps the household in its category
    step = rng.normal(0.8, 1.2, n)
    s1 = np.rint(s0 + step)
    s1 = np.where(poor1 & poor0, np.clip(s1, 1, C), s1)  # remained poor
    s1 = np.where(~poor1 & ~poor0, np.clip(s1, C + 1, S), s1)  # remained not poor
    s1 = np.where(esc, np.clip(np.maximum(s1, C + 1 + np.floor(rng.exponential(1.0, n))), C + 1, S), s1)
    s1 = np.where(desc, np.clip(np.minimum(s1, C - np.floor(rng.exponential(1.0, n))), 1, C), s1)
    s1 = s1.astype(np.int64)

    # intermediate time points: on the way from s0 to s1, with a little noise
    stage_cols = {years[0]: s0}
    span = years[-1] - years[0]
    for y in years[1:-1]:
        t = (y - years[0]) / span
        stage_cols[y] = np.clip(np.rint(s0 + t * (s1 - s0) + rng.normal(0, 0.7, n)), 1, S).astype(np.int64)
    stage_cols[years[-1]] = s1

    # assets owned now: rises with the stage now (the paper's Table 2)
    assets = np.clip(np.rint(0.5 + 0.45 * s1 + rng.normal(0, 0.8, n)), 0, None).astype(np.int64)

    width = max(4, len(str(n)))
    hh = pd.DataFrame(
        {
            "household_id": [f"H{i:0{width}d}" for i in range(1, n + 1)],
            "community": np.asarray(communities, dtype=object)[comm],
            "region": np.asarray(regions, dtype=object)[region],
        }
    )
    for y in years:
        hh[f"stage_{y}"] = stage_cols[y]
    hh["assets"] = assets
    frames = {"households.csv": hh}

    title = p.title or (
        f"Fictional study: {n:,} households in {p.communities} villages, {years[0]}-{years[-1]} (simulated, not field data)"
    )
    meta = {
        "title": title,
        "time_points": years,
        "stages": _names(LADDER, S, "Stage {}"),
        "poverty_cutoff": C,
        "synthetic": True,
        "description": (p.description.strip() + " " if p.description else "")
        + (
            "Fictional households generated by `sop simulate` (stagesofprogress). Not field data: "
            f"requested escape rate {p.escape_rate:g}, descent rate {p.descent_rate:g}, "
            f"share poor at the start {p.poor_start:g}, seed {p.seed}."
        ),
        "licence": "CC0-1.0",
        "source": "sop simulate " + _cli_args(p),
    }
    if p.with_reasons:
        _add_reasons(rng, p, hh, poor0, poor1, frames, meta)
    return meta, frames


def _cli_args(p: SimulationParams) -> str:
    parts = [
        f"--households {p.households}",
        f"--communities {p.communities}",
        f"--regions {p.regions}",
        f"--stages {p.stages}",
        f"--cutoff {p.cutoff}",
        f"--years {','.join(str(y) for y in p.years)}",
        f"--escape-rate {p.escape_rate:g}",
        f"--descent-rate {p.descent_rate:g}",
        f"--poor-start {p.poor_start:g}",
        f"--seed {p.seed}",
    ]
    if p.with_reasons:
        parts.append(f"--with-reasons --sample-share {p.sample_share:g}")
    return " ".join(parts)


def _add_reasons(rng, p, hh, poor0, poor1, frames, meta) -> None:
    """A stratified random sample (a share of each movement category, the paper's step 6),
    household characteristics for it (sample.csv) and the reasons the community gave for each
    sampled household's trajectory over first -> last time point (reasons.csv, long)."""
    cat = np.where(poor0 & poor1, 0, np.where(poor0, 1, np.where(poor1, 2, 3)))  # A B C D
    picked = []
    for c in range(4):
        members = np.flatnonzero(cat == c)
        k = int(round(p.sample_share * len(members)))
        if len(members) >= 2:
            k = max(k, 2)  # every category that exists is represented
        picked.append(np.sort(rng.choice(members, size=min(k, len(members)), replace=False)))
    sample = np.sort(np.concatenate(picked))
    scat = cat[sample]
    m = len(sample)
    y0, y1 = int(p.years[0]), int(p.years[-1])
    escaped = (scat == 1).astype(float)
    fell = (scat == 2).astype(float)

    def mention(base, effect, group):
        # a reason is cited with probability `base`, log-odds raised by `effect` in `group`
        logit = np.log(base / (1 - base)) + effect * group
        return rng.random(m) < 1 / (1 + np.exp(-logit))

    ids = hh["household_id"].to_numpy()[sample]
    effects = [1.8, 1.3, 0.9, 0.0]  # the last reason of each list is noise: no association
    cited = []
    for codes, group in ((ESCAPE_REASONS, escaped), (DESCENT_REASONS, fell)):
        for code, eff in zip(codes, effects):
            cited.append((code, mention(0.18, eff, group)))
    rows_h = np.concatenate([ids[f] for _c, f in cited])
    rows_r = np.concatenate([np.full(int(f.sum()), c, dtype=object) for c, f in cited])
    codes = list(ESCAPE_REASONS) + list(DESCENT_REASONS)
    rank = pd.Categorical(rows_r, categories=codes).codes
    order = np.lexsort((rank, rows_h))  # by household, then reason in vocabulary order
    reasons = pd.DataFrame({"household_id": rows_h[order], "start": y0, "end": y1, "reason": rows_r[order]})
    size = np.clip(np.rint(rng.normal(4.5, 1.6, m)), 1, 12).astype(np.int64)
    edu = np.clip(np.rint(rng.normal(1.0 + 0.4 * escaped, 0.8)), 0, 3).astype(np.int64)
    dependants = np.minimum(rng.binomial(size, 0.35), size)
    dairy = rng.poisson(0.8 + 1.2 * escaped)
    sample_df = pd.DataFrame(
        {
            "household_id": ids,
            "male_head": (rng.random(m) < 0.75).astype(np.int64),
            "age_head": np.clip(np.rint(rng.normal(47, 12, m)), 18, 90).astype(np.int64),
            "education_level": edu,
            "above_primary": (edu >= 2).astype(np.int64),
            "prop_children_school": np.round(rng.beta(6, 2, m), 2),
            "relatives_outside": (rng.random(m) < 0.3).astype(np.int64),
            "land_ha": np.round(np.exp(rng.normal(0.2 + 0.3 * escaped - 0.3 * fell, 0.6)), 2),
            "beef_cattle": rng.poisson(1.0, m),
            "dairy_cattle": dairy,
            "sheep": rng.poisson(6.0, m),
            "camelids": rng.poisson(2.0, m),
            "livestock_income_share": np.round(rng.beta(4, 3, m), 2),
            "dependency_ratio": np.round(dependants / size, 2),
            "multiple_activities": (rng.random(m) < 0.4 + 0.2 * escaped).astype(np.int64),
            "family_size": size,
            "improved_breed": ((dairy > 1) & (rng.random(m) < 0.5)).astype(np.int64),
        }
    )
    sample_df = _fit_columns(sample_df, "sample")
    frames["sample.csv"] = sample_df
    frames["reasons.csv"] = reasons
    meta["reasons"] = {**ESCAPE_REASONS, **DESCENT_REASONS}
    meta["models"] = _models(y0, y1)


def _models(y0: int, y1: int) -> dict:
    """Escape and descent logits in the shape of study.yml `models:` (pooled over regions: a
    fictional village sample is too small for one model per region)."""
    traits = [
        {"name": "male_head", "label": "Gender (1 = male head)"},
        {"name": "age_head", "label": "Age of head (squared)", "transform": "square"},
        {"name": "education_level", "label": "Level of education"},
        {"name": "land_ha", "label": "Household landholdings (log)", "transform": "log"},
    ]

    def spec(title, outcome, labels, reasons, heading):
        return {
            "table": title,
            "title": f"{title}: binary logit over {y0}-{y1}, all regions pooled (fictional data)",
            "period": [y0, y1],
            "outcome": outcome,
            "robust": True,
            "class_labels": labels,
            "groups": [
                {"heading": heading, "variables": [{"name": k, "label": v} for k, v in reasons.items()]},
                {"heading": "Household characteristics", "variables": [dict(t) for t in traits]},
            ],
        }

    return {
        "escape": spec(
            "Escape model",
            {1: "escaped", 0: "remained_poor"},
            {1: "Escaping poverty", 0: "Staying poor"},
            ESCAPE_REASONS,
            "Reasons cited for escaping poverty (expected sign positive)",
        ),
        "descent": spec(
            "Descent model",
            {1: "became_poor", 0: "remained_not_poor"},
            {1: "Falling into poverty", 0: "Staying non-poor"},
            DESCENT_REASONS,
            "Reasons cited for falling into poverty (expected sign positive)",
        ),
    }


def _fit_columns(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Order columns as the contract declares them; add a blank column for any other declared
    column that may be blank (the contract grows; the simulation should stay valid)."""
    from . import schema

    spec = schema.TABLES.get(table)
    if spec is None:
        return df
    declared = [c for c in spec.columns]
    for c in declared:
        if c.name not in df.columns and c.blank_ok:
            df[c.name] = ""
    names = [c.name for c in declared if c.name in df.columns]
    return df[names + [c for c in df.columns if c not in names]]


def study_yml_text(meta: dict) -> str:
    """study.yml's text for a fictional study, with a comment saying it is invented.

    Parameters
    ----------
    meta : dict
        The study's settings.

    Returns
    -------
    str
        YAML in key order, UTF-8 text.
    """
    head = "# Fictional study generated by `sop simulate`: invented households, not field data.\n"
    return head + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)


def simulate_files(**kwargs: object) -> dict[str, bytes]:
    """The files of a fictional study, in memory (deterministic for given parameters).

    Parameters
    ----------
    **kwargs
        The fields of `SimulationParams`.

    Returns
    -------
    dict of str to bytes
        File name (``study.yml``, ``households.csv`` ...) to its content.

    Raises
    ------
    SimulationError
        The parameters are impossible (every problem at once).
    """
    meta, frames = simulate_frames(SimulationParams(**_normalise(kwargs)))
    files = {"study.yml": study_yml_text(meta).encode("utf-8")}
    for name, df in frames.items():
        files[name] = to_csv_bytes(df)
    return files


def _normalise(kwargs: dict) -> dict:
    kw = dict(kwargs)
    if "years" in kw and kw["years"] is not None:
        y = kw["years"]
        if isinstance(y, str):
            y = [int(v) for v in y.replace(" ", "").split(",") if v]
        kw["years"] = tuple(y)
    if "region_names" in kw and kw["region_names"] is not None:
        kw["region_names"] = tuple(kw["region_names"])
    return kw


def simulate(out: str | Path, **kwargs: object) -> Path:
    """Write a fictional study into the folder `out` and return its path.

    Parameters
    ----------
    out : str or pathlib.Path
        The folder: new, empty or written by sop before (`outdir.check_out`); it is replaced
        in one step.
    **kwargs
        The fields of `SimulationParams`: households, communities, regions, stages, cutoff,
        years, escape_rate, descent_rate, poor_start, seed, title, description, with_reasons,
        sample_share, region_names.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    SimulationError
        The parameters are impossible.
    stagesofprogress.outdir.OutputError
        `out` is a folder sop must not replace; nothing changes.
    """
    files = simulate_files(**kwargs)
    write_atomically(Path(out), files, "simulate")
    return Path(out)


def defaults() -> dict:
    """The default parameters of `simulate`.

    Returns
    -------
    dict
        Field name of `SimulationParams` to its default value.
    """
    return asdict(SimulationParams())


# --------------------------------------------------------------------------- command line


def cmd_simulate(args: argparse.Namespace) -> int:
    """``sop simulate``: write a fictional study to ``--out`` and print its movements.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``out``, ``years`` as comma-separated text, and every other
        field of `SimulationParams`).

    Returns
    -------
    int
        The exit code: 0 written, 1 for impossible parameters (nothing is written).
    """
    import sys

    kw = {
        k: getattr(args, k)
        for k in (
            "households",
            "communities",
            "regions",
            "stages",
            "cutoff",
            "escape_rate",
            "descent_rate",
            "poor_start",
            "seed",
            "title",
            "with_reasons",
            "sample_share",
        )
    }
    try:
        years = tuple(int(v) for v in args.years.replace(" ", "").split(",") if v)
    except ValueError:
        print(
            f"Cannot simulate this study:\n  - years must be whole numbers separated by commas, e.g. 2010,2024; got '{args.years}'.",
            file=sys.stderr,
        )
        return 1
    # the parameters are checked first; simulate() then refuses an --out it must not replace
    # (outdir.OutputError, reported by `sop`)
    try:
        path = simulate(args.out, years=years, **kw)
    except SimulationError as e:
        print(str(e), file=sys.stderr)
        print(f"Nothing was written to {args.out}.", file=sys.stderr)
        return 1
    from .movements import movement_summary
    from .study import load_study

    study = load_study(path)
    a, b = study.time_points[0], study.time_points[-1]
    s = movement_summary(study, a, b, by=None).iloc[-1]
    extra = " with a sample and reasons" if args.with_reasons else ""
    print(
        f"Wrote a fictional study{extra} to {path}: {len(study.households):,} households, "
        f"{study.n_stages} stages (cutoff {study.poverty_cutoff}), time points {study.time_points}."
    )
    print(
        f"  {a}-{b}: escaped {s['escaped']:.1f}% (asked {100 * args.escape_rate:.1f}%), "
        f"became poor {s['became_poor']:.1f}% (asked {100 * args.descent_rate:.1f}%), "
        f"poor at start {s['poor_at_start']:.1f}%, poor at end {s['poor_at_end']:.1f}%."
    )
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``sop simulate`` on the subparsers of the ``sop`` command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``sop`` parser.
    """
    from pathlib import Path

    d = SimulationParams()
    s = sub.add_parser(
        "simulate",
        help="write a fictional study (valid under the contract) with chosen escape and descent rates",
        description="Generate invented households for teaching and testing. Escape and descent rates are "
        "shares of all households over the first -> last year (the paper's Table 3 categories B and C) "
        "and are met exactly up to rounding to whole households. Same parameters and seed, same bytes.",
    )
    s.add_argument("--out", type=Path, required=True, help="study folder to write (replaced atomically)")
    s.add_argument(
        "--households", type=int, default=d.households, help=f"number of households (default {d.households})"
    )
    s.add_argument(
        "--communities", type=int, default=d.communities, help=f"number of communities (default {d.communities})"
    )
    s.add_argument("--regions", type=int, default=d.regions, help=f"number of regions (default {d.regions})")
    s.add_argument("--stages", type=int, default=d.stages, help=f"stages on the ladder (default {d.stages})")
    s.add_argument(
        "--cutoff", type=int, default=d.cutoff, help=f"poverty cutoff: stages 1..C are poor (default {d.cutoff})"
    )
    s.add_argument(
        "--years",
        default=",".join(str(y) for y in d.years),
        help="time points, comma-separated, ascending (default 2010,2024)",
    )
    s.add_argument(
        "--escape-rate",
        type=float,
        default=d.escape_rate,
        help=f"share of all households escaping poverty, 0-1 (default {d.escape_rate})",
    )
    s.add_argument(
        "--descent-rate",
        type=float,
        default=d.descent_rate,
        help=f"share of all households becoming poor, 0-1 (default {d.descent_rate})",
    )
    s.add_argument(
        "--poor-start",
        type=float,
        default=d.poor_start,
        help=f"share poor at the first time point, 0-1 (default {d.poor_start})",
    )
    s.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    s.add_argument("--title", default=None, help="study title (default: describes the simulation)")
    s.add_argument(
        "--with-reasons",
        action="store_true",
        help="also write sample.csv and reasons.csv (a stratified sample, step 6)",
    )
    s.add_argument(
        "--sample-share",
        type=float,
        default=d.sample_share,
        help=f"share of each movement category sampled (default {d.sample_share})",
    )
    s.set_defaults(func=cmd_simulate)
