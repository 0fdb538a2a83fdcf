"""stagesofprogress: the Stages-of-Progress method of studying poverty dynamics, in Python.

    import stagesofprogress as sop
    study = sop.load_study("data/peru2004")
    sop.movement_table(study, 1979, 2004)
"""

from .study import Problem, Study, StudyError, load_study, periods, validate
from .movements import (
    ALL,
    CATEGORIES,
    CATEGORY_LABELS,
    mean_by_stage,
    movement_categories,
    movement_counts,
    movement_summary,
    movement_table,
    all_movements,
    poverty_rates,
    poverty_status,
    transition_matrix,
)
from .outputs import compute_tables, write_tables

__version__ = "0.1.0"
from .logit import LinkTest, LogitError, LogitResult, logit, significance_stars
from .logit_report import forest_plot, long_table, paper_table, spss_table, to_html as logit_html, write_logit_csv
from .simulate import SimulationError, simulate, simulate_files
from .rebuild import BookError, build_book
from . import paper


def __getattr__(name):
    """Lazy submodules: `sop.plots` (figures) and `sop.book` (chapter helpers) load matplotlib
    and the notebook tools only when first used, so `import stagesofprogress` stays light."""
    if name in ("plots", "book"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# analyses (Tables 1, 4-9) and the reproduction scorecard
from .communities import activity_ranks, communities_summary
from .reasons import reason_flags, reason_shares
from .models import ModelFit, design_matrix, fit_model, fit_models, model_specs
from .livestock import herd_sizes, holdings, new_activities, production_shares
from .scorecard import scorecard_summary  # sop.scorecard stays the module: sop.scorecard.scorecard(study)
