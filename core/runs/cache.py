"""ONE cache for trained models (classifiers and generators alike): the last model loaded is
kept while its source and checkpoint stamp stay the same, so a job on the same model costs no
reload, and a run that trains on, is retrained or deleted is reloaded (or says why)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from .checkpoint import weights_file
from .loader import Classifier, Device, as_device, load_classifier
from .sources import ModelSource, RunModel

T = TypeVar("T")
Stamp = tuple[Path, int, int] | None


def checkpoint_stamp(path: Path) -> Stamp:
    """What identifies the checkpoint a run folder or checkpoint path loads: that file, its
    mtime and inode (checkpoints are replaced by a rename, so a file rewritten within the file
    system's timestamp step still differs); None when there is none: loading says why."""
    try:
        file = weights_file(Path(path))
        stat = file.stat()
    except (OSError, ValueError):
        return None
    return file, stat.st_mtime_ns, stat.st_ino


def _key(source: Hashable, path: Path | None) -> tuple:
    return source, None if path is None else checkpoint_stamp(path)


class ModelCache:
    """The last model loaded and its key; one at a time, the old one freed before the next
    loads (a ResNet's weights twice would double the memory). Its models live on `device`
    (None: the policy's choice, see loader.as_device). Compute thread only."""

    def __init__(self, device: Device = None) -> None:
        self.device = as_device(device)
        self._key: tuple | None = None
        self._model: Any = None

    def get(self, source: Hashable, path: Path | None, load: Callable[[], T]) -> T:
        """The model of `source`, from `load()` unless the one held has the same source and its
        checkpoint (`path`: a run folder or checkpoint; None: no file, e.g. torchvision) is
        unchanged."""
        key = _key(source, path)
        if key != self._key:
            self._key, self._model = None, None
            self._model = load()
            self._key = key
        return self._model

    def loaded(self, source: Hashable) -> Any:
        """The model held for `source` without looking at its files, or None."""
        return self._model if self._key is not None and self._key[0] == source else None

    def holds(self, source: Hashable, path: Path | None) -> bool:
        """Whether the model held is `source`'s current checkpoint."""
        return self._key == _key(source, path)

    def classifier(self, source: ModelSource) -> Classifier:
        """`source`'s classifier (see load_classifier), reloaded when its checkpoint changed."""
        path = source.run if isinstance(source, RunModel) else None
        return self.get(source, path, lambda: load_classifier(source, self.device))
