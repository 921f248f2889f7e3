"""Classifier training (the course's first lecture): configuration, events, the training job
and the overfit-one-batch check. Importing the package does not import torch."""

from ..lazy import lazy_names
from .config import (
    AUGMENTATIONS,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    problems,
)
from .events import (
    EpochEnd,
    Predictions,
    RunFinished,
    RunStarted,
    SanityResult,
    Steps,
)

__getattr__ = lazy_names(__name__, {"train": "trainer", "resume_config": "trainer",
                                    "overfit_one_batch": "sanity"})
__all__ = ["AUGMENTATIONS", "LOSSES", "OPTIMIZERS", "SCHEDULES", "EpochEnd", "Predictions",
           "RunFinished", "RunStarted", "SanityResult", "Steps", "TrainConfig",
           "overfit_one_batch", "problems", "resume_config", "train"]
