"""Load an occlusion experiment's sources: a run or a torchvision model, and a dataset item,
an image file or a drawn array, converted to the model's input. Compute thread only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from ..data.folder import load_image_file
from ..data.imageset import ImageSet
from ..data.load import load_dataset
from ..data.split import split_indices
from ..models.build import build_model
from ..models.spec import TORCHVISION_MODELS, ModelSpec
from ..runs.checkpoint import load_checkpoint, load_model
from .events import ZooStatus
from .experiment import Experiment
from .spec import (
    SPLITS,
    ArrayImage,
    DatasetImage,
    FileImage,
    ImageSource,
    ModelSource,
    RunModel,
    ZooModel,
)

ZOO_SIZE = 224
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
MAX_ARRAY_PIXELS = 16_000_000


@dataclass(frozen=True)
class DatasetRef:
    """The dataset and seeded split a run was trained on (from its stored config)."""

    name: str
    data_root: str | None = None
    seed: int = 0
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)

    @classmethod
    def from_config(cls, config: Mapping) -> DatasetRef:
        """From a TrainConfig dict (a run's `config`)."""
        val = float(config.get("val_fraction", 0.15))
        test = float(config.get("test_fraction", 0.15))
        return cls(config.get("dataset", "digits"), config.get("data_root"),
                   int(config.get("seed", 0)), (1.0 - val - test, val, test))

    def load(self, size: int) -> ImageSet:
        root = Path(self.data_root) if self.data_root else None
        return load_dataset(self.name, root=root, size=size, seed=self.seed)

    def split(self, n: int, split: str) -> np.ndarray:
        """Dataset indices of `split` (see SPLITS), ascending, as training drew them."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        if split == "all":
            return np.arange(n)
        train, val, test = split_indices(n, self.fractions, self.seed)
        return {"train": train, "validation": val, "test": test}[split].numpy()


@dataclass(frozen=True)
class Classifier:
    """A model in eval mode, its classes and the normalization it was trained with."""

    model: nn.Module
    classes: tuple[str, ...]
    mean: torch.Tensor  # C x 1 x 1, pixel units in [0, 1]
    std: torch.Tensor
    image_size: int
    channels: int
    dataset: DatasetRef | None  # None: no dataset to browse (torchvision models)

    def normalize(self, pixels: torch.Tensor) -> torch.Tensor:
        """uint8 (N x) C x H x W pixels as the model's normalized input."""
        return (pixels.float() / 255 - self.mean) / self.std

    def experiment(self, pixels: torch.Tensor, label: int | None) -> Experiment:
        """An experiment on uint8 C x H x W pixels of the model's size."""
        return Experiment(self.model, pixels.float() / 255, label, self.classes, self.mean,
                          self.std)


def _stat(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)[:, None, None]


def run_classifier(run: Path) -> Classifier:
    """A trained run's model (best checkpoint, else the latest) with its training statistics."""
    run = Path(run)
    if not run.exists() and not run.with_name(run.name + ".json").exists():
        raise ValueError(f"no run or checkpoint at {run}: it was deleted or moved")
    _, spec, meta = load_checkpoint(run)
    if missing := sorted({"classes", "mean", "std"} - meta.keys()):
        raise ValueError(f"{run} was not saved by a training run: it lacks {', '.join(missing)}")
    config = meta.get("config")
    return Classifier(load_model(run), tuple(meta["classes"]), _stat(meta["mean"]),
                      _stat(meta["std"]), spec.image_size, spec.in_channels,
                      DatasetRef.from_config(config) if config else None)


def zoo_classes(name: str) -> tuple[str, ...]:
    """ImageNet class names from torchvision's weights metadata (no download)."""
    from torchvision.models import get_model_weights

    return tuple(get_model_weights(name).DEFAULT.meta["categories"])


def zoo_classifier(name: str, pretrained: bool) -> Classifier:
    """A torchvision ImageNet classifier; pretrained weights only from the torch cache."""
    if name not in TORCHVISION_MODELS:
        raise ValueError(f"unknown torchvision model {name!r}; choose one of "
                         f"{', '.join(TORCHVISION_MODELS)}")
    torch.manual_seed(0)  # random weights are the same every time
    model = build_model(ModelSpec(name, 3, ZOO_SIZE, 1000, pretrained=pretrained)).eval()
    return Classifier(model, zoo_classes(name), _stat(IMAGENET_MEAN), _stat(IMAGENET_STD),
                      ZOO_SIZE, 3, None)


def zoo_status_job(name: str) -> Iterator[ZooStatus]:
    """Whether `name`'s pretrained weights are in the torch cache, and its class names."""
    from ..models.torchvision_zoo import weights_path

    path = weights_path(name)
    yield ZooStatus(name, path.exists(), str(path), zoo_classes(name))


def load_classifier(source: ModelSource) -> Classifier:
    if isinstance(source, RunModel):
        return run_classifier(source.run)
    return zoo_classifier(source.name, source.pretrained)


def array_pixels(pixels: np.ndarray, size: int, channels: int) -> torch.Tensor:
    """uint8 H x W or H x W x 3|4 pixels as uint8 channels x size x size (bilinear)."""
    array = np.asarray(pixels)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"an image array must be H x W or H x W x 3|4, got {array.shape}")
    if not 0 < array.shape[0] * array.shape[1] <= MAX_ARRAY_PIXELS:
        raise ValueError(f"an image array must have 1..{MAX_ARRAY_PIXELS} pixels, "
                         f"got {array.shape[1]} x {array.shape[0]}")
    image = Image.fromarray(np.ascontiguousarray(array.clip(0, 255).astype(np.uint8)))
    image = image.convert("L" if channels == 1 else "RGB")
    out = np.asarray(image.resize((size, size), Image.Resampling.BILINEAR))
    return torch.from_numpy((out[None] if channels == 1 else out.transpose(2, 0, 1)).copy())


