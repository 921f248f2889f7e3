"""The iGAN panel driven through its real widgets on a DCGAN trained briefly on digits: paint
a stroke, the candidates follow; the slider morphs; save and reopen; project a file and edit
it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.store import RunStore
from deepscope.panels.igan import IganPanel
from tests.factories import gan_meta, save_gan
from tests.gui.conftest import start

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton


@pytest.fixture
def igan(qtbot, digits_gan_run, compute):
    panel = IganPanel(compute, RunStore(digits_gan_run.parent))
    qtbot.addWidget(panel)
    panel.resize(1300, 760)
    panel.show()
    start(qtbot, compute)
    qtbot.waitUntil(lambda: panel.frame is not None and panel.idle(), timeout=60_000)
    return panel


def idle(qtbot, panel) -> None:
    qtbot.waitUntil(panel.idle, timeout=60_000)


def stroke(pad, points: list[tuple[float, float]]) -> None:
    """A mouse stroke through `points` (fractions of the pad's picture)."""
    rect = pad.target()
    spots = [QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())
             for x, y in points]
    for i, p in enumerate(spots):
        kind = QEvent.Type.MouseButtonPress if i == 0 else QEvent.Type.MouseMove
        QApplication.sendEvent(pad, QMouseEvent(kind, p, p, LEFT if i == 0 else NONE, LEFT,
                                                Qt.KeyboardModifier.NoModifier))
    QApplication.sendEvent(pad, QMouseEvent(QEvent.Type.MouseButtonRelease, spots[-1],
                                            spots[-1], LEFT, NONE,
                                            Qt.KeyboardModifier.NoModifier))


def colour_error(images: np.ndarray, constraints) -> np.ndarray:
    mask = constraints.colour_mask
    squares = ((images - constraints.colour) ** 2).mean(1)
    return (squares * mask).sum((1, 2)) / mask.sum()


def paint_a_bar(qtbot, panel):
    """A white bar down the middle: the candidates before, the constraints, after."""
    before = panel.frame
    panel.pad.set_color(QColor("white"))
    stroke(panel.pad.canvas, [(0.5, 0.2), (0.5, 0.4), (0.5, 0.6), (0.5, 0.8)])
    idle(qtbot, panel)
    spec = panel.info.spec
    return before, panel.pad.canvas.constraints(spec.image_size, spec.channels), panel.frame


def test_a_stroke_moves_the_candidates_toward_it(qtbot, igan):
    before, constraints, after = paint_a_bar(qtbot, igan)
    assert constraints is not None and constraints.edges is None
    assert after.done and after.step == igan.form.steps.value() and after is not before
    assert np.all(np.diff(after.costs) >= 0)  # best first
    start_error = colour_error(before.images, constraints).min()
    end_error = colour_error(after.images, constraints)
    np.testing.assert_allclose(end_error, after.colour_error, rtol=1e-3, atol=1e-6)
    assert end_error[0] < start_error / 3
    assert len(igan.candidates.grid.images) == min(16, len(after.z))
    assert "best cost" in igan.pad.status.text()
    qtbot.mouseClick(igan.pad.undo, LEFT)  # no stroke left: nothing to obey, nothing runs
    assert igan.pad.canvas.strokes == [] and igan.idle()
    qtbot.mouseClick(igan.pad.redo, LEFT)
    idle(qtbot, igan)
    assert len(igan.pad.canvas.strokes) == 1 and igan.frame.done


def test_the_sketch_brush_asks_for_edges(qtbot, igan):
    qtbot.mouseClick(next(b for b in igan.pad.tools.buttons() if b.text() == "Sketch"), LEFT)
    stroke(igan.pad.canvas, [(0.3, 0.5), (0.7, 0.5)])
    idle(qtbot, igan)
    spec = igan.info.spec
    constraints = igan.pad.canvas.constraints(spec.image_size, spec.channels)
    assert constraints.colour is None and constraints.edge_mask.max() > 0.5
    assert igan.frame.done and igan.frame.edge_error[0] <= igan.frame.edge_error[-1]


def test_choosing_a_candidate_morphs_to_it(qtbot, igan):
    paint_a_bar(qtbot, igan)
    grid = igan.candidates.grid
    qtbot.mouseClick(grid, LEFT, pos=grid.cell_rect(2).center())
    idle(qtbot, igan)
    morph, frame = igan.morph, igan.frame
    assert igan.chosen == 2 and len(morph.images) == 16
    np.testing.assert_allclose(morph.z[0], frame.z0[2], atol=1e-5)
    np.testing.assert_allclose(morph.z[-1], frame.z[2], atol=1e-5)
    np.testing.assert_allclose(morph.images[-1], frame.images[2], atol=1e-4)
    slider = igan.candidates.slider
    assert slider.isEnabled() and slider.value() == 15
    shown = igan.pad.canvas.result
    slider.setValue(0)
    assert igan.pad.canvas.result != shown  # the pad shows where candidate 2 started
    qtbot.mouseClick(igan.candidates.play, LEFT)
    qtbot.waitUntil(lambda: slider.value() == 15 and not igan.player.isActive(), timeout=10_000)


