"""Occlusion panel: slide an occluder over an image, watch the target probability fall."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.occlusion_names import OCCLUDERS
from core.runs.store import RunInfo, RunStore
from gui.compute import ComputeThread
from gui.widgets.image_grid import to_qimage
from gui.widgets.panel_frame import boxed, error_box, frame

NOTE = (
    "<b>What am I looking at?</b> Zeiler &amp; Fergus occlusion: an occluder window slides over "
    "the image and the model sees each occluded copy. The positional maps show, at each window "
    "position (drawn at the window's centre), p(target | occluded image), the drop "
    "p(target | image) − p(target | occluded) or the most probable class. The pixel map is the "
    "mean drop over all windows covering a pixel (Captum's definition): red = the evidence the "
    "model relies on, blue = occluding it helps. Click the map to inspect one position."
)
MAPS = ("probability of target", "drop", "most probable class", "pixel attribution")
USABLE = ("finished", "early-stopped")
CLASS_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


@dataclass(frozen=True)
class ImageInfo:
    """The image being occluded, as the model sees it before any occlusion."""

    image: np.ndarray  # uint8 C x H x W
    label: int | None
    classes: tuple[str, ...]
    target: int
    top5: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Probe:
    """One window position: where it is, the occluded image and the model's top-5 there."""

    row: int
    col: int
    box: tuple[int, int, int, int]  # top, left, height, width (clipped at the border)
    image: np.ndarray  # uint8 C x H x W, occluded
    top5: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Setup:
    """Everything a job needs to rebuild the experiment on the compute thread."""

    run_dir: Path
    dataset: str
    data_root: str | None
    index: int
    window: tuple[int, int]
    stride: tuple[int, int]
    occluder: str
    target: str
    batch_size: int


_CACHE: dict = {}  # the last Experiment, touched only on the compute thread


def _experiment(s: Setup):
    from core.occlusion_run import load_experiment

    key = (str(s.run_dir), s.dataset, s.data_root, s.index)
    if _CACHE.get("key") != key:
        _CACHE.clear()
        root = Path(s.data_root) if s.data_root else None
        _CACHE["exp"] = load_experiment(s.run_dir, s.dataset, root, s.index)
        _CACHE["key"] = key
    return _CACHE["exp"]


def _top5(probs) -> tuple[tuple[int, float], ...]:
    top = probs.topk(min(5, len(probs)))
    return tuple((int(i), float(p)) for p, i in zip(top.values, top.indices, strict=True))


def _uint8(exp, normalized) -> np.ndarray:
    pixels = (normalized * exp.std + exp.mean).clamp(0, 1)
    return (pixels * 255).round().byte().numpy()


def occlusion_run_job(s: Setup):
    """Job body (compute thread): the image event, then the growing OcclusionMaps."""
    import torch

    from core.occlusion import occlusion_job
    from core.occlusion_run import occluder, resolve_target

    _CACHE.clear()  # a fresh load each Run: a deleted or retrained checkpoint shows up
    exp = _experiment(s)
    exp.model.eval()
    target = resolve_target(s.target, exp)
    with torch.inference_mode():
        probs = exp.model(exp.image[None]).softmax(1)[0]
    yield ImageInfo(_uint8(exp, exp.image), exp.label, exp.classes, target, _top5(probs))
    baseline, _ = occluder(s.occluder, exp)
    yield from occlusion_job(exp.model, exp.image, target, s.window, s.stride, baseline,
                             s.batch_size)


def probe_job(s: Setup, row: int, col: int):
    """Job body (compute thread): occlude one window position, report the top-5 classes."""
    import torch

    from core.occlusion import occlude
    from core.occlusion_run import occluder

    exp = _experiment(s)
    exp.model.eval()
    baseline, _ = occluder(s.occluder, exp)
    occluded, box = occlude(exp.image, s.window, s.stride, baseline, row, col)
    with torch.inference_mode():
        probs = exp.model(occluded[None]).softmax(1)[0]
    yield Probe(row, col, box, _uint8(exp, occluded), _top5(probs))


def run_label(run: RunInfo) -> str:
    cfg = run.config.get("config", {})
    when = time.strftime("%H:%M", time.localtime(run.created))
    return f"{cfg.get('model', '?')} on {cfg.get('dataset', '?')}, {when}"


