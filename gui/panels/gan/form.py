"""The GAN form: every GanConfig field, grouped as the course presents them, validated as the
user types."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from deepscope.core.device import DEVICES
from deepscope.core.gan.config import (
    GAN_LOSSES,
    GAN_OPTIMIZERS,
    GAN_SCHEDULES,
    PRIORS,
    GanConfig,
    problems,
)
from deepscope.core.models.gan_spec import GAN_MODELS, MAX_GAN_SIZE

from ...widgets.data_source import DataSource
from ...widgets.form import Field, combo, faults, flag, integer, mark, number

LABELS = {"image_size": "image size", "latent_dim": "latent size", "d_steps": "D steps per G",
          "t_d": "t_d (train D while loss >)", "t_g": "t_g (then G while loss >)",
          "ema_decay": "EMA decay", "batch_size": "batch size", "samples_every": "samples every"}
GROUPS = {
    "Data and model": ("image_size", "model", "latent_dim", "prior", "width"),
    "Loss and schedule": ("loss", "schedule", "d_steps", "t_d", "t_g"),
    "Tricks": ("scale_tanh", "batch_norm", "leaky_relu", "label_smoothing", "replay", "ema",
               "ema_decay"),
    "Run": ("epochs", "batch_size", "seed", "device", "samples_every"),
}
OPTIMIZER_ROWS = {"optimizer": "optimizer", "lr": "learning rate", "beta1": "β1", "beta2": "β2"}


def image_size() -> Field:
    """The training size in pixels; 0 shows as "native" and means the dataset's own size."""
    f = integer(0, MAX_GAN_SIZE, "pixels (square); native = the dataset's size",
                special="native", checked=True)
    return Field(f.widget, lambda: f.get() or None, lambda v: f.set(v or 0), f.changed, f.tip)


def optimizer_fields(who: str) -> dict[str, Field]:
    return {
        f"{who}_optimizer": combo(GAN_OPTIMIZERS, f"{who}'s optimizer"),
        f"{who}_lr": number(0, 10, 6, f"{who}'s learning rate, in (0, 10]", checked=True),
        f"{who}_beta1": number(0, 1, 3, "Adam's β1 (DCGAN: 0.5), in [0, 1)", False,
                               checked=True),
        f"{who}_beta2": number(0, 1, 4, "Adam's β2, in [0, 1)", False, checked=True),
    }


def fields() -> dict[str, Field]:
    """One field per GanConfig field the user sets (dataset and data root are a DataSource)."""
    return {
        "image_size": image_size(),
        "model": combo(GAN_MODELS, "dcgan: G(z); cgan: G(z, y) and D(x, y) take a class label"),
        "latent_dim": integer(1, 4096, "size of z, 1 to 4096", checked=True),
        "prior": combo(PRIORS, "gaussian N(0, 1); uniform in [-1, 1]; sphere: radius √dim"),
        "width": integer(4, 512, "feature maps of G's last and D's first layer, 4 to 512",
                         checked=True),
        "loss": combo(GAN_LOSSES, "minimax: G minimizes log(1 − D(G(z))) (saturates); ns: G "
                      "maximizes log D(G(z)); wgan: critic with weight clipping; wgan-gp: "
                      "gradient penalty"),
        "schedule": combo(GAN_SCHEDULES, "fixed: k D steps per G step; adaptive: D while its "
                          "loss > t_d, then G while its loss > t_g"),
        "d_steps": integer(1, 100, "k: D updates per G update, 1 to 100", checked=True),
        "t_d": number(-1e6, 1e6, 3, "adaptive: D trains while its loss is above t_d", False),
        "t_g": number(-1e6, 1e6, 3, "adaptive: then G trains while its loss is above t_g", False),
        **optimizer_fields("d"),
        **optimizer_fields("g"),
        "scale_tanh": flag("inputs in [−1, 1], tanh output", "else [0, 1] and a sigmoid"),
        "batch_norm": flag("batch norm", "in G, and in D except under WGAN-GP"),
        "leaky_relu": flag("leaky ReLU in D", "slope 0.2, else ReLU"),
        "label_smoothing": flag("one-sided label smoothing", "D's real target 0.9 "
                                "(minimax and ns losses)"),
        "replay": flag("replay earlier fakes to D", "half of each fake batch D sees comes from "
                       "earlier generated batches"),
        "ema": flag("EMA of G's weights", "samples and scores use a moving average of G"),
        "ema_decay": number(0, 1, 4, "EMA decay per G update, in (0, 1)", False, checked=True),
        "epochs": integer(1, 10_000, "1 to 10000", checked=True),
        "batch_size": integer(1, 65_536, "1 to 65536", checked=True),
        "seed": integer(0, 2**31 - 1, "seeds initialization, batches and the sample latents"),
        "device": combo(DEVICES),
        "samples_every": integer(1, 100_000, "steps between sample grids of the fixed latents",
                                 checked=True),
    }


