"""What to embed and how to map it, chosen before anything runs: the layer, the split and how
many of its images; the projection (t-SNE, PCA, UMAP when installed) with t-SNE's knobs."""

from __future__ import annotations

import contextlib
import importlib.util

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QVBoxLayout, QWidget

from deepscope.core.data import SPLITS
from deepscope.core.embedding import METHODS, Setup, TsneSettings

from ...widgets.dataset_browser import SPLIT_LABELS
from ...widgets.form import combo, integer, number

METHOD_NAMES = {"tsne": "t-SNE (live)", "pca": "PCA", "umap": "UMAP"}
INITS = ("pca", "random", "spectral")
DEFAULT_LAYER = ""  # the combo's data for "the default layer"


class MapForm(QWidget):
    """`changed` when a choice changes; `problems()` says in words what cannot run."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setup: Setup | None = None
        self.layer = QComboBox()
        self.layer.setToolTip("The layer whose activations are embedded, one row per image")
        self.split = QComboBox()
        for split in SPLITS:
            self.split.addItem(SPLIT_LABELS[split], split)
        self.count = integer(0, 10**7, "How many images of the split (drawn at random with the "
                             "seed, kept in the split's order); all: the whole split",
                             special="all", checked=True)
        self.method = QComboBox()
        umap = importlib.util.find_spec("umap") is not None
        for method in METHODS:
            self.method.addItem(METHOD_NAMES[method], method)
            if method == "umap" and not umap:
                item = self.method.model().item(self.method.count() - 1)
                item.setEnabled(False)
                item.setToolTip("UMAP is not installed: pip install deepscope[umap]")
        defaults = TsneSettings()
        self.perplexity = number(1, 10**6, 1, "About how many neighbours each point keeps "
                                 "close; below (N - 1) / 3", checked=True)
        self.exaggeration = number(1, 100, 1, "How much the early iterations pull neighbours "
                                   "together")
        self.early = integer(0, 10**5, "Iterations with the exaggeration", checked=True)
        self.iterations = integer(1, 10**5, "Iterations in all", checked=True)
        self.rate = number(0, 10**6, 0, "Step size; auto: N / exaggeration (openTSNE's)",
                           checked=True)
        self.rate.widget.setSpecialValueText("auto")
        self.seed = integer(0, 2**31 - 1, "Draws the images and the map's start")
        self.init = combo(INITS, "Where the points start: the first two principal components, "
                          "at random, or a spectral layout")
        for field, value in ((self.perplexity, defaults.perplexity),
                             (self.exaggeration, defaults.exaggeration),
                             (self.early, defaults.early_iterations),
                             (self.iterations, defaults.iterations), (self.rate, 0),
                             (self.seed, defaults.seed), (self.init, defaults.initialization)):
            field.set(value)
        self.tsne_box = QGroupBox("t-SNE")
        tsne = QFormLayout(self.tsne_box)
        for label, field in (("Perplexity", self.perplexity), ("Exaggeration", self.exaggeration),
                             ("Early iterations", self.early), ("Iterations", self.iterations),
                             ("Learning rate", self.rate), ("Start", self.init)):
            tsne.addRow(label, field.widget)
        data = QFormLayout()
        data.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Layer", self.layer), ("Images", self.split),
                              ("How many", self.count.widget), ("Seed", self.seed.widget),
                              ("Projection", self.method)):
            data.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(data)
        layout.addWidget(self.tsne_box)
        for box in (self.layer, self.split, self.method):
            box.currentIndexChanged.connect(self.changed)
        for field in (self.count, self.perplexity, self.exaggeration, self.early,
                      self.iterations, self.rate, self.seed, self.init):
            field.changed.connect(self.changed)
        self.method.currentIndexChanged.connect(self.show_method)
        self.split.setCurrentIndex(self.split.findData("test"))

    def show_method(self) -> None:
        self.tsne_box.setVisible(self.method_name() == "tsne")

    def set_setup(self, setup: Setup | None) -> None:
        """Offer a model's layers (its default first) and say how big each split is."""
        self.setup = setup
        wanted = self.layer.currentData()
        self.layer.blockSignals(True)
        self.layer.clear()
        if setup is not None:
            kind = "the embedding" if setup.similarity else "last hidden"
            self.layer.addItem(f"{setup.default} ({kind})", DEFAULT_LAYER)
            for name in setup.layers:
                self.layer.addItem(name, name)
            self.layer.setCurrentIndex(max(0, self.layer.findData(wanted)))
            for i, split in enumerate(SPLITS):
                self.split.setItemText(i, f"{SPLIT_LABELS[split]} ({setup.splits[split]:,})")
        self.layer.blockSignals(False)

    # --- what to run ---------------------------------------------------------------------
    def method_name(self) -> str:
        return self.method.currentData()

    def chosen_layer(self) -> str | None:
        return self.layer.currentData() or None

    def split_name(self) -> str:
        return self.split.currentData()

    def n(self) -> int | None:
        return self.count.get() or None

    def points(self) -> int:
        """How many points the map will have (0 before the model is known)."""
        if self.setup is None:
            return 0
        total = self.setup.splits[self.split_name()]
        return min(total, self.n() or total)

    def tsne(self) -> TsneSettings:
        rate = self.rate.get()
        return TsneSettings(perplexity=self.perplexity.get(),
                            exaggeration=self.exaggeration.get(),
                            early_iterations=self.early.get(), iterations=self.iterations.get(),
                            learning_rate=rate if rate > 0 else "auto", seed=self.seed.get(),
                            initialization=self.init.get())

    def problems(self) -> list[str]:
        """Why the chosen map cannot run, in words (none: it can)."""
        if self.setup is None:
            return []
        total = self.setup.splits[self.split_name()]
        if (n := self.n()) is not None and n > total:
            return [f"{n:,} images asked for, but the {SPLIT_LABELS[self.split_name()]} has "
                    f"{total:,}."]
        if self.method_name() == "tsne":
            try:
                self.tsne().check(self.points())
            except ValueError as err:
                return [f"{str(err)[0].upper()}{str(err)[1:]}."]
        elif self.points() < 3:
            return ["A map needs at least 3 points."]
        return []

    def save_settings(self, settings) -> None:
        settings.setValue("embedding/method", self.method_name())
        settings.setValue("embedding/split", self.split_name())
        settings.setValue("embedding/n", self.count.get())

    def load_settings(self, settings) -> None:
        if (i := self.method.findData(settings.value("embedding/method"))) >= 0:
            self.method.setCurrentIndex(i)
        if (i := self.split.findData(settings.value("embedding/split"))) >= 0:
            self.split.setCurrentIndex(i)
        with contextlib.suppress(TypeError, ValueError):
            self.count.set(int(settings.value("embedding/n") or 0))
