"""The one long-lived compute thread that runs every torch job.

A job is a generator (see core.classifier.trainer): it yields None as a tick between steps and
frozen events to show; a step ends with a tick or an event marked `ends_step` (the steps
events that trainers yield in a tick's place), which is what Step counts. The thread drives
one job at a time, in turns: a job that has had the thread for a slice (50 ms) while another
waits goes to the back of the queue, so a strip or an occlusion map appears within a step of
a training run that keeps going. Pause parks the generator, cancel closes it, and an
exception becomes the job's `errored` while the thread lives on. Each job reports through its
own JobHandle (handle.py), queued to the GUI thread: nothing is broadcast to every panel.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QThread, Signal

from deepscope.core.jobs import ends_step, error_message, expected

from .handle import JobHandle

if TYPE_CHECKING:
    from deepscope.core.jobs.thread_tuner import ThreadTuner

JobFactory = Callable[[], Iterator]
SLICE_S = 0.05  # how long a job keeps the thread while another job waits for it
COMPUTE_NICE = 5  # how far the compute thread's priority is below the GUI's (Linux nice)


@dataclass(eq=False)
class Job:
    """The thread's side of a job; its handle is the GUI's side."""

    factory: JobFactory
    handle: JobHandle  # (touched on the GUI thread only)
    generator: Iterator | None = None
    paused: bool = False
    steps: int = 0  # steps a paused job may still take before it parks (Step)
    cancelled: bool = False
    active: bool = False  # queued or being driven (not parked)


def lower_priority() -> None:
    """Run this thread, and the OpenMP threads its first parallel op starts, below the GUI
    thread (nice COMPUTE_NICE): a timer or a repaint then gets a core as soon as it wakes
    instead of after the busy torch threads' time slices. Measured training LeNet in the
    window: event-loop lateness p99 23 -> 11 ms and max 119 -> 33 ms, steps/s unchanged.
    Linux only, where a nice value belongs to a thread."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        nice = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, nice + COMPUTE_NICE))
    except OSError:  # a sandbox that forbids it: same priority, only the lateness suffers
        pass


def warm_up() -> tuple[str, ThreadTuner]:
    """Import torch and the core on this thread, run one small conv step; return the device's
    label and the tuner that picks torch's thread count for this thread (core.thread_tuner).

    The garbage collector waits meanwhile: importing torch makes ~400,000 objects, and
    collecting while they came took ~1.2 s in pauses of up to ~260 ms (measured), each holding
    the GIL, so the window froze while torch loaded. The imported objects live as long as the
    app, so they are then frozen out of every later collection (a full one would walk them all).
    """
    lower_priority()
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_torch()
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _load_torch() -> tuple[str, ThreadTuner]:
    import torch

    from deepscope.core.classifier import sanity, trainer  # noqa: F401  (paid here, not on Train)
    from deepscope.core.device import device_label, resolve_device
    from deepscope.core.jobs.thread_tuner import ThreadTuner, default_counts

    conv = torch.nn.Conv2d(1, 4, 3)
    opt = torch.optim.Adam(conv.parameters())  # the first optimizer imports torch._dynamo (~1 s)
    conv(torch.zeros(2, 1, 12, 12)).sum().backward()
    opt.step()
    counts = default_counts(torch.get_num_threads())
    label = device_label(resolve_device("auto"), counts)
    return label, ThreadTuner(counts, torch.set_num_threads)


