"""The latent panel's generator choice: the GAN runs of the run store, newest first, as the
store has them now, and run folders opened from elsewhere."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from deepscope.core.latent.events import GeneratorInfo, RunRef
from deepscope.core.runs.store import RunStore

from .form import elided_combo
from .run_labels import run_tip, run_title
from .run_watch import watch

RUN_CHARS = 18  # the run box shows this many characters of a run's title
NO_RUNS = ("No GAN runs yet: train a GAN in the GAN panel or with `deepscope train-gan` "
           "first, then come back here; or open a run folder from elsewhere (Open…).")


def describe(info: GeneratorInfo) -> str:
    """One line about a loaded generator."""
    colour = "grey" if info.channels == 1 else "colour"
    classes = f" · {len(info.classes)} classes" if info.conditional else ""
    return (f"{info.name} · {info.image_size}×{info.image_size} {colour} · z of "
            f"{info.latent_dim} ({info.prior}){classes} · epoch {info.epoch}")


class RunPicker(QGroupBox):
    """A combo of the GAN runs (and of GAN run folders opened from elsewhere) and a line about
    the loaded one; `changed` on another choice."""

    changed = Signal()

    def __init__(self, store: RunStore) -> None:
        super().__init__("Generator")
        self.store = store
        self.folders: list[str] = []  # run folders opened from outside the store
        self.offered: list[tuple[str, str, str]] | None = None  # the combo's (text, id, tip)
        self.combo = elided_combo(RUN_CHARS)
        self.combo.setToolTip("A GAN run of the run store; its latest epoch is loaded")
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("A GAN run folder from elsewhere (safetensors + JSON, as "
                                    "DeepScope saves them; nothing is unpickled)")
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setStyleSheet("color: #555;")
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.about)
        self.combo.currentIndexChanged.connect(self.changed)
        self.open_button.clicked.connect(self.ask_folder)
        watch(store).listed.connect(self.refresh)

    def choices(self) -> list[tuple[str, str, str]]:
        """(text, id or folder, tooltip) of each run to offer."""
        runs = [(run_title(run), run.id, run_tip(run)) for run in self.store.runs("gan")]
        return runs + [(f"folder {Path(f).name}", f, f) for f in self.folders]

    def refresh(self) -> None:
        """Re-read the store (the combo is rebuilt only if what it offers changed); `changed`
        only when the chosen run is no longer the same."""
        choices = self.choices()
        if choices == self.offered:
            return
        self.offered, before = choices, self.run_id()
        self.combo.blockSignals(True)
        self.combo.clear()
        for text, data, tip in choices:
            self.combo.addItem(text, data)
            self.combo.setItemData(self.combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.combo.setCurrentIndex(max(0, self.combo.findData(before)))
        self.combo.setEnabled(self.combo.count() > 0)
        self.combo.blockSignals(False)
        if not self.combo.count():
            self.about.setText(NO_RUNS)
        if self.run_id() != before:
            self.changed.emit()

    def run_id(self) -> str | None:
        return self.combo.currentData()

    def ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a GAN run folder")
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str) -> None:
        """Offer a run folder from outside the store, and choose it."""
        if folder not in self.folders:
            self.folders.append(folder)
        self.refresh()
        self.select(folder)

    def forget_folder(self, folder: str) -> None:
        """No longer offer a folder that could not be opened."""
        if folder in self.folders:
            self.folders.remove(folder)
            self.refresh()

    def ref(self) -> RunRef | None:
        """The chosen run, with the latent size its record promises (a folder promises none)."""
        if (run_id := self.run_id()) is None:
            return None
        if run_id in self.folders:
            return RunRef(run_id)
        run = self.store.get(run_id)
        return RunRef(str(run.dir), run.config.get("model", {}).get("latent_dim"))

    def select_dir(self, run_dir: str) -> None:
        """Choose the run whose folder is `run_dir` (a folder from elsewhere is opened)."""
        for i in range(self.combo.count()):
            data = self.combo.itemData(i)
            folder = data if data in self.folders else str(self.store.get(data).dir)
            if folder == run_dir:
                self.combo.setCurrentIndex(i)
                return
        self.open_folder(run_dir)

    def select(self, run_id: str) -> None:
        if (i := self.combo.findData(run_id)) >= 0:
            self.combo.setCurrentIndex(i)
