"""A dataset split held on the device, served as normalized batches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch

from ..data.imageset import ImageShape


@dataclass(frozen=True)
class DeviceData(ImageShape):
    """uint8 images and labels on the device, split indices, training-split statistics."""

    images: torch.Tensor
    labels: torch.Tensor
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    mean: tuple[float, ...]
    std: tuple[float, ...]
    classes: tuple[str, ...]

    @cached_property
    def affine(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(scale, shift) taking uint8 pixels to normalized values: (x / 255 - mean) / std."""
        mean = torch.tensor(self.mean, device=self.images.device)[None, :, None, None]
        std = torch.tensor(self.std, device=self.images.device)[None, :, None, None]
        return 1 / (255 * std), -mean / std

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalized float images and labels for the given indices."""
        scale, shift = self.affine
        return torch.addcmul(shift, self.images[idx].float(), scale), self.labels[idx]
