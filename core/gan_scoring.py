"""Score a stored generator on demand: the latest checkpoint of a GAN run, judged by a
classifier run on seeded samples against as many real images (a generator job)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import torch

from core.device import resolve_device
from core.gan_scores import Judge
from core.jobs import Message
from core.latent import sample_prior
from core.models.gan import generate, sample_labels
from core.runs.gan_checkpoint import load_generator
from core.training.gan_config import GanConfig
from core.training.gan_events import GanScored
from core.training.gan_trainer import gan_data


def score_run(run_dir: Path, judge_dir: Path, with_fid: bool, n: int = 1000) -> Iterator:
    """Yields a Message, then GanScored for n samples of the run's latest generator."""
    yield Message("Scoring: loading the generator and the judge…")
    g, spec, meta = load_generator(run_dir)
    config = GanConfig.from_dict(meta["config"])
    device = resolve_device(config.device)
    judge = Judge.from_run(judge_dir, device)
    cpu = torch.Generator().manual_seed(config.seed + 1)
    z = sample_prior(n, spec.latent_dim, config.prior, cpu)
    fake = generate(g.to(device), z.to(device), sample_labels(spec, n, device=device))
    yield None
    images = gan_data(config, device).images
    real = images[torch.randperm(len(images), generator=cpu)[:n].to(device)].float() / 255
    yield None
    yield GanScored(meta["epoch"], meta["step"], judge.score(fake, real, with_fid=with_fid))
