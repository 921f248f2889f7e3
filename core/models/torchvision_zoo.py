"""Torchvision ImageNet classifiers adapted to small grey or colour images, with offline weights.

Pretrained weights come from the torch hub cache (`torch.hub.get_dir()/checkpoints`), are
downloaded there only on request, and are loaded with `weights_only=True`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import models

from ..jobs import Message, in_background
from ..jobs.download import Progress, stream
from .spec import ModelSpec

_TIMEOUT_S = 30


class WeightsUnavailable(Exception):
    """Pretrained weights are neither in the torch hub cache nor downloadable."""


@dataclass(frozen=True)
class _Entry:
    architecture: Callable[[bool], nn.Module]  # pretrained -> model with 1000 classes
    weights: models.WeightsEnum
    final_layer: str  # dotted path of the last linear layer
    min_size: int  # smaller inputs are upsampled to this


def _googlenet(pretrained: bool) -> nn.Module:
    # Torchvision's GoogLeNet weights expect its input transform, as torchvision itself sets.
    return models.googlenet(
        aux_logits=False, init_weights=not pretrained, transform_input=pretrained
    )


_ZOO: dict[str, _Entry] = {
    "resnet18": _Entry(
        lambda _: models.resnet18(), models.ResNet18_Weights.IMAGENET1K_V1, "fc", 32
    ),
    "alexnet": _Entry(
        lambda _: models.alexnet(), models.AlexNet_Weights.IMAGENET1K_V1, "classifier.6", 64
    ),
    "vgg11": _Entry(
        lambda _: models.vgg11(), models.VGG11_Weights.IMAGENET1K_V1, "classifier.6", 32
    ),
    "googlenet": _Entry(_googlenet, models.GoogLeNet_Weights.IMAGENET1K_V1, "fc", 32),
}


class InputAdapter(nn.Module):
    """Repeats grey images to three channels and upsamples images smaller than `min_size`."""

    def __init__(self, min_size: int) -> None:
        super().__init__()
        self.min_size = min_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        short = min(x.shape[-2:])
        if short >= self.min_size:
            return x
        size = [max(self.min_size, round(d * self.min_size / short)) for d in x.shape[-2:]]
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)

    def extra_repr(self) -> str:
        return f"min_size={self.min_size}"


def weights_path(name: str) -> Path:
    """Where the pretrained weights of torchvision model `name` live in the torch hub cache."""
    file_name = PurePosixPath(urlparse(_ZOO[name].weights.url).path).name
    return Path(torch.hub.get_dir()) / "checkpoints" / file_name


def _download(url: str, path: Path, progress: Progress | None) -> None:
    try:
        stream(url, path, progress, timeout=_TIMEOUT_S)
    except OSError as err:
        raise WeightsUnavailable(
            f"Could not download {url} ({err}): this machine looks offline. "
            f"Copy the file to {path} instead."
        ) from err


def download_weights(name: str, progress: Progress | None = None) -> Path:
    """Fetch the pretrained weights of a torchvision model into the torch hub cache."""
    path = weights_path(name)
    if not path.exists():
        _download(_ZOO[name].weights.url, path, progress)
    return path


def _pretrained_state(name: str, download: bool, progress: Progress | None) -> dict:
    path = weights_path(name)
    if not path.exists():
        if not download:
            raise WeightsUnavailable(
                f"Pretrained {name} weights not found at {path}. Download them (needs internet) "
                "or copy the file there."
            )
        _download(_ZOO[name].weights.url, path, progress)
    state = torch.load(path, weights_only=True, map_location="cpu")
    # GoogLeNet files carry auxiliary classifiers that the model is built without.
    return {k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2."))}


def _replace_final_layer(model: nn.Module, dotted: str, num_classes: int) -> None:
    parent_name, _, child = dotted.rpartition(".")
    parent = model.get_submodule(parent_name)
    old = getattr(parent, child)
    setattr(parent, child, nn.Linear(old.in_features, num_classes))


def torchvision_classifier(
    spec: ModelSpec, *, download: bool = False, progress: Progress | None = None
) -> nn.Module:
    """Torchvision model `spec.name` behind an input adapter, with `spec.num_classes` outputs.

    Activation and dropout of the spec do not apply: these models keep their own.
    """
    entry = _ZOO[spec.name]
    state = _pretrained_state(spec.name, download, progress) if spec.pretrained else None
    net = entry.architecture(spec.pretrained)
    if state is not None:
        net.load_state_dict(state)
    if spec.num_classes != 1000:
        _replace_final_layer(net, entry.final_layer, spec.num_classes)
    return nn.Sequential(OrderedDict(adapter=InputAdapter(entry.min_size), net=net))


def download_weights_job(name: str) -> Iterator:
    """Download pretrained weights with progress (closing the job cancels)."""
    path = yield from in_background(
        f"downloading {name} weights", lambda progress: download_weights(name, progress)
    )
    yield Message(f"{name} weights ready at {path}")
