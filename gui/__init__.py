"""DeepScope GUI: PySide6 + pyqtgraph. Importing this package does not import Qt;
`deepscope.explore(model)` opens the window on a live model."""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "explore":
        from .explore import explore

        return explore
    raise AttributeError(f"module 'deepscope' has no attribute {name!r}")


__all__ = ["explore"]
