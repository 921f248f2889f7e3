"""What a trainer's panel shows of its runs (Training's and GAN's alike): the live run's curves,
the stored runs to overlay or continue, a resumed run's curves from before its first new step,
and a dialog when a run diverges. A panel describes its trainer once (RunKind), places the two
widgets (`curves_box`, `runs_box`) and hands the view its run's events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QMessageBox, QVBoxLayout, QWidget

from deepscope.core.runs.store import RunStore
from deepscope.core.training.events import TrainingFinished, TrainingSteps
from deepscope.core.training.metrics import SECONDS, STEP, step_seconds

from .curve_toolbar import CurveToolbar
from .curves import OVERLAY_COLORS, CurveBoard, step_walls
from .panel_frame import boxed, error_box
from .run_labels import legend_label
from .run_list import RunList, continue_button

Color = tuple[int, int, int]


class EpochEnd(Protocol):
    """What a trainer's epoch-end event tells of where the epoch ended (besides its values)."""

    step: int
    seconds: float  # since the run started


@dataclass(frozen=True)
class Line:
    """A curve of a run: `key` names both its event field and its stored metric (one name, one
    meaning: see deepscope.core.training.metrics)."""

    plot: str
    name: str
    key: str
    color: Color | None = None  # None: by name (curves.COLORS)
    smooth: bool = True  # False: dots, one per epoch
    ahead: bool = True  # every run draws it, so it is created before the run (see prepare)


@dataclass(frozen=True)
class RunKind:
    """What the live view draws of one trainer's runs, and how it names them."""

    kind: str  # the run store's kind: "classifier", "gan"
    plots: dict[str, str]  # key: title
    lines: tuple[Line, ...]  # a point a step: from steps events and the stored steps
    epoch_lines: tuple[Line, ...] = ()  # a point an epoch: from epoch-end events and epochs
    label_field: str = "model"  # the config field that starts a run's legend label
    diverged: str = "Training diverged"  # the title of the dialog when a run diverges


