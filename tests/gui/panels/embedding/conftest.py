"""The Embeddings panel on a store of one untrained LeNet run on digits, its compute thread
started and the run's layers and splits known."""

from __future__ import annotations

import pytest

from deepscope.core.runs.store import RunStore
from deepscope.panels.embedding import EmbeddingPanel
from tests.gui.conftest import start


def open_panel(qtbot, compute, store: RunStore) -> EmbeddingPanel:
    panel = EmbeddingPanel(compute, store)
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    qtbot.waitUntil(lambda: panel.setup[0] is not None and panel.idle(), timeout=30_000)
    return panel


@pytest.fixture
def embedding(qtbot, classifier_run, compute):
    return open_panel(qtbot, compute, RunStore(classifier_run.dir.parent))
