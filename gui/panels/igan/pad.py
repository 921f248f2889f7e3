"""The drawing pad: the current result enlarged, and the user's strokes over it.

Four tools: the colour brush paints a colour the result should have there, the sketch brush
draws edges it should have, the eraser takes both back, and the warp brush grabs a region of
the result and moves it (the moved region becomes colour and edge constraints where it is
dropped). The strokes are kept as a list (undo and redo move along it) and drawn into two
layers at the pad's resolution; `constraints(size, channels)` reads them at the generator's
size. The wheel sets the brush width (1-20, in pixels of a 64-pixel image).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from deepscope.core.igan import Constraints

from ...widgets.image_grid import to_qimage

CANVAS = 256  # the layers' resolution: 4 pixels per pixel of a 64-pixel image
TOOLS = ("colour", "sketch", "eraser", "warp")
SKETCH_INK = QColor(20, 20, 20)  # how a sketch stroke shows over the result


@dataclass
class Stroke:
    """One stroke: its tool, colour (RGB), width (1-20) and points (canvas pixels); a warp
    stroke also holds the grabbed patch (canvas pixels, RGB) and its box."""

    tool: str
    color: tuple[int, int, int]
    width: int
    points: list[tuple[float, float]] = field(default_factory=list)
    patch: QImage | None = None
    box: tuple[int, int, int, int] | None = None  # x, y, w, h where it was grabbed

    def to_dict(self) -> dict:
        """JSON-able, but for a warp's patch: uint8 H x W x 4 (RGBA) under "patch"."""
        return {"tool": self.tool, "color": list(self.color), "width": self.width,
                "points": [list(p) for p in self.points],
                "box": list(self.box) if self.box else None,
                "patch": None if self.patch is None else rgba(self.patch)}

    @classmethod
    def from_dict(cls, record: dict) -> Stroke:
        patch = record.get("patch")
        return cls(record["tool"], tuple(record["color"]), int(record["width"]),
                   [tuple(p) for p in record["points"]],
                   None if patch is None else from_rgba(np.asarray(patch, np.uint8)),
                   tuple(record["box"]) if record.get("box") else None)


