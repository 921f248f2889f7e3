"""What every panel shares: the 'what am I looking at' note, three columns, the error box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLayout, QMessageBox, QSplitter, QVBoxLayout, QWidget


def frame(panel: QWidget, note: str, columns: list[tuple[QWidget, int]]) -> None:
    """Lay out a panel: the note on top, then resizable columns with their stretch factors."""
    label = QLabel(note)
    label.setWordWrap(True)
    label.setStyleSheet("background: #f3f6fa; padding: 6px; border-radius: 4px;")
    split = QSplitter()
    for widget, stretch in columns:
        split.addWidget(widget)
        split.setStretchFactor(split.count() - 1, stretch)
    outer = QVBoxLayout(panel)
    outer.addWidget(label)
    outer.addWidget(split, 1)


def boxed(layout: QLayout) -> QWidget:
    """A plain widget holding a layout (a column of a panel)."""
    widget = QWidget()
    widget.setLayout(layout)
    return widget


def error_box(
    parent: QWidget, title: str, message: str, details: str = "",
    icon: QMessageBox.Icon = QMessageBox.Icon.Critical,
) -> QMessageBox:
    """A non-modal dialog (details one click away): the app keeps working behind it."""
    box = QMessageBox(icon, title, message, parent=parent)
    if details:
        box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
