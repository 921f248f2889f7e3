"""How activation maximization runs (torch-free: the GUI builds these on its own thread)."""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_STEPS = 10_000
"""20x Lucent's 512 steps, long converged; 10^7 would run for days (LeNet, 4 seeds: ~2 ms a
step on one CPU core, 20 s for MAX_STEPS)."""
MAX_SEEDS = 64
"""Images optimized side by side in one batch: more than a panel can show."""
MAX_SEED = 2**64 - 1  # torch.Generator's seed range


@dataclass(frozen=True)
class DreamSettings:
    """`steps` of Adam at learning rate `lr` on one image per seed (the seeds' images are
    optimized side by side as one batch; a seed draws the same image alone or beside others);
    a frame every `frame_every` steps (0: a few frames a second of wall time); random jitter,
    scale and rotation at each step unless `transforms` is off."""

    steps: int = 256
    lr: float = 0.05  # Lucent's
    seeds: tuple[int, ...] = (0, 1, 2, 3)
    frame_every: int = 0
    transforms: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", tuple(self.seeds))
        if not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"steps must be 1 to {MAX_STEPS:,}, got {self.steps:,}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"the learning rate must be a positive number, got {self.lr}")
        if not 1 <= len(self.seeds) <= MAX_SEEDS:
            raise ValueError(f"give 1 to {MAX_SEEDS} seeds, got {len(self.seeds)}")
        if any(not isinstance(seed, int) or not 0 <= seed <= MAX_SEED for seed in self.seeds):
            raise ValueError(f"seeds must be whole numbers from 0 to 2**64 - 1, got {self.seeds}")
        if self.frame_every < 0:
            raise ValueError("frame_every must be a number of steps, or 0 for a few frames a "
                             f"second, got {self.frame_every}")
