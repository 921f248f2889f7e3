"""Similarity-run benchmark; prints `name: value` lines (a ratio against a same-run baseline).

    python tests/benchmarks/bench_similarity.py [--epochs N] [--rounds R]

- similarity_core_ratio: steps/s of the core triplet run (`deepscope.core.classifier.train`
  with --objective triplet: LeNet with a 64-d embedding on digits, batch 64, semi-hard miner,
  class-tree batches, validation recall@1/5, the run store and checkpoints), from its start
  event to its last epoch's end, divided by a bare PyTorch loop of the same model, loss,
  miner, optimizer (fused Adam) and batches (a class tree each epoch, validation recall each
  epoch; no store, no checkpoints). The two take turns R times in one process, so both meet
  the same load; the median paired ratio, the rounds' range as a comment.

Issue 18's `similarity_throughput_ratio` (a triplet run in the window ÷ the same loop bare)
needs the Training panel's objective, which comes with the GUI later; this is its core half.
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
        with torch.inference_mode():
            x, y = data.batch(data.val)
            recall_at_k(model(x), y)
    return config.epochs * steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    config = TrainConfig(objective="triplet", epochs=args.epochs, device="cpu")
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