def test_save_and_reopen_an_edit(qtbot, igan, tmp_path):
    paint_a_bar(qtbot, igan)
    saved_strokes = igan.pad.canvas.records()
    frame = igan.frame
    igan.save(str(tmp_path / "edit"))
    idle(qtbot, igan)
    for name in ("result.png", "candidates.png", "strokes.png", "strokes.json", "z.npy",
                 "z0.npy", "morph.png", "morph.gif", "edit.json"):
        assert (tmp_path / "edit" / name).is_file(), name
    np.testing.assert_array_equal(np.load(tmp_path / "edit" / "z.npy"), frame.z)
    result = np.asarray(Image.open(tmp_path / "edit" / "result.png"), np.float32) / 255
    np.testing.assert_allclose(result, frame.images[0][0], atol=1 / 255 + 1e-6)
    assert len(json.loads((tmp_path / "edit" / "strokes.json").read_text())) == 1
    qtbot.mouseClick(igan.form.restart, LEFT)
    idle(qtbot, igan)
    assert igan.pad.canvas.strokes == []
    igan.open_edit(str(tmp_path / "edit"))
    idle(qtbot, igan)
    assert [r["points"] for r in igan.pad.canvas.records()] == [r["points"] for r in
                                                               saved_strokes]
    # in the saved order; a latent at the support's wall comes back just inside it
    np.testing.assert_allclose(igan.frame.z, frame.z, atol=3e-3)
    np.testing.assert_allclose(igan.frame.images, frame.images, atol=0.02)


def test_project_a_file_of_another_size_then_edit_it(qtbot, igan, tmp_path):
    made = igan.frame.images[3][0]  # an image G made, saved as a 56 x 56 RGB file
    big = np.kron(np.round(made * 255).astype(np.uint8), np.ones((2, 2), np.uint8))
    Image.fromarray(np.stack([big] * 3, -1)).save(tmp_path / "digit.png")
    igan.project_box.set_file(str(tmp_path / "digit.png"))
    box = igan.project_box
    box.method.setCurrentIndex(box.method.findData("opt"))
    box.steps.setValue(150)
    qtbot.mouseClick(igan.controls.start_button, LEFT)
    idle(qtbot, igan)
    assert "converted to 1x28x28" in box.conversion.text(), box.conversion.text()
    p = igan.projection
    assert p.done and p.method == "opt" and p.psnr > 20
    assert f"PSNR {p.psnr:.1f} dB" in box.error.text()
    assert igan.controls.status.text().startswith(f"Projected: PSNR {p.psnr:.1f} dB")
    qtbot.mouseClick(box.edit_button, LEFT)
    idle(qtbot, igan)
    np.testing.assert_allclose(igan.frame.z0[0], p.z[0], atol=1e-5)  # anchored at the projection
    paint_a_bar(qtbot, igan)
    assert igan.frame.done


def test_the_warp_brush_moves_a_region_into_constraints(qtbot, igan):
    qtbot.mouseClick(next(b for b in igan.pad.tools.buttons() if b.text() == "Warp"), LEFT)
    stroke(igan.pad.canvas, [(0.5, 0.5), (0.4, 0.5), (0.3, 0.5)])
    idle(qtbot, igan)
    spec = igan.info.spec
    c = igan.pad.canvas.constraints(spec.image_size, spec.channels)
    columns = np.flatnonzero(c.colour_mask.max(0) > 0.5) / spec.image_size
    assert c.colour is not None and 0.15 < columns.mean() < 0.45  # dropped at 0.3, not 0.5
    assert igan.frame.done and igan.frame.colour_error[0] < igan.frame.colour_error[-1] + 1e-9


def test_a_run_without_an_epoch_yet_loads_once_it_saves_one(qtbot, compute, tmp_path):
    store = RunStore(tmp_path / "runs")
    spec = GanSpec("dcgan", 16, 1, 28, width=8)
    meta = gan_meta(spec)
    run = store.create_run(meta | {"model": {}}, kind="gan")
    panel = IganPanel(compute, store)
    qtbot.addWidget(panel)
    panel.show()
    start(qtbot, compute)
    qtbot.waitUntil(lambda: "no checkpoint" in panel.pad.status.text(), timeout=30_000)
    assert panel.frame is None
    save_gan(run.dir, spec=spec, meta=meta)
    store.set_status(run.id, "running")  # the store says the run changed: the panel retries
    qtbot.waitUntil(lambda: panel.frame is not None and panel.idle(), timeout=30_000)
    assert panel.info.spec.latent_dim == 16 and "epoch" in panel.picker.about.text()
