"""A row of controls that wraps onto more rows when its column is narrow (a 1024 px window)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from superqt import QFlowLayout

SPACING = (6, 4)  # horizontal, vertical (px): a flow layout without a parent has none


def flow(*widgets: QWidget, parent: QWidget | None = None) -> QFlowLayout:
    """The widgets in a wrapping row (set on `parent` if given)."""
    row = QFlowLayout(parent)
    row.setHorizontalSpacing(SPACING[0])
    row.setVerticalSpacing(SPACING[1])
    for w in widgets:
        row.addWidget(w)
    return row
