"""The training panel's jobs for the compute thread. Torch and the core's torch modules are
imported inside the job bodies (the classifier's public names load them when first used)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from deepscope.core import classifier
from deepscope.core.classifier import TrainConfig
from deepscope.core.data.names import TORCHVISION_SETS
from deepscope.core.runs.store import RunStore


def train_job(config: TrainConfig, store: RunStore, resume: str | None = None) -> Iterator:
    """Train a classifier, or go on with the stopped run `resume`."""
    return classifier.train(config, store, resume=resume)


def overfit_job(config: TrainConfig) -> Iterator:
    return classifier.overfit_one_batch(config)


def download_job(dataset: str, root: Path, weights: str | None) -> Iterator:
    """Fetch the dataset if it is a torchvision set, and the model's weights if asked."""
    from deepscope.core.data.load import download_job
    from deepscope.core.models.torchvision_zoo import download_weights_job

    if weights:
        yield from download_weights_job(weights)
    if dataset in TORCHVISION_SETS:
        yield from download_job(dataset, root)
