"""The right column: the input as the model sees it, with the receptive field of the selected
channel's strongest unit drawn on it, and the model's top-5."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from deepscope.core.features import Activations, UnitScan
from deepscope.core.models import Box

from ...widgets.image_grid import to_qimage
from ...widgets.predictions import class_name, rich_label
from .view import SELECTED

SIDE = 160  # px of the input drawn
NO_INPUT = "The input and the model's top-5 appear here."


class InputBox(QGroupBox):
    def __init__(self) -> None:
        super().__init__("Input")
        self.picture = QLabel()
        self.picture.setFixedSize(SIDE, SIDE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: white; border: 1px solid #ccc;")
        self.field = rich_label("")
        self.prediction = rich_label(NO_INPUT)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        for label in (self.field, self.prediction):
            layout.addWidget(label)
        layout.addStretch(1)

    def show_input(self, act: Activations, classes: tuple[str, ...], channel: int,
                   scan: UnitScan | None) -> None:
        """The input, its top-5 and, when `scan` is of the same layer, the strongest unit's
        receptive field in `channel`."""
        box = None
        if scan is not None and scan.layer == act.layer and 0 <= channel < len(act.maps):
            y, x = np.unravel_index(int(act.maps[channel].argmax()), act.maps[channel].shape)
            box = scan.field.box(int(y), int(x))
            self.field.setText(f"Box: what channel {channel}'s strongest unit (row {y}, "
                               f"column {x}) sees of this input.")
        else:
            self.field.setText("")
        self.draw(act.image, box)
        truth = "" if act.label is None else f"true class {class_name(classes, act.label)}<br>"
        self.prediction.setText(truth + "top-5:<br>" + "<br>".join(
            f"{class_name(classes, k)}: {p:.1%}" for k, p in act.top5))

    def draw(self, image: np.ndarray, box: Box | None) -> None:
        _, h, w = image.shape
        pixmap = QPixmap.fromImage(to_qimage(image)).scaled(
            SIDE, SIDE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation)
        if box is not None:
            sy, sx = pixmap.height() / h, pixmap.width() / w
            top, left, bottom, right = box
            painter = QPainter(pixmap)
            painter.setPen(QPen(SELECTED, 2))
            painter.drawRect(QRectF(left * sx, top * sy, (right - left) * sx,
                                    (bottom - top) * sy).adjusted(1, 1, -1, -1))
            painter.end()
        self.picture.setPixmap(pixmap)

    def clear(self, text: str = NO_INPUT) -> None:
        self.picture.clear()
        self.field.setText("")
        self.prediction.setText(text)
