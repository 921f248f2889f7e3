"""The occlusion panel's sources on the compute thread: the one model cache (with the dataset
and image conversion of runs.inputs) giving experiments."""

from __future__ import annotations

from ..data.sources import ImageSource
from ..runs.inputs import InputCache
from ..runs.sources import ModelSource
from .experiment import Experiment


class SourceCache(InputCache):
    """The last classifier and dataset loaded, reused between jobs (compute thread only)."""

    def experiment(self, model: ModelSource, image: ImageSource) -> Experiment:
        """The model's experiment on the image, on the model's device."""
        clf = self.classifier(model)
        return Experiment.of(clf, *self.pixels(clf, image))

