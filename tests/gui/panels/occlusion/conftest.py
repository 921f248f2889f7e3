"""Fixtures of the occlusion panel tests: a store with an
untrained LeNet run on digits, and the panel on it with its compute thread started."""

from __future__ import annotations

import pytest

from deepscope.core.runs.store import RunStore
from deepscope.panels.occlusion.panel import OcclusionPanel
from tests.gui.conftest import start
from tests.gui.panels.occlusion.steps import save_untrained_run


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("occlusion-runs")
    with RunStore(root) as store:
        save_untrained_run(store)
    return root


@pytest.fixture
def occ(qtbot, runs_root, compute):
    panel = OcclusionPanel(compute, RunStore(runs_root))
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    return panel
