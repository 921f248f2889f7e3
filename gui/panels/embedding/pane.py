"""One map with what it shows: the model and layer over it, the projection's progress (t-SNE's
iteration and KL divergence, PCA's explained variance) and its quality below, and export of
the map (PNG, SVG) and of its coordinates with the labels (CSV)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from deepscope.core.embedding import Features, ProjectionFrame, Quality

from ...widgets.data_export import CSV
from ...widgets.flow import flow
from ...widgets.svg_export import save_svg
from .map_view import MapView

METHOD_WORDS = {"tsne": "t-SNE", "pca": "PCA", "umap": "UMAP"}


def frame_words(frame: ProjectionFrame) -> str:
    """What a projection frame says: t-SNE's iteration and KL divergence, PCA's variance."""
    text = f"{METHOD_WORDS[frame.method]}"
    if frame.method == "tsne":
        text += f": iteration {frame.iteration} of {frame.iterations}, KL {frame.kl:.3f}"
    if frame.explained is not None:
        a, b = frame.explained
        text += f": the two axes explain {a:.1%} and {b:.1%} of the variance"
    return f"{text} · {frame.seconds:.1f} s"


def quality_words(q: Quality, n: int) -> str:
    def on(points: int) -> str:
        return "" if points >= n else f", on {points:,} of {n:,} points"

    return (f"Trustworthiness {q.trustworthiness:.3f} (k = {q.k}{on(q.points)}) · kNN accuracy "
            f"in feature space {q.knn_accuracy:.3f} (k = {q.k}{on(q.knn_points)})")


class MapPane(QWidget):
    """A map and its state: `features`, `pictures`, `frame` and `quality` as they arrive.
    `saved(text)` after an export."""

    saved = Signal(str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.features: Features | None = None
        self.pictures: np.ndarray | None = None
        self.frame: ProjectionFrame | None = None
        self.quality: Quality | None = None
        self.classes: tuple[str, ...] = ()
        self.title = QLabel(name)
        self.title.setStyleSheet("font-weight: bold;")
        self.map = MapView()
        self.progress = QLabel("")
        self.score = QLabel("")
        for label in (self.title, self.progress, self.score):
            label.setWordWrap(True)
        self.save_map = QPushButton("Save map…")
        self.save_map.setToolTip("The map as a PNG picture or an SVG drawing")
        self.save_csv = QPushButton("Save coordinates…")
        self.save_csv.setToolTip("A CSV table: row, dataset index, x, y, true and predicted class")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.map, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.score)
        layout.addLayout(flow(self.save_map, self.save_csv))
        self.save_map.clicked.connect(self.ask_save_map)
        self.save_csv.clicked.connect(self.ask_save_csv)
        self.clear("No map yet: pick a model, then Run.")

    # --- state ---------------------------------------------------------------------------
    def clear(self, text: str) -> None:
        self.features = self.pictures = self.frame = self.quality = None
        self.map.show_empty(text)
        self.progress.setText("")
        self.score.setText("")
        self.update_buttons()

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def show_features(self, features: Features, classes: tuple[str, ...]) -> None:
        self.features, self.classes = features, classes
        self.frame = self.quality = None
        self.score.setText("")
        self.map.show_empty(f"{len(features.values):,} images of {features.layer}: mapping…")
        self.map.set_points(features.labels, features.predicted, classes)

    def show_pictures(self, pictures: np.ndarray) -> None:
        self.pictures = pictures
        self.map.set_pictures(pictures)

    def show_frame(self, frame: ProjectionFrame) -> None:
        first = self.frame is None
        self.frame = frame
        self.map.set_coords(frame.coords, fit=first)
        self.progress.setText(frame_words(frame))
        self.update_buttons()

    def show_quality(self, quality: Quality) -> None:
        self.quality = quality
        self.score.setText(quality_words(quality, len(self.features.values)))

    def has_map(self) -> bool:
        return self.frame is not None and self.features is not None

    def update_buttons(self) -> None:
        for button in (self.save_map, self.save_csv):
            button.setEnabled(self.has_map())

    def rows_of(self, indices: np.ndarray) -> np.ndarray:
        """The rows showing dataset images `indices` (those this map does not show left out),
        found by a binary search: a selection of 70,000 linked to the map beside it takes
        milliseconds."""
        if self.features is None:
            return np.zeros(0, np.int64)
        mine = self.features.indices
        order = np.argsort(mine, kind="stable")
        at = np.searchsorted(mine, indices, sorter=order).clip(0, len(mine) - 1)
        rows = order[at]
        return rows[mine[rows] == indices].astype(np.int64)

    def caption(self, row: int) -> str:
        """A point in words: its dataset index, true class and prediction."""
        f = self.features
        text = f"image {f.indices[row]} · {self.class_name(f.labels[row])}"
        if f.predicted is not None:
            mark = "✓" if f.predicted[row] == f.labels[row] else "✗"
            text += f" · predicted {self.class_name(f.predicted[row])} {mark}"
        return text

    def class_name(self, k: int) -> str:
        return self.classes[k] if k < len(self.classes) else str(k)

    # --- export --------------------------------------------------------------------------
    def write_map(self, path: Path) -> Path:
        """The map as PNG, or SVG where `path` ends in .svg."""
        if path.suffix.lower() == ".svg":
            return save_svg(self.map.plot, path, f"DeepScope {self.title.text()}")
        if not self.map.plot.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        return path

    def write_csv(self, path: Path) -> Path:
        """row, index, x, y, label, predicted (empty for a similarity run), correct."""
        f, coords = self.features, self.frame.coords
        with open(path, "w", newline="") as out:
            table = csv.writer(out)
            table.writerow(["row", "index", "x", "y", "label", "predicted", "correct"])
            for row in range(len(coords)):
                predicted = "" if f.predicted is None else int(f.predicted[row])
                correct = "" if f.predicted is None else int(f.predicted[row] == f.labels[row])
                table.writerow([row, int(f.indices[row]), f"{coords[row, 0]:.6g}",
                                f"{coords[row, 1]:.6g}", int(f.labels[row]), predicted, correct])
        return path

    def ask_save_map(self) -> None:
        ask_and_write(self, "Save map", "embedding.png",
                      "PNG picture (*.png);;SVG drawing (*.svg)", self.write_map, self.saved)

    def ask_save_csv(self) -> None:
        ask_and_write(self, "Save coordinates", "embedding.csv", CSV, self.write_csv,
                      self.saved)


def ask_and_write(parent: QWidget, title: str, name: str, files: str,
                  write: Callable[[Path], Path], said: SignalInstance) -> None:
    """Ask where to save, write there, and say what happened on `said` (a file that cannot
    be written is said too: nothing is lost, the panel goes on)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, name, files)
    if not path:
        return
    try:
        said.emit(f"Saved {write(Path(path))}.")
    except OSError as err:
        said.emit(f"Could not save {path}: {err.strerror or err}.")
