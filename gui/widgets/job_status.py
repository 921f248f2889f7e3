"""A progress bar and a status line of fixed height, for a panel's long jobs."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QVBoxLayout, QWidget

from .status_line import StatusLine


class JobStatus(QWidget):
    """`busy(text)` when a job starts, `count(...)` as it goes, `ended(outcome)` at the end."""

    def __init__(self, hint: str) -> None:
        super().__init__()
        self.progress = QProgressBar()
        self.progress.setValue(0)
        self.progress.setFormat("idle")
        self.status = StatusLine(hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

    def text(self) -> str:
        return self.status.text()

    def say(self, text: str) -> None:
        self.status.setText(text)

    def busy(self, text: str) -> None:
        """A job started: a busy bar until its first count."""
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self.say(text)

    def count(self, done: int, total: int, text: str) -> None:
        """`done` of `total`; `text` is the bar's label. One paint, with the next ones: alone,
        setValue repaints the bar at once and the new label paints it again (~1 ms each)."""
        bar = self.progress
        bar.setUpdatesEnabled(False)
        bar.setRange(0, max(total, 0))
        bar.setValue(done)
        bar.setFormat(text)
        bar.setUpdatesEnabled(True)  # schedules the one paint

    def reset(self, text: str) -> None:
        """No job: an empty, idle bar."""
        self.ended("idle")
        self.say(text)

    def ended(self, outcome: str, text: str = "") -> None:
        """finished (full bar), cancelled or failed; `text` replaces the bar's label."""
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if outcome == "finished" else 0)
        self.progress.setFormat(text or ("done" if outcome == "finished" else outcome))
