"""The iGAN panel's parts: the edit's settings, the projection box, the pad with its tools, and
the candidates with the morph."""

from __future__ import annotations

import contextlib

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.igan import (
    MAX_CANDIDATES,
    MAX_STEPS,
    METHODS,
    SHOWN,
    Candidates,
    EditSettings,
    EncoderReady,
    GanInfo,
    Morph,
    Projection,
    ProjectionSettings,
    Target,
    default_candidates,
)

from ...widgets.flow import flow
from ...widgets.image_grid import ImageGrid, to_qimage
from ...widgets.status_line import StatusLine
from .pad import TOOLS, DrawingPad

TOOL_TIPS = {"colour": "Paint the colour the image should have there",
             "sketch": "Draw the edges the image should have",
             "eraser": "Take strokes back where you rub",
             "warp": "Grab a region of the image and drag it where it should go"}
METHOD_NAMES = {"opt": "optimization", "encoder": "inverting network", "hybrid": "both (best)"}
SOURCES = {"file": "an image file", "dataset": "an image of the run's dataset",
           "drawing": "what the pad shows"}
PREVIEW = 96
CHOSEN = QColor(31, 119, 180)  # the frame of the chosen candidate


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)


def preview(label: QLabel, image: np.ndarray | None) -> None:
    """Show a C x H x W image in [0, 1] enlarged, pixels sharp (None: blank)."""
    if image is None:
        label.clear()
        return
    pixmap = QPixmap.fromImage(to_qimage(to_uint8(image)))
    label.setPixmap(pixmap.scaled(PREVIEW, PREVIEW, Qt.AspectRatioMode.KeepAspectRatio))


def picture_label() -> QLabel:
    label = QLabel()
    label.setFixedSize(PREVIEW + 4, PREVIEW + 4)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("background: white; border: 1px solid #ccc;")
    return label


class EditForm(QGroupBox):
    """How many candidates, which class (a cGAN), and the optimization's settings."""

    def __init__(self) -> None:
        super().__init__("Candidates")
        self.count = QSpinBox()
        self.count.setRange(1, MAX_CANDIDATES)
        self.count.setValue(default_candidates("cpu"))
        self.count.setToolTip("Latents optimized side by side (iGAN: 64 on a GPU; fewer on a "
                              "CPU by default, where each costs time)")
        self.label = QComboBox()
        self.label.setToolTip("A conditional generator's class: all classes, or one")
        defaults = EditSettings()
        self.steps = QSpinBox()
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setValue(defaults.steps)
        self.steps.setToolTip("Adam steps after each stroke (iGAN: 40)")
        self.edge_weight = QDoubleSpinBox()
        self.edge_weight.setRange(0, 100)
        self.edge_weight.setValue(defaults.edge_weight)
        self.edge_weight.setToolTip("How much the sketch counts beside the colours")
        self.prior_weight = QDoubleSpinBox()
        self.prior_weight.setDecimals(3)
        self.prior_weight.setRange(0, 100)
        self.prior_weight.setValue(defaults.prior_weight)
        self.prior_weight.setToolTip("λ: how strongly each candidate stays near where it "
                                     "started")
        self.restart = QPushButton("New draws")
        self.restart.setToolTip("Fresh random latents; the strokes go")
        self.fix = QPushButton("Fix")
        self.fix.setToolTip("Start again around the chosen candidate: it becomes the anchor "
                            "z0; the strokes go")
        self.fix.setEnabled(False)
        self.wanted_count: int | None = None  # the user's count, kept across generators
        self.count.valueChanged.connect(lambda n: setattr(self, "wanted_count", n))
        form = QFormLayout(self)
        for text, widget in (("How many", self.count), ("Class", self.label),
                             ("Steps per stroke", self.steps), ("Edge weight", self.edge_weight),
                             ("Prior weight λ", self.prior_weight)):
            form.addRow(text, widget)
        form.addRow(flow(self.restart, self.fix))

    def set_generator(self, info: GanInfo) -> None:
        for box in (self.count, self.label):
            box.blockSignals(True)
        self.count.setValue(self.wanted_count or default_candidates(info.device))
        self.label.clear()
        self.label.addItem("every class" if info.conditional else "(unconditional)", None)
        for k, name in enumerate(info.classes):
            self.label.addItem(f"{k}: {name}", k)
        self.label.setEnabled(info.conditional)
        for box in (self.count, self.label):
            box.blockSignals(False)

    def count_or_none(self) -> int | None:
        return self.wanted_count

    def chosen_label(self) -> int | None:
        return self.label.currentData()

    def settings(self) -> EditSettings:
        return EditSettings(steps=self.steps.value(), edge_weight=self.edge_weight.value(),
                            prior_weight=self.prior_weight.value())

    def save_settings(self, settings) -> None:
        settings.setValue("igan/steps", self.steps.value())

    def load_settings(self, settings) -> None:
        with contextlib.suppress(TypeError, ValueError):
            self.steps.setValue(int(settings.value("igan/steps") or self.steps.value()))


