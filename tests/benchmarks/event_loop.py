"""The panel benchmarks' shared steps: a shown panel with its compute thread, and a way to let
the app run until something has happened."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait(app, condition: Callable[[], object], timeout_s: float = 60.0) -> None:
    """Run the event loop as an app does, sleeping until events come, until condition()."""
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the panel did not answer in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)


def shown_panel(cls, store, size: tuple[int, int] = (1400, 860)):
    """(compute thread, panel): a `cls` panel on `store` shown at window size, its thread
    started (stop it when done)."""
    from deepscope.compute import ComputeThread

    compute = ComputeThread()
    panel = cls(compute, store)
    panel.resize(*size)
    panel.show()
    compute.start()
    return compute, panel
