"""Seeded train/validation/test splits and per-channel statistics."""

from __future__ import annotations

import math

import torch

from .imageset import ImageSet

_CHUNK_ELEMENTS = 1 << 22  # float working set of channel_stats: 32 MiB in float64
_MIN_STD = 1e-3


def split_indices(
    n: int, fractions: tuple[float, float, float], seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Disjoint sorted int64 index sets (train, val, test) covering range(n), seeded.

    Train gets at least one index whenever n > 0.
    """
    _check_fractions(fractions)
    if n < 0:
        raise ValueError(f"number of examples must be >= 0, got {n}")
    f_train, f_val, _ = fractions
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    end_train = max(round(n * f_train), min(n, 1))
    end_val = max(round(n * (f_train + f_val)), end_train)
    train, val, test = perm[:end_train], perm[end_train:end_val], perm[end_val:]
    return train.sort().values, val.sort().values, test.sort().values


def run_split(
    images: ImageSet, val_fraction: float, test_fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train, val, test) indices of a training run on `images`: the one split that training
    and every view of a run's splits draw.

    A set with an official test set tests on exactly its official test images; train and
    validation (`val_fraction` of them) are carved, seeded, from its official training images
    only, and `test_fraction` is not used. Any other set is split three ways by
    (1 - val - test, val, test), as split_indices draws it.
    """
    n, test_from = len(images), images.test_from
    if test_from is None:
        return split_indices(n, (1.0 - val_fraction - test_fraction, val_fraction,
                                 test_fraction), seed)
    if not 0 < test_from <= n:
        raise ValueError(f"{images.name} has no official training images before its test set "
                         f"(test_from {test_from} of {n} images)")
    train, val, _ = split_indices(test_from, (1.0 - val_fraction, val_fraction, 0.0), seed)
    return train, val, torch.arange(test_from, n)


def _check_fractions(fractions: tuple[float, float, float]) -> None:
    if len(fractions) != 3:
        raise ValueError(f"need three split fractions (train, val, test), got {fractions}")
    if not all(math.isfinite(f) and f >= 0 for f in fractions):
        raise ValueError(f"split fractions must be finite and >= 0, got {fractions}")
    if fractions[0] <= 0:
        raise ValueError(f"the training fraction must be > 0, got {fractions[0]}")
    if abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"split fractions must sum to 1, got {fractions} (sum {sum(fractions)})")


def channel_stats(images_uint8: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and (population) std in [0, 1] units, std floored at 1e-3.

    Works through the uint8 N x C x H x W images in chunks: no float copy of the whole set.
    """
    if images_uint8.dtype != torch.uint8 or images_uint8.dim() != 4 or len(images_uint8) == 0:
        raise ValueError(
            "channel_stats needs a non-empty uint8 N x C x H x W tensor, got "
            f"{images_uint8.dtype} {tuple(images_uint8.shape)}"
        )
    n, c, h, w = images_uint8.shape
    total = torch.zeros(c, dtype=torch.float64, device=images_uint8.device)
    squares = torch.zeros_like(total)
    for chunk in images_uint8.split(max(1, _CHUNK_ELEMENTS // (c * h * w))):
        x = chunk.to(torch.float64)
        total += x.sum(dim=(0, 2, 3))
        squares += x.square().sum(dim=(0, 2, 3))
    count = n * h * w
    mean = total / count
    var = (squares / count - mean.square()).clamp_(min=0)
    std = (var.sqrt() / 255.0).clamp_(min=_MIN_STD)
    return tuple((mean / 255.0).tolist()), tuple(std.tolist())
