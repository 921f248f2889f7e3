"""A run's test set: the official one where the dataset has it, and every view of the run's
splits draws them as training did."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.classifier.data import prepare_data
from deepscope.core.classifier.events import RunFinished
from deepscope.core.classifier.trainer import train
from deepscope.core.runs.loader import load_classifier
from deepscope.core.runs.store import RunStore
from tests.core.data.test_data import write_bars

TRAIN, TEST = 120, 30  # official training and test images of the small MNIST


@pytest.mark.parametrize("dataset, test_set", [("digits", "held-out"), ("mnist", "official")])
def test_the_run_names_its_test_set_and_the_browser_sees_its_splits(tmp_path, dataset, test_set):
    write_bars(tmp_path / "data", TRAIN, TEST)
    config = TrainConfig(dataset=dataset, data_root=str(tmp_path / "data"), model="mlp",
                         epochs=1, seed=3, val_fraction=0.2, test_fraction=0.25)
    store = RunStore(tmp_path / "runs")
    done = [e for e in train(config, store) if e is not None][-1]
    data = prepare_data(config, torch.device("cpu"))
    assert isinstance(done, RunFinished) and done.test_set == test_set
    assert done.test_size == len(data.test) and f"{test_set} test set" in store.get(
        done.run_id).message
    if test_set == "official":
        assert data.test.tolist() == list(range(TRAIN, TRAIN + TEST))
        assert int(torch.cat([data.train, data.val]).max()) < TRAIN

    clf = load_classifier(done.run_dir, "cpu")
    images = clf.dataset.load(clf.image_size)
    for split, drawn in (("train", data.train), ("validation", data.val), ("test", data.test)):
        assert np.array_equal(clf.dataset.split(images, split), drawn.numpy()), split
