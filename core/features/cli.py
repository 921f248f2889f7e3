"""`deepscope units`, `saliency` and `dream`: a layer's top-K dataset patches, backprop views of
one image and activation maximization, for a trained run or the user's own model (--model)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from ..jobs.args import int_in, out_dir, path, positive_int, seed
from ..runs.model_args import add_image_args, add_model_args, class_target, model_source
from .events import SALIENCY_METHODS

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
    s = sub.add_parser("saliency", help="a backprop view (gradient, guided backprop, deconvnet, "
                       "Grad-CAM) of one image")
    add_model_args(s)
    add_image_args(s)
    s.add_argument("--method", required=True, choices=SALIENCY_METHODS)
    s.add_argument("--layer", help="Grad-CAM's layer (a module with a spatial map)")
    s.add_argument("--target", type=class_target, default="true",
                   help="the class whose logit is explained: true, pred or a class index")
    s.add_argument("--out", type=out_dir, required=True, help="folder for the arrays")
    d = sub.add_parser("dream", help="an image optimized to excite a channel or a class")
    add_model_args(d)
    d.add_argument("--layer", help="the channel's layer (module name)")
    which = d.add_mutually_exclusive_group(required=True)
    which.add_argument("--channel", type=int_in(0), help="maximize this channel's mean")
    which.add_argument("--class", dest="klass", type=int_in(0), help="maximize this class's logit")
    d.add_argument("--steps", type=int_in(1, 10_000), default=256)
    d.add_argument("--seed", type=seed, default=0)
    d.add_argument("--out", type=out_dir, required=True, help="folder for the image and arrays")
    return {"units": units_command, "saliency": saliency_command, "dream": dream_command}


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


def saliency_command(args: argparse.Namespace) -> int:
    import numpy as np

    from ..runs.inputs import class_index, command_image, require_size
    from ..runs.loader import load_classifier
    from .events import ClassTarget
    from .saliency import attribution

    if args.method == "gradcam" and not args.layer:
        raise ValueError("--method gradcam needs --layer: the layer whose maps it weighs")
    if args.method != "gradcam" and args.layer:
        raise ValueError(f"--layer is Grad-CAM's; --method {args.method} explains the input")
    clf = load_classifier(model_source(args))
    if args.image:
        require_size(args.image, clf.image_size)
    clf, pixels, label = command_image(clf, args.dataset, args.data_root, args.index, args.image)
    k = class_index(args.target, label, lambda: clf.model(clf.normalize(pixels[None])),
                    len(clf.classes))
    view = attribution(clf, pixels, ClassTarget(k), args.method, args.layer)
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "attribution.npy", view.values)
    if view.upsampled is not None:
        np.save(args.out / "upsampled.npy", view.upsampled)
    np.save(args.out / "input.npy", view.input[0])
    write_meta(args.out, {"method": args.method, "target": k, "class": clf.classes[k],
                          "layer": args.layer, "logit": view.score, "true_class": label})
    print(f"{args.method} for {clf.classes[k]} (logit {view.score:.3f}) in {args.out}")
    return 0


def dream_command(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    from ..runs.loader import load_classifier
    from .dream import dream_job
    from .dream_settings import DreamSettings
    from .events import ClassTarget, DreamFrame, UnitTarget

    if args.channel is not None and not args.layer:
        raise ValueError("--channel needs --layer: the layer the channel belongs to")
    target = (UnitTarget(args.layer, args.channel) if args.channel is not None
              else ClassTarget(args.klass))
    clf = load_classifier(model_source(args))
    settings = DreamSettings(steps=args.steps, seeds=(args.seed,), frame_every=args.steps)
    last = [e for e in dream_job(clf, target, settings) if isinstance(e, DreamFrame)][-1]
    args.out.mkdir(parents=True, exist_ok=True)
    pixels = (last.images[0] * 255).round().astype(np.uint8)
    Image.fromarray(pixels[0] if len(pixels) == 1 else pixels.transpose(1, 2, 0)).save(
        args.out / "image.png")
    np.save(args.out / "input.npy", last.input[0])
    channel = args.channel is not None
    words = (f"channel {args.channel} of {args.layer} (its mean over the map)" if channel
             else f"class {args.klass} ({clf.classes[args.klass]}) logit")
    value = float(last.values[0])
    write_meta(args.out, {"objective": "channel" if channel else "class", "value": value,
                          "description": words, "mean": list(last.mean), "std": list(last.std),
                          "layer": args.layer, "channel": args.channel, "class": args.klass,
                          "steps": args.steps, "seed": args.seed})
    print(f"{words}: {value:.3f} after {args.steps} steps; image in {args.out}")
    return 0


def write_meta(out: Path, meta: dict) -> None:
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
