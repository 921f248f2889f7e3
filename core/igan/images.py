"""Image files and dataset images as the iGAN commands read them: converted to the generator's
size and channels, with a note saying so, and masks read as their white pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..data.folder import MAX_PIXELS, load_image_file
from ..data.pixels import array_pixels
from ..data.sources import ArrayImage, DatasetImage, FileImage, ImageSource, run_dataset
from .generator import Gan

WHITE = 127  # a mask's pixel is white above this grey level


def image_header(path: Path) -> tuple[int, int, str]:
    """(width, height, PIL mode) of an image file; ValueError naming the file otherwise."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            return width, height, image.mode
    except FileNotFoundError:
        raise ValueError(f"no image file at {path}") from None
    except (OSError, Image.UnidentifiedImageError):
        raise ValueError(f"cannot read {path}: not an image file") from None


def conversion(path: Path, gan: Gan) -> str | None:
    """What reading `path` at the generator's size and channels changes, or None."""
    width, height, mode = image_header(path)
    spec = gan.spec
    if (width, height) == (spec.image_size,) * 2 and mode == ("L" if spec.channels == 1
                                                              else "RGB"):
        return None
    return (f"{path.name}: {width}x{height} {mode} converted to {spec.channels}x"
            f"{spec.image_size}x{spec.image_size} ({'grey' if spec.channels == 1 else 'RGB'}, "
            "the generator's size)")


def read_image(path: Path, gan: Gan) -> tuple[np.ndarray, str | None]:
    """The file as C x H x W float32 in [0, 1] at the generator's size, and the conversion."""
    note = conversion(path, gan)
    pixels = load_image_file(path, gan.spec.image_size, gan.spec.channels)
    return pixels.numpy().astype(np.float32) / 255, note


def read_white(path: Path, size: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The file's white pixels as size x size weights in [0, 1] (each the share of white in
    its area), and the file's own (width, height)."""
    width, height, _ = image_header(path)
    if width * height > MAX_PIXELS:
        raise ValueError(f"{path} has {width} x {height} pixels: over the {MAX_PIXELS:,} "
                         "pixel limit")
    with Image.open(path) as image:
        white = np.asarray(image.convert("L")) > WHITE
    if not white.any():
        raise ValueError(f"{path.name} has no white pixel: paint in white where the "
                         "constraint holds")
    small = Image.fromarray(white.astype(np.float32)).resize((size, size), Image.Resampling.BOX)
    return np.asarray(small, np.float32).clip(0, 1), (width, height)


def image_of(gan: Gan, source: ImageSource) -> tuple[np.ndarray, str | None]:
    """An image file, an image of the run's dataset or a drawing as the image to project
    (C x H x W float32 in [0, 1] at the generator's size), and its conversion."""
    if isinstance(source, FileImage):
        return read_image(source.path, gan)
    if isinstance(source, DatasetImage):
        return dataset_image(gan, gan.dataset.name, gan.dataset.data_root, source.index)
    assert isinstance(source, ArrayImage)
    spec, drawn = gan.spec, np.asarray(source.pixels)
    pixels = array_pixels(drawn, spec.image_size, spec.channels).numpy() / np.float32(255)
    channels = 1 if drawn.ndim == 2 else 3
    if drawn.shape[:2] == (spec.image_size,) * 2 and channels == spec.channels:
        return pixels, None
    return pixels, (f"drawing: {drawn.shape[1]}x{drawn.shape[0]}x{channels} converted to "
                    f"{spec.channels}x{spec.image_size}x{spec.image_size} (the generator's size)")


def dataset_image(gan: Gan, name: str, data_root: str | None,
                  index: int) -> tuple[np.ndarray, str | None]:
    """Item `index` of dataset `name` as the run reads it, at the generator's size, C x H x W
    float32 in [0, 1], and the channel conversion, if any."""
    images = run_dataset(gan.dataset, name, data_root).load(gan.spec.image_size)
    if not 0 <= index < len(images):
        raise ValueError(f"index {index} is outside {images.name} (0..{len(images) - 1})")
    pixels = images.images[index].float() / 255
    channels = gan.spec.channels
    if pixels.shape[0] == channels:
        return pixels.numpy(), None
    if channels == 3:
        pixels, how = pixels.expand(3, -1, -1), "grey repeated to RGB"
    else:
        luma = torch.tensor([0.299, 0.587, 0.114])[:, None, None]
        pixels, how = (pixels * luma).sum(0, keepdim=True), "RGB converted to grey"
    return pixels.contiguous().numpy(), f"{name} image {index}: {how} for the generator"
