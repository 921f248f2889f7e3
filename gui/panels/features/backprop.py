"""The Backprop view: which input pixels the selected class or unit depends on, by the
gradient (saliency), guided backprop, the deconvnet or Grad-CAM at the chosen layer, drawn over
the input and beside it as computed."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox

from deepscope.core.features import Attribution, ClassTarget, Target, UnitTarget

from .heat import GREY, HOT, SIGNED, display, fit, graphics, image_plot
from .view import View, captioned

METHODS = {"gradient": "gradient (saliency)", "guided": "guided backprop",
           "deconv": "deconvnet (Zeiler & Fergus)", "gradcam": "Grad-CAM at the layer"}
TARGETS = {"pred": "predicted class", "true": "true class", "class": "class…",
           "unit": "selected channel"}
EMPTY = "Pick a method and a target: the view follows the input, the layer and the channel."
OVERLAY_ALPHA = 0.6


def magnitude(att: Attribution) -> np.ndarray:
    """What is drawn over the input, H x W in [0, 1]: Grad-CAM's upsampled map, else the
    largest |gradient| over the channels (Simonyan et al.), each scaled by its maximum."""
    heat = att.upsampled if att.upsampled is not None else np.abs(att.values).max(0)
    return heat / max(float(heat.max()), 1e-12)


def raw(att: Attribution) -> np.ndarray:
    """The result as computed: Grad-CAM's h x w map, or the gradient as an image (DeepVis:
    0.5 grey is zero, one scale for all channels)."""
    if att.upsampled is not None:
        return att.values
    unit = 0.5 + att.values / (2 * max(float(np.abs(att.values).max()), 1e-12))
    return display((unit * 255).round().astype(np.uint8))


def shown_input(att: Attribution) -> np.ndarray:
    """The normalized input the model was fed, stretched to uint8 C x H x W for the eye."""
    x = att.input[0]
    unit = (x - x.min()) / max(float(x.max() - x.min()), 1e-12)
    return (unit * 255).round().astype(np.uint8)


class BackpropView(View):
    """`changed` when the method, target or class changes (the panel asks again)."""

    changed = Signal()
    name = "backprop"

    def __init__(self) -> None:
        super().__init__()
        self.att: Attribution | None = None
        self.method, self.target = QComboBox(), QComboBox()
        for box, items in ((self.method, METHODS), (self.target, TARGETS)):
            for key, text in items.items():
                box.addItem(text, key)
            box.currentIndexChanged.connect(self.on_change)
        self.klass = QSpinBox()
        self.klass.setPrefix("class ")
        self.klass.valueChanged.connect(self.changed)
        self.caption = QLabel(EMPTY)
        self.graphics = graphics()
        self.over, self.input = image_plot(self.graphics, "over the input")
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setOpacity(OVERLAY_ALPHA)
        self.over.addItem(self.heat)
        self.plain, self.values = image_plot(self.graphics, "as computed")
        self.lay_out([self.method, QLabel("for"), self.target, self.klass],
                     captioned(self.caption, self.graphics))
        self.on_change()

    def on_change(self) -> None:
        self.klass.setVisible(self.target.currentData() == "class")
        self.changed.emit()

    def set_classes(self, count: int) -> None:
        self.klass.setMaximum(max(0, count - 1))

    def request(self, layer: str, channel: int) -> tuple[Target | str, str, str | None]:
        """The target (a Target, or "pred" / "true"), the method and Grad-CAM's layer."""
        kind, method = self.target.currentData(), self.method.currentData()
        target: Target | str = {"class": ClassTarget(self.klass.value()),
                                "unit": UnitTarget(layer, channel)}.get(kind, kind)
        return target, method, layer if method == "gradcam" else None

    def show_attribution(self, att: Attribution, classes: tuple) -> None:
        self.att = att
        pixels = shown_input(att)
        self.input.setImage(display(pixels), levels=(0, 255))
        self.heat.setImage(magnitude(att), levels=(0, 1))
        self.heat.setColorMap(HOT)
        values = raw(att)
        self.values.setImage(values, autoLevels=True)
        self.values.setColorMap(SIGNED if att.upsampled is None else GREY)
        fit(self.over, pixels.shape[1:])
        fit(self.plain, values.shape)
        where = (f" at {att.layer} ({values.shape[0]} × {values.shape[1]}, upsampled)"
                 if att.layer else "")
        self.caption.setText(f"{METHODS[att.method].removesuffix(' at the layer')}{where} for "
                             f"{self.describe(att.target, classes)} ({att.score:.3g}). "
                             "Bright: the pixels it depends on most.")

    @staticmethod
    def describe(target: Target, classes: tuple) -> str:
        if isinstance(target, ClassTarget):
            name = classes[target.klass] if target.klass < len(classes) else target.klass
            return f"the logit of class {name}"
        return f"the mean of channel {target.channel} of {target.layer}"

    def clear(self, text: str) -> None:
        self.att = None
        self.caption.setText(text)
        for item in (self.input, self.heat, self.values):
            item.clear()

    def arrays(self) -> dict[str, np.ndarray]:
        if self.att is None:
            return {}
        found = {"attribution": self.att.values, "input": self.att.input[0]}
        return found | ({"upsampled": self.att.upsampled} if self.att.upsampled is not None
                        else {})

    def meta(self) -> dict:
        att = self.att
        return {} if att is None else {"method": att.method, "target": repr(att.target),
                                       "layer": att.layer, "score": att.score}
