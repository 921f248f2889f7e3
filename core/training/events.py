"""What every trainer's events share: the steps event's common fields and store rows, and how a
run ends (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from ..jobs.events import Event, StepsEvent
from .metrics import IMAGES_PER_S, STEP, STEP_TIME


@dataclass(frozen=True)
class TrainingSteps(StepsEvent):
    """Metrics of the steps since the previous steps event (one array entry per step).

    A trainer's event adds its own per-step metrics as array fields after these; the run store
    keeps them under their field names (see training.metrics)."""

    losses: ClassVar[tuple[str, ...]] = ()  # metrics whose NaN or infinity ends the run

    epoch: int
    step: np.ndarray
    wall: float  # seconds since the run started, at the last step
    step_time: float  # mean seconds per step over these steps
    images_per_s: float

    @classmethod
    def metrics(cls) -> tuple[str, ...]:
        """The trainer's own per-step metrics: the fields after the shared ones."""
        shared = len(fields(TrainingSteps))
        return tuple(f.name for f in fields(cls)[shared:])

    def first_bad_step(self) -> int | None:
        """The first step at which one of the losses is NaN or infinite, or None."""
        finite = np.all([np.isfinite(getattr(self, k)) for k in self.losses], axis=0)
        bad = np.flatnonzero(~finite)
        return int(self.step[bad[0]]) if bad.size else None

    def rows(self, before: int | None = None) -> list[dict[str, float]]:
        """Rows for the run store, one per step (only those before step `before` if given)."""
        names = (STEP, *self.metrics())
        timing = {STEP_TIME: self.step_time, IMAGES_PER_S: self.images_per_s}
        keep = slice(None) if before is None else self.step < before
        columns = [getattr(self, k)[keep].tolist() for k in names]
        return [dict(zip(names, values, strict=True)) | timing
                for values in zip(*columns, strict=True)]


@dataclass(frozen=True)
class TrainingFinished(Event):
    """How a training run ended: finished, early-stopped or diverged (a stopped run's job is
    closed: it yields nothing more)."""

    status: str
    message: str
    run_id: str
    run_dir: str
