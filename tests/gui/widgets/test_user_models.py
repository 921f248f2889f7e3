"""The user's own models in the shared model picker: opened from a Python file through the
dialog, loaded and checked on the compute thread, remembered in the store's folder, and
occluded like a trained run; a live module from `deepscope.explore` too."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from safetensors.torch import save_file
from torch import nn

from deepscope.core.runs import LiveModel, UserModel
from deepscope.core.runs.store import RunStore
from deepscope.panels.occlusion.panel import OcclusionPanel
from deepscope.widgets import open_model
from deepscope.widgets.model_picker import ModelPicker
from deepscope.widgets.user_models import read, user_models
from tests.gui.conftest import ini_settings, start
from tests.gui.panels.occlusion.steps import idle, run

NET = """
import torch
from torch import nn

def tiny():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
                         nn.Flatten(), nn.Linear(64, 3))

def crashes():
    raise RuntimeError("out of memory")
"""


@pytest.fixture
def occ(qtbot, tmp_path, compute):
    panel = OcclusionPanel(compute, RunStore(tmp_path / "runs"))
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    return panel


def open_in_dialog(monkeypatch, picker: ModelPicker, file, function: str, weights="") -> None:
    """Press Open model…, fill the dialog as a user would and press Open."""
    def fill(dialog) -> bool:
        dialog.file.setText(str(file))
        assert function in [dialog.function.itemText(i) for i in range(dialog.function.count())]
        dialog.function.setCurrentText(function)
        dialog.weights.setText(str(weights))
        dialog.side.setValue(16)
        dialog.mean.setText("0.5")
        dialog.std.setText("0.25")
        assert dialog.issue() is None, dialog.issue()
        return True

    monkeypatch.setattr(open_model.OpenModelDialog, "exec", fill)
    picker.open_button.click()


def test_a_model_from_a_python_file_is_occluded_and_remembered(qtbot, occ, tmp_path,
                                                                monkeypatch):
    (tmp_path / "net.py").write_text(NET)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
                          nn.Flatten(), nn.Linear(64, 3))
    save_file(model.state_dict(), tmp_path / "w.safetensors")
    open_in_dialog(monkeypatch, occ.model, tmp_path / "net.py", "tiny", tmp_path / "w.safetensors")
    picker = occ.model
    assert picker.is_user() and "net.py:tiny (1 x 16 x 16)" in picker.user_combo.currentText()
    idle(qtbot, occ)
    assert picker.problem() is None and picker.classes() == ("class 0", "class 1", "class 2")
    assert occ.form.target.count() == 1 + 3  # predicted and its classes (no dataset: no true)
    occ.source.tabs.setCurrentIndex(2)  # draw
    occ.source.canvas.image.fill(Qt.GlobalColor.white)
    occ.source.canvas.blank = False
    occ.source.canvas.changed.emit()
    occ.form.win_h.setValue(4)
    occ.form.win_w.setValue(4)
    occ.form.stride.setValue(4)
    run(qtbot, occ)
    assert occ.view.maps.done == 16 and not np.isnan(occ.view.maps.probability).any()
    again = user_models(RunStore(tmp_path / "runs2")).entries  # another store: not there
    assert again == []
    assert read(tmp_path / "runs" / "user-models.json") == [picker.source()]  # for next time


def test_a_model_that_fails_is_named_and_blocks_run(qtbot, occ, tmp_path, monkeypatch):
    (tmp_path / "net.py").write_text(NET)
    open_in_dialog(monkeypatch, occ.model, tmp_path / "net.py", "crashes")
    idle(qtbot, occ)
    assert occ.model.problem() == "net.py:crashes: net.py:crashes failed: RuntimeError: out of " \
        "memory"
    assert not occ.run_button.isEnabled()
    assert "out of memory" in occ.problems.text()


def test_the_dialog_refuses_what_cannot_load(qtbot, tmp_path):
    dialog = open_model.OpenModelDialog()
    qtbot.addWidget(dialog)
    assert dialog.issue() == "Choose the Python file (.py) that defines your model."
    (tmp_path / "net.py").write_text(NET)
    dialog.file.setText(str(tmp_path / "net.py"))
    assert [dialog.function.itemText(i) for i in range(2)] == ["tiny", "crashes"]
    dialog.weights.setText(str(tmp_path / "gone.safetensors"))
    assert dialog.issue().startswith("No weights file at")
    dialog.weights.setText("")
    dialog.channels.setCurrentIndex(1)
    dialog.mean.setText("0.4, 0.5")
    assert dialog.issue() == "Mean: one number, or 3 separated by commas."
    dialog.mean.setText("0.4, 0.5, 0.6")
    dialog.std.setText("0")
    assert dialog.issue() == "Std must be positive."
    dialog.std.setText("0.2")
    assert dialog.issue() is None
    assert dialog.source() == UserModel(tmp_path / "net.py", "tiny", None, (3, 28, 28),
                                        (0.4, 0.5, 0.6), (0.2,))


def test_explore_offers_a_live_module_in_every_picker(qtbot, tmp_path, monkeypatch):
    import deepscope
    from deepscope import app

    monkeypatch.setattr(app, "user_settings", lambda: ini_settings(tmp_path))
    model = nn.Sequential(nn.Conv2d(3, 2, 3), nn.Flatten(), nn.LazyLinear(4))
    images = np.random.default_rng(0).integers(0, 256, (5, 3, 20, 20), dtype=np.uint8)
    window = deepscope.explore(model, images, [0, 1, 2, 3, 0], list("abcd"), mean=0.5,
                               runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    try:
        picker = window.panels["occlusion"].model
        live = picker.source()
        assert isinstance(live, LiveModel) and live.module is model
        assert live.shape == (3, 20, 20) and live.mean == (0.5,) and live.classes == tuple("abcd")
        assert picker.has_dataset() and picker.image_size() == 20
        qtbot.waitUntil(lambda: picker.problem() is None, timeout=60_000)
        assert picker.classes() == tuple("abcd")
    finally:
        window.ask_to_quit = lambda busy: True
        window.close()
    assert not window.compute.isRunning()
