"""What the trainers' commands share: the arguments every run takes, one line or one JSON object
per record, and a training job driven to its end, where Ctrl+C or SIGTERM stop the run as the
app's Stop does: at a step's end, with a checkpoint of it (a second signal acts at once)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..data.names import DATASETS, FOLDER_PREFIX
from ..device import DEVICES
from ..jobs.args import int_in, positive_int, seed

SIGNALS = (signal.SIGINT, signal.SIGTERM)  # exit status 128 + signal: 130, 143


def add_run_arguments(parser: argparse.ArgumentParser, defaults: object) -> None:
    """--dataset, --data-root, --image-size, --epochs, --batch-size, --seed, --device, --json
    and --resume, with the defaults of a config class (TrainConfig, GanConfig)."""
    d = defaults
    parser.add_argument("--dataset", default=d.dataset,
                        help=f"{', '.join(DATASETS)} or {FOLDER_PREFIX}PATH")
    parser.add_argument("--data-root",
                        help="folder holding MNIST/, FashionMNIST/, cifar-10-batches-py/")
    parser.add_argument("--image-size", type=int)
    parser.add_argument("--epochs", type=positive_int,
                        help=f"default {d.epochs}; with --resume, the new total")
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--seed", type=seed, default=d.seed)
    parser.add_argument("--device", default=d.device, choices=DEVICES)
    parser.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout")
    parser.add_argument("--keep-epochs", type=keep_count, default=d.keep_epochs,
                        metavar="N|all", help=f"epoch checkpoints to keep (default "
                        f"{d.keep_epochs}): the newest, the best and the rest spread evenly")
    parser.add_argument("--resume", metavar="RUN_ID",
                        help="continue a stopped run (with its own settings)")


def emit(record: dict, as_json: bool) -> None:
    """One JSON object, or one line of `key value` pairs."""
    if as_json:
        print(json.dumps(record), flush=True)
    else:
        print("  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in record.items()), flush=True)


def keep_count(text: str) -> int | None:
    """--keep-epochs: "all" (None), or a count of at least 2 (the newest and the best)."""
    return None if text == "all" else int_in(2)(text)


@contextmanager
def stop_signals() -> Iterator[list[int]]:
    """While inside: the first SIGINT or SIGTERM is noted in the list it yields (the handler
    before it comes back, so a second one acts at once). Only the main thread receives them."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    before = {sig: signal.getsignal(sig) for sig in SIGNALS}

    def note(signum: int, _frame: object) -> None:
        caught.append(signum)
        signal.signal(signum, before[signum])

    for sig in SIGNALS:
        signal.signal(sig, note)
    try:
        yield caught
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def drive(job: Iterator, on_event: Callable[[object], int | None]) -> int:
    """Run a training job to its end; `on_event` returns the exit status at the final event
    (None before). SIGINT (Ctrl+C) or SIGTERM closes the job at the next step's end: the run
    is stopped with a checkpoint of that step; the status is 128 + the signal (130, 143)."""
    run_id = None
    with stop_signals() as caught:
        for event in job:
            run_id = getattr(event, "run_id", run_id)
            if (status := on_event(event)) is not None:
                return status
            if caught:
                job.close()
                print(f"stopped: run {run_id} is kept with a checkpoint of its last step; "
                      f"--resume {run_id} goes on from there", file=sys.stderr)
                return 128 + caught[0]
    return 1
