"""Similarity-run benchmark; prints `name: value` lines (a ratio against a same-run baseline).

    python tests/benchmarks/bench_similarity.py [--epochs N] [--rounds R]

- similarity_core_ratio: steps/s of the core triplet run (`deepscope.core.classifier.train`
  with --objective triplet: LeNet with a 64-d embedding on digits, batch 64, semi-hard miner,
  class-tree batches, validation recall@1/5, the run store and checkpoints), from its start
  event to its last epoch's end, divided by a bare PyTorch loop of the same model, loss,
  miner, optimizer (fused Adam) and batches (a class tree each epoch; the validation loss and
  recall@1 and @5 each epoch, as the run computes them; no store, no checkpoints). The two
  take turns R times in one process, so both meet the same load; the median paired ratio,
  the rounds' range as a comment.

- similarity_throughput_ratio (with --window): the same triplet run started from the Training
  panel of the real window (offscreen, live curves drawn), from its start event to its last
  epoch's end, divided by the bare loop run in the same process between the window's runs;
  the median paired ratio over R rounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.classifier.data import prepare_data
from deepscope.core.classifier.events import EpochEnd, RunStarted
from deepscope.core.classifier.sampling import (
    ClassTree,
    batch_shape,
    class_means,
    class_tree_order,
    mean_subset,
)
from deepscope.core.classifier.similarity import SimilarityLoss, recall_at_k
from deepscope.core.classifier.similarity_trainer import TREE_IMAGES
from deepscope.core.classifier.trainer import train
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.store import RunStore


def core_run(config: TrainConfig, root: Path) -> float:
    """Steps/s of the core run, from its start event to its last epoch's end."""
    start, end, steps = 0.0, 0.0, 0
    with RunStore(root) as store:
        for event in train(config, store):
            if isinstance(event, RunStarted):
                start = time.perf_counter()
            elif isinstance(event, EpochEnd):
                end, steps = time.perf_counter(), event.step
    return steps / (end - start)


def bare_run(config: TrainConfig) -> float:
    """Steps/s of the same run as a plain loop."""
    data = prepare_data(config, torch.device("cpu"))
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = build_model(ModelSpec(config.model, 1, 28, config.embedding_dim))
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    loss_fn = SimilarityLoss("triplet", config.margin, config.miner)
    labels = data.labels[data.train].numpy()
    steps = len(data.train) // config.batch_size
    shape = batch_shape(config.batch_size, len(data.classes))
    start = time.perf_counter()
    for _ in range(config.epochs):
        model.eval()
        with torch.inference_mode():
            subset = mean_subset(labels, TREE_IMAGES, rng)
            means = model(data.batch(data.train[subset])[0]).numpy()
        tree = ClassTree(class_means(means, labels[subset], len(data.classes)))
        model.train()
        order = data.train[class_tree_order(labels, tree, steps, shape, rng)]
        for idx in order.tensor_split(steps):
            x, y = data.batch(idx)
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
        model.eval()
        with torch.inference_mode():  # the run's validation: loss in training batches, recall
            x, y = data.batch(data.val)
            embeddings = model(x)
            sum(float(loss_fn(e, t)) * len(e) for e, t in zip(
                embeddings.split(config.batch_size), y.split(config.batch_size), strict=True))
            recall_at_k(embeddings, y, (1, 5))
    return config.epochs * steps / (time.perf_counter() - start)


def window_run(app, window, panel) -> float:
    """Steps/s of the run started from the Training panel, as core_run measures it."""
    from event_loop import wait, watching

    from deepscope.core.classifier.events import RunFinished

    marks: dict[str, float] = {}

    def seen(event: object) -> None:
        if isinstance(event, RunStarted):
            marks["start"] = time.perf_counter()
        elif isinstance(event, EpochEnd):
            marks["end"], marks["steps"] = time.perf_counter(), event.step
        elif isinstance(event, RunFinished):
            marks["done"] = 1

    with watching(window.compute, seen) as running:
        panel.start_training()
        wait(app, lambda: "done" in marks and not running, timeout_s=900)
    return marks["steps"] / (marks["end"] - marks["start"])


def in_window(config: TrainConfig, rounds: int) -> None:
    """The window's triplet run against the bare loop, in turns in one process."""
    from bench_training import bench_window

    app, window, panel = bench_window(config.epochs)
    panel.form.set_config(config)
    window_run(app, window, panel)  # warm-up
    ratios, rates = [], []
    for _ in range(rounds):
        bare = bare_run(config)
        ours = window_run(app, window, panel)
        ratios.append(ours / bare)
        rates.append(f"{ours:.1f}/{bare:.1f}")
    window.close()
    print(f"# window/bare steps/s per round: {', '.join(rates)}; ratios "
          f"{min(ratios):.3f}-{max(ratios):.3f}")
    print(f"similarity_throughput_ratio: {statistics.median(ratios):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", action="store_true",
                        help="the run in the window (similarity_throughput_ratio)")
    args = parser.parse_args()
    config = TrainConfig(objective="triplet", epochs=args.epochs, device="cpu")
    if args.window:
        in_window(config, args.rounds)
        return
    core_run(config, Path(tempfile.mkdtemp(prefix="bench-similarity-")))  # warm-up
    ratios, rates = [], []
    for _ in range(args.rounds):
        bare = bare_run(config)
        core = core_run(config, Path(tempfile.mkdtemp(prefix="bench-similarity-")))
        ratios.append(core / bare)
        rates.append(f"{core:.1f}/{bare:.1f}")
    print(f"# core/bare steps/s per round: {', '.join(rates)}; ratios "
          f"{min(ratios):.3f}-{max(ratios):.3f}")
    print(f"similarity_core_ratio: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
