"""The one place that decides where tensors live: the device names a user can choose, and
the policy (CUDA when present, else CPU). Importing it does not import torch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> torch.device:
    """CUDA when present (or asked for), else CPU; a clear error when CUDA is asked but absent."""
    import torch

    if name not in DEVICES:
        raise ValueError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but no CUDA device is available; use --device cpu")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def device_label(device: torch.device, thread_counts: Sequence[int] = ()) -> str:
    """Short human label for the status bar; `thread_counts`: those a tuner picks among."""
    import torch

    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if len(thread_counts) > 1:
        return f"CPU ({min(thread_counts)}-{max(thread_counts)} threads, tuned)"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' if n > 1 else ''})"
