"""The Units view: for the selected channel, the dataset images that excite it most, cropped to
the unit's receptive field, with the activation under each; Scan finds them for every channel
of the layer in one pass over a split."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox

from deepscope.core.features import UnitPatches, UnitScan

from ...widgets.dataset_browser import SPLIT_LABELS, split_words
from ...widgets.image_grid import ImageGrid
from .view import View, captioned

EMPTY = "Press Scan to find, for every channel of the layer, the images that excite it most."


class UnitsView(View):
    """`channel_changed(k)` when the channel box changes; `image_clicked(index)` when a patch
    is clicked (its dataset index)."""

    channel_changed = Signal(int)
    image_clicked = Signal(int)
    name = "units"

    def __init__(self) -> None:
        super().__init__()
        self.scan: UnitScan | None = None
        self.patches: UnitPatches | None = None
        self.split = QComboBox()
        for key, text in SPLIT_LABELS.items():
            self.split.addItem(text, key)
        self.split.setToolTip("The images to scan (indices stay the dataset's)")
        self.scan_button, self.cancel_button = QPushButton("Scan"), QPushButton("Cancel")
        self.channel = QSpinBox()
        self.channel.setPrefix("channel ")
        self.channel.setMaximum(0)
        self.caption = QLabel()
        self.grid = ImageGrid(cell=200, empty_text=EMPTY)
        self.lay_out([self.split, self.scan_button, self.cancel_button, self.channel],
                     captioned(self.caption, self.grid))
        self.channel.valueChanged.connect(self.channel_changed)
        self.grid.clicked.connect(self.patch_clicked)

    def set_channels(self, count: int, channel: int) -> None:
        """The layer's channel count and the selected one (no signal)."""
        self.channel.blockSignals(True)
        self.channel.setMaximum(max(0, count - 1))
        self.channel.setValue(channel)
        self.channel.blockSignals(False)

    def show_scan(self, scan: UnitScan | None, text: str = EMPTY) -> None:
        """A scan of the layer (its patches come with `show_patches`), or none: `text` says
        why."""
        self.scan, self.patches = scan, None
        if scan is None:
            self.caption.setText("")
            self.grid.empty_text = text
            self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])

    def show_patches(self, patches: UnitPatches) -> None:
        scan, k = self.scan, patches.channel
        if scan is None or patches.layer != scan.layer:
            return
        self.patches = patches
        f = scan.field
        self.caption.setText(
            f"Channel {k} of {scan.layer}: the {len(scan.value[k])} images that excite it most "
            f"in {split_words(self.split.currentData())}, cropped to the unit's receptive field "
            f"({f.size[0]} × {f.size[1]} px, stride {f.stride[0]}). Click one to show it as the "
            "input.")
        values, index = scan.value[k], scan.index[k]
        tips = [f"dataset index {i}, unit at row {y}, column {x}: activation {v:.4g}"
                for i, y, x, v in zip(index, scan.y[k], scan.x[k], values, strict=True)]
        self.grid.set_images(patches.patches, [f"{v:.3g}" for v in values],
                             [False] * len(values), tips)

    def patch_clicked(self, k: int) -> None:
        if self.patches is not None and self.scan is not None:
            self.image_clicked.emit(int(self.scan.index[self.patches.channel, k]))

    def arrays(self) -> dict[str, np.ndarray]:
        s = self.scan
        if s is None:
            return {}
        arrays = {"value": s.value, "index": s.index, "y": s.y, "x": s.x, "box": s.box}
        return arrays | ({"patches": self.patches.patches} if self.patches else {})

    def meta(self) -> dict:
        s = self.scan
        return {} if s is None else {
            "layer": s.layer, "split": self.split.currentData(),
            "channel": self.patches.channel if self.patches else None,
            "receptive_field": {"size": list(s.field.size), "stride": list(s.field.stride),
                                "offset": list(s.field.offset)}}

    def nothing(self) -> str:
        return "no scan yet: press Scan"

    def save_settings(self, settings) -> None:
        settings.setValue("features/units/split", self.split.currentData())

    def load_settings(self, settings) -> None:
        self.split.setCurrentIndex(max(0, self.split.findData(
            settings.value("features/units/split", "all"))))
