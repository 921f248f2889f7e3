"""ms/step and the run's clock (and so the ETA) leave out the time a job sat paused."""

from __future__ import annotations

import numpy as np
import pytest

from deepscope.core.runs.store import RunStore
from deepscope.core.training.events import TrainingSteps
from tests.core.training.test_loop import Config, ToyRun

STEP = 0.01  # seconds each step takes on the fake clock


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TimedRun(ToyRun):
    """Each step takes STEP seconds on the fake clock."""

    def train_step(self, idx) -> None:
        self.buffer.clock.now += STEP
        super().train_step(idx)


def test_a_pause_counts_in_neither_the_step_times_nor_the_clock(tmp_path):
    clock = FakeClock()
    job = TimedRun(Config(), RunStore(tmp_path), clock=clock).steps()
    items = [next(job) for _ in range(4)]  # started and three steps
    clock.now += 100.0  # the user paused here
    items += [item for item in job]
    steps = [i for i in items if isinstance(i, TrainingSteps)]
    assert len(steps) == 12  # every step emits (emit interval 0)
    assert [s.step_time for s in steps] == pytest.approx([STEP] * 12)
    np.testing.assert_allclose([s.wall for s in steps], STEP * np.arange(1, 13))
    assert items[-1].status == "finished"
