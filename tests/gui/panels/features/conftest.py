"""The features panel on the shared store of one untrained LeNet run on digits, with its
compute thread started and its model's layers loaded."""

from __future__ import annotations

import pytest

from deepscope.core.runs.store import RunStore
from deepscope.panels.features.panel import FeaturesPanel
from tests.gui.conftest import start


@pytest.fixture
def features(qtbot, classifier_run, compute):
    panel = FeaturesPanel(compute, RunStore(classifier_run.dir.parent))
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    qtbot.waitUntil(lambda: panel.act is not None and panel.idle(), timeout=30_000)
    return panel
