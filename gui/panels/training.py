"""Training panel: configure a classifier run, watch it learn live, compare with earlier runs."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from core.data.names import TORCHVISION_SETS
from core.jobs import Message, ProgressEvent
from core.models.spec import TORCHVISION_MODELS
from core.runs.store import RunStore
from core.training.config import TrainConfig
from core.training.events import EpochEnd, Predictions, RunFinished, RunStarted, SanityResult, Steps
from gui.compute import ComputeThread
from gui.panels.training_form import TrainingForm
from gui.widgets.curves import OVERLAY_COLORS, CurveBoard
from gui.widgets.image_grid import ImageGrid
from gui.widgets.panel_frame import boxed, error_box, frame
from gui.widgets.run_list import RunList

NOTE = (
    "<b>What am I looking at?</b> Training minimizes the mean loss "
    "L(θ) = (1/N) Σ ℓ(f<sub>θ</sub>(x<sub>i</sub>), y<sub>i</sub>) with steps "
    "θ ← θ − η ∇L on mini-batches. Faint lines are raw per-step values, solid lines their "
    "smoothed average, dots are validation scores per epoch: a widening gap between training "
    "and validation means overfitting."
)
LR_COLOR = (44, 160, 44)
PLOTS = {"loss": "Loss", "acc": "Accuracy", "lr": "Learning rate", "speed": "Throughput (images/s)"}


def train_job(config: TrainConfig, store: RunStore):
    """Job factory body: runs on the compute thread, so torch is imported there."""
    from core.training.trainer import train

    return train(config, store)


def resume_job(config: TrainConfig, store: RunStore, run_id: str):
    from core.training.trainer import train

    return train(config, store, resume=run_id)


def download_job(dataset: str, root: Path, weights: str | None):
    """Fetch the dataset if it is a torchvision set, and the model's weights if asked."""
    from core.data.load import download_job
    from core.models.torchvision_zoo import download_weights_job

    if weights:
        yield from download_weights_job(weights)
    if dataset in TORCHVISION_SETS:
        yield from download_job(dataset, root)


def overfit_job(config: TrainConfig):
    from core.training.sanity import overfit_one_batch

    return overfit_one_batch(config)


