"""The list of stored runs, following the run store; checking a run overlays its curves."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton

from deepscope.core.runs.files import can_resume
from deepscope.core.runs.store import RunInfo, RunStore

from .run_labels import outcome, run_tip, run_title
from .run_watch import watch

RESUMABLE = ("stopped", "interrupted")


def continue_button() -> QPushButton:
    button = QPushButton("Continue selected run")
    button.setToolTip("Resume a stopped or interrupted run from the step its last checkpoint "
                      "kept: where Stop left it")
    return button


class RunList(QListWidget):
    """Runs of one kind, newest first, as the store has them now (whichever panel or thread
    changed it); `overlay(run_id, checked)` when a box changes."""

    overlay = Signal(str, bool)

    def __init__(self, store: RunStore, kind: str = "classifier") -> None:
        super().__init__()
        self.store, self.kind = store, kind
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemChanged.connect(self.item_changed)
        self.refresh()
        watch(store).listed.connect(self.update_run)

    def refresh(self) -> None:
        """Rebuild every row from the store (keeping checks)."""
        checked = set(self.checked())
        self.blockSignals(True)
        self.clear()
        for run in self.store.runs(self.kind):
            self.addItem(self.new_item(run, run.id in checked))
        self.blockSignals(False)

    def update_run(self, run_id: str) -> None:
        """Show one run as it is now: its row relabelled, a new row on top, or its row gone.
        A refresh rebuilds every row: ~40 ms of the GUI thread with 400 runs (measured), at
        each run's start, epoch and end."""
        item = self.item_of(run_id)
        try:
            run = self.store.get(run_id)
        except KeyError:  # deleted
            if item is not None:
                self.takeItem(self.row(item))
            return
        if run.kind != self.kind:
            return
        self.blockSignals(True)
        if item is not None:
            self.label(item, run)
        else:
            self.insertItem(0, self.new_item(run, False))
        self.blockSignals(False)

    def item_of(self, run_id: str) -> QListWidgetItem | None:
        items = (self.item(i) for i in range(self.count()))
        return next((it for it in items if it.data(Qt.ItemDataRole.UserRole) == run_id), None)

    def new_item(self, run: RunInfo, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, run.id)
        self.label(item, run)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return item

    @staticmethod
    def label(item: QListWidgetItem, run: RunInfo) -> None:
        item.setText(f"{run_title(run)}\n    {outcome(run.status, run.message)}")
        item.setToolTip(run_tip(run))

    def checked(self) -> list[str]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked]

    def current_id(self) -> str | None:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def resumable_id(self) -> str | None:
        """The selected run, if it was stopped or interrupted and kept what resume needs."""
        run_id = self.current_id()
        run = self.store.get(run_id) if run_id else None
        return run_id if run and run.status in RESUMABLE and can_resume(run.dir) else None

    def item_changed(self, item: QListWidgetItem) -> None:
        on = item.checkState() == Qt.CheckState.Checked
        self.overlay.emit(item.data(Qt.ItemDataRole.UserRole), on)
