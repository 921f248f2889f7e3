"""The GAN panel's jobs for the compute thread, and the small events they yield beyond
core.training's. Torch and the core's torch modules are imported inside the job bodies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.jobs import Message
from core.runs.store import RunStore
from core.training.config import TrainConfig
from core.training.gan_config import GanConfig
from gui.panels.gan_samples import Frame


@dataclass(frozen=True)
class Timeline:
    """The sample grids stored in a run folder, oldest first."""

    run_id: str
    frames: list[Frame]


@dataclass(frozen=True)
class FidStatus:
    available: bool


@dataclass(frozen=True)
class Scored:
    """The judge's verdict on a saved generator (core.gan_scores.GanScores in `scores`)."""

    epoch: int
    step: int
    scores: Any


def train_job(config: GanConfig, store: RunStore) -> Iterator:
    from core.training.gan_trainer import train_gan

    return train_gan(config, store)


def judge_config(dataset: str, data_root: str | None) -> TrainConfig:
    """The default classifier (LeNet) for the dataset: the judge the app trains on request."""
    return TrainConfig(dataset=dataset, data_root=data_root)


def judge_job(config: TrainConfig, store: RunStore) -> Iterator:
    from core.training.trainer import train

    return train(config, store)


def timeline_job(run_id: str, run_dir: Path) -> Iterator:
    from core.runs.gan_checkpoint import load_samples

    yield Timeline(run_id, [Frame(step, images, labels)
                            for step, images, labels in load_samples(run_dir)])


def fid_job() -> Iterator:
    """Whether torchvision's Inception weights are cached (standard FID possible)."""
    from core.gan_scores import fid_available

    yield FidStatus(fid_available())


def score_job(run_dir: Path, judge_dir: str, with_fid: bool, n: int = 1000) -> Iterator:
    """Score the latest generator checkpoint of a run with a judge: n seeded samples against
    n real images."""
    import torch

    from core.device import resolve_device
    from core.gan_scores import Judge
    from core.latent import sample_prior
    from core.models.gan import generate, sample_labels
    from core.runs.gan_checkpoint import load_generator
    from core.training.gan_trainer import gan_data

    yield Message("Scoring: loading the generator and the judge…")
    g, spec, meta = load_generator(run_dir)
    config = GanConfig.from_dict(meta["config"])
    device = resolve_device(config.device)
    judge = Judge.from_run(Path(judge_dir), device)
    cpu = torch.Generator().manual_seed(config.seed + 1)
    z = sample_prior(n, spec.latent_dim, config.prior, cpu)
    fake = generate(g.to(device), z.to(device), sample_labels(spec, n, device=device))
    yield None
    images = gan_data(config, device).images
    real = images[torch.randperm(len(images), generator=cpu)[:n].to(device)].float() / 255
    yield None
    yield Scored(meta["epoch"], meta["step"], judge.score(fake, real, with_fid=with_fid))
