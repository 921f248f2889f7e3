"""A grid of small images with captions; highlighted cells get a coloured frame (mistakes in
red by default, or a chosen colour for selections)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

MISTAKE = QColor(214, 39, 40)


def to_qimage(image: np.ndarray) -> QImage:
    """uint8 C x H x W (C = 1 or 3) to a QImage that owns a copy of the pixels, in the 32-bit
    format painters draw fastest (scaling a grey image converts it on every paint: ~3x slower)."""
    c, h, w = image.shape
    if c == 1:
        data = np.ascontiguousarray(image[0])
        view = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        data = np.ascontiguousarray(image[:3].transpose(1, 2, 0))
        view = QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return view.convertToFormat(QImage.Format.Format_RGB32)


class ImageGrid(QWidget):
    """Thumbnails in rows; `clicked(index)` when the user clicks one."""

    clicked = Signal(int)

    def __init__(self, cell: int = 56, empty_text: str = "No images yet",
                 mark: QColor = MISTAKE) -> None:
        super().__init__()
        self.cell, self.empty_text, self.mark = cell, empty_text, mark
        self.images: list[QImage] = []
        self.captions: list[str] = []
        self.highlight: list[bool] = []
        self.tips: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        small = min(cell, 40)  # cells shrink to fit (layout_cells): 4 x 2 small ones at least
        self.setMinimumSize(QSize(4 * small, 2 * small))

    def set_images(
        self, images: np.ndarray, captions: list[str], highlight: list[bool],
        tips: list[str] | None = None,
    ) -> None:
        self.images = [to_qimage(im) for im in images]
        self.captions, self.highlight, self.tips = captions, highlight, tips or captions
        self.update()

    def set_marks(self, highlight: list[bool], captions: list[str] | None = None) -> None:
        """Frame other cells, or caption them anew (the images stay); repaint only on change."""
        captions = self.captions if captions is None else captions
        if (highlight, captions) != (self.highlight, self.captions):
            self.highlight, self.captions = highlight, captions
            self.update()

    def index_at(self, point) -> int | None:
        layout = self.layout_cells()
        return next((i for i in range(len(self.images))
                     if self.cell_rect(i, layout).contains(point)), None)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            i = self.index_at(event.pos())
            text = self.toolTip() if i is None else self.tips[i]
            QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)

    def layout_cells(self) -> tuple[int, int]:
        """(columns, cell size): the largest cells, up to `cell`, that fit every image."""
        n = max(1, len(self.images))
        for size in range(self.cell, 11, -2):
            cols = max(1, self.width() // (size + 4))
            if -(-n // cols) * (size + 16) <= self.height():
                return cols, size
        return max(1, self.width() // 16), 12

    def cell_rect(self, i: int, layout: tuple[int, int] | None = None) -> QRect:
        """Where image i is drawn; pass `layout_cells()` when asking for many (512 tiles of up
        to 160 px painted in 136 ms with the layout found again for each, 21 ms with it found
        once)."""
        cols, size = layout or self.layout_cells()
        return QRect((i % cols) * (size + 4) + 2, (i // cols) * (size + 16) + 2, size, size)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        if not self.images:
            p.setPen(QColor("gray"))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            p.drawText(self.rect().adjusted(8, 0, -8, 0), flags, self.empty_text)
            return
        p.setFont(QFont(p.font().family(), 7))
        layout = self.layout_cells()
        for i, image in enumerate(self.images):
            r = self.cell_rect(i, layout)
            p.drawImage(r, image)
            if self.highlight[i]:
                p.setPen(QPen(self.mark, 3))
                p.drawRect(r.adjusted(1, 1, -1, -1))
            p.setPen(self.mark if self.highlight[i] else QColor(40, 40, 40))
            caption = p.fontMetrics().elidedText(self.captions[i], Qt.TextElideMode.ElideMiddle,
                                                 r.width() + 2)
            p.drawText(QRect(r.left(), r.bottom() + 1, r.width() + 4, 12),
                       Qt.AlignmentFlag.AlignLeft, caption)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        i = self.index_at(event.position().toPoint())
        if i is not None:
            self.clicked.emit(i)
