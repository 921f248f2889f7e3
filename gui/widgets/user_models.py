"""The user's own models, one list per run store that every model picker offers: opened from a
Python file (remembered in the store's folder, with the input size and normalization asked
once) or handed over live by `deepscope.explore` (kept while the app runs)."""

from __future__ import annotations

import json
from pathlib import Path
from weakref import WeakKeyDictionary

from PySide6.QtCore import QObject, Signal

from deepscope.core.runs import LiveModel, UserModel
from deepscope.core.runs.store import RunStore

FILE_NAME = "user-models.json"
Entry = UserModel | LiveModel


class UserModels(QObject):
    """`changed` when a model is added (the newest first) or forgotten."""

    changed = Signal()

    def __init__(self, file: Path) -> None:
        super().__init__()
        self.file = file
        self.entries: list[Entry] = list(read(file))

    def add(self, entry: Entry) -> None:
        """Remember `entry` (replacing one of the same file and function) at the top."""
        self.entries = [entry, *(e for e in self.entries if e is not entry and (
            e.name != entry.name or isinstance(e, LiveModel)))]
        self.save()
        self.changed.emit()

    def forget(self, entry: Entry) -> None:
        self.entries = [e for e in self.entries if e is not entry]
        self.save()
        self.changed.emit()

    def save(self) -> None:
        saved = [{"file": str(e.file), "function": e.function,
                  "weights": str(e.weights) if e.weights else None, "shape": list(e.shape),
                  "mean": list(e.mean), "std": list(e.std)}
                 for e in self.entries if isinstance(e, UserModel)]
        self.file.write_text(json.dumps(saved, indent=1))


def read(file: Path) -> list[UserModel]:
    """The remembered models; a missing or damaged file remembers none."""
    try:
        return [UserModel(Path(e["file"]), e["function"],
                          Path(e["weights"]) if e["weights"] else None, tuple(e["shape"]),
                          tuple(e["mean"]), tuple(e["std"]))
                for e in json.loads(file.read_text())]
    except (OSError, ValueError, KeyError, TypeError):
        return []


_LISTS: WeakKeyDictionary[RunStore, UserModels] = WeakKeyDictionary()


def user_models(store: RunStore) -> UserModels:
    """The store's list of user models (one per store, made by its first caller)."""
    if (found := _LISTS.get(store)) is None:
        found = _LISTS[store] = UserModels(Path(store.root) / FILE_NAME)
    return found