class ProjectBox(QGroupBox):
    """What to project and how; the target beside its reconstruction, with the error."""

    def __init__(self) -> None:
        super().__init__("Project an image")
        self.path = ""
        self.source = QComboBox()
        for key, text in SOURCES.items():
            self.source.addItem(text, key)
        self.open_file = QPushButton("Open…")
        self.index = QSpinBox()
        self.index.setRange(0, 10**7)
        self.index.setToolTip("Index into the run's dataset")
        self.method = QComboBox()
        for method in METHODS:
            self.method.addItem(METHOD_NAMES[method], method)
        self.method.setCurrentIndex(self.method.findData("hybrid"))
        self.steps = QSpinBox()
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setValue(ProjectionSettings().steps)
        self.train_button = QPushButton("Train inverting network")
        self.train_button.setToolTip("Train the network that guesses z from an image, on G's "
                                     "own samples; saved beside the run")
        self.encoder = QLabel("")
        self.encoder.setWordWrap(True)
        self.target, self.reconstruction = picture_label(), picture_label()
        self.error, self.conversion = QLabel(""), QLabel("")
        for label in (self.error, self.conversion):
            label.setWordWrap(True)
        self.conversion.setStyleSheet("color: #8a5a00;")
        self.edit_button = QPushButton("Edit this")
        self.edit_button.setToolTip("Candidates around the projection's z: paint on it")
        self.edit_button.setEnabled(False)
        form = QFormLayout()
        form.addRow("Image", self.source)
        form.addRow("File", self.open_file)
        form.addRow("Index", self.index)
        form.addRow("Method", self.method)
        form.addRow("Steps", self.steps)
        pictures = QHBoxLayout()
        for label, widget in (("image", self.target), ("G(z)", self.reconstruction)):
            column = QVBoxLayout()
            column.addWidget(QLabel(label))
            column.addWidget(widget)
            pictures.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.encoder)
        layout.addLayout(pictures)
        layout.addWidget(self.conversion)
        layout.addWidget(self.error)
        layout.addWidget(self.edit_button)
        self.source.currentIndexChanged.connect(self.show_source)
        self.show_source()

    def show_source(self) -> None:
        self.open_file.setEnabled(self.kind() == "file")
        self.index.setEnabled(self.kind() == "dataset")

    def kind(self) -> str:
        return self.source.currentData()

    def set_file(self, path: str) -> None:
        self.path = path
        self.open_file.setText(path.rsplit("/", 1)[-1][:24])
        self.source.setCurrentIndex(self.source.findData("file"))

    def set_generator(self, info: GanInfo) -> None:
        self.encoder.setText("Inverting network: saved for this epoch." if info.encoder_saved
                             else "Inverting network: none yet (the first projection that "
                             "needs it trains it, ~15 s on 2 cores).")

    def encoder_ready(self, e: EncoderReady) -> None:
        self.encoder.setText(f"Inverting network: {'trained' if e.trained else 'saved'} for "
                             "this epoch.")

    def settings(self, info: GanInfo) -> ProjectionSettings:
        return ProjectionSettings(method=self.method.currentData(), steps=self.steps.value())

    def clear(self) -> None:
        for label in (self.target, self.reconstruction):
            preview(label, None)
        self.error.setText("")
        self.conversion.setText("")
        self.edit_button.setEnabled(False)

    def show_target(self, target: Target) -> None:
        preview(self.target, target.image)
        if target.conversion:
            self.conversion.setText(f"Converted: {target.conversion}.")

    def show_projection(self, p: Projection, classes: tuple[str, ...]) -> None:
        preview(self.reconstruction, p.reconstruction)
        label = ""
        if p.label is not None:
            name = classes[p.label] if p.label < len(classes) else str(p.label)
            label = f" · class {name}{' (searched)' if p.label_searched else ''}"
        self.error.setText(f"{METHOD_NAMES[p.method]}, step {p.step} of {p.steps}: MSE "
                           f"{p.mse:.4f}, PSNR {p.psnr:.1f} dB{label}")
        self.edit_button.setEnabled(True)


