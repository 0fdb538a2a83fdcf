"""Draw the README's picture from the default study (the synthetic Peru replica).

.venv/bin/python scripts/make_readme_figure.py
"""

from pathlib import Path

import stagesofprogress as sop
from stagesofprogress.cli import default_study

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    study = sop.load_study(default_study())
    fig = sop.plots.poverty_flow(study)
    out = ROOT / "docs" / "readme-figure.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
