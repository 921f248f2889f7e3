"""A real main window with its compute thread, joined at teardown."""

import pytest

from core.runs.store import RunStore
from gui.app import MainWindow
from gui.compute import ComputeThread


@pytest.fixture
def window(qtbot, tmp_path):
    compute = ComputeThread()
    win = MainWindow(RunStore(tmp_path / "runs"), compute)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(compute.ready, timeout=60_000):
        compute.start()
    yield win
    win.close()
    assert not compute.isRunning(), "the compute thread must be joined when the window closes"


@pytest.fixture
def panel(window):
    return window.panels[0]
