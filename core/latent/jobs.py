"""The latent panel's jobs, run on the compute thread: draw a grid of samples, render a frame
sequence (interpolation, random walk, class blend), write the strip and the GIF.

A GeneratorCache keeps the last generator loaded while its checkpoint file is unchanged, so a
new strip costs one batched forward pass. Jobs yield events from latent.events.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from ..data.export import save_gif, save_strip, to_uint8
from ..jobs import Message
from ..models.gan import Generator, generate, sample_labels
from ..models.gan_spec import GanSpec
from ..models.latents import interpolate, random_walk, seeded_latents
from ..runs.cache import ModelCache
from ..runs.generators import load_generator
from ..runs.loader import Device
from .events import (
    MAX_STEPS,
    MIN_STEPS,
    PATHS,
    Draws,
    Frames,
    GeneratorInfo,
    PathRequest,
    RunRef,
)

Loaded = tuple[Generator, GanSpec, dict]


class GeneratorCache:
    """The last generator loaded (on `device`; None: the policy's choice), reloaded when its
    checkpoint changes: runs.cache's ModelCache, with the stamp every cached model has."""

    def __init__(self, device: Device = None) -> None:
        self._models = ModelCache(device)

    def get(self, run: RunRef, check: bool = True) -> Loaded:
        """The run's generator; `check=False` trusts a loaded one without looking at its files
        (strips: the grid's draws, which do check, loaded it moments before)."""
        if not check and (loaded := self._models.loaded(run)) is not None:
            return loaded
        folder = Path(run.run_dir)
        return self._models.get(
            run, folder, lambda: load_generator(folder, self._models.device, run.latent_dim))

    def holds_latest(self, run: RunRef) -> bool:
        """Whether the loaded generator is the run's latest checkpoint (a run still training
        writes a newer one each epoch)."""
        return self._models.holds(run, Path(run.run_dir))


def prior_of(meta: dict) -> str:
    return meta.get("config", {}).get("prior", "gaussian")


def info(run: RunRef, loaded: Loaded) -> GeneratorInfo:
    _, spec, meta = loaded
    classes = tuple(meta.get("classes") or range(spec.num_classes)) if spec.conditional else ()
    return GeneratorInfo(run, spec.name, spec.latent_dim, prior_of(meta), spec.channels,
                         spec.image_size, tuple(map(str, classes)), int(meta.get("epoch", 0)))


@torch.inference_mode()
def draws(cache: GeneratorCache, run: RunRef, seeds: Sequence[int]) -> Draws:
    """One sample per seed; a cGAN's draws cycle through the classes."""
    g, spec, meta = cache.get(run)
    device = next(g.parameters()).device
    z = seeded_latents(seeds, spec.latent_dim, prior_of(meta)).to(device)
    labels = sample_labels(spec, len(seeds), device=device)
    images = to_uint8(generate(g, z, labels))
    return Draws(run, tuple(seeds), None if labels is None else tuple(labels.tolist()), images)


@torch.inference_mode()
def frames(cache: GeneratorCache, request: PathRequest) -> Frames:
    """The request's latents through the generator in one batch."""
    _check(request)
    g, spec, meta = cache.get(request.run, check=False)
    device = next(g.parameters()).device
    z = path_latents(request, spec.latent_dim, prior_of(meta))
    labels, embedding = conditioning(g, request, device)
    images = generate(g, z.to(device), labels, embedding=embedding)
    return Frames(request, to_uint8(images), z.norm(dim=1).numpy())


def _check(request: PathRequest) -> None:
    if request.mode not in PATHS:
        raise ValueError(f"unknown path {request.mode!r}; choose one of {', '.join(PATHS)}")
    if not MIN_STEPS <= request.steps <= MAX_STEPS:
        raise ValueError(f"steps must be {MIN_STEPS}..{MAX_STEPS}, got {request.steps}")


def path_latents(request: PathRequest, dim: int, prior: str) -> torch.Tensor:
    """steps x dim latents (CPU): from A to B, a walk from A, or A repeated (class blend)."""
    za, zb = seeded_latents([request.a.seed, request.b.seed], dim, prior)
    if request.mode == "walk":
        rng = torch.Generator().manual_seed(request.walk_seed)
        return random_walk(za, request.steps, request.step_size, prior, rng, request.smoothness)
    if request.mode == "class":
        return za.expand(request.steps, -1)
    return interpolate(za, zb, request.steps, request.mode)


def conditioning(g: Generator, request: PathRequest,
                 device: torch.device) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """(labels, label embeddings) for the frames: none for an unconditional G; A's class all
    along when the classes agree (and for a walk); else the embedding blended from A's class
    to B's, so the class changes smoothly."""
    if g.embed is None:
        if request.mode == "class":
            raise ValueError("this generator is unconditional: it has no class to interpolate "
                             "(pick a cGAN run)")
        return None, None
    spec, n = g.spec, request.steps
    la = sample_labels(spec, n, request.a.label or 0, device)
    if request.mode == "walk" or request.a.label == request.b.label:
        return la, None
    lb = sample_labels(spec, n, request.b.label or 0, device)
    t = torch.linspace(0, 1, n, device=device)[:, None]
    return None, (1 - t) * g.embed(la[:1]) + t * g.embed(lb[:1])


def open_job(cache: GeneratorCache, run: RunRef, seeds: Sequence[int]) -> Iterator:
    """Load the run's generator (once): its GeneratorInfo, then the draws of `seeds`."""
    yield info(run, cache.get(run))
    yield draws(cache, run, seeds)


def refresh_job(cache: GeneratorCache, run: RunRef, seeds: Sequence[int]) -> Iterator:
    """As open_job, when the run has a newer checkpoint than the one loaded; else nothing."""
    if not cache.holds_latest(run):
        yield from open_job(cache, run, seeds)


def draws_job(cache: GeneratorCache, run: RunRef, seeds: Sequence[int]) -> Iterator:
    yield draws(cache, run, seeds)


def frames_job(cache: GeneratorCache, request: PathRequest) -> Iterator:
    yield frames(cache, request)


def export_job(images: np.ndarray, path: str, frame_ms: int | None = None) -> Iterator:
    """uint8 frames to a PNG strip, or (with `frame_ms`) to an animated GIF."""
    images01 = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255)
    written = (save_strip(images01, Path(path)) if frame_ms is None
               else save_gif(images01, Path(path), frame_ms))
    yield Message(f"Saved {written} ({len(images)} frames)")
