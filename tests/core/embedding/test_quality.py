"""Trustworthiness, kNN accuracy and neighbours against scikit-learn and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.manifold import trustworthiness as sklearn_trustworthiness

from deepscope.core.embedding.quality import knn_accuracy, map_quality, neighbours, trustworthiness


@pytest.fixture(scope="module")
def clusters() -> tuple[np.ndarray, np.ndarray]:
    """300 points in 16-D around 4 overlapping centres, and their centre as label."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 300)
    centres = rng.normal(0, 0.4, (4, 16))
    return (centres[labels] + rng.normal(0, 1, (300, 16))).astype(np.float32), labels


def brute_distances(values: np.ndarray) -> np.ndarray:
    d = np.sqrt(((values[:, None, :].astype(np.float64) - values[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    return d


def test_trustworthiness_is_scikit_learns(clusters) -> None:
    values, _ = clusters
    coords = values[:, :2] + np.random.default_rng(1).normal(0, 0.5, (len(values), 2))
    score, points = trustworthiness(values, coords)
    assert points == len(values)
    assert score == pytest.approx(sklearn_trustworthiness(values, coords, n_neighbors=10))
    sampled, points = trustworthiness(values, coords, points=100, seed=3)
    rows = np.sort(np.random.default_rng(3).choice(len(values), 100, replace=False))
    assert points == 100
    assert sampled == pytest.approx(sklearn_trustworthiness(values[rows], coords[rows],
                                                            n_neighbors=10))


def test_neighbours_are_the_nearest_by_brute_force(clusters) -> None:
    values, _ = clusters
    d = brute_distances(values)
    for row in (0, 17, 299):
        found = neighbours(values, row, k=7)
        expected = np.argsort(d[row])[:7]
        np.testing.assert_array_equal(found.rows, expected)
        np.testing.assert_allclose(found.distances, d[row, expected], rtol=1e-5)
        assert found.row == row and row not in found.rows
    with pytest.raises(ValueError, match=r"point 300 is not in the map \(0..299\)"):
        neighbours(values, 300)


def test_knn_accuracy_is_a_leave_one_out_majority_vote(clusters) -> None:
    values, labels = clusters
    nearest = np.argsort(brute_distances(values), axis=1)[:, :10]
    votes = np.array([np.bincount(labels[row], minlength=4).argmax() for row in nearest])
    expected = float(np.mean(votes == labels))
    assert 0.3 < expected < 1  # the clusters overlap: the figure says something
    assert knn_accuracy(values, labels) == pytest.approx(expected)
    some = np.array([3, 50, 51, 200, 299])  # queries among all the points
    assert knn_accuracy(values, labels, queries=some) == pytest.approx(
        float(np.mean(votes[some] == labels[some])))
    quality = map_quality(values, values[:, :2].copy(), labels, knn_points=100, seed=2)
    rows = np.sort(np.random.default_rng(2).choice(len(values), 100, replace=False))
    assert quality.knn_points == 100
    assert quality.knn_accuracy == pytest.approx(float(np.mean(votes[rows] == labels[rows])))


def test_quality_of_a_map_that_keeps_everything(clusters) -> None:
    values, labels = clusters
    quality = map_quality(values[:, :2].copy(), values[:, :2].copy(), labels)
    assert quality.trustworthiness == pytest.approx(1.0)
    assert (quality.k, quality.points) == (10, 300)
