"""The occlusion panel on the shared store of one untrained LeNet run on digits, with its
compute thread started."""

from __future__ import annotations

import pytest

from deepscope.core.runs.store import RunStore
from deepscope.panels.occlusion.panel import OcclusionPanel
from tests.gui.conftest import start


@pytest.fixture
def occ(qtbot, classifier_run, compute):
    panel = OcclusionPanel(compute, RunStore(classifier_run.dir.parent))
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    return panel
