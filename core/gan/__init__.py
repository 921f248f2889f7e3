"""GAN training: configuration, events, the training job, and the judge that scores a
generator with a classifier trained on the same data. Importing it does not import torch."""

from ..lazy import lazy_names
from .config import (
    GAN_LOSSES,
    GAN_OPTIMIZERS,
    GAN_SCHEDULES,
    GanConfig,
    problems,
)
from .events import (
    GanEpochEnd,
    GanFinished,
    GanSamples,
    GanScored,
    GanStarted,
    GanSteps,
)

__getattr__ = lazy_names(__name__, {
    "train_gan": "trainer", "resume_config": "trainer", "epoch_row": "trainer",
    "score_run": "scoring", "Judge": "scores", "GanScores": "scores",
    "fid_available": "scores"})
__all__ = ["GAN_LOSSES", "GAN_OPTIMIZERS", "GAN_SCHEDULES", "GanConfig", "GanEpochEnd",
           "GanFinished", "GanSamples", "GanScored", "GanScores", "GanStarted", "GanSteps",
           "Judge", "epoch_row", "fid_available", "problems", "resume_config", "score_run",
           "train_gan"]
