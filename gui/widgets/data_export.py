"""What File > Export data saves of a panel: a panel's `data_export()` returns a DataExport, or
in words why it has nothing to export now (the menu then disables the action and says why)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .curves import CurveBoard

CSV = "CSV table (*.csv)"


@dataclass(frozen=True)
class DataExport:
    """`save(path)` writes the panel's data: a file of the dialog filter `files` named like
    `name`, or, where `files` is empty, files into the folder `path`."""

    name: str
    files: str
    save: Callable[[Path], object]


def curves_export(board: CurveBoard, name: str) -> DataExport | str:
    """The board's curves as one CSV table (plot, curve, step, wall_time, value), or why not."""
    if not any(c.series.n for p in board.plots.values() for c in p.curves.values()):
        return "no curves yet: train a run, or select a stored run in the run list"
    return DataExport(f"{name}.csv", CSV, board.export_csv)
