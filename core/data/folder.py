"""Image-folder trees (one sub-folder per class) and single image files, decoded defensively."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .imageset import DatasetUnavailable, ImageSet

MAX_PIXELS = 64_000_000  # larger decodes are refused as decompression bombs
# PIL checks sizes when it reads a header, before `draft` can shrink a JPEG (up to 1/8 per
# axis): its limit lets such JPEGs open, and `_decode` checks the size it will really decode.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS * 64

_SIXTEEN_BIT_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}  # read as 0..65535
_GRAY_MODES = {"1", "L", "LA", "La", "F"} | _SIXTEEN_BIT_MODES
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}


def load_folder(path: Path, size: int = 64) -> ImageSet:
    """Every readable image under path/<class>/ (any depth), resized to size x size.

    Unreadable files, files outside class folders and class folders without a usable image are
    listed in `skipped`, never fatal; dot-files are ignored. The set has 1 channel when every
    image is grayscale, else 3 (RGB).
    """
    path = Path(path).resolve()
    if size < 1:
        raise ValueError(f"image size must be positive, got {size}")
    if not path.is_dir():
        raise DatasetUnavailable(f"image folder {path} does not exist or is not a folder")
    skipped: list[tuple[str, str]] = []
    images: list[Image.Image] = []
    labels: list[int] = []
    classes: list[str] = []
    for entry in sorted(p for p in path.iterdir() if not p.name.startswith(".")):
        if not entry.is_dir():
            skipped.append((str(entry), "not inside a class folder"))
            continue
        decoded = _decode_class(entry, size, skipped)
        if not decoded:
            skipped.append((str(entry), "no images"))
            continue
        labels += [len(classes)] * len(decoded)
        classes.append(entry.name)
        images += decoded
    if not images:
        raise DatasetUnavailable(
            f"no usable images in {path}: expected one sub-folder of images per class "
            f"({len(skipped)} entries skipped)"
        )
    channels = 1 if all(image.mode == "L" for image in images) else 3
    return ImageSet(
        name=f"folder:{path}",
        images=torch.from_numpy(np.stack([_to_array(image, channels) for image in images])),
        labels=torch.tensor(labels, dtype=torch.int64),
        classes=tuple(classes),
        skipped=tuple(skipped),
    )


def load_image_file(path: Path, size: int, channels: int) -> torch.Tensor:
    """One image file as uint8 channels x size x size; ValueError says why it cannot be used."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    try:
        image = _decode(Path(path), size)
    except ValueError as error:
        raise ValueError(f"cannot use {path}: {error}") from error
    return torch.from_numpy(_to_array(image, channels))


def _decode_class(folder: Path, size: int, skipped: list[tuple[str, str]]) -> list[Image.Image]:
    """Decoded images of one class folder; failures go to skipped."""
    decoded = []
    for file in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in file.relative_to(folder).parts)
        if hidden or not file.is_file():
            continue
        try:
            decoded.append(_decode(file, size))
        except ValueError as error:
            skipped.append((str(file), str(error)))
    return decoded


def _decode(path: Path, size: int) -> Image.Image:
    """An "L" or "RGB" image of size x size; ValueError with the reason otherwise."""
    if path.is_dir():
        raise ValueError("a folder, not an image file")
    if not path.exists():
        raise ValueError("no such file")
    with _open(path) as image:
        image.draft(None, (size, size))  # JPEG: decode at a reduced scale, much faster
        _check_pixels(image.size)
        try:
            image.load()
            return _normalize(image).resize((size, size), Image.Resampling.BILINEAR)
        except Exception as error:  # decoders raise many types on damaged files
            raise ValueError(f"unreadable or corrupt image ({error or type(error).__name__})"
                             ) from error


def _open(path: Path) -> Image.Image:
    """The image with only its header read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValueError(f"refused as a decompression bomb ({error})") from error
    except Image.UnidentifiedImageError:
        raise ValueError("not an image (format not recognized)") from None
    except Exception as error:
        raise ValueError(f"unreadable image ({error or type(error).__name__})") from error


def _check_pixels(size: tuple[int, int]) -> None:
    """Refuse to decode more than MAX_PIXELS, saying how far to scale the image down."""
    width, height = size
    if width * height <= MAX_PIXELS:
        return
    scale = (MAX_PIXELS / (width * height)) ** 0.5
    raise ValueError(
        f"{width} x {height} pixels ({width * height / 1e6:.0f} Mpx) is over the "
        f"{MAX_PIXELS / 1e6:.0f} Mpx limit that guards against decompression bombs: scale it "
        f"down to at most {int(width * scale)} x {int(height * scale)}, or save it as JPEG (read "
        f"at 1/8 scale)"
    )


def _normalize(image: Image.Image) -> Image.Image:
    """Grayscale-like modes to "L", everything else to "RGB"; alpha composited over white."""
    gray = image.mode in _GRAY_MODES
    if image.mode in _SIXTEEN_BIT_MODES:
        pixels = np.asarray(image, dtype=np.float32) / 257.0
        return Image.fromarray(np.clip(pixels.round(), 0, 255).astype(np.uint8))
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("L" if gray else "RGB")


def _to_array(image: Image.Image, channels: int) -> np.ndarray:
    """uint8 channels x H x W."""
    pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"))
    return (pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)).copy()
