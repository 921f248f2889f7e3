"""Occlusion panel: slide an occluder over an image, watch the target probability fall.

The columns are widgets of their own (model, image source, settings; the map view and the
gallery; the predictions); this module wires them to the compute thread's jobs: one long job
at a time (a run, a gallery, a split's predictions, a download), and a preview of the chosen
image, a probe of a clicked window and a check of the torch cache, each the latest asked for.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.data import DatasetImage
from deepscope.core.jobs import Message, ProgressEvent
from deepscope.core.occlusion.events import (
    GalleryItem,
    ImageInfo,
    Probe,
    SplitPredictions,
)
from deepscope.core.occlusion.spec import GALLERY_SIZE, OcclusionSettings, Setup
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread, Exclusive, JobHandle, NewestWins, by_type
from ...widgets.data_export import DataExport
from ...widgets.dataset_browser import split_words
from ...widgets.image_source import DATASET, FILE, ImageSourceBox
from ...widgets.job_status import JobStatus
from ...widgets.model_picker import ModelPicker
from ...widgets.panel_frame import error_box, frame
from ...widgets.predictions import PredictionBox, box_words
from ...widgets.progress_text import download_progress
from ...widgets.scroll_column import scroll_column
from .form import OcclusionForm
from .gallery import GALLERY_LABELS, GalleryView
from .jobs import OcclusionJobs
from .view import MapView, window_box

NOTE = (
    "<b>What am I looking at?</b> Zeiler &amp; Fergus occlusion: an occluder window slides over "
    "the image and the model sees each occluded copy. The positional maps show, at each window "
    "position (drawn at the window's centre), p(target | occluded image), the drop "
    "p(target | image) − p(target | occluded) or the most probable class. The pixel map is the "
    "mean drop over all windows covering a pixel (Captum's definition): red = the evidence the "
    "model relies on, blue = occluding it helps. Click the map to inspect one position."
)
MAP_TAB, GALLERY_TAB = range(2)


class OcclusionPanel(QWidget):
    title = "Occlusion"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.jobs = OcclusionJobs()
        self.long = Exclusive(compute)  # a run, a gallery, a split's predictions, a download
        self.previews = NewestWins(compute)
        self.probes = NewestWins(compute)
        self.zoo_checks = NewestWins(compute)
        self.preview_due = False  # a preview waits for the panel to show or the long job to end
        self.setup: Setup | None = None  # of the map on screen
        self.gallery_settings = OcclusionSettings()
        self.predictions: dict[tuple[str, str], SplitPredictions] = {}
        self.error_box: QMessageBox | None = None
        self.build()
        self.connect_signals()
        self.model.refresh_runs()
        self.model_changed()

    # --- layout --------------------------------------------------------------------------
    def build(self) -> None:
        self.model = ModelPicker(self.store)
        self.source = ImageSourceBox()
        self.form = OcclusionForm()
        settings_box = QGroupBox("Occlusion")
        QVBoxLayout(settings_box).addWidget(self.form)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b;")
        self.run_button, self.cancel_button = QPushButton("Run"), QPushButton("Cancel")
        self.gallery_kind = QComboBox()
        for kind, label in GALLERY_LABELS.items():
            self.gallery_kind.addItem(f"{GALLERY_SIZE} {label}", kind)
        self.gallery_button = QPushButton("Gallery")
        self.gallery_button.setToolTip("Occlude each image of the selection (from the split "
                                       "and class chosen under Dataset) and show thumbnails")
        self.status = JobStatus("Pick a model and an image, then press Run.")
        left = scroll_column([self.model, self.source, settings_box, self.problems,
                              (self.run_button, self.cancel_button),
                              (self.gallery_kind, self.gallery_button), self.status])
        self.view, self.gallery = MapView(), GalleryView()
        self.middle = QTabWidget()
        self.middle.addTab(self.view, "Map")
        self.middle.addTab(self.gallery, "Gallery")
        self.predicted = PredictionBox()
        self.predicted.setMinimumWidth(180)
        self.predicted.setMaximumWidth(260)
        frame(self, NOTE, [(left, 0), (self.middle, 3), (self.predicted, 0)])

    def connect_signals(self) -> None:
        self.model.changed.connect(self.model_changed)
        self.model.download.connect(self.download)
        self.source.changed.connect(self.source_changed)
        self.source.browser.filters_changed.connect(self.filters_changed)
        self.form.changed.connect(self.validate)
        self.form.target.currentIndexChanged.connect(self.request_preview)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.gallery_button.clicked.connect(self.start_gallery)
        self.gallery.opened.connect(self.open_item)
        self.view.clicked.connect(self.probe_at)
        self.view.saved.connect(self.status.say)
        self.view.describe = self.describe

    @property
    def job(self) -> JobHandle | None:
        """The long job's handle (None when none runs)."""
        return self.long.handle

    @property
    def probe(self) -> JobHandle | None:
        """The probe's handle (None when none runs)."""
        return self.probes.handle

    def idle(self) -> bool:
        """No job of the panel is queued or running."""
        return not any(slot.busy for slot in (self.long, self.previews, self.probes,
                                               self.zoo_checks))

    # --- choices -------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.model.refresh_runs()
        if self.preview_due:
            self.request_preview()
        super().showEvent(event)

    def refresh_runs(self) -> None:
        self.model.refresh_runs()

    def model_changed(self) -> None:
        self.model.check(self.zoo_checks)
        size = self.model.image_size()
        if size:
            self.form.fit_to(size)
        self.source.fit_model(size, self.model.channels() == 1, self.model.has_dataset())
        self.source.browser.set_classes(self.model.classes())
        self.filters_changed()
        self.source_changed()

    def source_changed(self) -> None:
        self.form.set_classes(self.model.classes(), self.source.labelled())
        self.validate()
        self.request_preview()

    def filters_changed(self) -> None:
        browser = self.source.browser
        split = browser.filters()[0]
        browser.set_predictions(self.predictions.get((self.model.key(), split)))
        model = self.model.source()
        browsing = self.source.tabs.currentIndex() == DATASET and self.model.has_dataset()
        if browsing and browser.needs_predictions() and self.job is None \
                and not self.model.problem():
            self.start_job(lambda: self.jobs.predict(model, split),
                           f"Predicting {split_words(split)} once to filter it…",
                           by_type({ProgressEvent: self.count,
                                    SplitPredictions: self.got_predictions}),
                           self.predictions_ended)
        self.validate()

    def issues(self) -> list[str]:
        """Why Run cannot start (the image's problem only once the model is fine)."""
        problem = self.model.problem() or self.source.problem()
        return ([problem] if problem else []) + self.form.issues(self.model.image_size())

    def validate(self) -> None:
        found = self.issues()
        self.problems.setText("\n".join(found))
        self.problems.setVisible(bool(found))
        self.set_running(self.job is not None)

    def set_running(self, running: bool) -> None:
        ok = not running and not self.issues()
        self.run_button.setEnabled(ok)
        self.gallery_button.setEnabled(not running and self.model.has_dataset()
                                       and not self.model.problem())
        self.cancel_button.setEnabled(running)
        for w in (self.model, self.source, self.form, self.gallery_kind):
            w.setEnabled(not running)

    def current_setup(self) -> Setup:
        model, image = self.model.source(), self.source.source()
        assert model is not None and image is not None
        return Setup(model, image, self.form.settings())

    # --- jobs ----------------------------------------------------------------------------
    def start_job(self, factory, text: str, yielded: Callable[[object], None],
                  ended: Callable[[str], None], shows_image: bool = False) -> None:
        """The long job, unless one runs: its events go to `yielded`, and `ended(outcome)`
        says how it ended, unless it failed (its dialog says that). A preview waits for its
        end, unless the job `shows_image` itself (a run)."""
        handle = self.long.submit(factory, yielded=yielded, errored=self.long_failed)
        if handle is None:
            return
        if self.previews.busy:  # its image or its error would come while the job runs
            self.previews.cancel()
            self.preview_due = True
        handle.on(finished=lambda: self.long_ended(handle.outcome, ended, shows_image))
        self.status.busy(text)
        self.set_running(True)

    def request_preview(self) -> None:
        """Show the chosen image and its prediction (on the compute thread) before any Run."""
        if self.job is not None or not self.isVisible():
            self.preview_due = True
            return
        self.preview_due = False
        if problem := self.model.problem() or self.source.problem():
            self.previews.cancel()
            self.view.clear(problem)
            self.predicted.clear()
            self.status.reset("")
            return
        setup = self.current_setup()
        self.previews.submit(lambda: self.jobs.preview(setup), yielded=self.show_preview,
                             errored=self.preview_failed)

    def start(self) -> None:
        if self.job is not None or self.issues():
            return
        setup = self.current_setup()
        self.setup = setup
        self.predicted.reset_probe()
        self.middle.setCurrentIndex(MAP_TAB)
        self.start_job(lambda: self.jobs.run(setup), "Loading the model and the image…",
                       self.on_run_event, self.run_ended, shows_image=True)

    def start_gallery(self) -> None:
        model = self.model.source()
        split, klass, _ = self.source.browser.filters()
        kind = self.gallery_kind.currentData()
        if self.job is not None or model is None:
            return
        preds = self.predictions.get((self.model.key(), split))
        settings = self.gallery_settings = self.form.settings()
        self.gallery.start(kind, split_words(split),
                           None if klass is None else self.source.browser.klass.currentText())
        self.middle.setCurrentIndex(GALLERY_TAB)
        self.start_job(lambda: self.jobs.gallery(model, preds, split, kind, klass, settings),
                       f"Gallery: {kind} of {split_words(split)}…",
                       by_type({ProgressEvent: self.count, GalleryItem: self.gallery.add}),
                       self.gallery_ended)

    def download(self, name: str) -> None:
        self.start_job(lambda: self.jobs.download(name),
                       f"Downloading the pretrained {name} weights…",
                       by_type({ProgressEvent: self.show_download, Message: self.say}),
                       self.download_ended)

    def cancel(self) -> None:
        self.long.cancel()

    def probe_at(self, row: int, col: int) -> None:
        """Occlude the window at (row, col) on the compute thread; show its top-5 when back."""
        maps = self.view.maps
        if self.setup is None or maps is None:
            return
        rows, cols = maps.probability.shape
        row, col = min(max(row, 0), rows - 1), min(max(col, 0), cols - 1)
        setup = self.setup
        self.probes.submit(lambda: self.jobs.probe(setup, row, col),
                           yielded=by_type({Probe: self.show_probe}), errored=self.job_failed)
        self.predicted.reset_probe(f"The {box_words(window_box(maps, row, col))}: computing…")

    def open_item(self, item: GalleryItem) -> None:
        """A gallery thumbnail in the map view, as if it had been run there."""
        model = self.model.source()
        assert model is not None
        self.setup = Setup(model, DatasetImage(item.index), self.gallery_settings)
        self.source.tabs.setCurrentIndex(DATASET)
        self.source.browser.show_index(item.index)
        self.show_info(item.info)
        self.view.set_maps(item.maps)
        self.middle.setCurrentIndex(MAP_TAB)
        self.status.say(f"Gallery image {item.position + 1} (dataset index {item.index}): "
                        "click the map to probe a position.")

    # --- events of the panel's jobs ------------------------------------------------------
    def show_info(self, info: ImageInfo) -> None:
        self.view.show_image(info)
        self.predicted.show_prediction(info)

    def show_preview(self, info: ImageInfo) -> None:
        if self.job is None:  # (a Run pressed meanwhile shows its own image)
            self.show_info(info)
            if self.view.maps is None:
                self.status.reset("Press Run to occlude this image.")

    def show_probe(self, probe: Probe) -> None:
        self.predicted.show_probe(probe)
        self.view.show_box(probe.box)

    def on_run_event(self, event) -> None:
        """The image, then the maps batch by batch (their class lives with torch)."""
        if isinstance(event, ImageInfo):
            self.show_info(event)
            self.status.say("Occluding: the map fills in batch by batch; Cancel keeps it.")
        else:
            self.view.set_maps(event)
            self.status.count(event.done, event.total,
                              f"{event.done} / {event.total} window positions")

    def count(self, e: ProgressEvent) -> None:
        self.status.count(e.done, e.total, f"{e.label}: {e.done} / {e.total}")

    def show_download(self, e: ProgressEvent) -> None:
        self.status.count(*download_progress(e))

    def got_predictions(self, event: SplitPredictions) -> None:
        self.predictions[(self.model.key(), event.split)] = event
        self.source.browser.set_predictions(event)

    def say(self, message: Message) -> None:
        self.status.say(message.text)

    def long_ended(self, outcome: str, ended: Callable[[str], None], shows_image: bool) -> None:
        self.status.ended(outcome)
        self.view.redraw()  # the last batch now, not at the next 20 Hz tick: it matches "Done"
        if outcome != "failed":
            ended(outcome)
        self.validate()
        if shows_image:
            self.preview_due = False
        elif self.preview_due:
            self.request_preview()

    def run_ended(self, outcome: str) -> None:
        m = self.view.maps
        if outcome == "finished" and m is not None:
            worst = window_box(m, *np.unravel_index(np.nanargmax(m.drop), m.drop.shape))
            self.status.ended(outcome, f"done: {m.total} window positions")
            self.status.say(
                f"Done. p(target) = {m.base_probability:.3f} unoccluded; the largest drop, "
                f"{np.nanmax(m.drop):.3f}, is with the {box_words(worst)}.")
        else:
            kept = f"{m.done} of {m.total} positions" if m else "nothing computed yet"
            self.status.say(f"Cancelled: the partial map is kept ({kept}).")

    def gallery_ended(self, outcome: str) -> None:
        self.gallery.finish(outcome)
        self.status.say(f"Gallery {outcome}: {len(self.gallery.items)} images. Click one to "
                        "open it.")

    def predictions_ended(self, outcome: str) -> None:
        self.status.say("Predictions done: Previous / Next follow the filters."
                        if outcome == "finished" else
                        "Predictions cancelled: change a filter to predict again.")

    def download_ended(self, _outcome: str) -> None:
        self.model.forget_zoo_status(self.model.zoo_name())
        self.model_changed()

    def long_failed(self, message: str, details: str) -> None:
        if self.source.tabs.currentIndex() == FILE:
            self.source.show_file_error(message)
        self.job_failed(message, details)

    def job_failed(self, message: str, details: str) -> None:
        self.error_box = error_box(self, "Occlusion failed", message, details)
        self.status.say(f"Failed: {message}")

    def preview_failed(self, message: str, _details: str = "") -> None:
        """A bad file or index: a message in the panel, no dialog; the panel keeps working."""
        message = message.removeprefix("ValueError: ")
        if self.source.tabs.currentIndex() == FILE:
            self.source.show_file_error(message)
            self.validate()
        self.view.clear(f"Cannot show this image: {message}")
        self.predicted.clear()
        self.status.reset("")

    def describe(self) -> dict:
        """What the maps on screen were computed from (for their meta.json)."""
        s = self.setup
        return {"occluder": s.settings.occluder, "model": repr(s.model),
                "image": repr(s.image)} if s else {}

    def data_export(self) -> DataExport | str:
        """File > Export data: the maps on screen as .npy files and meta.json, into a folder."""
        if self.view.maps is None:
            return "no occlusion map yet: press Run first"
        return DataExport("occlusion-maps", "", self.view.export_npy)

    # --- settings ------------------------------------------------------------------------
    def save_settings(self, settings) -> None:
        self.form.save_settings(settings)
        self.view.save_settings(settings)

    def load_settings(self, settings) -> None:
        """Saved settings; a window saved for another input size is fitted to this model's."""
        self.form.load_settings(settings)
        self.view.load_settings(settings)
        self.model_changed()
