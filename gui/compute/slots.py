"""Job slots: a panel declares once how its jobs of one kind share the compute thread.

- Exclusive: one job at a time (a training run, a scan); `submit` refuses while one runs.
- NewestWins: a newer request replaces an older one (a preview while a slider moves, an edit
  while a brush paints): the running one is cancelled and its late events and error dropped, a
  queued one is dropped unseen, and the newest runs once the running one has finished.
- Side: jobs beside everything else, with no coordination (a cache check, a thumbnail).

A slot takes a job's handlers by signal name, as JobHandle.on does, and connects its own
bookkeeping first: a `finished` handler finds the slot free (or running the next request).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .handle import JobHandle
from .thread import ComputeThread, JobFactory

Handler = Callable | None


class Slot:
    """What every slot has: its compute thread, `busy`, and `cancel` for what it runs."""

    def __init__(self, compute: ComputeThread) -> None:
        self.compute = compute

    @property
    def busy(self) -> bool:
        """A job of the slot is queued, running or paused."""
        raise NotImplementedError

    def cancel(self) -> None:
        raise NotImplementedError


class Exclusive(Slot):
    """One job at a time; `handle` is the job's while it runs, else None."""

    def __init__(self, compute: ComputeThread) -> None:
        super().__init__(compute)
        self.handle: JobHandle | None = None

    @property
    def busy(self) -> bool:
        return self.handle is not None

    def submit(self, factory: JobFactory, **handlers: Handler) -> JobHandle | None:
        """Run the job, or refuse (None) while one runs."""
        if self.handle is not None:
            return None
        self.handle = self.compute.submit(factory).on(finished=self._finished)
        return self.handle.on(**handlers)

    def _finished(self) -> None:
        self.handle = None

    def cancel(self) -> None:
        """Close the running job at its next step; what it yielded before still arrives."""
        if self.handle is not None:
            self.handle.cancel()


class NewestWins(Slot):
    """The latest request wins; `handle` is the running job's (None when idle)."""

    def __init__(self, compute: ComputeThread) -> None:
        super().__init__(compute)
        self.handle: JobHandle | None = None
        self._pending: tuple[JobFactory, dict[str, Handler]] | None = None

    @property
    def busy(self) -> bool:
        return self.handle is not None  # (a pending request waits for a running one)

    def submit(self, factory: JobFactory, **handlers: Handler) -> None:
        """Run this request now if the slot is free; else once the running job, cancelled
        and silenced, has finished (a request waiting before this one is dropped)."""
        self._pending = factory, handlers
        if self.handle is None:
            self._run_pending()
        else:
            self.handle.discard()

    def cancel(self) -> None:
        """Drop the waiting request, and cancel and silence the running one."""
        self._pending = None
        if self.handle is not None:
            self.handle.discard()

    def _finished(self) -> None:
        self.handle = None
        self._run_pending()

    def _run_pending(self) -> None:
        if self._pending is None:
            return
        factory, handlers = self._pending
        self._pending = None
        self.handle = self.compute.submit(factory).on(finished=self._finished).on(**handlers)


class Side(Slot):
    """Jobs that run beside every other, as many as are asked for."""

    def __init__(self, compute: ComputeThread) -> None:
        super().__init__(compute)
        self.handles: set[JobHandle] = set()

    @property
    def busy(self) -> bool:
        return bool(self.handles)

    def submit(self, factory: JobFactory, **handlers: Handler) -> JobHandle:
        handle = self.compute.submit(factory)
        self.handles.add(handle)
        handle.on(finished=functools.partial(self.handles.discard, handle))
        return handle.on(**handlers)

    def cancel(self) -> None:
        for handle in list(self.handles):
            handle.cancel()
