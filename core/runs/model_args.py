"""The classifier a command probes: `--run RUN` (a trained run), or the user's own model with
`--model FILE.py:FUNCTION [--weights W.safetensors] --input CxHxW [--mean M] [--std S]`; and
the one image it probes: `--dataset D [--data-root DIR] --index I` or `--image FILE`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..jobs.args import index, path
from .lookup import find_run
from .sources import ModelSource, RunModel, UserModel

MODEL_ONLY = ("weights", "input")


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """--run or --model (one of them required), with --model's weights, input and
    normalization."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", help="classifier run folder, checkpoint or run id")
    which.add_argument("--model", type=function_ref,
                       help="your own model: FILE.py:FUNCTION, a function returning an nn.Module")
    parser.add_argument("--weights", type=path, help="safetensors weights for --model")
    parser.add_argument("--input", type=input_shape, help="--model's input, CxHxW (e.g. 1x28x28)")
    parser.add_argument("--mean", type=floats, default=(0.0,),
                        help="--model's normalization: pixel mean in [0, 1], one or per channel")
    parser.add_argument("--std", type=floats, default=(1.0,), help="likewise, the std")


def add_image_args(parser: argparse.ArgumentParser) -> None:
    """--dataset with --index, or --image (one of --index and --image required)."""
    parser.add_argument("--dataset", help="dataset to take --index from")
    parser.add_argument("--data-root", type=path)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--index", type=index, help="image index in the dataset")
    source.add_argument("--image", type=path, help="an image file at least the model's input "
                        "size (resized, channels adapted)")


def class_target(text: str) -> str:
    """'true', 'pred' or a class index (checked against the model's classes once loaded)."""
    if text in ("true", "pred") or text.isdecimal():
        return text
    raise argparse.ArgumentTypeError(f"expected true, pred or a class index, got {text!r}")


def model_source(args: argparse.Namespace) -> ModelSource:
    """The model the arguments name; ValueError when --model lacks --input, or --weights or
    --input come without --model."""
    if args.run is not None:
        if given := [f"--{n}" for n in MODEL_ONLY if getattr(args, n) is not None]:
            raise ValueError(f"{' and '.join(given)} belong with --model, not with --run")
        return RunModel(find_run(args.run, args.runs_dir, "classifier"))
    if args.input is None:
        raise ValueError("--model needs --input CxHxW: the input its function's model takes")
    file, function = args.model
    return UserModel(file, function, args.weights, args.input, args.mean, args.std)


def function_ref(text: str) -> tuple[Path, str]:
    """'net.py:make' -> (Path('net.py'), 'make'), `~` expanded."""
    file, _, function = text.rpartition(":")
    if not file or not function.isidentifier() or not file.endswith(".py"):
        raise argparse.ArgumentTypeError(f"expected FILE.py:FUNCTION, got {text!r}")
    return Path(file).expanduser(), function


def input_shape(text: str) -> tuple[int, int, int]:
    """'3x32x32' -> (3, 32, 32): channels 1 or 3, sizes of at least 8 pixels."""
    try:
        c, h, w = (int(n) for n in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected CxHxW, e.g. 1x28x28, got {text!r}") from None
    if c not in (1, 3) or min(h, w) < 8:
        raise argparse.ArgumentTypeError(
            f"expected 1 or 3 channels and sizes of at least 8 pixels, got {text!r}")
    return c, h, w


def floats(text: str) -> tuple[float, ...]:
    """'0.5' or '0.485,0.456,0.406' -> a tuple of floats."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number or numbers separated by commas, got {text!r}") from None
