"""Samples of the fixed latents over a run: a grid, a timeline slider, a mode-collapse label."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSlider, QVBoxLayout, QWidget

from ...widgets.image_grid import ImageGrid
from ...widgets.status_line import StatusLine

EMPTY = ("Samples of 64 fixed latents appear here every few steps (set by 'samples every'): "
         "the same z each time, so you watch the generator learn.")
VARIED, NARROWING = 0.7, 0.35  # diversity thresholds: like the data, then collapsing below


@dataclass(frozen=True)
class Frame:
    """One grid of the timeline; `diversity` is NaN when unknown (grids of older runs)."""

    step: int
    images: np.ndarray  # uint8 N x C x H x W
    labels: np.ndarray | None
    diversity: float = math.nan


def collapse_verdict(diversity: float) -> tuple[str, str]:
    """(text, colour) for the mode-collapse indicator: spread of samples / spread of the data."""
    if math.isnan(diversity):
        return "diversity: not measured for this grid", "gray"
    share = f"{diversity:.2f} of real spread"
    if diversity >= VARIED:
        return f"varied ({share})", "#1b7a1b"
    if diversity >= NARROWING:
        return f"narrowing ({share})", "#b36b00"
    return f"collapsing ({share})", "#b00020"


class SamplesView(QWidget):
    """The sample timeline of one run; the slider follows the newest grid unless moved back."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[Frame] = []
        self.classes: tuple[str, ...] = ()
        self.grid = ImageGrid(cell=48, empty_text=EMPTY)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Look back through the run: each tick is one grid")
        # both change with each grid: StatusLines, so the window is not laid out again
        self.step_label = StatusLine("no samples yet", lines=1, width=120)
        self.verdict = StatusLine(lines=2)
        self.color = ""
        self.verdict.setToolTip("Mode-collapse indicator: mean pairwise distance between the "
                                "samples ÷ that between as many real images (≈1 varied like "
                                "the data, → 0 when the generator collapses)")
        timeline = QHBoxLayout()
        timeline.addWidget(self.slider, 1)
        timeline.addWidget(self.step_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.grid, 1)
        layout.addLayout(timeline)
        self.slider.valueChanged.connect(self.show_frame)
        self.clear()

    def clear(self, classes: tuple[str, ...] = ()) -> None:
        self.frames, self.classes = [], classes
        self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8), [], [])
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.step_label.setText("no samples yet")
        self.set_verdict("Mode collapse: measured on each grid", "gray")

    def set_frames(self, frames: list[Frame], classes: tuple[str, ...]) -> None:
        """A stored timeline (loaded from a run folder); shows the newest grid."""
        self.clear(classes)
        for frame in frames:
            self.add(frame)

    def add(self, frame: Frame) -> None:
        """Append a grid; the view follows it if the slider was at the newest one."""
        following = self.slider.value() == len(self.frames) - 1 or not self.frames
        self.frames.append(frame)
        self.slider.setEnabled(len(self.frames) > 1)
        self.slider.setRange(0, len(self.frames) - 1)
        if following:
            self.slider.setValue(len(self.frames) - 1)
            self.show_frame(len(self.frames) - 1)
        else:
            self.step_label.setText(self.position_text(self.slider.value()))

    def position_text(self, i: int) -> str:
        return f"step {self.frames[i].step}  ({i + 1}/{len(self.frames)})"

    def show_frame(self, i: int) -> None:
        if not 0 <= i < len(self.frames):
            return
        f = self.frames[i]
        names = ([self.classes[int(y)] if int(y) < len(self.classes) else str(y)
                  for y in f.labels] if f.labels is not None else [""] * len(f.images))
        tips = [f"sample {k} at step {f.step}" + (f", class {n}" if n else "")
                for k, n in enumerate(names)]
        self.grid.set_images(f.images, names, [False] * len(f.images), tips)
        self.step_label.setText(self.position_text(i))
        self.set_verdict(*collapse_verdict(f.diversity))

    def set_verdict(self, text: str, color: str) -> None:
        self.verdict.setText(text)
        if color != self.color:  # a new style sheet re-polishes the label
            self.color = color
            self.verdict.setStyleSheet(f"color: {color}; font-weight: bold;")