class TrainingPanel(QWidget):
    title = "Training"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.job: int | None = None
        self.started_at = 0.0
        self.total_steps = 0
        self.prev_wall = 0.0
        self.form = TrainingForm()
        self.board = CurveBoard(PLOTS, from_zero=("acc", "lr", "speed"),
                                legends={"loss": (-5, 5), "acc": (-5, -30)})
        self.grid = ImageGrid(cell=40, empty_text="Validation predictions appear after epoch 1")
        self.runs = RunList(store)
        self.latest: Steps | None = None
        self.text_timer = QTimer(self)
        self.text_timer.setInterval(250)
        self.text_timer.timeout.connect(self.show_progress)
        self.text_timer.start()
        self.build()
        self.connect_signals()
        self.set_running(False)

    def build(self) -> None:
        self.train_button = QPushButton("Train")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.overfit_button = QPushButton("Overfit one batch")
        self.overfit_button.setToolTip("Sanity check: a model that can learn reaches ~0 loss "
                                       "and 100% accuracy on one batch of 16")
        self.progress = QProgressBar()
        self.progress.setFormat("idle")
        self.status = QLabel("Press Train to start. Ctrl+Return trains, Ctrl+P pauses, "
                             "Ctrl+. stops.")
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # a fixed box: new text repaints the label alone instead of re-laying out the column
        self.status.setFixedHeight(3 * self.status.fontMetrics().lineSpacing() + 4)
        buttons = QHBoxLayout()
        for b in (self.train_button, self.pause_button, self.stop_button, self.overfit_button):
            buttons.addWidget(b)
        left = QVBoxLayout()
        left.addWidget(self.form)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        left.addStretch(1)
        left_box = boxed(left)
        left_box.setMaximumWidth(400)

        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing_label = QLabel("smoothing 0.60")
        self.log_y = QCheckBox("log y")
        self.x_axis = QComboBox()
        self.x_axis.addItems(["step", "wall time"])
        view = QHBoxLayout()
        for w in (self.smoothing_label, self.smoothing, self.log_y, QLabel("x axis"), self.x_axis):
            view.addWidget(w)
        for text, slot in (("PNG", self.export_png), ("SVG", self.export_svg),
                           ("CSV", self.export_csv)):
            b = QPushButton(f"Export {text}")
            b.clicked.connect(slot)
            view.addWidget(b)
        middle = QVBoxLayout()
        middle.addLayout(view)
        middle.addWidget(self.board, 1)
        middle_box = boxed(middle)

        right = QVBoxLayout()
        runs_box = QGroupBox("Runs (check to overlay)")
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.addWidget(self.runs)
        self.continue_button = QPushButton("Continue selected run")
        self.continue_button.setToolTip("Resume a stopped or interrupted run from its last "
                                        "epoch checkpoint")
        runs_layout.addWidget(self.continue_button)
        preds_box = QGroupBox("Predictions (red = wrong)")
        QVBoxLayout(preds_box).addWidget(self.grid)
        right.addWidget(runs_box, 1)
        right.addWidget(preds_box, 2)
        right_box = boxed(right)
        right_box.setMinimumWidth(280)

        frame(self, NOTE, [(left_box, 0), (middle_box, 3), (right_box, 1)])

    def connect_signals(self) -> None:
        self.train_button.clicked.connect(self.start_training)
        self.overfit_button.clicked.connect(self.start_overfit)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.form.changed.connect(self.form_changed)
        self.form.download.connect(self.download)
        self.smoothing.valueChanged.connect(self.view_changed)
        self.log_y.toggled.connect(self.view_changed)
        self.x_axis.currentIndexChanged.connect(self.view_changed)
        self.runs.overlay.connect(self.overlay)
        self.runs.currentItemChanged.connect(lambda *_: self.set_running(self.job is not None))
        self.continue_button.clicked.connect(self.continue_run)
        self.compute.event.connect(self.on_event)
        self.compute.done.connect(self.on_done)
        self.compute.failed.connect(self.on_failed)
        for keys, slot in (("Ctrl+Return", self.start_training), ("Ctrl+P", self.toggle_pause),
                           ("Ctrl+.", self.stop)):
            QShortcut(QKeySequence(keys), self, slot)

    # --- actions -------------------------------------------------------------------------
    def start(self, factory, label: str, training: bool = True) -> None:
        if self.job is not None or (training and self.form.issues()):
            return
        if training:
            self.board.clear_curves(keep={self.overlay_name(r) for r in self.runs.checked()})
            self.board.set_x_extent(None)
            self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
        self.total_steps, self.prev_wall = 0, 0.0
        self.started_at = time.perf_counter()
        self.job = self.compute.submit(factory)
        self.status.setText(f"{label}: loading data and building the model…")
        self.set_running(True)

    def start_training(self) -> None:
        config = self.form.config()
        self.start(lambda: train_job(config, self.store), "Training")

    def start_overfit(self) -> None:
        config = self.form.config()
        self.start(lambda: overfit_job(config), "Overfitting one batch")

    def download(self) -> None:
        config = self.form.config()
        weights = config.model if config.pretrained and config.model in TORCHVISION_MODELS else None
        root = self.form.download_root() if config.dataset in TORCHVISION_SETS else Path()
        self.start(lambda: download_job(config.dataset, root, weights), "Downloading",
                   training=False)

    def resumable(self) -> str | None:
        """The selected run, if it was stopped or interrupted."""
        run_id = self.runs.current_id()
        if run_id and self.store.get(run_id).status in ("stopped", "interrupted"):
            return run_id
        return None

    def continue_run(self) -> None:
        if (run_id := self.resumable()) is None:
            return
        config = TrainConfig.from_dict(self.store.get(run_id).config["config"])
        self.form.set_config(config)
        self.start(lambda: resume_job(config, self.store, run_id), "Continuing")

    def toggle_pause(self) -> None:
        if self.job is None:
            return
        if self.compute.is_paused(self.job):
            self.compute.resume(self.job)
            self.pause_button.setText("Pause")
            self.status.setText("Resumed.")
        else:
            self.compute.pause(self.job)
            self.pause_button.setText("Resume")
            self.status.setText("Paused: the run waits at the current step.")

    def stop(self) -> None:
        if self.job is not None:
            self.compute.cancel(self.job)
            self.status.setText("Stopping…")

    def set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running and not self.form.issues())
        self.overfit_button.setEnabled(not running and not self.form.issues())
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.form.setEnabled(not running)
        self.continue_button.setEnabled(not running and self.resumable() is not None)
        self.pause_button.setText("Pause")

    def form_changed(self, found: list[str]) -> None:
        if self.job is None:
            self.set_running(False)

    def view_changed(self, *_) -> None:
        w = self.smoothing.value() / 100
        self.smoothing_label.setText(f"smoothing {w:.2f}")
        self.board.set_view(w, self.log_y.isChecked(), self.x_axis.currentIndex() == 1)

    # --- events from the compute thread --------------------------------------------------
    def on_event(self, job: int, event: object) -> None:
        if job != self.job:
            return
        handler = {RunStarted: self.on_started, Steps: self.on_steps, EpochEnd: self.on_epoch,
                   Predictions: self.on_predictions, RunFinished: self.on_finished,
                   SanityResult: self.on_sanity, ProgressEvent: self.on_progress,
                   Message: self.on_message}.get(type(event))
        if handler is not None:
            handler(event)

    def on_started(self, e: RunStarted) -> None:
        self.total_steps = e.total_steps
        self.progress.setRange(0, e.total_steps)
        self.board.set_x_extent(e.total_steps)
        n_train, n_val, n_test = e.sizes
        self.status.setText(f"Run {e.run_id} on {e.device}: {n_train} train / {n_val} val / "
                            f"{n_test} test images, {e.steps_per_epoch} steps per epoch.")
        if e.first_step:
            self.show_history(e.run_id, e.first_step)
        self.runs.refresh()

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
        wall = np.cumsum(steps["step_time"][keep])
        for plot, name in names.items():
            color = style.get("color") or (LR_COLOR if plot == "lr" else None)
            self.board.extend(plot, name, steps["step"][keep], wall, steps[plot][keep],
                              **{**style, "color": color})
        return float(wall[-1]) if len(wall) else 0.0

    def on_steps(self, e: Steps) -> None:
        n = len(e.step)
        wall = np.linspace(self.prev_wall, e.wall, n + 1)[1:] if n > 1 else np.array([e.wall])
        self.prev_wall = e.wall
        b = self.board
        b.extend("loss", "train", e.step, wall, e.loss)
        b.extend("acc", "train", e.step, wall, e.acc)
        b.extend("lr", "lr", e.step, wall, e.lr, color=LR_COLOR)
        b.extend("speed", "images/s", e.step[-1], e.wall, e.images_per_s, color=(148, 103, 189))
        self.latest = e

    def show_progress(self) -> None:
        """Progress bar and status line from the latest Steps, a few times a second."""
        e, self.latest = self.latest, None
        if e is None or self.job is None:
            return
        done = int(e.step[-1]) + 1
        if self.total_steps:
            self.progress.setValue(done)
            eta = e.wall / done * (self.total_steps - done)
            self.progress.setFormat(f"epoch {e.epoch}  step {done}/{self.total_steps}  "
                                    f"ETA {eta:.0f} s")
        self.status.setText(f"loss {e.loss[-1]:.4f}  grad norm {e.grad_norm[-1]:.3g}  "
                            f"{1000 * e.step_time:.1f} ms/step  {e.images_per_s:,.0f} images/s")

    def on_epoch(self, e: EpochEnd) -> None:
        for plot, value in (("loss", e.val_loss), ("acc", e.val_acc)):
            self.board.extend(plot, "val", e.step, e.seconds, value, smooth=False)

    def on_predictions(self, e: Predictions) -> None:
        pairs = list(zip(e.preds, e.confidence, e.labels, strict=True))
        captions = [f"{e.classes[p]} {c:.0%}" for p, c, _ in pairs]
        tips = [f"predicted {e.classes[p]} ({c:.1%}), true {e.classes[t]}" for p, c, t in pairs]
        self.grid.set_images(e.images, captions, list(e.preds != e.labels), tips)
        wrong = int((e.preds != e.labels).sum())
        self.grid.setToolTip(f"epoch {e.epoch}: {wrong} of {len(e.preds)} shown are wrong")

    def on_finished(self, e: RunFinished) -> None:
        self.status.setText(f"Run {e.run_id} {e.status}: {e.message}")
        if e.status == "diverged":
            self.error_box = error_box(self, "Training diverged", e.message,
                                       icon=QMessageBox.Icon.Warning)

    def on_sanity(self, e: SanityResult) -> None:
        self.status.setText(e.message)

    def on_progress(self, e: ProgressEvent) -> None:
        self.progress.setRange(0, max(e.total, 0))  # (0, 0): a busy bar when the size is unknown
        self.progress.setValue(e.done)
        total = f" / {e.total / 2**20:.1f}" if e.total else ""
        self.progress.setFormat(f"{e.label}: {e.done / 2**20:.1f}{total} MiB")

    def on_message(self, e: Message) -> None:
        self.status.setText(e.text)
        self.form.validate()

    def on_done(self, job: int, outcome: str) -> None:
        if job != self.job:
            return
        self.job = None
        self.set_running(False)
        if self.progress.maximum() == 0:  # a busy bar from a download of unknown size
            self.progress.setRange(0, 1)
        if outcome == "finished":
            self.progress.setValue(self.progress.maximum())
        self.progress.setFormat("done" if outcome == "finished" else outcome)
        if outcome == "cancelled":
            self.status.setText("Stopped: everything up to the last step is kept.")
        self.runs.refresh()

    def on_failed(self, job: int, message: str, details: str) -> None:
        if job not in (self.job, 0):
            return
        self.error_box = error_box(self, "Job failed", message, details)
        self.status.setText(f"Failed: {message}")

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

    def ask_path(self, kind: str, suffix: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind}", f"curves.{suffix}",
                                              f"{kind} (*.{suffix})")
        return Path(path) if path else None

    def export_png(self) -> None:
        if path := self.ask_path("PNG image", "png"):
            self.board.redraw_all()
            self.board.grab().save(str(path))

    def export_svg(self) -> None:
        if path := self.ask_path("SVG drawing", "svg"):
            self.board.export_svg(path)

    def export_csv(self) -> None:
        if path := self.ask_path("CSV table", "csv"):
            self.board.export_csv(path)

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        settings.setValue("training/config", json.dumps(self.form.config().to_dict()))

    def load_settings(self, settings) -> None:
        text = settings.value("training/config")
        with contextlib.suppress(ValueError, TypeError):  # another version's settings: defaults
            self.form.set_config(TrainConfig.from_dict(json.loads(text or "{}")))
