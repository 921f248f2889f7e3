"""`deepscope occlusion`: Zeiler & Fergus's experiment on one image of a trained run, headless."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..jobs.args import out_dir, positive_int
from ..runs.model_args import add_image_args, add_model_args, class_target, model_source
from .spec import OCCLUDERS


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[..., int]]:
    o = sub.add_parser("occlusion", help="occlusion maps of a trained run for one image")
    add_model_args(o)
    add_image_args(o)
    o.add_argument("--window", type=pair, required=True, help="H or HxW pixels")
    o.add_argument("--stride", type=pair, required=True, help="S or SHxSW pixels")
    o.add_argument("--occluder", default="grey", choices=OCCLUDERS)
    o.add_argument("--target", type=class_target, default="true",
                   help="true, pred or a class index")
    o.add_argument("--batch-size", type=positive_int, default=64)
    o.add_argument("--out", type=out_dir, required=True, help="folder for the maps")
    return {"occlusion": occlusion_command}


def pair(text: str) -> tuple[int, int]:
    """'7' -> (7, 7); '7x5' -> (7, 5): whole numbers of pixels, at least 1."""
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        parts = []
    if not 1 <= len(parts) <= 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError(
            f"expected N or HxW, whole numbers of pixels of at least 1, got {text!r}")
    return (parts[0], parts[-1])


def occlusion_command(args: argparse.Namespace) -> int:
    import numpy as np

    from ..runs.inputs import require_size
    from .experiment import load_experiment, occluder, resolve_target, save_maps
    from .maps import occlusion_maps

    exp = load_experiment(model_source(args), args.dataset, args.data_root, args.index, args.image)
    if args.image:  # decoded: its size can be read
        require_size(args.image, exp.pixels.shape[-1])
    baseline, value = occluder(args.occluder, exp)
    maps = occlusion_maps(exp.model, exp.image, resolve_target(args.target, exp),
                          args.window, args.stride, baseline, args.batch_size)
    save_maps(args.out, maps, exp, value)
    print(f"{exp.classes[maps.target]}: p = {maps.base_probability:.3f} unoccluded; largest "
          f"drop {np.nanmax(maps.drop):.3f}; maps in {args.out}")
    return 0
