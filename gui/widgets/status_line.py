"""A wrapped status text in a box of fixed height that never re-lays out the window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class StatusLine(QWidget):
    """Text, wrapped and aligned top left, in `lines` lines of fixed height (`width`: the
    width it asks for).

    A QLabel in a layout asks its layout for new geometry on every setText, and each such
    request repainted the whole window (measured: the 4 Hz status of a training run cost the
    GUI thread ~15% of a core). Here the label's parent has no layout, so the request stops at
    this box, and only the text repaints.
    """

    def __init__(self, text: str = "", lines: int = 3, width: int = 200) -> None:
        super().__init__()
        self.width_hint = width
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 4)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.width_hint, self.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(min(60, self.width_hint), self.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.label.resize(event.size())

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name, for drop-in use)
        self.label.setText(text)

    def text(self) -> str:
        return self.label.text()