def layer() -> QImage:
    image = QImage(CANVAS, CANVAS, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    return image


def rgba(image: QImage) -> np.ndarray:
    """A QImage as uint8 H x W x 4 (R, G, B, A), colours not premultiplied (a copy)."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : 4 * image.width()].reshape(image.height(), image.width(), 4).copy()


def from_rgba(pixels: np.ndarray) -> QImage:
    """uint8 H x W x 4 (RGBA) as a QImage that owns its pixels."""
    h, w, _ = pixels.shape
    data = np.ascontiguousarray(pixels)
    return QImage(data.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def channels_of(image: QImage) -> np.ndarray:
    """A QImage as float32 H x W x 4 (R, G, B, A) in [0, 1], colours not premultiplied."""
    return rgba(image).astype(np.float32) / 255


class DrawingPad(QWidget):
    """`stroked` when a stroke ends (or undo and redo change the strokes); `width_changed`
    when the wheel sets the width."""

    stroked = Signal()
    width_changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.tool, self.color, self.brush_width = "colour", (214, 39, 40), 6
        self.strokes: list[Stroke] = []
        self.undone: list[Stroke] = []
        self.current: Stroke | None = None
        self.result: QImage | None = None  # the image shown under the strokes
        self.show_strokes = True
        self.colour_layer, self.sketch_layer = layer(), layer()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Paint where the result should take a colour (colour brush) or have "
                        "an edge (sketch); the wheel sets the width")

    # --- what is shown -------------------------------------------------------------------
    def set_result(self, image: np.ndarray | None) -> None:
        """The image under the strokes: float C x H x W in [0, 1], or None."""
        self.result = None if image is None else to_qimage(
            np.round(np.clip(image, 0, 1) * 255).astype(np.uint8))
        self.update()

    def set_strokes_shown(self, on: bool) -> None:
        self.show_strokes = on
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(320, 320)

    def target(self) -> QRectF:
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_canvas(self, point: QPointF) -> tuple[float, float]:
        rect = self.target()
        scale = CANVAS / max(rect.width(), 1)
        return ((point.x() - rect.left()) * scale, (point.y() - rect.top()) * scale)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        rect = self.target()
        p.fillRect(rect, QColor("white"))
        if self.result is not None:
            p.drawImage(rect, self.result)  # (pixels stay sharp: no smooth scaling)
        if self.show_strokes:
            p.drawImage(rect, self.colour_layer)
            p.drawImage(rect, self.sketch_layer)
        p.setPen(QColor(120, 120, 120))
        p.drawRect(rect.adjusted(0, 0, -1, -1))

    # --- strokes -------------------------------------------------------------------------
    def pen_px(self, width: int) -> float:
        return width * CANVAS / 64

    def draw(self, stroke: Stroke) -> None:
        """Add one stroke to the layers."""
        if stroke.tool == "warp":
            self.draw_warp(stroke)
            return
        targets = {"colour": [self.colour_layer], "sketch": [self.sketch_layer],
                   "eraser": [self.colour_layer, self.sketch_layer]}[stroke.tool]
        color = SKETCH_INK if stroke.tool == "sketch" else QColor(*stroke.color)
        for image in targets:
            p = QPainter(image)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            if stroke.tool == "eraser":
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            width = self.pen_px(stroke.width if stroke.tool != "sketch" else
                                max(1, stroke.width // 2))
            p.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                          Qt.PenJoinStyle.RoundJoin))
            points = [QPointF(*pt) for pt in stroke.points]
            if len(points) == 1:
                p.drawPoint(points[0])
            for a, b in zip(points, points[1:], strict=False):
                p.drawLine(a, b)
            p.end()

    def draw_warp(self, stroke: Stroke) -> None:
        """The grabbed patch, moved by the stroke, as colour; its edges as a sketch."""
        if stroke.patch is None or len(stroke.points) < 2:
            return
        (x0, y0), (x1, y1) = stroke.points[0], stroke.points[-1]
        x, y, w, h = stroke.box
        to = QRect(round(x + x1 - x0), round(y + y1 - y0), w, h)
        p = QPainter(self.colour_layer)
        p.drawImage(to, stroke.patch)
        p.end()
        p = QPainter(self.sketch_layer)
        p.setPen(QPen(SKETCH_INK, 2))
        p.drawImage(to, edges_image(stroke.patch))
        p.end()

    def redraw(self) -> None:
        self.colour_layer, self.sketch_layer = layer(), layer()
        for stroke in self.strokes:
            self.draw(stroke)
        self.update()

    def grab_patch(self, x: float, y: float, width: int) -> tuple[QImage | None, tuple]:
        """The result's square around (x, y), `width` wide, at the canvas's resolution."""
        if self.result is None:
            return None, (0, 0, 0, 0)
        side = round(self.pen_px(width) * 2)
        box = (round(x - side / 2), round(y - side / 2), side, side)
        big = self.result.scaled(CANVAS, CANVAS)
        return big.copy(QRect(*box)).convertToFormat(QImage.Format.Format_ARGB32), box

    def begin(self, x: float, y: float) -> None:
        self.current = Stroke(self.tool, self.color, self.brush_width, [(x, y)])
        if self.tool == "warp":
            self.current.patch, self.current.box = self.grab_patch(x, y, self.brush_width)
        else:
            self.draw(self.current)
        self.update()

    def extend(self, x: float, y: float) -> None:
        stroke = self.current
        stroke.points.append((x, y))
        if stroke.tool != "warp":
            self.draw(Stroke(stroke.tool, stroke.color, stroke.width, stroke.points[-2:]))
        self.update()

    def finish(self) -> None:
        self.strokes.append(self.current)
        self.undone, self.current = [], None
        self.redraw()
        self.stroked.emit()

    def undo(self) -> None:
        if self.strokes:
            self.undone.append(self.strokes.pop())
            self.redraw()
            self.stroked.emit()

    def redo(self) -> None:
        if self.undone:
            self.strokes.append(self.undone.pop())
            self.redraw()
            self.stroked.emit()

    def clear(self) -> None:
        self.strokes, self.undone = [], []
        self.redraw()

    def records(self) -> list[dict]:
        return [stroke.to_dict() for stroke in self.strokes]

    def set_records(self, records) -> None:
        """Strokes as `records` gave them (a saved edit reopened)."""
        self.strokes, self.undone = [Stroke.from_dict(r) for r in records], []
        self.redraw()

    def picture(self) -> np.ndarray:
        """The strokes as drawn, uint8 H x W x 4 (RGBA, transparent where none)."""
        image = self.colour_layer.copy()
        p = QPainter(image)
        p.drawImage(0, 0, self.sketch_layer)
        p.end()
        return rgba(image)

    def drawing(self) -> np.ndarray:
        """What the pad shows (the image under the strokes) as uint8 H x W x 3."""
        image = QImage(CANVAS, CANVAS, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor("white"))
        p = QPainter(image)
        if self.result is not None:
            p.drawImage(QRect(0, 0, CANVAS, CANVAS), self.result)
        p.drawImage(0, 0, self.colour_layer)
        p.drawImage(0, 0, self.sketch_layer)
        p.end()
        return rgba(image)[..., :3]

    # --- the mouse -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin(*self.to_canvas(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self.current is not None:
            self.extend(*self.to_canvas(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self.current is not None and event.button() == Qt.MouseButton.LeftButton:
            self.finish()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        step = 1 if event.angleDelta().y() > 0 else -1
        self.set_width(self.brush_width + step)

    def set_width(self, width: int) -> None:
        self.brush_width = int(np.clip(width, 1, 20))
        self.width_changed.emit(self.brush_width)

    # --- constraints ---------------------------------------------------------------------
    def constraints(self, size: int, channels: int) -> Constraints | None:
        """The strokes as the edit's constraints at the generator's size (None: none)."""
        colour = channels_of(self.colour_layer.scaled(
            size, size, Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        sketch = channels_of(self.sketch_layer.scaled(
            size, size, Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        colour_mask, edge_mask = colour[..., 3], sketch[..., 3]
        if colour_mask.max() == 0 and edge_mask.max() == 0:
            return None
        rgb = colour[..., :3].transpose(2, 0, 1)  # (RGBA8888: not premultiplied)
        pixels = rgb.mean(0, keepdims=True) if channels == 1 else rgb
        has_colour, has_edges = colour_mask.max() > 0, edge_mask.max() > 0
        return Constraints(pixels.astype(np.float32) if has_colour else None,
                           colour_mask if has_colour else None,
                           np.ones_like(edge_mask) if has_edges else None,
                           edge_mask if has_edges else None)


def edges_image(patch: QImage) -> QImage:
    """A patch's edges (Sobel on its grey level) as dark ink with the edge strength as alpha."""
    rgba = channels_of(patch)
    grey = rgba[..., :3].mean(2)
    padded = np.pad(grey, 1, mode="edge")
    gx = padded[1:-1, 2:] - padded[1:-1, :-2]
    gy = padded[2:, 1:-1] - padded[:-2, 1:-1]
    strength = np.clip(np.hypot(gx, gy) * 2, 0, 1)
    ink = np.zeros((*grey.shape, 4), np.uint8)
    ink[..., 3] = np.round(strength * 255).astype(np.uint8)
    return from_rgba(ink)
