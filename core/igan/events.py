"""What the iGAN jobs are asked for and what they yield (torch-free, safe for the GUI).

Images are float32 N x C x H x W in [0, 1], latents float32 N x dim, masks float32 H x W weights
in [0, 1] (0: free, 1: held), all numpy copies at the generator's own size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..jobs.events import Event, ProgressEvent
from ..models.gan_spec import GanSpec

MAX_STEPS = 10_000
"""Optimization steps of one edit or projection: 250x iGAN's 40 per edit, long converged (a
DCGAN-32 step on 64 latents took 23 ms on 2 CPU cores: 4 minutes); 10^7 would run for days."""
MAX_CANDIDATES = 256  # latents optimized side by side: more than a grid can show
SHOWN = 16  # the best candidates a grid shows (iGAN's)
CPU_CANDIDATES, GPU_CANDIDATES = 16, 64
"""Default batch: iGAN's 64 on a GPU; 16 on a CPU, where 64 DCGAN-64 latents took 273 ms a step
(11 s for a 40-step edit) and 16 took 58 ms (../shared/design/ANCHORS.md)."""
FRAME_INTERVAL = 0.05  # seconds between candidate frames: 20 a second, above the grid's 10
METHODS = ("opt", "encoder", "hybrid")  # projection: optimization, inverting network, both
MORPH_FRAMES = 16


def default_candidates(device_type: str) -> int:
    """How many latents an edit optimizes by default on a device of this type."""
    return GPU_CANDIDATES if device_type == "cuda" else CPU_CANDIDATES


def dims(shape: tuple[int, ...]) -> str:
    """A shape as a user reads it: "1 x 28 x 28"."""
    return " x ".join(map(str, shape))


def check_steps(steps: int) -> None:
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be 1 to {MAX_STEPS:,}, got {steps:,}")


@dataclass(frozen=True)
class GanInfo(Event):
    """The generator loaded from `run` (its spec: name, latent size, channels, image size):
    what a panel needs to label things and size its pad, and whether an inverting network is
    saved for this checkpoint."""

    run: str
    spec: GanSpec
    prior: str
    classes: tuple[str, ...]  # empty for an unconditional G
    epoch: int
    device: str  # "cpu" or "cuda"
    encoder_saved: bool

    @property
    def conditional(self) -> bool:
        return bool(self.classes)


@dataclass(frozen=True, eq=False)
class Constraints:
    """What the user painted: `colour` (C x H x W) held where `colour_mask` weighs it, and an
    edge strength `edges` (H x W; 1: an edge, see losses.edge_map) held where `edge_mask`
    weighs it. Either pair may be absent; at least one must hold somewhere."""

    colour: np.ndarray | None = None
    colour_mask: np.ndarray | None = None
    edges: np.ndarray | None = None
    edge_mask: np.ndarray | None = None

    def check(self, channels: int, size: int) -> None:
        """Refuse constraints that do not fit a generator of `channels` x `size` x `size`."""
        shapes = {"colour": (channels, size, size), "colour_mask": (size, size),
                  "edges": (size, size), "edge_mask": (size, size)}
        for name, shape in shapes.items():
            array = getattr(self, name)
            if array is None:
                continue
            if array.shape != shape:
                raise ValueError(f"{name} must be {dims(shape)} (the generator's size), got "
                                 f"{dims(array.shape)}")
            if not (np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1):
                raise ValueError(f"{name} must hold values in [0, 1]")
        for value, mask in (("colour", "colour_mask"), ("edges", "edge_mask")):
            if (getattr(self, value) is None) != (getattr(self, mask) is None):
                raise ValueError(f"{value} and {mask} go together: give both or neither")
        masks = [m for m in (self.colour_mask, self.edge_mask) if m is not None]
        if not any(m.max() > 0 for m in masks):
            raise ValueError("nothing is painted: the masks hold no pixel")


@dataclass(frozen=True)
class EditSettings:
    """`steps` of Adam at `lr` on w, where z = support(w) (see igan.support); the cost of a
    candidate is its masked colour error + `edge_weight` x its masked edge error +
    `prior_weight` x ||z - z0||^2 / dim. Defaults: iGAN's lr, edge weight and 40 steps; a frame
    of the candidates every `frame_interval` seconds (0: every step) and after the last."""

    steps: int = 40
    lr: float = 0.1
    edge_weight: float = 0.2
    prior_weight: float = 0.01
    frame_interval: float = FRAME_INTERVAL

    def __post_init__(self) -> None:
        check_steps(self.steps)
        for name in ("lr", "edge_weight", "prior_weight", "frame_interval"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0) or (name == "lr" and value == 0):
                raise ValueError(f"{name.replace('_', ' ')} must be a number >= 0 (lr > 0), "
                                 f"got {value}")


@dataclass(frozen=True, eq=False)
class Start:
    """Where an edit starts: latents `z` (N x dim), the anchors `z0` its prior term pulls
    toward (the candidates before the first stroke) and, for a cGAN, each one's label."""

    z: np.ndarray
    z0: np.ndarray
    labels: np.ndarray | None = None  # int64 N

    def __post_init__(self) -> None:
        if self.z.ndim != 2 or self.z.shape != self.z0.shape:
            raise ValueError(f"z and z0 must be N x dim alike, got {self.z.shape} and "
                             f"{self.z0.shape}")
        if not 1 <= len(self.z) <= MAX_CANDIDATES:
            raise ValueError(f"an edit optimizes 1 to {MAX_CANDIDATES} latents, got {len(self.z)}")
        if self.labels is not None and self.labels.shape != (len(self.z),):
            raise ValueError(f"need one label per latent, got {self.labels.shape}")


