"""The run loop every trainer plugs into: one stored run, from its start or resume to its end.

The loop does what every training run does: create the run in the store, or claim it (one
writer per run) and resume it from its newest checkpoint with its clock going on; shuffle the
training split each epoch and step through it, yielding a tick per step (the driver may pause or
cancel there) and the buffered metrics as a steps event when due (one host copy per emission,
logged to the store); stop at the first NaN or infinite loss, keeping the steps before it, or at
the end of an epoch whose losses ran away (training.divergence); and mark the run's status
however the job ends (finished, early-stopped, diverged, stopped by closing the job, failed).

Checkpoints: each epoch's end and a stop save the weights with what resume needs (the trainer's
training state, the loop's random streams and, mid-epoch, the epoch's permutation), so a run
stopped at any step goes on from exactly there: the same weights, bit for bit on the CPU, as if
it had never stopped. Older epoch checkpoints keep their weights only (runs.retention).

The time a job sits suspended at a yield (the driver paused it) is left out of its step times
and its clock, so ms/step and the ETA stay those of the steps.

A trainer keeps only what is its own: its networks and their step, its events, what an epoch
ends with (validation, scores, checkpoints), and how it takes up a checkpoint. Per step the loop
adds a few method calls to the trainer's step (about a microsecond of a ~5 ms LeNet step).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, Protocol

import numpy as np
import torch
from torch import nn

from ..jobs import error_message
from ..jobs.events import Event
from ..runs.checkpoint import (
    STOPPED,
    checkpoint_path,
    load_checkpoint,
    load_optimizer_state,
    remove_checkpoint,
    resume_checkpoint,
    save_checkpoint,
)
from ..runs.retention import prune
from ..runs.store import RunStore
from .data import DeviceData
from .divergence import runaway
from .events import TrainingFinished, TrainingSteps
from .job import Diverged, MetricBuffer
from .metrics import EPOCH, SECONDS, STEP


class LoopConfig(Protocol):
    """What the loop reads of a trainer's config."""

    @property
    def epochs(self) -> int: ...

    @property
    def seed(self) -> int: ...

    @property
    def keep_epochs(self) -> int | None: ...


