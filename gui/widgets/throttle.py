"""Show the latest of a stream of values at most once per interval."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

_NOTHING = object()


class Throttle(QObject):
    """`throttle(value)` shows `value` at once if the last show is `interval_s` old, else
    once it is, with the latest value given meanwhile (the ones between are dropped). The
    GUI thread then repaints at the rate the eye needs, not at the rate events come."""

    def __init__(self, interval_s: float, show: Callable[[Any], None], parent: QObject) -> None:
        super().__init__(parent)
        self.interval_s, self.show = interval_s, show
        self.pending: Any = _NOTHING
        self.shown_at = -float("inf")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.flush)

    def __call__(self, value: Any = None) -> None:
        self.pending = value
        wait_s = self.interval_s - (time.monotonic() - self.shown_at)
        if wait_s <= 0:
            self.flush()
        elif not self.timer.isActive():
            self.timer.start(int(wait_s * 1000) + 1)

    def flush(self) -> None:
        """Show the pending value now, if any."""
        if self.pending is _NOTHING:
            return
        value, self.pending = self.pending, _NOTHING
        self.shown_at = time.monotonic()
        self.show(value)

    def reset(self) -> None:
        """Drop what is pending; the next value shows at once."""
        self.timer.stop()
        self.pending, self.shown_at = _NOTHING, -float("inf")
