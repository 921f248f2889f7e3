"""Start, Pause and Stop for one compute job at a time, with a progress bar and a status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from deepscope.core.jobs import ProgressEvent

from ..compute import ComputeThread, JobFactory
from .job_status import JobStatus
from .panel_frame import error_box
from .throttle import Throttle

STEPS_TEXT_S = 0.25  # the progress text changes at most this often


class JobControls(QWidget):
    """The buttons and progress of a panel's job; re-emits that job's events only.

    `extra` buttons sit beside Start and, like it, are enabled only while no job runs and
    `set_startable(True)` was last called.
    """

    event = Signal(object)  # an event of this widget's job
    running_changed = Signal(bool)
    finished = Signal(str)  # outcome: finished | cancelled | failed (after every job)

    def __init__(
        self, compute: ComputeThread, start_text: str, hint: str,
        extra: Sequence[QPushButton] = (),
    ) -> None:
        super().__init__()
        self.compute = compute
        self.job: int | None = None
        self.steps_text = Throttle(STEPS_TEXT_S, self.show_pending, self)
        self.startable = True
        self.start_button = QPushButton(start_text)
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("While paused: one more step, then pause again "
                                    "(Ctrl+Shift+P)")
        self.extra = list(extra)
        self.job_status = JobStatus(hint)
        self.progress, self.status = self.job_status.progress, self.job_status.status
        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.step_button, self.stop_button,
                  *self.extra):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.job_status)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.step_button.clicked.connect(self.step)
        compute.event.connect(self.on_event)
        compute.done.connect(self.on_done)
        compute.failed.connect(self.on_failed)
        self.update_buttons()

    def shortcuts(self, parent: QWidget) -> None:
        """Ctrl+Return starts, Ctrl+P pauses or resumes, Ctrl+Shift+P steps, Ctrl+. stops."""
        for keys, slot in (("Ctrl+Return", self.start_button.click), ("Ctrl+P", self.toggle_pause),
                           ("Ctrl+Shift+P", self.step), ("Ctrl+.", self.stop)):
            QShortcut(QKeySequence(keys), parent, slot)

    @property
    def running(self) -> bool:
        return self.job is not None

    def run(self, factory: JobFactory, label: str) -> bool:
        """Submit a job unless one runs; the status says `label` until its first event."""
        if self.job is not None:
            return False
        self.job = self.compute.submit(factory)
        self.steps_text.reset()  # no progress of an earlier job shows as this one's
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(f"{label}…")
        self.status.setText(f"{label}: starting…")
        self.update_buttons()
        self.running_changed.emit(True)
        return True

    def toggle_pause(self) -> None:
        if self.job is None:
            return
        if self.compute.is_paused(self.job):
            self.compute.resume(self.job)
            self.pause_button.setText("Pause")
            self.status.setText("Resumed.")
        else:
            self.compute.pause(self.job)
            self.pause_button.setText("Resume")
            self.status.setText("Paused: the job waits at the current step; Step takes one more.")
        self.step_button.setEnabled(self.compute.is_paused(self.job))

    def step(self) -> None:
        if self.job is not None:
            self.compute.step(self.job)

    def stop(self) -> None:
        if self.job is not None:
            self.compute.cancel(self.job)
            self.status.setText("Stopping…")

    def set_startable(self, ok: bool) -> None:
        self.startable = ok
        self.update_buttons()

    def update_buttons(self) -> None:
        idle = self.job is None
        for b in (self.start_button, *self.extra):
            b.setEnabled(idle and self.startable)
        self.pause_button.setEnabled(not idle)
        self.stop_button.setEnabled(not idle)
        self.step_button.setEnabled(False)
        self.pause_button.setText("Pause")

    def show_steps(self, done: int, total: int, wall: float, prefix: str = "") -> None:
        """Progress of a run of `total` steps, with the time left extrapolated from `wall`."""
        if not total:
            return
        eta = wall / max(done, 1) * (total - done)
        self.job_status.count(done, total, f"{prefix}step {done}/{total}  ETA {eta:.0f} s")

    def show_steps_soon(self, e, total: int, describe: Callable[[object], str]) -> None:
        """Show a training event's progress now or, if the text changed less than
        STEPS_TEXT_S ago, then (the latest event wins): labels repaint at 4 Hz at most."""
        self.steps_text((e, total, describe))

    def show_pending(self, pending: tuple) -> None:
        e, total, describe = pending
        if self.job is not None:
            self.show_epoch_steps(e, total, describe(e))

    def show_epoch_steps(self, e, total: int, text: str) -> None:
        """A training event's progress (its last `step` of `total`, `epoch`, time left from
        `wall`) and `text` as the status line."""
        self.show_steps(int(e.step[-1]) + 1, total, e.wall, f"epoch {e.epoch}  ")
        self.status.setText(text)

    def show_download(self, e: ProgressEvent) -> None:
        total = f" / {e.total / 2**20:.1f}" if e.total else ""  # none: a busy bar
        self.job_status.count(e.done, e.total, f"{e.label}: {e.done / 2**20:.1f}{total} MiB")

    def on_event(self, job: int, event: object) -> None:
        if job == self.job:
            if isinstance(event, ProgressEvent):
                self.show_download(event)
            self.event.emit(event)

    def on_done(self, job: int, outcome: str) -> None:
        if job != self.job:
            return
        self.job = None
        if self.progress.maximum() == 0:  # a busy bar from a download of unknown size
            self.progress.setRange(0, 1)
        if outcome == "finished":
            self.progress.setValue(self.progress.maximum())
        self.progress.setFormat("done" if outcome == "finished" else outcome)
        if outcome == "cancelled":
            self.status.setText("Stopped: everything up to the last step is kept.")
        self.update_buttons()
        self.running_changed.emit(False)
        self.finished.emit(outcome)

    def on_failed(self, job: int, message: str, details: str) -> None:
        if job not in (self.job, 0):
            return
        self.error_box = error_box(self, "Job failed", message, details)
        self.status.setText(f"Failed: {message}")
