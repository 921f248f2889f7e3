"""GAN panel: configure a GAN, watch D and G play live, look back at samples, judge G offline.

The columns are widgets of their own (form, samples, scores, and the live-run view that draws
the curves and lists the runs); this module wires them to the compute thread's jobs (jobs).
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtWidgets import QGroupBox, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from deepscope.core.classifier import RunFinished, RunStarted, Steps
from deepscope.core.gan import (
    GanConfig,
    GanEpochEnd,
    GanFinished,
    GanSamples,
    GanScored,
    GanStarted,
    GanSteps,
)
from deepscope.core.jobs import Message, ProgressEvent
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread, Exclusive, JobHandle, Side, by_type
from ...widgets.data_export import DataExport, curves_export
from ...widgets.form import load_config, save_config
from ...widgets.job_controls import JobControls
from ...widgets.live_run import Line, LiveRunView, RunKind
from ...widgets.panel_frame import boxed, error_box, frame
from ...widgets.progress_text import download_progress, run_progress
from ...widgets.run_labels import outcome
from ...widgets.scroll_column import scroll_column
from . import jobs as gan_jobs
from .form import GanForm
from .jobs import FidStatus, Timeline
from .samples import Frame, SamplesView
from .scores import ScoreRow, ScoresView, stored_rows

NOTE = (
    "<b>What am I looking at?</b> A GAN is a two-player game: the discriminator D learns to "
    "tell real images from generated ones, the generator G learns to fool it: "
    "min<sub>G</sub> max<sub>D</sub> E<sub>x</sub>[log D(x)] + E<sub>z</sub>[log(1 − D(G(z)))]. "
    "When D(x) and D(G(z)) meet near 0.5, D can no longer tell them apart; under WGAN the "
    "critic's gap E[D(x)] − E[D(G(z))] estimates the Wasserstein distance. The grid shows G on "
    "the same latents z every few steps; a judge classifier scores G without downloads."
)
D_COLOR, G_COLOR, W_COLOR = (31, 119, 180), (255, 127, 14), (44, 160, 44)
PLOTS = {"loss": "D and G loss", "prob": "D(x) and D(G(z))",
         "wass": "W estimate (WGAN only)", "grad": "Gradient norms"}  # short: fit 1024 px
RUNS = RunKind(
    kind="gan",
    plots=PLOTS,
    lines=(  # plot, curve, GanSteps field / stored metric, colour
        Line("loss", "D", "d_loss", D_COLOR), Line("loss", "G", "g_loss", G_COLOR),
        Line("prob", "D(x)", "d_real", D_COLOR), Line("prob", "D(G(z))", "d_fake", G_COLOR),
        Line("wass", "W estimate", "wasserstein", W_COLOR, ahead=False),  # WGAN losses only
        Line("grad", "‖∇D‖", "d_grad_norm", D_COLOR),
        Line("grad", "‖∇G‖", "g_grad_norm", G_COLOR)),
    label_field="loss",
    diverged="GAN training diverged",
)
FPS = 8.0  # curve redraws per second, one plot each: every plot twice a second


def has_checkpoint(run_dir: Path) -> bool:
    return any(Path(run_dir).glob("epoch-*.safetensors"))


def describe_steps(e: GanSteps) -> str:
    return (f"D loss {e.d_loss[-1]:.3f}  G loss {e.g_loss[-1]:.3f}  D(x) {e.d_real[-1]:.2f}  "
            f"D(G(z)) {e.d_fake[-1]:.2f}  {e.steps_per_s:.0f} steps/s")


class GanPanel(QWidget):
    title = "GAN"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.total_steps = 0
        self.shown: str | None = None  # the run whose samples and scores are on screen
        self.training: JobHandle | None = None  # the controls' job when it trains a GAN
        self.scoring = Exclusive(compute)  # Score now beside a training run
        self.checks = Side(compute)
        self.fid_asked = False  # when Scores first shows (the check imports torchvision)
        self.error_box: QMessageBox | None = None
        self.form = GanForm()
        self.live = LiveRunView(store, RUNS, self, stem="gan-curves", fps=FPS,
                                legends=("loss", "prob", "grad"))
        self.board, self.runs = self.live.board, self.live.runs  # (the tour's names)
        self.continue_button = self.live.continue_button
        self.samples = SamplesView()
        self.scores = ScoresView(store)
        self.build()
        self.connect_signals()
        self.judge_for(self.form.config())
        self.running_changed(False)

    @property
    def job(self) -> JobHandle | None:
        """The panel's running job (None when idle); a score beside it is `scoring`'s."""
        return self.controls.handle

    def build(self) -> None:
        self.controls = JobControls(
            self.compute, "Train", "Press Train to start. Ctrl+Return trains, Ctrl+P pauses, "
            "Ctrl+. stops.")
        left_layout = QVBoxLayout()
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(scroll_column([self.form]), 1)
        left_layout.addWidget(self.form.problems)  # why Train is disabled, next to it
        left_layout.addWidget(self.controls)
        left = boxed(left_layout)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.live.curves_box, "Curves")
        self.tabs.addTab(self.scores, "Scores")
        samples_box = QGroupBox("Samples of fixed z")
        QVBoxLayout(samples_box).addWidget(self.samples)
        self.runs.setToolTip("Check a run to overlay its curves (dashed); select it to look "
                             "back at its samples and scores")
        right = QVBoxLayout()
        right.addWidget(samples_box, 3)
        right.addWidget(self.live.runs_box, 1)
        right_box = boxed(right)
        frame(self, NOTE, [(left, 0), (self.tabs, 3), (right_box, 2)])

    def connect_signals(self) -> None:
        c = self.controls
        c.start_button.clicked.connect(lambda: self.start_training())
        c.running_changed.connect(self.running_changed)
        c.shortcuts(self)
        self.form.changed.connect(self.form_changed)
        self.scores.judge_changed.connect(self.judge_changed)
        self.scores.train_button.clicked.connect(self.train_judge)
        self.scores.score_button.clicked.connect(self.score_now)
        self.form.source.download_button.clicked.connect(self.download)
        self.runs.currentItemChanged.connect(self.selection_changed)
        self.live.resume.connect(self.continue_run)
        self.tabs.currentChanged.connect(self.tab_changed)

    # --- actions -------------------------------------------------------------------------
    def start_training(self, config: GanConfig | None = None, resume: str | None = None) -> None:
        """Train the form's GAN, or go on with the stopped run `resume` (with its `config`)."""
        if self.job is not None or (config is None and self.form.issues()):
            return
        config = config or self.form.config()
        self.live.clear()
        self.samples.clear()
        self.total_steps = 0
        self.training = self.controls.run(
            lambda: gan_jobs.train_job(config, self.store, resume),
            "Continuing the GAN" if resume else "Training the GAN", yielded=by_type({
                GanStarted: self.on_started, GanSteps: self.on_steps,
                GanSamples: self.on_samples, GanEpochEnd: self.on_epoch,
                GanFinished: self.on_finished}))

    def continue_run(self, run_id: str, stored: dict) -> None:
        config = GanConfig.from_dict(stored)
        self.form.set_config(config)
        self.start_training(config, resume=run_id)

    def train_judge(self) -> None:
        source = self.form.source
        config = gan_jobs.judge_config(source.dataset(), source.root())
        self.controls.run(lambda: gan_jobs.judge_job(config, self.store), "Training a judge",
                          yielded=by_type({RunStarted: self.on_judge_started,
                                           Steps: self.on_judge_steps,
                                           RunFinished: self.on_judge}))

    def download(self) -> None:
        """Fetch the chosen torchvision set (the form checks the data root again after)."""
        dataset, root = self.form.source.dataset(), self.form.source.download_root()
        progress = self.controls.show_progress
        self.controls.run(lambda: gan_jobs.download_job(dataset, root), "Downloading",
                          yielded=by_type({Message: self.downloaded, ProgressEvent:
                                           lambda e: progress(*download_progress(e))}))

    def downloaded(self, e: Message) -> None:
        self.say(e)
        self.form.validate()  # the data root holds the set now

    def score_now(self) -> None:
        """Score the shown run's generator with the chosen judge: as the panel's job when it is
        idle (progress, Stop), or while the run trains as a job of its own that the compute
        thread takes turns with (the latest epoch's checkpoint, training goes on)."""
        judge, run = self.scores.judge_path(), self.shown
        if judge is None or run is None or self.scoring.busy:
            return
        run_dir, with_fid = self.store.get(run).dir, self.scores.fid.isChecked()
        every = self.scores.every.isChecked()
        self.tabs.setCurrentWidget(self.scores)
        job = functools.partial(gan_jobs.score_job, run_dir, judge, with_fid, every)
        scored = by_type({GanScored: self.on_scored, Message: self.say})
        if not self.controls.running:
            self.controls.run(job, "Scoring", yielded=scored)
            return
        self.scoring.submit(job, yielded=scored, errored=self.scoring_failed,
                            finished=self.scored_beside)
        self.update_scoring()

    def scoring_failed(self, message: str, details: str) -> None:
        self.error_box = error_box(self, "Scoring failed", message, details)

    def scored_beside(self) -> None:
        self.look_back()  # a run selected meanwhile
        self.update_scoring()

    def selection_changed(self) -> None:
        self.look_back()
        self.running_changed(self.controls.running)

    def look_back(self) -> None:
        """Show the selected run's stored samples (a job: reading them needs torch's module)
        and its logged scores."""
        run_id = self.runs.current_id()
        if run_id is None or self.job is not None or self.scoring.busy or run_id == self.shown:
            return  # (a score under way belongs to the run shown)
        self.show_run(run_id)
        run_dir = self.store.get(run_id).dir
        self.controls.run(lambda: gan_jobs.timeline_job(run_id, run_dir), "Loading samples",
                          yielded=by_type({Timeline: self.on_timeline}))

    def show_run(self, run_id: str) -> None:
        self.shown = run_id
        run = self.store.get(run_id)
        self.scores.set_rows(stored_rows(self.store, run_id), tuple(run.config.get("classes", ())))
        self.running_changed(self.controls.running)

    def tab_changed(self) -> None:
        if self.tabs.currentWidget() is self.scores and not self.fid_asked:
            self.fid_asked = True
            self.checks.submit(gan_jobs.fid_job, yielded=by_type({FidStatus: self.show_fid}))

    def show_fid(self, status: FidStatus) -> None:
        self.scores.fid.setVisible(status.available)

    def running_changed(self, running: bool) -> None:
        self.controls.set_startable(not self.form.issues())
        self.form.setEnabled(not running)
        self.update_scoring()
        self.live.set_running(running)

    def update_scoring(self) -> None:
        """Score now needs the shown run's saved generator and no scoring under way; while the
        panel's job runs, it must be that run's training (scored beside it)."""
        running = self.controls.running
        free = not self.scoring.busy and (not running or self.job is self.training)
        scorable = (free and self.shown is not None
                    and has_checkpoint(self.store.get(self.shown).dir))
        self.scores.set_idle(not running, scorable)

    def form_changed(self, found: list[str]) -> None:
        self.controls.set_startable(not found)
        config = self.form.config()
        if (config.dataset, config.image_size) != (self.scores.dataset, self.scores.image_size):
            self.judge_for(config)

    def judge_for(self, config: GanConfig, select: str | None = None) -> None:
        """Offer the judges of the config's dataset and image size."""
        self.scores.set_dataset(config.dataset, select, config.image_size)

    def judge_changed(self, path: str) -> None:
        self.form.classifier = path or None
        self.running_changed(self.controls.running)

    # --- events of the panel's jobs ------------------------------------------------------
    def on_started(self, e: GanStarted) -> None:
        self.total_steps = e.total_steps
        self.live.start_run(e.run_id, e.total_steps, e.first_step)
        loss = self.form.config().loss
        wgan = loss.startswith("wgan")
        titles = {"prob": "critic D(x), D(G(z))" if wgan else PLOTS["prob"],
                  "wass": "Wasserstein estimate" if wgan else f"no W estimate for {loss}"}
        for key, text in titles.items():
            self.board.set_title(key, text)
        # fixed y from 0 where values cannot be negative: no axis re-layout as the data comes
        self.board.from_zero = ("grad",) if wgan else ("loss", "prob", "grad")
        self.samples.clear(e.classes)
        self.scores.set_rows(stored_rows(self.store, e.run_id) if e.first_step else [],
                             e.classes)  # (a resumed run's grids come as events)
        self.shown = e.run_id
        c, h, w = e.image_shape
        self.controls.say(
            f"Run {e.run_id} on {e.device}: {w}×{h}×{c} images, {e.steps_per_epoch} steps per "
            f"epoch, {e.total_steps} in all.")

    def on_steps(self, e: GanSteps) -> None:
        self.live.add_steps(e)
        self.controls.show_progress(*run_progress(e, self.total_steps, f"epoch {e.epoch}  "),
                                    describe_steps(e))

    def on_samples(self, e: GanSamples) -> None:
        self.samples.add(Frame(e.step, e.images, e.labels, e.diversity))

    def on_epoch(self, e: GanEpochEnd) -> None:
        self.update_scoring()  # a checkpoint was saved: the run can be scored
        if e.scores is not None:
            self.scores.add(ScoreRow.of(f"epoch {e.epoch}", e.scores))

    def on_finished(self, e: GanFinished) -> None:
        self.controls.say(f"Run {e.run_id} {outcome(e.status, e.message)}")
        self.live.end_run(e)

    def on_judge_started(self, e: RunStarted) -> None:
        self.total_steps = e.total_steps

    def on_judge_steps(self, e: Steps) -> None:
        self.controls.show_progress(*run_progress(e, self.total_steps, "judge  "))

    def on_judge(self, e: RunFinished) -> None:
        self.controls.say(f"Judge {e.run_id} {outcome(e.status, e.message)}")
        self.judge_for(self.form.config(), select=e.run_dir)

    def on_timeline(self, e: Timeline) -> None:
        if e.run_id == self.shown:
            classes = tuple(self.store.get(e.run_id).config.get("classes", ()))
            self.samples.set_frames(e.frames, classes)

    def on_scored(self, e: GanScored) -> None:
        self.scores.add(ScoreRow.of(f"now (epoch {e.epoch})", e.scores))
        self.say(Message(f"Scored the generator of epoch {e.epoch} (step {e.step})."))

    def say(self, e: Message) -> None:
        self.controls.say(e.text)

    def data_export(self) -> DataExport | str:
        """File > Export data: the curves on the board as CSV."""
        return curves_export(self.board, "gan-curves")

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        save_config(settings, "gan/config", self.form.config())

    def load_settings(self, settings) -> None:
        if config := load_config(settings, "gan/config", GanConfig):
            self.form.set_config(config)
            self.judge_for(config, select=config.classifier)

