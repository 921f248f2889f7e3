"""`deepscope train`: train a classifier headless (imports no Qt; torch only when it runs)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..data.names import DATASETS, TORCHVISION_SETS, has_official_test_set
from ..jobs.args import int_in
from ..models.spec import ACTIVATIONS, MODELS
from ..training.cli import add_run_arguments, drive, emit
from .config import LOSSES, MINERS, OBJECTIVES, OPTIMIZERS, SCHEDULES, TrainConfig, problems
from .events import EpochEnd, RunFinished

if TYPE_CHECKING:
    from ..runs.store import RunStore

APPLIES = {"margin": ("contrastive", "triplet"), "miner": ("triplet",),
           "embedding_dim": ("contrastive", "triplet")}  # the objectives each setting serves
OFFICIAL = ", ".join(d for d in DATASETS if has_official_test_set(d))


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
    t = sub.add_parser("train", help="train a classifier headless")
    add_run_arguments(t, TrainConfig)
    t.add_argument("--download", action="store_true",
                   help="download the dataset (and --pretrained weights) if missing")
    t.add_argument("--model", default="lenet", choices=MODELS)
    t.add_argument("--pretrained", action="store_true",
                   help="torchvision models: ImageNet weights from the torch cache")
    t.add_argument("--activation", default="relu", choices=ACTIVATIONS)
    t.add_argument("--loss", default="cross_entropy", choices=LOSSES)
    t.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    t.add_argument("--schedule", default="constant", choices=SCHEDULES)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--weight-decay", type=float, default=0.0)
    t.add_argument("--dropout", type=float, default=0.0)
    t.add_argument("--augment", nargs="*", default=[], help="flip crop rotate noise")
    t.add_argument("--patience", type=int, default=0, help="early stopping (0: off)")
    t.add_argument("--val-fraction", type=float, default=TrainConfig.val_fraction,
                   help="validation share of the images; of the official training images for "
                   f"{OFFICIAL} (default {TrainConfig.val_fraction})")
    t.add_argument("--test-fraction", type=float,
                   help=f"test share of the images (default {TrainConfig.test_fraction}); "
                   f"{OFFICIAL} are tested on their official test set and refuse it")
    add_objective_arguments(t)
    return {"train": train_command}


def add_objective_arguments(t: argparse.ArgumentParser) -> None:
    """--objective and the similarity settings; those left out are None (the defaults)."""
    t.add_argument("--objective", default="classify", choices=OBJECTIVES,
                   help="classify, or learn an embedding (similarity learning) with the "
                   "contrastive or the triplet loss")
    t.add_argument("--margin", type=float,
                   help=f"contrastive and triplet: the margin (default {TrainConfig.margin})")
    t.add_argument("--miner", choices=MINERS,
                   help=f"triplet: the negatives mined (default {TrainConfig.miner})")
    t.add_argument("--embedding-dim", type=int_in(2, 1024),
                   help=f"contrastive and triplet: the embedding's size (default "
                   f"{TrainConfig.embedding_dim})")


def objective_settings(args: argparse.Namespace) -> dict:
    """The similarity settings given, refusing any that the objective does not take."""
    given = {k: v for k in APPLIES if (v := getattr(args, k)) is not None}
    for name in given:
        if args.objective not in APPLIES[name]:
            raise ValueError(f"--{name.replace('_', '-')} applies to --objective "
                             f"{' or '.join(APPLIES[name])} only, not to --objective "
                             f"{args.objective}")
    return given


def config_from(args: argparse.Namespace) -> TrainConfig:
    """The config the arguments ask for; a test fraction given for a set with an official test
    set is refused, not silently dropped."""
    if args.test_fraction is not None and has_official_test_set(args.dataset):
        raise ValueError(f"--test-fraction does not apply to {args.dataset}: it is tested on its "
                         "official test set (--val-fraction carves validation from its "
                         "training images)")
    test_fraction = TrainConfig.test_fraction if args.test_fraction is None else args.test_fraction
    return TrainConfig(
        dataset=args.dataset, data_root=args.data_root, image_size=args.image_size,
        model=args.model, pretrained=args.pretrained, activation=args.activation,
        dropout=args.dropout, loss=args.loss,
        optimizer=args.optimizer, lr=args.lr, weight_decay=args.weight_decay,
        schedule=args.schedule, epochs=args.epochs or TrainConfig.epochs,
        batch_size=args.batch_size, seed=args.seed, augment=tuple(args.augment),
        patience=args.patience, device=args.device, val_fraction=args.val_fraction,
        test_fraction=test_fraction, keep_epochs=args.keep_epochs, objective=args.objective,
        **objective_settings(args),
    )


def progress(done: int, total: int) -> None:
    print(f"\rdownloading: {done / 2**20:.1f} / {total / 2**20:.1f} MiB", end="", file=sys.stderr)


def download(config: TrainConfig) -> None:
    """The pretrained weights and the torchvision set the config needs, if missing."""
    if config.pretrained:
        from ..models.torchvision_zoo import download_weights

        download_weights(config.model, progress)
    if config.dataset in TORCHVISION_SETS:
        from ..data.load import load_dataset

        root = Path(config.data_root) if config.data_root else None
        load_dataset(config.dataset, root=root, download=True, progress=progress)


def epochs_done(store: RunStore, run_id: str) -> int:
    """The last epoch a run logged (0 if none)."""
    epochs = store.epochs(run_id)["epoch"]
    return int(epochs[-1]) if len(epochs) else 0


def train_command(args: argparse.Namespace) -> int:
    from ..runs.store import RunStore
    from .trainer import resume_config, train

    store = RunStore(args.runs_dir)
    config = resume_config(store, args.resume, args.epochs) if args.resume else config_from(args)
    if found := problems(config):
        raise ValueError("; ".join(found))
    if args.resume and (done := epochs_done(store, args.resume)) >= config.epochs:
        raise ValueError(f"run {args.resume} has done {done} of {config.epochs} epochs: ask for "
                         "more epochs to continue it")  # as train-gan's trainer refuses
    if args.download:
        download(config)

    classify = config.objective == "classify"

    def on_event(event: object) -> int | None:
        if isinstance(event, EpochEnd):
            scores = ({"train_acc": event.train_acc, "val_loss": event.val_loss,
                       "val_acc": event.val_acc} if classify else
                      {"val_loss": event.val_loss, "recall_at_1": event.val_recall_at_1,
                       "recall_at_5": event.val_recall_at_5})
            emit({"epoch": event.epoch, "train_loss": event.train_loss} | scores
                 | {"seconds": round(event.seconds, 3)}, args.json)
        elif isinstance(event, RunFinished):
            scores = ({"test_acc": event.test_acc} if classify else
                      {"recall_at_1": event.recall_at_1, "recall_at_5": event.recall_at_5})
            emit({"status": event.status} | scores | {
                  "run_dir": event.run_dir, "message": event.message,
                  "test_set": event.test_set, "test_size": event.test_size}, args.json)
            return 0 if event.status in ("finished", "early-stopped") else 3
        return None

    return drive(train(config, store, resume=args.resume), on_event)
