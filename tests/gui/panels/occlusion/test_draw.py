"""Drawing a digit with the mouse, then occluding it; the paint canvas on its own."""

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from deepscope.widgets.paint_canvas import PaintCanvas
from tests.gui.panels.occlusion.steps import idle, run

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton


def stroke(canvas: PaintCanvas, *points: tuple[float, float]) -> None:
    """Press, drag through `points` (fractions of the widget) and release, as a mouse does."""
    at = [QPointF(x * canvas.width(), y * canvas.height()) for x, y in points]
    events = [(QEvent.Type.MouseButtonPress, at[0], LEFT, LEFT)]
    events += [(QEvent.Type.MouseMove, p, NONE, LEFT) for p in at[1:]]
    events += [(QEvent.Type.MouseButtonRelease, at[-1], LEFT, NONE)]
    for kind, p, button, buttons in events:
        QApplication.sendEvent(canvas, QMouseEvent(kind, p, p, button, buttons,
                                                   Qt.KeyboardModifier.NoModifier))


def test_drawn_strokes_run_and_clear(qtbot, occ):
    occ.source.tabs.setCurrentIndex(2)
    canvas = occ.source.canvas
    assert "Draw something" in occ.problems.text() and not occ.run_button.isEnabled()
    stroke(canvas, (0.5, 0.15), (0.5, 0.5), (0.5, 0.85))
    assert not canvas.blank and occ.run_button.isEnabled()
    idle(qtbot, occ)
    shown = occ.view.info.image[0]
    assert shown.shape == (28, 28) and shown[14, 14] > 240 and shown[14, 3] == 0
    assert shown[:, 14].astype(bool).sum() >= 18  # the stroke, top to bottom
    run(qtbot, occ)
    assert occ.view.maps.done == occ.view.maps.total == 144
    qtbot.mouseClick(occ.source.clear_button, LEFT)
    assert canvas.blank and not occ.run_button.isEnabled()


def test_canvas_brush_colour_and_width(qtbot):
    canvas = PaintCanvas(canvas_size=100, background="black", brush_width=10)
    qtbot.addWidget(canvas)
    canvas.resize(200, 200)
    with qtbot.waitSignal(canvas.changed):
        stroke(canvas, (0.1, 0.5), (0.9, 0.5))
    pixels = canvas.pixels()
    assert pixels.shape == (100, 100, 3) and (pixels[50, 50] == 255).all()
    assert (pixels[46, 50] == 255).all() and pixels[42, 50].max() == 0  # 10 px wide
    assert pixels[50, 2].max() == 0
    canvas.set_brush("red", 30)
    stroke(canvas, (0.5, 0.1), (0.5, 0.9))
    red = canvas.pixels()
    assert tuple(red[20, 50]) == tuple(red[20, 38]) == (255, 0, 0) and red[20, 30].max() == 0
    with qtbot.waitSignal(canvas.changed):
        canvas.clear()
    assert canvas.blank and not canvas.pixels().any()
    assert np.array_equal(canvas.pixels(), np.zeros((100, 100, 3), np.uint8))