class OcclusionPanel(QWidget):
    title = "Occlusion"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.job: int | None = None
        self.probe: int | None = None
        self.setup: Setup | None = None  # of the map on screen
        self.info: ImageInfo | None = None
        self.maps = None  # the latest OcclusionMaps
        self.dirty = False
        self.error_box: QMessageBox | None = None
        self.run_infos: list[RunInfo] = []
        self.build()
        self.connect_signals()
        self.timer = QTimer(self)
        self.timer.setInterval(50)  # redraw at <= 20 Hz, and only when something changed
        self.timer.timeout.connect(self.redraw)
        self.timer.start()
        self.refresh_runs()
        self.set_running(False)

    # --- layout --------------------------------------------------------------------------
    def build(self) -> None:

        self.run_combo = QComboBox()
        self.run_combo.setMinimumContentsLength(20)
        self.refresh_button = QPushButton("Refresh")
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_combo, 1)
        run_row.addWidget(self.refresh_button)
        self.index = QSpinBox()
        self.index.setRange(0, 999_999)
        self.prev_button, self.next_button = QPushButton("◀ Previous"), QPushButton("Next ▶")
        index_row = QHBoxLayout()
        for w in (self.index, self.prev_button, self.next_button):
            index_row.addWidget(w)
        self.win_h, self.win_w, self.stride, self.batch = (QSpinBox() for _ in range(4))
        for spin in (self.win_h, self.win_w):
            spin.setRange(1, 1024)
            spin.setValue(7)
        self.stride.setRange(1, 1024)
        self.stride.setValue(2)
        self.batch.setRange(1, 4096)
        self.batch.setValue(64)
        window_row = QHBoxLayout()
        window_row.addWidget(self.win_h)
        window_row.addWidget(QLabel("×"))
        window_row.addWidget(self.win_w)
        self.occluder = QComboBox()
        self.occluder.addItems(OCCLUDERS)
        self.occluder.setCurrentText("grey")
        self.target = QComboBox()
        form = QFormLayout()
        form.addRow("Run", run_row)
        form.addRow("Image index", index_row)
        form.addRow("Window (h × w)", window_row)
        form.addRow("Stride", self.stride)
        form.addRow("Occluder", self.occluder)
        form.addRow("Target", self.target)
        form.addRow("Batch size", self.batch)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b;")
        self.run_button, self.cancel_button = QPushButton("Run"), QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setValue(0)
        self.progress.setFormat("idle")
        self.status = QLabel("Pick a trained run and an image, then press Run.")
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.status.setFixedHeight(3 * self.status.fontMetrics().lineSpacing() + 4)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.problems)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        left.addStretch(1)
        left_box = boxed(left)
        left_box.setMaximumWidth(380)

        self.map_choice = QComboBox()
        self.map_choice.addItems(MAPS)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(60)
        self.opacity.setMinimumWidth(90)
        self.opacity_label = QLabel("opacity 60%")
        self.grey = QCheckBox("grey image")
        self.grey.setChecked(True)
        self.png_button, self.npy_button = QPushButton("Export PNG"), QPushButton("Export .npy")
        view_row = QHBoxLayout()
        for w in (QLabel("Map"), self.map_choice, self.opacity_label, self.opacity, self.grey,
                  self.png_button, self.npy_button):
            view_row.addWidget(w)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
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
        self.empty_text = pg.TextItem("No map yet: pick a run and press Run.", color=(90, 90, 90),
                                      anchor=(0.5, 0.5))
        self.plot.addItem(self.empty_text)
        self.plot.setRange(xRange=(-1, 1), yRange=(-1, 1))
        for axis in ("left", "bottom"):  # pixel axes appear with the image
            self.plot.hideAxis(axis)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"),
                                   interactive=False, pen="k")
        self.bar.axis.enableAutoSIPrefix(False)
        self.bar.axis.setLabel("p(target | occluded)")
        self.bar.setImageItem(self.overlay, insert_in=self.plot)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        middle = QVBoxLayout()
        middle.addLayout(view_row)
        middle.addWidget(self.graphics, 1)
        middle.addWidget(self.legend)
        middle_box = boxed(middle)

        self.prediction = QLabel("The unoccluded prediction appears after Run.")
        self.prediction.setWordWrap(True)
        self.prediction.setTextFormat(Qt.TextFormat.RichText)
        pred_box = QGroupBox("Unoccluded image")
        QVBoxLayout(pred_box).addWidget(self.prediction)
        self.probe_image = QLabel()
        self.probe_image.setFixedSize(140, 140)
        self.probe_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.probe_image.setStyleSheet("background: white; border: 1px solid #ccc;")
        self.probe_text = QLabel("Click a position on the map to see the model's top-5 with "
                                 "that window occluded.")
        self.probe_text.setWordWrap(True)
        self.probe_text.setTextFormat(Qt.TextFormat.RichText)
        probe_box = QGroupBox("Clicked position")
        probe_layout = QVBoxLayout(probe_box)
        probe_layout.addWidget(self.probe_image, 0, Qt.AlignmentFlag.AlignHCenter)
        probe_layout.addWidget(self.probe_text)
        right = QVBoxLayout()
        right.addWidget(pred_box)
        right.addWidget(probe_box)
        right.addStretch(1)
        right_box = boxed(right)
        right_box.setFixedWidth(240)

        frame(self, NOTE, [(left_box, 0), (middle_box, 3), (right_box, 0)])

    def connect_signals(self) -> None:
        self.refresh_button.clicked.connect(self.refresh_runs)
        self.run_combo.currentIndexChanged.connect(self.run_changed)
        self.prev_button.clicked.connect(lambda: self.index.setValue(self.index.value() - 1))
        self.next_button.clicked.connect(lambda: self.index.setValue(self.index.value() + 1))
        for spin in (self.win_h, self.win_w, self.stride, self.batch):
            spin.valueChanged.connect(self.validate)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.map_choice.currentIndexChanged.connect(self.mark_dirty)
        self.grey.toggled.connect(self.draw_image)
        self.opacity.valueChanged.connect(self.opacity_changed)
        self.png_button.clicked.connect(self.ask_png)
        self.npy_button.clicked.connect(self.ask_npy)
        self.graphics.scene().sigMouseClicked.connect(self.scene_clicked)
        self.compute.event.connect(self.on_event)
        self.compute.done.connect(self.on_done)
        self.compute.failed.connect(self.on_failed)

    # --- runs and validation -------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.refresh_runs()
        super().showEvent(event)

    def refresh_runs(self) -> None:
        current = self.current_run()
        runs = [r for r in self.store.runs("classifier") if r.status in USABLE]
        if [r.id for r in runs] == [r.id for r in self.run_infos]:
            return
        self.run_infos = runs
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for r in runs:
            self.run_combo.addItem(run_label(r), r.id)
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.created))
            self.run_combo.setItemData(self.run_combo.count() - 1, f"{r.id}, {stamp}",
                                       Qt.ItemDataRole.ToolTipRole)
        ids = [r.id for r in runs]
        if current is not None and current.id in ids:
            self.run_combo.setCurrentIndex(ids.index(current.id))
        self.run_combo.blockSignals(False)
        self.run_changed()

    def current_run(self) -> RunInfo | None:
        i = self.run_combo.currentIndex()
        return self.run_infos[i] if 0 <= i < len(self.run_infos) else None

    def image_size(self) -> tuple[int, int] | None:
        run = self.current_run()
        size = run.config.get("model", {}).get("image_size") if run else None
        return (int(size), int(size)) if size else None

    def run_changed(self) -> None:
        run = self.current_run()
        keep = self.target.currentIndex()
        self.target.clear()
        self.target.addItem("true class", "true")
        self.target.addItem("predicted class", "pred")
        if run is not None:
            for k, name in enumerate(run.config.get("classes", [])):
                self.target.addItem(f"{k}: {name}", str(k))
        self.target.setCurrentIndex(keep if 0 <= keep < self.target.count() else 0)
        self.validate()

    def issues(self) -> list[str]:
        run = self.current_run()
        if run is None:
            return ["No finished classifier run yet: train one in the Training panel, then "
                    "press Refresh."]
        found = []
        size = self.image_size()
        h, w = self.win_h.value(), self.win_w.value()
        if size and (h > size[0] or w > size[1]):
            found.append(f"The {h}×{w} window does not fit the {size[0]}×{size[1]} image.")
        if self.stride.value() < 1:
            found.append("The stride must be at least 1 pixel.")
        return found

    def validate(self) -> None:
        found = self.issues()
        self.problems.setText("\n".join(found))
        self.problems.setVisible(bool(found))
        self.set_running(self.job is not None)

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and not self.issues())
        self.cancel_button.setEnabled(running)
        for w in (self.run_combo, self.refresh_button, self.index, self.prev_button,
                  self.next_button, self.win_h, self.win_w, self.stride, self.occluder,
                  self.target, self.batch):
            w.setEnabled(not running)

    def current_setup(self) -> Setup:
        run = self.current_run()
        assert run is not None
        cfg = run.config.get("config", {})
        return Setup(run.dir, cfg.get("dataset", "digits"), cfg.get("data_root"),
                     self.index.value(), (self.win_h.value(), self.win_w.value()),
                     (self.stride.value(), self.stride.value()), self.occluder.currentText(),
                     self.target.currentData() or "true", self.batch.value())

    # --- jobs ----------------------------------------------------------------------------
    def start(self) -> None:
        if self.job is not None or self.issues():
            return
        setup = self.current_setup()
        self.setup, self.info, self.maps = setup, None, None
        self.box_item.hide()
        self.probe_image.clear()
        self.probe_text.setText("Click a position on the map to see the model's top-5 with "
                                "that window occluded.")
        self.job = self.compute.submit(lambda: occlusion_run_job(setup))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("loading the model and the image…")
        self.status.setText(f"Occluding image {setup.index} of {setup.dataset}…")
        self.set_running(True)

    def cancel(self) -> None:
        if self.job is not None:
            self.compute.cancel(self.job)

    def probe_at(self, row: int, col: int) -> None:
        """Occlude the window at (row, col) on the compute thread; show its top-5 when back."""
        if self.setup is None or self.maps is None:
            return
        rows, cols = self.maps.probability.shape
        row, col = min(max(row, 0), rows - 1), min(max(col, 0), cols - 1)
        setup = self.setup
        self.probe = self.compute.submit(lambda: probe_job(setup, row, col))
        self.probe_text.setText(f"Window at row {row}, column {col}: computing…")

    def on_map_click(self, x: float, y: float) -> None:
        """Image coordinates (pixels) to the nearest window position, then probe it."""
        if self.setup is None or self.maps is None:
            return
        (wh, ww), (sh, sw) = self.setup.window, self.setup.stride
        self.probe_at(int(np.floor((y - (wh - sh) / 2) / sh)),
                      int(np.floor((x - (ww - sw) / 2) / sw)))

    def scene_clicked(self, ev) -> None:
        if not self.plot.vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = self.plot.vb.mapSceneToView(ev.scenePos())
        self.on_map_click(p.x(), p.y())

    def on_event(self, job: int, event) -> None:
        if job == self.probe and isinstance(event, Probe):
            self.show_probe(event)
        elif job != self.job:
            return
        elif isinstance(event, ImageInfo):
            self.info = event
            self.show_prediction()
            self.draw_image()
        elif hasattr(event, "probability"):
            self.maps = event
            self.progress.setRange(0, event.total)
            self.progress.setValue(event.done)
            self.progress.setFormat(f"{event.done} / {event.total} window positions")
            self.dirty = True

    def on_done(self, job: int, outcome: str) -> None:
        if job == self.probe:
            self.probe = None
            return
        if job != self.job:
            return
        self.job = None
        self.set_running(False)
        self.redraw()
        m = self.maps
        if outcome == "finished" and m is not None:
            self.progress.setFormat(f"done: {m.total} window positions")
            worst = np.unravel_index(np.nanargmax(m.drop), m.drop.shape)
            self.status.setText(
                f"Done. p(target) = {m.base_probability:.3f} unoccluded; the largest drop, "
                f"{np.nanmax(m.drop):.3f}, is at row {worst[0]}, column {worst[1]}.")
        elif outcome == "cancelled":
            self.progress.setFormat("cancelled")
            kept = f"{m.done} of {m.total} positions" if m else "nothing computed yet"
            self.status.setText(f"Cancelled: the partial map is kept ({kept}).")
        elif outcome == "failed":
            self.progress.setFormat("failed")

    def on_failed(self, job: int, message: str, details: str) -> None:
        if job not in (self.job, self.probe, 0):
            return
        self.error_box = error_box(self, "Occlusion failed", message, details)
        self.status.setText(f"Failed: {message}")

    # --- drawing -------------------------------------------------------------------------
    def class_name(self, k: int) -> str:
        classes = self.info.classes if self.info else ()
        return f"{k} ({classes[k]})" if 0 <= k < len(classes) and classes[k] != str(k) else str(k)

    def top5_html(self, top5) -> str:
        target = self.maps.target if self.maps else (self.info.target if self.info else -1)
        lines = []
        for k, p in top5:
            name = self.class_name(k)
            lines.append(f"<b>{name}: {p:.1%}</b>" if k == target else f"{name}: {p:.1%}")
        return "<br>".join(lines)

    def show_prediction(self) -> None:
        i = self.info
        if i is None:
            return
        truth = "unknown" if i.label is None else self.class_name(i.label)
        self.prediction.setText(f"true class {truth}; target {self.class_name(i.target)}<br>"
                                f"top-5 (target in bold):<br>{self.top5_html(i.top5)}")

    def show_probe(self, p: Probe) -> None:
        top, left, h, w = p.box
        self.probe_text.setText(f"Window at row {p.row}, column {p.col}: pixels y {top}–"
                                f"{top + h - 1}, x {left}–{left + w - 1}<br>"
                                f"top-5 with it occluded:<br>{self.top5_html(p.top5)}")
        pix = QPixmap.fromImage(to_qimage(p.image))
        self.probe_image.setPixmap(pix.scaled(self.probe_image.size(),
                                              Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.FastTransformation))
        self.box_item.setRect(left, top, w, h)
        self.box_item.show()

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
            data = m.pixel
            rect = (0, 0, data.shape[1], data.shape[0])
        else:
            data = {"probability of target": m.probability, "drop": m.drop}.get(choice)
            if data is None:
                data = np.where(m.top_class < 0, np.nan, m.top_class).astype(np.float32)
            (wh, ww), (sh, sw) = m.window, m.stride
            rows, cols = data.shape
            # each cell is drawn over the stride-sized area around its window's centre
            rect = ((ww - sw) / 2, (wh - sh) / 2, cols * sw, rows * sh)
        self.overlay.setImage(data, autoLevels=False)
        self.overlay.setRect(*rect)
        if choice == "most probable class":
            n = len(self.info.classes) if self.info else int(np.nanmax(data, initial=0)) + 1
            lut = np.array([CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n)], np.uint8)
            self.bar.hide()
            self.overlay.setLookupTable(lut)
            self.overlay.setLevels((0, n))
            shown = sorted({int(k) for k in m.top_class.flat if k >= 0})
            self.legend.setText("Most probable class: " + "  ".join(
                f"<span style='color: rgb{CLASS_COLORS[k % len(CLASS_COLORS)]};'>■</span> "
                f"{self.class_name(k)}" for k in shown))
            self.legend.show()
            return
        self.legend.hide()
        self.bar.show()
        if choice == "probability of target":
            cmap, levels, label = pg.colormap.get("viridis"), (0.0, 1.0), "p(target | occluded)"
        else:
            peak = float(np.nanmax(np.abs(data))) if np.isfinite(data).any() else 0.0
            peak = max(peak, 1e-3)
            cmap, levels = pg.colormap.get("CET-D1"), (-peak, peak)
            label = "drop in p(target)" if choice == "drop" else "mean drop per pixel"
        self.bar.setColorMap(cmap)
        self.bar.setLevels(levels)
        self.bar.axis.setLabel(label)

    # --- export --------------------------------------------------------------------------
    def export_png(self, path) -> Path:
        path = Path(path)
        self.redraw()
        self.graphics.grab().save(str(path))
        return path

    def export_npy(self, folder) -> Path:
        """probability/drop/top_class/pixel .npy and meta.json of the maps on screen."""
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
                "occluder": self.setup.occluder if self.setup else None,
                "run": str(self.setup.run_dir) if self.setup else None,
                "index": self.setup.index if self.setup else None,
                "classes": list(self.info.classes) if self.info else None}
        (folder / "meta.json").write_text(json.dumps(meta, indent=2))
        return folder

    def ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export PNG", "occlusion.png",
                                              "PNG image (*.png)")
        if path:
            self.export_png(path)

    def ask_npy(self) -> None:
        if self.maps is None:
            self.status.setText("Nothing to export yet: press Run first.")
            return
        folder = QFileDialog.getExistingDirectory(self, "Export maps as .npy into")
        if folder:
            self.export_npy(folder)
            self.status.setText(f"Maps saved in {folder}")

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        settings.setValue("occlusion/window", [self.win_h.value(), self.win_w.value()])
        settings.setValue("occlusion/stride", self.stride.value())
        settings.setValue("occlusion/occluder", self.occluder.currentText())
        settings.setValue("occlusion/opacity", self.opacity.value())

    def load_settings(self, settings) -> None:
        try:
            window = settings.value("occlusion/window")
            if window:
                self.win_h.setValue(int(window[0]))
                self.win_w.setValue(int(window[1]))
            if (stride := settings.value("occlusion/stride")) is not None:
                self.stride.setValue(int(stride))
            if (kind := settings.value("occlusion/occluder")) in OCCLUDERS:
                self.occluder.setCurrentText(kind)
            if (opacity := settings.value("occlusion/opacity")) is not None:
                self.opacity.setValue(int(opacity))
        except (ValueError, TypeError, IndexError):  # another version's settings: defaults
            pass
