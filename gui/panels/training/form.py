"""The training form: every TrainConfig field, validated as the user types."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QWidget,
)

from deepscope.core.classifier.config import (
    AUGMENTATIONS,
    LOSSES,
    MINERS,
    OBJECTIVES,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    problems,
)
from deepscope.core.data.names import has_official_test_set
from deepscope.core.device import DEVICES
from deepscope.core.models.spec import ACTIVATIONS, MODELS, TORCHVISION_MODELS

from ...widgets.data_source import DataSource
from ...widgets.form import Field, combo, faults, flag, integer, mark, number, percent

TEST_TIP = "test share of the data"
SIMILARITY = ("contrastive", "triplet")
FOR_OBJECTIVES = {"loss": ("classify",), "margin": SIMILARITY, "miner": ("triplet",),
                  "embedding_dim": SIMILARITY}  # the fields an objective takes


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
            "objective": combo(OBJECTIVES, "classify: class scores; contrastive (Siamese pairs) "
                               "or triplet: an embedding where same-class images lie close"),
            "margin": number(1e-3, 100, 3, "the margin of the contrastive or triplet loss, in "
                             "the embedding's L2 distance", checked=True),
            "miner": combo(MINERS, "triplet negatives: random, semi-hard (farther than the "
                           "positive, within the margin) or hard (no farther than it)"),
            "embedding_dim": integer(2, 1024, "the embedding's size, 2 to 1024", checked=True),
            "dropout": number(0, 0.95, 2, "dropout before the classifier layers", False,
                              checked=True),
            "pretrained": flag("pretrained weights", "torchvision models: ImageNet weights "
                               "from the torch cache"),
            "loss": combo(LOSSES, "softmax cross-entropy or multiclass hinge (SVM)"),
            "optimizer": combo(OPTIMIZERS, "gd = full-batch gradient descent"),
            "lr": number(1e-6, 10, 6, "learning rate, in (0, 10]", checked=True),
            "momentum": number(0, 0.999, 3, "momentum (optimizer = momentum), in [0, 1)", False,
                               checked=True),
            "weight_decay": number(0, 1, 6, "L2 regularization strength, in [0, 1]",
                                   checked=True),
            "schedule": combo(SCHEDULES, "step: x0.1 every third of the run; cosine: to 0"),
            "epochs": integer(1, 10_000, "1 to 10000", checked=True),
            "batch_size": integer(1, 65_536, "1 to 65536; ignored by gd (full batch)",
                                  checked=True),
            "val_fraction": percent("validation share of the data"),
            "test_fraction": percent(TEST_TIP),
            "seed": integer(0, 2**31 - 1, "seeds the split, initialization and batches"),
            "patience": integer(0, 1000, "early stopping: epochs without a better validation "
                                "loss", special="off", checked=True),
            "device": combo(DEVICES),
        }
        self.augment = {a: flag(a) for a in AUGMENTATIONS}
        self.problems = QLabel()  # placed by the panel, next to the Train button
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
        self.download_button = self.source.download_button
        self.download_button.setToolTip("Download the dataset into the data root, and pretrained "
                                        "weights when asked for (needs internet)")
        self.download_button.clicked.connect(self.download)
        labels = {"val_fraction": "validation", "test_fraction": "test", "lr": "learning rate",
                  "weight_decay": "weight decay", "batch_size": "batch size",
                  "patience": "early stopping", "embedding_dim": "embedding size"}
        for key, f in self.fields.items():
            if key == "dataset":
                self.source.add_rows(form)
            else:
                form.addRow(labels.get(key, key), f.widget)
        aug = QGridLayout()  # two by two: the column stays narrow
        for i, f in enumerate(self.augment.values()):
            aug.addWidget(f.widget, i // 2, i % 2)
        form.addRow("augment", aug)

    def config(self) -> TrainConfig:
        """The form's config; a field the objective does not take gives its default."""
        values = {k: f.get() for k, f in self.fields.items()}
        default = TrainConfig()
        for key, objectives in FOR_OBJECTIVES.items():
            if values["objective"] not in objectives:
                values[key] = getattr(default, key)
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

    def validate(self, *_) -> None:
        config = self.config()
        for key, objectives in FOR_OBJECTIVES.items():
            self.fields[key].widget.setEnabled(config.objective in objectives)
        weights = config.pretrained and config.model in TORCHVISION_MODELS
        self.download_button.setEnabled(self.source.downloadable() or weights)
        mark(self.fields, faults(config, problems, self.fields))
        self.show_test_split(config.dataset)
        found = self.issues()
        self.problems.setText("\n".join(found))
        self.problems.setVisible(bool(found))
        self.changed.emit(found)

    def show_test_split(self, dataset: str) -> None:
        """A set with an official test set is tested on it: no test fraction to choose."""
        official = has_official_test_set(dataset)
        test = self.fields["test_fraction"].widget
        test.setEnabled(not official)
        test.setToolTip(f"{dataset} is tested on its official test set; validation comes from "
                        "its training images" if official else TEST_TIP)
