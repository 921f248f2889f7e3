"""The live t-SNE (openTSNE in chunks, as the panel runs it) against scikit-learn's TSNE on the
same features, in one process; prints `name: value`.

    python tests/benchmarks/bench_embedding.py [--n N] [--points P]

Features: the 1797 digits' 64 pixels (0..16) repeated to N (default 10,000) rows with Gaussian
noise of sd 1, so no two rows are equal. torch is not imported, so both sides run with their
own default threads (beside torch, each OpenMP runtime's spinning slowed the other's ~20x).
- tsne_layout_ratio: seconds until the live map's trustworthiness is within 0.005 of
  scikit-learn's final map's / scikit-learn's total seconds. Goal <= 0.2.
- tsne_full_ratio: the live t-SNE's whole run (750 iterations, a frame every 10) /
  scikit-learn's (1000 iterations, its default). Goal <= 0.5.
Trustworthiness (k = 10) is measured on a fixed seeded sample of P rows (default 1000), outside
the timed work.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.manifold import TSNE

from deepscope.core.embedding.events import TsneSettings
from deepscope.core.embedding.projection import tsne_job
from deepscope.core.embedding.quality import sample, trustworthiness


def features(n: int) -> np.ndarray:
    digits = load_digits().data.astype(np.float32)
    rows = np.resize(np.arange(len(digits)), n)
    return digits[rows] + np.random.default_rng(0).normal(0, 1, (n, 64)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1000)
    args = parser.parse_args()
    values = features(args.n)
    rows = sample(args.n, args.points, seed=1)

    def trust(coords: np.ndarray) -> float:
        return trustworthiness(values[rows], coords[rows], points=args.points)[0]

    start = time.perf_counter()
    theirs = TSNE(random_state=0, init="pca").fit_transform(values)
    base = time.perf_counter() - start
    target = trust(theirs)
    spent, reached, job = 0.0, None, tsne_job(values, TsneSettings())
    while True:
        start = time.perf_counter()
        frame = next(job, None)
        spent += time.perf_counter() - start
        if frame is None:
            break
        score = trust(frame.coords)
        if reached is None and score >= target - 0.005:
            reached = spent, frame.iteration
        final = score
    print(f"tsne_layout_ratio: {reached[0] / base:.3f}" if reached else "tsne_layout_ratio: inf")
    print(f"tsne_full_ratio: {spent / base:.3f}")
    print(f"# {args.n} x 64 features; scikit-learn {base:.1f} s, trustworthiness {target:.4f}; "
          f"openTSNE {spent:.1f} s, trustworthiness {final:.4f}, within 0.005 at iteration "
          f"{reached[1] if reached else None}")


if __name__ == "__main__":
    main()
