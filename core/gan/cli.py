"""`deepscope train-gan`: train a GAN headless (imports no Qt; torch only when it runs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..models.gan_spec import GAN_MODELS
from ..training.cli import add_run_arguments, drive, emit
from .config import GAN_LOSSES, GanConfig, problems
from .events import GanEpochEnd, GanFinished

UNPRINTED = ("step", "wasserstein", "diversity")  # stored per epoch, not in the command's lines


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
    g = sub.add_parser("train-gan", help="train a GAN headless")
    add_run_arguments(g, GanConfig)
    g.add_argument("--model", default=GanConfig.model, choices=GAN_MODELS)
    g.add_argument("--loss", default=GanConfig.loss, choices=GAN_LOSSES)
    g.add_argument("--classifier", metavar="RUN",
                   help="classifier run (folder, checkpoint or run id) that judges each epoch")
    return {"train-gan": train_gan_command}


def epoch_record(event: GanEpochEnd) -> dict:
    """The line of one epoch: losses, D's outputs, seconds and, with a judge, its scores."""
    from .trainer import epoch_row

    row = {k: v for k, v in epoch_row(event).items() if k not in UNPRINTED}
    return {"epoch": event.epoch} | row | {"seconds": round(event.seconds, 3)}


def train_gan_command(args: argparse.Namespace) -> int:
    from ..runs.lookup import find_run
    from ..runs.store import RunStore
    from .trainer import resume_config, train_gan

    store = RunStore(args.runs_dir)
    epochs = GanConfig.epochs if args.epochs is None else args.epochs
    judge = args.classifier and str(find_run(args.classifier, args.runs_dir, "classifier"))
    config = resume_config(store, args.resume, args.epochs) if args.resume else GanConfig(
        dataset=args.dataset, data_root=args.data_root, image_size=args.image_size,
        model=args.model, loss=args.loss, epochs=epochs, batch_size=args.batch_size,
        seed=args.seed, device=args.device, classifier=judge, keep_epochs=args.keep_epochs,
    )
    if found := problems(config):
        raise ValueError("; ".join(found))

    def on_event(event: object) -> int | None:
        if isinstance(event, GanEpochEnd):
            emit(epoch_record(event), args.json)
        elif isinstance(event, GanFinished):
            emit({"status": event.status, "run_dir": event.run_dir,
                  "message": event.message}, args.json)
            return 0 if event.status == "finished" else 3
        return None

    return drive(train_gan(config, store, resume=args.resume), on_event)
