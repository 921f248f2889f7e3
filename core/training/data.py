"""A dataset split held on the device, served as normalized batches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch

from core.data.imageset import ImageShape
from core.data.load import load_dataset
from core.data.split import channel_stats, split_indices
from core.training.config import TrainConfig


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


def prepare_data(config: TrainConfig, device: torch.device) -> DeviceData:
    """Load, split (seeded) and move to the device; statistics come from the training split."""
    root = Path(config.data_root) if config.data_root else None
    ds = load_dataset(config.dataset, root=root, size=config.image_size, seed=config.seed)
    train_f = 1.0 - config.val_fraction - config.test_fraction
    train, val, test = split_indices(
        len(ds), (train_f, config.val_fraction, config.test_fraction), config.seed
    )
    mean, std = channel_stats(ds.images[train])
    return DeviceData(
        images=ds.images.to(device),
        labels=ds.labels.to(device),
        train=train.to(device),
        val=val.to(device),
        test=test.to(device),
        mean=mean,
        std=std,
        classes=ds.classes,
    )
