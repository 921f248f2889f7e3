"""Model names and the frozen spec that rebuilds a model (torch-free: safe for the GUI)."""

from __future__ import annotations

from dataclasses import dataclass

SMALL_MODELS = ("mlp", "lenet", "mini-alexnet", "mini-vgg", "mini-resnet", "mini-inception")
TORCHVISION_MODELS = ("resnet18", "alexnet", "vgg11", "googlenet")
MODELS = SMALL_MODELS + TORCHVISION_MODELS
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "maxout")


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a classifier: stored beside every checkpoint."""

    name: str
    in_channels: int
    image_size: int
    num_classes: int
    activation: str = "relu"
    dropout: float = 0.0
    pretrained: bool = False
