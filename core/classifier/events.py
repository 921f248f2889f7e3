"""Frozen events that training jobs yield: numbers and numpy copies, never live tensors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..jobs.events import Event
from ..training.events import TrainingFinished, TrainingSteps


@dataclass(frozen=True)
class RunStarted(Event):
    run_id: str
    run_dir: str
    device: str
    classes: tuple[str, ...]
    steps_per_epoch: int
    total_steps: int
    sizes: tuple[int, int, int]  # train, validation, test
    first_step: int = 0  # > 0 when a stopped run resumes


NAN = float("nan")


@dataclass(frozen=True)
class Steps(TrainingSteps):
    """Metrics of the steps since the previous Steps event (one array entry per step); a
    similarity run's `acc` is NaN (an embedding has no accuracy; curves skip NaN)."""

    losses: ClassVar[tuple[str, ...]] = ("loss",)

    loss: np.ndarray
    acc: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray


@dataclass(frozen=True)
class EpochEnd(Event):
    """An epoch's scores: a classifier run's accuracies, or a similarity run's validation
    recall@1 and recall@5 (the other pair NaN); the run store keeps them all."""

    epoch: int
    step: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float
    best: bool
    val_recall_at_1: float = NAN
    val_recall_at_5: float = NAN


@dataclass(frozen=True)
class Predictions(Event):
    """A sample of validation images with labels and the model's predictions."""

    epoch: int
    images: np.ndarray  # uint8 N x C x H x W
    labels: np.ndarray
    preds: np.ndarray
    confidence: np.ndarray
    classes: tuple[str, ...]


@dataclass(frozen=True)
class RunFinished(TrainingFinished):
    """The best checkpoint's accuracy on the test set: "official" (the set's own test images),
    "held-out" (the seeded test split) or None when the run has no test images. A similarity
    run has no accuracy (None): its recall@1 and recall@5 on the test set instead."""

    test_acc: float | None
    best_epoch: int | None
    test_set: str | None
    test_size: int
    recall_at_1: float | None = None
    recall_at_5: float | None = None


@dataclass(frozen=True)
class SanityResult(Event):
    """Outcome of the overfit-one-batch check."""

    passed: bool
    steps: int
    loss: float
    acc: float
    message: str


_TEST_ACCURACY = re.compile(r"test accuracy (\d+(?:\.\d+)?)")


def test_accuracy_text(acc: float, test_set: str | None, size: int) -> str:
    """How a finished run's stored message states its test accuracy (read by
    `stated_test_accuracy`: the run lists and the judge list show it)."""
    return f"test accuracy {acc:.3f} ({test_set} test set, {size} images)"


def stated_test_accuracy(message: str) -> float | None:
    """The test accuracy a run's stored message states, None if it states none."""
    found = _TEST_ACCURACY.search(message)
    return float(found.group(1)) if found else None
