"""The Gram matrix with lecture 3's 1/(C H W) normalization, the style distance, and the
clustered channel order, against hand computations."""

import numpy as np
import pytest
import torch

from deepscope.core.features.gram import clustered_order, gram_job, gram_matrix, style_distance


def test_gram_matrix_equals_a_hand_computation() -> None:
    maps = torch.arange(12.0).reshape(2, 2, 3) - 5  # C=2, H=2, W=3
    c, h, w = 2, 2, 3
    hand = torch.zeros(2, 2)
    for i in range(c):
        for j in range(c):
            hand[i, j] = sum(maps[i, y, x] * maps[j, y, x] for y in range(h) for x in range(w))
    torch.testing.assert_close(gram_matrix(maps), hand / (c * h * w))
    torch.testing.assert_close(gram_matrix(maps[None])[0], hand / (c * h * w))


def test_style_distance_is_the_squared_frobenius_norm() -> None:
    a, b = torch.tensor([[1.0, 2.0], [2.0, 5.0]]), torch.tensor([[0.0, 2.0], [2.0, 2.0]])
    assert style_distance(a, b) == pytest.approx(1.0 + 9.0)


def test_channels_that_fire_together_sit_together() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(2, 60))
    maps = np.stack([base[c % 2] + 0.01 * rng.normal(size=60) for c in range(8)])
    order = clustered_order(gram_matrix(torch.from_numpy(maps).reshape(8, 6, 10)).numpy())
    assert sorted(order.tolist()) == list(range(8))
    groups = [c % 2 for c in order]
    assert groups in ([0] * 4 + [1] * 4, [1] * 4 + [0] * 4)


def test_gram_job_is_the_layers_gram_and_distance(lenet) -> None:
    clf, images = lenet
    a, b = images.images[0], images.images[1]
    (view,) = gram_job(clf, a, "features.conv2.act", b)
    with torch.no_grad():
        maps = clf.model.features[:3](clf.normalize(torch.stack([a, b])))
    grams = gram_matrix(maps)
    np.testing.assert_allclose(view.gram, grams[0].numpy(), rtol=1e-5, atol=1e-7)
    assert view.distance == pytest.approx(float((grams[0] - grams[1]).pow(2).sum()), rel=1e-5)
    assert sorted(view.order.tolist()) == list(range(len(view.gram)))
    (alone,) = gram_job(clf, a, "features.conv2.act")
    assert alone.distance is None


def test_a_layer_without_a_map_is_refused(lenet) -> None:
    clf, images = lenet
    with pytest.raises(ValueError, match="has no spatial map; pick a layer whose output is"):
        list(gram_job(clf, images.images[0], "classifier"))
