"""What the latent panel asks the compute thread for and what comes back (torch-free).

Requests and events are frozen; images are uint8 numpy arrays N x C x H x W.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jobs.events import Event

PATHS = ("slerp", "lerp", "walk", "class")  # the kinds of frame sequence
MIN_STEPS, MAX_STEPS = 2, 64


@dataclass(frozen=True)
class Endpoint:
    """A latent drawn from the run's prior with `seed`; `label` is its class for a cGAN."""

    seed: int
    label: int | None = None


@dataclass(frozen=True)
class RunRef:
    """A GAN run folder and the latent size its run record promises (checked on load)."""

    run_dir: str
    latent_dim: int | None = None


@dataclass(frozen=True)
class PathRequest:
    """A frame sequence: "slerp"/"lerp" from A to B (a cGAN also blends the class embeddings
    when the classes differ), "walk" a random walk from A (`walk_seed`, `step_size`,
    `smoothness`), or "class": z of A fixed, the class embedding from A's class to B's."""

    run: RunRef
    a: Endpoint
    b: Endpoint
    mode: str = "slerp"
    steps: int = 16
    step_size: float = 0.3
    smoothness: float = 0.9
    walk_seed: int = 0


@dataclass(frozen=True)
class GeneratorInfo(Event):
    """The loaded generator: what the panel needs to label things."""

    run: RunRef
    name: str
    latent_dim: int
    prior: str
    channels: int
    image_size: int
    classes: tuple[str, ...]  # empty for an unconditional G
    epoch: int

    @property
    def conditional(self) -> bool:
        return bool(self.classes)


@dataclass(frozen=True)
class Draws(Event):
    """A grid of samples, one per seed (with its class for a cGAN)."""

    run: RunRef
    seeds: tuple[int, ...]
    labels: tuple[int, ...] | None
    images: np.ndarray


@dataclass(frozen=True)
class Frames(Event):
    """The frames of `request`, and the norm |z| of each frame's latent."""

    request: PathRequest
    images: np.ndarray
    norms: np.ndarray
