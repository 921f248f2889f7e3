"""Frozen events that training jobs yield: numbers and numpy copies, never live tensors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jobs.events import Event, StepsEvent


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


@dataclass(frozen=True)
class Steps(StepsEvent):
    """Metrics of the steps since the previous Steps event (one array entry per step)."""

    epoch: int
    step: np.ndarray
    loss: np.ndarray
    acc: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray
    wall: float  # seconds since the run started, at the last step
    step_time: float  # mean seconds per step over these steps
    images_per_s: float


@dataclass(frozen=True)
class EpochEnd(Event):
    epoch: int
    step: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float
    best: bool


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
class RunFinished(Event):
    status: str  # finished, stopped, early-stopped, diverged
    message: str
    run_id: str
    run_dir: str
    test_acc: float | None
    best_epoch: int | None


@dataclass(frozen=True)
class SanityResult(Event):
    """Outcome of the overfit-one-batch check."""

    passed: bool
    steps: int
    loss: float
    acc: float
    message: str
