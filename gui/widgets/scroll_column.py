"""A panel column of stacked widgets and button rows that scrolls when the window is short."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget


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
    return scroll
