"""The one way to load a trained classifier: a run folder or checkpoint (best, else the latest
epoch) or a torchvision model, in eval mode on the device `core.device` chooses, with the
normalization it was trained with. Compute thread only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import torch
from torch import nn

from ..data.sources import DatasetRef
from ..device import resolve_device
from ..models.build import build_model
from ..models.spec import TORCHVISION_MODELS, ModelSpec
from .checkpoint import CheckpointError, load_checkpoint, rebuild_model
from .sources import LiveModel, ModelSource, RunModel, UserModel, ZooModel, ZooStatus

ZOO_SIZE = 224
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
NEEDED_META = ("classes", "mean", "std")
Device = str | torch.device | None


@dataclass(frozen=True, eq=False)
class Classifier:
    """A model in eval mode on `device`, its classes and the normalization it was trained with."""

    model: nn.Module
    classes: tuple[str, ...]
    mean: torch.Tensor  # C x 1 x 1 on `device`, pixel units in [0, 1]
    std: torch.Tensor
    spec: ModelSpec
    dataset: DatasetRef | None  # None: no dataset to browse (torchvision models)
    device: torch.device
    meta: Mapping = field(default_factory=dict)  # the checkpoint's (epoch, val_acc, ...)

    @property
    def image_size(self) -> int:
        return self.spec.image_size

    @property
    def channels(self) -> int:
        return self.spec.in_channels

    def normalize(self, pixels: torch.Tensor) -> torch.Tensor:
        """uint8 (N x) C x H x W pixels as the model's normalized input, on its device."""
        return (pixels.to(self.device).float() / 255 - self.mean) / self.std


def as_device(device: Device) -> torch.device:
    """A torch.device as given; a name ("auto", "cpu", "cuda") or None ("auto") as core.device's
    policy resolves it: CUDA when present, else the CPU."""
    return device if isinstance(device, torch.device) else resolve_device(device or "auto")


def load_classifier(source: ModelSource | str | PathLike, device: Device = None) -> Classifier:
    """A run's classifier (a RunModel or its path), a torchvision one (a ZooModel) or the
    user's own (a UserModel or LiveModel), on `device` (see as_device). A ValueError says what
    is wrong otherwise: a run deleted or moved, a checkpoint not saved by a classifier's
    training, corrupt, or a GAN's; a user's model that does not load or run."""
    device = as_device(device)
    if isinstance(source, ZooModel):
        return _zoo_classifier(source, device)
    if isinstance(source, (UserModel, LiveModel)):
        from .user_models import live_classifier, user_classifier

        load = user_classifier if isinstance(source, UserModel) else live_classifier
        return load(source, device)
    run = source.run if isinstance(source, RunModel) else source
    return _run_classifier(Path(run).expanduser(), device)


def stat_tensor(values, device: torch.device) -> torch.Tensor:
    """Per-channel mean or std values as a C x 1 x 1 tensor on `device`."""
    return torch.tensor(values, dtype=torch.float32, device=device)[:, None, None]


def _run_classifier(path: Path, device: torch.device) -> Classifier:
    if not path.exists() and not path.with_name(path.name + ".json").exists():
        raise CheckpointError(f"no run or checkpoint at {path}: it was deleted or moved")
    state, spec, meta = load_checkpoint(path)
    model = rebuild_model(path, state, spec)
    if missing := [key for key in NEEDED_META if key not in meta]:
        raise ValueError(f"{path} is not a classifier run: its checkpoint lacks "
                         f"{', '.join(missing)} (saved by DeepScope's classifier training)")
    config = meta.get("config")
    return Classifier(model.to(device).eval(), tuple(meta["classes"]),
                      stat_tensor(meta["mean"], device), stat_tensor(meta["std"], device), spec,
                      DatasetRef.from_config(config) if config else None, device, meta)


def zoo_classes(name: str) -> tuple[str, ...]:
    """ImageNet class names from torchvision's weights metadata (no download)."""
    from torchvision.models import get_model_weights

    return tuple(get_model_weights(name).DEFAULT.meta["categories"])


def _zoo_classifier(source: ZooModel, device: torch.device) -> Classifier:
    """A torchvision ImageNet classifier; pretrained weights only from the torch cache."""
    if source.name not in TORCHVISION_MODELS:
        raise ValueError(f"unknown torchvision model {source.name!r}; choose one of "
                         f"{', '.join(TORCHVISION_MODELS)}")
    torch.manual_seed(0)  # random weights are the same every time
    spec = ModelSpec(source.name, 3, ZOO_SIZE, 1000, pretrained=source.pretrained)
    return Classifier(build_model(spec).to(device).eval(), zoo_classes(source.name),
                      stat_tensor(IMAGENET_MEAN, device), stat_tensor(IMAGENET_STD, device), spec,
                      None, device)


def zoo_status_job(name: str) -> Iterator[ZooStatus]:
    """Whether `name`'s pretrained weights are in the torch cache, and its class names."""
    from ..models.torchvision_zoo import weights_path

    path = weights_path(name)
    yield ZooStatus(name, path.exists(), str(path), zoo_classes(name))
