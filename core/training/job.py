"""The per-step metric buffer and divergence, shared by every trainer and the sanity check.

Per-step metrics stay on the device as small tensors and reach the host in one copy per
emission.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from .metrics import IMAGES_PER_S, STEP_TIME


class Diverged(Exception):
    """A loss became NaN or infinite; args: (the partial steps event, the first bad step)."""


class MetricBuffer:
    """Per-step metric vectors kept as device tensors until the next emission, and the clock
    their pace is timed on (`leave_out` takes a pause off their time, not off the time to the
    next emission: a step taken after a long pause shows at once)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.clear()

    def clear(self) -> None:
        self.steps: list[int] = []
        self.values: list[torch.Tensor] = []
        self.images = 0
        self.since = self.clock()
        self.away = 0.0

    def leave_out(self, seconds: float) -> None:
        """Time the steps as if `seconds` (the job sat paused) had not passed."""
        self.away += seconds

    def add(self, step: int, values: torch.Tensor, images: int = 0) -> None:
        self.steps.append(step)
        self.values.append(values)
        self.images += images

    def due(self, interval: float) -> bool:
        """Whether `interval` seconds have passed since the last take."""
        return self.clock() - self.since >= interval

    def take(self) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """(steps, values as steps x metrics, timing): one host copy of everything buffered,
        and the steps' STEP_TIME and IMAGES_PER_S since the last take; the buffer starts over."""
        values = torch.stack(self.values).cpu().numpy()
        elapsed = self.clock() - self.since - self.away
        timing = {STEP_TIME: elapsed / len(self.steps),
                  IMAGES_PER_S: self.images / max(elapsed, 1e-9)}
        taken = np.asarray(self.steps), values, timing
        self.clear()
        return taken

    def __len__(self) -> int:
        return len(self.steps)
