"""Helpers for generator jobs: run blocking I/O in the background and report its progress.

Only plain I/O (downloads) goes to the background thread; torch work stays on the thread
that drives the job.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from core.download import Progress


@dataclass(frozen=True)
class ProgressEvent:
    label: str
    done: int
    total: int  # 0 when unknown


@dataclass(frozen=True)
class Message:
    """A line for the user when a job ends well."""

    text: str


def error_message(err: BaseException) -> str:
    """What a failed job tells the user: the app's own errors (defined in core) and bad input
    (ValueError, OSError) in their own words; anything else, a bug, with its type as well."""
    own = type(err).__module__.startswith("core.") or isinstance(err, ValueError | OSError)
    return str(err) if own and str(err) else f"{type(err).__name__}: {err}"


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
