"""Where a model comes from, as frozen torch-free values: the GUI builds them on its thread and
the compute thread loads them (runs.loader)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data.sources import DatasetRef
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


@dataclass(frozen=True)
class UserModel:
    """The user's own classifier: `function` in the Python file `file` returns the nn.Module;
    weights come from a safetensors file (None: as the function leaves them). `shape` is its
    input (channels, height, width); `mean` and `std` the normalization of pixels in [0, 1]
    (one value, or one per channel)."""

    file: Path
    function: str
    weights: Path | None
    shape: tuple[int, int, int]
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)

    @property
    def name(self) -> str:
        return f"{self.file.name}:{self.function}"


@dataclass(frozen=True, eq=False)
class LiveModel:
    """An nn.Module handed over from Python (`deepscope.explore`), compared by identity; the
    GUI only passes it on, the compute thread runs it. `dataset` is what its views browse and
    scan."""

    module: object
    shape: tuple[int, int, int]
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    classes: tuple[str, ...] = ()
    dataset: DatasetRef | None = None

    @property
    def name(self) -> str:
        return type(self.module).__name__


ModelSource = RunModel | ZooModel | UserModel | LiveModel


@dataclass(frozen=True)
class ZooStatus(Event):
    """Whether a torchvision model's pretrained weights are in the torch cache, its classes."""

    name: str
    cached: bool
    path: str
    classes: tuple[str, ...]


@dataclass(frozen=True)
class ModelStatus(Event):
    """The user's model loaded and ran on its input: its name and class names."""

    name: str
    classes: tuple[str, ...]
