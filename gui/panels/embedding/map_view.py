"""One map: the point cloud in a pan-and-zoom plot with its tools (pan, rectangle, lasso),
colouring (true class, prediction, correctness) with a legend whose entries toggle, and
thumbnails. It says which point the mouse is over, which was clicked, and which a rectangle or
lasso enclosed, as rows of the map."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGraphicsPathItem,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...widgets.flow import flow
from ...widgets.palette import class_color
from .cloud import THUMBS, PointCloud

COLOURINGS = {"true class": "labels", "predicted class": "predicted", "correct / wrong": "correct"}
RIGHT, WRONG = (44, 160, 44), (214, 39, 40)
TOOLS = {"Pan / zoom": "pan", "Rectangle": "rect", "Lasso": "lasso"}
PICK_PX = 8  # a click or hover finds the nearest point within this many pixels
LASSO_VERTICES = 256
EMPTY_PX = 300  # the empty map's words wrap at this width
LEGEND_STYLE = (  # compact chips; a hidden entry greys out
    "QToolButton { padding: 1px 4px; border: 1px solid #c8c8c8; border-radius: 3px; "
    "background: #f4f6f9; color: #202020; } "
    "QToolButton:!checked { color: #a0a0a0; background: white; border-style: dashed; }")


def inside(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Which of N x 2 `points` lie inside the closed `polygon` (M x 2), by the even-odd rule."""
    x, y = points[:, 0], points[:, 1]
    hit = np.zeros(len(points), bool)
    for (x1, y1), (x2, y2) in zip(polygon, np.roll(polygon, -1, 0), strict=True):
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        hit ^= crosses & (x < x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    return hit


class MapBox(pg.ViewBox):
    """A ViewBox whose left drag pans, or with the rectangle or lasso tool draws a region:
    `enclosed(polygon)` (M x 2, view coordinates) when the drag ends."""

    enclosed = Signal(object)

    def __init__(self) -> None:
        super().__init__(lockAspect=True, defaultPadding=0.04)
        self.tool = "pan"
        self.trace: list[QPointF] = []
        self.outline = QGraphicsPathItem()
        pen = QPen(QColor(20, 20, 20), 1, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.outline.setPen(pen)
        self.outline.setZValue(10)
        self.addItem(self.outline, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 (pyqtgraph override)
        if self.tool == "pan" or ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        here = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            self.trace = [self.mapSceneToView(ev.buttonDownScenePos())]
        self.trace.append(here)
        polygon = self.polygon()
        path = QPainterPath()
        path.addPolygon(pg.functions.arrayToQPolygonF(polygon[:, 0], polygon[:, 1]))
        path.closeSubpath()
        self.outline.setPath(path)
        if ev.isFinish():
            self.outline.setPath(QPainterPath())
            self.enclosed.emit(polygon)

    def polygon(self) -> np.ndarray:
        """The region so far: the rectangle from the drag's start to here, or the lasso's
        trace (thinned to LASSO_VERTICES)."""
        points = np.array([(p.x(), p.y()) for p in self.trace])
        if self.tool == "rect":
            (x0, y0), (x1, y1) = points[0], points[-1]
            return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
        return points[:: max(1, len(points) // LASSO_VERTICES)]


class Legend(QWidget):
    """A checkable entry per colour; unchecking one hides its points. `changed` on a toggle."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.buttons: list[QToolButton] = []
        self.row = flow(parent=self)
        self.setStyleSheet(LEGEND_STYLE)

    def set_entries(self, names: list[str], colors: list[tuple[int, int, int]]) -> None:
        for button in self.buttons:
            self.row.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        for name, color in zip(names, colors, strict=True):
            button = QToolButton()
            button.setText(name)
            button.setCheckable(True)
            button.setChecked(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            swatch = QPixmap(10, 10)
            swatch.fill(QColor(*color))
            button.setIcon(QIcon(swatch))
            button.setToolTip(f"Show or hide the points of {name}")
            button.toggled.connect(self.changed)
            self.row.addWidget(button)
            self.buttons.append(button)

    def shown(self) -> np.ndarray:
        return np.array([b.isChecked() for b in self.buttons], bool)


class MapView(QWidget):
    """The map and its controls. `hovered(row)` (-1: none), `clicked(row)`, `enclosed(rows)`."""

    hovered = Signal(int)
    clicked = Signal(int)
    enclosed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.labels = self.predicted = None
        self.classes: tuple[str, ...] = ()
        self.hover_row = -1
        self.box = MapBox()
        self.plot = pg.PlotWidget(viewBox=self.box, background="w")
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.cloud = PointCloud()
        self.plot.addItem(self.cloud)
        self.empty = pg.TextItem("", color=(110, 110, 110), anchor=(0.5, 0.5))
        self.empty.setTextWidth(EMPTY_PX)
        self.plot.addItem(self.empty, ignoreBounds=True)
        self.colouring = QComboBox()
        self.colouring.addItems(list(COLOURINGS))
        self.colouring.setToolTip("Colour the points by their true class, by the class the "
                                  "model predicts, or by whether it is right")
        self.tools = QButtonGroup(self)
        tool_buttons = []
        for name, tool in TOOLS.items():
            button = QToolButton()
            button.setText(name)
            button.setCheckable(True)
            button.setChecked(tool == "pan")
            button.setProperty("tool", tool)
            self.tools.addButton(button)
            tool_buttons.append(button)
        tool_buttons[1].setToolTip("Drag a rectangle: its points open in the selection gallery")
        tool_buttons[2].setToolTip("Draw around points: they open in the selection gallery")
        self.thumbnails = QCheckBox("Thumbnails")
        self.thumbnails.setToolTip(f"Draw each point's image where at most {THUMBS} points are in "
                                   "view (zoom in)")
        self.fit_button = QToolButton()
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Show the whole map")
        self.legend = Legend()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(flow(QLabel("Colour by"), self.colouring, *tool_buttons,
                              self.thumbnails, self.fit_button))
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        self.connect_signals()
        self.show_empty("No map yet.")

    def connect_signals(self) -> None:
        self.colouring.currentIndexChanged.connect(self.recolour)
        self.legend.changed.connect(self.recolour_points)
        self.tools.buttonClicked.connect(lambda b: setattr(self.box, "tool", b.property("tool")))
        self.thumbnails.toggled.connect(self.cloud.set_thumbnails)
        self.fit_button.clicked.connect(self.fit)
        self.box.enclosed.connect(self.select_region)
        self.plot.scene().sigMouseMoved.connect(self.mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self.mouse_clicked)

    # --- data ----------------------------------------------------------------------------
    def show_empty(self, text: str) -> None:
        """No map: `text` in its place."""
        self.cloud.set_coords(np.zeros((0, 2), np.float32))
        self.cloud.set_pictures(None)
        self.labels = self.predicted = None
        self.empty.setText(text)
        self.empty.setPos(0.5, 0.5)
        self.box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

    def set_points(self, labels: np.ndarray, predicted: np.ndarray | None,
                   classes: tuple[str, ...]) -> None:
        """New points (their coordinates come with `set_coords`, their images with
        `set_pictures`): what colours them."""
        self.labels, self.predicted, self.classes = labels, predicted, classes
        self.cloud.set_pictures(None)
        model = self.colouring.model()
        for text in ("predicted class", "correct / wrong"):
            model.item(self.colouring.findText(text)).setEnabled(predicted is not None)
        if predicted is None:
            self.colouring.setCurrentIndex(0)
        self.recolour()

    def set_pictures(self, pictures: np.ndarray | None) -> None:
        self.cloud.set_pictures(pictures)

    def set_coords(self, coords: np.ndarray, fit: bool = False) -> None:
        self.empty.setText("")
        self.cloud.set_coords(coords)
        if fit:
            self.fit()

    def fit(self) -> None:
        """Show the whole map, and keep following it as it grows until the user pans or
        zooms."""
        self.box.enableAutoRange()

    def has_map(self) -> bool:
        return len(self.cloud.coords) > 0 and self.labels is not None

    # --- colours -------------------------------------------------------------------------
    def keys(self) -> tuple[np.ndarray, list[str], list[tuple[int, int, int]]]:
        """Each row's legend entry, and the entries' names and colours."""
        what = COLOURINGS[self.colouring.currentText()]
        if what == "correct":
            return ((self.predicted != self.labels).astype(np.int64), ["correct", "wrong"],
                    [RIGHT, WRONG])
        key = self.labels if what == "labels" else self.predicted
        names = list(self.classes) or [str(k) for k in range(int(self.labels.max()) + 1)]
        return key, names, [class_color(k) for k in range(len(names))]

    def recolour(self) -> None:
        if self.labels is None:
            return
        _, names, colors = self.keys()
        self.legend.blockSignals(True)
        self.legend.set_entries(names, colors)
        self.legend.blockSignals(False)
        self.recolour_points()

    def recolour_points(self) -> None:
        if self.labels is None:
            return
        key, _, colors = self.keys()
        palette = np.array(colors, np.uint8)
        self.cloud.set_colors(palette[key], self.legend.shown()[key])

    # --- the mouse -----------------------------------------------------------------------
    def nearest(self, scene_pos: QPointF) -> int:
        """The shown row nearest to a scene position within PICK_PX pixels, or -1."""
        rows = self.cloud.rows
        if not len(rows) or not self.box.sceneBoundingRect().contains(scene_pos):
            return -1
        here = self.box.mapSceneToView(scene_pos)
        px, py = self.box.viewPixelSize()
        dx = (self.cloud.coords[rows, 0] - here.x()) / px
        dy = (self.cloud.coords[rows, 1] - here.y()) / py
        distance = dx * dx + dy * dy
        best = int(np.argmin(distance))
        return int(rows[best]) if distance[best] <= PICK_PX * PICK_PX else -1

    def mouse_moved(self, scene_pos: QPointF) -> None:
        row = self.nearest(scene_pos)
        if row != self.hover_row:
            self.hover_row = row
            self.cloud.set_rings("hover", np.array([row] if row >= 0 else [], np.int64))
            self.hovered.emit(row)

    def mouse_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.box.tool != "pan":
            return
        row = self.nearest(ev.scenePos())
        if row >= 0:
            self.clicked.emit(row)

    def select_region(self, polygon: np.ndarray) -> None:
        rows = self.cloud.rows
        chosen = rows[inside(self.cloud.coords[rows], polygon)] if len(polygon) > 2 else rows[:0]
        self.enclosed.emit(np.sort(chosen))

    def mark(self, kind: str, rows: np.ndarray) -> None:
        """Ring rows: "chosen" (the clicked point), "neighbours" or "hover"."""
        self.cloud.set_rings(kind, rows)

    def outline(self, rows: np.ndarray) -> None:
        self.cloud.set_outlined(rows)
