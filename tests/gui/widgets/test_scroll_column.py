"""A panel's column scrolls under the wheel; a field changes its value only once clicked."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QSpinBox

from deepscope.widgets.scroll_column import scroll_column


def turn(widget, notches: int = -1) -> None:
    """A wheel turn over the middle of `widget` (negative: towards the user, scrolling down)."""
    at = QPointF(widget.width() / 2, widget.height() / 2)
    QApplication.sendEvent(widget, QWheelEvent(
        at, QPointF(widget.mapToGlobal(at.toPoint())), QPoint(), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False))


def test_the_wheel_scrolls_the_column_and_leaves_fields_alone(qtbot):
    spins = [QSpinBox() for _ in range(30)]
    for spin in spins:
        spin.setRange(0, 100)
        spin.setValue(50)
    combo = QComboBox()
    combo.addItems(["a", "b", "c"])
    column = scroll_column([combo, *spins])
    qtbot.addWidget(column)
    column.resize(200, 150)
    column.show()
    bar = column.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    turn(spins[1])
    turn(combo)
    assert spins[1].value() == 50 and combo.currentIndex() == 0
    assert bar.value() > 0  # the column scrolled instead
    column.activateWindow()
    qtbot.mouseClick(spins[1], Qt.MouseButton.LeftButton)  # the user clicks into the field
    qtbot.waitUntil(spins[1].hasFocus, timeout=2000)
    turn(spins[1], 1)
    assert spins[1].value() == 51  # a field the user is in takes the wheel
