"""Generated images to files: uint8 pixels, a PNG strip and an animated GIF (PIL)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

GIF_FRAME_MS = 100


def to_uint8(images01: torch.Tensor) -> np.ndarray:
    """N x C x H x W images in [0, 1] as uint8 numpy (rounded, clipped)."""
    return images01.mul(255).round_().clamp_(0, 255).to(torch.uint8).cpu().numpy()


def _pil(image: np.ndarray) -> Image.Image:
    """One uint8 C x H x W image as a PIL image (grey or RGB)."""
    return Image.fromarray(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0))


def save_strip(images01: torch.Tensor, path: Path) -> Path:
    """The images side by side, left to right, as one PNG."""
    pixels = to_uint8(images01)
    _pil(np.concatenate(list(pixels), axis=-1)).save(path, format="PNG")
    return Path(path)


def save_gif(images01: torch.Tensor, path: Path, frame_ms: int = GIF_FRAME_MS) -> Path:
    """The images as the frames of an endlessly looping animated GIF."""
    frames = [_pil(image) for image in to_uint8(images01)]
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:],
                   duration=frame_ms, loop=0)
    return Path(path)
