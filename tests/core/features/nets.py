"""Small classifiers built in the tests, wrapped as the loader's Classifier (on the CPU)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn

from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.loader import Classifier

SIZE = 8
CLASSES = 5


def classifier(model: nn.Module, channels: int, size: int, classes: int) -> Classifier:
    """`model` in eval mode as a Classifier with mean 0.5 and std 0.25 on every channel."""
    stat = torch.ones(channels, 1, 1)
    return Classifier(model.eval(), tuple(f"class {i}" for i in range(classes)), stat / 2,
                      stat / 4, ModelSpec(type(model).__name__, channels, size, classes), None,
                      torch.device("cpu"))


def tiny(activation: Callable[[], nn.Module] = nn.ReLU, seed: int = 0) -> Classifier:
    """conv-act-pool-conv-act-linear on 3 x 8 x 8 images, 5 classes."""
    torch.manual_seed(seed)
    model = nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(3, 4, 3, padding=1), act1=activation(), pool=nn.MaxPool2d(2),
        conv2=nn.Conv2d(4, 6, 3, padding=1), act2=activation(), flatten=nn.Flatten(),
        fc=nn.Linear(6 * (SIZE // 2) ** 2, CLASSES),
    ))
    for parameter in model.parameters():  # views of order 1, far above the tests' 1e-5
        nn.init.normal_(parameter, std=0.5)
    return classifier(model, 3, SIZE, CLASSES)


def pixels(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """Random uint8 pixels, the same for a seed."""
    return torch.randint(0, 256, shape, dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(seed))
