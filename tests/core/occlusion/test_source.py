"""Occlusion sources: drawn arrays, image files, dataset items, torchvision models, runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.core.data import ArrayImage, DatasetImage, FileImage
from deepscope.core.models.spec import ModelSpec
from deepscope.core.occlusion.jobs import preview_job
from deepscope.core.occlusion.source import SourceCache
from deepscope.core.occlusion.spec import OcclusionSettings, Setup
from deepscope.core.runs import RunModel, ZooModel
from deepscope.core.runs.loader import IMAGENET_MEAN, load_classifier
from tests.factories import save_classifier

MLP = ModelSpec("mlp", 1, 28, 10)


def test_torchvision_model_with_random_weights_on_a_file(tmp_path: Path):
    path = tmp_path / "photo.png"
    Image.new("RGBA", (300, 200), (255, 0, 0, 128)).save(path)
    setup = Setup(ZooModel("resnet18", pretrained=False), FileImage(path),
                  OcclusionSettings(target="pred"))
    cache = SourceCache()
    (info,) = list(preview_job(cache, setup))
    assert info.image.shape == (3, 224, 224) and len(info.classes) == 1000
    assert info.classes[0] == "tench" and info.label is None
    assert info.target == info.top5[0][0] and len(info.top5) == 5
    assert tuple(info.image[:, 0, 0]) == (255, 127, 127)  # half-transparent red over white
    clf = cache.classifier(setup.model)
    assert torch.allclose(clf.mean.flatten().cpu(), torch.tensor(IMAGENET_MEAN))


def test_unknown_torchvision_model_and_missing_dataset_are_clear():
    with pytest.raises(ValueError, match="unknown torchvision model"):
        load_classifier(ZooModel("lenet5000", pretrained=False))
    cache = SourceCache()
    setup = Setup(ZooModel("alexnet", pretrained=False), DatasetImage(0))
    with pytest.raises(ValueError, match="no dataset to browse"):
        list(preview_job(cache, setup))


def test_drawn_array_reaches_the_model(tmp_path: Path):
    setup = Setup(ZooModel("alexnet", pretrained=False),
                  ArrayImage(np.full((50, 60), 200, np.uint8)), OcclusionSettings(target="3"))
    (info,) = list(preview_job(SourceCache(), setup))
    assert info.target == 3 and info.image.shape == (3, 224, 224)
    assert (info.image == 200).all()


def test_cache_reloads_a_retrained_or_deleted_run(tmp_path: Path):
    save_classifier(tmp_path / "run", spec=MLP)
    cache, source = SourceCache(), RunModel(tmp_path / "run")
    first = cache.classifier(source)
    assert cache.classifier(source) is first  # unchanged: reused
    save_classifier(tmp_path / "run", spec=MLP, seed=1)
    assert cache.classifier(source) is not first  # a new best checkpoint: reloaded
    for file in (tmp_path / "run").iterdir():
        file.unlink()
    (tmp_path / "run").rmdir()
    with pytest.raises(ValueError, match="no run or checkpoint"):
        cache.classifier(source)
