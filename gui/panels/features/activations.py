"""The Activations view: every channel of the layer for the input, tiled (DeepVis's layer
view), on a colour scale per channel, per layer or across the network (CNN Explainer); the
selected channel enlarged with its colour bar."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QSplitter, QWidget

from deepscope.core.features import Activations

from .heat import colour_bar, graphics, image_plot
from .view import TileGrid, View, as_uint8, captioned

SCALES = {"channel": "scale per channel", "layer": "scale per layer",
          "network": "scale across the network"}
SCALE_TIP = ("per channel: each channel's own largest |activation| is full colour; per layer: "
             "the layer's; across the network: the largest of any layer's maps for this input")
EMPTY = "Every channel of the chosen layer appears here for the input."
SIGNED, POSITIVE = pg.colormap.get("CET-D1"), pg.colormap.get("CET-L1")  # blue-white-red; grey
LUTS = {True: SIGNED.getLookupTable(0, 1, 256), False: POSITIVE.getLookupTable(0, 1, 256)}


def peaks(act: Activations, scale: str) -> np.ndarray:
    """The |activation| that is full colour, per channel."""
    own = np.abs(act.maps).reshape(len(act.maps), -1).max(1)
    peak = {"channel": own, "layer": own.max(initial=0), "network": act.peak}[scale]
    return np.maximum(np.broadcast_to(peak, own.shape), 1e-12)


def coloured(maps: np.ndarray, peak: np.ndarray, signed: bool) -> np.ndarray:
    """C x h x w maps as uint8 C x 3 x h x w colours: 0 black (or white, when the layer has
    negative values: then blue to red), ±peak the ends of the scale."""
    unit = maps / peak[:, None, None]
    index = as_uint8((unit + 1) / 2 if signed else unit)
    return LUTS[signed][index].transpose(0, 3, 1, 2)


class ActivationsView(View):
    """`channel_clicked(k)` when channel k's tile is clicked."""

    channel_clicked = Signal(int)
    name = "activations"

    def __init__(self) -> None:
        super().__init__()
        self.act: Activations | None = None
        self.selected = 0
        self.scale = QComboBox()
        for key, text in SCALES.items():
            self.scale.addItem(text, key)
        self.scale.setToolTip(SCALE_TIP)
        self.grid = TileGrid(160, EMPTY)
        self.grid.clicked.connect(self.channel_clicked)
        self.scale.currentIndexChanged.connect(self.redraw)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.grid.scroller)
        split.addWidget(self.build_enlarged())
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.lay_out([QLabel("Colours"), self.scale], split)

    def build_enlarged(self) -> QWidget:
        self.caption = QLabel("Click a channel to enlarge it.")
        self.graphics = graphics()
        self.graphics.setMinimumHeight(120)
        self.plot, self.image = image_plot(self.graphics, axes=True)
        self.bar = colour_bar(self.plot, self.image, POSITIVE)
        return captioned(self.caption, self.graphics)

    def show_activations(self, act: Activations) -> None:
        self.act = act
        self.redraw()

    def redraw(self) -> None:
        act = self.act
        if act is None:
            return
        peak, signed = peaks(act, self.scale.currentData()), bool((act.maps < 0).any())
        maxima = act.maps.reshape(len(act.maps), -1).max(1)
        self.grid.set_images(coloured(act.maps, peak, signed), [str(k) for k in
                             range(len(act.maps))], self.marks(),
                             [f"channel {k}: max {m:.3g}" for k, m in enumerate(maxima)])
        self.draw_enlarged(peak, signed)

    def draw_enlarged(self, peak: np.ndarray, signed: bool) -> None:
        act, k = self.act, self.selected
        if act is None or not 0 <= k < len(act.maps):
            return
        channel = act.maps[k]
        y, x = np.unravel_index(int(channel.argmax()), channel.shape)
        self.caption.setText(f"Channel {k} of {act.layer}: {channel.shape[0]} × "
                             f"{channel.shape[1]}, largest {channel.max():.3g} at "
                             f"row {y}, column {x}.")
        self.bar.setColorMap(SIGNED if signed else POSITIVE)
        self.bar.setLevels((-peak[k] if signed else 0.0, float(peak[k])))
        self.image.setImage(channel, autoLevels=False)
        self.plot.setRange(xRange=(0, channel.shape[1]), yRange=(0, channel.shape[0]),
                           padding=0.02)

    def marks(self) -> list[bool]:
        n = 0 if self.act is None else len(self.act.maps)
        return [k == self.selected for k in range(n)]

    def select(self, channel: int) -> None:
        self.selected = channel
        if self.act is not None:
            self.grid.set_marks(self.marks())
            self.draw_enlarged(peaks(self.act, self.scale.currentData()),
                               bool((self.act.maps < 0).any()))

    def clear(self, text: str = EMPTY) -> None:
        self.act = None
        self.grid.empty_text = text
        self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
        self.image.clear()
        self.caption.setText("Click a channel to enlarge it.")

    def arrays(self) -> dict[str, np.ndarray]:
        a = self.act
        return {} if a is None else {"activations": a.maps, "input": a.image}

    def meta(self) -> dict:
        a = self.act
        return {} if a is None else {"layer": a.layer, "label": a.label, "network_peak": a.peak,
                                     "top5": [list(t) for t in a.top5]}

    def nothing(self) -> str:
        return "no activations shown: pick a model, a layer and an image"

    def save_settings(self, settings) -> None:
        settings.setValue("features/activations/scale", self.scale.currentData())

    def load_settings(self, settings) -> None:
        self.scale.setCurrentIndex(max(0, self.scale.findData(
            settings.value("features/activations/scale"))))
