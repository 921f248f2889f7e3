"""The stored untrained LeNet on digits, loaded once for the feature tests."""

from __future__ import annotations

import pytest

from deepscope.core.data.imageset import ImageSet
from deepscope.core.runs.inputs import InputCache
from deepscope.core.runs.loader import Classifier
from deepscope.core.runs.sources import RunModel
from deepscope.core.runs.store import RunInfo


@pytest.fixture(scope="module")
def lenet(classifier_run: RunInfo) -> tuple[Classifier, ImageSet]:
    """The classifier (on the CPU) and its digits."""
    cache = InputCache("cpu")
    clf = cache.classifier(RunModel(classifier_run.dir))
    return clf, cache.dataset(clf)
