"""The row above a CurveBoard: smoothing, log y, x axis, and PNG/SVG/CSV export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QSlider,
    QWidget,
)

from .curves import CurveBoard
from .flow import flow


class CurveToolbar(QWidget):
    """View settings for `board`, as TensorBoard's scalars offer (smoothing 0.6 by default)."""

    def __init__(self, board: CurveBoard, stem: str = "curves") -> None:
        super().__init__()
        self.board, self.stem = board, stem
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing_label = QLabel("smoothing 0.60")
        self.log_y = QCheckBox("log y")
        self.x_axis = QComboBox()
        self.x_axis.addItems(["step", "wall time"])
        self.smoothing.setFixedWidth(90)
        row = flow(self.smoothing_label, self.smoothing, self.log_y, QLabel("x axis"),
                   self.x_axis, parent=self)
        row.setContentsMargins(0, 0, 0, 0)
        for text, slot in (("PNG", self.export_png), ("SVG", self.export_svg),
                           ("CSV", self.export_csv)):
            b = QPushButton(f"Export {text}")
            b.clicked.connect(slot)
            row.addWidget(b)
        self.smoothing.valueChanged.connect(self.view_changed)
        self.log_y.toggled.connect(self.view_changed)
        self.x_axis.currentIndexChanged.connect(self.view_changed)

    def view_changed(self, *_) -> None:
        w = self.smoothing.value() / 100
        self.smoothing_label.setText(f"smoothing {w:.2f}")
        self.board.set_view(w, self.log_y.isChecked(), self.x_axis.currentIndex() == 1)

    def ask_path(self, kind: str, suffix: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind}", f"{self.stem}.{suffix}",
                                              f"{kind} (*.{suffix})")
        return Path(path) if path else None

    def export_png(self) -> None:
        if path := self.ask_path("PNG image", "png"):
            self.board.redraw_all()
            self.board.grab().save(str(path))

    def export_svg(self) -> None:
        if path := self.ask_path("SVG drawing", "svg"):
            self.board.export_svg(path)

    def export_csv(self) -> None:
        if path := self.ask_path("CSV table", "csv"):
            self.board.export_csv(path)
