"""The `deepscope` command: the app, and headless `train` and `tour`.

`deepscope train` imports only core (no Qt), so it runs without a display.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from core.data.names import DATASETS, FOLDER_PREFIX, TORCHVISION_SETS
from core.models.spec import ACTIVATIONS, MODELS
from core.occlusion_names import OCCLUDERS
from core.training.config import DEVICES, LOSSES, OPTIMIZERS, SCHEDULES, TrainConfig, problems


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="deepscope", description="See inside deep vision networks.")
    p.add_argument("--runs-dir", type=Path, help="run store folder (or DEEPSCOPE_RUNS_DIR)")
    sub = p.add_subparsers(dest="command")
    t = sub.add_parser("train", help="train a classifier headless")
    t.add_argument("--dataset", default="digits",
                   help=f"{', '.join(DATASETS)} or {FOLDER_PREFIX}PATH")
    t.add_argument("--data-root", help="folder holding MNIST/, FashionMNIST/, cifar-10-batches-py/")
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
    t.add_argument("--epochs", type=int, help="default 10; with --resume, the new total")
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--image-size", type=int)
    t.add_argument("--augment", nargs="*", default=[], help="flip crop rotate noise")
    t.add_argument("--patience", type=int, default=0, help="early stopping (0: off)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="auto", choices=DEVICES)
    t.add_argument("--resume", metavar="RUN_ID", help="continue a stopped run (its own settings)")
    t.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout")
    o = sub.add_parser("occlusion", help="occlusion maps of a trained run for one image")
    o.add_argument("--run", type=Path, required=True, help="run folder or checkpoint file")
    o.add_argument("--dataset", help="dataset to take --index from")
    o.add_argument("--data-root", type=Path)
    source = o.add_mutually_exclusive_group(required=True)
    source.add_argument("--index", type=int, help="image index in the dataset")
    source.add_argument("--image", type=Path, help="an image file (resized, channels adapted)")
    o.add_argument("--window", required=True, help="H or HxW")
    o.add_argument("--stride", required=True, help="S or SHxSW")
    o.add_argument("--occluder", default="grey", choices=OCCLUDERS)
    o.add_argument("--target", default="true", help="true, pred or a class index")
    o.add_argument("--batch-size", type=int, default=64)
    o.add_argument("--out", type=Path, required=True)
    tour = sub.add_parser("tour", help="save a screenshot of every panel (offscreen)")
    tour.add_argument("--out", type=Path, required=True)
    return p


def config_from(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        dataset=args.dataset, data_root=args.data_root, image_size=args.image_size,
        model=args.model, pretrained=args.pretrained, activation=args.activation,
        dropout=args.dropout, loss=args.loss,
        optimizer=args.optimizer, lr=args.lr, weight_decay=args.weight_decay,
        schedule=args.schedule, epochs=args.epochs or TrainConfig.epochs,
        batch_size=args.batch_size, seed=args.seed, augment=tuple(args.augment),
        patience=args.patience, device=args.device,
    )


def progress(done: int, total: int) -> None:
    print(f"\rdownloading: {done / 2**20:.1f} / {total / 2**20:.1f} MiB", end="", file=sys.stderr)


def emit(record: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(record), flush=True)
    else:
        print("  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in record.items()), flush=True)


def train_command(args: argparse.Namespace) -> int:
    from core.data.load import load_dataset
    from core.runs.store import RunStore
    from core.training.events import EpochEnd, RunFinished
    from core.training.trainer import resume_config, train

    store = RunStore(args.runs_dir)
    config = resume_config(store, args.resume, args.epochs) if args.resume else config_from(args)
    if found := problems(config):
        raise ValueError("; ".join(found))
    if args.download and config.pretrained:
        from core.models.torchvision_zoo import download_weights

        download_weights(config.model, progress)
    if args.download and config.dataset in TORCHVISION_SETS:
        root = Path(args.data_root) if args.data_root else None
        load_dataset(config.dataset, root=root, download=True, progress=progress)
    job = train(config, store, resume=args.resume)
    try:
        for event in job:
            if isinstance(event, EpochEnd):
                emit({"epoch": event.epoch, "train_loss": event.train_loss,
                      "train_acc": event.train_acc, "val_loss": event.val_loss,
                      "val_acc": event.val_acc, "seconds": round(event.seconds, 3)}, args.json)
            elif isinstance(event, RunFinished):
                emit({"status": event.status, "test_acc": event.test_acc,
                      "run_dir": event.run_dir, "message": event.message}, args.json)
                return 0 if event.status in ("finished", "early-stopped") else 3
    except KeyboardInterrupt:
        job.close()
        print("stopped: the run and its checkpoints are kept", file=sys.stderr)
        return 130
    return 1


def pair(text: str) -> tuple[int, int]:
    """'7' -> (7, 7); '7x5' -> (7, 5)."""
    parts = [int(p) for p in text.lower().split("x")]
    if len(parts) not in (1, 2):
        raise ValueError(f"expected N or HxW, got {text!r}")
    return (parts[0], parts[-1])


def occlusion_command(args: argparse.Namespace) -> int:
    from core.occlusion import occlusion_maps
    from core.occlusion_run import load_experiment, occluder, resolve_target, save_maps

    exp = load_experiment(args.run, args.dataset, args.data_root, args.index, args.image)
    baseline, value = occluder(args.occluder, exp)
    maps = occlusion_maps(exp.model, exp.image, resolve_target(args.target, exp),
                          pair(args.window), pair(args.stride), baseline, args.batch_size)
    save_maps(args.out, maps, exp, value)
    print(f"{exp.classes[maps.target]}: p = {maps.base_probability:.3f} unoccluded; largest "
          f"drop {np.nanmax(maps.drop):.3f}; maps in {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "train":
            return train_command(args)
        if args.command == "occlusion":
            return occlusion_command(args)
        if args.command == "tour":
            from gui.tour import tour

            for path in tour(args.out, args.runs_dir):
                print(path)
            return 0
    except Exception as err:  # every failure ends in one clear line (DEEPSCOPE_DEBUG=1: traceback)
        if os.environ.get("DEEPSCOPE_DEBUG"):
            raise
        print(f"deepscope: error: {err}", file=sys.stderr)
        return 1
    from gui.app import run

    return run(args.runs_dir)
