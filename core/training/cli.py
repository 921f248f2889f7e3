"""What the trainers' commands share: the arguments every run takes, one line or one JSON object
per record, and a training job driven to its end, where Ctrl+C keeps the run."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator

from ..data.names import DATASETS, FOLDER_PREFIX
from ..device import DEVICES

STOPPED = 130  # exit status after Ctrl+C (the run and its checkpoints are kept)


def add_run_arguments(parser: argparse.ArgumentParser, defaults: object) -> None:
    """--dataset, --data-root, --image-size, --epochs, --batch-size, --seed, --device, --json
    and --resume, with the defaults of a config class (TrainConfig, GanConfig)."""
    d = defaults
    parser.add_argument("--dataset", default=d.dataset,
                        help=f"{', '.join(DATASETS)} or {FOLDER_PREFIX}PATH")
    parser.add_argument("--data-root",
                        help="folder holding MNIST/, FashionMNIST/, cifar-10-batches-py/")
    parser.add_argument("--image-size", type=int)
    parser.add_argument("--epochs", type=int,
                        help=f"default {d.epochs}; with --resume, the new total")
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--device", default=d.device, choices=DEVICES)
    parser.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout")
    parser.add_argument("--resume", metavar="RUN_ID",
                        help="continue a stopped run (with its own settings)")


def emit(record: dict, as_json: bool) -> None:
    """One JSON object, or one line of `key value` pairs."""
    if as_json:
        print(json.dumps(record), flush=True)
    else:
        print("  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in record.items()), flush=True)


def drive(job: Iterator, on_event: Callable[[object], int | None]) -> int:
    """Run a training job to its end; `on_event` returns the exit status at the final event
    (None before). Ctrl+C stops the job: its run and checkpoints are kept."""
    try:
        for event in job:
            if (status := on_event(event)) is not None:
                return status
    except KeyboardInterrupt:
        job.close()
        print("stopped: the run and its checkpoints are kept", file=sys.stderr)
        return STOPPED
    return 1
