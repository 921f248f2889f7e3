"""Training panel: configure a classifier run, watch it learn live, compare with earlier runs."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QGroupBox, QMessageBox, QPushButton, QVBoxLayout, QWidget

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.classifier.events import (
    EpochEnd,
    Predictions,
    RunFinished,
    RunStarted,
    SanityResult,
    Steps,
)
from deepscope.core.data.names import TORCHVISION_SETS
from deepscope.core.jobs import Message, ProgressEvent
from deepscope.core.models.spec import TORCHVISION_MODELS
from deepscope.core.runs.store import RunStore
from deepscope.core.training.metrics import step_seconds

from ...compute import ComputeThread, JobHandle, by_type
from ...widgets.curve_toolbar import CurveToolbar
from ...widgets.curves import OVERLAY_COLORS, CurveBoard, CurveSpec, step_walls
from ...widgets.form import load_config, save_config
from ...widgets.image_grid import ImageGrid
from ...widgets.job_controls import JobControls
from ...widgets.panel_frame import boxed, error_box, frame
from ...widgets.progress_text import download_progress, run_progress
from ...widgets.run_list import RunList, continue_button
from ...widgets.throttle import Throttle
from .form import TrainingForm

NOTE = (
    "<b>What am I looking at?</b> Training minimizes the mean loss "
    "L(θ) = (1/N) Σ ℓ(f<sub>θ</sub>(x<sub>i</sub>), y<sub>i</sub>) with steps "
    "θ ← θ − η ∇L on mini-batches. Faint lines are raw per-step values, solid lines their "
    "smoothed average, dots are validation scores per epoch: a widening gap between training "
    "and validation means overfitting."
)
LR_COLOR = (44, 160, 44)
PREDICTIONS_S = 1.0  # the predictions grid (48 images) repaints at most this often
PLOTS = {"loss": "Loss", "acc": "Accuracy", "lr": "Learning rate", "speed": "Throughput (images/s)"}
SPEED_COLOR = (148, 103, 189)
LIVE_CURVES: list[CurveSpec] = [  # what a run draws (created ahead: see CurveBoard.prepare)
    ("loss", "train", None, {}), ("acc", "train", None, {}), ("lr", "lr", LR_COLOR, {}),
    ("speed", "images/s", SPEED_COLOR, {}), ("loss", "val", None, {"smooth": False}),
    ("acc", "val", None, {"smooth": False})]


def train_job(config: TrainConfig, store: RunStore):
    """Job factory body: runs on the compute thread, so torch is imported there."""
    from deepscope.core.classifier.trainer import train

    return train(config, store)


def resume_job(config: TrainConfig, store: RunStore, run_id: str):
    from deepscope.core.classifier.trainer import train

    return train(config, store, resume=run_id)


def download_job(dataset: str, root: Path, weights: str | None):
    """Fetch the dataset if it is a torchvision set, and the model's weights if asked."""
    from deepscope.core.data.load import download_job
    from deepscope.core.models.torchvision_zoo import download_weights_job

    if weights:
        yield from download_weights_job(weights)
    if dataset in TORCHVISION_SETS:
        yield from download_job(dataset, root)


def overfit_job(config: TrainConfig):
    from deepscope.core.classifier.sanity import overfit_one_batch

    return overfit_one_batch(config)


def describe_steps(e: Steps) -> str:
    return (f"loss {e.loss[-1]:.4f}  grad norm {e.grad_norm[-1]:.3g}  "
            f"{1000 * e.step_time:.1f} ms/step  {e.images_per_s:,.0f} images/s")