class GanForm(QWidget):
    """Builds a GanConfig; `changed(list_of_problems)` fires on every edit."""

    changed = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.source = DataSource()
        self.fields = fields()
        self.problems = QLabel()  # placed by the panel, next to the Train button
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020;")
        self.classifier: str | None = None  # the judge, chosen beside the scores
        self.layout_form()
        self.set_config(GanConfig())
        for f in self.fields.values():
            f.changed.connect(self.validate)
        self.source.changed.connect(self.validate)

    def layout_form(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for title, keys in GROUPS.items():
            box = QGroupBox(title)
            form = QFormLayout(box)
            if title == "Data and model":
                self.source.add_rows(form)
            for key in keys:
                f = self.fields[key]
                if isinstance(f.get(), bool):
                    form.addRow(f.widget)
                else:
                    form.addRow(LABELS.get(key, key.replace("_", " ")), f.widget)
            column.addWidget(box)
            if title == "Loss and schedule":
                column.addWidget(self.optimizers())

    def optimizers(self) -> QGroupBox:
        """D and G side by side: optimizer, learning rate, betas."""
        box = QGroupBox("Optimizers")
        grid = QGridLayout(box)
        grid.addWidget(QLabel("D (discriminator)"), 0, 1)
        grid.addWidget(QLabel("G (generator)"), 0, 2)
        for row, (key, label) in enumerate(OPTIMIZER_ROWS.items(), start=1):
            grid.addWidget(QLabel(label), row, 0)
            for col, who in enumerate("dg", start=1):
                grid.addWidget(self.fields[f"{who}_{key}"].widget, row, col)
        return box

    def config(self) -> GanConfig:
        values = {k: f.get() for k, f in self.fields.items()}
        return GanConfig(**values, dataset=self.source.dataset(), data_root=self.source.root(),
                         classifier=self.classifier)

    def set_config(self, config: GanConfig) -> None:
        for key, f in self.fields.items():
            f.set(getattr(config, key))
        self.source.set(config.dataset, config.data_root)
        self.classifier = config.classifier
        self.validate()

    def issues(self) -> list[str]:
        """Config problems plus the ones only the file system can tell."""
        return problems(self.config()) + self.source.issues()

    def validate(self, *_) -> None:
        c = self.config()
        enabled = {"d_steps": c.schedule == "fixed", "t_d": c.schedule == "adaptive",
                   "t_g": c.schedule == "adaptive", "ema_decay": c.ema,
                   "label_smoothing": c.loss in ("minimax", "ns")}
        for who in "dg":
            adam = getattr(c, f"{who}_optimizer") == "adam"
            enabled |= {f"{who}_beta1": adam, f"{who}_beta2": adam}
        for key, on in enabled.items():
            self.fields[key].widget.setEnabled(on)
        self.source.download_button.setEnabled(self.source.downloadable())
        found = self.issues()
        mark(self.fields, faults(c, problems, self.fields))
        self.problems.setText("\n".join(found))
        self.problems.setVisible(bool(found))
        self.changed.emit(found)
