"""Which model to occlude: a finished run from the run store, or a torchvision classifier."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.models.spec import TORCHVISION_MODELS
from deepscope.core.runs import ModelSource, RunModel, ZooModel, ZooStatus
from deepscope.core.runs.store import RunInfo, RunStore

from .form import elided_combo
from .run_labels import model_label, model_tip
from .run_watch import watch

USABLE = ("finished", "early-stopped")
KINDS = ("trained run", "torchvision (ImageNet)")
WEIGHTS = ("pretrained ImageNet weights", "random weights (untrained)")
ZOO_SIZE = 224  # deepscope.core.runs.loader.ZOO_SIZE, without importing torch here
RUN_CHARS = 18  # the run box shows this many characters of a run's label


def row(*widgets: QWidget, stretch: int = 0) -> QHBoxLayout:
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    for i, w in enumerate(widgets):
        layout.addWidget(w, stretch if i == 0 else 0)
    return layout


class ModelPicker(QGroupBox):
    """`changed` when the model source changes; `download(name)` asks for pretrained weights.

    Torchvision models need a ZooStatus (from a compute job, `set_zoo_status`) before use.
    """

    changed = Signal()
    download = Signal(str)

    def __init__(self, store: RunStore) -> None:
        super().__init__("Model")
        self.store = store
        self.runs: list[RunInfo] = []
        self.zoo: dict[str, ZooStatus] = {}
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.run_combo = elided_combo(RUN_CHARS)
        self.run_combo.setMinimumContentsLength(18)
        self.refresh_button = QPushButton("Refresh")
        self.zoo_combo = QComboBox()
        self.zoo_combo.addItems(TORCHVISION_MODELS)
        self.weights = QComboBox()
        self.weights.addItems(WEIGHTS)
        self.download_button = QPushButton("Download")
        self.weights_note = QLabel()
        self.weights_note.setWordWrap(True)
        self.stack = QStackedWidget()
        for layout in (row(self.run_combo, self.refresh_button, stretch=1),
                       row(self.zoo_combo, self.weights)):
            page = QWidget()
            page.setLayout(layout)
            self.stack.addWidget(page)
        box = QVBoxLayout(self)
        for w in (self.kind, self.stack):
            box.addWidget(w)
        box.addLayout(row(self.weights_note, self.download_button, stretch=1))
        self.connect_signals()
        self.update_note()

    def connect_signals(self) -> None:
        self.kind.currentIndexChanged.connect(self.stack.setCurrentIndex)
        for combo in (self.kind, self.run_combo, self.zoo_combo, self.weights):
            combo.currentIndexChanged.connect(self.on_change)
        self.refresh_button.clicked.connect(self.refresh_runs)
        self.download_button.clicked.connect(lambda: self.download.emit(self.zoo_name()))
        watch(self.store).listed.connect(self.refresh_runs)

    def on_change(self) -> None:
        self.update_note()
        self.changed.emit()

    def refresh_runs(self) -> None:
        """Reload the finished classifier runs, keeping the selection; `changed` if the chosen
        model is another (a first run, or the chosen one deleted)."""
        current = self.current_run()
        before = current.id if current else None
        runs = [r for r in self.store.runs("classifier") if r.status in USABLE]
        if [r.id for r in runs] == [r.id for r in self.runs]:
            return
        self.runs = runs
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for r in runs:
            self.run_combo.addItem(model_label(r), r.id)
            self.run_combo.setItemData(self.run_combo.count() - 1, model_tip(r),
                                       Qt.ItemDataRole.ToolTipRole)
        ids = [r.id for r in runs]
        if current is not None and current.id in ids:
            self.run_combo.setCurrentIndex(ids.index(current.id))
        self.run_combo.blockSignals(False)
        if (after := self.current_run()) is None or after.id != before:
            self.on_change()

    def is_zoo(self) -> bool:
        return self.kind.currentIndex() == 1

    def zoo_name(self) -> str:
        return self.zoo_combo.currentText()

    def pretrained(self) -> bool:
        return self.weights.currentIndex() == 0

    def current_run(self) -> RunInfo | None:
        i = self.run_combo.currentIndex()
        return self.runs[i] if 0 <= i < len(self.runs) else None

    def source(self) -> ModelSource | None:
        if self.is_zoo():
            return ZooModel(self.zoo_name(), self.pretrained())
        run = self.current_run()
        return RunModel(run.dir) if run else None

    def key(self) -> str:
        """Names the model for caches of its predictions."""
        run = self.current_run()
        return f"zoo:{self.zoo_name()}:{self.pretrained()}" if self.is_zoo() else (
            f"run:{run.id}" if run else "")

    def image_size(self) -> int | None:
        if self.is_zoo():
            return ZOO_SIZE
        run = self.current_run()
        size = run.config.get("model", {}).get("image_size") if run else None
        return int(size) if size else None

    def channels(self) -> int:
        run = None if self.is_zoo() else self.current_run()
        return int(run.config.get("model", {}).get("in_channels", 3)) if run else 3

    def classes(self) -> tuple[str, ...]:
        if self.is_zoo():
            status = self.zoo.get(self.zoo_name())
            return status.classes if status else ()
        run = self.current_run()
        return tuple(run.config.get("classes", [])) if run else ()

    def has_dataset(self) -> bool:
        run = self.current_run()
        return not self.is_zoo() and run is not None and "config" in run.config

    def needs_status(self) -> bool:
        """A torchvision model is chosen whose cache status is not known yet."""
        return self.is_zoo() and self.zoo_name() not in self.zoo

    def set_zoo_status(self, status: ZooStatus) -> None:
        self.zoo[status.name] = status
        self.on_change()

    def forget_zoo_status(self, name: str) -> None:
        """After a download: the cache must be checked again."""
        self.zoo.pop(name, None)

    def problem(self) -> str | None:
        """Why the chosen model cannot run now, or None."""
        if not self.is_zoo():
            return None if self.current_run() else (
                "No finished classifier run yet: train one in the Training panel, then press "
                "Refresh, or choose a torchvision model.")
        status = self.zoo.get(self.zoo_name())
        if status is None:
            return "Checking the torch cache for pretrained weights…"
        if self.pretrained() and not status.cached:
            return (f"Pretrained {status.name} weights are not in the torch cache: press Download "
                    "(needs internet) or choose random weights.")
        return None

    def update_note(self) -> None:
        status = self.zoo.get(self.zoo_name())
        missing = self.is_zoo() and self.pretrained() and status is not None and not status.cached
        self.download_button.setVisible(missing)
        if status is not None:
            self.download_button.setToolTip(f"Fetch the pretrained weights into {status.path} "
                                            "(needs internet), or copy the file there")
        self.weights_note.setVisible(self.is_zoo())
        self.weights_note.setText(
            f"{ZOO_SIZE}×{ZOO_SIZE} RGB input, ImageNet mean/std, 1000 classes. "
            + ("Weights found in the torch cache." if status and status.cached and
               self.pretrained() else ""))
