"""How good a map is, and neighbours in feature space (scikit-learn, brute-force L2 search:
exact, and the same figures whatever else is installed)."""

from __future__ import annotations

import numpy as np

from .events import Neighbours, Quality

K = 10
TRUST_POINTS = 5000  # trustworthiness holds two n x n distance matrices: 5000 takes 400 MB


def trustworthiness(values: np.ndarray, coords: np.ndarray, k: int = K,
                    points: int = TRUST_POINTS, seed: int = 0) -> tuple[float, int]:
    """scikit-learn's trustworthiness of `coords` for `values` with k neighbours (at most
    (n - 1) // 2, its limit), on a seeded sample of `points` rows when there are more; the
    score and the number of rows it used."""
    from sklearn.manifold import trustworthiness as score

    rows = sample(len(values), points, seed)
    k = min(k, (len(rows) - 1) // 2)
    return float(score(values[rows], coords[rows], n_neighbors=k)), len(rows)


def sample(n: int, points: int, seed: int = 0) -> np.ndarray:
    """All of 0..n-1, or `points` of them drawn with `seed`, ascending."""
    if n <= points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, points, replace=False))


def knn_accuracy(values: np.ndarray, labels: np.ndarray, k: int = K,
                 queries: np.ndarray | None = None) -> float:
    """Leave-one-out k-nearest-neighbour accuracy in feature space: each point's label (of
    the `queries` rows, default all) against the majority of its k nearest other points'
    labels by L2 among all N (a tie goes to the smallest class index). All 70,000 MNIST
    points take ~20 s on 2 cores, 5000 queries among them ~1.5 s."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(values) - 1)
    queries = np.arange(len(values)) if queries is None else queries
    nearest = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric="euclidean")
    rows = nearest.fit(values).kneighbors(values[queries], return_distance=False)
    rows = np.array([found[without(row, found)] for row, found in zip(queries, rows, strict=True)])
    counts = np.zeros((len(queries), int(labels.max()) + 1), np.int64)
    np.add.at(counts, (np.arange(len(queries))[:, None], labels[rows]), 1)
    return float(np.mean(counts.argmax(1) == labels[queries]))


def without(row: int, found: np.ndarray) -> np.ndarray:
    """A mask of the k + 1 rows `found` (nearest first) that leaves `row` itself out, or,
    when duplicates of the row came before it, the farthest."""
    keep = found != row
    if keep.all():
        keep[-1] = False
    return keep


def neighbours(values: np.ndarray, row: int, k: int = K) -> Neighbours:
    """The k nearest other rows to `row` by L2 in feature space, nearest first."""
    from sklearn.neighbors import NearestNeighbors

    if not 0 <= row < len(values):
        raise ValueError(f"point {row} is not in the map (0..{len(values) - 1})")
    k = min(k, len(values) - 1)
    nearest = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric="euclidean")
    distances, rows = nearest.fit(values).kneighbors(values[row : row + 1])
    keep = without(row, rows[0])
    return Neighbours(row, rows[0][keep].astype(np.int64), distances[0][keep].astype(np.float32))


def map_quality(values: np.ndarray, coords: np.ndarray, labels: np.ndarray, k: int = K,
                seed: int = 0, knn_points: int | None = None) -> Quality:
    """Trustworthiness of the map and kNN accuracy of the features, with k neighbours; the
    accuracy over every point, or a seeded sample of `knn_points` of them."""
    trust, points = trustworthiness(values, coords, k, seed=seed)
    queries = sample(len(values), knn_points or len(values), seed)
    return Quality(trust, knn_accuracy(values, labels, k, queries), k, points, len(queries))
