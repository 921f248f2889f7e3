"""Shared test setup: offscreen Qt; settings, runs and the torch cache kept out of the user's
folders; stored runs that tests only read, made once per session (see tests/factories.py).

With DEEPSCOPE_NO_QT=1 (CI runs core's tests this way, with `-p no:pytest-qt`), importing Qt,
pyqtgraph or any part of the app but deepscope.core fails as if they were not installed: core
must not need them. The folders' own names (`core`, `gui`) are never imported: only `deepscope`.
"""

import importlib.abc
import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = tempfile.mkdtemp(prefix="deepscope-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")
os.environ["DEEPSCOPE_RUNS_DIR"] = os.path.join(_home, "runs")
os.environ["TORCH_HOME"] = os.path.join(_home, "torch")  # no test sees the user's weights
QT = ("PySide6", "shiboken6", "pyqtgraph", "pytestqt", "superqt")
FOLDERS = ("core", "gui", "resources")  # installed: deepscope.core, deepscope, deepscope.resources


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses the folders' own names and, when `no_qt`, Qt and the app above deepscope.core."""

    def __init__(self, no_qt: bool) -> None:
        self.no_qt = no_qt

    def find_spec(self, name, path=None, target=None):
        top, _, rest = name.partition(".")
        if top in FOLDERS:
            raise ModuleNotFoundError(f"No module named {name!r}: import deepscope instead")
        app = top == "deepscope" and rest and rest.split(".")[0] not in ("core", "resources")
        if self.no_qt and (top in QT or app):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: DEEPSCOPE_NO_QT=1)")
        return None


sys.meta_path.insert(0, Blocker(os.environ.get("DEEPSCOPE_NO_QT") == "1"))

# below the blocker: the factories may import deepscope.core only
from deepscope.core.runs.store import RunInfo, RunStore  # noqa: E402
from tests.factories import stored_classifier, trained_classifier, trained_digits_gan  # noqa: E402


@pytest.fixture(scope="session")
def classifier_run(tmp_path_factory: pytest.TempPathFactory) -> RunInfo:
    """An untrained LeNet run on digits, finished, alone in its store: for tests that read it."""
    with RunStore(tmp_path_factory.mktemp("classifier-run")) as store:
        return stored_classifier(store)


@pytest.fixture(scope="session")
def trained_classifier_run(tmp_path_factory: pytest.TempPathFactory) -> RunInfo:
    """A LeNet trained 3 epochs on digits: a judge that knows digits."""
    with RunStore(tmp_path_factory.mktemp("trained-classifier-run")) as store:
        return trained_classifier(store)


@pytest.fixture(scope="session")
def digits_gan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a DCGAN trained briefly on digits, alone in its store (see
    factories.trained_digits_gan)."""
    with RunStore(tmp_path_factory.mktemp("igan-digits")) as store:
        return trained_digits_gan(store)
