"""Frozen events and settings of the embedding jobs: numpy copies only (torch-free, safe for
the GUI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..jobs.events import Event

METHODS = ("tsne", "pca", "umap")


@dataclass(frozen=True)
class Features(Event):
    """A layer's activations for a set of images, one flattened row per image: `values` is
    N x D float32; `labels` (true classes) and `indices` (the images' dataset indices, as
    `deepscope occlusion --index` reads them) are int64, in the rows' order; `predicted`, when
    asked for, the classes the whole model predicts (None for a similarity run: no classes)."""

    layer: str
    values: np.ndarray
    labels: np.ndarray
    indices: np.ndarray
    predicted: np.ndarray | None = None


@dataclass(frozen=True)
class TsneSettings:
    """openTSNE's knobs, its defaults: `early_iterations` of the `iterations` run with the
    affinities exaggerated; learning rate "auto" is N / exaggeration (N/12 early, then N);
    a frame every `frame_every` iterations."""

    perplexity: float = 30.0
    exaggeration: float = 12.0
    early_iterations: int = 250
    iterations: int = 750
    learning_rate: float | str = "auto"
    seed: int = 0
    initialization: str = "pca"  # or "random", "spectral"
    frame_every: int = 10

    def check(self, n: int) -> None:
        """Refuse settings openTSNE cannot honour for `n` points: it finds 3 x perplexity
        neighbours of each point, so the perplexity must stay below (n - 1) / 3 (it would
        otherwise lower it silently)."""
        if not 0 < self.perplexity < (n - 1) / 3:
            raise ValueError(f"perplexity {self.perplexity:g} does not fit {n} points: t-SNE "
                             f"needs 0 < perplexity < (N - 1) / 3 = {(n - 1) / 3:.4g}")
        if not 0 <= self.early_iterations <= self.iterations or self.frame_every < 1:
            raise ValueError("t-SNE needs 0 <= early iterations <= iterations and frames "
                             "every 1 or more iterations")


@dataclass(frozen=True)
class ProjectionFrame(Event):
    """A projection so far: N x 2 float32 `coords` (a copy) after `iteration` of `iterations`
    (PCA and UMAP: one frame, 1 of 1); t-SNE's KL divergence, PCA's explained variance ratio
    per axis; `seconds` of projection so far (frames' copies included)."""

    ends_step: ClassVar[bool] = True  # a frame is a step: Step while paused shows the next

    method: str
    iteration: int
    iterations: int
    coords: np.ndarray
    seconds: float
    kl: float | None = None
    explained: tuple[float, float] | None = None

    @property
    def done(self) -> bool:
        return self.iteration == self.iterations


@dataclass(frozen=True)
class Quality(Event):
    """How well a map keeps the features' neighbourhoods: trustworthiness with k neighbours,
    on `points` of the points (a seeded sample when there are many), and the leave-one-out
    k-nearest-neighbour accuracy of the labels in feature space (L2), over `knn_points` query
    points (all N, or a seeded sample) against all N. Fewer neighbours are used where the
    points are few: at most (points - 1) // 2 for trustworthiness (its limit) and N - 1 for
    the accuracy."""

    trustworthiness: float
    knn_accuracy: float
    k: int
    points: int
    knn_points: int


@dataclass(frozen=True)
class Neighbours(Event):
    """The `k` nearest rows to `row` by L2 in feature space (not in the map), nearest first,
    the row itself left out; `distances` float32."""

    row: int
    rows: np.ndarray  # int64
    distances: np.ndarray


@dataclass(frozen=True)
class Setup(Event):
    """What the panel offers for a model: its layers (module names, in order), the layer
    embedded by default, its class names, the number of images in each split of its dataset,
    and whether it is a similarity run (no predictions to colour by)."""

    layers: tuple[str, ...]
    default: str
    classes: tuple[str, ...]
    splits: dict[str, int]
    similarity: bool


@dataclass(frozen=True)
class Pictures(Event):
    """The embedded images, uint8 N x C x H x W in the rows' order (hover, neighbours,
    galleries and thumbnails show them)."""

    images: np.ndarray


@dataclass(frozen=True)
class ForMap(Event):
    """An event of one of the maps shown side by side: `slot` 0 is the first."""

    slot: int
    event: Event

    @property
    def ends_step(self) -> bool:
        return bool(getattr(self.event, "ends_step", False))
