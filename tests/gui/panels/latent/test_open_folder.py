"""Open… on a folder that holds no GAN checkpoint: one dialog in the app's words, no traceback,
and the folder is not left in the generator list."""

from PySide6.QtWidgets import QFileDialog

from deepscope.core.runs.store import RunStore
from deepscope.panels.latent.panel import LatentPanel
from tests.factories import stored_gan
from tests.gui.conftest import start


def test_a_folder_without_a_checkpoint_is_refused_without_a_traceback(qtbot, tmp_path, compute,
                                                                       monkeypatch):
    store = RunStore(tmp_path / "runs")
    run = stored_gan(store)
    panel = LatentPanel(compute, store)
    qtbot.addWidget(panel)
    panel.show()
    start(qtbot, compute)
    qtbot.waitUntil(lambda: panel.info is not None, timeout=20_000)  # the stored run loads
    empty = tmp_path / "not-a-run"
    empty.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(empty))

    panel.picker.open_button.click()
    qtbot.waitUntil(lambda: panel.error_box is not None, timeout=20_000)
    box = panel.error_box
    assert box.isVisible() and box.detailedText() == ""  # expected: no traceback
    assert "Traceback" not in box.text() and box.text()
    picker = panel.picker
    assert picker.folders == [] and picker.combo.findData(str(empty)) < 0
    assert picker.run_id() == run.id  # back to a run that loads
    qtbot.waitUntil(lambda: panel.info is not None, timeout=20_000)
    box.close()
    store.close()
