"""What a probing job on one image needs: the classifier (from the model cache), the dataset
it was trained on, and any image source converted to its input. Compute thread only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from ..data.folder import load_image_file
from ..data.imageset import ImageSet
from ..data.pixels import array_pixels
from ..data.sources import ArrayImage, DatasetImage, FileImage, ImageSource, run_dataset
from .cache import ModelCache
from .loader import Classifier, Device


class InputCache(ModelCache):
    """A ModelCache that also keeps the last dataset loaded, at a classifier's input size."""

    def __init__(self, device: Device = None) -> None:
        super().__init__(device)
        self._data: tuple[tuple, ImageSet] | None = None

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
        """uint8 C x H x W pixels (on the CPU) at the model's size, and the true class when
        known."""
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


def command_image(
    clf: Classifier, dataset: str | None, data_root: Path | None, index: int | None,
    image: Path | None,
) -> tuple[Classifier, torch.Tensor, int | None]:
    """The image a command names: item `index` of `dataset` as the run reads it (the classifier
    returned knows that dataset), or a file converted to fit; its uint8 pixels and its true
    class when known."""
    if image is not None:
        return (clf, *InputCache().pixels(clf, FileImage(image)))
    if dataset is None or index is None:
        raise ValueError("give --image FILE, or --dataset with --index")
    root = str(data_root) if data_root else None
    clf = replace(clf, dataset=run_dataset(clf.dataset, dataset, root))
    return (clf, *InputCache().pixels(clf, DatasetImage(index)))


def require_size(path: Path, size: int) -> None:
    """Refuse an image file smaller than the size x size model input: stretched up to it, it
    has no detail to probe (a 1x1 file gave a flat, meaningless map and exit status 0)."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
    if min(width, height) < size:
        raise ValueError(f"image is {width}x{height} pixels: too small for this model, whose "
                         f"input is {size}x{size}; give an image of at least {size}x{size}")


def class_index(target: str, label: int | None, logits: Callable[[], torch.Tensor],
                classes: int) -> int:
    """'true' (the dataset label), 'pred' (the top class of `logits()`, 1 x classes) or a class
    index, checked."""
    if target == "true":
        if label is None:
            raise ValueError("an image file has no true class: use --target pred or a class index")
        return label
    if target == "pred":
        with torch.inference_mode():
            return int(logits().argmax(1))
    k = int(target)
    if not 0 <= k < classes:
        raise ValueError(f"target {k} is not a class of this model (0..{classes - 1})")
    return k