class ComputeThread(QThread):
    """Runs jobs one step at a time; all torch work in the app happens here. A job is
    controlled through the JobHandle that `submit` returns."""

    ready = Signal(str)  # device label once torch is loaded and warm ("" if it failed)
    start_failed = Signal(str, str)  # message, details: torch could not load (the window says)
    # a job's handle, its signal, the payload: emitted here, not on the handle, which the GUI
    # thread deletes once it has finished (emitting on it from this thread raced with that
    # deletion: a segfault in 1 of 3 runs of the compute tests)
    _reported = Signal(object, str, object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._reported.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._cond = threading.Condition()
        self._queue: deque[Job] = deque()
        self._jobs: dict[JobHandle, Job] = {}  # queued, running or parked
        self._quit = False
        self.device_label = ""
        self.tuner: ThreadTuner | None = None

    def submit(self, factory: JobFactory) -> JobHandle:
        """Queue a job; `factory` is called on the compute thread and returns the generator.
        Connect to the handle's signals before control returns to the event loop."""
        handle = JobHandle(self)
        with self._cond:
            job = self._jobs[handle] = Job(factory, handle, active=True)
            self._queue.append(job)
            self._cond.notify()
        return handle

    # --- what a JobHandle asks for its job ----------------------------------------------
    def pause(self, handle: JobHandle) -> None:
        if job := self._jobs.get(handle):
            job.paused = True

    def resume(self, handle: JobHandle) -> None:
        self._wake(handle, lambda job: setattr(job, "paused", False))

    def step(self, handle: JobHandle) -> None:
        """Let a paused job take one more step, then park again."""
        if self.is_paused(handle):
            self._wake(handle, lambda job: setattr(job, "steps", job.steps + 1))

    def cancel(self, handle: JobHandle) -> None:
        self._wake(handle, lambda job: setattr(job, "cancelled", True))

    def _wake(self, handle: JobHandle, change: Callable[[Job], None]) -> None:
        with self._cond:
            job = self._jobs.get(handle)
            if job is None:
                return
            change(job)
            if not job.active:
                job.active = True
                self._queue.append(job)
                self._cond.notify()

    def is_paused(self, handle: JobHandle) -> bool:
        job = self._jobs.get(handle)
        return bool(job and job.paused)

    def _deliver(self, handle: JobHandle, signal: str, payload: object) -> None:
        handle.deliver(signal, payload)  # on the GUI thread, where the handle lives

    def stop(self) -> None:
        """Cancel every job and join the thread (call before the app quits)."""
        with self._cond:
            for job in self._jobs.values():
                job.cancelled = True
                if not job.active:
                    job.active = True
                    self._queue.append(job)
            self._quit = True
            self._cond.notify()
        self.wait()

    def run(self) -> None:
        try:
            self.device_label, self.tuner = warm_up()
        except Exception as err:  # the app stays usable and says why
            self.start_failed.emit(f"PyTorch could not start: {err}", traceback.format_exc())
        self.ready.emit(self.device_label)
        while (job := self._next()) is not None:
            self._drive(job)

    def _next(self) -> Job | None:
        with self._cond:
            while True:
                if self._queue and (not self._quit or self._queue[0].cancelled):
                    return self._queue.popleft()
                if self._quit and not self._queue:
                    return None
                self._cond.wait()

    def _take_turns(self, job: Job) -> bool:
        """Put the job behind the jobs that wait (if any) and say whether it was."""
        with self._cond:
            if not self._queue or job.cancelled:
                return False
            self._queue.append(job)
            return True

    def _park(self, job: Job, step_ended: bool) -> bool:
        """Park a paused job unless it has steps left to take; say whether it was parked."""
        with self._cond:
            job.steps = max(0, job.steps - step_ended)
            if job.paused and not job.cancelled and not job.steps:
                job.active = False
            return not job.active

    def _drive(self, job: Job) -> None:
        """Advance the job until it ends, is cancelled, is paused (then it is parked) or its
        turn ends with another job waiting (then it queues again)."""
        report = functools.partial(self._report, job)
        try:
            if job.cancelled:
                self._abort(job)
            else:
                if job.generator is None:
                    report("started")
                    job.generator = job.factory()
                if self.tuner:
                    self.tuner.reset()
                turn_ends = time.perf_counter() + SLICE_S
                for item in job.generator:
                    if self.tuner:
                        self.tuner.tick()
                    if item is not None:
                        report("yielded", item)
                    if job.cancelled:
                        self._abort(job)
                        break
                    if job.paused and self._park(job, ends_step(item)):
                        return
                    if time.perf_counter() > turn_ends and self._queue and self._take_turns(job):
                        return
        except Exception as err:  # details for a bug only: bad input needs no traceback
            report("errored", (error_message(err),
                               "" if expected(err) else traceback.format_exc()))
        with self._cond:
            self._jobs.pop(job.handle, None)
        report("finished")

    def _abort(self, job: Job) -> None:
        if job.generator is not None:
            job.generator.close()
        self._report(job, "aborted")

    def _report(self, job: Job, signal: str, payload: object = None) -> None:
        """Queue one of the handle's signals to the GUI thread."""
        self._reported.emit(job.handle, signal, payload)