class RunLoop(ABC):
    """One training run; `steps()` is the generator the compute thread drives.

    A trainer names its `kind` and divergence `advice`, calls `__init__` once its data is on
    the device, `open` once its own state exists (with `spec` and `meta`, what its checkpoints
    describe it with), and supplies the abstract methods."""

    kind: ClassVar[str]  # the run store's kind of run
    advice: ClassVar[str]  # the last sentence of the divergence message
    best_epoch: int | None = None  # the epoch whose checkpoint retention keeps as the best
    spec: Any  # the checkpoints' spec (ModelSpec, GanSpec)
    meta: dict  # the checkpoints' meta, without epoch and step

    def __init__(
        self, config: LoopConfig, store: RunStore, emit_interval: float, device: torch.device,
        data: DeviceData, steps_per_epoch: int, buffer: MetricBuffer,
    ) -> None:
        self.config, self.store, self.emit_interval = config, store, emit_interval
        self.device, self.data, self.steps_per_epoch = device, data, steps_per_epoch
        self.buffer = buffer
        self.gen = torch.Generator(device=device).manual_seed(config.seed)
        self.step, self.first_epoch, self.now = 0, 1, 1  # now: the epoch under way
        self.perm: torch.Tensor | None = None  # the order of the epoch under way
        self.resumed: tuple[torch.Tensor, int] | None = None  # (order, steps done) mid-epoch
        self.saved_step: int | None = None  # the step of the newest resume checkpoint
        self.epoch_steps: list[Any] = []  # the epoch's steps events (and stored steps)
        self.losses: tuple[str, ...] = ()  # the steps events' losses

    def open(self, resume: str | None, record: dict) -> None:
        """Resume the stored run `resume`, or create a run that stores `record`; the run's
        clock starts."""
        self.start = self.buffer.clock()
        if resume:
            self.restore(resume)
        else:
            self.run = self.store.create_run(record, kind=self.kind)

    def restore(self, run_id: str) -> None:
        """Go on with a stored run from the step of its newest checkpoint (a stop's, else the
        latest epoch's), up to `config.epochs`; RunBusy while another process trains it."""
        self.run = self.store.get(run_id)
        path = resume_checkpoint(self.run.dir)
        if path is None:
            raise ValueError(f"run {run_id} has no checkpoint to resume from")
        state, _, meta = load_checkpoint(path)
        epoch = int(meta["epoch"])  # epochs done
        self.step = int(meta.get("step", epoch * self.steps_per_epoch))
        self.first_epoch = self.now = epoch + 1
        streams, training_state = split_state(load_optimizer_state(path))
        self.load_state(state, training_state, meta)
        self.restore_streams(streams, self.step - epoch * self.steps_per_epoch)
        self.start -= float(meta.get("seconds", seconds_before(self.store, run_id, epoch)))
        self.saved_step = self.step
        self.store.claim(run_id, f"resumed at step {self.step} (epoch {self.now})")

    def restore_streams(self, streams: dict, done: int) -> None:
        """The random streams as saved; `done` steps into an epoch, its order and the metrics
        of those steps (for the epoch's means)."""
        if "rng" in streams:
            self.gen.set_state(streams["rng"])
        if "torch_rng" in streams:
            torch.set_rng_state(streams["torch_rng"])
        if "cuda_rng" in streams and self.device.type == "cuda":
            torch.cuda.set_rng_state(streams["cuda_rng"], self.device)
        if done and "perm" in streams:
            self.resumed = streams["perm"].to(self.device), done
            stored = self.store.steps(self.run.id)
            keep = (stored[STEP] >= self.step - done) & (stored[STEP] < self.step)
            self.epoch_steps = [SimpleNamespace(**{k: v[keep] for k, v in stored.items()})]

    @property
    def seconds(self) -> float:
        """Seconds the run has trained (a resumed run's clock goes on from its checkpoint;
        pauses are left out)."""
        return self.buffer.clock() - self.start

    def resume_state(self, epoch: int) -> dict:
        """What a checkpoint keeps for resume besides the weights: the trainer's training state
        and the loop's random streams (and, past `epoch` done, the order of the next one)."""
        streams = {"rng": self.gen.get_state(), "torch_rng": torch.get_rng_state()}
        if self.device.type == "cuda":
            streams["cuda_rng"] = torch.cuda.get_rng_state(self.device)
        if self.perm is not None and self.step > epoch * self.steps_per_epoch:
            streams["perm"] = self.perm
        return {"loop": streams, "trainer": self.training_state()}

    def save(self, path: Path, epoch: int, meta: dict | None = None) -> None:
        """A checkpoint of the networks at this step with what resume needs; `epoch`: the
        epochs done."""
        meta = self.meta | (meta or {}) | {"epoch": epoch, "step": self.step,
                                            "seconds": self.seconds}
        save_checkpoint(path, self.networks(), self.spec, meta, self.resume_state(epoch))
        self.saved_step = self.step

    def save_epoch(self, epoch: int, meta: dict | None = None) -> None:
        """The epoch checkpoint of the epoch just ended; then a stop's checkpoint is stale and
        the older epochs are thinned to `keep_epochs`, keeping their weights only."""
        self.save(checkpoint_path(self.run.dir, epoch), epoch, meta)
        remove_checkpoint(checkpoint_path(self.run.dir, STOPPED))  # all three of its files
        prune(self.run.dir, self.config.keep_epochs, self.best_epoch)

    # --- what a trainer supplies ----------------------------------------------------------
    @abstractmethod
    def load_state(self, state: dict, training_state: dict | None, meta: dict) -> None:
        """Take up a resumed run's latest epoch checkpoint: its weights, the training state
        saved beside them (optimizers, ...; None if none) and its meta. `self.step` and
        `self.first_epoch` already say where the run goes on."""

    @abstractmethod
    def networks(self) -> nn.Module:
        """What a checkpoint's weights hold."""

    @abstractmethod
    def training_state(self) -> dict:
        """What resume needs besides the weights and the loop's random streams (optimizers,
        schedule, replay, ...): handed back to `load_state`."""

    @abstractmethod
    def started(self) -> Event:
        """The run's first event."""

    def history(self) -> Iterable[Event]:
        """Events that show a resumed run's past before it goes on: none unless overridden."""
        return ()

    @abstractmethod
    def train_step(self, idx: torch.Tensor) -> None:
        """One step on the training images at `idx`: adds its metrics to the buffer as step
        `self.step`, on the device."""

    def step_event(self, epoch: int) -> Event | None:
        """An event to show after a step (`self.step` steps done), or None: never unless
        overridden."""
        return None

    @abstractmethod
    def take_steps(self, epoch: int, wall: float) -> TrainingSteps:
        """The buffered steps as the trainer's steps event: one host copy (MetricBuffer.take)."""

    @abstractmethod
    def end_epoch(self, epoch: int) -> Iterable[Event]:
        """What ends an epoch (validation or scores, `save_epoch`, the epoch's row in the
        store); its events. `epoch_steps` holds the epoch's steps events."""

    def early_stop(self) -> str | None:
        """Why to stop after this epoch before the last one (status early-stopped), or None:
        never unless overridden."""
        return None

    @abstractmethod
    def finish(self, status: str, message: str) -> TrainingFinished:
        """The run's last event, given how its epochs ended (the loop stores its status)."""

    # --- the loop -------------------------------------------------------------------------
    def steps(self) -> Iterator[Event | None]:
        """Started, the epochs, finished. Closing the job stops the run at its step, with a
        checkpoint; an error marks it failed; a NaN or infinite loss, or losses that ran away,
        end it as diverged."""
        try:
            yield from self.suspend(self.started())
            if self.step:
                for event in self.history():
                    yield from self.suspend(event)
            status, message = yield from self.epochs()
        except Diverged as err:
            status, message = "diverged", self.diverged(err)
        except GeneratorExit:
            self.stop()
            raise
        except BaseException as err:
            self.store.set_status(self.run.id, "failed", error_message(err))
            raise
        end = self.finish(status, message)
        self.store.set_status(self.run.id, end.status, end.message)
        yield end

    def epochs(self) -> Generator[Event | None, None, tuple[str, str]]:
        """Every epoch with its end; returns (status, message)."""
        for epoch in range(self.first_epoch, self.config.epochs + 1):
            self.now = epoch
            yield from self.epoch(epoch)
            for event in self.end_epoch(epoch):
                yield from self.suspend(event)
            means = self.epoch_means(*self.losses) if self.epoch_steps else {}
            self.epoch_steps = []
            if reason := runaway(means, epoch):
                return "diverged", f"{reason} {self.advice}"
            if reason := self.early_stop():
                return "early-stopped", reason
        return "finished", ""

    def epoch(self, epoch: int) -> Iterator[Event | None]:
        """One pass over the shuffled training split (from where a resumed run stopped): a tick
        per step, steps events when due."""
        self.perm, done = self.resumed or (self.shuffled(), 0)
        self.resumed = None
        for idx in self.perm.tensor_split(self.steps_per_epoch)[done:]:
            self.train_step(idx)
            self.step += 1
            if (event := self.step_event(epoch)) is not None:
                yield from self.suspend(event)
            yield from self.suspend(
                self.flush(epoch) if self.buffer.due(self.emit_interval) else None)
        if len(self.buffer):
            yield from self.suspend(self.flush(epoch))

    def shuffled(self) -> torch.Tensor:
        train = self.data.train
        return train[torch.randperm(len(train), generator=self.gen, device=self.device)]

    def suspend(self, item: Event | None) -> Iterator[Event | None]:
        """Yield `item`; the time until the driver takes the job up again (a pause, say) is
        left out of the step times and the run's clock."""
        left = self.buffer.clock()
        yield item
        away = self.buffer.clock() - left
        self.buffer.leave_out(away)
        self.start += away

    def stop(self) -> None:
        """The job was closed: log the steps not yet logged, checkpoint the step reached (unless
        the newest checkpoint holds it) and mark the run stopped there."""
        where = f"step {self.step} (epoch {self.now})"
        try:
            if len(self.buffer):
                self.flush(self.now)
            if self.step != self.saved_step:  # not at the end of an epoch, which saved it
                self.save(checkpoint_path(self.run.dir, STOPPED), self.now - 1)
        except Diverged as err:
            self.store.set_status(self.run.id, "diverged", self.diverged(err))
        except Exception as err:
            self.store.set_status(self.run.id, "stopped", f"stopped at {where}; its checkpoint "
                                  f"could not be saved ({error_message(err)})")
        else:
            self.store.set_status(self.run.id, "stopped",
                                  f"stopped at {where}; Continue resumes from there")

    def flush(self, epoch: int) -> TrainingSteps:
        """The buffered steps as an event, logged to the store; at a NaN or infinite loss,
        Diverged, once the steps before it are logged."""
        steps = self.take_steps(epoch, self.seconds)
        bad = steps.first_bad_step()
        self.store.log_steps(self.run.id, steps.rows(before=bad))
        if bad is not None:
            raise Diverged(steps, bad)
        self.epoch_steps.append(steps)
        self.losses = steps.losses
        return steps

    def diverged(self, err: Diverged) -> str:
        """The message of a diverged run: which loss became what, at which step."""
        steps, bad = err.args
        values = {k: getattr(steps, k)[steps.step == bad][0] for k in steps.losses}
        which = next(k for k, v in values.items() if not np.isfinite(v))
        return (f"{which} became {values[which]} at step {bad} (epoch {steps.epoch}); the run "
                f"stopped and everything before it is kept. {self.advice}")

    def epoch_means(self, *names: str) -> dict[str, float]:
        """Each named metric's mean over this epoch's steps."""
        return {k: float(np.concatenate([getattr(s, k) for s in self.epoch_steps]).mean())
                for k in names}


def split_state(saved: dict | None) -> tuple[dict, dict | None]:
    """(the loop's random streams, the trainer's training state) of a saved resume state;
    checkpoints from before the loop kept its streams hold the trainer's state alone."""
    if saved is not None and "loop" in saved:
        return saved["loop"], saved["trainer"]
    return {}, saved


def seconds_before(store: RunStore, run_id: str, epoch: int) -> float:
    """The wall time a run had logged at the end of `epoch` (0 if none): where a resumed run's
    clock goes on from."""
    rows = store.epochs(run_id)
    if SECONDS not in rows:
        return 0.0
    done = rows[SECONDS][rows[EPOCH] == epoch]
    return float(done[-1]) if len(done) else 0.0
