"""Which image to occlude: a dataset item, an image file, or a drawing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from deepscope.core.data import ArrayImage, DatasetImage, FileImage, ImageSource

from .dataset_browser import DatasetBrowser
from .paint_canvas import PaintCanvas

DATASET, FILE, DRAW = range(3)
IMAGE_FILES = ("Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.ppm *.pgm);;"
               "All files (*)")
ERROR_STYLE = "color: #c0392b;"


def note(text: str = "", style: str = "color: #555;") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


class ImageSourceBox(QGroupBox):
    """Tabs Dataset / File / Draw; `changed` when the image to occlude changes."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__("Image")
        self.path: Path | None = None
        self.file_error = ""
        self.left_dataset = False  # the Dataset tab was left only because it had no dataset
        self.browser = DatasetBrowser()
        self.tabs, self.pages = QTabBar(), QStackedWidget()
        for page, name in ((self.browser, "Dataset"), (self.file_page(), "File"),
                           (self.draw_page(), "Draw")):
            self.tabs.addTab(name)
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.pages)
        self.tabs.currentChanged.connect(self.show_page)
        self.show_page(DATASET)
        self.browser.changed.connect(self.changed)
        self.canvas.changed.connect(self.changed)

    def file_page(self) -> QWidget:
        self.open_button = QPushButton("Open image…")
        self.open_button.clicked.connect(self.open_dialog)
        self.file_label = note("No file yet: any size and format (PNG, JPEG, TIFF, …).")
        self.file_problem = note(style=ERROR_STYLE)
        self.file_problem.hide()
        self.conversion = note()
        page = QWidget()
        layout = QVBoxLayout(page)
        for w in (self.open_button, self.file_label, self.file_problem, self.conversion):
            layout.addWidget(w)
        layout.addStretch(1)
        return page

    def draw_page(self) -> QWidget:
        self.canvas = PaintCanvas(brush_width=26, hint="Draw a digit that fills the square")
        self.canvas.setFixedSize(200, 200)
        self.brush = QSpinBox()
        self.brush.setRange(4, 60)
        self.brush.setValue(self.canvas.brush_width)
        self.brush.setSuffix(" px brush")
        self.brush.valueChanged.connect(lambda width: self.canvas.set_brush(width=width))
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.canvas.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.brush)
        buttons.addWidget(self.clear_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(buttons)
        return page

    def show_page(self, index: int) -> None:
        """Show a tab's page, sized to it alone (the short pages leave room for the rest)."""
        self.left_dataset = False
        for i in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.pages.widget(i).setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(index)
        self.changed.emit()

    def source(self) -> ImageSource | None:
        tab = self.tabs.currentIndex()
        if tab == DATASET:
            return DatasetImage(self.browser.index.value())
        if tab == FILE:
            return FileImage(self.path) if self.path else None
        return None if self.canvas.blank else ArrayImage(self.canvas.pixels())

    def labelled(self) -> bool:
        """Whether the image has a true class (dataset items do)."""
        return self.tabs.currentIndex() == DATASET

    def problem(self) -> str | None:
        tab = self.tabs.currentIndex()
        if tab == FILE and self.file_error:
            return "This file cannot be used (see Image > File): open another one."
        if tab == FILE:
            return None if self.path else "Open an image file first."
        if tab == DRAW and self.canvas.blank:
            return "Draw something on the canvas first."
        return None

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", "", IMAGE_FILES)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """Use an image file; it is converted on the compute thread (see `show_file_error`)."""
        self.path, self.file_error, self.left_dataset = Path(path), "", False
        self.file_label.setText(f"<b>{self.path.name}</b> ({self.path.parent})")
        self.file_problem.hide()
        if self.tabs.currentIndex() == FILE:
            self.changed.emit()
        else:
            self.tabs.setCurrentIndex(FILE)  # (emits changed)

    def show_file_error(self, message: str) -> None:
        """The file could not be used: say why; Run stays off until another image is chosen."""
        self.file_error = message
        self.file_problem.setText(message)
        self.file_problem.show()

    def fit_model(self, size: int | None, grey: bool, has_dataset: bool) -> None:
        """Say what files are converted to; only run models have a dataset to browse."""
        if size:
            kind = "grey" if grey else "RGB"
            self.conversion.setText(f"Files are resized to {size}×{size} {kind} (alpha over "
                                    "white) and normalized as the model was trained.")
        leaving = not has_dataset and self.tabs.currentIndex() == DATASET
        self.tabs.setTabEnabled(DATASET, has_dataset)  # (leaves a disabled current tab)
        if leaving:
            self.tabs.setCurrentIndex(FILE)
            self.left_dataset = True
        elif has_dataset and self.left_dataset and self.tabs.currentIndex() == FILE:
            self.tabs.setCurrentIndex(DATASET)  # back where the user was
