"""A job slot for a view that follows a stream of requests (a brush stroke): the newest request
runs as soon as the running one ends, and the running one still shows its result.

A NewestWins slot silences the running job whenever a newer request comes; while a stroke
sends requests faster than the model answers (a ResNet on the CPU), every answer would be
dropped and the maps would freeze until the mouse stops. Here they refresh at the model's rate.
"""

from __future__ import annotations

from collections.abc import Callable

from ...compute import ComputeThread, Exclusive, JobFactory


class Following(Exclusive):
    """One job at a time; `follow` keeps the newest request to run after it."""

    def __init__(self, compute: ComputeThread) -> None:
        super().__init__(compute)
        self.wanted: tuple[JobFactory, dict[str, Callable]] | None = None

    @property
    def busy(self) -> bool:
        return self.handle is not None or self.wanted is not None

    def follow(self, factory: JobFactory, **handlers: Callable) -> None:
        """Run this request now if the slot is free, else once the running job has ended (a
        request waiting before this one is dropped)."""
        self.wanted = factory, handlers
        if self.handle is None:
            self._next()

    def cancel(self) -> None:
        """Drop the waiting request, and cancel and silence the running one (a new model or
        layer: its answer would be of the old one)."""
        self.wanted = None
        if self.handle is not None:
            self.handle.discard()

    def _next(self) -> None:
        if self.wanted is None:
            return
        (factory, handlers), self.wanted = self.wanted, None
        self.submit(factory, **handlers).on(finished=self._next)
