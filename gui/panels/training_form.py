"""The training form: every TrainConfig field, validated as the user types."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from core.data.names import DATASETS, FOLDER_PREFIX, TORCHVISION_SETS
from core.models.spec import ACTIVATIONS, MODELS, TORCHVISION_MODELS
from core.runs.store import default_runs_dir
from core.training.config import (
    AUGMENTATIONS,
    DEVICES,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    problems,
)
from gui.widgets.form import Field, combo, flag, integer, number, percent

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


class TrainingForm(QWidget):
    """Builds a TrainConfig; `changed(list_of_problems)` fires on every edit."""

    changed = Signal(list)
    download = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.source = DataSource()
        self.data_root = self.source.data_root
        self.fields: dict[str, Field] = {
            "dataset": self.source.field,
            "model": combo(MODELS, "small nets train in minutes on a CPU; torchvision nets "
                           "are larger"),
            "activation": combo(ACTIVATIONS),
            "dropout": number(0, 0.95, 2, "dropout before the classifier layers", False),
            "pretrained": flag("pretrained weights", "torchvision models: ImageNet weights "
                               "from the torch cache"),
            "loss": combo(LOSSES, "softmax cross-entropy or multiclass hinge (SVM)"),
            "optimizer": combo(OPTIMIZERS, "gd = full-batch gradient descent"),
            "lr": number(1e-6, 10, 6, "learning rate"),
            "momentum": number(0, 0.999, 3, "momentum (optimizer = momentum)", False),
            "weight_decay": number(0, 1, 6, "L2 regularization strength"),
            "schedule": combo(SCHEDULES, "step: x0.1 every third of the run; cosine: to 0"),
            "epochs": integer(1, 10_000),
            "batch_size": integer(1, 65_536, "ignored by gd (full batch)"),
            "val_fraction": percent("validation share of the data"),
            "test_fraction": percent("test share of the data"),
            "seed": integer(0, 2**31 - 1, "seeds the split, initialization and batches"),
            "patience": integer(0, 1000, "early stopping: epochs without a better validation "
                                "loss", special="off"),
            "device": combo(DEVICES),
        }
        self.augment = {a: flag(a) for a in AUGMENTATIONS}
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020;")
        self.folder = ""
        self.layout_form()
        self.set_config(TrainConfig())
        for f in [*self.fields.values(), *self.augment.values()]:
            f.changed.connect(self.validate)
        self.data_root.textChanged.connect(self.validate)

    def layout_form(self) -> None:
        form = QFormLayout(self)
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Download the dataset into the data root, and pretrained "
                                        "weights when asked for (needs internet)")
        self.download_button.clicked.connect(self.download)
        self.source.root_row.addWidget(self.download_button)
        labels = {"val_fraction": "validation", "test_fraction": "test", "lr": "learning rate",
                  "weight_decay": "weight decay", "batch_size": "batch size",
                  "patience": "early stopping"}
        for key, f in self.fields.items():
            if key == "dataset":
                self.source.add_rows(form)
            else:
                form.addRow(labels.get(key, key), f.widget)
        aug = QHBoxLayout()
        for f in self.augment.values():
            aug.addWidget(f.widget)
        form.addRow("augment", aug)
        form.addRow(self.problems)

    def config(self) -> TrainConfig:
        values = {k: f.get() for k, f in self.fields.items()}
        values["augment"] = tuple(a for a, f in self.augment.items() if f.get())
        values["data_root"] = self.source.root()
        return TrainConfig(**values)

    def set_config(self, config: TrainConfig) -> None:
        for key, f in self.fields.items():
            f.set(getattr(config, key))
        for a, f in self.augment.items():
            f.set(a in config.augment)
        self.source.set(config.dataset, config.data_root)
        self.validate()

    def issues(self) -> list[str]:
        """Config problems plus the ones only the file system can tell."""
        return problems(self.config()) + self.source.issues()

    def download_root(self) -> Path:
        """The data root to download into (the default folder when the field is empty)."""
        if not self.data_root.text().strip():
            self.data_root.setText(str(default_data_dir()))
        return Path(self.data_root.text().strip()).expanduser()

    def validate(self, *_) -> None:
        config = self.config()
        weights = config.pretrained and config.model in TORCHVISION_MODELS
        self.download_button.setEnabled(config.dataset in TORCHVISION_SETS or weights)
        found = self.issues()
        self.problems.setText("\n".join(found))
        self.problems.setVisible(bool(found))
        self.changed.emit(found)
