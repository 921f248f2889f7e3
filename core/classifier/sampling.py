"""The lecture's hierarchical class-tree sampling for similarity learning (torch-free: numpy and
scipy).

Each class's mean embedding (on a per-class subset, recomputed each epoch from the current
network) places the class; average linkage merges the classes bottom-up by the mean distance
between their members' means, giving a class tree. A batch starts at a random class, climbs the
tree to the smallest subtree holding at least P classes and draws P of them (the start among
them), K images each: classes that lie near each other come together, so the negatives in a
batch are the ones the embedding still confuses, not the easy ones far away.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import linkage

PER_CLASS = 8  # K: images per class in a batch, where the batch size allows


def mean_subset(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Positions into `labels` of up to `per_class` random images of every class present."""
    return np.concatenate([
        rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in np.unique(labels)
    ])


def class_means(embeddings: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """num_classes x D: each class's mean embedding (a ValueError if a class has none)."""
    counts = np.bincount(labels, minlength=num_classes)
    if (empty := np.flatnonzero(counts == 0)).size:
        raise ValueError(f"class tree: no images of class {', '.join(map(str, empty))}")
    sums = np.zeros((num_classes, embeddings.shape[1]))
    np.add.at(sums, labels, embeddings)
    return sums / counts[:, None]


class ClassTree:
    """Classes merged by average linkage of their mean embeddings (L2, as the losses measure).

    `linkage` is scipy's: row i merges nodes a and b at distance d into node C + i, holding
    n classes; node c < C is class c."""

    def __init__(self, means: np.ndarray) -> None:
        if len(means) < 2:
            raise ValueError("class tree: similarity learning needs at least 2 classes")
        self.classes = len(means)
        self.linkage = linkage(means, method="average", metric="euclidean")
        self.members = [np.array([c]) for c in range(len(means))]
        self.parent = np.zeros(2 * len(means) - 1, dtype=int)
        for node, (a, b) in enumerate(self.linkage[:, :2].astype(int), len(means)):
            self.members.append(np.concatenate([self.members[a], self.members[b]]))
            self.parent[[a, b]] = node

    def around(self, start: int, count: int) -> np.ndarray:
        """The classes of the smallest subtree holding class `start` and at least `count`
        classes (all of them if there are fewer)."""
        node = start
        while len(self.members[node]) < count and node != len(self.parent) - 1:
            node = self.parent[node]
        return self.members[node]


def batch_shape(batch_size: int, num_classes: int) -> tuple[int, int]:
    """(P classes, K images each) for a batch of at most `batch_size`: K = PER_CLASS where the
    batch holds P >= 2 classes of it; at least 2 and 2, so every batch has positives and
    negatives (a batch of 64 on 10 classes: 8 x 8)."""
    if batch_size < 4:
        raise ValueError("similarity learning needs a batch size of at least 4 (2 classes x "
                         "2 images)")
    per_class = max(2, min(PER_CLASS, batch_size // 2))
    classes = max(2, min(num_classes, batch_size // per_class))
    return classes, batch_size // classes


def class_tree_order(
    labels: np.ndarray, tree: ClassTree, batches: int, shape: tuple[int, int],
    rng: np.random.Generator,
) -> np.ndarray:
    """Positions into `labels` of `batches` consecutive batches of P x K images (class by class)
    drawn as the module says; a class with fewer than K images repeats some."""
    classes, per_class = shape
    by_class = [np.flatnonzero(labels == c) for c in range(tree.classes)]
    order = []
    for start in rng.integers(len(by_class), size=batches):
        near = tree.around(int(start), classes)
        others = rng.permutation(near[near != start])[:classes - 1]
        for c in (start, *others):
            pool = by_class[c]
            order.append(rng.choice(pool, per_class, replace=len(pool) < per_class))
    return np.concatenate(order)
