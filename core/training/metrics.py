"""The names a training run's metrics are stored under, and reading them back from runs of any
version (torch-free: the panels read stored runs with it).

A step row holds STEP, the trainer's own per-step metrics under the names of its steps event's
fields (one name, one meaning: `loss`, `acc`, `d_loss`, ...), then STEP_TIME and IMAGES_PER_S.
An epoch row holds the fields of the trainer's epoch-end event, STEP and SECONDS among them.

Every trainer stores the pace of its steps as STEP_TIME, seconds per step: seconds add up, so a
stored run's wall clock is their running sum (no division per step), and they are what the
step loop's costs are counted in (a LeNet step on digits: ~5 ms). GAN runs stored before this
module kept steps per second as STEPS_PER_S; `step_seconds` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

STEP = "step"
EPOCH = "epoch"
SECONDS = "seconds"  # epoch rows: seconds since the run started, at the epoch's end
STEP_TIME = "step_time"  # step rows: mean seconds per step since the previous steps event
IMAGES_PER_S = "images_per_s"  # step rows: training images per second, over the same steps
STEPS_PER_S = "steps_per_s"  # GAN step rows stored before STEP_TIME: steps per second


def step_seconds(steps: Mapping[str, np.ndarray]) -> np.ndarray:
    """Seconds each step took, from a run's stored step columns (`RunStore.steps`, or a
    selection of its rows): STEP_TIME, else 1 / STEPS_PER_S (older GAN runs, and their steps
    before a resume), NaN where a step has neither."""
    seconds = steps.get(STEP_TIME, np.full(len(steps[STEP]), np.nan))
    if STEPS_PER_S in steps:
        seconds = np.where(np.isnan(seconds), 1 / steps[STEPS_PER_S], seconds)
    return seconds
