"""A handle per submitted job: what a panel holds of one job of the compute thread.

In superqt's GeneratorWorker vocabulary: `started` when the thread takes the job up,
`yielded(event)` per event, `errored(message, details)` when it raised (the message in the
app's words, the traceback in the details), `aborted` when it was cancelled, and `finished`
always, last, once, however it ended: the place to reset buttons. The compute thread reports
through a queued signal of its own (never touching the handle), so every signal fires on the
GUI thread, in the order the thread reported it. A finished handle lets go of its handlers:
it is deleted later, with its connections (its Python attributes stay readable).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from .thread import ComputeThread

SIGNALS = ("started", "yielded", "errored", "aborted", "finished")


class JobHandle(QObject):
    """One job: its signals, and pause / resume / step / cancel for it."""

    started = Signal()
    yielded = Signal(object)
    errored = Signal(str, str)  # message, details
    aborted = Signal()
    finished = Signal()

    def __init__(self, thread: ComputeThread) -> None:
        super().__init__()
        self._thread = thread
        self.outcome = ""  # once finished: "finished", "cancelled" or "failed"
        self._ending = "finished"
        self._discarded = False

    def on(self, **handlers: Callable | None) -> JobHandle:
        """Connect handlers by signal name (`yielded=show, finished=reset`); returns self."""
        for name, handler in handlers.items():
            if name not in SIGNALS:
                raise TypeError(f"a job handle has no signal {name!r}; it has {SIGNALS}")
            if handler is not None:
                getattr(self, name).connect(handler)
        return self

    def pause(self) -> None:
        """Park the job at its next step."""
        self._thread.pause(self)

    def resume(self) -> None:
        self._thread.resume(self)

    def step(self) -> None:
        """While paused: one more step, then park again."""
        self._thread.step(self)

    def is_paused(self) -> bool:
        return self._thread.is_paused(self)

    def cancel(self) -> None:
        """Close the job at its next step (what it yielded before still arrives)."""
        self._thread.cancel(self)

    def discard(self) -> None:
        """Cancel the job and drop the events and the error it has yet to deliver: a newer
        request replaced it. `aborted` and `finished` still fire."""
        self._discarded = True
        self.cancel()

    @property
    def running(self) -> bool:
        """Queued, running or paused: `finished` has not fired yet."""
        return not self.outcome

    def deliver(self, signal: str, payload: Any) -> None:
        """Fire what the compute thread reported (on the GUI thread)."""
        if signal == "yielded":
            if not self._discarded:
                self.yielded.emit(payload)
        elif signal == "errored":
            self._ending = "failed"
            if not self._discarded:
                self.errored.emit(*payload)
        elif signal == "aborted":
            self._ending = "cancelled"
            self.aborted.emit()
        elif signal == "started":
            self.started.emit()
        else:
            self.outcome = self._ending
            self.finished.emit()
            self.deleteLater()  # with its connections: handlers that hold the handle go too


def by_type(handlers: Mapping[type, Callable[[Any], None]]) -> Callable[[object], None]:
    """A `yielded` handler that hands each event to the handler of its type (others pass)."""

    def dispatch(event: object) -> None:
        if (handler := handlers.get(type(event))) is not None:
            handler(event)

    return dispatch