def _stamp(source: ModelSource) -> object:
    """Changes whenever a run's checkpoints do (they are renamed into its folder)."""
    if isinstance(source, ZooModel):
        return None
    try:
        return Path(source.run).stat().st_mtime_ns
    except OSError:
        return object()  # gone: never equal, so loading says why


class SourceCache:
    """The last classifier and dataset loaded, reused between jobs (compute thread only)."""

    def __init__(self) -> None:
        self._model: tuple[tuple, Classifier] | None = None
        self._data: tuple[tuple, ImageSet] | None = None

    def classifier(self, source: ModelSource) -> Classifier:
        """The source's classifier, reloaded when its run folder changed (retrained, deleted)."""
        key = (source, _stamp(source))
        if self._model is None or self._model[0] != key:
            self._model = None
            self._model = (key, load_classifier(source))
        return self._model[1]

    def dataset(self, clf: Classifier) -> ImageSet:
        """The classifier's dataset at its input size, checked against its channels."""
        ref = clf.dataset
        if ref is None:
            raise ValueError("this model has no dataset to browse: open an image file instead")
        key = (ref, clf.image_size)
        if self._data is None or self._data[0] != key:
            self._data = None
            self._data = (key, ref.load(clf.image_size))
        images = self._data[1]
        if images.channels != clf.channels:
            raise ValueError(f"{ref.name} has {images.channels} channels; the model expects "
                             f"{clf.channels}")
        return images

    def pixels(self, clf: Classifier, source: ImageSource) -> tuple[torch.Tensor, int | None]:
        """uint8 C x H x W pixels at the model's size, and the true class when known."""
        if isinstance(source, FileImage):
            return load_image_file(source.path, clf.image_size, clf.channels), None
        if isinstance(source, ArrayImage):
            return array_pixels(source.pixels, clf.image_size, clf.channels), None
        assert isinstance(source, DatasetImage)
        images = self.dataset(clf)
        if not 0 <= source.index < len(images):
            raise ValueError(f"index {source.index} is outside {images.name} "
                             f"(0..{len(images) - 1})")
        return images.images[source.index], int(images.labels[source.index])

    def experiment(self, model: ModelSource, image: ImageSource) -> Experiment:
        clf = self.classifier(model)
        return clf.experiment(*self.pixels(clf, image))
