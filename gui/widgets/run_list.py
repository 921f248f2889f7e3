"""The list of stored runs; checking a run overlays its curves."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton

from core.runs.store import RunStore

STATUS_MARK = {"finished": "✓", "running": "…", "stopped": "■", "diverged": "✗",
               "failed": "✗", "interrupted": "!", "early-stopped": "✓"}
RESUMABLE = ("stopped", "interrupted")


def continue_button() -> QPushButton:
    button = QPushButton("Continue selected run")
    button.setToolTip("Resume a stopped or interrupted run from its last epoch checkpoint")
    return button


class RunList(QListWidget):
    """Runs of one kind, newest first; `overlay(run_id, checked)` when a box changes."""

    overlay = Signal(str, bool)

    def __init__(self, store: RunStore, kind: str = "classifier") -> None:
        super().__init__()
        self.store, self.kind = store, kind
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemChanged.connect(self.item_changed)
        self.refresh()

    def refresh(self) -> None:
        checked = set(self.checked())
        self.blockSignals(True)
        self.clear()
        for run in self.store.runs(self.kind):
            cfg = run.config.get("config", {})
            when = time.strftime("%d %b %H:%M", time.localtime(run.created))
            text = (f"{STATUS_MARK.get(run.status, '?')} {when}  {cfg.get('model', '?')} on "
                    f"{cfg.get('dataset', '?')}\n    {run.status}: {run.message}")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, run.id)
            item.setToolTip(f"run {run.id}\n{run.status}: {run.message}\n{run.dir}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = run.id in checked
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.addItem(item)
        self.blockSignals(False)

    def checked(self) -> list[str]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked]

    def current_id(self) -> str | None:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def resumable_id(self) -> str | None:
        """The selected run, if it was stopped or interrupted (it can go on)."""
        run_id = self.current_id()
        return run_id if run_id and self.store.get(run_id).status in RESUMABLE else None

    def item_changed(self, item: QListWidgetItem) -> None:
        on = item.checkState() == Qt.CheckState.Checked
        self.overlay.emit(item.data(Qt.ItemDataRole.UserRole), on)
