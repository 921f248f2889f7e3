"""Training panel: configure a classifier run, watch it learn live, compare with earlier runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QPushButton, QVBoxLayout, QWidget

from deepscope.core.classifier import (
    EpochEnd,
    Predictions,
    RunFinished,
    RunStarted,
    SanityResult,
    Steps,
    TrainConfig,
)
from deepscope.core.data.names import TORCHVISION_SETS
from deepscope.core.jobs import Message, ProgressEvent
from deepscope.core.models.spec import TORCHVISION_MODELS
from deepscope.core.runs.files import has_weights
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread, JobHandle, by_type
from ...widgets.data_export import DataExport, curves_export
from ...widgets.form import load_config, save_config
from ...widgets.image_grid import ImageGrid
from ...widgets.job_controls import JobControls
from ...widgets.live_run import Line, LiveRunView, RunKind
from ...widgets.panel_frame import boxed, frame
from ...widgets.progress_text import download_progress, run_progress
from ...widgets.run_labels import outcome
from ...widgets.scroll_column import scroll_column
from ...widgets.throttle import Throttle
from .form import TrainingForm
from .jobs import download_job, overfit_job, train_job

NOTE = (
    "<b>What am I looking at?</b> Training minimizes the mean loss "
    "L(θ) = (1/N) Σ ℓ(f<sub>θ</sub>(x<sub>i</sub>), y<sub>i</sub>) with steps "
    "θ ← θ − η ∇L on mini-batches. Faint lines are raw per-step values, solid lines their "
    "smoothed average, dots are validation scores per epoch: a widening gap between training "
    "and validation means overfitting."
)
LR_COLOR = (44, 160, 44)
PREDICTIONS_S = 1.0  # the predictions grid (48 images) repaints at most this often
SPEED_COLOR = (148, 103, 189)
RUNS = RunKind(
    kind="classifier",
    plots={"loss": "Loss", "acc": "Accuracy, recall@k", "lr": "Learning rate",
           "speed": "Throughput (images/s)"},
    lines=(Line("loss", "train", "loss"), Line("acc", "train", "acc"),
           Line("lr", "lr", "lr", LR_COLOR)),
    epoch_lines=(Line("loss", "val", "val_loss", smooth=False),
                 Line("acc", "val", "val_acc", smooth=False),
                 Line("acc", "val recall@1", "val_recall_at_1", smooth=False, ahead=False),
                 Line("acc", "val recall@5", "val_recall_at_5", smooth=False, ahead=False)),
)


def describe_steps(e: Steps) -> str:
    return (f"loss {e.loss[-1]:.4f}  grad norm {e.grad_norm[-1]:.3g}  "
            f"{1000 * e.step_time:.1f} ms/step  {e.images_per_s:,.0f} images/s")


class TrainingPanel(QWidget):
    """`open_in(panel key, run id)` asks the window to show a run in another panel."""

    title = "Training"
    open_in = Signal(str, str)

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.total_steps = 0
        self.form = TrainingForm()
        self.live = LiveRunView(store, RUNS, self, from_zero=("acc", "lr", "speed"),
                                legends=("loss", "acc"))
        # throughput: the live run's alone (a point an event, not stored: no overlay, no history)
        self.live.board.prepare([("speed", "images/s", SPEED_COLOR, {})])
        self.board, self.runs = self.live.board, self.live.runs  # (the tour's names)
        self.continue_button = self.live.continue_button
        self.grid = ImageGrid(cell=40, empty_text="Validation predictions appear after epoch "
                              "1; a red frame marks a wrong one")
        self.predictions = Throttle(PREDICTIONS_S, self.show_predictions, self)
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
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(scroll_column([self.form]), 1)
        left.addWidget(self.form.problems)  # why Train is disabled, next to it
        left.addWidget(self.controls)
        left_box = boxed(left)

        right = QVBoxLayout()
        preds_box = QGroupBox("Predictions")
        QVBoxLayout(preds_box).addWidget(self.grid)
        self.embed_button = QPushButton("Map in Embeddings")
        self.embed_button.setToolTip("Open the selected run in the Embeddings panel: its last "
                                     "hidden layer (a similarity run: its embedding) mapped")
        self.live.runs_box.layout().addWidget(self.embed_button)
        right.addWidget(self.live.runs_box, 1)
        right.addWidget(preds_box, 2)
        right_box = boxed(right)

        frame(self, NOTE, [(left_box, 0), (self.live.curves_box, 3), (right_box, 1)])

    def connect_signals(self) -> None:
        c = self.controls
        c.start_button.clicked.connect(self.start_training)
        self.overfit_button.clicked.connect(self.start_overfit)
        c.running_changed.connect(self.running_changed)
        c.shortcuts(self)
        self.form.changed.connect(lambda found: c.set_startable(not found))
        self.form.download.connect(self.download)
        self.live.resume.connect(self.continue_run)
        self.runs.currentItemChanged.connect(self.update_embed)
        self.embed_button.clicked.connect(
            lambda: self.open_in.emit("embedding", self.runs.current_id()))

    # --- actions -------------------------------------------------------------------------
    def start(self, factory, label: str, events: dict, training: bool = True) -> None:
        """Run a job whose events go to `events`' handlers (by type)."""
        if self.job is not None or (training and self.form.issues()):
            return
        if training:
            self.live.clear()
            self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
        self.total_steps = 0
        self.controls.run(factory, label, yielded=by_type(events))

    def run_events(self) -> dict:
        """The handlers of a training run's events."""
        return {RunStarted: self.on_started, Steps: self.on_steps, EpochEnd: self.live.add_epoch,
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
        root = self.form.source.download_root() if config.dataset in TORCHVISION_SETS else Path()
        self.start(lambda: download_job(config.dataset, root, weights), "Downloading",
                   {ProgressEvent: self.show_download, Message: self.on_message}, training=False)

    def continue_run(self, run_id: str, stored: dict) -> None:
        config = TrainConfig.from_dict(stored)
        self.form.set_config(config)
        self.start(lambda: train_job(config, self.store, resume=run_id), "Continuing",
                   self.run_events())

    def running_changed(self, running: bool) -> None:
        self.controls.set_startable(not self.form.issues())
        self.form.setEnabled(not running)
        self.live.set_running(running)
        self.update_embed()

    def update_embed(self, *_) -> None:
        """Map in Embeddings: for a selected run that has saved a checkpoint."""
        run_id = self.runs.current_id()
        run = self.store.get(run_id) if run_id else None
        self.embed_button.setEnabled(run is not None and has_weights(run.dir))

    # --- events of the panel's jobs ------------------------------------------------------
    def on_started(self, e: RunStarted) -> None:
        self.total_steps = e.total_steps
        self.live.start_run(e.run_id, e.total_steps, e.first_step)
        n_train, n_val, n_test = e.sizes
        self.controls.say(
            f"Run {e.run_id} on {e.device}: {n_train} train / {n_val} val / {n_test} test "
            f"images, {e.steps_per_epoch} steps per epoch.")

    def on_steps(self, e: Steps) -> None:
        self.live.add_steps(e)
        self.board.extend("speed", "images/s", e.step[-1], e.wall, e.images_per_s,
                          color=SPEED_COLOR)
        self.controls.show_progress(*run_progress(e, self.total_steps, f"epoch {e.epoch}  "),
                                    describe_steps(e))

    def show_predictions(self, e: Predictions) -> None:
        pairs = list(zip(e.preds, e.confidence, e.labels, strict=True))
        captions = [f"{e.classes[p]} {c:.0%}" for p, c, _ in pairs]
        tips = [f"predicted {e.classes[p]} ({c:.1%}), true {e.classes[t]}" for p, c, t in pairs]
        self.grid.set_images(e.images, captions, list(e.preds != e.labels), tips)
        wrong = int((e.preds != e.labels).sum())
        self.grid.setToolTip(f"epoch {e.epoch}: {wrong} of {len(e.preds)} shown are wrong")

    def on_finished(self, e: RunFinished) -> None:
        self.controls.say(f"Run {e.run_id} {outcome(e.status, e.message)}")
        self.live.end_run(e)

    def say(self, e: SanityResult | Message) -> None:
        self.controls.say(e.message if isinstance(e, SanityResult) else e.text)

    def show_download(self, e: ProgressEvent) -> None:
        self.controls.show_progress(*download_progress(e))

    def on_message(self, e: Message) -> None:
        self.say(e)
        self.form.validate()

    def data_export(self) -> DataExport | str:
        """File > Export data: the curves on the board as CSV."""
        return curves_export(self.board, "training-curves")

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        save_config(settings, "training/config", self.form.config())

    def load_settings(self, settings) -> None:
        if config := load_config(settings, "training/config", TrainConfig):
            self.form.set_config(config)
