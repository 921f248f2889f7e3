"""Lazy public names: a package names its whole API in `__all__` while importing its torch-side
modules only when one of their names is first used (PEP 562), so the GUI and the command line
can import a package for its plain-data names without loading torch."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `package.<names[name]>` on first use of `name`."""

    def getattr_(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{names[name]}"), name)

    return getattr_
