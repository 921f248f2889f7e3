"""Drawn or computed pixel arrays converted to a model's input (the array twin of
data.folder.load_image_file)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

MAX_ARRAY_PIXELS = 16_000_000


def array_pixels(pixels: np.ndarray, size: int, channels: int) -> torch.Tensor:
    """uint8 H x W or H x W x 3|4 pixels as uint8 channels x size x size (bilinear)."""
    array = np.asarray(pixels)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"an image array must be H x W or H x W x 3|4, got {array.shape}")
    if not 0 < array.shape[0] * array.shape[1] <= MAX_ARRAY_PIXELS:
        raise ValueError(f"an image array must have 1..{MAX_ARRAY_PIXELS} pixels, "
                         f"got {array.shape[1]} x {array.shape[0]}")
    image = Image.fromarray(np.ascontiguousarray(array.clip(0, 255).astype(np.uint8)))
    image = image.convert("L" if channels == 1 else "RGB")
    out = np.asarray(image.resize((size, size), Image.Resampling.BILINEAR))
    return torch.from_numpy((out[None] if channels == 1 else out.transpose(2, 0, 1)).copy())
