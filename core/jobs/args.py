"""argparse types every command shares: a bad value is refused while the arguments are read
(exit 2, "argument --OPTION: ..."), before torch loads or a run is created."""

from __future__ import annotations

from argparse import ArgumentTypeError
from collections.abc import Callable
from pathlib import Path

SEED_MAX = 2**32 - 1  # numpy's seed range; torch overflows above 2**64 with a C-level message


def whole(text: str) -> int:
    """An integer written in decimal."""
    try:
        return int(text)
    except ValueError:
        raise ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """A type for integers in low..high (no upper bound when high is None)."""
    def parse(text: str) -> int:
        value = whole(text)
        if high is not None and not low <= value <= high:
            raise ArgumentTypeError(f"must be {low}..{high}, got {value}")
        if value < low:
            raise ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


positive_int = int_in(1)
index = int_in(0)
seed = int_in(0, SEED_MAX)


def path(text: str) -> Path:
    """A path with `~` expanded (the shell leaves `--out=~/x` alone)."""
    return Path(text).expanduser()


def out_file(text: str) -> Path:
    """A file to write: not a folder, in a folder that exists."""
    file = path(text)
    if file.is_dir():
        raise ArgumentTypeError(f"{file} is a folder: give a file name")
    if not file.parent.is_dir():
        raise ArgumentTypeError(f"no folder {file.parent} to write {file.name} in")
    return file


def out_dir(text: str) -> Path:
    """A folder to write in or create: not a file, nor under one."""
    folder = path(text)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "" if existing == folder else f", so {folder} cannot be created"
        raise ArgumentTypeError(f"{existing} is a file, not a folder{where}")
    return folder
