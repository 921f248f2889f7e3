"""The features panel driven through its real widgets, on an untrained LeNet run."""

from __future__ import annotations

import json
import time

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QFileDialog

import deepscope.core.features.units as units
from deepscope.core.runs.inputs import InputCache
from deepscope.core.runs.sources import RunModel
from deepscope.core.runs.store import RunStore
from deepscope.panels.features.jobs import FROM_CACHE
from deepscope.panels.features.panel import FeaturesPanel
from deepscope.widgets.image_source import DRAW
from tests.factories import save_classifier, stored_classifier
from tests.gui.conftest import ini_settings, start
from tests.gui.test_fits_laptop import SMALL, short_of_room

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton


def idle(qtbot, panel, timeout: int = 30_000) -> None:
    qtbot.waitUntil(panel.idle, timeout=timeout)


def pick_layer(qtbot, panel, name: str) -> None:
    """Click the layer's row in the tree."""
    view = panel.layers.view
    item = next(i for i in view.findItems("*", Qt.MatchFlag.MatchWildcard
                                          | Qt.MatchFlag.MatchRecursive)
                if i.data(0, Qt.ItemDataRole.UserRole) == name)
    view.scrollToItem(item)
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualItemRect(item).center())
    idle(qtbot, panel)


def click_cell(qtbot, grid, i: int) -> None:
    qtbot.mouseClick(grid, LEFT, pos=grid.cell_rect(i).center())


def weights(run, layer: str) -> np.ndarray:
    clf = InputCache("cpu").classifier(RunModel(run.dir))
    return clf.model.get_submodule(layer).weight.detach().numpy()


def test_layers_filters_and_a_clicked_channel(qtbot, features, classifier_run):
    assert features.layers.layer() == "features.conv1.conv"  # the first convolution
    f = features.filters.filters
    assert f.mode == "grey" and len(features.filters.grid.images) == 6
    w = weights(classifier_run, "features.conv1.conv")
    np.testing.assert_allclose(f.tiles, 0.5 + w / (2 * np.abs(w).max((1, 2, 3), keepdims=True)),
                               rtol=1e-5)
    pick_layer(qtbot, features, "features.conv2.conv")
    f = features.filters.filters
    assert f.layer == "features.conv2.conv" and f.mode == "L2 norm over 6 inputs"
    assert features.activations.act.maps.shape == (16, 10, 10)
    features.filters.input.setValue(2)
    idle(qtbot, features)
    assert features.filters.filters.mode == "input channel 2"
    features.filters.sort.setChecked(True)
    idle(qtbot, features)
    assert list(features.filters.filters.channel) == list(np.argsort(
        -np.linalg.norm(weights(classifier_run, "features.conv2.conv").reshape(16, -1), axis=1),
        kind="stable"))
    click_cell(qtbot, features.filters.grid, 0)  # the largest filter: its own channel
    assert features.channel == features.filters.filters.channel[0] != 0
    assert features.filters.grid.highlight[0]

    features.views.setCurrentIndex(1)
    click_cell(qtbot, features.activations.grid, 5)
    assert features.channel == 5 and features.units.channel.value() == 5
    assert features.activations.grid.highlight == [k == 5 for k in range(16)]
    assert features.activations.caption.text().startswith("Channel 5 of features.conv2.conv")
    shown = features.activations.image.image
    np.testing.assert_array_equal(shown, features.activations.act.maps[5])
    pick_layer(qtbot, features, "classifier.fc1.fc")  # a vector: its units as 1 x 1 tiles
    assert features.activations.act.maps.shape == (120, 1, 1)
    assert "no filters to show" in features.filters.grid.empty_text
    assert "has no spatial map" in features.units.grid.empty_text
    assert not features.units.scan_button.isEnabled()


