"""Frozen events of the occlusion jobs: numpy copies only (torch-free, safe for the GUI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..jobs.events import Event
from .spec import GALLERY_KINDS, GALLERY_SIZE

TopK = tuple[tuple[int, float], ...]  # (class, probability), most probable first


@dataclass(frozen=True)
class ImageInfo(Event):
    """The image as the model sees it before any occlusion, and its prediction."""

    image: np.ndarray  # uint8 C x H x W
    label: int | None
    classes: tuple[str, ...]
    target: int
    top5: TopK


@dataclass(frozen=True)
class Probe(Event):
    """One window position: where it is, the occluded image and the model's top-5 there."""

    row: int
    col: int
    box: tuple[int, int, int, int]  # top, left, height, width (clipped at the border)
    image: np.ndarray  # uint8 C x H x W, occluded
    top5: TopK


@dataclass(frozen=True)
class SplitPredictions(Event):
    """The model's prediction for every image of one split of its dataset."""

    split: str
    indices: np.ndarray  # int64 dataset indices, ascending
    labels: np.ndarray  # int64
    predicted: np.ndarray  # int64
    confidence: np.ndarray  # float32, probability of the predicted class

    def mask(self, klass: int | None = None, show: str = "all") -> np.ndarray:
        """Which images have true class `klass` (any if None) and `show`: all/correct/wrong."""
        keep = np.ones(len(self.indices), bool) if klass is None else self.labels == klass
        if show == "correct":
            keep &= self.predicted == self.labels
        elif show == "wrong":
            keep &= self.predicted != self.labels
        elif show != "all":
            raise ValueError(f"show must be all, correct or wrong, got {show!r}")
        return keep

    def matching(self, klass: int | None = None, show: str = "all") -> np.ndarray:
        """Dataset indices of the images `mask` keeps, ascending."""
        return self.indices[self.mask(klass, show)]

    def select(self, kind: str, klass: int | None = None, n: int = GALLERY_SIZE) -> np.ndarray:
        """Up to n dataset indices for a gallery (see GALLERY_KINDS), of class `klass` if given.

        Mistakes and correct ones come most confident first, "least confident" least first,
        "chosen class" most confident first.
        """
        if kind not in GALLERY_KINDS:
            raise ValueError(f"unknown gallery {kind!r}; choose one of {', '.join(GALLERY_KINDS)}")
        if kind == "chosen class" and klass is None:
            raise ValueError("choose a class in the Class filter for a gallery of one class")
        show = {"confident mistakes": "wrong", "confident correct": "correct"}.get(kind, "all")
        keep = np.flatnonzero(self.mask(klass, show))
        order = np.argsort(self.confidence[keep], kind="stable")
        if kind != "least confident":
            order = order[::-1]
        return self.indices[keep[order[:n]]]


@dataclass(frozen=True)
class GalleryItem(Event):
    """One finished image of a gallery run: its prediction and complete occlusion maps."""

    position: int  # 0-based place in the gallery
    total: int
    index: int  # dataset index
    info: ImageInfo
    maps: Any  # deepscope.core.occlusion.maps.OcclusionMaps (numpy only)
    thumbnail: np.ndarray  # uint8 3 x H x W: the image in grey, drops red, gains blue

