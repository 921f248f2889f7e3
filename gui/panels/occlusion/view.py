"""The occlusion map view: the image, one map over it (opacity, colour bar or class legend),
the probed window, and export as PNG, SVG or .npy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.occlusion.events import ImageInfo

from ...widgets.flow import flow
from ...widgets.palette import class_color
from ...widgets.predictions import class_name
from ...widgets.svg_export import save_svg
from ...widgets.throttle import Throttle

MAPS = ("probability of target", "drop", "most probable class", "pixel attribution")
EMPTY = "No image yet: pick a model and an image."
FRAME_S = 0.05  # redraw at <= 20 Hz, and only when something changed



def fading_diverging() -> pg.ColorMap:
    """CET-D1 (blue, white, red) turning transparent towards 0: only evidence tints the image."""
    pos = np.linspace(0.0, 1.0, 33)
    colors = pg.colormap.get("CET-D1").map(pos, mode="byte")
    colors[:, 3] = np.sqrt(np.abs(2 * pos - 1)) * 255
    return pg.ColorMap(pos, colors)


def positional_rect(maps) -> tuple[float, float, float, float]:
    """Where a positional map is drawn: each cell over the stride-sized area around its
    window's centre, as (x, y, width, height) in image pixels."""
    (wh, ww), (sh, sw) = maps.window, maps.stride
    rows, cols = maps.probability.shape
    return (ww - sw) / 2, (wh - sh) / 2, cols * sw, rows * sh


def window_box(maps, row: int, col: int) -> tuple[int, int, int, int]:
    """The window at a position, as (top, left, height, width) in image pixels, clipped at
    the border (as core.occlusion clips it)."""
    (wh, ww), (sh, sw) = maps.window, maps.stride
    height, width = maps.pixel.shape
    top, left = row * sh, col * sw
    return top, left, min(wh, height - top), min(ww, width - left)


