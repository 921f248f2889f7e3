"""scikit-learn's bundled 8 x 8 handwritten digits, scaled up: works offline, loads in a blink."""

from __future__ import annotations

import sklearn.datasets
import torch
import torch.nn.functional as F

from .imageset import ImageSet


def load_digits(size: int = 28) -> ImageSet:
    """The 1797 digits as 1 x size x size uint8 images (bilinear), classes "0".."9"."""
    if size < 1:
        raise ValueError(f"image size must be positive, got {size}")
    bunch = sklearn.datasets.load_digits()
    pixels = torch.from_numpy(bunch.images).float().mul_(255.0 / 16.0)[:, None]
    pixels = F.interpolate(
        pixels, size=(size, size), mode="bilinear", align_corners=False, antialias=True
    )
    return ImageSet(
        name="digits",
        images=pixels.round_().clamp_(0, 255).to(torch.uint8),
        labels=torch.from_numpy(bunch.target).long(),
        classes=tuple(str(d) for d in range(10)),
    )
