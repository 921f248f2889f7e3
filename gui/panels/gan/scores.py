"""The judge's scores of a generator: picker, per-epoch table and class-coverage histogram.

A classifier trained on the same data judges generated images (no downloaded weights): the
Inception-style score exp(E_x KL(p(y|x) || p(y))), the mean max-probability (saliency), the
classes covered (diversity) and a Fréchet distance on its penultimate features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.runs.store import RunInfo, RunStore

from ...widgets.flow import flow
from ...widgets.form import elided_combo
from ...widgets.run_labels import (
    judge_label,
    judge_tip,
    setting,
    test_accuracy,
    weakness,
)
from ...widgets.run_watch import watch

COVERAGE = 0.05  # core.gan.scores.COVERAGE (torch-bound), for rows read back from the store
COLUMNS = ("when", "IS", "max-prob", "classes", "FD", "FID", "judge")  # short: fit 1024 px
NAMES = ("when", "Inception-style score", "mean max-prob", "classes covered",
         "Fréchet distance", "FID", "judge")  # in full, in the tooltips
TIPS = ("epoch end, or a Score now of the latest checkpoint",
        "exp(E KL(p(y|x) || p(y))) from the judge: up to the number of classes",
        "saliency: how sure the judge is, on average (1 = every sample clearly some class)",
        f"diversity: classes that get at least {COVERAGE:.0%} of the samples",
        "between real and generated features of the judge's penultimate layer (lower is better)",
        "standard FID on Inception v3 features (only when its weights are cached)",
        "the classifier run that gave these numbers")
NO_JUDGE = "no judge (scores off)"
JUDGE_CHARS = 28  # the judge box shows this many characters of a label
JUDGE_STATUSES = ("finished", "early-stopped")
JUDGE_TIP = "A classifier run of the same dataset labels the generated images"


@dataclass(frozen=True)
class ScoreRow:
    """One scoring of a generator; `histogram` is None for rows read back from the store."""

    when: str
    inception_score: float
    mean_max_prob: float
    classes_covered: int
    frechet_distance: float
    fid: float | None
    judge: str
    histogram: np.ndarray | None = None
    threshold: float = COVERAGE

    @classmethod
    def of(cls, when: str, s) -> ScoreRow:
        """From a deepscope.core.gan.scores.GanScores."""
        return cls(when, s.inception_score, s.mean_max_prob, s.classes_covered,
                   s.frechet_distance, s.fid, s.classifier, s.class_histogram,
                   s.coverage_threshold)

    def cells(self) -> list[str]:
        fid = "—" if self.fid is None or math.isnan(self.fid) else f"{self.fid:.1f}"
        return [self.when, f"{self.inception_score:.2f}", f"{self.mean_max_prob:.3f}",
                str(self.classes_covered), f"{self.frechet_distance:.2f}", fid, self.judge]


def stored_rows(store: RunStore, run_id: str) -> list[ScoreRow]:
    """The per-epoch scores a run logged (none when it had no judge)."""
    epochs = store.epochs(run_id)
    if "classifier_is" not in epochs:
        return []
    judge = Path(store.get(run_id).config["config"].get("classifier") or "?").name
    return [ScoreRow(f"epoch {int(e)}", float(i), float(m), int(c), float(f), None,
                     f"run {judge}")
            for e, i, m, c, f in zip(epochs["epoch"], epochs["classifier_is"],
                                     epochs["mean_max_prob"], epochs["classes_covered"],
                                     epochs["classifier_fd"], strict=True)]


class ScoresView(QWidget):
    """Pick a judge, train one, score now; `judge_changed(path or "")` on a new choice."""

    judge_changed = Signal(str)

    def __init__(self, store: RunStore) -> None:
        super().__init__()
        self.store = store
        self.dataset = ""
        self.image_size: int | None = None  # the GAN's; None: the dataset's own
        self.rows: list[ScoreRow] = []
        self.classes: tuple[str, ...] = ()
        self.judge = elided_combo(JUDGE_CHARS)
        self.judge.setToolTip(JUDGE_TIP)
        self.train_button = QPushButton("Train a judge")
        self.train_button.setToolTip("Train the default LeNet classifier on this dataset "
                                     "(as the Training panel would) and pick it")
        self.score_button = QPushButton("Score now")
        self.score_button.setToolTip("Score the latest saved generator of the selected (or last) "
                                     "run with the judge: 1000 samples")
        self.every = QCheckBox("every epoch")
        self.every.setToolTip("Score each epoch's saved generator, oldest first, on the same "
                              "samples (a run trained without a judge gets its scores after)")
        self.fid = QCheckBox("standard FID")
        self.fid.setToolTip("Inception v3 features; offered when its weights are in the torch "
                            "cache (nothing is downloaded)")
        self.fid.setVisible(False)
        self.table = self.make_table()
        self.histogram = pg.PlotWidget(background="w")
        self.coverage = QLabel()  # the histogram's title: wraps where a plot title was cut
        self.coverage.setWordWrap(True)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=(31, 119, 180))
        self.build()
        watch(store).listed.connect(self.refresh_judges)

    def make_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(list(COLUMNS))
        for i, tip in enumerate(TIPS):
            table.horizontalHeaderItem(i).setToolTip(f"{NAMES[i]}: {tip}")
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(False)  # a long judge name elides (its tooltip has it in full)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(  # the judge's name: what room is left
            len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        table.itemSelectionChanged.connect(self.show_selected)
        return table

    def build(self) -> None:
        row = QHBoxLayout()
        row.addWidget(QLabel("judge"))
        row.addWidget(self.judge, 1)
        actions = flow(self.train_button, self.score_button, self.every, self.fid)
        plot = self.histogram.getPlotItem()
        plot.addItem(self.bars)
        dashed = pg.mkPen((214, 39, 40), width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        self.threshold_line = pg.InfiniteLine(COVERAGE, angle=0, pen=dashed)
        plot.addItem(self.threshold_line)
        plot.setLabel("left", "share of samples")
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setMouseEnabled(x=False, y=False)
        self.empty = QLabel("Pick or train a judge: each epoch (and on Score now) it labels "
                            "1000 generated images; the scores appear here.")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: gray;")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(actions)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.coverage)
        layout.addWidget(self.histogram, 2)
        self.judge.currentIndexChanged.connect(self.judge_chosen)
        self.show_histogram(None)

    # --- judges --------------------------------------------------------------------------
    def set_dataset(self, dataset: str, select: str | None = None,
                    image_size: int | None = None) -> None:
        """List the judges of the GAN's dataset and image size (None: the dataset's own); pick
        `select`, else keep the choice if still offered, else the best judge."""
        keep = select if select is not None else self.judge.currentData()
        self.dataset, self.image_size = dataset, image_size
        self.list_judges(self.judge_runs(), keep, best=True)
        self.judge_changed.emit(self.judge.currentData() or "")

    def judge_runs(self) -> list[RunInfo]:
        """The dataset's finished classifier runs, newest first."""
        return [run for run in self.store.runs("classifier")
                if setting(run, "dataset") == self.dataset and run.status in JUDGE_STATUSES]

    def rank(self, run: RunInfo) -> tuple[bool, bool, float]:
        """How good a judge is: a strong one before a weak one, one trained at the GAN's
        image size before another, then the higher test accuracy."""
        size = run.config.get("config", {}).get("image_size")
        return weakness(run) is None, size == self.image_size, test_accuracy(run) or 0.0

    def list_judges(self, runs: list[RunInfo], keep: str | None, best: bool) -> None:
        """Offer `runs` (a weak one marked), choosing `keep` if offered, else (with `best`, or
        when `keep` is gone) the best of them."""
        self.judge.blockSignals(True)
        self.judge.clear()
        self.judge.addItem(NO_JUDGE, None)
        for run in runs:
            self.judge.addItem(judge_label(run), str(run.dir))
            self.judge.setItemData(self.judge.count() - 1, judge_tip(run),
                                   Qt.ItemDataRole.ToolTipRole)
        if (found := self.judge.findData(keep) if keep else -1) < 0 and (best or keep):
            found = self.judge.findData(str(max(runs, key=self.rank).dir)) if runs else 0
        self.judge.setCurrentIndex(max(0, found))
        self.judge.setToolTip(self.judge.currentData(Qt.ItemDataRole.ToolTipRole) or JUDGE_TIP)
        self.judge.blockSignals(False)

    def refresh_judges(self) -> None:
        """The store changed: list the judges as they are now (when they changed), keeping the
        choice (a new judge is offered, not chosen for the user; a deleted one gives way to the
        best); `judge_changed` only if the choice is another."""
        runs, keep = self.judge_runs(), self.judge.currentData()
        offered = [(judge_label(run), str(run.dir)) for run in runs]
        listed = [(self.judge.itemText(i), self.judge.itemData(i))
                  for i in range(1, self.judge.count())]
        if offered != listed:
            self.list_judges(runs, keep, best=False)
            if self.judge.currentData() != keep:
                self.judge_changed.emit(self.judge.currentData() or "")

    def judge_chosen(self) -> None:
        self.judge.setToolTip(self.judge.currentData(Qt.ItemDataRole.ToolTipRole) or JUDGE_TIP)
        self.judge_changed.emit(self.judge.currentData() or "")

    def judge_path(self) -> str | None:
        return self.judge.currentData()

    def set_idle(self, idle: bool, scorable: bool) -> None:
        """Train a judge and its choices need the panel idle; Score now needs a judge and what
        the panel says (`scorable`: a saved generator, and no job in its way)."""
        self.train_button.setEnabled(idle)
        self.score_button.setEnabled(scorable and self.judge_path() is not None)
        self.judge.setEnabled(idle)
        self.every.setEnabled(idle)

    # --- rows ----------------------------------------------------------------------------
    def set_rows(self, rows: list[ScoreRow], classes: tuple[str, ...]) -> None:
        self.rows, self.classes = [], classes
        self.table.setRowCount(0)
        for row in rows:
            self.add(row)
        if not rows:
            self.show_histogram(None)

    def add(self, row: ScoreRow) -> None:
        """Append a row and select it (the histogram shows the newest scoring)."""
        self.rows.append(row)
        i = self.table.rowCount()
        self.table.insertRow(i)
        for col, text in enumerate(row.cells()):
            item = QTableWidgetItem(text)
            item.setToolTip(f"{NAMES[col]}: {text}\njudge: {row.judge}")
            self.table.setItem(i, col, item)
        self.empty.setVisible(False)
        self.table.selectRow(i)

    def show_selected(self) -> None:
        picked = self.table.selectionModel().selectedRows()
        self.show_histogram(self.rows[picked[0].row()] if picked else None)

    def show_histogram(self, row: ScoreRow | None) -> None:
        plot = self.histogram.getPlotItem()
        self.empty.setVisible(not self.rows)
        if row is None or row.histogram is None:
            self.bars.setOpts(x=[], height=[])
            plot.setRange(xRange=(-0.5, max(len(self.classes), 1) - 0.5), yRange=(0, 0.2),
                          padding=0)
            plot.getAxis("bottom").setTicks([[]])
            self.coverage.setText("Class coverage: the judge's labels of the samples (per "
                                  "scoring)")
            return
        x = np.arange(len(row.histogram))
        self.threshold_line.setValue(row.threshold)
        covered = row.histogram >= row.threshold
        self.bars.setOpts(x=x, height=row.histogram,
                          brushes=[(31, 119, 180) if c else (214, 39, 40) for c in covered])
        names = self.classes if len(self.classes) == len(x) else [str(i) for i in x]
        plot.getAxis("bottom").setTicks([list(zip(x.tolist(), names, strict=True))])
        plot.setRange(xRange=(-0.5, len(x) - 0.5),
                      yRange=(0, max(0.2, float(row.histogram.max()) * 1.1)), padding=0)
        self.coverage.setText(f"Class coverage {row.when}: {row.classes_covered} of {len(x)} "
                              f"classes ≥ {row.threshold:.0%} (judge: {row.judge})")