class LiveRunView(QObject):
    """The curves of the live run and of the stored runs the user picks (the selected one, as
    TensorBoard shows it, and the checked ones: dashed, a colour per run), and the list of
    stored runs; `resume(run_id, stored config)` when the user continues one.

    The panel calls `clear` when a run starts, then hands over its events: `start_run`,
    `add_steps`, `add_epoch`, `end_run`. Drawing stays the board's: points go in here, its
    timer redraws what changed.
    """

    resume = Signal(str, object)

    def __init__(self, store: RunStore, spec: RunKind, parent: QWidget, stem: str = "curves",
                 **board) -> None:
        """`parent`: the panel (the dialog's too); `stem`: the exported files' name; `board`:
        CurveBoard's keywords (fps, from_zero, legends)."""
        super().__init__(parent)
        self.store, self.spec = store, spec
        self.prev_wall = 0.0  # wall time of the last step drawn: the next event's steps follow
        self.running = False
        self.live_id: str | None = None  # the run whose curves are the live ones
        self.drawn: dict[str, set[str]] = {}  # stored runs on the board: their curve names
        self.error_box: QMessageBox | None = None
        self.board = CurveBoard(spec.plots, **board)
        self.board.prepare([(line.plot, line.name, line.color, {"smooth": line.smooth})
                            for line in (*spec.lines, *spec.epoch_lines) if line.ahead])
        self.shared_plots = len({line.plot for line in spec.lines}) < len(spec.lines)
        self.runs = RunList(store, kind=spec.kind)
        self.continue_button = continue_button()
        self.curves_box, self.runs_box = self.build(stem)
        self.runs.overlay.connect(self.show_runs)
        self.runs.model().rowsRemoved.connect(self.show_runs)  # a run deleted
        self.runs.currentItemChanged.connect(self.show_runs)
        self.runs.currentItemChanged.connect(self.update_continue)
        self.continue_button.clicked.connect(self.continue_run)
        self.update_continue()

    def build(self, stem: str) -> tuple[QWidget, QGroupBox]:
        """The toolbar above the board; the run list above the continue button."""
        curves = QVBoxLayout()
        curves.addWidget(CurveToolbar(self.board, stem))
        curves.addWidget(self.board, 1)
        runs_box = QGroupBox("Runs")
        runs = QVBoxLayout(runs_box)
        hint = QLabel("Select a run to show its curves; check runs to overlay them.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray;")
        runs.addWidget(hint)
        runs.addWidget(self.runs)
        runs.addWidget(self.continue_button)
        return boxed(curves), runs_box

    # --- the live run ------------------------------------------------------------------
    def clear(self) -> None:
        """A run begins: drop the last run's curves, keep the stored runs shown."""
        self.live_id = None
        self.board.clear_curves(keep=set().union(*self.drawn.values()))
        self.board.set_x_extent(None)
        self.prev_wall = 0.0

    def start_run(self, run_id: str, total_steps: int, first_step: int) -> None:
        """A fixed step axis for the run's length; a resumed run starts with its stored curves
        (drawn live, no longer as a stored run's)."""
        self.live_id = run_id
        self.show_runs()
        self.board.set_x_extent(total_steps)
        if first_step:
            self.show_history(run_id, first_step)

    def show_history(self, run_id: str, before_step: int) -> None:
        """What the store holds of the run from before `before_step`, in the live curves."""
        self.prev_wall = self.plot_stored(run_id, before_step)
        if not self.spec.epoch_lines:
            return
        epochs = self.store.epochs(run_id)
        if len(epochs.get(STEP, [])):
            done = {key: column[epochs[STEP] < before_step] for key, column in epochs.items()}
            self.draw(self.spec.epoch_lines, done, done[STEP], done[SECONDS])

    def add_steps(self, e: TrainingSteps) -> None:
        """The steps of one event, their wall times spread since the previous event's."""
        wall = step_walls(self.prev_wall, e.wall, len(e.step))
        self.prev_wall = e.wall
        self.draw(self.spec.lines, fields(e, self.spec.lines), e.step, wall)

    def add_epoch(self, e: EpochEnd) -> None:
        self.draw(self.spec.epoch_lines, fields(e, self.spec.epoch_lines), e.step, e.seconds)

    def end_run(self, e: TrainingFinished) -> None:
        """A diverged run says so in a dialog, non-modal: the app keeps working behind it."""
        if e.status == "diverged":
            self.error_box = error_box(self.parent(), self.spec.diverged, e.message,
                                       icon=QMessageBox.Icon.Warning)

    def draw(self, lines: Iterable[Line], columns: Mapping[str, np.ndarray], step, wall,
             names: Mapping[Line, str] | None = None, **style) -> None:
        """Each line's finite values: NaN marks a step where a GAN's network was not updated or
        a loss without a Wasserstein estimate (the line joins the steps around it), or the step
        at which a run diverged (drawn as nothing either way)."""
        step, wall = np.atleast_1d(step), np.atleast_1d(wall)
        for line in lines:
            if line.key not in columns:  # a metric this run does not store (recall@k)
                continue
            y = np.atleast_1d(columns[line.key])
            keep = np.isfinite(y)
            if keep.any():
                self.board.extend(line.plot, names[line] if names else line.name, step[keep],
                                  wall[keep], y[keep], color=style.get("color") or line.color,
                                  smooth=line.smooth, dashed=style.get("dashed", False))

    # --- stored runs -------------------------------------------------------------------
    def plot_stored(self, run_id: str, before_step: int | None = None,
                    names: Mapping[Line, str] | None = None, **style) -> float:
        """Draw a stored run's step lines (those before `before_step`); returns the last drawn
        step's wall time, the running sum of the stored step times."""
        steps = self.store.steps(run_id)
        if not len(steps.get(STEP, [])):
            return 0.0
        keep = steps[STEP] < (np.inf if before_step is None else before_step)
        kept = {key: column[keep] for key, column in steps.items()}
        wall = np.cumsum(step_seconds(kept))
        self.draw(self.spec.lines, kept, kept[STEP], wall, names, **style)
        return float(wall[-1]) if len(wall) else 0.0

    def label(self, run_id: str) -> str:
        return legend_label(self.store.get(run_id), self.spec.label_field)

    def overlay_names(self, run_id: str) -> dict[Line, str]:
        """The curve names of a run's overlay: its legend label, followed by the line's name
        where the kind draws several lines in one plot (D and G)."""
        label = self.label(run_id)
        return {line: f"{label} {line.name}" if self.shared_plots else label
                for line in self.spec.lines}

    def show_runs(self, *_) -> None:
        """Draw the stored runs the user picks (the selected and the checked ones, not the live
        one), dashed, in one colour per run; remove the others' curves."""
        picked = {*self.runs.checked(), self.runs.current_id()} - {None, self.live_id}
        for run_id in set(self.drawn) - picked:
            for name in self.drawn.pop(run_id):
                self.board.remove(name)
        for run_id in picked - set(self.drawn):
            names = self.overlay_names(run_id)
            color = OVERLAY_COLORS[hash(run_id) % len(OVERLAY_COLORS)]
            self.plot_stored(run_id, names=names, color=color, dashed=True)
            self.drawn[run_id] = set(names.values())

    # --- continuing a stopped run ------------------------------------------------------
    def set_running(self, running: bool) -> None:
        """A job ended: its run is a stored run like any other now, shown when picked."""
        self.running = running
        if not running:
            self.live_id = None
            self.show_runs()
        self.update_continue()

    def update_continue(self, *_) -> None:
        """Continue needs a stopped or interrupted run selected, and no job running."""
        self.continue_button.setEnabled(not self.running and self.runs.resumable_id() is not None)

    def continue_run(self) -> None:
        if (run_id := self.runs.resumable_id()) is not None:
            self.resume.emit(run_id, self.store.config_of(run_id, self.spec.kind))


def fields(event: object, lines: Iterable[Line]) -> dict[str, np.ndarray]:
    """The values of an event's fields that the lines draw."""
    return {line.key: getattr(event, line.key) for line in lines}

