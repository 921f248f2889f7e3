"""A classifier run's data: its dataset split (seeded) and moved to the device."""

from __future__ import annotations

from pathlib import Path

import torch

from ..data.load import load_dataset
from ..data.split import channel_stats, run_split
from ..training.data import DeviceData
from .config import TrainConfig


def prepare_data(config: TrainConfig, device: torch.device) -> DeviceData:
    """Load, split (seeded; an official test set is the test split) and move to the device;
    statistics come from the training split."""
    root = Path(config.data_root) if config.data_root else None
    ds = load_dataset(config.dataset, root=root, size=config.image_size, seed=config.seed)
    train, val, test = run_split(ds, config.val_fraction, config.test_fraction, config.seed)
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