def slowed_scans(monkeypatch) -> list[int]:
    """unit_scan_job, counted, with a pause after each batch (so Cancel finds it running)."""
    calls, scan = [], units.unit_scan_job

    def slow(*args, **kwargs):
        calls.append(1)
        for event in scan(*args, **kwargs):
            time.sleep(0.05)
            yield event

    monkeypatch.setattr(units, "unit_scan_job", slow)
    return calls


def test_scan_cancel_scan_again_and_from_the_cache(qtbot, features, monkeypatch):
    calls = slowed_scans(monkeypatch)
    pick_layer(qtbot, features, "features.conv2.conv")
    scan_button, cancel = features.units.scan_button, features.units.cancel_button
    qtbot.mouseClick(scan_button, LEFT)
    assert cancel.isEnabled() and not scan_button.isEnabled()
    assert features.views.currentIndex() == 2  # the Units view
    qtbot.waitUntil(lambda: features.status.progress.value() > 0, timeout=30_000)
    qtbot.mouseClick(cancel, LEFT)
    idle(qtbot, features)
    assert features.scan is None and "cancelled" in features.status.text()
    assert scan_button.isEnabled() and not cancel.isEnabled()

    qtbot.mouseClick(scan_button, LEFT)
    idle(qtbot, features, 60_000)
    scan = features.scan
    assert len(calls) == 2 and scan.value.shape == (16, 9) and "Scan done" in features.status.text()
    patches = features.units.patches
    assert patches.channel == 0 and patches.patches.shape[:2] == (9, 1)
    assert features.units.grid.captions == [f"{v:.3g}" for v in scan.value[0]]

    qtbot.mouseClick(scan_button, LEFT)  # the same checkpoint, layer and split
    idle(qtbot, features)
    assert len(calls) == 2 and features.status.text() == FROM_CACHE
    features.units.channel.setValue(7)
    idle(qtbot, features)
    assert features.units.patches.channel == 7 and len(calls) == 2
    click_cell(qtbot, features.units.grid, 2)  # that image as the input, with its unit's box
    idle(qtbot, features)
    assert features.source.browser.index.value() == scan.index[7, 2]
    assert "channel 7's strongest unit" in features.input.field.text()


def mouse(canvas, kind: QEvent.Type, x: float, y: float) -> None:
    """A mouse event on the canvas at (x, y), fractions of its size, the left button held."""
    p = QPointF(x * canvas.width(), y * canvas.height())
    button = NONE if kind == QEvent.Type.MouseMove else LEFT
    held = NONE if kind == QEvent.Type.MouseButtonRelease else LEFT
    QApplication.sendEvent(canvas, QMouseEvent(kind, p, p, button, held,
                                               Qt.KeyboardModifier.NoModifier))


def test_drawing_updates_the_activations_during_the_stroke(qtbot, features):
    features.source.tabs.setCurrentIndex(DRAW)
    assert "Draw something" in features.activations.grid.empty_text
    canvas = features.source.canvas
    mouse(canvas, QEvent.Type.MouseButtonPress, 0.5, 0.1)
    qtbot.waitUntil(lambda: features.act is not None and features.act.label is None)
    first = features.act
    for y in (0.3, 0.5, 0.7, 0.9):  # the button stays down: no stroke has ended
        mouse(canvas, QEvent.Type.MouseMove, 0.5, y)
    qtbot.waitUntil(lambda: features.act.image[0, 22, 14] > 200, timeout=10_000)
    assert first.image[0, 22, 14] == 0 and not np.array_equal(first.maps, features.act.maps)
    assert features.activations.grid.images  # painted as they came
    mouse(canvas, QEvent.Type.MouseButtonRelease, 0.5, 0.9)
    idle(qtbot, features)
    assert features.act.image[0, 3:25, 14].min() > 100  # the whole stroke


