"""Frozen events of the feature jobs: numpy copies only (torch-free, safe for the GUI)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jobs.events import Event
from ..models.geometry import ReceptiveField


@dataclass(frozen=True)
class UnitScan(Event):
    """Every channel's top-K units of a layer over a set of images, largest first: each image
    gives at most one unit per channel (its map's maximum). Arrays are C x K (K: at most the
    number of images); `index` holds the images' dataset indices."""

    layer: str
    index: np.ndarray  # int64
    y: np.ndarray  # int64, row in the layer's map
    x: np.ndarray  # int64, column in the layer's map
    value: np.ndarray  # float32, the activation there
    box: np.ndarray  # int64 C x K x 4: top, left, bottom, right in input pixels, end exclusive
    field: ReceptiveField

    @property
    def offset(self) -> tuple[int, int]:
        """Top-left input pixel of unit (0, 0)'s field before clipping (may be negative), read
        back from the centre unit's field and the stride."""
        f = self.field
        centre = ((f.grid[0] - 1) // 2, (f.grid[1] - 1) // 2)
        return (f.centre[0] - centre[0] * f.stride[0], f.centre[1] - centre[1] * f.stride[1])
