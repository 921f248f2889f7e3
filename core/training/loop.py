"""The run loop every trainer plugs into: one stored run, from its start or resume to its end.

The loop does what every training run does: create the run in the store, or resume it from its
latest epoch checkpoint with its clock going on; shuffle the training split each epoch and step
through it, yielding a tick per step (the driver may pause or cancel there) and the buffered
metrics as a steps event when due (one host copy per emission, logged to the store); stop at the
first NaN or infinite loss, keeping the steps before it; and mark the run's status however the
job ends (finished, early-stopped, diverged, stopped by closing the job, failed).

A trainer keeps only what is its own: its networks and their step, its events, what an epoch
ends with (validation, scores, checkpoints), and how it takes up a checkpoint. Per step the loop
adds two method calls to the trainer's step (well under a microsecond of a ~5 ms LeNet step).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterable, Iterator
from typing import ClassVar, Protocol

import numpy as np
import torch

from ..jobs import error_message
from ..jobs.events import Event
from ..runs.checkpoint import latest_checkpoint, load_checkpoint, load_optimizer_state
from ..runs.store import RunStore
from .data import DeviceData
from .events import TrainingFinished, TrainingSteps
from .job import Diverged, MetricBuffer
from .metrics import EPOCH, SECONDS


class LoopConfig(Protocol):
    """What the loop reads of a trainer's config."""

    @property
    def epochs(self) -> int: ...

    @property
    def seed(self) -> int: ...


class RunLoop(ABC):
    """One training run; `steps()` is the generator the compute thread drives.

    A trainer names its `kind` and divergence `advice`, calls `__init__` once its data is on
    the device, `open` once its own state exists, and supplies the abstract methods."""

    kind: ClassVar[str]  # the run store's kind of run
    advice: ClassVar[str]  # the last sentence of the divergence message

    def __init__(
        self, config: LoopConfig, store: RunStore, emit_interval: float, device: torch.device,
        data: DeviceData, steps_per_epoch: int, buffer: MetricBuffer,
    ) -> None:
        self.config, self.store, self.emit_interval = config, store, emit_interval
        self.device, self.data, self.steps_per_epoch = device, data, steps_per_epoch
        self.buffer = buffer
        self.gen = torch.Generator(device=device).manual_seed(config.seed)
        self.step, self.first_epoch = 0, 1
        self.epoch_steps: list[TrainingSteps] = []

    def open(self, resume: str | None, record: dict) -> None:
        """Resume the stored run `resume`, or create a run that stores `record`; the run's
        clock starts."""
        self.start = time.perf_counter()
        if resume:
            self.restore(resume)
        else:
            self.run = self.store.create_run(record, kind=self.kind)

    def restore(self, run_id: str) -> None:
        """Go on with a stored run from its latest epoch checkpoint, up to `config.epochs`."""
        self.run = self.store.get(run_id)
        path = latest_checkpoint(self.run.dir)
        if path is None:
            raise ValueError(f"run {run_id} has no epoch checkpoint to resume from")
        state, _, meta = load_checkpoint(path)
        epoch = int(meta["epoch"])
        self.step = int(meta.get("step", epoch * self.steps_per_epoch))
        self.first_epoch = epoch + 1
        self.load_state(state, load_optimizer_state(path), meta)
        self.start -= seconds_before(self.store, run_id, epoch)
        self.store.set_status(run_id, "running", f"resumed at epoch {epoch + 1}")

    @property
    def seconds(self) -> float:
        """Seconds since the run started (a resumed run's clock goes on from its last epoch)."""
        return time.perf_counter() - self.start

    # --- what a trainer supplies ----------------------------------------------------------
    @abstractmethod
    def load_state(self, state: dict, training_state: dict | None, meta: dict) -> None:
        """Take up a resumed run's latest epoch checkpoint: its weights, the training state
        saved beside them (optimizers, ...; None if none) and its meta. `self.step` and
        `self.first_epoch` already say where the run goes on."""

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
        """What ends an epoch (validation or scores, checkpoints, the epoch's row in the store);
        its events. `epoch_steps` holds the epoch's steps events."""

    def early_stop(self) -> str | None:
        """Why to stop after this epoch before the last one (status early-stopped), or None:
        never unless overridden."""
        return None

    @abstractmethod
    def finish(self, status: str, message: str) -> TrainingFinished:
        """The run's last event, given how its epochs ended (the loop stores its status)."""

    # --- the loop -------------------------------------------------------------------------
    def steps(self) -> Iterator[Event | None]:
        """Started, the epochs, finished. Closing the job marks the run stopped at its step;
        an error marks it failed; a NaN or infinite loss ends it as diverged."""
        yield self.started()
        if self.step:
            yield from self.history()
        try:
            status, message = yield from self.epochs()
        except Diverged as err:
            status, message = "diverged", self.diverged(err)
        except GeneratorExit:
            message = f"stopped by the user at step {self.step}"
            self.store.set_status(self.run.id, "stopped", message)
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
            self.epoch_steps = []
            yield from self.epoch(epoch)
            yield from self.end_epoch(epoch)
            if reason := self.early_stop():
                return "early-stopped", reason
        return "finished", ""

    def epoch(self, epoch: int) -> Iterator[Event | None]:
        """One pass over the shuffled training split: a tick per step, steps events when due."""
        train = self.data.train
        perm = train[torch.randperm(len(train), generator=self.gen, device=self.device)]
        for idx in perm.tensor_split(self.steps_per_epoch):
            self.train_step(idx)
            self.step += 1
            if (event := self.step_event(epoch)) is not None:
                yield event
            yield self.flush(epoch) if self.buffer.due(self.emit_interval) else None
        if len(self.buffer):
            yield self.flush(epoch)

    def flush(self, epoch: int) -> TrainingSteps:
        """The buffered steps as an event, logged to the store; at a NaN or infinite loss,
        Diverged, once the steps before it are logged."""
        steps = self.take_steps(epoch, self.seconds)
        bad = steps.first_bad_step()
        self.store.log_steps(self.run.id, steps.rows(before=bad))
        if bad is not None:
            raise Diverged(steps, bad)
        self.epoch_steps.append(steps)
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


def seconds_before(store: RunStore, run_id: str, epoch: int) -> float:
    """The wall time a run had logged at the end of `epoch` (0 if none): where a resumed run's
    clock goes on from."""
    rows = store.epochs(run_id)
    if SECONDS not in rows:
        return 0.0
    done = rows[SECONDS][rows[EPOCH] == epoch]
    return float(done[-1]) if len(done) else 0.0
