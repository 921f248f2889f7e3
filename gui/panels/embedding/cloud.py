"""Tens of thousands of points drawn fast: each repaint maps the points in view to pixels with
numpy and paints them into one image (pyqtgraph's ScatterPlotItem drew 70,000 points in 43 ms
a frame, this in 12 ms with the axes: see tests/benchmarks/bench_embedding_panel.py). Drawn
into an SVG, the points are vectors. Small images can stand in for the points where few are in
view, and rows can be marked: rings around some, an outline around a selection."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPaintEngine, QPainter, QPen, QTransform

from ...widgets.image_grid import to_qimage

THUMBS = 300  # thumbnails stand in for the points when at most this many are in view
THUMB_PX = 28
OUTLINE = 0xFF202020
RINGS = {"neighbours": (QColor(255, 127, 14), 6, 2), "hover": (QColor(20, 20, 20), 7, 1),
         "chosen": (QColor(20, 20, 20), 8, 3)}  # colour, radius (px), width (px)


def argb(rgb: np.ndarray) -> np.ndarray:
    """N x 3 uint8 colours as opaque 32-bit ARGB pixels."""
    rgb = rgb.astype(np.uint32)
    return 0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


def dot(radius: int) -> list[tuple[int, int]]:
    """The pixel offsets of a round dot: radius 1 a plus of 5 pixels, 2 a disc of 21."""
    span = range(-radius, radius + 1)
    return [(dx, dy) for dx in span for dy in span if dx * dx + dy * dy <= radius * radius + 1]


class PointCloud(pg.GraphicsObject):
    """N points at `coords` (N x 2, view coordinates) in `colors` (N x 3 uint8); `shown` says
    which rows are drawn (legend toggles), in a fixed shuffled order so no class always hides
    another."""

    def __init__(self) -> None:
        super().__init__()
        self.coords = np.zeros((0, 2), np.float32)
        self.pixels = np.zeros(0, np.uint32)
        self.order = np.zeros(0, np.int64)
        self.rows = self.order  # the rows drawn, in drawing order
        self.rings: dict[str, np.ndarray] = {}
        self.outlined = np.zeros(0, np.int64)
        self.pictures: np.ndarray | None = None
        self.thumbs: dict[int, QImage] = {}
        self.thumbnails = False
        self.bounds = QRectF()

    # --- data ----------------------------------------------------------------------------
    def set_coords(self, coords: np.ndarray) -> None:
        if len(coords) != len(self.coords):
            self.order = np.random.default_rng(0).permutation(len(coords))
            self.rows = self.order
        self.coords = np.asarray(coords, np.float32)
        lo, hi = (self.coords.min(0), self.coords.max(0)) if len(coords) else ((0, 0), (1, 1))
        self.prepareGeometryChange()
        self.bounds = QRectF(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]),
                             float(hi[1] - lo[1]))
        self.informViewBoundsChanged()
        self.update()

    def set_colors(self, colors: np.ndarray, shown: np.ndarray) -> None:
        self.pixels = argb(colors)
        self.rows = self.order[shown[self.order]]
        self.update()

    def set_pictures(self, pictures: np.ndarray | None) -> None:
        self.pictures, self.thumbs = pictures, {}
        self.update()

    def set_rings(self, kind: str, rows: np.ndarray) -> None:
        self.rings[kind] = np.asarray(rows, np.int64)
        self.update()

    def set_outlined(self, rows: np.ndarray) -> None:
        self.outlined = np.asarray(rows, np.int64)
        self.update()

    def set_thumbnails(self, on: bool) -> None:
        self.thumbnails = on
        self.update()

    # --- pyqtgraph -----------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self.bounds

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802 (pyqtgraph)
        if not len(self.coords):
            return None, None
        return float(self.coords[:, ax].min()), float(self.coords[:, ax].max())

    def in_view(self, rows: np.ndarray, rect: QRectF) -> np.ndarray:
        """The rows whose points lie in `rect` (view coordinates)."""
        x, y = self.coords[rows, 0], self.coords[rows, 1]
        return rows[(x >= rect.left()) & (x <= rect.right()) & (y >= rect.top())
                    & (y <= rect.bottom())]

    def paint(self, p: QPainter, *_args) -> None:
        if not len(self.rows):
            return
        view = self.getViewBox()
        if view is None:
            return
        t = p.transform()  # the item's coordinates to device pixels
        rows = self.in_view(self.rows, view.viewRect())
        xy = self.device_points(t, rows)
        p.save()
        p.resetTransform()
        if self.thumbnails and self.pictures is not None and len(rows) <= THUMBS:
            self.paint_thumbnails(p, rows, xy)
        elif p.paintEngine().type() == QPaintEngine.Type.SVG:
            self.paint_vectors(p, rows, xy)
        else:
            self.paint_raster(p, rows, xy, t.mapRect(view.viewRect()).toAlignedRect())
        self.paint_rings(p, t)
        p.restore()

    def device_points(self, t: QTransform, rows: np.ndarray) -> np.ndarray:
        """The rows' points in device pixels by `t` (len(rows) x 2 float)."""
        x, y = self.coords[rows, 0], self.coords[rows, 1]
        return np.stack([t.m11() * x + t.m21() * y + t.dx(), t.m12() * x + t.m22() * y + t.dy()],
                        1)

    def paint_raster(self, p: QPainter, rows: np.ndarray, xy: np.ndarray, area: QRect) -> None:
        """The dots as one image over `area`, the view in device pixels."""
        w, h = area.width() + 1, area.height() + 1
        image = np.zeros((h, w), np.uint32)
        radius = 1 if len(rows) > 3000 else 2
        x = np.round(xy[:, 0] - area.left()).astype(np.int64)
        y = np.round(xy[:, 1] - area.top()).astype(np.int64)
        stamp(image, x, y, self.pixels[rows], radius)
        chosen = np.isin(rows, self.outlined) if len(self.outlined) else None
        if chosen is not None and chosen.any():  # a selection: outlined, over the others
            stamp(image, x[chosen], y[chosen], np.full(chosen.sum(), OUTLINE, np.uint32),
                  radius + 1)
            stamp(image, x[chosen], y[chosen], self.pixels[rows[chosen]], radius)
        picture = QImage(image.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
        p.drawImage(area.topLeft(), picture)

    def paint_vectors(self, p: QPainter, rows: np.ndarray, xy: np.ndarray) -> None:
        """One round pen per colour: each point a vector dot in an SVG."""
        for pixel in np.unique(self.pixels[rows]):
            mine = self.pixels[rows] == pixel
            pen = QPen(QColor.fromRgba(int(pixel)), 4)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawPoints(pg.functions.arrayToQPolygonF(xy[mine, 0], xy[mine, 1]))

    def paint_thumbnails(self, p: QPainter, rows: np.ndarray, xy: np.ndarray) -> None:
        half = THUMB_PX / 2
        for row, (x, y) in zip(rows, xy, strict=True):
            rect = QRectF(x - half, y - half, THUMB_PX, THUMB_PX)
            p.drawImage(rect, self.thumb(int(row)))
            p.setPen(QPen(QColor.fromRgba(int(self.pixels[row])), 2))
            p.drawRect(rect)

    def thumb(self, row: int) -> QImage:
        if row not in self.thumbs:
            self.thumbs[row] = to_qimage(self.pictures[row])
        return self.thumbs[row]

    def paint_rings(self, p: QPainter, t: QTransform) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for kind, (color, radius, width) in RINGS.items():
            rows = self.rings.get(kind)
            if rows is None or not len(rows):
                continue
            p.setPen(QPen(color, width))
            for x, y in self.device_points(t, rows):
                p.drawEllipse(QPointF(x, y), radius, radius)


def stamp(image: np.ndarray, x: np.ndarray, y: np.ndarray, pixels: np.ndarray,
          radius: int) -> None:
    """Paint a dot of `radius` in each pixel colour at (x, y), clipped to the image; later
    points over earlier ones."""
    h, w = image.shape
    for dx, dy in dot(radius):
        xs, ys = x + dx, y + dy
        ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        image[ys[ok], xs[ok]] = pixels[ok]
