"""What a progress bar says: a training run's steps (epoch, step n/N, time left), a download's
MiB. One place for the Training and GAN panels, and for the downloads of any panel."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from deepscope.core.jobs import ProgressEvent


class RunSteps(Protocol):
    """What a trainer's steps event tells of where the run is."""

    step: np.ndarray  # the steps it reports
    wall: float  # seconds since the run started, at its last step


def run_progress(e: RunSteps, total: int, prefix: str = "") -> tuple[int, int, str]:
    """(done, total, text) of a run of `total` steps at a steps event: its last step, and the
    time left extrapolated from its wall time; `prefix` names the epoch, say."""
    done = int(e.step[-1]) + 1
    eta = e.wall / max(done, 1) * (total - done)
    return done, total, f"{prefix}step {done}/{total}  ETA {eta:.0f} s"


def download_progress(e: ProgressEvent) -> tuple[int, int, str]:
    """(done, total, text) of a download counted in bytes; an unknown total (0) makes the bar
    a busy one."""
    total = f" / {e.total / 2**20:.1f}" if e.total else ""
    return e.done, e.total, f"{e.label}: {e.done / 2**20:.1f}{total} MiB"
