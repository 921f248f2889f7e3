"""The dataset choice (a known name or an image folder) and the data root, as form rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
)

from deepscope.core.data.names import DATASETS, FOLDER_PREFIX, TORCHVISION_SETS
from deepscope.core.runs.store import default_runs_dir

from .form import combo

FOLDER_ITEM = "image folder…"


def default_data_dir() -> Path:
    return default_runs_dir().parent / "data"


class DataSource(QObject):
    """The dataset choice (a known name or an image folder) and the data root, as form rows;
    `changed` fires on every edit. Shared by the training and GAN forms."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.field = combo([*DATASETS, FOLDER_ITEM], "embedded: digits, shapes; others need "
                           "files under the data root; or pick an image folder")
        self.data_root = QLineEdit()
        self.data_root.setPlaceholderText("folder with MNIST/, FashionMNIST/, cifar-10-batches-py/")
        self.root_row = QHBoxLayout()
        self.root_row.addWidget(self.data_root)
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose the data root folder")
        browse.clicked.connect(self.pick_root)
        self.root_row.addWidget(browse)
        self.download_button = QPushButton("Download")  # the form connects it to its job
        self.download_button.setToolTip("Download the dataset into the data root (needs "
                                        "internet)")
        self.root_row.addWidget(self.download_button)
        self.field.changed.connect(self.dataset_chosen)
        self.field.changed.connect(self.changed)
        self.data_root.textChanged.connect(self.changed)

    def add_rows(self, form: QFormLayout) -> None:
        form.addRow("dataset", self.field.widget)
        form.addRow("data root", self.root_row)

    def dataset(self) -> str:
        return self.field.get()

    def root(self) -> str | None:
        return self.data_root.text().strip() or None

    def download_root(self) -> Path:
        """The data root to download into (the default folder when the field is empty)."""
        if not self.data_root.text().strip():
            self.data_root.setText(str(default_data_dir()))
        return Path(self.data_root.text().strip()).expanduser()

    def downloadable(self) -> bool:
        """Whether the chosen dataset is one Download fetches (a torchvision set)."""
        return self.dataset() in TORCHVISION_SETS

    def set(self, dataset: str, root: str | None) -> None:
        self.field.set(dataset)
        self.data_root.setText(root or "")

    def pick_root(self) -> None:
        path = QFileDialog.getExistingDirectory(self.data_root, "Data root")
        if path:
            self.data_root.setText(path)

    def dataset_chosen(self, text: str) -> None:
        if text != FOLDER_ITEM:
            return
        path = QFileDialog.getExistingDirectory(self.data_root,
                                                "Image folder (one sub-folder per class)")
        self.field.set(f"{FOLDER_PREFIX}{path}" if path else DATASETS[0])

    def issues(self) -> list[str]:
        """What only the file system can tell: a missing image folder or data root."""
        dataset, root = self.dataset(), self.root()
        folder = dataset.removeprefix(FOLDER_PREFIX)
        if dataset.startswith(FOLDER_PREFIX) and not Path(folder).is_dir():
            return ["the image folder does not exist"]
        if dataset in TORCHVISION_SETS and not (root and Path(root).is_dir()):
            return [f"{dataset} needs an existing data root folder"]
        return []
