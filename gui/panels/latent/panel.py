"""Latent space panel: walk a trained generator's latent space between two samples.

Pick a GAN run, choose endpoints A and B (click random draws, type seeds, or pick classes of a
cGAN), then see the frames of the path large, with a slider and Play, and save them. The
generator stays loaded on the compute thread; each new strip is one batched forward pass.
"""

from __future__ import annotations

import functools
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

from deepscope.core.jobs import Message
from deepscope.core.latent.events import Draws, Endpoint, Frames, GeneratorInfo, RunRef
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread, Exclusive, JobFactory, NewestWins, by_type
from ...widgets.image_grid import ImageGrid
from ...widgets.panel_frame import error_box, frame
from ...widgets.run_picker import NO_RUNS, RunPicker, describe
from ...widgets.run_watch import watch
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
        self.loading: RunRef | None = None  # the run of the latest load
        self.failed: RunRef | None = None  # the run that could not be loaded (not retried)
        self.draws: Draws | None = None
        self.draw_names: list[str] = []  # the grid's captions without the A/B marks
        self.next_end = ENDS[0]
        self.loads = NewestWins(compute)  # a generator and its draws
        self.renders = NewestWins(compute)  # the frames of the current choices
        self.exports = Exclusive(compute)  # a PNG strip or a GIF
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
        watch(self.store).changed.connect(self.run_stored)  # (after the picker follows it)

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
        self.loads.cancel()
        self.info, self.draws, self.failed = None, None, None
        self.grid.set_images([], [], [])
        run = self.chosen = self.picker.ref()
        self.grid.empty_text = NO_RUNS if run is None else "Loading the generator…"
        self.sequence.clear(NO_FRAMES)
        self.new_draws.setEnabled(False)
        self.say("" if run else "Nothing to explore yet.")
        self.ensure_loaded()

    def run_stored(self, run_id: str) -> None:
        """A run changed in the store: if it is the one in view (an epoch saved, its end), load
        its newer epoch, if any."""
        if run_id != self.picker.run_id():
            return
        self.behind = True
        if self.failed == self.chosen:  # it had no epoch to load yet
            self.failed = None
        self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Load the chosen run's generator and draw the grid, unless done or failed; when it
        is loaded but `behind`, load its newer epoch if it has one. While it loads, this waits
        for the end of that load, which looks again."""
        run = self.chosen
        if run is None or not self.isVisible() or run == self.failed \
                or (self.loads.busy and self.loading == run):
            return
        seeds = self.seeds
        if self.info is None or self.info.run != run:
            self.load(run, lambda: self.jobs.open(run, seeds))
            self.say("Loading the generator…")
        elif self.behind:
            self.load(run, lambda: self.jobs.refresh(run, seeds))
        self.behind = False

    def load(self, run: RunRef, factory: JobFactory) -> None:
        """A load job (a generator, its draws) of `run`, replacing an earlier one."""
        self.loading = run
        self.loads.submit(factory, yielded=by_type({GeneratorInfo: self.loaded,
                                                    Draws: self.show_new_draws}),
                          errored=functools.partial(self.load_failed, run),
                          finished=self.ensure_loaded)

    def redraw(self) -> None:
        if self.info is None or self.loads.busy:
            return
        self.seeds = self.new_seeds()
        run, seeds = self.info.run, self.seeds
        self.load(run, lambda: self.jobs.draws(run, seeds))

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
        """Render the frames of the current choices (the latest request wins)."""
        if self.info is None:
            return
        request = self.form.request(self.info.run)
        self.renders.submit(lambda: self.jobs.frames(request),
                            yielded=by_type({Frames: self.show_frames}), errored=self.job_failed)

    def ask_png(self) -> None:
        self.ask_export("Save the strip", "PNG image (*.png)", ".png", None)

    def ask_gif(self) -> None:
        self.ask_export("Save the animation", "Animated GIF (*.gif)", ".gif",
                        self.sequence.frame_ms())

    def ask_export(self, title: str, kind: str, suffix: str, frame_ms: int | None) -> None:
        frames = self.sequence.frames
        if frames is None or self.exports.busy:
            return
        path, _ = QFileDialog.getSaveFileName(self, title, self.file_stem(frames) + suffix, kind)
        if path:
            images = frames.images
            self.exports.submit(lambda: self.jobs.export(images, path, frame_ms),
                                yielded=by_type({Message: self.say_message}),
                                errored=self.job_failed)

    def file_stem(self, frames: Frames) -> str:
        r = frames.request
        name = self.info.name if self.info else "gan"
        ends = str(r.a.seed) if r.mode in ("walk", "class") else f"{r.a.seed}-{r.b.seed}"
        return f"{name}-{r.mode}-{ends}-{len(frames.images)}"

    # --- events of the panel's jobs ------------------------------------------------------
    def loaded(self, info: GeneratorInfo) -> None:
        self.info = info
        self.picker.about.setText(describe(info))
        self.form.set_classes(info.classes)  # (emits changed: the first frames)
        self.say("Click two draws (or type seeds) to choose A and B.")

    def show_new_draws(self, draws: Draws) -> None:
        self.draws = draws
        self.new_draws.setEnabled(True)
        self.show_draws()

    def load_failed(self, run: RunRef, message: str, details: str) -> None:
        self.info, self.draws, self.failed = None, None, run
        self.grid.empty_text = f"Cannot load this run: {message}"
        self.grid.set_images([], [], [])
        self.sequence.clear("Pick another run: this one cannot be loaded.")
        self.picker.about.setText("")
        self.job_failed(message, details)
        self.picker.forget_folder(run.run_dir)  # an opened folder that is no GAN run goes

    def job_failed(self, message: str, details: str) -> None:
        self.say(f"Failed: {message}")
        self.error_box = error_box(self, "Latent space", message, details)

    # --- views ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.status.setText(text)

    def say_message(self, message: Message) -> None:
        self.say(message.text)

    def show_draws(self) -> None:
        """New draws in the grid, captioned with their seeds (and classes)."""
        d, classes = self.draws, self.info.classes if self.info else ()
        if d is None:
            return
        labels = d.labels or (None,) * len(d.seeds)
        self.draw_names = [f"{seed}" + ("" if label is None else f" · {classes[label]}")
                           for seed, label in zip(d.seeds, labels, strict=True)]  # fit a cell
        self.grid.set_images(d.images, self.draw_names, [False] * len(d.seeds),
                             [f"seed {name.replace(' · ', ', class ')}"
                              for name in self.draw_names])
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
        return (not self.renders.busy and self.info is not None and f is not None
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

