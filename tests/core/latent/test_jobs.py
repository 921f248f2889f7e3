"""The latent panel's compute-side jobs: one load per checkpoint, paths, class blends, errors."""

import os

import numpy as np
import pytest

from deepscope.core.latent.events import Draws, Endpoint, GeneratorInfo, PathRequest, RunRef
from deepscope.core.latent.jobs import GeneratorCache, draws, frames, refresh_job
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.checkpoint import CheckpointError, checkpoint_path
from tests.factories import gan_meta, save_gan


def save_run(folder, name: str = "dcgan") -> RunRef:
    """A run folder with one epoch checkpoint of an untrained generator."""
    spec = GanSpec(name, 8, 1, 16, num_classes=10 if name == "cgan" else 0, width=4)
    save_gan(folder, spec=spec)
    return RunRef(str(folder), spec.latent_dim)


def test_the_generator_loads_once_until_its_checkpoint_changes(tmp_path):
    run, cache = save_run(tmp_path), GeneratorCache()
    g = cache.get(run)[0]
    assert cache.get(run)[0] is g
    path = checkpoint_path(tmp_path, 1)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert cache.get(run)[0] is not g


def test_a_refresh_loads_only_a_newer_epoch(tmp_path):
    run, cache = save_run(tmp_path), GeneratorCache()
    assert [type(e) for e in refresh_job(cache, run, [1, 2])] == [GeneratorInfo, Draws]
    assert list(refresh_job(cache, run, [1, 2])) == []  # nothing new
    spec = cache.get(run)[1]
    save_gan(tmp_path, 2, spec=spec, meta=gan_meta(spec) | {"epoch": 4})
    info, grid = refresh_job(cache, run, [1, 2])
    assert info.epoch == 4 and grid.seeds == (1, 2)


def test_interpolation_ends_are_the_draws_of_its_seeds(tmp_path):
    run, cache = save_run(tmp_path), GeneratorCache()
    grid = draws(cache, run, [11, 12, 13])
    assert grid.images.shape == (3, 1, 16, 16) and grid.images.dtype == np.uint8
    for mode in ("slerp", "lerp"):
        out = frames(cache, PathRequest(run, Endpoint(11), Endpoint(13), mode, 5))
        assert out.images.shape == (5, 1, 16, 16)
        assert np.abs(out.images[[0, -1]].astype(int) - grid.images[[0, 2]]).max() <= 1
    walk = frames(cache, PathRequest(run, Endpoint(11), Endpoint(13), "walk", 6))
    assert np.allclose(walk.norms, walk.norms[0], rtol=1e-4)  # a Gaussian walk keeps |z|


def test_class_path_blends_the_embedding_from_a_to_b_with_z_fixed(tmp_path):
    run, cache = save_run(tmp_path, "cgan"), GeneratorCache()
    grid = draws(cache, run, [5, 6])  # classes 0 and 1
    assert grid.labels == (0, 1)
    out = frames(cache, PathRequest(run, Endpoint(5, 0), Endpoint(9, 1), "class", 4))
    start = draws(cache, run, [5]).images[0]
    assert np.abs(out.images[0].astype(int) - start).max() <= 1
    assert np.ptp(out.norms) == 0  # z of A throughout
    same = frames(cache, PathRequest(run, Endpoint(6, 1), Endpoint(6, 1), "class", 3))
    assert (same.images == same.images[0]).all()


def test_class_path_needs_a_conditional_generator(tmp_path):
    with pytest.raises(ValueError, match="unconditional"):
        frames(GeneratorCache(), PathRequest(save_run(tmp_path), Endpoint(1), Endpoint(2),
                                             "class", 4))


def test_gone_checkpoint_and_other_latent_size_say_so(tmp_path):
    run, cache = save_run(tmp_path), GeneratorCache()
    cache.get(run)
    with pytest.raises(CheckpointError, match="latent size 8, not 16"):
        cache.get(RunRef(run.run_dir, 16))
    for path in tmp_path.iterdir():
        path.unlink()
    with pytest.raises(CheckpointError, match="no checkpoint"):
        cache.get(run)
