"""`deepscope occlusion`: Zeiler & Fergus's experiment on one image of a trained run, headless."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .spec import OCCLUDERS


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
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
    return {"occlusion": occlusion_command}


def pair(text: str) -> tuple[int, int]:
    """'7' -> (7, 7); '7x5' -> (7, 5)."""
    parts = [int(p) for p in text.lower().split("x")]
    if len(parts) not in (1, 2):
        raise ValueError(f"expected N or HxW, got {text!r}")
    return (parts[0], parts[-1])


def occlusion_command(args: argparse.Namespace) -> int:
    import numpy as np

    from .experiment import load_experiment, occluder, resolve_target, save_maps
    from .maps import occlusion_maps

    exp = load_experiment(args.run, args.dataset, args.data_root, args.index, args.image)
    baseline, value = occluder(args.occluder, exp)
    maps = occlusion_maps(exp.model, exp.image, resolve_target(args.target, exp),
                          pair(args.window), pair(args.stride), baseline, args.batch_size)
    save_maps(args.out, maps, exp, value)
    print(f"{exp.classes[maps.target]}: p = {maps.base_probability:.3f} unoccluded; largest "
          f"drop {np.nanmax(maps.drop):.3f}; maps in {args.out}")
    return 0
