"""Two models' maps of the same images side by side: a classifier beside a triplet-trained
embedding, points linked by dataset image; a run whose checkpoint is gone says so."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt

from deepscope.app import MainWindow
from deepscope.core.classifier import TrainConfig, train
from deepscope.core.runs.store import RunStore
from tests.factories import stored_classifier
from tests.gui.conftest import ini_settings, start

from .conftest import open_panel
from .test_panel import choose, idle, run

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def store(tmp_path):
    """A LeNet classifier (untrained) and a 1-epoch triplet run, both on digits."""
    store = RunStore(tmp_path / "runs")
    stored_classifier(store)
    config = TrainConfig(dataset="digits", objective="triplet", embedding_dim=16, epochs=1)
    assert [e for e in train(config, store) if e is not None][-1].status == "finished"
    yield store
    store.close()


def pick_run(picker, objective: str) -> None:
    runs = [r.config.get("config", {}).get("objective", "classify") for r in picker.runs]
    picker.run_combo.setCurrentIndex(runs.index(objective))


def test_a_similarity_run_is_mapped_beside_a_classifier(qtbot, compute, store):
    panel = open_panel(qtbot, compute, store)
    pick_run(panel.models[0], "classify")
    qtbot.mouseClick(panel.compare, LEFT)
    assert panel.models[1].isVisible() and panel.panes[1].isVisible()
    pick_run(panel.models[1], "triplet")
    idle(qtbot, panel)
    assert panel.setup[1].similarity and panel.setup[1].default == "classifier.fc3"  # 16 wide
    choose(panel, "pca")
    run(qtbot, panel)
    a, b = panel.panes
    assert a.has_map() and b.has_map()
    np.testing.assert_array_equal(a.features.indices, b.features.indices)
    assert b.features.values.shape[1] == 16 and b.features.predicted is None
    predicted = b.map.colouring.model().item(b.map.colouring.findText("predicted class"))
    assert not predicted.isEnabled()  # an embedding has no classes to predict
    assert b.quality is not None and 0 <= b.quality.knn_accuracy <= 1
    panel.clicked(0, 7)
    idle(qtbot, panel)
    near = panel.details.near
    same = [int(np.flatnonzero(b.features.indices == i)[0]) for i in a.features.indices[near.rows]]
    np.testing.assert_array_equal(b.map.cloud.rings["neighbours"], same)
    np.testing.assert_array_equal(b.map.cloud.rings["chosen"],
                                  np.flatnonzero(b.features.indices == a.features.indices[7]))
    rows = np.arange(0, len(a.features.values), 3)  # a selection: the same images outlined
    panel.enclosed(0, rows)
    np.testing.assert_array_equal(b.features.indices[b.map.cloud.outlined],
                                  a.features.indices[rows])


def test_a_run_whose_checkpoint_is_gone_says_so_and_the_panel_works_on(qtbot, compute, store):
    panel = open_panel(qtbot, compute, store)
    pick_run(panel.models[0], "triplet")
    idle(qtbot, panel)
    shutil.rmtree(panel.models[0].current_run().dir)
    choose(panel, "pca")
    run(qtbot, panel)
    box = panel.controls.error_box
    assert "checkpoint" in box.text().lower() or "no such" in box.text().lower(), box.text()
    assert "Traceback" not in box.text()
    box.close()
    pick_run(panel.models[0], "classify")
    idle(qtbot, panel)
    run(qtbot, panel)
    assert panel.panes[0].has_map()


def test_map_in_embeddings_opens_a_training_run_there(qtbot, tmp_path, compute, store):
    window = MainWindow(store, compute, ini_settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    start(qtbot, compute)
    training = window.panels["training"]
    triplet = next(r for r in store.runs("classifier")
                   if r.config["config"].get("objective") == "triplet")
    training.runs.setCurrentItem(training.runs.item_of(triplet.id))
    assert training.embed_button.isEnabled()
    qtbot.mouseClick(training.embed_button, LEFT)
    panel = window.panels["embedding"]
    assert window.tabs.currentWidget() is panel
    assert panel.models[0].current_run().id == triplet.id
    qtbot.waitUntil(lambda: panel.setup[0] is not None and panel.idle(), timeout=30_000)
    assert panel.setup[0].similarity and "the embedding" in panel.form.layer.currentText()
    window.close()
