"""A panel column of stacked widgets and button rows that scrolls when the window is short."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


class WheelScrolls(QObject):
    """Hands a wheel turn over a field the user is not in (a spin box, a combo box) to the
    column's scroll bar: scrolling a form never changes the value that passes under the mouse
    (Qt's default). A field takes the wheel once clicked into."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self.bar = scroll.verticalScrollBar()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Wheel and not watched.hasFocus():
            QApplication.sendEvent(self.bar, event)
            return True
        return False


def scroll_column(rows: Sequence[QWidget | Sequence[QWidget]], slack: int = 40) -> QScrollArea:
    """Each row is a widget or a sequence of widgets side by side; the column is as wide as its
    widest row (plus a scroll bar), and at most `slack` pixels wider."""
    layout = QVBoxLayout()
    for row in rows:
        if isinstance(row, QWidget):
            layout.addWidget(row)
            continue
        line = QHBoxLayout()
        for w in row:
            line.addWidget(w)
        layout.addLayout(line)
    layout.addStretch(1)
    content = QWidget()
    content.setLayout(layout)
    scroll = QScrollArea()
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # always shown: a bar that came and went moved every button in the column by its width
    scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setMinimumWidth(content.minimumSizeHint().width()
                           + scroll.verticalScrollBar().sizeHint().width())
    scroll.setMaximumWidth(scroll.minimumWidth() + slack)
    guard = WheelScrolls(scroll)
    for field in (*content.findChildren(QAbstractSpinBox), *content.findChildren(QComboBox)):
        field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # (the wheel alone gives no focus)
        field.installEventFilter(guard)
    return scroll
