"""The class tree against a hand computation, and batches drawn from it."""

import numpy as np
import pytest

from deepscope.core.classifier.sampling import (
    ClassTree,
    batch_shape,
    class_means,
    class_tree_order,
    mean_subset,
)

# four classes on a line: 0 and 1 one apart, 2 and 3 two apart, the pairs far from each other
MEANS = np.array([[0.0], [1.0], [5.0], [7.0]])


def test_class_tree_equals_a_hand_computation() -> None:
    # average linkage: {0,1} at 1 (node 4), {2,3} at 2 (node 5), then the root at the mean of
    # |0-5|, |0-7|, |1-5|, |1-7| = (5 + 7 + 4 + 6) / 4 = 5.5
    tree = ClassTree(MEANS)
    np.testing.assert_allclose(tree.linkage, [[0, 1, 1, 2], [2, 3, 2, 2], [4, 5, 5.5, 4]])
    assert tree.around(0, 2).tolist() == [0, 1]
    assert tree.around(3, 2).tolist() == [2, 3]
    assert sorted(tree.around(2, 3).tolist()) == [0, 1, 2, 3]
    assert tree.around(1, 1).tolist() == [1]


def test_class_means_average_each_class() -> None:
    x = np.array([[0.0, 2.0], [2.0, 4.0], [10.0, 10.0]])
    np.testing.assert_allclose(class_means(x, np.array([0, 0, 1]), 2), [[1, 3], [10, 10]])
    with pytest.raises(ValueError, match="no images of class 2"):
        class_means(x, np.array([0, 0, 1]), 3)


def test_mean_subset_takes_at_most_per_class_of_each_class() -> None:
    labels = np.array([0] * 10 + [1] * 3 + [2] * 7)
    picked = labels[mean_subset(labels, 5, np.random.default_rng(0))]
    assert np.bincount(picked).tolist() == [5, 3, 5]


def test_batches_draw_nearby_classes_together() -> None:
    labels = np.repeat(np.arange(4), 20)
    rng = np.random.default_rng(1)
    order = class_tree_order(labels, ClassTree(MEANS), batches=50, shape=(2, 3), rng=rng)
    batches = labels[order].reshape(50, 6)
    for batch in batches:
        classes, counts = np.unique(batch, return_counts=True)
        assert counts.tolist() == [3, 3]
        assert classes.tolist() in ([0, 1], [2, 3])  # never a pair across the tree's root
    assert set(np.unique(batches[:, 0])) == {0, 1, 2, 3}  # every class starts some batch
    assert len(set(order[:3])) == 3  # K distinct images of a class where it has K


def test_batch_shape_keeps_positives_and_negatives() -> None:
    assert batch_shape(64, 10) == (8, 8)
    assert batch_shape(64, 2) == (2, 32)
    assert batch_shape(4, 100) == (2, 2)
    with pytest.raises(ValueError, match="batch size of at least 4"):
        batch_shape(3, 10)
