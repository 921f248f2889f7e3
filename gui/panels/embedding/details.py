"""The column beside the maps: the image under the mouse, the clicked point's nearest
neighbours in feature space with their distances (and their export), and the gallery of a
rectangle or lasso selection."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from deepscope.core.embedding import Neighbours

from ...widgets.data_export import CSV
from ...widgets.image_grid import ImageGrid, to_qimage
from .pane import MapPane, ask_and_write

PREVIEW_PX = 112
GALLERY = 200  # a selection's gallery shows its first this many images


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold;")
    return label


class Details(QWidget):
    """`picked(pane, row)` when a neighbour or a gallery image is clicked (a row of the map
    they came from); `saved(text)` after an export."""

    picked = Signal(object, int)
    saved = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.near: Neighbours | None = None
        self.near_pane: MapPane | None = None
        self.selection = np.zeros(0, np.int64)
        self.selection_pane: MapPane | None = None
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: white; border: 1px solid #ccc;")
        self.point = QLabel("Hover over a point to see its image; click it for its nearest "
                            "neighbours.")
        self.point.setWordWrap(True)
        self.neighbours = ImageGrid(48, "Click a point: its nearest neighbours by L2 distance "
                                    "in feature space (not in the map) show here.")
        self.save_near = QPushButton("Save neighbours…")
        self.save_near.setToolTip("A CSV table: rank, row, dataset index, class, distance")
        self.save_near.setEnabled(False)
        self.gallery_title = heading("Selection")
        self.gallery_title.setWordWrap(True)
        self.gallery = ImageGrid(40, "Choose Rectangle or Lasso above the map and drag around "
                                 "points: their images show here.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("Point"))
        layout.addWidget(self.preview)
        layout.addWidget(self.point)
        layout.addWidget(heading("Nearest neighbours"))
        layout.addWidget(self.neighbours, 1)
        layout.addWidget(self.save_near)
        layout.addWidget(self.gallery_title)
        layout.addWidget(self.gallery, 2)
        self.neighbours.clicked.connect(
            lambda i: self.picked.emit(self.near_pane, int(self.near.rows[i])))
        self.gallery.clicked.connect(
            lambda i: self.picked.emit(self.selection_pane, int(self.selection[i])))
        self.save_near.clicked.connect(self.ask_save_neighbours)

    def show_point(self, pane: MapPane, row: int) -> None:
        """The image and words of a point (row -1: none under the mouse)."""
        if row < 0 or pane.pictures is None:
            return
        image = to_qimage(pane.pictures[row])
        self.preview.setPixmap(QPixmap.fromImage(image).scaled(
            PREVIEW_PX - 4, PREVIEW_PX - 4, Qt.AspectRatioMode.KeepAspectRatio))
        self.point.setText(pane.caption(row))

    def show_neighbours(self, pane: MapPane, near: Neighbours | None) -> None:
        self.near, self.near_pane = near, pane
        self.save_near.setEnabled(near is not None)
        if near is None or pane.pictures is None:
            self.neighbours.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
            return
        labels = pane.features.labels
        captions = [f"{d:.3g}" for d in near.distances]
        tips = [f"{pane.caption(int(r))}\nL2 distance {d:.4g}"
                for r, d in zip(near.rows, near.distances, strict=True)]
        same = [bool(labels[r] != labels[near.row]) for r in near.rows]
        self.neighbours.set_images(pane.pictures[near.rows], captions, same, tips)

    def show_selection(self, pane: MapPane, rows: np.ndarray) -> None:
        self.selection, self.selection_pane = rows[:GALLERY], pane
        if pane.pictures is None or not len(rows):
            self.gallery_title.setText("Selection")
            self.gallery.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
            return
        counts = Counter(pane.class_name(int(k)) for k in pane.features.labels[rows])
        common = ", ".join(f"{name}: {n}" for name, n in counts.most_common(3))
        shown = "" if len(rows) <= GALLERY else f", the first {GALLERY} shown"
        self.gallery_title.setText(f"Selection: {len(rows):,} points ({common}){shown}")
        f = pane.features
        wrong = ([False] * len(self.selection) if f.predicted is None
                 else list(f.predicted[self.selection] != f.labels[self.selection]))
        self.gallery.set_images(pane.pictures[self.selection],
                                [pane.class_name(int(k)) for k in f.labels[self.selection]],
                                wrong, [pane.caption(int(r)) for r in self.selection])

    def write_neighbours(self, path: Path) -> Path:
        near, f = self.near, self.near_pane.features
        with open(path, "w", newline="") as out:
            table = csv.writer(out)
            table.writerow(["rank", "row", "index", "label", "distance"])
            table.writerow([0, near.row, int(f.indices[near.row]), int(f.labels[near.row]), 0])
            for rank, (row, d) in enumerate(zip(near.rows, near.distances, strict=True), 1):
                table.writerow([rank, int(row), int(f.indices[row]), int(f.labels[row]),
                                f"{d:.6g}"])
        return path

    def ask_save_neighbours(self) -> None:
        ask_and_write(self, "Save neighbours", "neighbours.csv", CSV, self.write_neighbours,
                      self.saved)
