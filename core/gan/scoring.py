"""Score a stored generator on demand: the latest checkpoint of a GAN run (or every epoch's),
judged by a classifier run on seeded samples against as many real images (a generator job)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import torch

from ..device import resolve_device
from ..jobs import Message
from ..models.gan import generate, sample_labels
from ..models.latents import sample_prior
from ..runs.checkpoint import CheckpointError, epoch_checkpoints
from ..runs.generators import load_generator
from .config import GanConfig
from .events import GanScored
from .scores import Judge
from .trainer import gan_data


def score_run(run_dir: Path, judge_dir: Path, with_fid: bool, n: int = 1000,
              every_epoch: bool = False) -> Iterator:
    """Yields Messages and GanScored for n samples of the run's latest generator, or of each
    epoch's generator in turn (the same latents and real images for all)."""
    yield Message("Scoring: loading the generator and the judge…")
    paths = epoch_checkpoints(run_dir) if every_epoch else [Path(run_dir)]
    if not paths:
        raise CheckpointError(f"{run_dir} holds no epoch checkpoint to score")
    last = load_generator(paths[-1])
    spec, meta = last[1:]
    config = GanConfig.from_dict(meta["config"])
    device = resolve_device(config.device)
    judge = Judge.from_run(judge_dir, device)
    cpu = torch.Generator().manual_seed(config.seed + 1)
    z = sample_prior(n, spec.latent_dim, config.prior, cpu).to(device)
    labels = sample_labels(spec, n, device=device)
    images = gan_data(config, device).images
    real = images[torch.randperm(len(images), generator=cpu)[:n].to(device)].float() / 255
    for k, path in enumerate(paths, 1):
        yield Message(f"Scoring checkpoint {k} of {len(paths)}…")
        g, _, meta = last if path == paths[-1] else load_generator(path)
        fake = generate(g.to(device), z, labels)
        yield None
        yield GanScored(meta["epoch"], meta["step"], judge.score(fake, real, with_fid=with_fid))
