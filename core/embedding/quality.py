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


def knn_accuracy(values: np.ndarray, labels: np.ndarray, k: int = K) -> float:
    """Leave-one-out k-nearest-neighbour accuracy in feature space: each point's label
    against the majority of its k nearest other points' labels by L2 (a tie goes to the
    smallest class index)."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(values) - 1)
    nearest = NearestNeighbors(n_neighbors=k, algorithm="brute", metric="euclidean")
    rows = nearest.fit(values).kneighbors(return_distance=False)  # each point left out
    votes = labels[rows]
    counts = np.zeros((len(values), int(labels.max()) + 1), np.int64)
    np.add.at(counts, (np.arange(len(values))[:, None], votes), 1)
    return float(np.mean(counts.argmax(1) == labels))


def neighbours(values: np.ndarray, row: int, k: int = K) -> Neighbours:
    """The k nearest other rows to `row` by L2 in feature space, nearest first."""
    from sklearn.neighbors import NearestNeighbors

    if not 0 <= row < len(values):
        raise ValueError(f"point {row} is not in the map (0..{len(values) - 1})")
    k = min(k, len(values) - 1)
    nearest = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric="euclidean")
    distances, rows = nearest.fit(values).kneighbors(values[row : row + 1])
    keep = rows[0] != row
    if keep.all():  # duplicates of the row came first: drop the farthest instead
        keep[-1] = False
    return Neighbours(row, rows[0][keep].astype(np.int64), distances[0][keep].astype(np.float32))


def map_quality(values: np.ndarray, coords: np.ndarray, labels: np.ndarray, k: int = K,
            seed: int = 0) -> Quality:
    """Trustworthiness of the map and kNN accuracy of the features, with k neighbours."""
    trust, points = trustworthiness(values, coords, k, seed=seed)
    return Quality(trust, knn_accuracy(values, labels, k), k, points)
