"""stagesofprogress: the Stages-of-Progress method of studying poverty dynamics, in Python.

    import stagesofprogress as sop
    study = sop.load_study("data/peru2004")
    sop.movement_table(study, 1979, 2004)

The study contract and the movement computations load at once; everything that pulls in
scipy, statsmodels, matplotlib or the notebook tools (logit, analyses, figures, the book
runner) loads on first use, so `import stagesofprogress` and the `sop` command start fast.
"""

from . import _version
from .movements import (
    ALL,
    CATEGORIES,
    CATEGORY_LABELS,
    all_movements,
    mean_by_stage,
    movement_categories,
    movement_counts,
    movement_summary,
    movement_table,
    poverty_rates,
    poverty_status,
    transition_matrix,
)
from .outputs import compute_tables, write_tables
from .simulation import SimulationError, simulate, simulate_files
from .study import Problem, Study, StudyError, load_study, periods, validate

__version__ = _version.version()

# name -> (module, attribute); attribute None means the module itself
_LAZY = {
    # logit engine and its tables
    "LinkTest": ("logistic", "LinkTest"),
    "LogitError": ("logistic", "LogitError"),
    "LogitResult": ("logistic", "LogitResult"),
    "logit": ("logistic", "logit"),
    "significance_stars": ("logistic", "significance_stars"),
    "forest_plot": ("forest", "forest_plot"),
    "long_table": ("logit_report", "long_table"),
    "paper_table": ("logit_report", "paper_table"),
    "spss_table": ("logit_report", "spss_table"),
    "logit_html": ("logit_report", "to_html"),
    "write_logit_csv": ("logit_report", "write_logit_csv"),
    # analyses (Tables 1, 4-9)
    "activity_ranks": ("communities", "activity_ranks"),
    "communities_summary": ("communities", "communities_summary"),
    "reason_flags": ("reasons", "reason_flags"),
    "reason_shares": ("reasons", "reason_shares"),
    "ModelFit": ("models", "ModelFit"),
    "design_matrix": ("models", "design_matrix"),
    "fit_model": ("models", "fit_model"),
    "fit_models": ("models", "fit_models"),
    "model_specs": ("models", "model_specs"),
    "herd_sizes": ("livestock", "herd_sizes"),
    "holdings": ("livestock", "holdings"),
    "new_activities": ("livestock", "new_activities"),
    "production_shares": ("livestock", "production_shares"),
    # study generators and the book runner
    "BookError": ("rebuild", "BookError"),
    "build_book": ("rebuild", "build_book"),
    # submodules used as namespaces (sop.plots.ladder(...), sop.published.wide(...))
    "plots": ("plots", None),
    "book": ("book", None),
    "schema": ("schema", None),
    "published": ("published", None),
    "datapackage": ("datapackage", None),
}


def __getattr__(name):
    import importlib

    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        value = mod if attr is None else getattr(mod, attr)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    # the study
    "Problem",
    "Study",
    "StudyError",
    "load_study",
    "periods",
    "validate",
    # movements
    "ALL",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "all_movements",
    "mean_by_stage",
    "movement_categories",
    "movement_counts",
    "movement_summary",
    "movement_table",
    "poverty_rates",
    "poverty_status",
    "transition_matrix",
    # every table at once
    "compute_tables",
    "write_tables",
    # simulated studies
    "SimulationError",
    "simulate",
    "simulate_files",
    # loaded on first use
    *_LAZY,
]
