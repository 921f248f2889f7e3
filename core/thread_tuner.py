"""Torch's CPU thread count, chosen by timing the steps a job takes rather than guessed.

On the 2-core machines here the fastest count depends on what else runs. With the cores free,
two torch threads train LeNet on digits ~25% faster than one; while another process computes,
OpenMP's spinning barriers make two threads slower than one (measured: 42 against 55 steps/s,
and 7 steps/s at worst). So the compute thread tries each count for a few steps, keeps the
fastest, and tries again now and then.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def default_counts(cores: int) -> tuple[int, ...]:
    """Leave one core for drawing, or use them all."""
    return tuple(sorted({max(1, cores - 1), max(1, cores)}))


class ThreadTuner:
    """Call `tick()` between steps on the thread that runs torch, and `reset()` whenever the
    ticks stop being one step apart (a new job, a pause)."""

    def __init__(
        self, counts: Sequence[int], apply: Callable[[int], None],
        trial_steps: int = 12, trial_seconds: float = 1.0, keep_seconds: float = 20.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.counts, self.apply, self.clock = tuple(counts), apply, clock
        self.trial_steps, self.trial_seconds, self.keep_seconds = (
            trial_steps, trial_seconds, keep_seconds)
        self.best = self.counts[0]
        self.step_seconds: dict[int, float] = {}  # median step time per count, latest trials
        self._pending: list[int] = list(self.counts)  # counts still to try this round
        self._keep_until = 0.0
        self._begin_trial()

    @property
    def current(self) -> int:
        return self._pending[0] if self._pending else self.best

    def reset(self) -> None:
        """Forget the step in flight and restart the trial under way (if any)."""
        self._last: float | None = None
        self._started = self.clock()
        self._times: list[float] = []

    def tick(self) -> None:
        """One step ended: measure it; end a trial, a round, or a keeping period when due."""
        now = self.clock()
        if self._pending:
            if self._last is not None:
                self._times.append(now - self._last)
            self._last = now
            if self._trial_over(now):
                self._end_trial()
        elif now >= self._keep_until:
            self._pending = list(self.counts)
            self._begin_trial()

    def _trial_over(self, now: float) -> bool:
        enough = len(self._times) >= self.trial_steps
        return enough or (len(self._times) >= 2 and now - self._started >= self.trial_seconds)

    def _begin_trial(self) -> None:
        self.apply(self.current)
        self.reset()  # so the step that pays for the change is not timed

    def _end_trial(self) -> None:
        self.step_seconds[self._pending.pop(0)] = statistics.median(self._times)
        if self._pending:
            self._begin_trial()
            return
        self.best = min(self.counts, key=lambda n: self.step_seconds[n])
        self.apply(self.best)
        self._keep_until = self.clock() + self.keep_seconds
