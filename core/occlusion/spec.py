"""What an occlusion experiment runs on: a model and an image source, and how to occlude
(torch-free). The GUI builds these on its thread; the compute thread loads them
(occlusion.source)."""

from __future__ import annotations

from dataclasses import dataclass

from ..data.sources import ImageSource
from ..runs.sources import ModelSource

OCCLUDERS = ("black", "grey", "mean", "blur", "noise")
GALLERY_KINDS = ("confident mistakes", "confident correct", "least confident", "chosen class")
GALLERY_SIZE = 16


@dataclass(frozen=True)
class OcclusionSettings:
    """Window and stride in pixels (h, w), occluder name, target ('true', 'pred' or 'K')."""

    window: tuple[int, int] = (7, 7)
    stride: tuple[int, int] = (2, 2)
    occluder: str = "grey"
    target: str = "true"
    batch_size: int = 64


@dataclass(frozen=True)
class Setup:
    """One experiment: which model, which image, how to occlude."""

    model: ModelSource
    image: ImageSource
    settings: OcclusionSettings = OcclusionSettings()


def default_window(size: int) -> tuple[int, int]:
    """(window, stride) for a size-pixel image: a quarter of it, in ~12-14 steps (28 -> 7, 2)."""
    return max(1, round(size / 4)), max(1, round(size / 14))
