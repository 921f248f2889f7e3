"""Classifier training as a generator job, in the run loop every trainer shares (training.loop).

The job yields ``None`` after every step (a tick: the driver may pause or cancel there) and a
frozen event whenever there is something to show. Per-step metrics stay on the device and are
copied to the host once per emission, so there is no per-step host sync beyond what the display
needs. Closing the generator (cancel) marks the run stopped and keeps every checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace

import numpy as np
import torch
from torch import nn

from ..data.names import test_set_name
from ..device import device_label, resolve_device
from ..jobs.pacing import EMIT_INTERVAL
from ..models.build import build_model
from ..models.spec import ModelSpec
from ..runs.checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from ..runs.store import RunStore
from ..training.data import DeviceData
from ..training.job import MetricBuffer
from ..training.loop import RunLoop
from ..training.optim import grad_norms, total_norm
from .augment import augment
from .config import TrainConfig, problems
from .data import prepare_data
from .events import (
    EpochEnd,
    Predictions,
    RunFinished,
    RunStarted,
    Steps,
    test_accuracy_text,
)
from .losses import Loss, make_loss
from .optim import lr_factor, make_optimizer, make_schedule

PREDICTION_SAMPLE = 48


class StepBuffer(MetricBuffer):
    """Per-step [loss, acc, *per-parameter gradient norms] tensors and learning rates until the
    next emission."""

    def clear(self) -> None:
        super().clear()
        self.lrs: list[float] = []

    def add(  # type: ignore[override]  # the learning rate rides along on the host
        self, step: int, lr: float, values: torch.Tensor, images: int
    ) -> None:
        self.lrs.append(lr)
        super().add(step, values, images)

    def flush(self, epoch: int, wall: float) -> Steps:
        """One host copy of everything buffered, as a Steps event."""
        lrs = np.asarray(self.lrs)
        step, values, timing = self.take()
        return Steps(epoch=epoch, step=step, wall=wall, **timing, loss=values[:, 0],
                     acc=values[:, 1], lr=lrs, grad_norm=total_norm(values[:, 2:]))


def train_step(
    model: nn.Module, opt: torch.optim.Optimizer, loss_fn: Loss, x: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """One optimizer step; returns [loss, accuracy, each parameter's gradient norm] on the
    device (StepBuffer combines the norms on the host)."""
    opt.zero_grad(set_to_none=True)
    logits = model(x)
    loss = loss_fn(logits, y)
    if loss.requires_grad:
        loss.backward()
        opt.step()
    acc = (logits.detach().argmax(1) == y).float().mean()
    return torch.stack([loss.detach(), acc, *grad_norms(opt)])


@torch.inference_mode()
def evaluate(
    model: nn.Module, data: DeviceData, idx: torch.Tensor, loss_fn: Loss, batch: int = 512
) -> tuple[float, float, torch.Tensor, torch.Tensor]:
    """Mean loss and accuracy over idx, plus predictions and confidences (on the device)."""
    was_training = model.training
    model.eval()
    losses, preds, confs = [], [], []
    for chunk in idx.split(batch):
        x, y = data.batch(chunk)
        logits = model(x)
        losses.append(loss_fn(logits, y) * len(chunk))
        prob, pred = logits.softmax(1).max(1)
        preds.append(pred)
        confs.append(prob)
    model.train(was_training)
    pred, conf = torch.cat(preds), torch.cat(confs)
    loss = float(torch.stack(losses).sum()) / max(len(idx), 1)
    acc = float((pred == data.labels[idx]).float().mean()) if len(idx) else float("nan")
    return loss, acc, pred, conf


def prediction_sample(
    epoch: int, data: DeviceData, idx: torch.Tensor, pred: torch.Tensor, conf: torch.Tensor
) -> Predictions:
    """The first validation images with labels and predictions, as numpy copies."""
    n = min(PREDICTION_SAMPLE, len(idx))
    sel = idx[:n]
    return Predictions(
        epoch=epoch,
        images=data.images[sel].cpu().numpy(),
        labels=data.labels[sel].cpu().numpy(),
        preds=pred[:n].cpu().numpy(),
        confidence=conf[:n].cpu().numpy(),
        classes=data.classes,
    )


def build_run(config: TrainConfig) -> tuple[torch.device, DeviceData, ModelSpec, nn.Module]:
    """Validate, resolve the device, load the data and build the model on it."""
    found = problems(config)
    if found:
        raise ValueError("invalid training configuration: " + "; ".join(found))
    device = resolve_device(config.device)
    data = prepare_data(config, device)
    outputs = len(data.classes) if config.objective == "classify" else config.embedding_dim
    spec = ModelSpec(
        config.model, data.channels, data.size, outputs,
        config.activation, config.dropout, config.pretrained,
    )
    torch.manual_seed(config.seed)
    return device, data, spec, build_model(spec).to(device)


class ClassifierRun(RunLoop):
    """A classifier's training run in the run loop: its model, loss, optimizer and schedule,
    validation, best checkpoint, early stopping, predictions sample and test accuracy."""

    kind = "classifier"
    advice = "Try a lower learning rate."
    score = "val_acc"  # the epoch score the best checkpoint is chosen by (ties: val_loss)
    unstored = ("epoch", "val_recall_at_1", "val_recall_at_5")  # EpochEnd fields not logged
    config: TrainConfig
    buffer: StepBuffer
    step_fn = staticmethod(train_step)

    def __init__(
        self, config: TrainConfig, store: RunStore, emit_interval: float, resume: str | None
    ) -> None:
        device, data, self.spec, self.model = build_run(config)
        self.batch_size = len(data.train) if config.optimizer == "gd" else config.batch_size
        super().__init__(config, store, emit_interval, device, data,
                         max(1, len(data.train) // self.batch_size), StepBuffer())
        self.loss_fn = self.make_loss()
        self.opt = make_optimizer(config, self.model.parameters())
        self.schedule = make_schedule(config, self.opt, self.steps_per_epoch)
        self.meta = self.describe()
        self.best_key: tuple[float, float] | None = None
        self.best_state: dict | None = None
        self.best_epoch: int | None = None
        self.lowest_val_loss, self.worse_epochs = float("inf"), 0
        self.open(resume, self.meta | {"model": asdict(self.spec)})

    def make_loss(self) -> Loss:
        return make_loss(self.config.loss)

    def describe(self) -> dict:
        """The checkpoints' meta (besides epoch, step and scores)."""
        d = self.data
        return {"config": self.config.to_dict(), "classes": list(d.classes), "mean": list(d.mean),
                "std": list(d.std)}

    def load_state(self, state: dict, training_state: dict | None, meta: dict) -> None:
        """Model, optimizer, schedule, best checkpoint and lowest validation loss so far."""
        self.model.load_state_dict(state)
        if training_state:
            self.opt.load_state_dict(training_state)
        self.schedule.last_epoch = self.step
        factor = lr_factor(self.config.schedule, self.step, self.steps_per_epoch,
                           self.config.epochs)
        for group in self.opt.param_groups:
            group["lr"] = group["initial_lr"] * factor
        best = checkpoint_path(self.run.dir, "best")
        if best.exists():
            best_state, _, best_meta = load_checkpoint(best)
            self.best_key = (best_meta[self.score], -best_meta["val_loss"])
            self.best_state = {k: v.to(self.device) for k, v in best_state.items()}
            self.best_epoch = int(best_meta["epoch"])
        epoch = self.first_epoch - 1
        val_losses = self.store.epochs(self.run.id).get("val_loss", np.array([]))
        self.lowest_val_loss = float(val_losses[:epoch].min()) if epoch else float("inf")

    def networks(self) -> nn.Module:
        return self.model

    def training_state(self) -> dict:
        """The optimizer's state (the schedule follows from the step)."""
        return self.opt.state_dict()

    def started(self) -> RunStarted:
        d = self.data
        return RunStarted(
            self.run.id, str(self.run.dir), device_label(self.device), d.classes,
            self.steps_per_epoch, self.steps_per_epoch * self.config.epochs,
            (len(d.train), len(d.val), len(d.test)), self.step,
        )

    def train_step(self, idx: torch.Tensor) -> None:
        x, y = self.data.batch(idx)
        x = augment(x, self.config.augment, self.gen)
        lr = self.opt.param_groups[0]["lr"]
        self.buffer.add(self.step, lr, self.step_fn(self.model, self.opt, self.loss_fn, x, y),
                        len(idx))
        self.schedule.step()

    def take_steps(self, epoch: int, wall: float) -> Steps:
        return self.buffer.flush(epoch, wall)

    def end_epoch(self, epoch: int) -> tuple[EpochEnd, Predictions]:
        """Validate, checkpoint (each epoch and the best), log, and track early stopping."""
        d = self.data
        val_loss, val_acc, pred, conf = evaluate(self.model, d, d.val, self.loss_fn)
        is_best = self.keep(epoch, {"val_loss": val_loss, "val_acc": val_acc})
        train = self.epoch_means("loss", "acc")
        end = EpochEnd(epoch, self.step, train["loss"], train["acc"], val_loss, val_acc,
                       self.seconds, is_best)
        self.log(end)
        return end, prediction_sample(epoch, d, d.val, pred, conf)

    def keep(self, epoch: int, scores: dict[str, float]) -> bool:
        """Checkpoint the epoch (and the best one, by `score`, then the lower validation loss)
        and track early stopping; whether the epoch is the best so far."""
        key = (scores[self.score], -scores["val_loss"])
        is_best = self.best_key is None or key > self.best_key
        self.save_epoch(epoch, scores)
        if is_best:
            self.best_key, self.best_epoch = key, epoch
            self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            save_checkpoint(checkpoint_path(self.run.dir, "best"), self.model, self.spec,
                            self.meta | scores | {"epoch": epoch, "step": self.step})
        val_loss = scores["val_loss"]
        self.worse_epochs = 0 if val_loss < self.lowest_val_loss else self.worse_epochs + 1
        self.lowest_val_loss = min(self.lowest_val_loss, val_loss)
        return is_best

    def log(self, end: EpochEnd) -> None:
        """The epoch's row in the run store."""
        self.store.log_epoch(self.run.id, end.epoch,
                             {k: v for k, v in asdict(end).items() if k not in self.unstored})

    def early_stop(self) -> str | None:
        patience = self.config.patience
        if patience and self.worse_epochs >= patience:
            return f"validation loss did not improve for {patience} epochs"
        return None

    def finish(self, status: str, message: str) -> RunFinished:
        """Test accuracy of the best checkpoint; the message (the run's stored status) names
        the test set and its size."""
        test, test_acc = self.data.test, None
        test_set = test_set_name(self.config.dataset) if len(test) else None
        if self.take_best():
            test_acc = evaluate(self.model, self.data, test, self.loss_fn)[1]
        if test_acc is not None and status != "diverged":
            result = test_accuracy_text(test_acc, test_set, len(test))
            message = f"{message}; {result}" if message else result
        return RunFinished(status, message, self.run.id, str(self.run.dir), test_acc,
                           self.best_epoch, test_set, len(test))

    def take_best(self) -> bool:
        """Load the best checkpoint's weights, if there is one and test images to test it on."""
        if self.best_state is None or not len(self.data.test):
            return False
        self.model.load_state_dict(self.best_state)
        return True


def train(
    config: TrainConfig, store: RunStore, emit_interval: float = EMIT_INTERVAL,
    resume: str | None = None,
) -> Iterator:
    """Train a classifier (or, for a similarity objective, an embedding network:
    similarity_trainer): yields None per step (a tick) and events from classifier.events.

    With `resume`, continue that stored run from the step of its newest checkpoint (model,
    optimizer, schedule, random streams and best score) up to `config.epochs`.
    """
    if config.objective == "classify":
        yield from ClassifierRun(config, store, emit_interval, resume).steps()
        return
    from .similarity_trainer import SimilarityRun  # it builds on ClassifierRun

    yield from SimilarityRun(config, store, emit_interval, resume).steps()


def resume_config(store: RunStore, run_id: str, epochs: int | None = None) -> TrainConfig:
    """The stored configuration of a run, optionally with more epochs."""
    config = TrainConfig.from_dict(store.config_of(run_id, "classifier"))
    return replace(config, epochs=epochs) if epochs else config
