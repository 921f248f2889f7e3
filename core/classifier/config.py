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
OBJECTIVES = ("classify", "contrastive", "triplet")
MINERS = ("random", "semihard", "hard")  # the triplet objective's (similarity.mine)


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
    # similarity learning (lecture 2): the network's output is an embedding, not class scores
    objective: str = "classify"
    margin: float = 1.0  # contrastive and triplet
    miner: str = "semihard"  # triplet only
    embedding_dim: int = 64  # the final layer's outputs


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
    return found + objective_problems(config)


def objective_problems(config: TrainConfig) -> list[str]:
    """Problems of the objective and its settings. A config cannot tell a default from a value
    given explicitly, so a setting is refused where it does not apply only when it differs
    from its default (the command line refuses any option given where it does not apply)."""
    found = choice("objective", config.objective, OBJECTIVES)
    defaults = TrainConfig()
    if config.objective == "classify":
        found += [f"{name.replace('_', ' ')} applies to the contrastive and triplet objectives, "
                  "not to classify" for name in ("margin", "miner", "embedding_dim")
                  if getattr(config, name) != getattr(defaults, name)]
        return found
    if config.loss != defaults.loss:
        found.append(f"loss is a classifier's: a {config.objective} run's loss is its objective")
    if not config.margin > 0:
        found.append("margin must be > 0")
    found += choice("miner", config.miner, MINERS)
    if config.objective != "triplet" and config.miner != defaults.miner:
        found.append("miner applies to the triplet objective only")
    if not 2 <= config.embedding_dim <= 1024:
        found.append("embedding dim must be between 2 and 1024")
    if config.batch_size < 4 and config.optimizer != "gd":
        found.append("a similarity run needs a batch size of at least 4 (2 classes x 2 images)")
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
