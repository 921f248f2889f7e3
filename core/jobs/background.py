"""Blocking I/O (downloads) on a helper thread, reported as progress events.

Only plain I/O goes to the background thread; torch work stays on the thread that drives the
job.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .download import Progress
from .events import ProgressEvent


class Cancelled(Exception):
    """Raised inside the background work when its job is closed."""


def in_background(label: str, work: Callable[[Progress], Any], poll_s: float = 0.05) -> Iterator:
    """Run work(progress) on a helper thread, yielding ProgressEvents (and None ticks).

    Closing the generator cancels the work at its next progress call. The work's exception,
    if any, is re-raised here; its return value is this generator's return value.
    """
    events: queue.Queue = queue.Queue()
    cancelled = threading.Event()
    outcome: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if cancelled.is_set():
            raise Cancelled(label)
        events.put(ProgressEvent(label, done, total))

    def run() -> None:
        try:
            outcome["value"] = work(progress)
        except BaseException as err:  # handed to the driving thread
            outcome["error"] = err

    thread = threading.Thread(target=run, name=f"job: {label}", daemon=True)
    thread.start()
    try:
        while thread.is_alive() or not events.empty():
            try:
                yield events.get(timeout=poll_s)
            except queue.Empty:
                yield None
    finally:
        cancelled.set()
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
