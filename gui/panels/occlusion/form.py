"""How to occlude: window, stride, occluder, target class and batch size."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from deepscope.core.occlusion.spec import OCCLUDERS, OcclusionSettings, default_window


def spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


class OcclusionForm(QWidget):
    """The occlusion settings; `changed` when one of them changes."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.size: int | None = None  # the model's input size the window defaults follow
        self.win_h, self.win_w = spin(1, 1024, 7), spin(1, 1024, 7)
        self.stride, self.batch = spin(1, 1024, 2), spin(1, 4096, 64)
        window_row = QHBoxLayout()
        for w in (self.win_h, QLabel("×"), self.win_w):
            window_row.addWidget(w)
        self.occluder = QComboBox()
        self.occluder.addItems(OCCLUDERS)
        self.occluder.setCurrentText("grey")
        self.target = QComboBox()
        self.wanted = "true"  # the user's choice, kept while an image has no true class
        self.set_classes((), labelled=True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for label, field in (("Window (h × w)", window_row), ("Stride", self.stride),
                             ("Occluder", self.occluder), ("Target", self.target),
                             ("Batch size", self.batch)):
            form.addRow(label, field)
        for box in (self.win_h, self.win_w, self.stride, self.batch):
            box.valueChanged.connect(self.changed)
        for combo in (self.occluder, self.target):
            combo.currentIndexChanged.connect(self.changed)
        self.target.currentIndexChanged.connect(self.target_chosen)

    def settings(self) -> OcclusionSettings:
        stride = self.stride.value()
        return OcclusionSettings((self.win_h.value(), self.win_w.value()), (stride, stride),
                                 self.occluder.currentText(), self.target.currentData() or "pred",
                                 self.batch.value())

    def target_chosen(self) -> None:
        self.wanted = self.target.currentData() or self.wanted

    def set_classes(self, classes: tuple[str, ...], labelled: bool) -> None:
        """Target choices: true class (only for `labelled` images), predicted, each class."""
        self.target.blockSignals(True)
        self.target.clear()
        if labelled:
            self.target.addItem("true class", "true")
        self.target.addItem("predicted class", "pred")
        for k, name in enumerate(classes):
            self.target.addItem(f"{k}: {name}", str(k))
        self.target.setCurrentIndex(max(0, self.target.findData(self.wanted)))
        self.target.blockSignals(False)

    def fit_to(self, size: int) -> None:
        """A window and stride in proportion to a new input size (28 px: 7 and 2)."""
        if size != self.size:
            self.size = size
            window, stride = default_window(size)
            for box, value in ((self.win_h, window), (self.win_w, window), (self.stride, stride)):
                box.setValue(value)

    def issues(self, size: int | None) -> list[str]:
        h, w = self.win_h.value(), self.win_w.value()
        if size and (h > size or w > size):
            return [f"The {h}×{w} window does not fit the {size}×{size} image."]
        return []

    def save_settings(self, settings) -> None:
        settings.setValue("occlusion/window", [self.win_h.value(), self.win_w.value()])
        settings.setValue("occlusion/stride", self.stride.value())
        settings.setValue("occlusion/occluder", self.occluder.currentText())
        if self.size is not None:
            settings.setValue("occlusion/size", self.size)  # the size the window was set for

    def load_settings(self, settings) -> None:
        """Restore saved settings; another version's settings leave the defaults."""
        try:
            if window := settings.value("occlusion/window"):
                self.win_h.setValue(int(window[0]))
                self.win_w.setValue(int(window[1]))
            if (stride := settings.value("occlusion/stride")) is not None:
                self.stride.setValue(int(stride))
            if (kind := settings.value("occlusion/occluder")) in OCCLUDERS:
                self.occluder.setCurrentText(kind)
            if (size := settings.value("occlusion/size")) is not None:
                self.size = int(size)
        except (ValueError, TypeError, IndexError):
            pass
