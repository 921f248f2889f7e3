"""Which classifier a panel probes: a trained run from the run store, a torchvision classifier,
or the user's own model (a Python file with safetensors weights, or a live module)."""

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
from deepscope.core.runs import LiveModel, ModelSource, ModelStatus, RunModel, ZooModel, ZooStatus
from deepscope.core.runs.files import has_weights
from deepscope.core.runs.store import RunInfo, RunStore

from ..compute import NewestWins, by_type
from .form import elided_combo
from .open_model import OpenModelDialog
from .run_labels import model_label, model_tip
from .run_watch import watch
from .user_models import Entry, user_models

USABLE = ("finished", "early-stopped")
TRAINING = ("running", "stopped")  # offered with `training=True`, once a checkpoint is saved
KINDS = ("trained run", "torchvision (ImageNet)", "your own model")
RUN, ZOO, USER = range(3)
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

    Torchvision models need a ZooStatus and the user's models a ModelStatus (a compute job
    that `check` submits) before use. With `training`, runs still training (or stopped) are
    offered too, from their newest checkpoint.
    """

    changed = Signal()
    download = Signal(str)

    def __init__(self, store: RunStore, training: bool = False) -> None:
        super().__init__("Model")
        self.store = store
        self.usable = USABLE + TRAINING if training else USABLE
        self.runs: list[RunInfo] = []
        self.zoo: dict[str, ZooStatus] = {}
        self.users = user_models(store)
        self.checked: dict[int, ModelStatus | str] = {}  # by id of the entry: status or error
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
        self.user_combo = elided_combo(RUN_CHARS)
        self.open_button = QPushButton("Open model…")
        self.open_button.setToolTip("A function in your Python file that returns the model, "
                                    "with optional safetensors weights")
        self.weights_note = QLabel()
        self.weights_note.setWordWrap(True)
        self.stack = QStackedWidget()
        for layout in (row(self.run_combo, self.refresh_button, stretch=1),
                       row(self.zoo_combo, self.weights),
                       row(self.user_combo, self.open_button, stretch=1)):
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
        for combo in (self.kind, self.run_combo, self.zoo_combo, self.weights, self.user_combo):
            combo.currentIndexChanged.connect(self.on_change)
        self.open_button.clicked.connect(self.open_model)
        self.users.changed.connect(self.refresh_users)
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
        runs = [r for r in self.store.runs("classifier") if r.status in self.usable
                and (r.status in USABLE or has_weights(r.dir))]
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

    def refresh_users(self) -> None:
        """Offer the user's models, newest first, keeping the selection."""
        current = self.user_entry()
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        for e in self.users.entries:
            self.user_combo.addItem(e.name if isinstance(e, LiveModel) else
                                    f"{e.name} ({' x '.join(map(str, e.shape))})")
            self.user_combo.setItemData(self.user_combo.count() - 1, user_tip(e),
                                        Qt.ItemDataRole.ToolTipRole)
        if current in self.users.entries:
            self.user_combo.setCurrentIndex(self.users.entries.index(current))
        self.user_combo.blockSignals(False)
        if self.user_entry() is not current:
            self.on_change()

    def open_model(self) -> None:
        """Ask for a Python file's model; once opened it is offered first in every picker."""
        entry = self.user_entry()
        dialog = OpenModelDialog(self, entry if entry and not isinstance(entry, LiveModel)
                                 else None)
        if dialog.exec():
            self.add_user(dialog.source())

    def add_user(self, entry: Entry) -> None:
        """Offer `entry` (a file's model or a live one) and choose it."""
        self.users.add(entry)
        self.kind.setCurrentIndex(USER)
        self.user_combo.setCurrentIndex(0)
        self.on_change()

    def user_entry(self) -> Entry | None:
        i = self.user_combo.currentIndex()
        entries = self.users.entries
        return entries[i] if 0 <= i < len(entries) else None

    def is_user(self) -> bool:
        return self.kind.currentIndex() == USER

    def is_zoo(self) -> bool:
        return self.kind.currentIndex() == ZOO

    def zoo_name(self) -> str:
        return self.zoo_combo.currentText()

    def pretrained(self) -> bool:
        return self.weights.currentIndex() == 0

    def choose_run(self, run_id: str) -> bool:
        """Pick the run `run_id` (among the runs offered); whether it was offered."""
        self.refresh_runs()
        ids = [r.id for r in self.runs]
        if run_id not in ids:
            return False
        self.kind.setCurrentIndex(0)
        self.run_combo.setCurrentIndex(ids.index(run_id))
        return True

    def current_run(self) -> RunInfo | None:
        i = self.run_combo.currentIndex()
        return self.runs[i] if 0 <= i < len(self.runs) else None

    def source(self) -> ModelSource | None:
        if self.is_zoo():
            return ZooModel(self.zoo_name(), self.pretrained())
        if self.is_user():
            return self.user_entry()
        run = self.current_run()
        return RunModel(run.dir) if run else None

    def key(self) -> str:
        """Names the model for caches of its predictions."""
        if self.is_user():
            entry = self.user_entry()
            return f"user:{id(entry)}" if entry else ""
        run = self.current_run()
        return f"zoo:{self.zoo_name()}:{self.pretrained()}" if self.is_zoo() else (
            f"run:{run.id}" if run else "")

    def image_size(self) -> int | None:
        if self.is_zoo():
            return ZOO_SIZE
        if self.is_user():
            entry = self.user_entry()
            return entry.shape[1] if entry else None
        run = self.current_run()
        size = run.config.get("model", {}).get("image_size") if run else None
        return int(size) if size else None

    def channels(self) -> int:
        if self.is_user():
            entry = self.user_entry()
            return entry.shape[0] if entry else 3
        run = None if self.is_zoo() else self.current_run()
        return int(run.config.get("model", {}).get("in_channels", 3)) if run else 3

    def classes(self) -> tuple[str, ...]:
        if self.is_zoo():
            status = self.zoo.get(self.zoo_name())
            return status.classes if status else ()
        if self.is_user():
            status = self.checked.get(id(self.user_entry()))
            return status.classes if isinstance(status, ModelStatus) else ()
        run = self.current_run()
        return tuple(run.config.get("classes", [])) if run else ()

    def has_dataset(self) -> bool:
        if self.is_user():
            entry = self.user_entry()
            return isinstance(entry, LiveModel) and entry.dataset is not None
        run = self.current_run()
        return not self.is_zoo() and run is not None and "config" in run.config

    def needs_status(self) -> bool:
        """A torchvision model is chosen whose cache status is not known yet, or a model of
        the user's that has not been loaded yet."""
        if self.is_user():
            entry = self.user_entry()
            return entry is not None and id(entry) not in self.checked
        return self.is_zoo() and self.zoo_name() not in self.zoo

    def check(self, slot: NewestWins) -> None:
        """Submit, in `slot`, the compute job that the chosen model needs before use."""
        if not self.needs_status():
            return
        if self.is_user():
            entry = self.user_entry()

            def loaded(status: ModelStatus) -> None:
                self.checked[id(entry)] = status
                self.on_change()

            def failed(message: str, _details: str) -> None:
                self.checked[id(entry)] = message.removeprefix("ValueError: ")
                self.on_change()

            slot.submit(lambda: user_status_job(entry), yielded=by_type({ModelStatus: loaded}),
                        errored=failed)
        else:
            name = self.zoo_name()
            slot.submit(lambda: zoo_job(name), yielded=by_type({ZooStatus: self.set_zoo_status}),
                        errored=lambda message, _: self.weights_note.setText(
                            f"Cannot check the torch cache: {message}"))

    def set_zoo_status(self, status: ZooStatus) -> None:
        self.zoo[status.name] = status
        self.on_change()

    def forget_zoo_status(self, name: str) -> None:
        """After a download: the cache must be checked again."""
        self.zoo.pop(name, None)

    def problem(self) -> str | None:
        """Why the chosen model cannot run now, or None."""
        if self.is_user():
            return self.user_problem()
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

    def user_problem(self) -> str | None:
        entry = self.user_entry()
        if entry is None:
            return ("Press Open model… to load your own model: a function in a Python file "
                    "that returns it.")
        status = self.checked.get(id(entry))
        if status is None:
            return f"Loading {entry.name}…"
        return None if isinstance(status, ModelStatus) else f"{entry.name}: {status}"


def user_tip(entry: Entry) -> str:
    """What a user's model is: its file, weights, input and normalization."""
    shape = " x ".join(map(str, entry.shape))
    where = "handed over from Python (deepscope.explore)" if isinstance(entry, LiveModel) else (
        f"{entry.file}\nweights: {entry.weights or 'as the function builds them'}")
    return f"{where}\ninput {shape}, mean {entry.mean}, std {entry.std}"


def user_status_job(entry: Entry):
    from deepscope.core.runs import model_status_job

    return model_status_job(entry)


def zoo_job(name: str):
    from deepscope.core.runs import zoo_status_job

    return zoo_status_job(name)
