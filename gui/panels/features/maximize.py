"""The Maximize view: images optimized from noise to excite the selected channel, its centre
unit or a class (a Fourier parameterization, colour decorrelation for RGB, jitter, scale and
rotation, Adam), several seeds side by side; the images change as the optimization goes."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox

from deepscope.core.features import ClassTarget, DreamFrame, Target, UnitTarget

from ...widgets.image_grid import ImageGrid
from .view import View, as_uint8, captioned

OBJECTIVES = {"channel": "the selected channel (its mean)", "unit": "its centre unit",
              "class": "class…"}
EMPTY = ("Press Maximize: images start as noise and change until they excite the chosen "
         "channel, unit or class as much as they can.")
MAX_STEPS, MAX_SEEDS = 10_000, 8  # deepscope.core.features.dream_settings.MAX_STEPS, a screen


class MaximizeView(View):
    """`start` when Maximize is pressed, `stop` when Cancel is."""

    start = Signal()
    stop = Signal()
    name = "maximize"

    def __init__(self) -> None:
        super().__init__()
        self.frame: DreamFrame | None = None
        self.objective = QComboBox()
        for key, text in OBJECTIVES.items():
            self.objective.addItem(text, key)
        self.klass = QSpinBox()
        self.klass.setPrefix("class ")
        self.steps, self.seeds = QSpinBox(), QSpinBox()
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setValue(256)
        self.steps.setSuffix(" steps")
        self.seeds.setRange(1, MAX_SEEDS)
        self.seeds.setValue(4)
        self.seeds.setSuffix(" seeds")
        self.seeds.setToolTip("Images optimized side by side from different noise: how diverse "
                              "what excites the target is")
        self.run_button, self.cancel_button = QPushButton("Maximize"), QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.caption = QLabel(EMPTY)
        self.grid = ImageGrid(cell=200, empty_text=EMPTY)
        self.lay_out([self.objective, self.klass, self.steps, self.seeds, self.run_button,
                      self.cancel_button], captioned(self.caption, self.grid))
        self.objective.currentIndexChanged.connect(self.show_class)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.stop)
        self.show_class()

    def show_class(self) -> None:
        self.klass.setVisible(self.objective.currentData() == "class")

    def set_classes(self, count: int) -> None:
        self.klass.setMaximum(max(0, count - 1))

    def target(self, layer: str, channel: int, grid: tuple[int, int] | None) -> Target:
        """What to maximize: the channel of `layer`, its unit at the centre of its h x w
        `grid` (None: a layer without a spatial map, whose channel is one number), a class."""
        kind = self.objective.currentData()
        if kind == "class":
            return ClassTarget(self.klass.value())
        if kind == "unit" and grid is not None:
            return UnitTarget(layer, channel, (grid[0] - 1) // 2, (grid[1] - 1) // 2)
        return UnitTarget(layer, channel)

    def running(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def show_frame(self, frame: DreamFrame) -> None:
        self.frame = frame
        images = as_uint8(frame.images)
        self.grid.set_images(images, [f"{v:.3g}" for v in frame.values],
                             [False] * len(images),
                             [f"seed {i}: objective {v:.4g}" for i, v in enumerate(frame.values)])
        self.caption.setText(f"{self.describe(frame.target)}: step {frame.step} of "
                             f"{frame.steps}; under each image its value (the images stay "
                             "valid: pixels in [0, 1]).")

    @staticmethod
    def describe(target: Target) -> str:
        if isinstance(target, ClassTarget):
            return f"Class {target.klass}'s logit"
        unit = "" if target.y is None else f" at row {target.y}, column {target.x}"
        return f"Channel {target.channel} of {target.layer}{unit}"

    def clear(self, text: str = EMPTY) -> None:
        self.frame = None
        self.caption.setText(text)
        self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])

    def arrays(self) -> dict[str, np.ndarray]:
        f = self.frame
        return {} if f is None else {"images": f.images, "input": f.input, "values": f.values}

    def meta(self) -> dict:
        f = self.frame
        return {} if f is None else {"target": repr(f.target), "step": f.step,
                                     "steps": f.steps, "mean": list(f.mean), "std": list(f.std)}