def test_export_png_svg_and_arrays(qtbot, features, tmp_path, monkeypatch):
    features.views.setCurrentIndex(1)
    view = features.activations
    png, svg, npy = tmp_path / "act.png", tmp_path / "act.svg", tmp_path / "arrays"
    answers = iter([(str(png), ""), (str(svg), "")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: next(answers))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(npy))
    for action in view.export_button.menu().actions():
        action.trigger()
        assert "aved" in features.status.text()
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 200
    assert "<svg" in svg.read_text() and "<image" in svg.read_text()
    np.testing.assert_array_equal(np.load(npy / "activations.npy"), view.act.maps)
    assert json.loads((npy / "meta.json").read_text())["layer"] == "features.conv1.conv"
    export = features.data_export()
    assert export.name == "activations" and export.save(tmp_path / "again") == tmp_path / "again"
    features.views.setCurrentIndex(2)
    assert features.data_export() == "no scan yet: press Scan"


def test_a_deleted_checkpoint_is_said_in_the_views(qtbot, tmp_path, compute):
    store = RunStore(tmp_path / "runs")
    run = stored_classifier(store)
    for file in run.dir.glob("best*"):
        file.unlink()
    panel = FeaturesPanel(compute, store)
    qtbot.addWidget(panel)
    panel.show()
    start(qtbot, compute)
    idle(qtbot, panel)
    assert "holds no checkpoint" in panel.filters.grid.empty_text
    assert panel.filters.grid.empty_text == panel.input.prediction.text()


def test_empty_then_a_run_every_text_has_room_at_1024_by_700(window, qtbot):
    window.resize(*SMALL)
    panel = window.show_panel("features")
    qtbot.waitUntil(lambda: window.size().toTuple() == SMALL)
    assert "No finished classifier run yet: train one" in panel.filters.grid.empty_text
    qtbot.wait(20)  # (layouts settle)
    assert short_of_room(panel) == []
    stored_classifier(window.store)  # the picker follows the store
    qtbot.waitUntil(lambda: panel.act is not None and panel.idle(), timeout=30_000)
    for view in range(panel.views.count()):
        panel.views.setCurrentIndex(view)
        qtbot.wait(20)  # (layouts settle)
        assert short_of_room(panel) == []


def test_settings_bring_back_the_layer_and_the_scales(qtbot, features, classifier_run, tmp_path):
    pick_layer(qtbot, features, "features.conv2.conv")
    features.filters.scale.setCurrentIndex(1)
    features.activations.scale.setCurrentIndex(2)
    features.units.split.setCurrentIndex(1)
    settings = ini_settings(tmp_path)
    features.save_settings(settings)
    again = FeaturesPanel(features.compute, RunStore(classifier_run.dir.parent))
    qtbot.addWidget(again)
    again.load_settings(settings)
    again.show()
    qtbot.waitUntil(lambda: again.act is not None and again.idle(), timeout=30_000)
    assert again.layers.layer() == "features.conv2.conv"
    assert again.filters.filters.scale == "layer"
    assert again.activations.scale.currentData() == "network"
    assert again.units.split.currentData() == features.units.split.currentData() != "all"


def test_the_filters_follow_a_run_that_trains_on(qtbot, tmp_path, compute):
    store = RunStore(tmp_path / "runs")
    run = stored_classifier(store)
    panel = FeaturesPanel(compute, store)
    qtbot.addWidget(panel)
    panel.show()
    start(qtbot, compute)
    qtbot.waitUntil(lambda: panel.act is not None and panel.idle(), timeout=30_000)
    before = panel.filters.filters.weights
    retrained = save_classifier(run.dir, seed=1)  # an epoch's new checkpoint, then its log
    store.log_epoch(run.id, 2, {"val_acc": 0.5})
    qtbot.waitUntil(lambda: panel.filters.filters.weights is not before, timeout=10_000)
    idle(qtbot, panel)
    now = retrained.get_submodule("features.conv1.conv").weight.detach().numpy()
    np.testing.assert_array_equal(panel.filters.filters.weights, now)
    assert not np.array_equal(before, now)
