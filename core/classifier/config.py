"""Training configuration and its validation (torch-free, safe for the GUI to import)."""

from __future__ import annotations

from dataclasses import dataclass

from ..data.names import has_official_test_set
from ..models.spec import ACTIVATIONS, MODELS
from ..training.config import RunConfig, choice, keep_problems, run_problems

LOSSES = ("cross_entropy", "hinge")
OPTIMIZERS = ("gd", "sgd", "momentum", "rmsprop", "adam")
SCHEDULES = ("constant", "step", "cosine")
AUGMENTATIONS = ("flip", "crop", "rotate", "noise")


@dataclass(frozen=True)
class TrainConfig(RunConfig):
    """Everything that defines a classifier training run."""

    dataset: str = "digits"
    data_root: str | None = None
    image_size: int | None = None
    model: str = "lenet"
    activation: str = "relu"
    dropout: float = 0.0
    pretrained: bool = False
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    epochs: int = 10
    batch_size: int = 64
    val_fraction: float = 0.15  # of the official training images where the set has a test set
    test_fraction: float = 0.15  # unused where the set has an official test set
    seed: int = 0
    augment: tuple[str, ...] = ()
    patience: int = 0  # early stopping on validation loss; 0 disables it
    device: str = "auto"
    keep_epochs: int | None = 50  # epoch checkpoints a run keeps (runs.retention); None: all



def problems(config: TrainConfig) -> list[str]:
    """Every reason the config cannot run, as messages a user can act on (empty when valid)."""
    found = run_problems(config.dataset, config.device, config.epochs, config.batch_size)
    found += keep_problems(config.keep_epochs)
    found += choice("model", config.model, MODELS)
    found += choice("activation", config.activation, ACTIVATIONS)
    found += choice("loss", config.loss, LOSSES)
    found += choice("optimizer", config.optimizer, OPTIMIZERS)
    found += choice("schedule", config.schedule, SCHEDULES)
    found += [f"unknown augmentation {a!r}" for a in config.augment if a not in AUGMENTATIONS]
    if not 0 < config.lr <= 10:
        found.append("learning rate must be in (0, 10]")
    if not 0 <= config.momentum < 1:
        found.append("momentum must be in [0, 1)")
    if not 0 <= config.weight_decay <= 1:
        found.append("weight decay must be in [0, 1]")
    if not 0 <= config.dropout < 1:
        found.append("dropout must be in [0, 1)")
    if config.image_size is not None and not 8 <= config.image_size <= 512:
        found.append("image size must be between 8 and 512")
    found += split_problems(config)
    if config.patience < 0:
        found.append("patience must be >= 0 (0 disables early stopping)")
    return found


def split_problems(config: TrainConfig) -> list[str]:
    """Problems of the split fractions; a set tested on its official test set uses no test
    fraction, so none is checked."""
    if has_official_test_set(config.dataset):
        if not 0 < config.val_fraction < 0.9:
            return ["validation fraction must be > 0 and leave at least 10% of the official "
                    "training images for training"]
        return []
    found = []
    if config.val_fraction <= 0 or config.test_fraction < 0:
        found.append("validation fraction must be > 0 and test fraction >= 0")
    if config.val_fraction + config.test_fraction >= 0.9:
        found.append("validation + test fractions must leave at least 10% for training")
    return found
