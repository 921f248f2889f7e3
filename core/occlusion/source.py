"""The occlusion panel's sources on the compute thread: the one model cache (with the dataset
and image conversion of runs.inputs) giving experiments, and torchvision weights' status."""

from __future__ import annotations

from collections.abc import Iterator

from ..runs.inputs import InputCache
from ..runs.loader import zoo_classes
from .events import ZooStatus
from .experiment import Experiment
from .spec import ImageSource, ModelSource


class SourceCache(InputCache):
    """The last classifier and dataset loaded, reused between jobs (compute thread only)."""

    def experiment(self, model: ModelSource, image: ImageSource) -> Experiment:
        """The model's experiment on the image, on the model's device."""
        clf = self.classifier(model)
        return Experiment.of(clf, *self.pixels(clf, image))


def zoo_status_job(name: str) -> Iterator[ZooStatus]:
    """Whether `name`'s pretrained weights are in the torch cache, and its class names."""
    from ..models.torchvision_zoo import weights_path

    path = weights_path(name)
    yield ZooStatus(name, path.exists(), str(path), zoo_classes(name))