class MapView(QWidget):
    """`clicked(row, col)`: the window position under a click (may lie outside); `saved(text)`
    after an export. `set_maps` draws at most every FRAME_S seconds."""

    clicked = Signal(int, int)
    saved = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.describe: Callable[[], dict] = dict  # what the maps came from, for meta.json
        self.info: ImageInfo | None = None
        self.maps = None  # the latest deepscope.core.occlusion.maps.OcclusionMaps
        self.dirty = False
        self.diverging = fading_diverging()
        self.build()
        self.map_choice.currentIndexChanged.connect(self.mark_dirty)
        self.grey.toggled.connect(self.draw_image)
        self.opacity.valueChanged.connect(self.opacity_changed)
        self.graphics.scene().sigMouseClicked.connect(self.scene_clicked)
        self.frames = Throttle(FRAME_S, lambda _: self.redraw(), self)

    def build(self) -> None:
        self.map_choice = QComboBox()
        self.map_choice.addItems(MAPS)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(60)
        self.opacity.setMinimumWidth(80)
        self.opacity_label = QLabel("opacity 60%")
        self.grey = QCheckBox("grey image")
        self.grey.setChecked(True)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction("PNG image…", lambda: self.ask_file("PNG image (*.png)", "occlusion.png",
                                                            self.export_png))
        menu.addAction("SVG image…", lambda: self.ask_file("SVG image (*.svg)", "occlusion.svg",
                                                            self.export_svg))
        menu.addAction("Maps as .npy…", self.ask_npy)
        self.export_button.setMenu(menu)
        row = flow(QLabel("Map"), self.map_choice, self.opacity_label, self.opacity, self.grey,
                   self.export_button)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.build_plot()
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.legend)

    def build_plot(self) -> None:
        self.plot = self.graphics.addPlot()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.base_item = pg.ImageItem(axisOrder="row-major")  # as the app sets it, explicitly
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.box_item = pg.QtWidgets.QGraphicsRectItem()
        self.box_item.setPen(pg.mkPen((255, 215, 0), width=1))
        self.box_item.hide()
        for item in (self.base_item, self.overlay, self.box_item):
            self.plot.addItem(item)
        self.empty_text = pg.TextItem(EMPTY, color=(90, 90, 90), anchor=(0.5, 0.5))
        self.empty_text.setTextWidth(420)
        self.plot.addItem(self.empty_text)
        self.plot.setRange(xRange=(-1, 1), yRange=(-1, 1))
        for axis in ("left", "bottom"):  # pixel axes appear with the image
            self.plot.hideAxis(axis)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"),
                                   interactive=False, pen="k")
        self.bar.axis.enableAutoSIPrefix(False)
        self.bar.axis.setLabel("p(target | occluded)")
        self.bar.setImageItem(self.overlay, insert_in=self.plot)
        self.bar.hide()

    # --- content -------------------------------------------------------------------------
    def show_image(self, info: ImageInfo) -> None:
        """A new image: drawn at once, without a map until `set_maps` (which draws at once).
        The same image again (Run after its preview) keeps the picture: one repaint fewer."""
        same = self.info is not None and np.array_equal(self.info.image, info.image)
        self.info = info
        self.frames.reset()
        self.box_item.hide()
        if same:
            return
        self.maps = None
        self.overlay.clear()
        self.bar.hide()
        self.legend.hide()
        self.draw_image()

    def set_maps(self, maps) -> None:
        """New maps: drawn now if the last frame is old enough, else by the timer."""
        self.maps, self.dirty = maps, True
        self.frames()

    def show_box(self, box: tuple[int, int, int, int]) -> None:
        top, left, h, w = box
        self.box_item.setRect(left, top, w, h)
        self.box_item.show()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """The empty view's text wraps within the view (a fixed width was cut at both ends)."""
        super().resizeEvent(event)
        self.empty_text.setTextWidth(max(120, min(420, event.size().width() - 40)))

    def clear(self, text: str = EMPTY) -> None:
        self.info, self.maps = None, None
        for item in (self.base_item, self.overlay):
            item.clear()
        self.box_item.hide()
        self.bar.hide()
        self.legend.hide()
        self.empty_text.setText(text)
        self.empty_text.show()
        for axis in ("left", "bottom"):
            self.plot.hideAxis(axis)
        self.plot.setRange(xRange=(-1, 1), yRange=(-1, 1))

    def scene_clicked(self, ev) -> None:
        if self.maps is None or not self.plot.vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = self.plot.vb.mapSceneToView(ev.scenePos())
        (wh, ww), (sh, sw) = self.maps.window, self.maps.stride
        self.clicked.emit(int(np.floor((p.y() - (wh - sh) / 2) / sh)),  # cells are drawn
                          int(np.floor((p.x() - (ww - sw) / 2) / sw)))  # around the centres

    # --- drawing -------------------------------------------------------------------------
    def draw_image(self) -> None:
        if self.info is None:
            return
        image = self.info.image
        if self.grey.isChecked() or image.shape[0] == 1:
            data = image.mean(0).astype(np.uint8)
        else:
            data = np.ascontiguousarray(image[:3].transpose(1, 2, 0))
        self.base_item.setImage(data, autoLevels=False, levels=(0, 255))
        self.empty_text.hide()
        for axis in ("left", "bottom"):
            self.plot.showAxis(axis)
        _, h, w = image.shape
        self.plot.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def mark_dirty(self) -> None:
        self.dirty = True
        self.redraw()

    def opacity_changed(self, value: int) -> None:
        self.opacity_label.setText(f"opacity {value}%")
        self.overlay.setOpacity(value / 100)

    def redraw(self) -> None:
        if not self.dirty or self.maps is None:
            return
        self.dirty = False
        m, choice = self.maps, self.map_choice.currentText()
        self.overlay.setOpacity(self.opacity.value() / 100)
        if choice == "pixel attribution":
            data, rect = m.pixel, (0, 0, m.pixel.shape[1], m.pixel.shape[0])
        elif choice == "most probable class":
            data = np.where(m.top_class < 0, np.nan, m.top_class).astype(np.float32)
            rect = positional_rect(m)
        else:
            data = m.probability if choice == "probability of target" else m.drop
            rect = positional_rect(m)
        self.overlay.setImage(data, autoLevels=False)
        self.overlay.setRect(*rect)
        if choice == "most probable class":
            self.draw_classes(data)
        else:
            self.draw_scale(choice, data)

    def draw_classes(self, data: np.ndarray) -> None:
        classes = self.info.classes if self.info else ()
        n = len(classes) or int(np.nanmax(data, initial=0)) + 1
        lut = np.array([class_color(k) for k in range(n)], np.uint8)
        self.bar.hide()
        self.overlay.setLookupTable(lut)
        self.overlay.setLevels((0, n))
        shown = sorted({int(k) for k in self.maps.top_class.flat if k >= 0})
        self.legend.setText("Most probable class: " + "  ".join(
            f"<span style='color: rgb{class_color(k)};'>■</span> "
            f"{class_name(classes, k)}" for k in shown))
        self.legend.show()

    def draw_scale(self, choice: str, data: np.ndarray) -> None:
        self.legend.hide()
        self.bar.show()
        if choice == "probability of target":
            cmap, levels, label = pg.colormap.get("viridis"), (0.0, 1.0), "p(target | occluded)"
        else:
            peak = float(np.nanmax(np.abs(data))) if np.isfinite(data).any() else 0.0
            peak = max(peak, 1e-3)
            cmap, levels = self.diverging, (-peak, peak)
            label = "drop in p(target)" if choice == "drop" else "mean drop per pixel"
        self.bar.setColorMap(cmap)
        self.bar.setLevels(levels)
        self.bar.axis.setLabel(label)

    # --- export --------------------------------------------------------------------------
    def export_png(self, path) -> Path:
        """The view as on screen."""
        path = Path(path)
        self.redraw()
        if not self.graphics.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        return path

    def export_svg(self, path) -> Path:
        """The view as SVG (the images embedded, axes and colour bar as vectors)."""
        self.redraw()
        return save_svg(self.graphics, path, "DeepScope occlusion map")

    def export_npy(self, folder) -> Path:
        """probability/drop/top_class/pixel/image .npy and meta.json of the maps on screen."""
        if self.maps is None:
            raise ValueError("no occlusion map yet: press Run first")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        m = self.maps
        for name in ("probability", "drop", "top_class", "pixel"):
            np.save(folder / f"{name}.npy", getattr(m, name))
        if self.info is not None:
            np.save(folder / "image.npy", self.info.image)
        meta = {"window": list(m.window), "stride": list(m.stride), "target": m.target,
                "base_probability": m.base_probability, "done": m.done, "total": m.total,
                "classes": list(self.info.classes) if self.info else None, **self.describe()}
        (folder / "meta.json").write_text(json.dumps(meta, indent=2))
        return folder

    def ask_file(self, kind: str, name: str, export: Callable[[str], Path]) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the view", name, kind)
        if path:
            self.saved.emit(f"Saved {export(path)}")

    def ask_npy(self) -> None:
        if self.maps is None:
            self.saved.emit("Nothing to export yet: press Run first.")
            return
        if folder := QFileDialog.getExistingDirectory(self, "Export the maps as .npy into"):
            self.saved.emit(f"Maps saved in {self.export_npy(folder)}")

    def save_settings(self, settings) -> None:
        settings.setValue("occlusion/opacity", self.opacity.value())

    def load_settings(self, settings) -> None:
        try:
            if (opacity := settings.value("occlusion/opacity")) is not None:
                self.opacity.setValue(int(opacity))
        except (ValueError, TypeError):  # another version's settings: the default
            pass