class TrainingPanel(QWidget):
    title = "Training"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.total_steps = 0
        self.prev_wall = 0.0
        self.form = TrainingForm()
        self.board = CurveBoard(PLOTS, from_zero=("acc", "lr", "speed"),
                                legends={"loss": (-5, 5), "acc": (-5, -30)})
        self.board.prepare(LIVE_CURVES)
        self.grid = ImageGrid(cell=40, empty_text="Validation predictions appear after epoch 1")
        self.predictions = Throttle(PREDICTIONS_S, self.show_predictions, self)
        self.runs = RunList(store)
        self.build()
        self.connect_signals()
        self.running_changed(False)

    @property
    def job(self) -> JobHandle | None:
        """The panel's running job (None when idle)."""
        return self.controls.handle

    def build(self) -> None:
        self.overfit_button = QPushButton("Overfit one batch")
        self.overfit_button.setToolTip("Sanity check: a model that can learn reaches ~0 loss "
                                       "and 100% accuracy on one batch of 16")
        self.controls = JobControls(
            self.compute, "Train", "Press Train to start. Ctrl+Return trains, Ctrl+P pauses, "
            "Ctrl+. stops.", extra=[self.overfit_button])
        left = QVBoxLayout()
        left.addWidget(self.form)
        left.addWidget(self.controls)
        left.addStretch(1)
        left_box = boxed(left)
        left_box.setMaximumWidth(400)

        middle = QVBoxLayout()
        middle.addWidget(CurveToolbar(self.board))
        middle.addWidget(self.board, 1)
        middle_box = boxed(middle)

        right = QVBoxLayout()
        runs_box = QGroupBox("Runs (check to overlay)")
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.addWidget(self.runs)
        self.continue_button = continue_button()
        runs_layout.addWidget(self.continue_button)
        preds_box = QGroupBox("Predictions (red = wrong)")
        QVBoxLayout(preds_box).addWidget(self.grid)
        right.addWidget(runs_box, 1)
        right.addWidget(preds_box, 2)
        right_box = boxed(right)
        right_box.setMinimumWidth(280)

        frame(self, NOTE, [(left_box, 0), (middle_box, 3), (right_box, 1)])

    def connect_signals(self) -> None:
        c = self.controls
        c.start_button.clicked.connect(self.start_training)
        self.overfit_button.clicked.connect(self.start_overfit)
        c.running_changed.connect(self.running_changed)
        c.shortcuts(self)
        self.form.changed.connect(lambda found: c.set_startable(not found))
        self.form.download.connect(self.download)
        self.runs.overlay.connect(self.overlay)
        self.runs.currentItemChanged.connect(lambda *_: self.running_changed(c.running))
        self.continue_button.clicked.connect(self.continue_run)

    # --- actions -------------------------------------------------------------------------
    def start(self, factory, label: str, events: dict, training: bool = True) -> None:
        """Run a job whose events go to `events`' handlers (by type)."""
        if self.job is not None or (training and self.form.issues()):
            return
        if training:
            self.board.clear_curves(keep={self.overlay_name(r) for r in self.runs.checked()})
            self.board.set_x_extent(None)
            self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
        self.total_steps, self.prev_wall = 0, 0.0
        self.controls.run(factory, label, yielded=by_type(events))

    def run_events(self) -> dict:
        """The handlers of a training run's events."""
        return {RunStarted: self.on_started, Steps: self.on_steps, EpochEnd: self.on_epoch,
                Predictions: self.predictions, RunFinished: self.on_finished}

    def start_training(self) -> None:
        config = self.form.config()
        self.start(lambda: train_job(config, self.store), "Training", self.run_events())

    def start_overfit(self) -> None:
        config = self.form.config()
        self.start(lambda: overfit_job(config), "Overfitting one batch", {SanityResult: self.say})

    def download(self) -> None:
        config = self.form.config()
        weights = config.model if config.pretrained and config.model in TORCHVISION_MODELS else None
        root = self.form.download_root() if config.dataset in TORCHVISION_SETS else Path()
        self.start(lambda: download_job(config.dataset, root, weights), "Downloading",
                   {ProgressEvent: self.show_download, Message: self.on_message}, training=False)

    def continue_run(self) -> None:
        if (run_id := self.runs.resumable_id()) is None:
            return
        config = TrainConfig.from_dict(self.store.config_of(run_id, "classifier"))
        self.form.set_config(config)
        self.start(lambda: resume_job(config, self.store, run_id), "Continuing",
                   self.run_events())

    def running_changed(self, running: bool) -> None:
        self.controls.set_startable(not self.form.issues())
        self.form.setEnabled(not running)
        self.continue_button.setEnabled(not running and self.runs.resumable_id() is not None)

    # --- events of the panel's jobs ------------------------------------------------------
    def on_started(self, e: RunStarted) -> None:
        self.total_steps = e.total_steps
        self.board.set_x_extent(e.total_steps)
        n_train, n_val, n_test = e.sizes
        self.controls.say(
            f"Run {e.run_id} on {e.device}: {n_train} train / {n_val} val / {n_test} test "
            f"images, {e.steps_per_epoch} steps per epoch.")
        if e.first_step:
            self.show_history(e.run_id, e.first_step)

    def show_history(self, run_id: str, before_step: int) -> None:
        """A resumed run's curves start with what the store holds from before."""
        self.prev_wall = self.plot_stored(run_id, {"loss": "train", "acc": "train", "lr": "lr"},
                                          before_step, color=None)
        epochs = self.store.epochs(run_id)
        done = epochs["step"] < before_step if len(epochs.get("step", [])) else None
        if done is not None and done.any():
            for plot, key in (("loss", "val_loss"), ("acc", "val_acc")):
                self.board.extend(plot, "val", epochs["step"][done], epochs["seconds"][done],
                                  epochs[key][done], smooth=False)

    def plot_stored(self, run_id: str, names: dict[str, str], before_step: int | None = None,
                    **style) -> float:
        """Draw a stored run's loss, accuracy and learning rate; returns its last wall time."""
        steps = self.store.steps(run_id)
        if not len(steps.get("step", [])):
            return 0.0
        keep = steps["step"] < (before_step if before_step is not None else np.inf)
        wall = np.cumsum(step_seconds(steps)[keep])
        for plot, name in names.items():
            color = style.get("color") or (LR_COLOR if plot == "lr" else None)
            self.board.extend(plot, name, steps["step"][keep], wall, steps[plot][keep],
                              **{**style, "color": color})
        return float(wall[-1]) if len(wall) else 0.0

    def on_steps(self, e: Steps) -> None:
        wall = step_walls(self.prev_wall, e.wall, len(e.step))
        self.prev_wall = e.wall
        b = self.board
        b.extend("loss", "train", e.step, wall, e.loss)
        b.extend("acc", "train", e.step, wall, e.acc)
        b.extend("lr", "lr", e.step, wall, e.lr, color=LR_COLOR)
        b.extend("speed", "images/s", e.step[-1], e.wall, e.images_per_s, color=SPEED_COLOR)
        self.controls.show_progress(*run_progress(e, self.total_steps, f"epoch {e.epoch}  "),
                                    describe_steps(e))

    def on_epoch(self, e: EpochEnd) -> None:
        for plot, value in (("loss", e.val_loss), ("acc", e.val_acc)):
            self.board.extend(plot, "val", e.step, e.seconds, value, smooth=False)

    def show_predictions(self, e: Predictions) -> None:
        pairs = list(zip(e.preds, e.confidence, e.labels, strict=True))
        captions = [f"{e.classes[p]} {c:.0%}" for p, c, _ in pairs]
        tips = [f"predicted {e.classes[p]} ({c:.1%}), true {e.classes[t]}" for p, c, t in pairs]
        self.grid.set_images(e.images, captions, list(e.preds != e.labels), tips)
        wrong = int((e.preds != e.labels).sum())
        self.grid.setToolTip(f"epoch {e.epoch}: {wrong} of {len(e.preds)} shown are wrong")

    def on_finished(self, e: RunFinished) -> None:
        self.controls.say(f"Run {e.run_id} {e.status}: {e.message}")
        if e.status == "diverged":
            self.error_box = error_box(self, "Training diverged", e.message,
                                       icon=QMessageBox.Icon.Warning)

    def say(self, e: SanityResult | Message) -> None:
        self.controls.say(e.message if isinstance(e, SanityResult) else e.text)

    def show_download(self, e: ProgressEvent) -> None:
        self.controls.show_progress(*download_progress(e))

    def on_message(self, e: Message) -> None:
        self.say(e)
        self.form.validate()

    # --- overlays and export -------------------------------------------------------------
    def overlay_name(self, run_id: str) -> str:
        """A short legend label: model, start time and the id's tail (unique per run)."""
        run = self.store.get(run_id)
        when = time.strftime("%H:%M", time.localtime(run.created))
        return f"{run.config.get('config', {}).get('model', 'run')} {when} ·{run_id[-4:]}"

    def overlay(self, run_id: str, on: bool) -> None:
        name = self.overlay_name(run_id)
        if not on:
            self.board.remove(name)
            return
        color = OVERLAY_COLORS[hash(run_id) % len(OVERLAY_COLORS)]
        self.plot_stored(run_id, dict.fromkeys(("loss", "acc", "lr"), name), color=color,
                         dashed=True)

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        save_config(settings, "training/config", self.form.config())

    def load_settings(self, settings) -> None:
        if config := load_config(settings, "training/config", TrainConfig):
            self.form.set_config(config)
