"""Gallery mode: thumbnails of occluded images with their pixel maps; click one to open it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from deepscope.core.occlusion.events import GalleryItem
from deepscope.core.occlusion.spec import GALLERY_SIZE

from ...widgets.image_grid import ImageGrid
from ...widgets.predictions import class_name

GALLERY_LABELS = {"confident mistakes": "most confident mistakes",
                  "confident correct": "most confident correct",
                  "least confident": "least confident", "chosen class": "of the chosen class"}
EMPTY = ("No gallery yet. Choose a selection under Gallery (e.g. the most confident "
         "mistakes) and press Gallery: each image is occluded in turn.")


def caption(item: GalleryItem) -> str:
    """'true → predicted probability', short."""
    info = item.info
    k, p = info.top5[0]
    return f"{info.classes[info.label] if info.label is not None else '?'} → {info.classes[k]} " \
           f"{p:.0%}"


def tip(item: GalleryItem) -> str:
    info, m = item.info, item.maps
    truth = "unknown" if info.label is None else class_name(info.classes, info.label)
    k, p = info.top5[0]
    return (f"Dataset index {item.index}: true {truth}, predicted {class_name(info.classes, k)} "
            f"({p:.1%}). Largest drop of p(target {class_name(info.classes, info.target)}): "
            f"{np.nanmax(m.drop):.3f}. Click to open it.")


class GalleryView(QWidget):
    """`opened(item)` when a thumbnail is clicked."""

    opened = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.items: list[GalleryItem] = []
        self.heading = EMPTY
        self.title = QLabel(EMPTY)
        self.title.setWordWrap(True)
        self.grid = ImageGrid(cell=128, empty_text="")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.grid, 1)
        self.grid.clicked.connect(lambda i: self.opened.emit(self.items[i]))

    def start(self, kind: str, split: str, klass: str | None) -> None:
        """A new gallery of `kind` (see GALLERY_LABELS) from a split ("the test split", as
        dataset_browser.split_words says it), of one class if given."""
        of = f", class {klass}" if klass else ""
        self.items = []
        self.heading = (f"<b>{GALLERY_SIZE} {GALLERY_LABELS[kind]}</b> of {split}{of}: "
                        "pixel attribution over each image (red = evidence the model relies "
                        "on, blue = occluding helps). Red frames mark mistakes; click one to "
                        "open it.")
        self.title.setText(self.heading)
        self.show_items()

    def finish(self, outcome: str) -> None:
        """Say how many images the gallery holds once its job has ended."""
        n = len(self.items)
        note = f"{n} image{'s' * (n != 1)}"
        if outcome != "finished":
            note += f" ({outcome})"
        elif n < GALLERY_SIZE:
            note += ": all that match"
        self.title.setText(f"{self.heading}<br><i>{note}.</i>")

    def add(self, item: GalleryItem) -> None:
        self.items.append(item)
        self.show_items()

    def show_items(self) -> None:
        items = self.items
        mistakes = [i.info.label is not None and i.info.top5[0][0] != i.info.label for i in items]
        self.grid.set_images(np.array([i.thumbnail for i in items]) if items else [],
                             [caption(i) for i in items], mistakes, [tip(i) for i in items])
