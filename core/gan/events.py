"""Frozen events that GAN training jobs yield: numbers and numpy copies, never live tensors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..jobs.events import Event
from ..training.events import TrainingFinished, TrainingSteps


@dataclass(frozen=True)
class GanStarted(Event):
    run_id: str
    run_dir: str
    device: str
    steps_per_epoch: int
    total_steps: int
    image_shape: tuple[int, int, int]  # C, H, W
    classes: tuple[str, ...]
    conditional: bool
    sample_labels: np.ndarray | None  # labels of the fixed sample grid (cGAN), else None
    first_step: int = 0  # > 0 when a stopped run resumes


@dataclass(frozen=True)
class GanSteps(TrainingSteps):
    """Metrics of the steps since the previous GanSteps event (one array entry per step).

    d_real, d_fake: D's mean probability on real and generated images, or the mean critic value
    for WGAN losses. wasserstein: mean critic(real) - mean critic(fake) (NaN for the other
    losses). A gradient norm is NaN at steps where that network was not updated.
    """

    losses: ClassVar[tuple[str, ...]] = ("d_loss", "g_loss")

    d_loss: np.ndarray
    g_loss: np.ndarray
    d_real: np.ndarray
    d_fake: np.ndarray
    wasserstein: np.ndarray
    d_grad_norm: np.ndarray
    g_grad_norm: np.ndarray

    @property
    def steps_per_s(self) -> float:
        """Steps per second over these steps: 1 / step_time."""
        return 1 / max(self.step_time, 1e-12)


@dataclass(frozen=True)
class GanSamples(Event):
    """Images of the fixed latents (and labels) after `step` steps, also saved in the run folder.

    diversity: mean pairwise distance of these images / that of as many real images (about 1
    when varied like the data, near 0 when the generator collapsed; NaN with under 2 images).
    """

    epoch: int
    step: int
    images: np.ndarray  # uint8 N x C x H x W
    labels: np.ndarray | None
    diversity: float


@dataclass(frozen=True)
class GanEpochEnd(Event):
    """Means over the epoch's steps; the judge's scores when a classifier run is set."""

    epoch: int
    step: int
    d_loss: float
    g_loss: float
    d_real: float
    d_fake: float
    wasserstein: float
    seconds: float  # since the run started
    diversity: float
    scores: Any | None  # deepscope.core.gan.scores.GanScores of SCORE_SAMPLES generated images


@dataclass(frozen=True)
class GanFinished(TrainingFinished):
    """How a GAN run ended: finished or diverged."""


@dataclass(frozen=True)
class GanScored(Event):
    """The judge's verdict on a saved generator, on demand (deepscope.core.gan.scores.GanScores)."""

    epoch: int
    step: int
    scores: Any

