"""The thread tuner keeps the count whose steps are fastest, and looks again later."""

from __future__ import annotations

import pytest

from deepscope.core.jobs.thread_tuner import ThreadTuner, default_counts


class FakeMachine:
    """A clock that a step advances by the step time of the thread count in force."""

    def __init__(self, step_seconds: dict[int, float]) -> None:
        self.now, self.threads, self.step_seconds = 0.0, 0, step_seconds
        self.applied: list[int] = []

    def apply(self, n: int) -> None:
        self.threads = n
        self.applied.append(n)

    def steps(self, tuner: ThreadTuner, n: int) -> None:
        for _ in range(n):
            self.now += self.step_seconds[self.threads]
            tuner.tick()


def tuner_on(machine: FakeMachine, **kw) -> ThreadTuner:
    return ThreadTuner((1, 2), machine.apply, clock=lambda: machine.now, **kw)


def test_default_counts_leave_a_core_for_drawing_or_use_all():
    assert default_counts(2) == (1, 2)
    assert default_counts(8) == (7, 8)
    assert default_counts(1) == (1,)


def test_it_keeps_the_faster_count_whichever_it_is():
    for fast in (1, 2):
        machine = FakeMachine({fast: 0.010, 3 - fast: 0.020})
        tuner = tuner_on(machine)
        machine.steps(tuner, 40)
        assert tuner.best == fast and machine.threads == fast
        assert tuner.step_seconds == pytest.approx({fast: 0.010, 3 - fast: 0.020})


def test_it_tries_again_after_keeping_and_follows_a_change():
    machine = FakeMachine({1: 0.020, 2: 0.010})
    tuner = tuner_on(machine, keep_seconds=5.0)
    machine.steps(tuner, 40)
    assert machine.threads == 2
    machine.step_seconds = {1: 0.020, 2: 0.050}  # another process now competes for the cores
    machine.steps(tuner, 200)  # 10 s: past the keeping period, then a new round of trials
    assert tuner.best == 1 and machine.threads == 1


def test_slow_steps_end_a_block_by_time_not_by_count():
    machine = FakeMachine({1: 0.6, 2: 3.0})
    tuner = tuner_on(machine, block_steps=12, block_seconds=1.0)
    machine.steps(tuner, 18)  # blocks of 12 steps would take 3 min; the time bound: 3 steps
    assert tuner.best == 1 and machine.threads == 1


def test_a_reset_drops_the_interval_that_spans_it():
    machine = FakeMachine({1: 0.010, 2: 0.010})
    tuner = tuner_on(machine, block_steps=3)
    machine.steps(tuner, 2)
    machine.now += 100.0  # a pause: the job was parked
    tuner.reset()
    machine.steps(tuner, 20)
    assert tuner.step_seconds == pytest.approx({1: 0.010, 2: 0.010})


class BurstyMachine(FakeMachine):
    """Steps take 3x as long from 0.3 s to 0.55 s (the GUI laying out a new run's plots)."""

    def steps(self, tuner: ThreadTuner, n: int) -> None:
        for _ in range(n):
            slow = 3 if 0.3 <= self.now < 0.55 else 1
            self.now += self.step_seconds[self.threads] * slow
            tuner.tick()


def test_a_burst_of_other_work_does_not_pick_the_slower_count():
    machine = BurstyMachine({1: 0.020, 2: 0.013})
    tuner = tuner_on(machine)
    machine.steps(tuner, 60)  # one count tried all at once would have met the burst alone
    assert tuner.best == 2 and machine.threads == 2


def test_a_clear_winner_ends_the_round_after_one_block_each():
    machine = FakeMachine({1: 0.020, 2: 0.010})
    tuner = tuner_on(machine)
    machine.steps(tuner, 10)  # a block of 1 thread, then a block of 2
    assert tuner.best == 2 and tuner.step_seconds == pytest.approx({1: 0.020, 2: 0.010})
    assert machine.applied == [1, 2, 2]


def test_a_close_race_runs_every_block():
    machine = FakeMachine({1: 0.011, 2: 0.010})
    tuner = tuner_on(machine)
    machine.steps(tuner, 10)
    assert tuner.step_seconds == {}  # undecided: 1.1x is within the margin
    machine.steps(tuner, 20)
    assert tuner.best == 2 and machine.applied == [1, 2, 1, 2, 1, 2, 2]


class CountingMachine(FakeMachine):
    """Counts the steps taken at each thread count."""

    def steps(self, tuner: ThreadTuner, n: int) -> None:
        for _ in range(n):
            self.taken[self.threads] = self.taken.get(self.threads, 0) + 1
            super().steps(tuner, 1)


@pytest.mark.parametrize("slow", [1, 2])
def test_a_clearly_slower_count_is_given_up_within_about_a_second(slow):
    machine = CountingMachine({slow: 0.507, 3 - slow: 0.009})  # a busy machine, measured
    machine.taken = {}
    tuner = tuner_on(machine)
    machine.steps(tuner, 100)
    assert tuner.best == 3 - slow and machine.threads == 3 - slow
    assert machine.taken[slow] == 2  # one that pays for the change, one timed: ~1 s
    assert machine.taken[slow] * 0.507 < 1.1
