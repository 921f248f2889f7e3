"""The run loop with a trainer of its own (as the coming similarity trainer will plug in), and
the stored step timing of runs old and new."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
import torch

from deepscope.core.jobs.events import Event
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.store import RunStore
from deepscope.core.training.data import DeviceData
from deepscope.core.training.events import TrainingFinished, TrainingSteps
from deepscope.core.training.job import MetricBuffer
from deepscope.core.training.loop import RunLoop
from deepscope.core.training.metrics import step_seconds
from tests.factories import stored_gan

SPEC = ModelSpec("mlp", 1, 8, 2)


@dataclass(frozen=True)
class Config:
    epochs: int = 2
    seed: int = 0
    explode_at: int = -1  # the step whose loss becomes infinite (none if negative)
    patience: int = 0  # epochs before an early stop (never if 0)
    keep_epochs: int | None = None


@dataclass(frozen=True)
class Started(Event):
    first_step: int


@dataclass(frozen=True)
class ToySteps(TrainingSteps):
    losses: ClassVar[tuple[str, ...]] = ("loss",)

    loss: np.ndarray
    scale: np.ndarray


class ToyRun(RunLoop):
    """An MLP on 24 8x8 images: the smallest trainer that stores, checkpoints and resumes."""

    kind = "toy"
    advice = "Try again."
    spec = SPEC
    meta: dict = {}

    def __init__(self, config: Config, store: RunStore, resume: str | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        images = torch.arange(24 * 64, dtype=torch.uint8).reshape(24, 1, 8, 8)
        idx = torch.arange(24)
        data = DeviceData(images, idx % 2, idx, idx[:0], idx[:0], (0.5,), (0.25,), ("a", "b"))
        super().__init__(config, store, 0.0, torch.device("cpu"), data, 6, MetricBuffer(clock))
        torch.manual_seed(config.seed)
        self.model = build_model(SPEC)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.open(resume, {"config": {"epochs": config.epochs}})

    def load_state(self, state, training_state, meta) -> None:
        self.model.load_state_dict(state)
        self.opt.load_state_dict(training_state)

    def networks(self) -> torch.nn.Module:
        return self.model

    def training_state(self) -> dict:
        return self.opt.state_dict()

    def started(self) -> Started:
        return Started(self.step)

    def train_step(self, idx: torch.Tensor) -> None:
        x, y = self.data.batch(idx)
        loss = torch.nn.functional.cross_entropy(self.model(x), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        if self.step == self.config.explode_at:
            loss = loss * torch.inf
        self.buffer.add(self.step, torch.stack([loss.detach(), x.std()]), len(idx))

    def take_steps(self, epoch: int, wall: float) -> ToySteps:
        step, values, timing = self.buffer.take()
        return ToySteps(epoch=epoch, step=step, wall=wall, **timing, loss=values[:, 0],
                        scale=values[:, 1])

    def end_epoch(self, epoch: int) -> list[Event]:
        self.save_epoch(epoch)
        self.store.log_epoch(self.run.id, epoch, {"step": self.step, "seconds": self.seconds,
                                                  **self.epoch_means("loss")})
        return []

    def early_stop(self) -> str | None:
        return "patience ran out" if self.config.patience else None

    def finish(self, status: str, message: str) -> TrainingFinished:
        return TrainingFinished(status, message or "done", self.run.id, str(self.run.dir))


def test_a_trainer_of_its_own_gets_ticks_steps_rows_and_its_end(tmp_path):
    store = RunStore(tmp_path)
    items = list(ToyRun(Config(), store).steps())
    started, done = items[0], items[-1]
    steps = items[1:-1]  # emitting at every step: each step's steps event in place of its tick
    assert started.first_step == 0 and done.status == "finished" and done.message == "done"
    assert [type(s) for s in steps] == [ToySteps] * 12
    assert np.array_equal(np.concatenate([s.step for s in steps]), np.arange(12))
    logged = store.steps(done.run_id)
    assert sorted(logged) == ["images_per_s", "loss", "scale", "step", "step_time"]
    np.testing.assert_allclose(logged["loss"], np.concatenate([s.loss for s in steps]),
                               rtol=1e-6)
    assert np.all(step_seconds(logged) > 0)
    assert store.get(done.run_id).status == "finished" and store.get(done.run_id).kind == "toy"


def test_a_nan_loss_keeps_the_steps_before_it_and_names_the_step(tmp_path):
    store = RunStore(tmp_path)
    done = list(ToyRun(Config(explode_at=8), store).steps())[-1]
    assert done.status == "diverged"
    assert done.message == ("loss became inf at step 8 (epoch 2); the run stopped and "
                            "everything before it is kept. Try again.")
    assert store.steps(done.run_id)["step"].tolist() == list(range(8))
    assert store.get(done.run_id).message == done.message


def test_early_stop_and_a_stopped_run_resumed_with_its_clock_going_on(tmp_path):
    store = RunStore(tmp_path)
    early = list(ToyRun(Config(epochs=3, patience=1), store).steps())[-1]
    assert (early.status, early.message) == ("early-stopped", "patience ran out")

    job = ToyRun(Config(epochs=3), store).steps()
    run_id = store.runs("toy")[0].id
    for _ in range(9):  # stop 2 steps into epoch 2: it goes on from there
        next(job)
    job.close()
    assert store.get(run_id).status == "stopped"
    assert store.get(run_id).message == ("stopped at step 8 (epoch 2); Continue resumes from "
                                         "there")
    items = list(ToyRun(Config(epochs=3), store, resume=run_id).steps())
    assert items[0].first_step == 8 and items[-1].status == "finished"
    assert store.steps(run_id)["step"].tolist() == list(range(18))
    first = next(i for i in items if isinstance(i, ToySteps))
    assert first.wall > store.epochs(run_id)["seconds"][0]


def test_step_seconds_of_runs_old_and_new(tmp_path):
    store = RunStore(tmp_path)
    old_gan = stored_gan(store)  # stored steps/s; resumed after step_time came
    store.log_steps(old_gan.id, [{"step": 0, "steps_per_s": 10.0},
                                 {"step": 1, "steps_per_s": 4.0}])
    store.log_steps(old_gan.id, [{"step": 2, "step_time": 0.5}])
    np.testing.assert_allclose(step_seconds(store.steps(old_gan.id)), [0.1, 0.25, 0.5])
    new = {"step": np.arange(2), "step_time": np.array([0.2, 0.3])}
    np.testing.assert_array_equal(step_seconds(new), [0.2, 0.3])
    untimed = {"step": np.arange(2), "loss": np.ones(2)}
    assert np.isnan(step_seconds(untimed)).all()


@pytest.mark.parametrize("before, kept", [(None, 3), (5, 2), (3, 0)])
def test_store_rows_carry_the_step_its_metrics_and_the_timing(before, kept):
    steps = ToySteps(epoch=1, step=np.array([3, 4, 5]), wall=2.0, step_time=0.01,
                     images_per_s=800.0, loss=np.float32([1, 2, np.inf]),
                     scale=np.float32([5, 6, 7]))
    assert ToySteps.metrics() == ("loss", "scale") and steps.first_bad_step() == 5
    timing = {"step_time": 0.01, "images_per_s": 800.0}
    assert steps.rows(before) == [{"step": 3, "loss": 1, "scale": 5} | timing,
                                  {"step": 4, "loss": 2, "scale": 6} | timing,
                                  {"step": 5, "loss": np.inf, "scale": 7} | timing][:kept]
