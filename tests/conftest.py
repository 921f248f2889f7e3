"""Shared test setup: offscreen Qt, settings and runs kept out of the user's folders.

With DEEPSCOPE_NO_QT=1 (CI runs core's tests this way, with `-p no:pytest-qt`), importing Qt,
pyqtgraph or gui fails as if they were not installed: core must not need them.
"""

import importlib.abc
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = tempfile.mkdtemp(prefix="deepscope-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")
os.environ["DEEPSCOPE_RUNS_DIR"] = os.path.join(_home, "runs")

BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "pytestqt", "gui")


class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: DEEPSCOPE_NO_QT=1)")
        return None


if os.environ.get("DEEPSCOPE_NO_QT") == "1":
    sys.meta_path.insert(0, NoQt())
