"""The GAN panel's jobs for the compute thread, and the small events they yield beyond
core.training's. Torch and the core's torch modules are imported inside the job bodies (the
ideas' public names load them when first used)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deepscope.core import classifier, gan
from deepscope.core.classifier import TrainConfig
from deepscope.core.gan import GanConfig
from deepscope.core.runs.store import RunStore

from .samples import Frame


@dataclass(frozen=True)
class Timeline:
    """The sample grids stored in a run folder, oldest first."""

    run_id: str
    frames: list[Frame]


@dataclass(frozen=True)
class FidStatus:
    available: bool


def train_job(config: GanConfig, store: RunStore, resume: str | None = None) -> Iterator:
    return gan.train_gan(config, store, resume=resume)


def download_job(dataset: str, root: Path) -> Iterator:
    """Fetch a torchvision dataset into the data root."""
    from deepscope.core.data.load import download_job

    yield from download_job(dataset, root)


def judge_config(dataset: str, data_root: str | None) -> TrainConfig:
    """The default classifier (LeNet) for the dataset: the judge the app trains on request."""
    return TrainConfig(dataset=dataset, data_root=data_root)


def judge_job(config: TrainConfig, store: RunStore) -> Iterator:
    return classifier.train(config, store)


def timeline_job(run_id: str, run_dir: Path) -> Iterator:
    from deepscope.core.runs.generators import load_samples

    yield Timeline(run_id, [Frame(*grid) for grid in load_samples(run_dir)])


def fid_job() -> Iterator:
    """Whether torchvision's Inception weights are cached (standard FID possible)."""
    yield FidStatus(gan.fid_available())


def score_job(run_dir: Path, judge_dir: str, with_fid: bool, every_epoch: bool) -> Iterator:
    """Score the latest generator checkpoint of a run, or each epoch's, with a judge (see
    core.gan.scoring)."""
    return gan.score_run(run_dir, Path(judge_dir), with_fid, every_epoch=every_epoch)
