"""Compute threads and a real main window, joined at teardown."""

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from deepscope.app import MainWindow
from deepscope.compute import ComputeThread
from deepscope.core.runs.store import RunStore


@pytest.fixture
def compute():
    """A compute thread for the test to start; joined (and checked) at teardown."""
    thread = ComputeThread()
    yield thread
    thread.stop()
    assert not thread.isRunning(), "the compute thread must be joined at teardown"


def start(qtbot, compute: ComputeThread) -> None:
    """Start the thread and wait until torch is loaded on it."""
    with qtbot.waitSignal(compute.ready, timeout=60_000):
        compute.start()


def ini_settings(folder: Path) -> QSettings:
    """Settings of a test's own, in an INI file in `folder` (never the user's)."""
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, tmp_path, compute):
    win = MainWindow(RunStore(tmp_path / "runs"), compute, ini_settings(tmp_path))
    qtbot.addWidget(win)
    win.show()
    start(qtbot, compute)
    yield win
    win.ask_to_quit = lambda busy: True  # a test that leaves a job running quits without asking
    win.close()
    assert not compute.isRunning(), "the compute thread must be joined when the window closes"


@pytest.fixture
def panel(window):
    return window.panels["training"]
