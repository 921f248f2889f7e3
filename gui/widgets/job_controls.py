"""Start, Pause, Step and Stop for a panel's exclusive job slot, with a progress bar and a
status line."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..compute import ComputeThread, Exclusive, JobFactory, JobHandle
from .job_status import JobStatus
from .panel_frame import error_box
from .throttle import Throttle

PROGRESS_S = 0.25  # the progress text changes at most this often
STOPPED_RUN = "Stopped: a checkpoint of the last step is kept; Continue resumes from there."


class JobControls(QWidget):
    """The buttons, progress bar and status line of one exclusive job at a time.

    `run(factory, label, yielded=...)` starts a job with the panel's handlers; the panel feeds
    the bar with `show_progress` and the line with `say`. A failure shows its dialog here.
    `extra` buttons sit beside Start and, like it, are enabled only while no job runs and
    `set_startable(True)` was last called. `stopped` is what the status says after Stop.
    """

    running_changed = Signal(bool)

    def __init__(
        self, compute: ComputeThread, start_text: str, hint: str,
        extra: Sequence[QPushButton] = (), stopped: str = STOPPED_RUN,
    ) -> None:
        super().__init__()
        self.slot = Exclusive(compute)
        self.stopped = stopped
        self.progress_text = Throttle(PROGRESS_S, self.show_pending, self)
        self.startable = True
        self.start_button = QPushButton(start_text)
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the run at the end of its step: a checkpoint of that "
                                    "step is kept, and Continue goes on from there")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("While paused: one more step, then pause again "
                                    "(Ctrl+Shift+P)")
        self.extra = list(extra)
        self.job_status = JobStatus(hint)
        self.progress, self.status = self.job_status.progress, self.job_status.status
        self.pause_button.setText("Resume")  # one width for both words: nothing jumps
        self.pause_button.setMinimumWidth(self.pause_button.sizeHint().width())
        self.pause_button.setText("Pause")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for row in ((self.start_button, self.pause_button, self.step_button, self.stop_button),
                    self.extra):  # the extra buttons below: the column stays narrow
            if row:
                buttons = QHBoxLayout()
                for b in row:
                    buttons.addWidget(b)
                layout.addLayout(buttons)
        layout.addWidget(self.job_status)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.step_button.clicked.connect(self.step)
        self.update_buttons()

    def shortcuts(self, parent: QWidget) -> None:
        """Ctrl+Return starts, Ctrl+P pauses or resumes, Ctrl+Shift+P steps, Ctrl+. stops; each
        says what it does in its whatsThis, which Help > Keyboard shortcuts lists."""
        for keys, what, slot in (
                ("Ctrl+Return", self.start_button.text(), self.start_button.click),
                ("Ctrl+P", "Pause or resume", self.toggle_pause),
                ("Ctrl+Shift+P", "One more step while paused", self.step),
                ("Ctrl+.", "Stop", self.stop)):
            QShortcut(QKeySequence(keys), parent, slot).setWhatsThis(what)

    @property
    def handle(self) -> JobHandle | None:
        """The running job's handle, None when idle."""
        return self.slot.handle

    @property
    def running(self) -> bool:
        return self.slot.busy

    def run(self, factory: JobFactory, label: str, **handlers) -> JobHandle | None:
        """Start a job with `handlers` (by signal name, see JobHandle.on) unless one runs; the
        status says `label` until the panel says more."""
        handle = self.slot.submit(factory)
        if handle is None:
            return None
        handle.on(errored=self.failed, finished=lambda: self.ended(handle.outcome))
        handle.on(**handlers)
        self.progress_text.reset()  # no progress of an earlier job shows as this one's
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(f"{label}…")
        self.say(f"{label}: starting…")
        self.update_buttons()
        self.running_changed.emit(True)
        return handle

    def toggle_pause(self) -> None:
        if (handle := self.handle) is None:
            return
        if handle.is_paused():
            handle.resume()
            self.pause_button.setText("Pause")
            self.say("Resumed.")
        else:
            handle.pause()
            self.pause_button.setText("Resume")
            self.say("Paused: the job waits at the current step; Step takes one more.")
        self.step_button.setEnabled(handle.is_paused())

    def step(self) -> None:
        if self.handle is not None:
            self.handle.step()

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.say("Stopping…")

    def set_startable(self, ok: bool) -> None:
        self.startable = ok
        self.update_buttons()

    def update_buttons(self) -> None:
        idle = not self.running
        for b in (self.start_button, *self.extra):
            b.setEnabled(idle and self.startable)
        self.pause_button.setEnabled(not idle)
        self.stop_button.setEnabled(not idle)
        self.step_button.setEnabled(False)
        self.pause_button.setText("Pause")

    # --- what the panel shows ------------------------------------------------------------
    def say(self, text: str) -> None:
        self.status.setText(text)

    def show_progress(self, done: int, total: int, text: str, status: str | None = None) -> None:
        """`done` of `total` (0: unknown, a busy bar) with `text` on the bar, and `status` as
        the status line if given: now, or if the bar changed less than PROGRESS_S ago, then
        (the latest call wins): the bar and the line repaint at 4 Hz at most."""
        self.progress_text((done, total, text, status))

    def show_pending(self, progress: tuple[int, int, str, str | None]) -> None:
        done, total, text, status = progress
        if self.running:
            self.job_status.count(done, total, text)
            if status is not None:
                self.say(status)

    # --- how the job ends ----------------------------------------------------------------
    def failed(self, message: str, details: str) -> None:
        self.error_box = error_box(self, "Job failed", message, details)
        self.say(f"Failed: {message}")

    def ended(self, outcome: str) -> None:
        if self.progress.maximum() == 0:  # a busy bar from a download of unknown size
            self.progress.setRange(0, 1)
        if outcome == "finished":
            self.progress.setValue(self.progress.maximum())
        words = {"finished": "done", "cancelled": "stopped"}
        self.progress.setFormat(words.get(outcome, outcome))
        if outcome == "cancelled":
            self.say(self.stopped)
        self.update_buttons()
        self.running_changed.emit(False)
