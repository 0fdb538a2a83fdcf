"""The chapters' namespace: ``from stagesofprogress import book`` then ``book.glue_text(...)``.

This module only re-exports; the helpers live by kind:

* `display` -- glue, captioned tables, figures, notes, the paper's boxes (`paper_says`);
* `narrative` -- every sentence that states a finding, computed from the study;
* `layouts` -- the printed tables' shapes (Tables 2, 3, 6, 8, 9 and the reason tables);
* `beside` -- a study beside the paper it declares (published tables, errata, scorecard prose).

One-chapter helpers live with their concern: `mobility.mobility_facts`,
`datadoc.study_files` and `datadoc.provenance_text`, `models.fits_by_kind`,
`logit_report.fit_html`.
"""

from __future__ import annotations

from .beside import *  # noqa: F401,F403
from .beside import __all__ as _beside
from .display import *  # noqa: F401,F403
from .display import __all__ as _display
from .layouts import *  # noqa: F401,F403
from .layouts import __all__ as _layouts
from .narrative import *  # noqa: F401,F403
from .narrative import __all__ as _narrative

__all__ = [*_display, *_layouts, *_narrative, *_beside]
