"""Embeddings panel: a layer's features over a split of the dataset, mapped to 2-D live.

The left column picks the model (and, to compare, a second one mapped beside it on the same
images), the layer, the images and the projection, all before anything runs; Run extracts
the features (cached per checkpoint and layer) and draws the map as t-SNE converges, with
Pause, Step and Stop. The map's points show their images under the mouse; a click finds the
nearest neighbours in feature space, a rectangle or lasso a gallery; the map beside it marks
the same images. Jobs: the run (one at a time), each model's setup and the neighbours, the
latest asked for.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtWidgets import QCheckBox, QSplitter, QWidget

from deepscope.core.embedding import (
    Features,
    ForMap,
    Neighbours,
    Pictures,
    ProjectionFrame,
    Quality,
    Setup,
)
from deepscope.core.jobs import ProgressEvent
from deepscope.core.runs.store import RunStore

from ...compute import ComputeThread, NewestWins, by_type
from ...widgets.data_export import CSV, DataExport
from ...widgets.job_controls import JobControls
from ...widgets.model_picker import ModelPicker
from ...widgets.panel_frame import frame
from ...widgets.run_watch import watch
from ...widgets.scroll_column import scroll_column
from .details import Details
from .form import MapForm
from .jobs import SLOTS, EmbeddingJobs
from .pane import MapPane

NOTE = (
    "<b>What am I looking at?</b> Every image as a point: a layer's activations for it, "
    "mapped from hundreds of dimensions to two so that images the layer finds alike land "
    "close together (t-SNE keeps neighbours, PCA the widest spread). Classes that form "
    "separate islands are what the layer has learned to tell apart. Hover a point for its "
    "image; click it for its nearest neighbours in the layer's own space."
)
HINT = "Pick a model, a layer, the images and a projection, then Run."
STOPPED = "Stopped: the map stays as it is; Run starts again."
K = 10  # neighbours of a clicked point
NO_DATASET = ("This model has no dataset to embed: pick a run trained in DeepScope (or open "
              "your model with deepscope.explore and its images).")


class EmbeddingPanel(QWidget):
    title = "Embeddings"

    def __init__(self, compute: ComputeThread, store: RunStore) -> None:
        super().__init__()
        self.compute, self.store = compute, store
        self.jobs = EmbeddingJobs()
        self.setups = [NewestWins(compute) for _ in range(SLOTS)]
        self.checks = [NewestWins(compute) for _ in range(SLOTS)]
        self.near_jobs = NewestWins(compute)
        self.setup: list[Setup | None] = [None] * SLOTS
        self.chosen: tuple[int, int] | None = None  # (slot, row) clicked
        self.build()
        self.connect_signals()
        for slot in range(SLOTS):
            self.models[slot].refresh_runs()
            self.model_changed(slot)
        self.compare_toggled(False)

    # --- layout --------------------------------------------------------------------------
    def build(self) -> None:
        self.models = [ModelPicker(self.store, training=True) for _ in range(SLOTS)]
        self.models[1].setTitle("Compare with")
        self.compare = QCheckBox("Compare with a second model")
        self.compare.setToolTip("Map the same images with another model's embedding beside "
                                "this one (e.g. a triplet-trained run beside a classifier)")
        self.form = MapForm()
        self.controls = JobControls(self.compute, "Run", HINT, stopped=STOPPED)
        self.controls.start_button.setToolTip("Extract the features and draw the map "
                                              "(Ctrl+Return)")
        left = scroll_column([self.models[0], self.form, self.compare, self.models[1],
                              self.controls])
        self.panes = [MapPane("Map"), MapPane("Compared")]
        maps = QSplitter()
        for pane in self.panes:
            maps.addWidget(pane)
        self.details = Details()
        self.details.setMinimumWidth(200)
        self.details.setMaximumWidth(280)
        frame(self, NOTE, [(left, 0), (maps, 3), (self.details, 0)])

    def connect_signals(self) -> None:
        for slot, (model, pane) in enumerate(zip(self.models, self.panes, strict=True)):
            model.changed.connect(partial(self.model_changed, slot))
            pane.map.hovered.connect(partial(self.hovered, slot))
            pane.map.clicked.connect(partial(self.clicked, slot))
            pane.map.enclosed.connect(partial(self.enclosed, slot))
            pane.saved.connect(self.controls.say)
        self.compare.toggled.connect(self.compare_toggled)
        self.form.changed.connect(self.update_buttons)
        self.controls.start_button.clicked.connect(self.start)
        self.controls.running_changed.connect(self.running_changed)
        self.details.picked.connect(lambda pane, row: self.clicked(self.panes.index(pane), row))
        self.details.saved.connect(self.controls.say)
        watch(self.store).changed.connect(self.refresh_runs)

    def refresh_runs(self) -> None:
        for model in self.models:
            model.refresh_runs()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.refresh_runs()
        super().showEvent(event)

    def idle(self) -> bool:
        """No job of the panel is queued or running."""
        return not (self.controls.running or self.near_jobs.busy
                    or any(s.busy for s in (*self.setups, *self.checks)))

    @property
    def job(self):
        """The run's handle (None when none runs)."""
        return self.controls.handle

    # --- choices -------------------------------------------------------------------------
    def slots(self) -> range:
        """The maps in use: one, or two when comparing."""
        return range(SLOTS if self.compare.isChecked() else 1)

    def compare_toggled(self, on: bool) -> None:
        self.models[1].setVisible(on)
        self.panes[1].setVisible(on)
        self.update_buttons()

    def model_changed(self, slot: int) -> None:
        model = self.models[slot]
        model.check(self.checks[slot])
        self.setup[slot] = None
        if slot == 0:
            self.form.set_setup(None)
        problem = model.problem() or (None if model.has_dataset() else NO_DATASET)
        self.panes[slot].clear(problem or "Loading the model…")
        self.panes[slot].set_title(self.model_words(slot))
        if problem is None:
            source = model.source()
            self.setups[slot].submit(lambda: self.jobs.setup(source),
                                     yielded=by_type({Setup: partial(self.got_setup, slot)}),
                                     errored=partial(self.setup_failed, slot))
        self.update_buttons()

    def model_words(self, slot: int) -> str:
        model = self.models[slot]
        if model.is_user():
            entry = model.user_entry()
            return getattr(entry, "name", "your model") if entry else "your model"
        if model.is_zoo():
            return model.zoo_name()
        run = model.current_run()
        return model.run_combo.currentText() if run else "no model"

    def got_setup(self, slot: int, setup: Setup) -> None:
        self.setup[slot] = setup
        if slot == 0:
            self.form.set_setup(setup)
        kind = "the embedding" if setup.similarity else "the last hidden layer"
        self.panes[slot].clear(f"{setup.default} is {kind}. Choose the images and the "
                               "projection, then Run.")
        self.update_buttons()

    def setup_failed(self, slot: int, message: str, _details: str) -> None:
        self.panes[slot].clear(message)
        self.update_buttons()

    def problems(self) -> list[str]:
        """Why Run cannot start, in words."""
        for slot in self.slots():
            model = self.models[slot]
            if problem := model.problem() or (None if model.has_dataset() else NO_DATASET):
                return [problem]
            if self.setup[slot] is None:
                return ["Loading the model…"]
        return self.form.problems()

    def update_buttons(self) -> None:
        """Run only when it can; the status says why not, or what Run does."""
        problems = self.problems()
        self.controls.set_startable(not problems)
        if not self.controls.running:
            self.controls.say(problems[0] if problems else HINT)

    def running_changed(self, running: bool) -> None:
        self.controls.set_startable(not self.problems())
        pane = self.panes[0]
        if running or not pane.has_map():
            return
        if pane.frame.done:
            self.controls.say(f"Mapped {len(pane.features.values):,} images in "
                              f"{pane.frame.seconds:.1f} s. Hover, click or select points; "
                              "change the settings and Run again to compare.")
        else:
            self.controls.say(f"Stopped at iteration {pane.frame.iteration}: "
                              f"{STOPPED.removeprefix('Stopped: ')}")

    # --- the run -------------------------------------------------------------------------
    def start(self) -> None:
        if self.problems():
            return
        slots = self.slots()
        models = [self.models[s].source() for s in slots]
        layers = [self.form.chosen_layer() if s == 0 else None for s in slots]
        split, n = self.form.split_name(), self.form.n()
        method, settings = self.form.method_name(), self.form.tsne()
        self.chosen = None
        self.details.show_neighbours(self.panes[0], None)
        self.details.show_selection(self.panes[0], np.zeros(0, np.int64))
        for s in slots:
            self.panes[s].clear("Extracting the features…")
            self.panes[s].set_title(self.model_words(s))
        self.controls.run(lambda: self.jobs.maps(models, layers, split, n, method, settings),
                          "Mapping", yielded=by_type({ProgressEvent: self.progress,
                                                      ForMap: self.got}))

    def progress(self, event: ProgressEvent) -> None:
        self.controls.show_progress(event.done, event.total, event.label)

    def got(self, item: ForMap) -> None:
        pane, event = self.panes[item.slot], item.event
        if isinstance(event, Features):
            pane.show_features(event, self.setup[item.slot].classes)
            pane.set_title(f"{self.model_words(item.slot)} · {event.layer}")
        elif isinstance(event, Pictures):
            pane.show_pictures(event.images)
        elif isinstance(event, ProjectionFrame):
            pane.show_frame(event)
            self.controls.show_progress(event.iteration, event.iterations,
                                        f"iteration {event.iteration} of {event.iterations}"
                                        if event.method == "tsne" else "projected",
                                        f"Mapping {len(pane.features.values):,} images: "
                                        f"{pane.progress.text()}")
        elif isinstance(event, Quality):
            pane.show_quality(event)

    # --- points --------------------------------------------------------------------------
    def linked(self, slot: int, rows: np.ndarray) -> list[tuple[MapPane, np.ndarray]]:
        """Each map in use with its rows showing the same dataset images as `rows` of map
        `slot` (the map itself first)."""
        source = self.panes[slot]
        indices = source.features.indices[rows]
        found = [(source, np.asarray(rows, np.int64))]
        for other in self.slots():
            pane = self.panes[other]
            if other != slot and pane.has_map():
                found.append((pane, pane.rows_of(indices)))
        return found

    def hovered(self, slot: int, row: int) -> None:
        if row < 0 or not self.panes[slot].has_map():
            return
        self.details.show_point(self.panes[slot], row)
        for pane, rows in self.linked(slot, np.array([row]))[1:]:
            pane.map.mark("hover", rows)

    def clicked(self, slot: int, row: int) -> None:
        pane = self.panes[slot]
        if not pane.has_map():
            return
        self.chosen = (slot, row)
        self.details.show_point(pane, row)
        for each, rows in self.linked(slot, np.array([row])):
            each.map.mark("chosen", rows)
        values = pane.features.values
        self.near_jobs.submit(lambda: self.jobs.neighbours(values, row, K),
                              yielded=by_type({Neighbours: partial(self.got_neighbours, slot)}),
                              errored=lambda message, _: self.controls.say(message))

    def got_neighbours(self, slot: int, near: Neighbours) -> None:
        self.details.show_neighbours(self.panes[slot], near)
        for pane, rows in self.linked(slot, near.rows):
            pane.map.mark("neighbours", rows)

    def enclosed(self, slot: int, rows: np.ndarray) -> None:
        self.details.show_selection(self.panes[slot], rows)
        for pane, mine in self.linked(slot, rows):
            pane.map.outline(mine)

    def show_run(self, run_id: str) -> None:
        """Map `run_id` (from Map in Embeddings): it becomes the first model; Run draws it."""
        if self.models[0].choose_run(run_id):
            self.controls.say(f"{self.model_words(0)}: choose the images and the projection, "
                              "then Run.")

    # --- settings and export -------------------------------------------------------------
    def data_export(self) -> DataExport | str:
        pane = self.panes[0]
        if not pane.has_map():
            return "no map yet: Run draws one"
        return DataExport("embedding.csv", CSV, pane.write_csv)

    def save_settings(self, settings) -> None:
        self.form.save_settings(settings)
        settings.setValue("embedding/compare", self.compare.isChecked())

    def load_settings(self, settings) -> None:
        self.form.load_settings(settings)
        self.compare.setChecked(settings.value("embedding/compare") in (True, "true"))
