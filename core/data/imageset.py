"""The in-memory image set every loader returns."""

from __future__ import annotations

from dataclasses import dataclass

import torch


class DatasetUnavailable(Exception):
    """A dataset cannot be loaded; the message says what the user should do."""


class ImageShape:
    """`channels` and `size` of anything holding N x C x H x W `images`."""

    images: torch.Tensor

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def size(self) -> int:
        return int(self.images.shape[-1])


@dataclass(frozen=True)
class ImageSet(ImageShape):
    """Images as uint8 N x C x H x W, labels as int64 N, class names, optional masks.

    A set with an official test set holds its training images first and its test images from
    index `test_from` on; None when the set has no official split.
    """

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    masks: torch.Tensor | None = None  # bool N x H x W, ground-truth object masks
    skipped: tuple[tuple[str, str], ...] = ()  # (path, reason) of files a loader passed over
    test_from: int | None = None  # index of the first official test image

    def __len__(self) -> int:
        return int(self.labels.shape[0])
