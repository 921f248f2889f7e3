"""Opening image files: any format is converted on the compute thread; bad files say why."""

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from tests.gui.panels.occlusion.steps import idle, run


def digit(size: tuple[int, int]) -> np.ndarray:
    """A bright vertical bar on black, as a digit model expects."""
    a = np.zeros(size[::-1], np.float32)
    a[size[1] // 5 : -size[1] // 5, size[0] * 2 // 5 : size[0] * 3 // 5] = 1
    return a


def test_rgba_and_16_bit_files_are_converted_and_run(qtbot, occ, tmp_path):
    rgba = np.zeros((90, 60, 4), np.uint8)
    rgba[..., :3] = (digit((60, 90)) * 255)[..., None]
    rgba[..., 3] = 255
    rgba[:10, :, 3] = 0  # a transparent band: composited over white
    Image.fromarray(rgba, "RGBA").save(tmp_path / "bar.png")
    Image.fromarray((digit((300, 200)) * 65535).astype(np.uint16)).save(tmp_path / "bar16.png")

    occ.source.open_path(tmp_path / "bar.png")
    idle(qtbot, occ)
    info = occ.view.info
    assert info.image.shape == (1, 28, 28) and info.label is None
    pixels = info.image[0]
    assert pixels[0].min() == 255 and pixels[14, 14] == 255 > pixels[14, 2] == 0
    assert occ.form.target.currentData() == "pred"  # a file has no true class
    assert occ.form.target.findData("true") == -1
    run(qtbot, occ)
    assert occ.view.maps.done == occ.view.maps.total and occ.view.maps.target == info.top5[0][0]

    occ.source.open_path(tmp_path / "bar16.png")
    idle(qtbot, occ)
    sixteen = occ.view.info.image[0]
    assert sixteen[14, 14] == 255 and sixteen[14, 2] == 0 and sixteen[1, 14] == 0
    run(qtbot, occ)
    assert occ.view.maps.done == occ.view.maps.total


def test_a_file_that_is_not_an_image_says_so_and_the_panel_keeps_working(qtbot, occ, tmp_path):
    notes = tmp_path / "notes.png"
    notes.write_text("not pixels")
    occ.source.open_path(notes)
    idle(qtbot, occ)
    assert occ.source.file_problem.isVisible()
    assert "not an image" in occ.source.file_problem.text()
    assert "cannot be used" in occ.problems.text() and not occ.run_button.isEnabled()
    assert occ.error_box is None and occ.view.info is None  # no dialog, no stale image
    occ.source.tabs.setCurrentIndex(0)  # back to the dataset: runs again
    idle(qtbot, occ)
    run(qtbot, occ)
    assert occ.view.maps.done == occ.view.maps.total and occ.error_box is None


def test_torchvision_model_with_random_weights_on_a_file(qtbot, occ, tmp_path):
    Image.fromarray(np.full((120, 160, 3), (200, 30, 30), np.uint8)).save(tmp_path / "red.jpg")
    occ.model.kind.setCurrentIndex(1)  # torchvision
    occ.model.zoo_combo.setCurrentText("resnet18")
    occ.model.weights.setCurrentIndex(1)  # random weights: no download in tests
    assert not occ.source.tabs.isTabEnabled(0)  # no dataset behind an ImageNet model
    occ.source.open_path(tmp_path / "red.jpg")
    idle(qtbot, occ, timeout=60_000)
    assert occ.form.target.count() == 1001  # predicted + the ImageNet classes
    assert occ.form.target.itemText(1) == "0: tench"
    assert occ.view.info.image.shape == (3, 224, 224)
    assert (occ.form.win_h.value(), occ.form.stride.value()) == (56, 16)  # fit to 224 px
    occ.form.win_h.setValue(112)
    occ.form.win_w.setValue(112)
    occ.form.stride.setValue(112)
    run(qtbot, occ, timeout=60_000)
    assert occ.view.maps.total == 4 and occ.view.maps.done == 4
    assert occ.predicted.prediction.text().count("%") == 5
    qtbot.mouseClick(occ.gallery_button, Qt.MouseButton.LeftButton)  # disabled: no dataset
    assert occ.job is None


def test_missing_pretrained_weights_offer_a_download_with_progress(qtbot, occ, tmp_path,
                                                                   monkeypatch):
    from deepscope.core.jobs import Message, ProgressEvent
    from deepscope.panels.occlusion.jobs import OcclusionJobs

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # an empty torch cache
    fetched = []

    def fake_download(name):  # no network in tests: progress, then a message
        fetched.append(name)
        yield ProgressEvent(f"downloading {name} weights", 3 << 20, 6 << 20)
        yield Message(f"{name} weights ready")

    monkeypatch.setattr(OcclusionJobs, "download", staticmethod(fake_download))
    occ.model.kind.setCurrentIndex(1)
    occ.model.zoo_combo.setCurrentText("alexnet")
    idle(qtbot, occ, timeout=60_000)
    assert occ.model.download_button.isVisible() and not occ.run_button.isEnabled()
    assert "press Download" in occ.problems.text()
    assert str(tmp_path / "torch") in occ.model.download_button.toolTip()
    progress = []
    qtbot.mouseClick(occ.model.download_button, Qt.MouseButton.LeftButton)
    occ.job.on(yielded=lambda _: progress.append(occ.status.progress.format()))  # (after the
    idle(qtbot, occ)  # panel's own handler)
    assert fetched == ["alexnet"]
    assert any("3.0 / 6.0 MiB" in text for text in progress)
    assert occ.model.download_button.isVisible()  # checked again: still not in the cache
    occ.model.weights.setCurrentIndex(1)  # random weights need no file
    assert not occ.model.download_button.isVisible()
    assert occ.problems.text() == "Open an image file first."
