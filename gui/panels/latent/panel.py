"""Latent space panel: walk a trained generator's latent space between two samples.

Pick a GAN run, choose endpoints A and B (click random draws, type seeds, or pick classes of a
cGAN), then see the frames of the path large, with a slider and Play, and save them. The
generator stays loaded on the compute thread; each new strip is one batched forward pass.
"""

from __future__ import annotations

import json
import random

from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.gan.events import GanEpochEnd, GanStarted
from deepscope.core.jobs import Message
from deepscope.core.latent.events import Draws, Endpoint, Frames, GeneratorInfo, RunRef
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread
from ...widgets.image_grid import ImageGrid
from ...widgets.panel_frame import error_box, frame
from ...widgets.run_picker import NO_RUNS, RunPicker, describe
from ...widgets.scroll_column import scroll_column
from ...widgets.status_line import StatusLine
from .form import ENDS, MODE_LABELS, LatentForm
from .jobs import LatentJobs
from .view import SELECTED, SequenceView

NOTE = (
    "<b>What am I looking at?</b> A generator G turns a latent vector z, drawn from the prior "
    "it was trained with, into an image. A path from z<sub>A</sub> to z<sub>B</sub> shows what "
    "G puts between two samples: gradual changes mean a smooth latent space. Linear: "
    "z(t) = (1−t) z<sub>A</sub> + t z<sub>B</sub>. Spherical (slerp): "
    "z(t) = [sin((1−t)θ) z<sub>A</sub> + sin(tθ) z<sub>B</sub>] / sin θ, θ the angle between "
    "them, with the norm |z| changing linearly: Gaussian latents lie near a shell of radius "
    "√dim, and the straight line cuts inside it, where G saw few latents (compare |z| under the "
    "frame). A cGAN also takes a class, whose embedding can be blended from class A to class B."
)
GRID_SIZE, GRID_COLUMNS, GRID_CELL = 16, 4, 100
NO_FRAMES = "The frames from A to B appear here once a generator is loaded."
SEED_RANGE = 10_000


