"""`deepscope units`: every channel's top-K dataset patches for a layer of a trained run."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..jobs.args import out_dir, path, positive_int
from ..runs.model_args import add_model_args, model_source

SPLITS = {"train": "train", "val": "validation", "test": "test", "all": "all"}


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
    u = sub.add_parser("units", help="top-K image patches of every channel of a layer")
    add_model_args(u)
    u.add_argument("--dataset", required=True, help="dataset to scan")
    u.add_argument("--data-root", type=path)
    u.add_argument("--split", default="all", choices=SPLITS,
                   help="the run's split of the dataset to scan (indices stay the dataset's)")
    u.add_argument("--layer", required=True, help="module name, e.g. features.conv1.conv")
    u.add_argument("--top", type=positive_int, default=9, help="images kept per channel")
    u.add_argument("--batch-size", type=positive_int, default=256)
    u.add_argument("--out", type=out_dir, required=True, help="folder for units.json and PNGs")
    return {"units": units_command}


def units_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..data.sources import run_dataset
    from ..runs.inputs import InputCache
    from .export import save_units
    from .units import unit_scan_job

    cache = InputCache()
    clf = cache.classifier(model_source(args))
    root = str(args.data_root) if args.data_root else None
    ref = run_dataset(clf.dataset, args.dataset, root)
    clf = replace(clf, dataset=ref)
    images = cache.dataset(clf)
    indices = ref.split(images, SPLITS[args.split])
    *_, scan = unit_scan_job(clf, images, indices, args.layer, args.top, args.batch_size)
    meta = {"dataset": args.dataset, "split": args.split, "images": len(indices)}
    files = save_units(args.out, scan, images.images.numpy(), meta)
    print(f"{args.layer}: top {scan.value.shape[1]} of {len(indices)} images for "
          f"{len(scan.value)} channels in {args.out} ({len(files)} files)")
    return 0
