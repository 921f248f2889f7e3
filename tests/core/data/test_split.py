"""The one split of a run: official test sets are the test split, other sets split as before."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.core.data.imageset import ImageSet
from deepscope.core.data.load import load_dataset
from deepscope.core.data.sources import DatasetRef
from deepscope.core.data.split import run_split, split_indices
from tests.core.data.test_data import write_bars, write_cifar

OFFICIAL = {"mnist": (120, 30), "fashion-mnist": (120, 30), "cifar10": (100, 20)}  # train, test
IDX_FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}


def official_set(name: str, root: Path) -> ImageSet:
    """A small set in torchvision's layout with OFFICIAL[name] training and test images."""
    train, test = OFFICIAL[name]
    if name == "cifar10":
        write_cifar(root / "cifar-10-batches-py", per_batch=test)  # five training batches
    else:
        write_bars(root, train, test, IDX_FOLDERS[name])
    return load_dataset(name, root=root)


def image_folder(root: Path) -> str:
    """An image folder dataset: 12 small PNGs in two classes."""
    for i in range(12):
        path = root / ("cats", "dogs")[i % 2] / f"{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (20 * i, 0, 0)).save(path)
    return f"folder:{root}"


@pytest.mark.parametrize("name", OFFICIAL)
def test_torchvision_sets_mark_where_their_official_test_set_starts(tmp_path, name):
    ds = official_set(name, tmp_path)
    assert ds.test_from == OFFICIAL[name][0] and len(ds) == sum(OFFICIAL[name])
    assert load_dataset(name, root=tmp_path, size=16).test_from == ds.test_from  # resized


def test_sets_without_an_official_split_say_so(tmp_path):
    for name in ("digits", "shapes", image_folder(tmp_path)):
        assert load_dataset(name).test_from is None, name


@pytest.mark.parametrize("name", OFFICIAL)
@pytest.mark.parametrize("val, test, seed", [(0.15, 0.15, 0), (0.3, 0.5, 7)])
def test_the_official_test_set_is_exactly_the_test_split(tmp_path, name, val, test, seed):
    ds = official_set(name, tmp_path)
    n_train, n_test = OFFICIAL[name]
    train, validation, tested = run_split(ds, val, test, seed)
    assert tested.tolist() == list(range(n_train, n_train + n_test))
    assert torch.equal(torch.cat([train, validation]).sort().values, torch.arange(n_train))
    assert len(validation) == n_train - round(n_train * (1 - val))
    again = run_split(ds, val, 0.0, seed)  # the test fraction is not used
    assert all(torch.equal(a, b) for a, b in zip((train, validation, tested), again, strict=True))
    assert not torch.equal(validation, run_split(ds, val, test, seed + 1)[1])


def test_other_sets_split_three_ways_as_before(tmp_path):
    for name, seed in (("digits", 0), ("shapes", 3), (image_folder(tmp_path), 1)):
        ds = load_dataset(name)
        before = split_indices(len(ds), (1.0 - 0.2 - 0.1, 0.2, 0.1), seed)
        after = run_split(ds, 0.2, 0.1, seed)
        assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True)), name


@pytest.mark.parametrize("name", ["digits", *OFFICIAL])
def test_dataset_ref_gives_the_run_split_for_each_split(tmp_path, name):
    config = {"dataset": name, "data_root": str(tmp_path), "seed": 5, "val_fraction": 0.2,
              "test_fraction": 0.1}
    ds = official_set(name, tmp_path) if name in OFFICIAL else load_dataset(name)
    ref = DatasetRef.from_config(config)
    images = ref.load(ds.size)
    parts = run_split(ds, 0.2, 0.1, 5)
    for split, part in zip(("train", "validation", "test"), parts, strict=True):
        assert np.array_equal(ref.split(images, split), part.numpy()), split
    assert ref.split(images, "all").tolist() == list(range(len(ds)))


def test_a_set_with_no_official_training_images_is_refused(tmp_path):
    ds = official_set("mnist", tmp_path)
    with pytest.raises(ValueError, match="no official training images"):
        run_split(replace(ds, test_from=0), 0.15, 0.15, 0)
