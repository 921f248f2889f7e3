"""iGAN brushing panel: paint colours and sketches over a generator's image, and a batch of
latents is optimized until the generated images obey them (Zhu et al., ECCV 2016).

The left column picks the generator and how many candidates to optimize (and projects a real
image onto the generator's manifold); the pad in the middle shows the chosen candidate under
the strokes; the right column the best candidates, the morph from where the chosen one
started, and the projection. Jobs: the edit (each stroke restarts it from the current
candidates: the latest wins), the morph (the latest wins), and one long job at a time (a
projection, the inverting network's training, a save).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QWidget

from deepscope.core.data import ArrayImage, DatasetImage, FileImage, ImageSource
from deepscope.core.igan import (
    Candidates,
    EncoderProgress,
    EncoderReady,
    GanInfo,
    Morph,
    Projection,
    SavedEdit,
    Start,
    Target,
)
from deepscope.core.jobs import Message
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread, NewestWins, by_type
from ...widgets.job_controls import JobControls
from ...widgets.panel_frame import frame
from ...widgets.run_picker import RunPicker
from ...widgets.run_watch import watch
from ...widgets.scroll_column import scroll_column
from .columns import CandidatesBox, EditForm, PadBox, ProjectBox
from .jobs import IganJobs

NOTE = (
    "<b>What am I looking at?</b> A generator G makes an image from a latent vector z. Paint "
    "what you want (a colour brush for colours, a sketch brush for edges) and DeepScope "
    "searches for the z whose image obeys your strokes while staying close to where it "
    "started: z* = argmin<sub>z</sub> Σ<sub>g</sub> L<sub>g</sub>(G(z), v<sub>g</sub>) + "
    "λ‖z − z<sub>0</sub>‖², for a batch of candidates at once, best first. Because the "
    "result always comes from G, it stays on the manifold of images G can make. Project a "
    "real image to find the z that makes it, then edit it."
)
PLAY_MS = 120


class IganPanel(QWidget):
    title = "iGAN brushing"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.jobs = IganJobs()
        self.loads = NewestWins(compute)
        self.edits = NewestWins(compute)
        self.morphs = NewestWins(compute)
        self.info: GanInfo | None = None
        self.frame: Candidates | None = None
        self.chosen = 0
        self.morph: Morph | None = None
        self.projection: Projection | None = None
        self.seed = 0
        self.build()
        self.connect_signals()
        self.picker.refresh()
        self.load()

    # --- layout --------------------------------------------------------------------------
    def build(self) -> None:
        self.picker = RunPicker(self.store)
        self.form = EditForm()
        self.project_box = ProjectBox()
        self.controls = JobControls(self.compute, "Project", "Project an image: a file, an "
                                    "image of the run's dataset, or what the pad shows.",
                                    extra=[self.project_box.train_button],
                                    stopped="Stopped.")
        left = scroll_column([self.picker, self.form, self.project_box, self.controls])
        self.pad = PadBox()
        self.candidates = CandidatesBox()
        self.player = QTimer(self)
        self.player.setInterval(PLAY_MS)
        frame(self, NOTE, [(left, 0), (self.pad, 3), (self.candidates, 1)])

    def connect_signals(self) -> None:
        self.picker.changed.connect(self.load)
        watch(self.store).listed.connect(self.picker.refresh)
        watch(self.store).changed.connect(self.retry)
        self.pad.canvas.stroked.connect(self.edit)
        self.pad.show_strokes.toggled.connect(self.pad.canvas.set_strokes_shown)
        self.form.restart.clicked.connect(self.restart)
        self.form.fix.clicked.connect(self.fix)
        self.form.count.valueChanged.connect(self.restart)
        self.form.label.currentIndexChanged.connect(self.restart)
        self.candidates.grid.clicked.connect(self.choose)
        self.candidates.slider.valueChanged.connect(self.show_morph_frame)
        self.candidates.mode.currentIndexChanged.connect(self.request_morph)
        self.candidates.play.clicked.connect(self.toggle_play)
        self.player.timeout.connect(self.play_step)
        self.candidates.save.clicked.connect(self.ask_save)
        self.candidates.open.clicked.connect(self.ask_open)
        self.controls.start_button.clicked.connect(self.project)
        self.project_box.train_button.clicked.connect(self.train_encoder)
        self.project_box.edit_button.clicked.connect(self.edit_projection)
        self.project_box.open_file.clicked.connect(self.ask_image)

    def idle(self) -> bool:
        """No job of the panel is queued or running."""
        return not any(s.busy for s in (self.loads, self.edits, self.morphs, self.controls.slot))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.picker.refresh()
        self.retry()
        super().showEvent(event)

    def retry(self, run_id: str = "") -> None:
        """Load again a generator that could not load (a run with no epoch saved yet), or the
        chosen run's newer epoch while nothing is painted (strokes keep their candidates; the
        next stroke's edit takes the newer epoch anyway)."""
        if self.run() is None or self.loads.busy:
            return
        newer = run_id == self.picker.run_id() and not self.pad.canvas.strokes
        if self.info is None or (newer and self.idle()):
            self.load()

    # --- the generator and its candidates ------------------------------------------------
    def run(self) -> str | None:
        ref = self.picker.ref()
        return ref.run_dir if ref else None

    def load(self) -> None:
        """Load the chosen generator and draw its first candidates."""
        self.player.stop()
        self.info = self.frame = self.morph = None
        self.pad.canvas.clear()
        self.pad.canvas.set_result(None)
        self.candidates.clear()
        if (run := self.run()) is None:
            self.pad.say("No GAN run yet: train one in the GAN panel, then come back.")
            return
        self.pad.say("Loading the generator…")
        self.picker.about.setText("Loading…")
        n, seed = self.form.count_or_none(), self.seed  # (read here, not on the compute thread)
        self.loads.submit(lambda: self.jobs.open(run, n, seed),
                          yielded=by_type({GanInfo: self.loaded, Candidates: self.got}),
                          errored=self.load_failed)

    def loaded(self, info: GanInfo) -> None:
        self.info = info
        colour = "grey" if info.spec.channels == 1 else "colour"
        classes = f" · {len(info.classes)} classes" if info.conditional else ""
        self.picker.about.setText(
            f"{info.spec.name} · {info.spec.image_size}×{info.spec.image_size} {colour} · z of "
            f"{info.spec.latent_dim} ({info.prior}){classes} · epoch {info.epoch} · {info.device}")
        self.form.set_generator(info)
        self.project_box.set_generator(info)
        self.pad.set_generator(info.spec.channels)

    def load_failed(self, message: str, details: str) -> None:
        """Said beside the run (a run still before its first epoch loads once it has one)."""
        self.pad.say(message)
        self.picker.about.setText(message)

    def restart(self) -> None:
        """New seeded draws; the strokes go."""
        if (run := self.run()) is None or self.info is None:
            return
        self.seed += 1
        self.pad.canvas.clear()
        n, seed, label = self.form.count.value(), self.seed, self.form.chosen_label()
        self.edits.submit(lambda: self.jobs.draws(run, n, seed, label),
                          yielded=by_type({Candidates: self.got}), errored=self.failed)

    def fix(self) -> None:
        """Start again around the chosen candidate: it is the new anchor; the strokes go."""
        if self.frame is not None:
            self.start_around(self.frame.z[self.chosen : self.chosen + 1], self.chosen_label())

    def start_around(self, z: np.ndarray, label: int | None) -> None:
        run, n = self.run(), self.form.count.value()
        self.seed += 1
        seed = self.seed
        self.pad.canvas.clear()
        self.edits.submit(lambda: self.jobs.around(run, z, label, n, seed),
                          yielded=by_type({Candidates: self.got}), errored=self.failed)

    def chosen_label(self) -> int | None:
        labels = self.frame.labels if self.frame is not None else None
        return None if labels is None else int(labels[self.chosen])

    def edit(self) -> None:
        """A stroke ended: optimize the current candidates toward all the strokes."""
        if self.frame is None or self.info is None:
            return
        spec = self.info.spec
        constraints = self.pad.canvas.constraints(spec.image_size, spec.channels)
        if constraints is None:
            return
        run, start, settings = self.run(), self.frame.restart(), self.form.settings()
        self.edits.submit(lambda: self.jobs.edit(run, start, constraints, settings),
                          yielded=by_type({Candidates: self.got}), errored=self.failed)

    def got(self, frame: Candidates) -> None:
        """New candidates (best first): the grid, and the pad shows the best."""
        self.frame, self.chosen, self.morph = frame, 0, None
        names = self.info.classes if self.info else ()
        self.candidates.show_frame(frame, names)
        self.pad.canvas.set_result(frame.images[0])
        self.pad.show_frame(frame)
        self.form.fix.setEnabled(True)
        if frame.done or frame.step == 0:
            self.request_morph()

    def failed(self, message: str, details: str) -> None:
        self.pad.say(message)

    def choose(self, i: int) -> None:
        """A candidate clicked: the pad shows it, and the morph to it."""
        if self.frame is None or i >= len(self.frame.z):
            return
        self.chosen = i
        self.candidates.mark(i)
        self.pad.canvas.set_result(self.frame.images[i])
        self.request_morph()

    # --- the morph -----------------------------------------------------------------------
    def request_morph(self) -> None:
        if self.frame is None or self.run() is None:
            return
        f, i = self.frame, self.chosen
        run, mode, label = self.run(), self.candidates.mode.currentData(), self.chosen_label()
        self.morphs.submit(lambda: self.jobs.morph(run, f.z0[i], f.z[i], label, mode),
                           yielded=by_type({Morph: self.got_morph}), errored=self.failed)

    def got_morph(self, morph: Morph) -> None:
        self.morph = morph
        self.candidates.set_morph(morph)

    def show_morph_frame(self, index: int) -> None:
        if self.morph is not None and 0 <= index < len(self.morph.images):
            self.pad.canvas.set_result(self.morph.images[index])

    def toggle_play(self) -> None:
        if self.player.isActive():
            self.player.stop()
        elif self.morph is not None:
            self.candidates.slider.setValue(0)
            self.player.start()
        self.candidates.play.setText("Stop" if self.player.isActive() else "Play")

    def play_step(self) -> None:
        slider = self.candidates.slider
        if slider.value() >= slider.maximum():
            self.toggle_play()
        else:
            slider.setValue(slider.value() + 1)

    # --- save and open -------------------------------------------------------------------
    def ask_save(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the edit into a folder")
        if folder:
            self.save(folder)

    def save(self, folder: str) -> None:
        if self.frame is None or self.run() is None:
            return
        run, frame, chosen, morph = self.run(), self.frame, self.chosen, self.morph
        strokes, picture = self.pad.canvas.records(), self.pad.canvas.picture()
        self.controls.run(lambda: self.jobs.save(folder, run, frame, chosen, morph, strokes,
                                                 picture),
                          "Saving", yielded=by_type({Message: lambda m: self.controls.say(m.text)}))

    def ask_open(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a saved edit")
        if folder:
            self.open_edit(folder)

    def open_edit(self, folder: str) -> None:
        self.controls.run(lambda: self.jobs.open_saved(folder), "Opening",
                          yielded=by_type({SavedEdit: self.got_saved}))

    def got_saved(self, saved: SavedEdit) -> None:
        """The saved run chosen, its strokes on the pad, its candidates as saved."""
        if saved.run != self.run():
            self.picker.select_dir(saved.run)
        self.pad.canvas.set_records(saved.strokes)
        start = Start(saved.z, saved.z0, saved.labels)
        run = saved.run
        self.edits.submit(lambda: self.jobs.still(run, start),
                          yielded=by_type({Candidates: self.got}), errored=self.failed)
        self.controls.say(f"Opened the edit of {Path(saved.run).name}.")

    # --- projection ----------------------------------------------------------------------
    def ask_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Image to project", "", "Images (*.png "
                                              "*.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp)")
        if path:
            self.project_box.set_file(path)

    def source(self) -> ImageSource | None:
        kind = self.project_box.kind()
        if kind == "file":
            path = self.project_box.path
            return FileImage(Path(path)) if path else None
        if kind == "dataset":
            return DatasetImage(self.project_box.index.value())
        return ArrayImage(self.pad.canvas.drawing())

    def project(self) -> None:
        if (run := self.run()) is None or self.info is None:
            return
        if (source := self.source()) is None:
            self.controls.say("Open an image file first.")
            return
        settings = self.project_box.settings(self.info)
        self.project_box.clear()
        self.controls.run(lambda: self.jobs.project(run, source, settings), "Projecting",
                          yielded=by_type({Target: self.project_box.show_target,
                                           EncoderProgress: self.encoder_progress,
                                           EncoderReady: self.encoder_ready,
                                           Projection: self.got_projection}))

    def train_encoder(self) -> None:
        if (run := self.run()) is None:
            return
        self.controls.run(lambda: self.jobs.train_encoder(run), "Training the inverting network",
                          yielded=by_type({EncoderProgress: self.encoder_progress,
                                           EncoderReady: self.encoder_ready}))

    def encoder_progress(self, e: EncoderProgress) -> None:
        self.controls.show_progress(e.done, e.total, f"inverting network {e.done}/{e.total}",
                                    f"Training the inverting network on G's own samples: "
                                    f"loss {e.loss:.4f}, {e.seconds:.0f} s")

    def encoder_ready(self, e: EncoderReady) -> None:
        self.project_box.encoder_ready(e)
        self.controls.say(f"Inverting network {'trained' if e.trained else 'loaded'} "
                          f"({Path(e.path).name}).")

    def got_projection(self, p: Projection) -> None:
        self.projection = p
        self.project_box.show_projection(p, self.info.classes if self.info else ())
        self.controls.show_progress(p.step, p.steps, f"step {p.step} of {p.steps}",
                                    f"Projecting: PSNR {p.psnr:.1f} dB")
        if p.done:  # (said at once: the throttled progress line drops what comes at the end)
            self.controls.say(f"Projected: PSNR {p.psnr:.1f} dB. Edit this paints on it.")

    def edit_projection(self) -> None:
        """Edit the projected image: candidates around its latent."""
        if self.projection is not None:
            self.start_around(self.projection.z, self.projection.label)

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        self.form.save_settings(settings)

    def load_settings(self, settings) -> None:
        self.form.load_settings(settings)
