"""The Gram view: lecture 3's style representation of the layer for the input, G_cc' =
1/(C H W) sum over h, w of phi_hwc phi_hwc', channels in a clustered order, and the style
distance ||G(x) - G(y)||_F^2 to a second image of the dataset."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QSpinBox

from deepscope.core.features import GramView as Gram

from .heat import HOT, SIGNED, colour_bar, fit, graphics, image_plot
from .view import View, captioned

EMPTY = "The Gram matrix of the layer's maps for the input appears here."


class GramView(View):
    """`changed` when the second image is switched on or changed."""

    changed = Signal()
    name = "gram"

    def __init__(self) -> None:
        super().__init__()
        self.gram: Gram | None = None
        self.compare = QCheckBox("style distance to dataset image")
        self.other = QSpinBox()
        self.other.setRange(0, 999_999)
        self.other.setPrefix("index ")
        self.other.setEnabled(False)
        self.caption = QLabel(EMPTY)
        self.graphics = graphics()
        self.plot, self.image = image_plot(self.graphics)
        self.bar = colour_bar(self.plot, self.image, HOT)
        self.lay_out([self.compare, self.other], captioned(self.caption, self.graphics))
        self.compare.toggled.connect(self.other.setEnabled)
        self.compare.toggled.connect(self.changed)
        self.other.valueChanged.connect(self.changed)

    def set_dataset(self, available: bool) -> None:
        """Whether the model has a dataset to take a second image from."""
        self.compare.setEnabled(available)
        if not available:
            self.compare.setChecked(False)

    def second(self) -> int | None:
        """The dataset index of the second image, or None."""
        return self.other.value() if self.compare.isChecked() else None

    def show_gram(self, gram: Gram) -> None:
        self.gram = gram
        ordered = gram.gram[np.ix_(gram.order, gram.order)]
        peak = max(float(np.abs(ordered).max()), 1e-12)
        signed = bool(ordered.min() < 0)  # maps before a ReLU: blue below zero, red above
        levels = (-peak if signed else 0.0, peak)
        self.bar.setColorMap(SIGNED if signed else HOT)
        self.image.setImage(ordered, levels=levels)
        self.bar.setLevels(levels)
        fit(self.plot, ordered.shape)
        c = len(ordered)
        distance = ("" if gram.distance is None else
                    f" Style distance ||G(x) − G(y)||²_F to image {self.other.value()}: "
                    f"{gram.distance:.4g}.")
        self.caption.setText(f"Gram matrix of {gram.layer}: {c} × {c} channel correlations "
                             f"(1/(C·H·W) Σ φ φᵀ), channels clustered so that those that fire "
                             f"together sit together.{distance}")
        self.image.setToolTip("row, column: channels " + ", ".join(map(str, gram.order[:32]))
                              + (" …" if c > 32 else ""))

    def clear(self, text: str = EMPTY) -> None:
        self.gram = None
        self.caption.setText(text)
        self.image.clear()

    def arrays(self) -> dict[str, np.ndarray]:
        g = self.gram
        return {} if g is None else {"gram": g.gram, "order": g.order}

    def meta(self) -> dict:
        g = self.gram
        return {} if g is None else {"layer": g.layer, "distance": g.distance,
                                     "normalization": "1/(C H W)"}