class LatentPanel(QWidget):
    title = "Latent space"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.jobs = LatentJobs()
        self.rng = random.Random()
        self.seeds = self.new_seeds()
        self.info: GeneratorInfo | None = None  # the loaded generator
        self.chosen: RunRef | None = None  # the run picked
        self.loading: RunRef | None = None  # the run of the load job
        self.failed: RunRef | None = None  # the run that could not be loaded (not retried)
        self.draws: Draws | None = None
        self.draw_names: list[str] = []  # the grid's captions without the A/B marks
        self.next_end = ENDS[0]
        self.load_job: int | None = None
        self.frames_job: int | None = None
        self.frames_stale = False
        self.export_job: int | None = None
        self.training: dict[int, str] = {}  # GAN training jobs and their run folders
        self.behind = False  # the loaded run has a newer epoch to load
        self.error_box: QMessageBox | None = None
        self.build()
        for name, seed in zip(ENDS, self.seeds, strict=False):  # the first two draws
            self.form.ends[name].seed.setValue(seed)
        self.connect_signals()
        self.picker.refresh()
        self.run_changed()

    # --- layout --------------------------------------------------------------------------
    def build(self) -> None:
        self.picker = RunPicker(self.store)
        self.form = LatentForm()
        self.status = StatusLine(lines=4)
        left = scroll_column([self.picker, self.form, self.status])
        self.grid = ImageGrid(cell=GRID_CELL, empty_text=NO_RUNS, mark=SELECTED)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.new_draws = QPushButton("New draws")
        self.new_draws.setToolTip(f"{GRID_SIZE} other random seeds")
        draws = QGroupBox("Random draws")
        draws.setMaximumWidth(GRID_COLUMNS * (GRID_CELL + 4) + 40)  # 4 x 4 draws
        column = QVBoxLayout(draws)
        column.addWidget(self.hint)
        column.addWidget(self.grid, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.new_draws)
        column.addLayout(row)
        self.sequence = SequenceView(NO_FRAMES)
        frame(self, NOTE, [(left, 0), (draws, 1), (self.sequence, 2)])

    def connect_signals(self) -> None:
        self.picker.changed.connect(self.run_changed)
        self.form.changed.connect(self.choices_changed)
        self.grid.clicked.connect(self.pick)
        self.new_draws.clicked.connect(self.redraw)
        self.sequence.save_png.clicked.connect(self.ask_png)
        self.sequence.save_gif.clicked.connect(self.ask_gif)
        self.compute.event.connect(self.on_event)
        self.compute.done.connect(self.on_done)
        self.compute.failed.connect(self.on_failed)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.picker.refresh()
        self.behind = True  # trained on meanwhile, maybe by another process: look
        self.ensure_loaded()

    def refresh_runs(self) -> None:
        self.picker.refresh()

    # --- choices -------------------------------------------------------------------------
    def new_seeds(self) -> list[int]:
        return self.rng.sample(range(SEED_RANGE), GRID_SIZE)

    def run_changed(self) -> None:
        """Another run: forget the loaded one and load the new one (when shown)."""
        self.info, self.draws, self.failed = None, None, None
        self.grid.set_images([], [], [])
        run = self.chosen = self.picker.ref()
        self.grid.empty_text = NO_RUNS if run is None else "Loading the generator…"
        self.sequence.clear(NO_FRAMES)
        self.new_draws.setEnabled(False)
        self.say("" if run else "Nothing to explore yet.")
        self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Load the chosen run's generator and draw the grid, unless done, failed or busy;
        when it is loaded but `behind`, load its newer epoch if it has one."""
        run = self.chosen
        if run is None or not self.isVisible() or self.load_job is not None \
                or run == self.failed:
            return
        seeds, self.loading = self.seeds, run
        if self.info is None or self.info.run != run:
            self.load_job = self.compute.submit(lambda: self.jobs.open(run, seeds))
            self.say("Loading the generator…")
        elif self.behind:
            self.load_job = self.compute.submit(lambda: self.jobs.refresh(run, seeds))
        self.behind = False

    def redraw(self) -> None:
        if self.info is None or self.load_job is not None:
            return
        self.seeds = self.new_seeds()
        run = self.loading = self.info.run
        seeds = self.seeds
        self.load_job = self.compute.submit(lambda: self.jobs.draws(run, seeds))

    def used_ends(self) -> tuple[str, ...]:
        """The endpoints whose draw the path uses: a walk and a class path start from A only."""
        return ENDS[:1] if self.form.path() in ("walk", "class") else ENDS

    def end_to_pick(self) -> str:
        """The endpoint the next click on a draw sets."""
        return self.next_end if self.next_end in self.used_ends() else ENDS[0]

    def pick(self, i: int) -> None:
        """A click on draw i: it becomes the next endpoint (A, then B, then A again...; always
        A for a walk or a class path)."""
        if self.draws is None:
            return
        labels, end = self.draws.labels, self.end_to_pick()
        self.form.set_endpoint(end, self.draws.seeds[i], labels[i] if labels else None)
        self.next_end = ENDS[1 - ENDS.index(end)]
        self.mark_draws()

    def choices_changed(self) -> None:
        self.request_frames()
        self.mark_draws()

    # --- jobs ----------------------------------------------------------------------------
    def request_frames(self) -> None:
        """Render the frames of the current choices (one job at a time; the latest wins)."""
        if self.info is None:
            return
        if self.frames_job is not None:
            self.frames_stale = True
            return
        self.frames_stale = False
        request = self.form.request(self.info.run)
        self.frames_job = self.compute.submit(lambda: self.jobs.frames(request))

    def ask_png(self) -> None:
        self.ask_export("Save the strip", "PNG image (*.png)", ".png", None)

    def ask_gif(self) -> None:
        self.ask_export("Save the animation", "Animated GIF (*.gif)", ".gif",
                        self.sequence.frame_ms())

    def ask_export(self, title: str, kind: str, suffix: str, frame_ms: int | None) -> None:
        frames = self.sequence.frames
        if frames is None or self.export_job is not None:
            return
        path, _ = QFileDialog.getSaveFileName(self, title, self.file_stem(frames) + suffix, kind)
        if path:
            images = frames.images
            self.export_job = self.compute.submit(lambda: self.jobs.export(images, path,
                                                                           frame_ms))

    def file_stem(self, frames: Frames) -> str:
        r = frames.request
        name = self.info.name if self.info else "gan"
        ends = str(r.a.seed) if r.mode in ("walk", "class") else f"{r.a.seed}-{r.b.seed}"
        return f"{name}-{r.mode}-{ends}-{len(frames.images)}"

    # --- events --------------------------------------------------------------------------
    def on_event(self, job: int, event) -> None:
        if isinstance(event, GanStarted):
            self.training[job] = event.run_dir
        elif isinstance(event, GanEpochEnd) and self.chosen \
                and self.training.get(job) == self.chosen.run_dir:
            self.behind = True  # the run in view is training: show its new epoch
            if self.failed == self.chosen:  # it had no epoch to load yet
                self.failed = None
            self.ensure_loaded()
        if job == self.load_job and self.loading != self.chosen:
            return  # another run was picked meanwhile: it loads next
        if job == self.load_job and isinstance(event, GeneratorInfo):
            self.loaded(event)
        elif job == self.load_job and isinstance(event, Draws):
            self.draws = event
            self.new_draws.setEnabled(True)
            self.show_draws()
        elif job == self.frames_job and isinstance(event, Frames):
            self.show_frames(event)
        elif job == self.export_job and isinstance(event, Message):
            self.say(event.text)

    def loaded(self, info: GeneratorInfo) -> None:
        self.info = info
        self.picker.about.setText(describe(info))
        self.form.set_classes(info.classes)  # (emits changed: the first frames)
        self.say("Click two draws (or type seeds) to choose A and B.")

    def on_done(self, job: int, outcome: str) -> None:
        self.training.pop(job, None)
        if job == self.load_job:
            self.load_job = None
            self.ensure_loaded()  # another run chosen meanwhile
        elif job == self.frames_job:
            self.frames_job = None
            if self.frames_stale:
                self.request_frames()
        elif job == self.export_job:
            self.export_job = None

    def on_failed(self, job: int, message: str, details: str) -> None:
        stale = job == self.load_job and self.loading != self.chosen
        if job not in (self.load_job, self.frames_job, self.export_job) or stale:
            return
        if job == self.load_job:
            self.info, self.draws, self.failed = None, None, self.loading
            self.grid.empty_text = f"Cannot load this run: {message}"
            self.grid.set_images([], [], [])
            self.sequence.clear("Pick another run: this one cannot be loaded.")
            self.picker.about.setText("")
        self.say(f"Failed: {message}")
        self.error_box = error_box(self, "Latent space", message, details)

    # --- views ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.status.setText(text)

    def show_draws(self) -> None:
        """New draws in the grid, captioned with their seeds (and classes)."""
        d, classes = self.draws, self.info.classes if self.info else ()
        if d is None:
            return
        labels = d.labels or (None,) * len(d.seeds)
        self.draw_names = [f"seed {seed}" + ("" if label is None else f" · {classes[label]}")
                           for seed, label in zip(d.seeds, labels, strict=True)]
        self.grid.set_images(d.images, self.draw_names, [False] * len(d.seeds),
                             [name.replace(" · ", ", class ") for name in self.draw_names])
        self.mark_draws()

    def mark_draws(self) -> None:
        """Frame A and B (those the path uses) in the grid and name them in their captions."""
        d = self.draws
        if d is None:
            return
        ends = {name: self.form.ends[name].endpoint() for name in self.used_ends()}
        labels = d.labels or (None,) * len(d.seeds)
        marks = [" ".join(name for name, end in ends.items() if end == Endpoint(seed, label))
                 for seed, label in zip(d.seeds, labels, strict=True)]
        self.grid.set_marks([bool(m) for m in marks],
                            [f"{m}: {name}" if m else name
                             for m, name in zip(marks, self.draw_names, strict=True)])
        self.hint.setText(f"Click a draw to make it {self.end_to_pick()}. Captions show seeds.")

    def show_frames(self, frames: Frames) -> None:
        if self.info is None or frames.request.run != self.info.run:
            return
        self.sequence.set_frames(frames, self.info.classes)
        r = frames.request
        self.say(f"{len(frames.images)} frames ({MODE_LABELS[r.mode]}) from epoch "
                 f"{self.info.epoch}: drag the slider, press Play, or click a frame.")

    def settled(self) -> bool:
        """The frames on screen are those of the current choices (nothing left to render)."""
        f = self.sequence.frames
        return (self.frames_job is None and self.info is not None and f is not None
                and f.request == self.form.request(self.info.run))

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        choices = self.form.to_dict() | {"fps": self.sequence.fps.currentData(),
                                         "run": self.picker.run_id()}
        settings.setValue("latent/choices", json.dumps(choices))

    def load_settings(self, settings) -> None:
        try:
            choices = json.loads(settings.value("latent/choices") or "{}")
            self.form.from_dict(choices)
            self.sequence.set_fps(int(choices.get("fps", 0)))
            self.picker.select(str(choices.get("run", "")))
        except (ValueError, TypeError, AttributeError):  # another version's settings: defaults
            pass

