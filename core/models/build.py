"""Build any classifier of the zoo from its `ModelSpec`, with clear errors for bad specs."""

from __future__ import annotations

from typing import Any

from torch import nn

from .classifiers import small_classifier
from .spec import ACTIVATIONS, MODELS, SMALL_MODELS, ModelSpec

MIN_IMAGE_SIZE = 8
MAX_IMAGE_SIZE = 512


def validate_spec(spec: ModelSpec) -> None:
    """Raise ValueError naming the first field of `spec` that no model can honour."""
    if spec.name not in MODELS:
        raise ValueError(f"unknown model {spec.name!r}; choose one of: {', '.join(MODELS)}")
    if spec.activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {spec.activation!r}; choose one of: {', '.join(ACTIVATIONS)}"
        )
    if spec.in_channels not in (1, 3):
        raise ValueError(f"in_channels must be 1 (grey) or 3 (colour), got {spec.in_channels}")
    if not MIN_IMAGE_SIZE <= spec.image_size <= MAX_IMAGE_SIZE:
        raise ValueError(
            f"image_size must be {MIN_IMAGE_SIZE}..{MAX_IMAGE_SIZE} px, got {spec.image_size}"
        )
    if spec.num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {spec.num_classes}")
    if not 0.0 <= spec.dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {spec.dropout}")
    if spec.pretrained and spec.name in SMALL_MODELS:
        raise ValueError(f"{spec.name} has no pretrained weights; only torchvision models do")


def build_model(spec: ModelSpec, **kwargs: Any) -> nn.Module:
    """The classifier `spec` describes; kwargs (download, progress) go to torchvision models."""
    validate_spec(spec)
    if spec.name in SMALL_MODELS:
        return small_classifier(spec)
    from .torchvision_zoo import (
        torchvision_classifier,  # torchvision: ~2 s to import
    )

    return torchvision_classifier(spec, **kwargs)


def count_parameters(model: nn.Module) -> int:
    """Number of parameters (trainable or not) in `model`."""
    return sum(p.numel() for p in model.parameters())
