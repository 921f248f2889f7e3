"""The occlusion panel driven through its real widgets, on an untrained LeNet run."""

import json
import shutil

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

from deepscope.core.runs.store import RunStore
from deepscope.panels.occlusion.panel import OcclusionPanel
from deepscope.widgets.image_source import DATASET, FILE
from tests.factories import stored_classifier
from tests.gui.panels.occlusion.steps import run


def click_map(qtbot, panel, x: float, y: float) -> None:
    """A real mouse click on the map at image pixel (x, y)."""
    view = panel.view
    scene = view.plot.vb.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.graphics.mapFromScene(scene))


def test_run_fills_the_map_probe_and_export(qtbot, occ, tmp_path, monkeypatch):
    runs = occ.model.run_combo
    assert runs.count() == 1 and "lenet on digits" in runs.currentText()
    assert runs.itemText(0).endswith(f"·{occ.model.current_run().id[-4:]}")  # told apart
    assert occ.form.target.count() == 12  # true, predicted, ten classes
    occ.form.win_h.setValue(7)
    occ.form.win_w.setValue(7)
    occ.form.stride.setValue(2)
    run(qtbot, occ)
    m = occ.view.maps
    assert m.done == m.total == 12 * 12 and not np.isnan(m.probability).any()
    assert "Done" in occ.status.text() and occ.view.info.image.shape == (1, 28, 28)
    assert not occ.view.dirty  # the whole map is drawn when the status says Done
    assert occ.predicted.prediction.text().count("%") == 5
    for choice in range(occ.view.map_choice.count()):  # every map draws
        occ.view.map_choice.setCurrentIndex(choice)
        assert occ.view.overlay.image is not None
    assert occ.view.legend.isVisible() is False or "class" in occ.view.legend.text()

    occ.view.map_choice.setCurrentIndex(0)
    click_map(qtbot, occ, 14.0, 14.0)  # image centre -> the window centred there
    assert occ.probe is not None
    qtbot.waitUntil(lambda: occ.probe is None, timeout=10_000)
    text = occ.predicted.probe_text.text()
    assert "window over x 10–16, y 10–16" in text and text.count("%") == 5  # pixels, as the axes
    assert "is with the window over x " in occ.status.text()
    assert not occ.predicted.probe_image.pixmap().isNull()

    png, svg, npy = tmp_path / "view.png", tmp_path / "view.svg", tmp_path / "maps"
    answers = iter([(str(png), ""), (str(svg), "")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: next(answers))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(npy))
    for action in occ.view.export_button.menu().actions():  # PNG, SVG, .npy, as a user picks
        action.trigger()
        assert "aved" in occ.status.text()
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 200
    text = svg.read_text()
    assert text.startswith("<?xml") and "<svg" in text and "<image" in text  # images embedded
    assert "p(target | occluded)" in text  # the colour bar's label, as text
    assert json.loads((npy / "meta.json").read_text())["occluder"] == "grey"
    for name in ("probability", "drop", "top_class", "pixel"):
        saved = np.load(npy / f"{name}.npy")
        assert np.array_equal(saved, getattr(m, name), equal_nan=True)


def test_cancel_keeps_the_partial_map_and_runs_again(qtbot, occ):
    occ.form.win_h.setValue(3)
    occ.form.win_w.setValue(3)
    occ.form.stride.setValue(1)
    occ.form.batch.setValue(1)
    qtbot.mouseClick(occ.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: occ.view.maps is not None and occ.view.maps.done >= 20, timeout=30_000)
    qtbot.mouseClick(occ.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: occ.job is None, timeout=10_000)
    m = occ.view.maps
    assert m.done < m.total == 26 * 26 and "Cancelled" in occ.status.text()
    assert np.isnan(m.probability).sum() == m.total - m.done
    assert occ.run_button.isEnabled()

    occ.form.batch.setValue(256)
    run(qtbot, occ)
    assert occ.view.maps.done == occ.view.maps.total


def test_window_larger_than_the_image_disables_run(qtbot, occ):
    occ.form.win_h.setValue(40)
    assert not occ.run_button.isEnabled()
    assert occ.problems.isVisible() and "does not fit the 28×28 image" in occ.problems.text()
    occ.form.win_h.setValue(28)
    assert occ.run_button.isEnabled() and not occ.problems.isVisible()


def test_missing_checkpoint_shows_error_and_next_run_works(qtbot, occ):
    good = occ.store.runs("classifier")[0]
    broken = occ.store.create_run(good.config)
    occ.store.set_status(broken.id, "finished")
    occ.refresh_runs()
    assert occ.model.run_combo.count() == 2 and occ.model.current_run().id == good.id
    occ.model.run_combo.setCurrentIndex(0)
    assert occ.model.current_run().id == broken.id
    run(qtbot, occ)
    box = occ.error_box
    assert isinstance(box, QMessageBox) and box.isVisible() and not box.detailedText()
    assert "Failed" in occ.status.text()
    box.close()
    occ.store.delete(broken.id)
    shutil.rmtree(broken.dir, ignore_errors=True)
    occ.refresh_runs()
    assert occ.model.current_run().id == good.id
    run(qtbot, occ)
    assert occ.view.maps.done == occ.view.maps.total


def test_settings_round_trip(qtbot, occ, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    occ.form.win_h.setValue(5)
    occ.form.win_w.setValue(9)
    occ.form.stride.setValue(3)
    occ.form.occluder.setCurrentText("blur")
    occ.view.opacity.setValue(35)
    occ.save_settings(settings)
    settings.sync()
    fresh = OcclusionPanel(occ.compute, occ.store)
    qtbot.addWidget(fresh)
    fresh.load_settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    form = fresh.form
    assert (form.win_h.value(), form.win_w.value(), form.stride.value()) == (5, 9, 3)
    assert fresh.form.occluder.currentText() == "blur" and fresh.view.opacity.value() == 35
    settings.setValue("occlusion/size", 224)  # saved while a torchvision model was chosen
    settings.sync()
    fresh.load_settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert (form.win_h.value(), form.win_w.value(), form.stride.value()) == (7, 7, 2)


def test_dataset_tab_returns_once_a_run_is_trained(qtbot, compute, tmp_path):
    store = RunStore(tmp_path / "runs")
    panel = OcclusionPanel(compute, store)
    qtbot.addWidget(panel)
    assert panel.source.tabs.currentIndex() == FILE and not panel.source.tabs.isTabEnabled(0)
    assert "No finished classifier run" in panel.problems.text()
    stored_classifier(store)  # (as the Training panel would): offered with no Refresh
    qtbot.waitUntil(lambda: panel.source.tabs.currentIndex() == DATASET, timeout=5_000)
    assert panel.run_button.isEnabled()
    assert panel.form.target.currentData() == "true"
    store.close()
