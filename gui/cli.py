"""The `deepscope` command: the app, and headless `train`, `train-gan`, `sample`,
`interpolate`, `occlusion` and `tour`.

`deepscope train` and the GAN commands import only core (no Qt), so they run without a display.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from deepscope.core.classifier.config import (
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    problems,
)
from deepscope.core.data.names import DATASETS, FOLDER_PREFIX, TORCHVISION_SETS
from deepscope.core.device import DEVICES
from deepscope.core.gan.config import GAN_LOSSES, GanConfig
from deepscope.core.models.gan_spec import GAN_MODELS
from deepscope.core.models.spec import ACTIVATIONS, MODELS
from deepscope.core.occlusion.spec import OCCLUDERS

if TYPE_CHECKING:
    from deepscope.core.models.gan import Generator
    from deepscope.core.models.gan_spec import GanSpec

MAX_INTERPOLATION_STEPS = 64


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
    add_gan_commands(sub)
    tour = sub.add_parser("tour", help="save a screenshot of every panel (offscreen)")
    tour.add_argument("--out", type=Path, required=True)
    for command in sub.choices.values():  # also after the command's name, as its usage shows
        command.add_argument("--runs-dir", type=Path, default=argparse.SUPPRESS,
                             help="run store folder (or DEEPSCOPE_RUNS_DIR)")
    return p


def add_gan_commands(sub: argparse._SubParsersAction) -> None:
    """train-gan, sample and interpolate."""
    g = sub.add_parser("train-gan", help="train a GAN headless")
    g.add_argument("--dataset", default=GanConfig.dataset,
                   help=f"{', '.join(DATASETS)} or {FOLDER_PREFIX}PATH")
    g.add_argument("--data-root", help="folder holding MNIST/, FashionMNIST/, cifar-10-batches-py/")
    g.add_argument("--image-size", type=int)
    g.add_argument("--model", default=GanConfig.model, choices=GAN_MODELS)
    g.add_argument("--loss", default=GanConfig.loss, choices=GAN_LOSSES)
    g.add_argument("--epochs", type=int,
                   help=f"default {GanConfig.epochs}; with --resume, the new total")
    g.add_argument("--batch-size", type=int, default=GanConfig.batch_size)
    g.add_argument("--seed", type=int, default=GanConfig.seed)
    g.add_argument("--device", default=GanConfig.device, choices=DEVICES)
    g.add_argument("--classifier", metavar="RUN", help="classifier run that judges each epoch")
    g.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout")
    g.add_argument("--resume", metavar="RUN_ID", help="continue a GAN run (its own settings)")
    s = sub.add_parser("sample", help="generate images of a GAN run into a .npy file")
    s.add_argument("--run", required=True, help="GAN run folder, checkpoint or run id")
    s.add_argument("--n", type=int, required=True)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--label", type=int, help="cGAN: this class for all (default: cycle classes)")
    s.add_argument("--out", type=Path, required=True, help="N x C x H x W float32 in [0, 1]")
    i = sub.add_parser("interpolate", help="a latent interpolation as a PNG strip (and GIF)")
    i.add_argument("--run", required=True, help="GAN run folder, checkpoint or run id")
    i.add_argument("--seeds", type=int, nargs=2, required=True, metavar=("A", "B"))
    i.add_argument("--steps", type=int, default=16, help=f"2..{MAX_INTERPOLATION_STEPS}")
    i.add_argument("--mode", default="slerp", choices=("lerp", "slerp"))
    i.add_argument("--label", type=int, help="cGAN: the class along the path (default 0)")
    i.add_argument("--out", type=Path, required=True, help="PNG strip")
    i.add_argument("--gif", type=Path, help="also an animated GIF of the frames")


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
    from deepscope.core.classifier.events import EpochEnd, RunFinished
    from deepscope.core.classifier.trainer import resume_config, train
    from deepscope.core.data.load import load_dataset
    from deepscope.core.runs.store import RunStore

    store = RunStore(args.runs_dir)
    config = resume_config(store, args.resume, args.epochs) if args.resume else config_from(args)
    if found := problems(config):
        raise ValueError("; ".join(found))
    if args.download and config.pretrained:
        from deepscope.core.models.torchvision_zoo import download_weights

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
    from deepscope.core.occlusion.experiment import (
        load_experiment,
        occluder,
        resolve_target,
        save_maps,
    )
    from deepscope.core.occlusion.maps import occlusion_maps

    exp = load_experiment(args.run, args.dataset, args.data_root, args.index, args.image)
    baseline, value = occluder(args.occluder, exp)
    maps = occlusion_maps(exp.model, exp.image, resolve_target(args.target, exp),
                          pair(args.window), pair(args.stride), baseline, args.batch_size)
    save_maps(args.out, maps, exp, value)
    print(f"{exp.classes[maps.target]}: p = {maps.base_probability:.3f} unoccluded; largest "
          f"drop {np.nanmax(maps.drop):.3f}; maps in {args.out}")
    return 0


def gan_epoch_record(event) -> dict:
    """The --json object of one GAN epoch (score fields only with a judge)."""
    record = {"epoch": event.epoch, "d_loss": event.d_loss, "g_loss": event.g_loss,
              "d_real": event.d_real, "d_fake": event.d_fake, "seconds": round(event.seconds, 3)}
    if event.scores is not None:
        scores = event.scores.to_dict()
        record |= {k: scores[k] for k in ("classifier_is", "classifier_fd", "mean_max_prob",
                                          "classes_covered")}
    return record


def train_gan_command(args: argparse.Namespace) -> int:
    from deepscope.core.gan.config import problems as gan_problems
    from deepscope.core.gan.events import GanEpochEnd, GanFinished
    from deepscope.core.gan.trainer import resume_config, train_gan
    from deepscope.core.runs.store import RunStore

    store = RunStore(args.runs_dir)
    epochs = GanConfig.epochs if args.epochs is None else args.epochs
    config = resume_config(store, args.resume, args.epochs) if args.resume else GanConfig(
        dataset=args.dataset, data_root=args.data_root, image_size=args.image_size,
        model=args.model, loss=args.loss, epochs=epochs, batch_size=args.batch_size,
        seed=args.seed, device=args.device, classifier=args.classifier,
    )
    if found := gan_problems(config):
        raise ValueError("; ".join(found))
    job = train_gan(config, store, resume=args.resume)
    try:
        for event in job:
            if isinstance(event, GanEpochEnd):
                emit(gan_epoch_record(event), args.json)
            elif isinstance(event, GanFinished):
                emit({"status": event.status, "run_dir": event.run_dir,
                      "message": event.message}, args.json)
                return 0 if event.status == "finished" else 3
    except KeyboardInterrupt:
        job.close()
        print("stopped: the run and its checkpoints are kept", file=sys.stderr)
        return 130
    return 1


def gan_run(args: argparse.Namespace) -> tuple[Generator, GanSpec, dict]:
    """The generator of --run: a run folder or checkpoint, else a run id in the run store."""
    from deepscope.core.runs.generators import load_generator
    from deepscope.core.runs.store import RunStore

    path = Path(args.run).expanduser()
    if not path.exists() and not path.with_name(path.name + ".safetensors").exists():
        store = RunStore(args.runs_dir)
        if args.run in {run.id for run in store.runs(kind="gan")}:
            path = store.get(args.run).dir
    return load_generator(path)


def sample_command(args: argparse.Namespace) -> int:
    import torch

    from deepscope.core.models.gan import generate, sample_labels
    from deepscope.core.models.latents import sample_prior

    if args.n < 1:
        raise ValueError(f"--n must be at least 1, got {args.n}")
    g, spec, meta = gan_run(args)
    prior = meta.get("config", {}).get("prior", "gaussian")
    z = sample_prior(args.n, spec.latent_dim, prior, torch.Generator().manual_seed(args.seed))
    images = generate(g, z, sample_labels(spec, args.n, args.label)).numpy()
    np.save(args.out, images.astype(np.float32))
    print(f"{args.out}: {args.n} images {images.shape[1:]} in [0, 1]")
    return 0


def interpolate_command(args: argparse.Namespace) -> int:
    from deepscope.core.data.export import save_gif, save_strip
    from deepscope.core.models.gan import generate, sample_labels
    from deepscope.core.models.latents import interpolate, seeded_latents

    if not 2 <= args.steps <= MAX_INTERPOLATION_STEPS:
        raise ValueError(f"--steps must be 2..{MAX_INTERPOLATION_STEPS}, got {args.steps}")
    g, spec, meta = gan_run(args)
    z0, z1 = seeded_latents(args.seeds, spec.latent_dim,
                            meta.get("config", {}).get("prior", "gaussian"))
    label = args.label if args.label is not None or not spec.conditional else 0
    images = generate(g, interpolate(z0, z1, args.steps, args.mode),
                      sample_labels(spec, args.steps, label))
    written = [save_strip(images, args.out)] + ([save_gif(images, args.gif)] if args.gif else [])
    print(f"{args.steps} frames ({args.mode}, seeds {args.seeds[0]} -> {args.seeds[1]}): "
          + ", ".join(map(str, written)))
    return 0


GAN_COMMANDS = {"train-gan": train_gan_command, "sample": sample_command,
                "interpolate": interpolate_command}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "train":
            return train_command(args)
        if args.command == "occlusion":
            return occlusion_command(args)
        if args.command in GAN_COMMANDS:
            return GAN_COMMANDS[args.command](args)
        if args.command == "tour":
            from .tour import tour

            for path in tour(args.out, args.runs_dir):
                print(path)
            return 0
    except Exception as err:  # every failure ends in one clear line (DEEPSCOPE_DEBUG=1: traceback)
        if os.environ.get("DEEPSCOPE_DEBUG"):
            raise
        print(f"deepscope: error: {err}", file=sys.stderr)
        return 1
    from .app import run

    return run(args.runs_dir)
