"""Where a model comes from, as frozen torch-free values: the GUI builds them on its thread and
the compute thread loads them (runs.loader)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..jobs.events import Event


@dataclass(frozen=True)
class RunModel:
    """A trained run's folder (its best checkpoint, else the latest) or one checkpoint file."""

    run: Path


@dataclass(frozen=True)
class ZooModel:
    """A torchvision ImageNet classifier (224 px RGB); random weights unless `pretrained`."""

    name: str
    pretrained: bool = True


ModelSource = RunModel | ZooModel


@dataclass(frozen=True)
class ZooStatus(Event):
    """Whether a torchvision model's pretrained weights are in the torch cache, its classes."""

    name: str
    cached: bool
    path: str
    classes: tuple[str, ...]
