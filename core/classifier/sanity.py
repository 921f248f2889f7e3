"""The classic sanity check: a model that can learn must overfit one small batch."""

from __future__ import annotations

import time
from collections.abc import Iterator

import torch
from torch import nn

from ..jobs.pacing import EMIT_INTERVAL
from ..training.job import Diverged
from .config import TrainConfig
from .events import SanityResult, Steps
from .losses import Loss, make_loss
from .optim import make_optimizer
from .trainer import StepBuffer, build_run, train_step

PASS_LOSS = 0.05


def overfit_batch(
    model: nn.Module, opt: torch.optim.Optimizer, loss_fn: Loss,
    x: torch.Tensor, y: torch.Tensor, max_steps: int = 300,
) -> Iterator[Steps | SanityResult | None]:
    """Train on one fixed batch until loss < PASS_LOSS and accuracy is 100%, or give up."""
    buffer, start, last = StepBuffer(), time.perf_counter(), None
    for step in range(max_steps):
        buffer.add(step, opt.param_groups[0]["lr"], train_step(model, opt, loss_fn, x, y), len(y))
        if time.perf_counter() - buffer.since < EMIT_INTERVAL and step < max_steps - 1:
            yield None
            continue
        last = buffer.flush(1, time.perf_counter() - start)
        if (bad := last.first_bad_step()) is not None:
            raise Diverged(last, bad)
        yield last
        if last.loss[-1] < PASS_LOSS and last.acc[-1] == 1.0:
            break
    loss, acc = float(last.loss[-1]), float(last.acc[-1])
    passed = loss < PASS_LOSS and acc == 1.0
    verdict = "passed" if passed else "FAILED: the model cannot fit even one batch"
    yield SanityResult(passed, int(last.step[-1]) + 1, loss, acc,
                       f"overfit one batch of {len(y)}: loss {loss:.4f}, accuracy {acc:.0%}, "
                       f"{verdict}")


def overfit_one_batch(config: TrainConfig, batch: int = 16, max_steps: int = 300) -> Iterator:
    """Overfit the first `batch` training images with the config's model, loss and optimizer."""
    _, data, _, model = build_run(config)
    x, y = data.batch(data.train[:batch])
    opt = make_optimizer(config, model.parameters())
    yield from overfit_batch(model, opt, make_loss(config.loss), x, y, max_steps)
