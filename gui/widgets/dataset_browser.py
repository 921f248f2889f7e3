"""Browse the run's dataset: an index, Previous/Next, and filters by split, class and by
correct or wrong predictions (which need the split's predictions, computed by the panel)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.occlusion.events import SplitPredictions

SPLIT_LABELS = {"all": "all images", "test": "test split", "validation": "validation split",
          "train": "training split"}


def split_words(split: str) -> str:
    """A split as a sentence names it: "the test split", "all images" (not "the all images")."""
    return SPLIT_LABELS[split] if split == "all" else f"the {SPLIT_LABELS[split]}"


SHOW = {"all": "right and wrong", "correct": "correct only", "wrong": "mistakes only"}


def combo(items: dict[str, str]) -> QComboBox:
    box = QComboBox()
    for data, text in items.items():
        box.addItem(text, data)
    return box


class DatasetBrowser(QWidget):
    """`changed` when the index moves; `filters_changed` when a filter does."""

    changed = Signal()
    filters_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.predictions: SplitPredictions | None = None
        self.index = QSpinBox()
        self.index.setRange(0, 999_999)
        self.prev_button, self.next_button = QPushButton("◀ Previous"), QPushButton("Next ▶")
        self.position = QLabel()
        self.split, self.outcome = combo(SPLIT_LABELS), combo(SHOW)
        self.klass = QComboBox()
        self.set_classes(())
        top = QHBoxLayout()
        for w in (QLabel("Index"), self.index, self.prev_button, self.next_button):
            top.addWidget(w)
        filters = QGridLayout()
        for col, (label, w) in enumerate((("Split", self.split), ("Class", self.klass),
                                          ("Show", self.outcome))):
            filters.addWidget(QLabel(label), 0, col)
            filters.addWidget(w, 1, col)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.position)
        self.index.valueChanged.connect(self.on_index)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        for box in (self.split, self.klass, self.outcome):
            box.currentIndexChanged.connect(self.filters_changed)
        self.update_position()

    def set_classes(self, classes: tuple[str, ...]) -> None:
        keep = self.klass.currentData()
        self.klass.blockSignals(True)
        self.klass.clear()
        self.klass.addItem("any class", None)
        for k, name in enumerate(classes):
            self.klass.addItem(f"{k}: {name}", k)
        self.klass.setCurrentIndex(max(0, self.klass.findData(keep)))
        self.klass.blockSignals(False)

    def filters(self) -> tuple[str, int | None, str]:
        """(split, class or None, show)."""
        return self.split.currentData(), self.klass.currentData(), self.outcome.currentData()

    def filtered(self) -> bool:
        return self.filters() != ("all", None, "all")

    def needs_predictions(self) -> bool:
        """Filters are set and the chosen split's predictions are not here."""
        return self.filtered() and (self.predictions is None
                                    or self.predictions.split != self.filters()[0])

    def matches(self) -> np.ndarray | None:
        """Dataset indices the filters keep (None: no filter, or predictions missing)."""
        if not self.filtered() or self.needs_predictions():
            return None
        _, klass, show = self.filters()
        return self.predictions.matching(klass, show)

    def set_predictions(self, predictions: SplitPredictions | None) -> None:
        """Predictions of the chosen split (or None); moves to the first match if needed."""
        self.predictions = predictions
        found = self.matches()
        if found is not None and len(found) and self.index.value() not in found:
            at = int(np.searchsorted(found, self.index.value()))
            self.index.setValue(int(found[min(at, len(found) - 1)]))
        self.update_position()

    def step(self, direction: int) -> None:
        found = self.matches()
        i = self.index.value()
        if found is None:
            self.index.setValue(max(0, i + direction))
        elif len(found):
            at = np.searchsorted(found, i, side="right" if direction > 0 else "left")
            at = at if direction > 0 else at - 1
            self.index.setValue(int(found[at % len(found)]))  # wraps around

    def show_index(self, index: int) -> None:
        """Move to `index` without asking for a preview (its image is shown already)."""
        self.index.blockSignals(True)
        self.index.setValue(index)
        self.index.blockSignals(False)
        self.update_position()

    def on_index(self) -> None:
        self.update_position()
        self.changed.emit()

    def update_position(self) -> None:
        found = self.matches()
        waiting = self.filtered() and found is None
        for b in (self.prev_button, self.next_button):
            b.setEnabled(not waiting and (found is None or len(found) > 0))
        if not self.filtered():
            self.position.setText("Previous / Next step through the whole dataset.")
        elif waiting:
            self.position.setText("Predicting the split to apply the filters…")
        elif not len(found):
            self.position.setText("No image matches these filters.")
        else:
            where = np.flatnonzero(found == self.index.value())
            at = f"{where[0] + 1}" if len(where) else "–"
            self.position.setText(f"Image {at} of {len(found)} matching.")
