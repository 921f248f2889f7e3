"""The Filters view: a layer's filters as tiles, with what they show (the whole filter, one
input channel or the norm over the inputs), their contrast (per filter or per layer) and their
order (as in the layer, or by norm)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QSpinBox

from deepscope.core.features import Filters

from .view import TileGrid, View, as_uint8

SCALES = {"filter": "contrast per filter", "layer": "contrast per layer"}
EMPTY = "The filters of the chosen layer appear here."


class FiltersView(View):
    """`options_changed` when what to show changes; `refresh` asks for the weights again;
    `channel_clicked(k)` when the tile of output channel k is clicked."""

    options_changed = Signal()
    refresh = Signal()
    channel_clicked = Signal(int)
    name = "filters"

    def __init__(self) -> None:
        super().__init__()
        self.filters: Filters | None = None
        self.selected = 0
        self.input = QSpinBox()
        self.input.setRange(-1, -1)
        self.input.setSpecialValueText("all inputs")
        self.input.setPrefix("input ")
        self.input.setToolTip("all: the whole filter (RGB or grey for an image's channels, else "
                              "the L2 norm over its inputs); a number: that input channel only")
        self.scale = QComboBox()
        for key, text in SCALES.items():
            self.scale.addItem(text, key)
        self.scale.setToolTip("Zero is mid grey; the largest |weight| of each filter, or of the "
                              "whole layer, is black or white")
        self.sort = QCheckBox("sort by norm")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the weights again (a run that trains on)")
        self.mode = QLabel()
        self.grid = TileGrid(160, EMPTY)
        self.lay_out([self.input, self.scale, self.sort, self.refresh_button, self.mode],
                     self.grid.scroller)
        self.input.valueChanged.connect(self.options_changed)
        self.scale.currentIndexChanged.connect(self.options_changed)
        self.sort.toggled.connect(self.options_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.grid.clicked.connect(lambda i: self.channel_clicked.emit(int(self.filters.channel[i])))

    def options(self) -> tuple[int | None, str, bool]:
        """(input channel or None for all, scale, sort by norm)."""
        channel = self.input.value()
        return (None if channel < 0 else channel), self.scale.currentData(), self.sort.isChecked()

    def reset_input(self) -> None:
        """A new layer: its whole filters (its input count is not known yet)."""
        self.input.blockSignals(True)
        self.input.setRange(-1, -1)
        self.input.blockSignals(False)

    def show_filters(self, filters: Filters) -> None:
        self.filters = filters
        self.input.blockSignals(True)
        self.input.setMaximum(filters.weights.shape[1] - 1)
        self.input.blockSignals(False)
        self.mode.setText(f"{len(filters.channel)} filters of {filters.weights.shape[1]} × "
                          f"{filters.weights.shape[2]} × {filters.weights.shape[3]}: "
                          f"{filters.mode}")
        tips = [f"output channel {k}: L2 norm {n:.3g}"
                for k, n in zip(filters.channel, filters.norm, strict=True)]
        self.grid.set_images(as_uint8(filters.tiles), [str(k) for k in filters.channel],
                             self.marks(), tips)

    def marks(self) -> list[bool]:
        return [] if self.filters is None else list(self.filters.channel == self.selected)

    def select(self, channel: int) -> None:
        self.selected = channel
        if self.filters is not None:
            self.grid.set_marks(self.marks())

    def clear(self, text: str = EMPTY) -> None:
        self.filters = None
        self.mode.setText("")
        self.grid.empty_text = text
        self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])

    def arrays(self) -> dict[str, np.ndarray]:
        f = self.filters
        return {} if f is None else {"weights": f.weights, "tiles": f.tiles,
                                     "channel": f.channel, "norm": f.norm}

    def meta(self) -> dict:
        f = self.filters
        return {} if f is None else {"layer": f.layer, "mode": f.mode, "scale": f.scale}

    def nothing(self) -> str:
        return "no filters shown: pick a convolution layer"

    def save_settings(self, settings) -> None:
        settings.setValue("features/filters/scale", self.scale.currentData())
        settings.setValue("features/filters/sort", self.sort.isChecked())

    def load_settings(self, settings) -> None:
        self.scale.setCurrentIndex(max(0, self.scale.findData(
            settings.value("features/filters/scale"))))
        self.sort.setChecked(settings.value("features/filters/sort", False, type=bool))
