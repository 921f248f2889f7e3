"""A run's folder stays bounded: at most `keep_epochs` epoch checkpoints spread over the run,
only the newest with what resume needs; and the room a run takes is reported."""

from __future__ import annotations

import numpy as np

from deepscope.core.runs.checkpoint import epoch_checkpoints
from deepscope.core.runs.files import disk_bytes, size_text
from deepscope.core.runs.retention import kept_epochs
from deepscope.core.runs.store import RunStore
from tests.core.training.test_loop import Config, ToyRun


def test_kept_epochs_are_bounded_span_the_run_and_never_come_back():
    kept: set[int] = set()
    for newest in range(1, 400):
        best = newest if newest % 7 == 0 else max(kept | {1}, key=lambda e: e % 7 == 0)
        now = kept_epochs(kept | {newest}, 50, best)
        assert len(now) <= 50 and {newest, best} <= now
        assert now <= kept | {newest}  # an epoch once removed is never wanted again
        assert np.diff([0, *sorted(now)]).max() <= 4 * newest / 50 + 1  # evenly spread
        kept = now
    assert kept_epochs(range(1, 80), None) == set(range(1, 80))
    assert kept_epochs(range(1, 80), 2, 5) == {5, 79}


def test_a_long_run_keeps_a_few_epochs_and_resume_state_only_in_the_newest(tmp_path):
    store = RunStore(tmp_path)
    done = list(ToyRun(Config(epochs=9, keep_epochs=3), store).steps())[-1]
    run = store.get(done.run_id)
    names = [p.name for p in epoch_checkpoints(run.dir)]
    assert names == ["epoch-0004.safetensors", "epoch-0008.safetensors", "epoch-0009.safetensors"]
    assert [p.name for p in run.dir.glob("*.optim.safetensors")] == ["epoch-0009.optim.safetensors"]
    resumed = list(ToyRun(Config(epochs=10, keep_epochs=3), store, resume=run.id).steps())
    assert resumed[0].first_step == 9 * 6 and resumed[-1].status == "finished"

    everything = list(ToyRun(Config(epochs=9), store).steps())[-1]
    assert len(epoch_checkpoints(everything.run_dir)) == 9  # keep_epochs None: all of them
    assert disk_bytes(everything.run_dir) > disk_bytes(run.dir) > 0


def test_sizes_read_as_a_person_reads_them(tmp_path):
    assert disk_bytes(tmp_path / "absent") == 0
    (tmp_path / "a").write_bytes(b"x" * 1500)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"y" * 500)
    assert disk_bytes(tmp_path) == 2000
    assert [size_text(n) for n in (812, 2000, 3_400_000, 2_700_000_000)] == [
        "812 bytes", "2.0 kB", "3.4 MB", "2.7 GB"]
