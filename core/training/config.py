"""What every training configuration shares: a frozen dataclass that round-trips through the
run store's JSON, and the checks of the fields every trainer has (torch-free)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, TypeVar

from ..data.names import DATASETS, FOLDER_PREFIX
from ..device import DEVICES

C = TypeVar("C", bound="RunConfig")


class RunConfig:
    """Mixin of the frozen config dataclasses: to and from the dict the run store keeps."""

    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        """The config of a stored dict; keys of another version are ignored, lists become
        tuples where the field is a tuple."""
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        values = {k: v for k, v in data.items() if k in known}
        for key, value in values.items():
            if isinstance(value, list) and str(known[key].type).startswith("tuple"):
                values[key] = tuple(value)
        return cls(**values)


def choice(name: str, value: str, options: tuple[str, ...]) -> list[str]:
    """A problem when `value` is not one of `options`."""
    return [] if value in options else [f"{name} must be one of {', '.join(options)}"]


def keep_problems(keep_epochs: int | None) -> list[str]:
    """A problem when a run would keep fewer than two epoch checkpoints (None keeps all)."""
    if keep_epochs is None or keep_epochs >= 2:
        return []
    return ["keep epochs must be at least 2 (the newest and the best epoch), or all"]


def run_problems(dataset: str, device: str, epochs: int, batch_size: int) -> list[str]:
    """Problems of the fields every run has: dataset, device, epochs and batch size."""
    found = []
    if dataset not in DATASETS and not dataset.startswith(FOLDER_PREFIX):
        found.append(f"dataset must be one of {', '.join(DATASETS)} or {FOLDER_PREFIX}PATH")
    found += choice("device", device, DEVICES)
    if not 1 <= epochs <= 10_000:
        found.append("epochs must be between 1 and 10000")
    if not 1 <= batch_size <= 65_536:
        found.append("batch size must be between 1 and 65536")
    return found
