"""The panel's jobs without the panel: setup, features with predictions and images, and two
maps of the same images side by side, frame by frame."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepscope.core.embedding import (
    FeatureCache,
    Features,
    ForMap,
    Pictures,
    ProjectionFrame,
    Quality,
    Setup,
    TsneSettings,
    extract_job,
    maps_job,
    setup_job,
)
from deepscope.core.jobs import ProgressEvent
from deepscope.core.runs.inputs import InputCache
from deepscope.core.runs.sources import RunModel
from deepscope.core.runs.store import RunInfo


@pytest.fixture(scope="module")
def lenet(classifier_run: RunInfo):
    return InputCache("cpu"), RunModel(classifier_run.dir)


def test_setup_names_the_layers_the_default_and_the_splits(lenet) -> None:
    inputs, model = lenet
    (setup,) = setup_job(inputs, model)
    assert isinstance(setup, Setup) and setup.default == "classifier.fc2"
    assert "features.conv1.conv" in setup.layers and not setup.similarity
    assert setup.splits["all"] == 1797
    assert setup.splits["test"] + setup.splits["validation"] + setup.splits["train"] == 1797


def test_features_come_with_the_models_predictions_and_the_images(lenet) -> None:
    inputs, model = lenet
    events = list(extract_job(inputs, FeatureCache(), model, "test", 40, None, seed=3))
    features, pictures = events[-2], events[-1]
    assert isinstance(features, Features) and isinstance(pictures, Pictures)
    clf = inputs.classifier(model)
    images = inputs.dataset(clf)
    split = clf.dataset.split(images, "test")
    assert set(features.indices) <= set(split) and len(features.indices) == 40
    assert np.all(np.diff(features.indices) > 0)  # the split's order
    x = images.images[torch.from_numpy(features.indices)]
    with torch.no_grad():
        expected = clf.model(clf.normalize(x)).argmax(1).numpy()
    np.testing.assert_array_equal(features.predicted, expected)
    np.testing.assert_array_equal(pictures.images, x.numpy())
    with pytest.raises(ValueError, match=f"5000 images asked for, but the test split has "
                                         f"{len(split)}"):
        list(extract_job(inputs, FeatureCache(), model, "test", 5000, None))


def test_two_maps_grow_together_then_get_their_quality(lenet) -> None:
    inputs, model = lenet
    settings = TsneSettings(perplexity=10, iterations=40, early_iterations=20, frame_every=10)
    events = list(maps_job(inputs, [FeatureCache(), FeatureCache()], [model, model],
                           [None, "features.pool2"], "test", 60, "tsne", settings))
    tagged = [(e.slot, type(e.event)) for e in events if isinstance(e, ForMap)]
    assert tagged[:4] == [(0, Features), (0, Pictures), (1, Features), (1, Pictures)]
    frames = [(e.slot, e.event.iteration) for e in events
              if isinstance(e, ForMap) and isinstance(e.event, ProjectionFrame)]
    assert frames == [(s, i) for i in (10, 20, 30, 40) for s in (0, 1)]  # in turns
    assert tagged[-2:] == [(0, Quality), (1, Quality)]
    assert all(e.ends_step for e in events if isinstance(e, ForMap)
               and isinstance(e.event, ProjectionFrame))
    assert any(isinstance(e, ProgressEvent) for e in events)
    with pytest.raises(ValueError, match="perplexity 30 does not fit 60 points"):
        list(maps_job(inputs, [FeatureCache()], [model], [None], "test", 60, "tsne",
                      TsneSettings()))
