"""One entry point for every dataset name: embedded, torchvision sets and image folders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from ..jobs import Message, in_background
from ..jobs.download import Progress
from .digits import load_digits
from .folder import load_folder
from .imageset import DatasetUnavailable, ImageSet
from .names import DATASETS, FOLDER_PREFIX, TORCHVISION_SETS
from .shapes import load_shapes
from .torchvision_sets import fetch_torchvision_set, load_torchvision_set

DEFAULT_SIZES = {"digits": 28, "shapes": 32, "folder": 64}
_RESIZE_CHUNK = 2048  # images resized at once: bounds the float working set


def load_dataset(
    name: str,
    *,
    root: Path | None = None,
    size: int | None = None,
    download: bool = False,
    progress: Progress | None = None,
    seed: int = 0,
) -> ImageSet:
    """The named set: "digits", "shapes", "mnist", "fashion-mnist", "cifar10" or "folder:PATH".

    size overrides the default image size (torchvision sets keep theirs unless given); root is
    the data folder of the torchvision sets; seed only varies the procedural shapes.
    """
    if name.startswith(FOLDER_PREFIX):
        folder = name.removeprefix(FOLDER_PREFIX)
        if not folder:
            raise ValueError(f"{FOLDER_PREFIX} needs a path, e.g. {FOLDER_PREFIX}/data/pets")
        return load_folder(Path(folder), size=_size(size, "folder"))
    if name == "digits":
        return load_digits(_size(size, name))
    if name == "shapes":
        return load_shapes(size=_size(size, name), seed=seed)
    if name in TORCHVISION_SETS:
        if root is None:
            raise DatasetUnavailable(
                f"{name} is read from a data folder: pass --data-root DIR "
                "(and --download to fetch it there)"
            )
        images = load_torchvision_set(name, Path(root), download=download, progress=progress)
        if size is None:
            return images
        return replace(images, images=resize_images(images.images, size))
    raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}, {FOLDER_PREFIX}PATH")


def _size(size: int | None, kind: str) -> int:
    return DEFAULT_SIZES[kind] if size is None else size


def resize_images(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 N x C x H x W to N x C x size x size, bilinear (antialiased), chunk by chunk."""
    if size < 1:
        raise ValueError(f"image size must be positive, got {size}")
    if images.shape[-2:] == (size, size):
        return images
    out = torch.empty((*images.shape[:2], size, size), dtype=torch.uint8)
    for start in range(0, len(images), _RESIZE_CHUNK):
        chunk = images[start : start + _RESIZE_CHUNK].float()
        chunk = F.interpolate(
            chunk, size=(size, size), mode="bilinear", align_corners=False, antialias=True
        )
        out[start : start + _RESIZE_CHUNK] = chunk.round_().clamp_(0, 255).to(torch.uint8)
    return out


def download_job(name: str, root: Path) -> Iterator:
    """Fetch a torchvision set with progress (closing the job cancels), then check it loads."""
    if name not in TORCHVISION_SETS:
        raise ValueError(f"only {', '.join(TORCHVISION_SETS)} can be downloaded")
    yield from in_background(f"downloading {name}",
                             lambda progress: fetch_torchvision_set(name, root, progress))
    ds = load_dataset(name, root=root)
    yield Message(f"{name}: {len(ds)} images ready under {root}")
