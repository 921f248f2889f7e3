"""`deepscope embed` end to end on the stored LeNet run, its parser and handler (Qt-free)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from deepscope.core.embedding import cli
from deepscope.core.runs.inputs import InputCache
from deepscope.core.runs.sources import RunModel
from deepscope.core.runs.store import RunInfo
from tests.core.commands import run_command


def embed(*argv: str) -> int:
    """`deepscope embed ARGV` as the app's command line runs it."""
    return run_command(cli, "embed", *argv)


@pytest.fixture(scope="module")
def written(classifier_run: RunInfo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("embed")
    assert embed("--run", str(classifier_run.dir), "--dataset", "digits", "--split", "val",
                 "--n", "120", "--method", "tsne", "--perplexity", "20", "--seed", "3",
                 "--out", str(out)) == 0
    return out


def test_files_hold_the_layers_features_and_the_map(written: Path,
                                                   classifier_run: RunInfo) -> None:
    cache = InputCache("cpu")
    clf = cache.classifier(RunModel(classifier_run.dir))
    images = cache.dataset(clf)
    split = clf.dataset.split(images, "validation")
    features, coords, labels, indices = (np.load(written / f"{name}.npy") for name in
                                         ("features", "coords", "labels", "indices"))
    assert features.shape == (120, 84) and features.dtype == np.float32
    assert coords.shape == (120, 2) and labels.shape == indices.shape == (120,)
    assert set(indices) <= set(split) and (np.diff(indices) > 0).all()  # the split's order
    np.testing.assert_array_equal(labels, images.labels[indices].numpy())
    m = clf.model
    with torch.no_grad():
        direct = m.classifier.fc2(m.classifier.fc1(m.flatten(m.features(
            clf.normalize(images.images[indices])))))
    np.testing.assert_allclose(features, direct.numpy(), atol=1e-5)
    meta = json.loads((written / "meta.json").read_text())
    assert meta["layer"] == "classifier.fc2" and meta["method"] == "tsne"
    assert meta["seconds"] > 0 and meta["perplexity"] == 20 and meta["n"] == 120
    assert 0.5 < meta["trustworthiness"] <= 1 and 0 <= meta["knn_accuracy"] <= 1


def test_the_sample_is_seeded_and_pca_explains_its_variance(
        classifier_run: RunInfo, written: Path, tmp_path: Path) -> None:
    assert embed("--run", str(classifier_run.dir), "--dataset", "digits", "--split", "val",
                 "--n", "120", "--method", "pca", "--seed", "3", "--layer", "features.pool2",
                 "--out", str(tmp_path)) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "indices.npy"),
                                  np.load(written / "indices.npy"))
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["layer"] == "features.pool2" and len(meta["explained_variance"]) == 2
    assert np.load(tmp_path / "features.npy").shape == (120, 400)