class PadBox(QWidget):
    """The tools above the pad, the pad, and a line about the candidates under it."""

    def __init__(self) -> None:
        super().__init__()
        self.canvas = DrawingPad()
        self.grey = False
        self.tools = QButtonGroup(self)
        buttons = []
        for tool in TOOLS:
            button = QToolButton()
            button.setText(tool.capitalize())
            button.setCheckable(True)
            button.setChecked(tool == "colour")
            button.setToolTip(TOOL_TIPS[tool])
            button.setProperty("tool", tool)
            self.tools.addButton(button)
            buttons.append(button)
        self.color_button = QToolButton()
        self.color_button.setToolTip("The colour brush's colour")
        self.width_box = QSpinBox()
        self.width_box.setRange(1, 20)
        self.width_box.setValue(self.canvas.brush_width)
        self.width_box.setToolTip("Brush width (the wheel over the pad changes it too)")
        self.undo, self.redo = QPushButton("Undo"), QPushButton("Redo")
        self.show_strokes = QCheckBox("Show strokes")
        self.show_strokes.setChecked(True)
        self.status = StatusLine("Load a generator, then paint on its image.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(flow(*buttons, self.color_button, QLabel("Width"), self.width_box,
                              self.undo, self.redo, self.show_strokes))
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.status)
        self.tools.buttonClicked.connect(lambda b: setattr(self.canvas, "tool",
                                                           b.property("tool")))
        self.color_button.clicked.connect(self.pick_color)
        self.width_box.valueChanged.connect(self.canvas.set_width)
        self.canvas.width_changed.connect(self.width_box.setValue)
        self.undo.clicked.connect(self.canvas.undo)
        self.redo.clicked.connect(self.canvas.redo)
        self.show_color()

    def show_color(self) -> None:
        swatch = QPixmap(14, 14)
        swatch.fill(QColor(*self.canvas.color))
        self.color_button.setIcon(QIcon(swatch))

    def pick_color(self) -> None:
        color = QColorDialog.getColor(QColor(*self.canvas.color), self, "Brush colour")
        if color.isValid():
            self.set_color(color)

    def set_color(self, color: QColor) -> None:
        """The colour brush's colour; for a grey generator its grey (the channels' mean, as
        the constraint reads it)."""
        rgb = (color.red(), color.green(), color.blue())
        if self.grey:
            rgb = (round(sum(rgb) / 3),) * 3
        self.canvas.color = rgb
        self.show_color()

    def set_generator(self, channels: int) -> None:
        """A grey generator paints in grey, white to start with."""
        self.grey = channels == 1
        self.set_color(QColor("white") if self.grey else QColor(*self.canvas.color))

    def say(self, text: str) -> None:
        self.status.setText(text)

    def show_frame(self, frame: Candidates) -> None:
        if frame.step == 0 and not frame.costs.any():
            self.say(f"{len(frame.z)} candidates: paint on the image.")
            return
        self.say(f"Step {frame.step} of {frame.steps}: best cost {frame.costs[0]:.4f} (colour "
                 f"{frame.colour_error[0]:.4f}, edges {frame.edge_error[0]:.4f}) · "
                 f"{frame.seconds:.2f} s")


class CandidatesBox(QWidget):
    """The best candidates (click one to choose it), the morph to the chosen one, save and
    open."""

    def __init__(self) -> None:
        super().__init__()
        self.grid = ImageGrid(56, "The best candidates show here, best first.", mark=CHOSEN)
        self.mode = QComboBox()
        self.mode.addItem("linear", "lerp")
        self.mode.addItem("spherical", "slerp")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.setToolTip("From where the chosen candidate started to where it is now")
        self.play = QPushButton("Play")
        self.play.setEnabled(False)
        self.save, self.open = QPushButton("Save…"), QPushButton("Open…")
        self.save.setToolTip("Save the result, the strokes, the morph (PNG, GIF) and z (.npy) "
                             "into a folder")
        self.save.setEnabled(False)
        self.open.setToolTip("Open a saved edit")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Candidates</b> (best first; click to choose)"))
        layout.addWidget(self.grid, 1)
        layout.addWidget(QLabel("<b>Morph</b> from the start to the chosen one"))
        layout.addLayout(flow(self.mode, self.play))
        layout.addWidget(self.slider)
        layout.addLayout(flow(self.save, self.open))

    def clear(self) -> None:
        self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
        for w in (self.slider, self.play, self.save):
            w.setEnabled(False)

    def show_frame(self, frame: Candidates, classes: tuple[str, ...]) -> None:
        n = min(SHOWN, len(frame.z))
        fresh = frame.step == 0 and not frame.costs.any()  # no stroke yet: no cost to show
        captions = ["" if fresh else f"{c:.3g}" for c in frame.costs[:n]]
        tips = [f"cost {c:.4g}: colour {ce:.4g}, edges {ee:.4g}" for c, ce, ee in
                zip(frame.costs[:n], frame.colour_error[:n], frame.edge_error[:n], strict=True)]
        if frame.labels is not None:
            tips = [f"{t} · class {classes[k] if k < len(classes) else k}"
                    for t, k in zip(tips, frame.labels[:n], strict=True)]
        self.grid.set_images(to_uint8(frame.images[:n]), captions, [i == 0 for i in range(n)],
                             tips)
        self.save.setEnabled(True)

    def mark(self, i: int) -> None:
        self.grid.set_marks([j == i for j in range(len(self.grid.images))])

    def set_morph(self, morph: Morph) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(morph.images) - 1)
        self.slider.setValue(len(morph.images) - 1)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self.play.setEnabled(True)
