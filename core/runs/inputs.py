"""What a probing job on one image needs: the classifier (from the model cache), the dataset
it was trained on, and any image source converted to its input. Compute thread only."""

from __future__ import annotations

import torch

from ..data.folder import load_image_file
from ..data.imageset import ImageSet
from ..data.pixels import array_pixels
from ..data.sources import ArrayImage, DatasetImage, FileImage, ImageSource
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
