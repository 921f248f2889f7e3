"""Torch's CPU thread count, chosen by timing the steps a job takes rather than guessed.

On the 2-core machines here the fastest count depends on what else runs. With the cores free,
two torch threads train LeNet on digits ~25% faster than one; while another process computes,
OpenMP's spinning barriers make two threads slower than one (measured: 42 against 55 steps/s,
and 7 steps/s at worst). So the compute thread tries each count for a few steps, keeps the
fastest, and tries again now and then. The counts take turns in short blocks, so a burst of
other work (the GUI laying out a new run's plots, measured to slow steps 2x for ~0.2 s) falls
on both rather than making one look slow (before: 3 runs of 4 kept the slower count). A round
ends after one block of each count when every step of one count beat every step of the others
by a clear margin (in the window: ~12 ms a step with two threads against 17-24 ms with one),
so it costs 5 slow steps instead of 15. A count whose first timed step is ABANDON times slower
than every step of a count already tried is given up at once, and a block of slow steps ends by
time after one timed step: on a busy machine the first steps of a run took 507 ms each (then
9 ms) while a block of the slow count ran three of them; now it runs two, about a second.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

DECISIVE = 1.2  # how much faster every step of one count must be than all others' to end early
ABANDON = 2.0  # how much slower than another count's slowest step a count is given up at once


def default_counts(cores: int) -> tuple[int, ...]:
    """Leave one core for drawing, or use them all."""
    return tuple(sorted({max(1, cores - 1), max(1, cores)}))


class ThreadTuner:
    """Call `tick()` between steps on the thread that runs torch, and `reset()` whenever the
    ticks stop being one step apart (a new job, a pause)."""

    def __init__(
        self, counts: Sequence[int], apply: Callable[[int], None],
        block_steps: int = 5, blocks: int = 3, block_seconds: float = 0.4,
        keep_seconds: float = 20.0, clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.counts, self.apply, self.clock = tuple(counts), apply, clock
        self.block_steps, self.blocks, self.block_seconds, self.keep_seconds = (
            block_steps, blocks, block_seconds, keep_seconds)
        self.best = self.counts[0]
        self.step_seconds: dict[int, float] = {}  # median step time per count, latest round
        self._keep_until = 0.0
        self._begin_round()

    @property
    def current(self) -> int:
        return self._pending[0] if self._pending else self.best

    def reset(self) -> None:
        """Forget the step in flight and restart the block under way (if any)."""
        self._last: float | None = None
        self._started = self.clock()
        self._block: list[float] = []

    def tick(self) -> None:
        """One step ended: measure it; end a block, a round, or a keeping period when due."""
        now = self.clock()
        if self._pending:
            if self._last is not None:
                self._block.append(now - self._last)
            self._last = now
            if self._block_over(now):
                self._end_block()
        elif now >= self._keep_until:
            self._begin_round()

    def _block_over(self, now: float) -> bool:
        if len(self._block) >= self.block_steps - 1:
            return True
        return bool(self._block) and (now - self._started >= self.block_seconds
                                      or self._losing())

    def _losing(self) -> bool:
        """Whether the count under trial is clearly slower than one already tried: each of its
        steps ABANDON times slower than that count's slowest."""
        trying = self._pending[0]
        return any(min(self._block) > ABANDON * max(t)
                   for n, t in self._times.items() if t and n != trying)

    def _decided(self) -> bool:
        """Whether, with every count tried, one count's slowest step beat all others' fastest
        by DECISIVE: then the rest of the round would only cost steps at the slower counts."""
        if not all(self._times.values()):
            return False
        slowest = {n: max(t) for n, t in self._times.items()}
        return any(all(slowest[n] * DECISIVE < min(t) for m, t in self._times.items() if m != n)
                   for n in self.counts)

    def _begin_round(self) -> None:
        self._pending = list(self.counts) * self.blocks  # 1, 2, 1, 2, ...: blocks take turns
        self._times: dict[int, list[float]] = {n: [] for n in self.counts}
        self._begin_block()

    def _begin_block(self) -> None:
        self.apply(self.current)
        self.reset()  # so the step that pays for the change is not timed

    def _end_block(self) -> None:
        self._times[self._pending.pop(0)].extend(self._block)
        if self._decided():
            self._pending.clear()  # the round is over: its other blocks would time nothing
        if self._pending:
            self._begin_block()
            return
        self.step_seconds = {n: statistics.median(t) for n, t in self._times.items()}
        self.best = min(self.counts, key=lambda n: self.step_seconds[n])
        self.apply(self.best)
        self._keep_until = self.clock() + self.keep_seconds
