"""Feature extraction: the default layer, activations equal to a direct forward pass, progress,
and the cache per checkpoint, layer and images."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from deepscope.core.embedding import FeatureCache, Features, default_layer, features_job
from deepscope.core.jobs import ProgressEvent
from deepscope.core.runs.sources import RunModel
from deepscope.core.runs.store import RunInfo


@pytest.fixture(scope="module")
def lenet(classifier_run: RunInfo):
    from deepscope.core.runs.inputs import InputCache

    cache = InputCache("cpu")
    clf = cache.classifier(RunModel(classifier_run.dir))
    return clf, cache.dataset(clf)


def hidden(clf, pixels: torch.Tensor) -> torch.Tensor:
    """LeNet's input to its last Linear, computed module by module."""
    m = clf.model
    with torch.no_grad():
        return m.classifier.fc2(m.classifier.fc1(m.flatten(m.features(clf.normalize(pixels)))))


class PoolThenFlatten(nn.Module):
    """A ResNet's tail: a pool, then torch.flatten (a view, no module), then the Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(self.conv(x)), 1))


def test_default_layer_feeds_the_last_linear(lenet) -> None:
    clf, _ = lenet
    assert default_layer(clf) == "classifier.fc2"  # its block, not the dropout that hands it on
    from dataclasses import replace

    assert default_layer(replace(clf, model=PoolThenFlatten().eval())) == "pool"
    with pytest.raises(ValueError, match="Sequential has no nn.Linear layer: name the layer"):
        default_layer(replace(clf, model=nn.Sequential(nn.Conv2d(1, 2, 3))))


def test_features_are_the_layers_activations(lenet) -> None:
    clf, images = lenet
    indices = np.array([5, 3, 900, 17, 1000])
    events = list(features_job(clf, images, indices, batch_size=2))
    assert [(e.done, e.total) for e in events[:-1]] == [(2, 5), (4, 5), (5, 5)]
    assert all(isinstance(e, ProgressEvent) for e in events[:-1])
    features = events[-1]
    assert isinstance(features, Features) and features.layer == "classifier.fc2"
    np.testing.assert_allclose(features.values, hidden(clf, images.images[indices]).numpy(),
                               atol=1e-5)
    np.testing.assert_array_equal(features.indices, indices)
    np.testing.assert_array_equal(features.labels, images.labels[indices].numpy())
    (conv,) = [e for e in features_job(clf, images, indices, "features.pool1")
               if isinstance(e, Features)]
    assert conv.values.shape == (5, 6 * 14 * 14) and conv.values.dtype == np.float32


def test_the_cache_keeps_the_last_extraction(lenet, classifier_run: RunInfo) -> None:
    clf, images = lenet
    cache, source = FeatureCache(), RunModel(classifier_run.dir)
    first = list(cache.job(source, clf, images, np.arange(10)))
    again = list(cache.job(source, clf, images, np.arange(10)))
    assert len(first) == 2 and again == [first[-1]] and again[0] is first[-1]
    other = list(cache.job(source, clf, images, np.arange(10), "features.pool2"))
    assert len(other) == 2 and other[-1].layer == "features.pool2"
    assert len(list(cache.job(source, clf, images, np.arange(11), "features.pool2"))) == 2
