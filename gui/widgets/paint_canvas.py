"""A canvas to paint on with the mouse: round brush strokes of a set colour and width."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class PaintCanvas(QWidget):
    """Strokes go into a fixed-size image (`canvas_size` pixels), shown scaled to the widget.

    The brush width is in canvas pixels. `changed` fires after each stroke and on clear;
    `stroked` after each piece of a stroke, while the mouse moves (for views that follow it).
    """

    changed = Signal()
    stroked = Signal()

    def __init__(
        self, canvas_size: int = 280, background: QColor | str = "black",
        brush_color: QColor | str = "white", brush_width: int = 22, hint: str = "",
    ) -> None:
        super().__init__()
        self.background = QColor(background)
        self.brush_color = QColor(brush_color)
        self.brush_width = brush_width
        self.hint = hint
        self.image = QImage(canvas_size, canvas_size, QImage.Format.Format_RGB888)
        self.blank = True
        self._last: QPointF | None = None
        self.image.fill(self.background)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def set_brush(self, color: QColor | str | None = None, width: int | None = None) -> None:
        """Change the brush colour and/or width (canvas pixels) for the next strokes."""
        if color is not None:
            self.brush_color = QColor(color)
        if width is not None:
            self.brush_width = max(1, int(width))

    def clear(self) -> None:
        self.image.fill(self.background)
        self.blank = True
        self.update()
        self.changed.emit()

    def pixels(self) -> np.ndarray:
        """The canvas as uint8 H x W x 3 RGB (a copy)."""
        image = self.image.convertToFormat(QImage.Format.Format_RGB888)
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
        return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).copy()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(200, 200)

    def target(self) -> QRectF:
        """Where the canvas is drawn in the widget: the largest centred square."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_canvas(self, point: QPointF) -> QPointF:
        rect = self.target()
        scale = self.image.width() / max(rect.width(), 1)
        return (point - rect.topLeft()) * scale

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(self.target(), self.image)
        p.setPen(QColor(120, 120, 120))
        p.drawRect(self.target().adjusted(0, 0, -1, -1))
        if self.blank and self.hint:
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            p.drawText(self.target().adjusted(12, 12, -12, -12), flags, self.hint)

    def stroke_to(self, point: QPointF) -> None:
        """Draw from the last point (or a dot) to `point`, in canvas pixels."""
        p = QPainter(self.image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(self.brush_color, self.brush_width, Qt.PenStyle.SolidLine,
                      Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        p.drawLine(self._last or point, point)
        p.end()
        self._last, self.blank = point, False
        self.update()
        self.stroked.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self.stroke_to(self.to_canvas(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._last is not None:
            self.stroke_to(self.to_canvas(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._last is not None:
            self._last = None
            self.changed.emit()
