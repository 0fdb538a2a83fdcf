"""Build hook: copy the studies and the book sources into the wheel as package data.

The repository keeps ONE copy of each shipped file where readers and ``jupyter-book build .``
expect it (``data/``, ``chapters/``, ``_config.yml`` ... at the root). ``build_py`` copies the
entries of ``stagesofprogress.resources.SHIPPED`` into ``stagesofprogress/_resources/`` of the
build, so a wheel (and a source distribution, through MANIFEST.in) carries them in the same
layout; ``stagesofprogress.resources`` reads them with ``importlib.resources``. An editable
install copies nothing: the library then reads the checkout itself. Everything else about the
package is declared in pyproject.toml.
"""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
_RES = runpy.run_path(str(HERE / "lib" / "stagesofprogress" / "resources.py"))
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "_build", ".jupyter_cache", ".*")


class build_py_with_resources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "stagesofprogress" / _RES["PACKAGED"]
        if target.exists():
            shutil.rmtree(target)
        for name in _RES["SHIPPED"]:
            src = HERE / name
            dst = target / name
            if src.is_dir():
                shutil.copytree(src, dst, ignore=IGNORE)
            elif src.is_file():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
            else:
                raise FileNotFoundError(f"{name} is listed in resources.SHIPPED but missing from {HERE}")


setup(cmdclass={"build_py": build_py_with_resources})
