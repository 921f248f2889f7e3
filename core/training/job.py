"""Pieces every training job shares: the per-step metric buffer, divergence, the run's status.

Per-step metrics stay on the device as small tensors and reach the host in one copy per
emission; `supervised` turns how a job's body ends into the run's status in the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

import numpy as np
import torch

from ..jobs import error_message
from ..runs.store import RunStore


class Diverged(Exception):
    """A loss became NaN or infinite; args: (the partial steps event, the first bad step)."""


class MetricBuffer:
    """Per-step metric vectors kept as device tensors until the next emission."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.steps: list[int] = []
        self.values: list[torch.Tensor] = []
        self.images = 0
        self.since = time.perf_counter()

    def add(self, step: int, values: torch.Tensor, images: int = 0) -> None:
        self.steps.append(step)
        self.values.append(values)
        self.images += images

    def due(self, interval: float) -> bool:
        """Whether `interval` seconds have passed since the last take."""
        return time.perf_counter() - self.since >= interval

    def take(self) -> tuple[np.ndarray, np.ndarray, float, int]:
        """(steps, values as steps x metrics, seconds since the last take, images): one host
        copy of everything buffered; the buffer starts over."""
        values = torch.stack(self.values).cpu().numpy()
        taken = np.asarray(self.steps), values, time.perf_counter() - self.since, self.images
        self.clear()
        return taken

    def __len__(self) -> int:
        return len(self.steps)


def seconds_before(store: RunStore, run_id: str, epoch: int) -> float:
    """The wall time a run had logged at the end of `epoch` (0 if none): where a resumed run's
    clock goes on from."""
    rows = store.epochs(run_id)
    if "seconds" not in rows:
        return 0.0
    done = rows["seconds"][rows["epoch"] == epoch]
    return float(done[-1]) if len(done) else 0.0


def first_bad_step(steps: np.ndarray, *losses: np.ndarray) -> int | None:
    """The first step at which any of the losses is NaN or infinite, or None."""
    bad = np.flatnonzero(~np.all([np.isfinite(loss) for loss in losses], axis=0))
    return int(steps[bad[0]]) if bad.size else None


def supervised(
    store: RunStore, run_id: str, body: Iterator, step: Callable[[], int],
    diverged: Callable[[Diverged], str],
) -> Generator[Any, None, tuple[str, str]]:
    """Drive a job's body, which returns (status, message). Divergence returns ("diverged",
    diverged(err)); closing the job marks the run stopped at `step()`; an error marks it failed."""
    try:
        return (yield from body)
    except Diverged as err:
        return "diverged", diverged(err)
    except GeneratorExit:
        message = f"stopped by the user at step {step()}"
        store.set_status(run_id, "stopped", message)
        raise
    except BaseException as err:
        store.set_status(run_id, "failed", error_message(err))
        raise
