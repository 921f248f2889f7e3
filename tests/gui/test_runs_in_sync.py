"""One truth for runs, in the real window: a run the store gains, whichever panel's job made it,
is offered at once by every panel that lists runs, with no restart and no Refresh."""

import pytest
from PySide6.QtCore import Qt

from deepscope.app import MainWindow
from deepscope.core.runs.store import RunStore
from tests.factories import stored_classifier, stored_gan
from tests.gui.conftest import ini_settings


@pytest.fixture
def idle_window(qtbot, tmp_path, compute):
    """The main window with its compute thread not started: the panels list runs all the same."""
    win = MainWindow(RunStore(tmp_path / "runs"), compute, ini_settings(tmp_path))
    qtbot.addWidget(win)
    yield win
    win.close()


def test_a_new_run_is_offered_by_every_panel_at_once(qtbot, idle_window):
    panels, store = idle_window.panels, idle_window.store
    judges = panels["gan"].scores.judge
    assert judges.count() == 1  # "no judge" only

    classifier = stored_classifier(store, message="test accuracy 0.950")  # e.g. a judge
    gan = stored_gan(store)

    runs = panels["training"].live.runs
    qtbot.waitUntil(lambda: runs.count() == 1, timeout=5_000)
    assert runs.item(0).data(Qt.ItemDataRole.UserRole) == classifier.id
    assert judges.findData(str(classifier.dir)) > 0
    assert panels["occlusion"].model.current_run().id == classifier.id
    assert panels["latent"].picker.run_id() == gan.id
    assert panels["gan"].live.runs.count() == 1
