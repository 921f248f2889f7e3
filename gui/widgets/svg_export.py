"""Save a widget as an SVG drawing: text and lines as vectors, images embedded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QWidget


def save_svg(widget: QWidget, path: Path | str, title: str) -> Path:
    """Render `widget` (a graphics view: its scene; any other: with its children, as File >
    Export panel does) into `path` through QSvgGenerator.

    pyqtgraph's SVGExporter fails on the closed paths Qt 6.10+ writes (pyqtgraph issue 3495).
    """
    path = Path(path)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(widget.size())
    generator.setViewBox(widget.rect())
    generator.setTitle(title)
    painter = QPainter(generator)
    try:  # (a painter left open on the generator crashes Python when it is destroyed)
        if isinstance(widget, QGraphicsView):
            widget.render(painter)
        else:  # PySide6 has no QWidget.render(painter) without the offset
            widget.render(painter, QPoint())
    finally:
        ended = painter.end()
    if not ended or not path.exists():
        raise OSError(f"could not write {path}")
    return path
