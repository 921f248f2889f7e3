"""Stop keeps a checkpoint of the step it reached and Continue goes on from exactly there: the
same weights, bit for bit, as a run that never stopped, for both trainers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
import torch

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.classifier.trainer import train
from deepscope.core.gan.config import GanConfig
from deepscope.core.gan.trainer import train_gan
from deepscope.core.runs.checkpoint import (
    STOPPED,
    checkpoint_path,
    load_checkpoint,
    resume_checkpoint,
)
from deepscope.core.runs.store import RunStore
from deepscope.core.training.events import TrainingSteps

# dropout draws from torch's global stream, augmentation and shuffling from the loop's
CLASSIFIER = TrainConfig(model="mlp", epochs=2, batch_size=128, dropout=0.2, augment=("noise",))
# 3 steps an epoch: the replay buffer (8 batches) never fills, where its random overwrites make
# even two whole runs differ (duplicate slots in one index_put)
GAN = GanConfig(model="cgan", width=8, epochs=2, batch_size=512, samples_every=2, replay=True)
TRAINERS = {"classifier": (train, CLASSIFIER), "gan": (train_gan, GAN)}


def last_step(item: object) -> int | None:
    """The last step of a steps event (None for other items)."""
    return int(item.step[-1]) + 1 if isinstance(item, TrainingSteps) else None


def stop_at(job: Iterator, reached: Callable[[int], bool]) -> tuple[str, int]:
    """Drive a job until a steps event ends at a step that `reached` accepts; close it there.
    (run id, that step)."""
    run_id = next(job).run_id
    for item in job:
        if (step := last_step(item)) is not None and reached(step):
            job.close()
            return run_id, step
    raise AssertionError("the run ended before the step")


def final_weights(store: RunStore, run_id: str) -> dict[str, torch.Tensor]:
    return load_checkpoint(checkpoint_path(store.get(run_id).dir, 2))[0]


@pytest.mark.slow
@pytest.mark.parametrize("kind", TRAINERS)
@pytest.mark.parametrize("where", ["mid-epoch", "before the epoch's end"])
def test_a_run_stopped_at_any_step_goes_on_as_if_it_had_not_stopped(tmp_path, kind, where):
    job_of, config = TRAINERS[kind]
    whole = RunStore(tmp_path / "whole")
    done = [e for e in job_of(config, whole) if e is not None][-1]
    assert done.status == "finished"

    store = RunStore(tmp_path / "parts")
    if where == "mid-epoch":  # every step emits: stop 2 steps into epoch 1
        run_id, step = stop_at(job_of(config, store, emit_interval=0), lambda s: s == 2)
    else:  # only an epoch's last step emits: stop after it, before the epoch ends
        run_id, step = stop_at(job_of(config, store, emit_interval=1e9), lambda s: True)
    run = store.get(run_id)
    assert (run.status, run.message) == (
        "stopped", f"stopped at step {step} (epoch 1); Continue resumes from there")
    assert resume_checkpoint(run.dir) == checkpoint_path(run.dir, STOPPED)
    assert store.steps(run_id)["step"].tolist() == list(range(step))

    events = [e for e in job_of(config, store, resume=run_id) if e is not None]
    assert events[0].first_step == step and events[-1].status == "finished"
    assert store.steps(run_id)["step"].tolist() == list(range(events[0].total_steps))
    assert store.epochs(run_id)["epoch"].tolist() == [1, 2]
    assert not list(run.dir.glob(f"{STOPPED}.*"))  # the epochs' ends superseded it, all its files
    mine, theirs = final_weights(store, run_id), final_weights(whole, done.run_id)
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine), "the same weights, bit for bit"


def test_a_stop_at_an_epochs_end_needs_no_checkpoint_of_its_own(tmp_path):
    store = RunStore(tmp_path)
    job = train(replace(CLASSIFIER, epochs=3), store, emit_interval=1e9)
    run_id = next(job).run_id
    ends = 0
    for item in job:  # the epoch's end events come after its last steps event
        ends += last_step(item) is not None
        if ends == 1 and last_step(item) is None and item is not None:
            job.close()
            break
    run = store.get(run_id)
    assert run.status == "stopped" and "(epoch 1)" in run.message
    assert not checkpoint_path(run.dir, STOPPED).exists()
    assert resume_checkpoint(run.dir) == checkpoint_path(run.dir, 1)
