"""Stored classifier and GAN checkpoints for the loader, cache and device tests."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from deepscope.core.models.build import build_model
from deepscope.core.models.gan import Generator
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.checkpoint import checkpoint_path, save_checkpoint

LENET = ModelSpec("lenet", 1, 28, 10)
META = {"classes": [str(k) for k in range(10)], "mean": [0.3], "std": [0.4],
        "config": {"dataset": "digits", "seed": 3}, "val_acc": 0.5}


def save_classifier(folder: Path, name: str | int = "best", seed: int = 0,
                    meta: dict = META) -> nn.Module:
    """An untrained LeNet saved as checkpoint `name` of a run folder, returned in eval mode."""
    torch.manual_seed(seed)
    model = build_model(LENET)
    save_checkpoint(checkpoint_path(folder, name), model, LENET, meta)
    return model.eval()


def save_generator(folder: Path, epoch: int = 1) -> Path:
    """An untrained small DCGAN generator as epoch checkpoint `epoch` of a GAN run folder."""
    spec = GanSpec("dcgan", 8, 1, 16, width=4)
    torch.manual_seed(epoch)
    return save_checkpoint(checkpoint_path(folder, epoch),
                           nn.ModuleDict({"generator": Generator(spec)}), spec, {"epoch": epoch})