@dataclass(frozen=True, eq=False)
class Candidates(Event):
    """The candidates after `step` of `steps` (0: as they started), best first: their images,
    latents, anchors, labels and costs (ascending), with the cost's colour and edge errors."""

    step: int
    steps: int
    images: np.ndarray
    z: np.ndarray
    z0: np.ndarray
    labels: np.ndarray | None
    costs: np.ndarray
    colour_error: np.ndarray
    edge_error: np.ndarray
    seconds: float

    @property
    def done(self) -> bool:
        return self.step == self.steps

    def restart(self, keep: int | None = None) -> Start:
        """The next edit's start: these candidates (the best `keep` of them), same anchors."""
        rows = slice(keep)
        labels = None if self.labels is None else self.labels[rows]
        return Start(self.z[rows], self.z0[rows], labels)


@dataclass(frozen=True, eq=False)
class Morph(Event):
    """Frames from a starting latent to a candidate (`mode` "lerp" or "slerp"): their latents
    (frames x dim) and images."""

    mode: str
    z: np.ndarray
    images: np.ndarray


@dataclass(frozen=True)
class ProjectionSettings:
    """How to find z for an image: "opt" runs Adam (`lr`) from `starts` seeded draws of the
    prior for `steps` steps and keeps the best; "encoder" takes the inverting network's guess;
    "hybrid" refines that guess by `steps` of the same optimization (iGAN's best). For a cGAN,
    `label` fixes the class; None searches every class side by side and keeps the best."""

    method: str = "hybrid"
    steps: int = 200
    starts: int = 8
    lr: float = 0.05
    label: int | None = None
    seed: int = 0
    frame_interval: float = FRAME_INTERVAL

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown projection method {self.method!r}; choose one of "
                             f"{', '.join(METHODS)}")
        check_steps(self.steps)
        if not 1 <= self.starts <= MAX_CANDIDATES:
            raise ValueError(f"starts must be 1 to {MAX_CANDIDATES}, got {self.starts}")


@dataclass(frozen=True, eq=False)
class Projection(Event):
    """The best latent for `target` so far, after `step` of `steps` (the encoder alone: 1 of
    1), its image and error (mean square over pixels in [0, 1]; PSNR in dB) and, for a cGAN,
    its label (`label_searched`: found by trying every class)."""

    method: str
    step: int
    steps: int
    z: np.ndarray  # 1 x dim
    label: int | None
    label_searched: bool
    target: np.ndarray  # C x H x W
    reconstruction: np.ndarray
    mse: float
    seconds: float

    @property
    def psnr(self) -> float:
        return 10 * math.log10(1 / max(self.mse, 1e-12))

    @property
    def done(self) -> bool:
        return self.step == self.steps


@dataclass(frozen=True)
class EncoderSettings:
    """The inverting network's training on the generator's own samples: `steps` batches of
    `batch` draws, Adam at `lr`; the loss is the latent error plus the pixel error of
    G(E(G(z))) against G(z). 500 steps: on real digits E's guess is no worse than after 1500
    (16.1 dB against 15.8; it learns G's own samples further, 29.7 -> 31.4 dB, not real
    images) and hybrid refines it to opt's error as fast, for a third of the training."""

    steps: int = 500
    batch: int = 64
    lr: float = 1e-3
    seed: int = 0

    def __post_init__(self) -> None:
        check_steps(self.steps)
        if self.batch < 1 or not self.lr > 0:
            raise ValueError("the encoder needs a batch of 1 or more and a learning rate > 0")


@dataclass(frozen=True)
class EncoderProgress(ProgressEvent):
    """Training the inverting network: `done` of `total` steps, the last steps' mean loss."""

    loss: float = math.nan
    seconds: float = 0.0


@dataclass(frozen=True)
class EncoderReady(Event):
    """The inverting network is at `path`: `trained` now, or loaded as saved there."""

    path: str
    trained: bool
    steps: int
    loss: float = math.nan


@dataclass(frozen=True, eq=False)
class Target(Event):
    """The image a projection looks for, C x H x W in [0, 1] at the generator's size, and how
    it was converted to get there (None: it fit as it was)."""

    image: np.ndarray
    conversion: str | None


@dataclass(frozen=True, eq=False)
class SavedEdit(Event):
    """An edit opened from its folder: the run folder, the candidates' latents, anchors and
    labels (best first), the chosen one, and the strokes as the pad records them (a warp's
    patch as uint8 H x W x 4 under "patch")."""

    run: str
    z: np.ndarray
    z0: np.ndarray
    labels: np.ndarray | None
    chosen: int
    strokes: tuple[dict, ...]
