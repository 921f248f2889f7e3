"""What the panel's views share: a toolbar row above a picture, an Export menu (PNG, SVG and
the arrays on screen as .npy with a meta.json), and grids of tiles that scroll."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMenu,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...widgets.flow import flow
from ...widgets.image_grid import ImageGrid
from ...widgets.svg_export import save_svg

SELECTED = QColor(255, 170, 0)  # the frame of the selected channel's tile
SMALLEST_PITCH = (16, 28)  # px an ImageGrid gives a cell at its smallest, across and down


def captioned(caption: QLabel, picture: QWidget) -> QWidget:
    """A wrapping caption above a picture, without margins: what a view shows and exports."""
    caption.setWordWrap(True)
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(caption)
    layout.addWidget(picture, 1)
    return box


def as_uint8(unit: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as uint8 pixels."""
    return (np.clip(unit, 0, 1) * 255).round().astype(np.uint8)


class TileGrid(ImageGrid):
    """An ImageGrid, in a scroll area (`scroller`), at least as tall as its smallest cells
    need: the 2048 channels of a ResNet-50 block scroll instead of being cut off."""

    def __init__(self, cell: int, empty_text: str) -> None:
        super().__init__(cell, empty_text, SELECTED)
        self.least = self.minimumHeight()
        self.scroller = QScrollArea()
        self.scroller.setWidget(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)

    def fit(self) -> None:
        columns = max(1, self.width() // SMALLEST_PITCH[0])
        rows = -(-len(self.images) // columns)
        self.setMinimumHeight(max(self.least, rows * SMALLEST_PITCH[1] + 4))

    def set_images(self, *args, **kwargs) -> None:
        super().set_images(*args, **kwargs)
        self.fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.fit()


class View(QWidget):
    """A view of the panel: `saved(text)` after an export. A subclass names its files
    (`name`), says what its arrays are (`arrays`, `meta`) and which widget is its picture."""

    saved = Signal(str)
    name = "features"

    def __init__(self) -> None:
        super().__init__()
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction("PNG image…", lambda: self.ask_file("PNG image (*.png)", "png",
                                                            self.export_png))
        menu.addAction("SVG image…", lambda: self.ask_file("SVG image (*.svg)", "svg",
                                                            self.export_svg))
        menu.addAction("Arrays as .npy…", self.ask_npy)
        self.export_button.setMenu(menu)

    def lay_out(self, controls: list[QWidget], picture: QWidget) -> None:
        """The controls in a wrapping row (Export last) above the picture (what PNG and SVG
        save)."""
        self.picture = picture
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(flow(*controls, self.export_button))
        layout.addWidget(picture, 1)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays on screen by file name (empty: nothing to export yet)."""
        raise NotImplementedError

    def meta(self) -> dict:
        """What the arrays are, for meta.json."""
        return {}

    def nothing(self) -> str:
        """Why there is nothing to export, in words."""
        return "nothing to export yet"

    def export_png(self, path: Path | str) -> Path:
        path = Path(path)
        if not self.picture.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        return path

    def export_svg(self, path: Path | str) -> Path:
        return save_svg(self.picture, path, f"DeepScope {self.name}")

    def export_npy(self, folder: Path | str) -> Path:
        """The arrays as .npy files and meta.json, into `folder`."""
        arrays = self.arrays()
        if not arrays:
            raise ValueError(self.nothing())
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", array)
        (folder / "meta.json").write_text(json.dumps(self.meta(), indent=2))
        return folder

    def ask_file(self, kind: str, suffix: str, export: Callable[[str], Path]) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the view", f"{self.name}.{suffix}",
                                              kind)
        if path:
            self.saved.emit(f"Saved {export(path)}")

    def ask_npy(self) -> None:
        if not self.arrays():
            self.saved.emit(f"Nothing to export: {self.nothing()}.")
        elif folder := QFileDialog.getExistingDirectory(self, "Export the arrays as .npy into"):
            self.saved.emit(f"Arrays saved in {self.export_npy(folder)}")
