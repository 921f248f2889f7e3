"""Filters & activations panel: a layer of any classifier from the inside, for one input.

The left column picks the model, the layer (from the tree of its modules) and the image; the
views (Filters, Activations, Units) and the input with its top-5 follow them. Jobs: one long
job at a time (a unit scan, a split's predictions, a download), and the layer tree, the
filters, the activations (following a brush stroke as it goes) and a channel's patches, each
the latest asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from deepscope.core.data import DatasetImage
from deepscope.core.features import (
    Activations,
    Attribution,
    DreamFrame,
    DreamSettings,
    Filters,
    GramView,
    LayerTree,
    UnitPatches,
    UnitScan,
)
from deepscope.core.jobs import Message, ProgressEvent
from deepscope.core.occlusion.events import SplitPredictions
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread, Exclusive, JobFactory, JobHandle, NewestWins, by_type
from ...widgets.data_export import DataExport
from ...widgets.dataset_browser import split_words
from ...widgets.image_source import DATASET, FILE, ImageSourceBox
from ...widgets.job_status import JobStatus
from ...widgets.model_picker import ModelPicker
from ...widgets.panel_frame import error_box, frame
from ...widgets.progress_text import download_progress
from ...widgets.run_watch import watch
from ...widgets.scroll_column import scroll_column
from ...widgets.view_switch import ViewSwitch
from .activations import ActivationsView
from .backprop import BackpropView
from .filters import FiltersView
from .gram import GramView as GramPane
from .input_box import InputBox
from .jobs import FROM_CACHE, FeatureJobs
from .layers import LayerPicker
from .live import Following
from .maximize import MaximizeView
from .units import EMPTY as NO_SCAN
from .units import UnitsView

NOTE = (
    "<b>What am I looking at?</b> One layer of the network from the inside. <b>Filters</b>: "
    "the weights each output channel applies to its inputs (zero is mid grey). "
    "<b>Activations</b>: what every channel computes for the input; draw under Image &gt; "
    "Draw and watch them change as you draw. <b>Units</b>: the dataset images that excite a "
    "channel most, cropped to what one unit sees (its receptive field). Click a channel to "
    "select it."
)
FILTERS, ACTIVATIONS, UNITS, BACKPROP, MAXIMIZE, GRAM = range(6)


class FeaturesPanel(QWidget):
    title = "Filters & activations"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.jobs = FeatureJobs()
        self.long = Exclusive(compute)  # a unit scan, a split's predictions, a download
        self.trees = NewestWins(compute)
        self.filter_jobs = NewestWins(compute)
        self.live = Following(compute)  # activations
        self.patch_jobs = NewestWins(compute)
        self.probes = NewestWins(compute)  # the backprop view's and the Gram view's
        self.zoo_checks = NewestWins(compute)
        self.tree: LayerTree | None = None
        self.act: Activations | None = None
        self.scan: UnitScan | None = None
        self.channel = 0
        self.wanted_layer: str | None = None  # kept across models and from the settings
        self.predictions: dict[tuple[str, str], SplitPredictions] = {}
        self.due = True  # the views wait until the panel shows
        self.error_box: QMessageBox | None = None
        self.build()
        self.connect_signals()
        self.model.refresh_runs()
        self.model_changed()

    # --- layout --------------------------------------------------------------------------
    def build(self) -> None:
        self.model = ModelPicker(self.store, training=True)
        self.layers = LayerPicker()
        self.source = ImageSourceBox()
        self.status = JobStatus("Pick a model, a layer and an image.")
        left = scroll_column([self.model, self.layers, self.source, self.status])
        self.filters, self.activations, self.units = FiltersView(), ActivationsView(), UnitsView()
        self.backprop, self.maximize, self.gram = BackpropView(), MaximizeView(), GramPane()
        self.views = ViewSwitch()
        for view, name in ((self.filters, "Filters"), (self.activations, "Activations"),
                           (self.units, "Units"), (self.backprop, "Backprop"),
                           (self.maximize, "Maximize"), (self.gram, "Gram")):
            self.views.addTab(view, name)
        self.input = InputBox()
        self.input.setMinimumWidth(180)
        self.input.setMaximumWidth(240)
        frame(self, NOTE, [(left, 0), (self.views, 3), (self.input, 0)])

    def connect_signals(self) -> None:
        self.model.changed.connect(self.model_changed)
        self.model.download.connect(self.download)
        self.layers.changed.connect(self.layer_changed)
        self.source.changed.connect(self.request_activations)
        self.source.canvas.stroked.connect(self.request_activations)
        self.source.browser.filters_changed.connect(self.filters_changed)
        self.filters.options_changed.connect(self.request_filters)
        self.filters.refresh.connect(self.request_filters)
        for view in (self.filters, self.activations):
            view.channel_clicked.connect(self.select_channel)
        self.units.channel_changed.connect(self.select_channel)
        self.units.image_clicked.connect(self.show_dataset_image)
        self.units.scan_button.clicked.connect(self.start_scan)
        self.units.cancel_button.clicked.connect(self.long.cancel)
        self.units.split.currentIndexChanged.connect(self.forget_scan)
        self.backprop.changed.connect(self.request_probe)
        self.gram.changed.connect(self.request_probe)
        self.views.currentChanged.connect(self.request_probe)
        self.maximize.start.connect(self.start_maximize)
        self.maximize.stop.connect(self.long.cancel)
        for view in (self.filters, self.activations, self.units, self.backprop, self.maximize,
                     self.gram):
            view.saved.connect(self.status.say)
        watch(self.store).changed.connect(self.run_changed)

    @property
    def job(self) -> JobHandle | None:
        """The long job's handle (None when none runs)."""
        return self.long.handle

    def idle(self) -> bool:
        """No job of the panel is queued or running."""
        return not any(slot.busy for slot in (self.long, self.trees, self.filter_jobs, self.live,
                                               self.patch_jobs, self.probes, self.zoo_checks))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.model.refresh_runs()
        if self.due:
            self.refresh()
        super().showEvent(event)

    def refresh_runs(self) -> None:
        self.model.refresh_runs()

    # --- choices -------------------------------------------------------------------------
    def model_changed(self) -> None:
        self.model.check(self.zoo_checks)
        for slot in (self.trees, self.filter_jobs, self.live, self.patch_jobs, self.probes):
            slot.cancel()
        self.tree = self.act = self.scan = None
        self.layers.clear()
        self.source.fit_model(self.model.image_size(), self.model.channels() == 1,
                              self.model.has_dataset())
        self.source.browser.set_classes(self.model.classes())
        self.filters_changed()
        self.refresh()

    def refresh(self) -> None:
        """Ask for what the views show: the model's layers first, then the layer's filters and
        activations; later, once the panel shows."""
        self.update_buttons()
        self.due = not self.isVisible()
        if self.due:
            return
        if problem := self.model.problem():
            self.clear_views(problem)
        elif self.tree is None:
            self.clear_views("Loading the model…")
            model = self.model.source()
            self.trees.submit(lambda: self.jobs.layers(model),
                              yielded=by_type({LayerTree: self.got_tree}),
                              errored=self.view_failed(self.clear_views))
        else:
            self.request_filters()
            self.request_activations()

    def clear_views(self, text: str) -> None:
        for view in (self.filters, self.activations, self.input, self.backprop, self.gram):
            view.clear(text)
        self.units.show_scan(None, text)

    def got_tree(self, tree: LayerTree) -> None:
        self.tree = tree
        for view in (self.backprop, self.maximize):
            view.set_classes(len(tree.classes))
        self.gram.set_dataset(self.model.has_dataset())
        self.layers.set_tree(tree.tree, self.wanted_layer)  # (emits changed)

    def layer_changed(self) -> None:
        if (layer := self.layers.layer()) is None:
            return
        self.wanted_layer = layer
        self.live.cancel()
        self.filters.reset_input()
        self.act = None
        self.forget_scan()
        self.select_channel(0)
        self.request_filters()
        self.request_activations()

    def forget_scan(self) -> None:
        """The scan on screen is of another layer or split: Scan shows this one's."""
        self.scan = None
        self.patch_jobs.cancel()
        self.update_buttons()

    def select_channel(self, channel: int) -> None:
        shape = self.layers.output_shape()
        count = shape[0] if shape else 0
        self.channel = channel
        self.units.set_channels(count, channel)
        for view in (self.filters, self.activations):
            view.select(channel)
        self.show_input()
        self.request_patches()
        if self.views.currentIndex() == BACKPROP:
            self.request_probe()

    def show_dataset_image(self, index: int) -> None:
        """A patch's image as the input (its activations follow)."""
        self.source.tabs.setCurrentIndex(DATASET)
        self.source.browser.index.setValue(index)

    def filters_changed(self) -> None:
        """The dataset browser's filters need the split's predictions: computed once."""
        browser = self.source.browser
        split = browser.filters()[0]
        browser.set_predictions(self.predictions.get((self.model.key(), split)))
        needed = browser.needs_predictions() and self.model.has_dataset()
        if not needed or self.long.busy or self.model.problem():
            return
        model = self.model.source()
        self.start_long(lambda: self.jobs.predict(model, split),
                        f"Predicting {split_words(split)} once to filter it…",
                        {ProgressEvent: self.count, SplitPredictions: self.got_predictions})

    def run_changed(self, run_id: str) -> None:
        """The chosen run trained on (a new checkpoint): its filters and maps again. A run
        still training is offered once its first checkpoint is saved."""
        if self.isVisible() and run_id not in (r.id for r in self.model.runs):
            self.model.refresh_runs()  # (hidden, the panel refreshes when it shows)
        run = self.model.current_run()
        if run is not None and run.id == run_id and not self.model.is_zoo() and self.tree:
            self.refresh()

    def scan_problem(self) -> str | None:
        """Why Scan cannot start, or None."""
        if problem := self.model.problem():
            return problem
        if not self.model.has_dataset():
            return ("This model has no dataset to scan: scans read a trained run's dataset "
                    "(choose a run under Model).")
        layer, shape = self.layers.layer(), self.layers.output_shape()
        if layer is None:
            return "Pick a layer first."
        if shape is None or len(shape) != 3:
            shown = " × ".join(map(str, shape)) if shape else "no single tensor"
            return (f"Layer {layer} has no spatial map (its output: {shown}); pick a layer whose "
                    "output is channels × height × width.")
        return None

    def update_buttons(self) -> None:
        busy, problem = self.long.busy, self.scan_problem()
        self.units.scan_button.setEnabled(not busy and problem is None)
        self.units.cancel_button.setEnabled(busy)
        self.maximize.run_button.setEnabled(not busy and self.model.problem() is None
                                            and self.layers.layer() is not None)
        self.maximize.cancel_button.setEnabled(busy)
        for w in (self.model, self.layers, self.units.split):
            w.setEnabled(not busy)
        if self.scan is None:
            self.units.show_scan(None, problem or NO_SCAN)

    # --- jobs ----------------------------------------------------------------------------
    def request_filters(self) -> None:
        model, layer = self.model.source(), self.layers.layer()
        if model is None or layer is None or self.due:
            return
        channel, scale, sort = self.filters.options()
        self.filter_jobs.submit(lambda: self.jobs.filters(model, layer, channel, scale, sort),
                                yielded=by_type({Filters: self.filters.show_filters}),
                                errored=self.view_failed(self.filters.clear))

    def request_activations(self) -> None:
        """The layer's maps for the chosen image: the newest request runs as soon as the
        running one ends (a stroke asks at every mouse move)."""
        model, layer, image = self.model.source(), self.layers.layer(), self.source.source()
        if model is None or layer is None or self.due:
            return
        if image is None:
            self.live.cancel()
            for view in (self.activations, self.input):
                view.clear(self.source.problem() or "Choose an image.")
            return
        self.live.follow(lambda: self.jobs.activations(model, image, layer),
                         yielded=by_type({Activations: self.got_activations}),
                         errored=self.view_failed(self.activations_failed))
        self.request_probe()

    def request_probe(self) -> None:
        """The backprop or Gram view, when it is the one on screen, for the chosen image."""
        model, layer, image = self.model.source(), self.layers.layer(), self.source.source()
        view = self.views.currentIndex()
        if model is None or layer is None or image is None or self.due or \
                view not in (BACKPROP, GRAM):
            return
        if view == BACKPROP:
            target, method, cam_layer = self.backprop.request(layer, self.channel)
            self.probes.submit(
                lambda: self.jobs.backprop(model, image, target, method, cam_layer),
                yielded=by_type({Attribution: self.got_attribution}),
                errored=self.view_failed(self.backprop.clear))
        else:
            index = self.gram.second()
            other = None if index is None else DatasetImage(index)
            self.probes.submit(lambda: self.jobs.gram(model, image, layer, other),
                               yielded=by_type({GramView: self.gram.show_gram}),
                               errored=self.view_failed(self.gram.clear))

    def got_attribution(self, att: Attribution) -> None:
        classes = self.tree.classes if self.tree else self.model.classes()
        self.backprop.show_attribution(att, classes)

    def request_patches(self) -> None:
        scan, channel, model = self.scan, self.channel, self.model.source()
        if scan is not None and 0 <= channel < len(scan.value):
            self.patch_jobs.submit(lambda: self.jobs.patches(model, scan, channel),
                                   yielded=by_type({UnitPatches: self.units.show_patches}),
                                   errored=self.job_failed)

    def start_scan(self) -> None:
        if self.long.busy or self.scan_problem():
            return
        model, layer = self.model.source(), self.layers.layer()
        split = self.units.split.currentData()
        self.views.setCurrentIndex(UNITS)
        self.start_long(lambda: self.jobs.scan(model, layer, split),
                        f"Scanning {split_words(split)} for {layer}…",
                        {ProgressEvent: self.count, Message: self.say, UnitScan: self.got_scan},
                        self.scan_ended)

    def start_maximize(self) -> None:
        """Activation maximization of the selected channel, its centre unit or a class."""
        model, layer, shape = self.model.source(), self.layers.layer(), self.layers.output_shape()
        if self.long.busy or model is None or layer is None:
            return
        grid = (shape[1], shape[2]) if shape and len(shape) == 3 else None
        target = self.maximize.target(layer, self.channel, grid)
        settings = DreamSettings(steps=self.maximize.steps.value(),
                                 seeds=tuple(range(self.maximize.seeds.value())))
        self.views.setCurrentIndex(MAXIMIZE)
        self.maximize.clear(f"{self.maximize.describe(target)}: starting from noise…")
        self.start_long(lambda: self.jobs.maximize(model, target, settings),
                        f"Maximizing: {self.maximize.describe(target).lower()}…",
                        {DreamFrame: self.maximize.show_frame}, self.maximize_ended)

    def maximize_ended(self, outcome: str) -> None:
        frame = self.maximize.frame
        if outcome == "cancelled":
            self.status.say("Maximization cancelled: the images so far are kept.")
        elif frame is not None:
            self.status.say(f"Done: {self.maximize.describe(frame.target)} reached "
                            f"{frame.values.min():.3g} to {frame.values.max():.3g} "
                            f"over {len(frame.values)} seeds in {frame.steps} steps.")

    def download(self, name: str) -> None:
        self.start_long(lambda: self.jobs.download(name),
                        f"Downloading the pretrained {name} weights…",
                        {ProgressEvent: lambda e: self.status.count(*download_progress(e)),
                         Message: self.say},
                        lambda _: self.downloaded(name))

    def start_long(self, factory: JobFactory, text: str, handlers: dict[type, Callable],
                   ended: Callable[[str], None] | None = None) -> None:
        """The long job, unless one runs; `ended(outcome)` unless it failed (its dialog
        says so)."""
        handle = self.long.submit(factory, yielded=by_type(handlers), errored=self.job_failed)
        if handle is None:
            return
        handle.on(finished=lambda: self.long_ended(handle.outcome, ended))
        self.status.busy(text)
        self.update_buttons()

    def long_ended(self, outcome: str, ended: Callable[[str], None] | None) -> None:
        self.status.ended(outcome)
        self.update_buttons()
        if ended is not None and outcome != "failed":
            ended(outcome)

    # --- events of the panel's jobs ------------------------------------------------------
    def got_activations(self, act: Activations) -> None:
        if act.layer != self.layers.layer():
            return
        self.act = act
        self.activations.show_activations(act)
        self.show_input()

    def show_input(self) -> None:
        if self.act is not None:
            classes = self.tree.classes if self.tree else self.model.classes()
            self.input.show_input(self.act, classes, self.channel, self.scan)

    def got_scan(self, scan: UnitScan) -> None:
        if scan.layer == self.layers.layer():
            self.scan = scan
            self.units.show_scan(scan)
            self.show_input()
            self.request_patches()

    def scan_ended(self, outcome: str) -> None:
        if outcome == "cancelled":
            self.status.say("Scan cancelled: press Scan to start it again.")
        elif self.scan is not None and self.status.text() != FROM_CACHE:
            self.status.say(f"Scan done: the top {self.scan.value.shape[1]} images of each of "
                            f"{len(self.scan.value)} channels. Change the channel to see its "
                            "patches at once.")

    def got_predictions(self, event: SplitPredictions) -> None:
        self.predictions[(self.model.key(), event.split)] = event
        self.source.browser.set_predictions(event)

    def downloaded(self, name: str) -> None:
        self.model.forget_zoo_status(name)
        self.model_changed()

    def count(self, e: ProgressEvent) -> None:
        self.status.count(e.done, e.total, f"{e.label}: {e.done} / {e.total}")

    def say(self, message: Message) -> None:
        self.status.say(message.text)

    def view_failed(self, clear: Callable[[str], None]) -> Callable[[str, str], None]:
        """A preview's failure: its message in the view; a bug's details in a dialog too."""

        def failed(message: str, details: str) -> None:
            clear(message)
            if details:
                self.job_failed(message, details)

        return failed

    def activations_failed(self, message: str) -> None:
        if self.source.tabs.currentIndex() == FILE:
            self.source.show_file_error(message)
        for view in (self.activations, self.input):
            view.clear(f"Cannot show this image: {message}")

    def job_failed(self, message: str, details: str) -> None:
        self.error_box = error_box(self, "Filters & activations failed", message, details)
        self.status.say(f"Failed: {message}")

    # --- export and settings -------------------------------------------------------------
    def data_export(self) -> DataExport | str:
        """File > Export data: the current view's arrays as .npy files and meta.json."""
        view = self.views.currentWidget()
        if not view.arrays():
            return view.nothing()
        return DataExport(view.name, "", view.export_npy)

    def save_settings(self, settings) -> None:
        settings.setValue("features/layer", self.wanted_layer or "")
        settings.setValue("features/view", self.views.currentIndex())
        for view in (self.filters, self.activations, self.units):
            view.save_settings(settings)

    def load_settings(self, settings) -> None:
        """Saved settings; a layer the model does not have leaves its first convolution."""
        for view in (self.filters, self.activations, self.units):
            view.load_settings(settings)
        self.views.setCurrentIndex(settings.value("features/view", FILTERS, type=int))
        self.wanted_layer = settings.value("features/layer") or None
        if self.wanted_layer and self.tree is not None:
            self.layers.select(self.wanted_layer)
