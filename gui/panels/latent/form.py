"""The latent panel's choices: the two endpoints (seed, class) and the path between them."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.latent.events import MAX_STEPS, MIN_STEPS, Endpoint, PathRequest, RunRef

from ...widgets import form

MAX_SEED = 2**31 - 1
MODE_LABELS = {"slerp": "Spherical (slerp)", "lerp": "Linear (lerp)",
               "walk": "Random walk from A", "class": "Class A → B, z of A fixed"}
MODE_TIPS = {"slerp": "Along the great circle between A and B, the norm changing linearly",
             "lerp": "The straight line from A to B (it passes inside the prior's typical shell)",
             "walk": "A smooth random walk starting at A on the prior's typical set",
             "class": "A cGAN's class embedding blended from A's class to B's; z stays A's"}
ENDS = ("A", "B")


class EndpointRow(QWidget):
    """One endpoint: a seed (z drawn from the prior with it) and, for a cGAN, a class."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip(f"Seed of {name}: the same seed always gives the same z "
                             "(as `deepscope interpolate --seeds`)")
        self.klass = QComboBox()
        self.klass.setToolTip(f"Class of {name} (conditional generator)")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.seed, 1)
        row.addWidget(self.klass, 1)

    def endpoint(self) -> Endpoint:
        label = self.klass.currentIndex() if self.klass.count() else None
        return Endpoint(self.seed.value(), label)

    def set(self, seed: int, label: int | None) -> None:
        self.seed.setValue(seed)
        if label is not None and 0 <= label < self.klass.count():
            self.klass.setCurrentIndex(label)


class LatentForm(QWidget):
    """Endpoints A and B and the path; `changed` when a choice that alters the frames does."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.ends = {name: EndpointRow(name) for name in ENDS}
        self.mode = form.combo(list(MODE_LABELS.values()), "How to go from A to B")
        for i, mode in enumerate(MODE_LABELS):
            self.mode.widget.setItemData(i, MODE_TIPS[mode], Qt.ItemDataRole.ToolTipRole)
        self.steps = form.integer(MIN_STEPS, MAX_STEPS, "Frames in the sequence, both ends in")
        self.steps.set(16)
        self.step_size = form.number(0.01, 5.0, 2, "Per-coordinate scale of each move")
        self.step_size.set(0.3)
        self.smoothness = form.number(0.0, 0.99, 2, "Memory of the velocity: 0 jitters, "
                                      "0.99 drifts in long arcs", adaptive=False)
        self.smoothness.widget.setSingleStep(0.05)
        self.smoothness.set(0.9)
        self.new_walk = QPushButton("New walk")
        self.new_walk.setToolTip("Another random walk from A")
        self.walk_seed = 0
        self.build()
        for field in (self.steps, self.step_size, self.smoothness):
            field.changed.connect(self.changed)
        self.mode.changed.connect(self.mode_changed)
        self.new_walk.clicked.connect(self.reseed_walk)
        for row in self.ends.values():
            row.seed.valueChanged.connect(self.changed)
            row.klass.currentIndexChanged.connect(self.changed)
        self.set_classes(())

    def build(self) -> None:
        ends = QGroupBox("Endpoints")
        self.ends_form = QFormLayout(ends)
        for name, row in self.ends.items():
            self.ends_form.addRow(name, row)
        path = QGroupBox("Path")
        self.path_form = QFormLayout(path)
        for label, widget in (("Path", self.mode.widget), ("Frames", self.steps.widget),
                              ("Step size", self.step_size.widget),
                              ("Smoothness", self.smoothness.widget), ("", self.new_walk)):
            self.path_form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(ends)
        layout.addWidget(path)

    def set_classes(self, classes: tuple[str, ...]) -> None:
        """A cGAN's class names (class choices and the class path), or () for a plain G."""
        self.blockSignals(True)
        for i, row in enumerate(self.ends.values()):
            keep = row.klass.currentIndex()
            row.klass.clear()
            row.klass.addItems([f"class {c}" for c in classes])
            row.klass.setVisible(bool(classes))
            if classes:
                row.klass.setCurrentIndex(keep if 0 <= keep < len(classes)
                                          else min(i, len(classes) - 1))
        self.mode.widget.model().item(list(MODE_LABELS).index("class")).setEnabled(bool(classes))
        if not classes and self.path() == "class":
            self.mode.set(MODE_LABELS["slerp"])
        self.blockSignals(False)
        self.mode_changed()

    def path(self) -> str:
        return next(k for k, v in MODE_LABELS.items() if v == self.mode.get())

    def mode_changed(self) -> None:
        """Show the walk's settings for a walk only; grey out what the path ignores."""
        walk, path = self.path() == "walk", self.path()
        for widget in (self.step_size.widget, self.smoothness.widget, self.new_walk):
            self.path_form.setRowVisible(widget, walk)
        self.ends["B"].setEnabled(not walk)
        self.ends["B"].seed.setEnabled(path != "class")
        self.changed.emit()

    def reseed_walk(self) -> None:
        self.walk_seed = random.randrange(MAX_SEED)
        self.changed.emit()

    def set_endpoint(self, name: str, seed: int, label: int | None) -> None:
        """Both parts of an endpoint at once: one `changed`."""
        self.blockSignals(True)
        self.ends[name].set(seed, label)
        self.blockSignals(False)
        self.changed.emit()

    def request(self, run: RunRef) -> PathRequest:
        a, b = (self.ends[name].endpoint() for name in ENDS)
        return PathRequest(run, a, b, self.path(), self.steps.get(), self.step_size.get(),
                           self.smoothness.get(), self.walk_seed)

    def to_dict(self) -> dict:
        return {"mode": self.path(), "steps": self.steps.get(), "step_size": self.step_size.get(),
                "smoothness": self.smoothness.get(),
                "seeds": [self.ends[name].seed.value() for name in ENDS]}

    def from_dict(self, data: dict) -> None:
        """Saved choices; unknown or missing ones keep their current value."""
        if data.get("mode") in MODE_LABELS:
            self.mode.set(MODE_LABELS[data["mode"]])
        for key in ("steps", "step_size", "smoothness"):
            if key in data:
                getattr(self, key).set(data[key])
        for name, seed in zip(ENDS, data.get("seeds", ()), strict=False):
            self.ends[name].seed.setValue(int(seed))
