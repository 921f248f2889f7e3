"""The panel benchmarks' shared steps: a shown panel with its compute thread, a way to let
the app run until something has happened, and a way to see the events of a panel's jobs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def wait(app, condition: Callable[[], object], timeout_s: float = 60.0) -> None:
    """Run the event loop as an app does, sleeping until events come, until condition()."""
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the panel did not answer in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)


@contextmanager
def watching(compute, on_event: Callable[[object], None] | None = None) -> Iterator[list]:
    """Within the block, every job submitted to `compute` (a panel's too) also hands its
    events to `on_event`, on the GUI thread as the panel gets them (each job reports only to
    its own handle). Yields the handles of those jobs that have not finished yet."""
    running: list = []
    submit = compute.submit

    def submit_watched(factory):
        handle = submit(factory)
        running.append(handle)
        return handle.on(yielded=on_event, finished=lambda: running.remove(handle))

    compute.submit = submit_watched
    try:
        yield running
    finally:
        compute.submit = submit


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
