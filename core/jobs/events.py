"""The events every job may yield: small frozen values, never live tensors.

A job yields `None` as a tick between steps (the driver may pause or cancel there) and events
to show. A trainer's per-step metrics event is a `StepsEvent`: it stands in for a step's tick,
so Step (one more step while paused) counts it as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Event:
    """Base of every event a job yields."""


@dataclass(frozen=True)
class StepsEvent(Event):
    """Metrics of the steps since the previous such event; yielded in place of a step's tick."""

    ends_step: ClassVar[bool] = True


@dataclass(frozen=True)
class ProgressEvent(Event):
    """`done` of `total` (0 when unknown) units of the work named by `label`."""

    label: str
    done: int
    total: int


@dataclass(frozen=True)
class Message(Event):
    """A line for the user when a job ends well."""

    text: str


def ends_step(item: object) -> bool:
    """Whether a job's item closes a step: a tick, or a steps event yielded in its place."""
    return item is None or getattr(item, "ends_step", False)
