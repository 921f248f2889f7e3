"""Where an image comes from, and the dataset a run was trained on: frozen torch-free values
that the GUI builds on its thread; the torch-side work happens on the compute thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .imageset import ImageSet

SPLITS = ("test", "validation", "train", "all")


@dataclass(frozen=True)
class DatasetImage:
    """Item `index` of the dataset the model was trained on."""

    index: int


@dataclass(frozen=True)
class FileImage:
    """An image file of any size and format, converted to the model's input."""

    path: Path


@dataclass(frozen=True, eq=False)
class ArrayImage:
    """uint8 pixels (H x W grey or H x W x 3 RGB) of any size, e.g. a drawing."""

    pixels: np.ndarray = field(repr=False)


ImageSource = DatasetImage | FileImage | ArrayImage


@dataclass(frozen=True)
class DatasetRef:
    """The dataset and seeded split a run was trained on (from its stored config);
    `fractions` are (train, validation, test) as the config asked (see split.run_split)."""

    name: str
    data_root: str | None = None
    seed: int = 0
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)

    @classmethod
    def from_config(cls, config: Mapping) -> DatasetRef:
        """From a TrainConfig dict (a run's `config`)."""
        val = float(config.get("val_fraction", 0.15))
        test = float(config.get("test_fraction", 0.15))
        return cls(config.get("dataset", "digits"), config.get("data_root"),
                   int(config.get("seed", 0)), (1.0 - val - test, val, test))

    def load(self, size: int) -> ImageSet:
        """The images at size x size (imports torch: compute thread only)."""
        from .load import load_dataset

        root = Path(self.data_root) if self.data_root else None
        return load_dataset(self.name, root=root, size=size, seed=self.seed)

    def split(self, images: ImageSet, split: str) -> np.ndarray:
        """Indices into `images` (the set `load` gave) of `split` (see SPLITS), ascending, as
        training drew them: a set's official test set is its test split."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        if split == "all":
            return np.arange(len(images))
        from .split import run_split

        train, val, test = run_split(images, *self.fractions[1:], self.seed)
        return {"train": train, "validation": val, "test": test}[split].numpy()


def run_dataset(run_ref: DatasetRef | None, name: str, data_root: str | None) -> DatasetRef:
    """Dataset `name` as a run reads it: with the run's seed and split fractions, which draw
    the procedural shapes and the splits, so index N is the same image in every command and
    panel (None: a model without a dataset of its own, seed 0)."""
    return replace(run_ref or DatasetRef(name), name=name, data_root=data_root)
