"""The one model cache and its checkpoint stamp, for classifiers and generators alike."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from deepscope.core.latent.events import RunRef
from deepscope.core.latent.jobs import GeneratorCache
from deepscope.core.runs.cache import ModelCache, checkpoint_stamp
from deepscope.core.runs.checkpoint import checkpoint_path
from deepscope.core.runs.generators import save_samples
from deepscope.core.runs.sources import RunModel
from tests.factories import save_classifier, save_gan


def test_the_stamp_is_the_file_a_path_loads(tmp_path: Path):
    assert checkpoint_stamp(tmp_path / "gone") is None and checkpoint_stamp(tmp_path) is None
    save_classifier(tmp_path, 1)
    epoch = checkpoint_stamp(tmp_path)
    assert epoch[0] == checkpoint_path(tmp_path, 1)
    assert checkpoint_stamp(tmp_path / "epoch-0001") == checkpoint_stamp(epoch[0]) == epoch
    save_classifier(tmp_path, "best")
    best = checkpoint_stamp(tmp_path)
    assert best[0] == checkpoint_path(tmp_path, "best")
    save_classifier(tmp_path, 2)
    assert checkpoint_stamp(tmp_path) == best  # an epoch beside `best` is not what loads
    save_classifier(tmp_path, "best", seed=1)
    assert checkpoint_stamp(tmp_path) != best  # rewritten, even within one timestamp step


def test_a_classifier_is_reloaded_only_when_its_checkpoint_changes(tmp_path: Path):
    save_classifier(tmp_path)
    source, cache = RunModel(tmp_path), ModelCache("cpu")
    first = cache.classifier(source)
    save_classifier(tmp_path, 2)
    save_samples(tmp_path, 1, np.zeros((1, 1, 4, 4), np.uint8), None)  # the folder changes
    assert cache.classifier(source) is first and cache.holds(source, tmp_path)
    retrained = save_classifier(tmp_path, seed=1)
    assert not cache.holds(source, tmp_path)
    second = cache.classifier(source)
    assert second is not first and cache.classifier(source) is second
    torch.testing.assert_close(next(second.model.parameters()), next(retrained.parameters()))
    other = RunModel(checkpoint_path(tmp_path, 2))
    assert cache.classifier(other) is not second and cache.loaded(source) is None  # one at a time


def test_a_deleted_run_is_dropped_and_named(tmp_path: Path):
    save_classifier(tmp_path / "run")
    source, cache = RunModel(tmp_path / "run"), ModelCache("cpu")
    cache.classifier(source)
    for file in (tmp_path / "run").iterdir():
        file.unlink()
    (tmp_path / "run").rmdir()
    with pytest.raises(ValueError, match="no run or checkpoint"):
        cache.classifier(source)
    assert cache.loaded(source) is None


def test_a_generator_has_the_same_stamp(tmp_path: Path):
    save_gan(tmp_path, 1)
    run, cache = RunRef(str(tmp_path), 8), GeneratorCache("cpu")
    first = cache.get(run)[0]
    save_samples(tmp_path, 1, np.zeros((1, 1, 4, 4), np.uint8), None)
    assert cache.get(run)[0] is first and cache.holds_latest(run)
    path = checkpoint_path(tmp_path, 1)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert not cache.holds_latest(run) and cache.get(run)[0] is not first
    save_gan(tmp_path, 2)
    assert checkpoint_stamp(tmp_path)[0] == checkpoint_path(tmp_path, 2)
    assert not cache.holds_latest(run)
