"""Images handed over from Python (`deepscope.explore`) as a dataset to browse and scan: any
N x C x H x W (or N x H x W) array, resized and converted to the model's input when loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .sources import DatasetRef

if TYPE_CHECKING:
    from .imageset import ImageSet

GREY = (0.299, 0.587, 0.114)  # ITU-R 601 luma, as PIL's "L"


@dataclass(frozen=True, eq=False, kw_only=True)
class ArraySet(DatasetRef):
    """uint8 N x C x H x W images with int64 labels and class names; `channels` is what the
    model takes (grey images are repeated to RGB, RGB ones turned grey)."""

    images: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    classes: tuple[str, ...]
    channels: int

    def load(self, size: int) -> ImageSet:
        import torch

        from .imageset import ImageSet
        from .load import resize_images

        images = torch.from_numpy(self.images)
        if images.shape[1] != self.channels:
            images = (images.repeat(1, 3, 1, 1) if self.channels == 3 else
                      torch.einsum("nchw,c->nhw", images.float(), torch.tensor(GREY))[:, None]
                      .round().to(torch.uint8))
        return ImageSet(self.name, resize_images(images, size),
                        torch.from_numpy(self.labels), self.classes)


def array_set(images: Any, labels: Any, classes: Any, channels: int) -> ArraySet:
    """An ArraySet from arrays or CPU tensors: images N x H x W or N x C x H x W (C 1 or 3),
    uint8 or floats in [0, 1]; labels N whole numbers (None: all 0); class names (None: the
    labels' numbers). ValueError says what does not fit."""
    pixels = np.asarray(images)
    if pixels.ndim == 3:
        pixels = pixels[:, None]
    if pixels.ndim != 4 or pixels.shape[1] not in (1, 3) or not len(pixels):
        raise ValueError(f"images must be N x H x W or N x C x H x W with 1 or 3 channels, got "
                         f"shape {pixels.shape}")
    if pixels.dtype != np.uint8:
        pixels = (pixels.astype(np.float32).clip(0, 1) * 255).round().astype(np.uint8)
    labels = np.zeros(len(pixels), np.int64) if labels is None else np.asarray(labels, np.int64)
    if labels.shape != (len(pixels),):
        raise ValueError(f"{len(pixels)} images but labels of shape {labels.shape}")
    count = int(labels.max()) + 1 if len(labels) else 1
    names = tuple(map(str, classes)) if classes is not None else tuple(map(str, range(count)))
    if labels.min() < 0 or count > len(names):
        raise ValueError(f"labels must be 0..{len(names) - 1} (one per class name)")
    return ArraySet("your images", images=np.ascontiguousarray(pixels), labels=labels,
                    classes=names, channels=channels)
