"""The occlusion panel driven through its real widgets, on a LeNet trained for one epoch."""

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from core.runs.store import RunStore
from gui.panels.occlusion import OcclusionPanel
from tests.gui.conftest import start


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    from gui.cli import main

    root = tmp_path_factory.mktemp("occlusion-runs")
    assert main(["--runs-dir", str(root), "train", "--epochs", "1"]) == 0
    return root


@pytest.fixture
def occ(qtbot, runs_root, compute):
    panel = OcclusionPanel(compute, RunStore(runs_root))
    qtbot.addWidget(panel)
    panel.resize(1300, 700)
    panel.show()
    start(qtbot, compute)
    return panel


def run(qtbot, panel, timeout=30_000):
    assert panel.run_button.isEnabled(), panel.problems.text()
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.job is not None and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.job is None, timeout=timeout)


def test_run_fills_the_map_probe_and_export(qtbot, occ, tmp_path):
    qtbot.wait(50)
    occ.grab().save("/tmp/occlusion_panel_empty.png")
    assert occ.run_combo.count() == 1 and "lenet on digits" in occ.run_combo.currentText()
    assert occ.target.count() == 12  # true, predicted, ten classes
    occ.win_h.setValue(7)
    occ.win_w.setValue(7)
    occ.stride.setValue(2)
    run(qtbot, occ)
    m = occ.maps
    assert m.done == m.total == 12 * 12 and not np.isnan(m.probability).any()
    assert "Done" in occ.status.text() and occ.info.image.shape == (1, 28, 28)
    assert occ.prediction.text().count("%") == 5
    for choice in range(occ.map_choice.count()):  # every map draws
        occ.map_choice.setCurrentIndex(choice)
        assert occ.overlay.image is not None
    assert occ.legend.isVisible() is False or "class" in occ.legend.text()

    occ.on_map_click(14.0, 14.0)  # image centre -> the window centred there
    qtbot.waitUntil(lambda: occ.probe is None, timeout=10_000)
    text = occ.probe_text.text()
    assert "row 5, column 5" in text and text.count("%") == 5
    assert not occ.probe_image.pixmap().isNull()

    png = occ.export_png(tmp_path / "view.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 200
    occ.export_npy(tmp_path / "maps")
    for name in ("probability", "drop", "top_class", "pixel"):
        saved = np.load(tmp_path / "maps" / f"{name}.npy")
        assert np.array_equal(saved, getattr(m, name), equal_nan=True)
    occ.map_choice.setCurrentIndex(0)
    qtbot.wait(100)  # let the layout settle before the screenshot
    occ.grab().save("/tmp/occlusion_panel.png")


def test_cancel_keeps_the_partial_map_and_runs_again(qtbot, occ):
    occ.win_h.setValue(3)
    occ.win_w.setValue(3)
    occ.stride.setValue(1)
    occ.batch.setValue(1)
    qtbot.mouseClick(occ.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: occ.maps is not None and occ.maps.done >= 20, timeout=30_000)
    qtbot.mouseClick(occ.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: occ.job is None, timeout=10_000)
    m = occ.maps
    assert m.done < m.total == 26 * 26 and "Cancelled" in occ.status.text()
    assert np.isnan(m.probability).sum() == m.total - m.done
    assert occ.run_button.isEnabled()

    occ.batch.setValue(256)
    run(qtbot, occ)
    assert occ.maps.done == occ.maps.total


def test_window_larger_than_the_image_disables_run(qtbot, occ):
    occ.win_h.setValue(40)
    assert not occ.run_button.isEnabled()
    assert occ.problems.isVisible() and "does not fit the 28×28 image" in occ.problems.text()
    occ.win_h.setValue(28)
    assert occ.run_button.isEnabled() and not occ.problems.isVisible()


def test_missing_checkpoint_shows_error_and_next_run_works(qtbot, occ):
    good = occ.store.runs("classifier")[0]
    broken = occ.store.create_run(good.config)
    occ.store.set_status(broken.id, "finished")
    occ.refresh_runs()
    assert occ.run_combo.count() == 2 and occ.current_run().id == good.id
    occ.run_combo.setCurrentIndex(0)
    assert occ.current_run().id == broken.id
    run(qtbot, occ)
    box = occ.error_box
    assert isinstance(box, QMessageBox) and box.isVisible() and box.detailedText()
    assert "Failed" in occ.status.text()
    box.close()
    occ.store.delete(broken.id)
    shutil.rmtree(broken.dir, ignore_errors=True)
    occ.refresh_runs()
    assert occ.current_run().id == good.id
    run(qtbot, occ)
    assert occ.maps.done == occ.maps.total


def test_settings_round_trip(qtbot, occ, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    occ.win_h.setValue(5)
    occ.win_w.setValue(9)
    occ.stride.setValue(3)
    occ.occluder.setCurrentText("blur")
    occ.opacity.setValue(35)
    occ.save_settings(settings)
    settings.sync()
    fresh = OcclusionPanel(occ.compute, occ.store)
    qtbot.addWidget(fresh)
    fresh.load_settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert (fresh.win_h.value(), fresh.win_w.value(), fresh.stride.value()) == (5, 9, 3)
    assert fresh.occluder.currentText() == "blur" and fresh.opacity.value() == 35
