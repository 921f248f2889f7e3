"""What an occlusion experiment runs on: model and image sources, settings (torch-free).

The GUI builds these on its thread; the compute thread loads them (occlusion.source).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

OCCLUDERS = ("black", "grey", "mean", "blur", "noise")
SPLITS = ("test", "validation", "train", "all")
GALLERY_KINDS = ("confident mistakes", "confident correct", "least confident", "chosen class")
GALLERY_SIZE = 16


@dataclass(frozen=True)
class RunModel:
    """A trained run's folder: its best checkpoint, else the latest."""

    run: Path


@dataclass(frozen=True)
class ZooModel:
    """A torchvision ImageNet classifier (224 px RGB); random weights unless `pretrained`."""

    name: str
    pretrained: bool = True


ModelSource = RunModel | ZooModel


@dataclass(frozen=True)
class DatasetImage:
    """Item `index` of the dataset the run was trained on."""

    index: int


@dataclass(frozen=True)
class FileImage:
    """An image file of any size and format, converted to the model's input."""

    path: Path


@dataclass(frozen=True, eq=False)
class ArrayImage:
    """uint8 pixels (H x W grey or H x W x 3 RGB) of any size, e.g. a drawing."""

    pixels: np.ndarray = field(repr=False)


ImageSource = DatasetImage | FileImage | ArrayImage


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
