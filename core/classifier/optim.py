"""Optimizers and learning-rate schedules of a classifier run, by config name."""

from __future__ import annotations

import math

import torch

from ..training.optim import FOREACH, FUSED
from .config import TrainConfig


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """GD and SGD are plain SGD (GD runs on the full batch); momentum is SGD with momentum."""
    wd = config.weight_decay
    match config.optimizer:
        case "gd" | "sgd":
            return torch.optim.SGD(params, lr=config.lr, weight_decay=wd, **FUSED)
        case "momentum":
            return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                                   weight_decay=wd, **FUSED)
        case "rmsprop":
            return torch.optim.RMSprop(params, lr=config.lr, weight_decay=wd, **FOREACH)
        case "adam":
            return torch.optim.Adam(params, lr=config.lr, weight_decay=wd, **FUSED)
    raise ValueError(f"unknown optimizer {config.optimizer!r}")


def lr_factor(schedule: str, step: int, steps_per_epoch: int, epochs: int) -> float:
    """Multiplier of the base learning rate at a step: constant, step (x0.1 every third), cosine."""
    if schedule == "step":
        return 0.1 ** ((step // steps_per_epoch) // max(1, epochs // 3))
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(step / (steps_per_epoch * epochs), 1.0)))
    return 1.0


def make_schedule(
    config: TrainConfig, optimizer: torch.optim.Optimizer, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step scheduler for the config's schedule."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(config.schedule, s, steps_per_epoch, config.epochs)
    )
