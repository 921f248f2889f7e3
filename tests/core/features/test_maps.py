"""Filters against the weights, activations against capture and softmax, the layer tree, and
the crops of a unit scan against the dataset's pixels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from deepscope.core.data import ArrayImage, DatasetImage
from deepscope.core.features import (
    Activations,
    Filters,
    LayerTree,
    UnitScan,
    activations_job,
    filters_job,
    layers_job,
    patches_job,
    unit_scan_job,
)
from deepscope.core.features.maps import activations, filter_tiles, filter_weights
from deepscope.core.features.patches import unit_patches
from deepscope.core.models.geometry import ReceptiveField
from deepscope.core.models.hooks import capture
from deepscope.core.runs.inputs import InputCache
from deepscope.core.runs.sources import RunModel

CONV1, CONV2 = "features.conv1.conv", "features.conv2.conv"


@pytest.fixture(scope="module")
def source(classifier_run) -> tuple[InputCache, RunModel]:
    return InputCache("cpu"), RunModel(classifier_run.dir)


def only(job):
    (event,) = list(job)
    return event


def test_tiles_are_the_weights_scaled_per_filter_and_per_layer() -> None:
    w = torch.tensor([[[[1.0, -2.0]], [[0.5, 0.0]]], [[[4.0, 0.0]], [[-1.0, 2.0]]]])  # 2x2x1x2
    tiles, mode = filter_tiles(w, 1, "filter")
    assert mode == "input channel 1"
    np.testing.assert_allclose(tiles[:, 0, 0], [[1.0, 0.5], [0.25, 1.0]])  # 0.5 + w / 2 max|w|
    tiles, _ = filter_tiles(w, 0, "layer")  # the layer's largest |w| over channel 0: 4
    np.testing.assert_allclose(tiles[:, 0, 0], [[0.625, 0.25], [1.0, 0.5]])
    tiles, mode = filter_tiles(w, None, "filter")  # 2 inputs: the L2 norm over them
    assert mode == "L2 norm over 2 inputs"
    norms = np.array([[np.hypot(1, 0.5), 2.0], [np.hypot(4, 1), 2.0]])
    np.testing.assert_allclose(tiles[:, 0, 0], norms / norms.max(1, keepdims=True), rtol=1e-6)
    rgb = torch.randn(4, 3, 5, 5)
    tiles, mode = filter_tiles(rgb, None, "layer")
    assert mode == "RGB" and tiles.shape == (4, 3, 5, 5)
    np.testing.assert_allclose(tiles, 0.5 + rgb / (2 * rgb.abs().max()), rtol=1e-6)
    with pytest.raises(ValueError, match="input channel 3 is out of range.*3 input channels"):
        filter_tiles(rgb, 3, "filter")


def test_filters_of_a_run_sorted_by_norm(source) -> None:
    cache, model = source
    weights = cache.classifier(model).model.get_submodule(CONV2).weight.detach()
    f = only(filters_job(cache, model, CONV2, channel=None, scale="layer", sort=True))
    assert isinstance(f, Filters) and f.tiles.shape == (16, 1, 5, 5) and f.scale == "layer"
    norm = weights.flatten(1).norm(dim=1).numpy()
    np.testing.assert_array_equal(f.channel, np.argsort(-norm, kind="stable"))
    np.testing.assert_allclose(f.norm, norm[f.channel], rtol=1e-6)
    np.testing.assert_array_equal(f.weights, weights.numpy())
    shown = weights.norm(dim=1)[f.channel]  # 6 inputs: the norm over them, per layer
    np.testing.assert_allclose(f.tiles[:, 0], shown / shown.max(), rtol=1e-6)
    first = only(filters_job(cache, model, CONV1))
    assert first.mode == "grey" and list(first.channel) == list(range(6))


def test_filters_of_a_first_linear_layer_take_the_image_shape(source) -> None:
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 7), nn.ReLU(), nn.Linear(7, 10))
    clf = replace(source[0].classifier(source[1]), model=mlp)
    torch.testing.assert_close(filter_weights(clf, "1"), mlp[1].weight.reshape(7, 1, 28, 28))
    with pytest.raises(ValueError, match=r"'3' \(Linear\) has no filters.*convolution: 1$"):
        filter_weights(clf, "3")


def test_activations_equal_capture_and_top5_softmax(source) -> None:
    cache, model = source
    clf = cache.classifier(model)
    pixels = cache.dataset(clf).images[7]
    event = activations(clf, pixels, CONV2, label=3)
    with torch.no_grad(), capture(clf.model, [CONV2, "features.conv2.act"]) as seen:
        probs = clf.model(clf.normalize(pixels[None])).softmax(1)[0]
    np.testing.assert_allclose(event.maps, seen[CONV2][0].numpy(), rtol=1e-6, atol=1e-6)
    top = probs.topk(5)
    assert [k for k, _ in event.top5] == top.indices.tolist()
    np.testing.assert_allclose([p for _, p in event.top5], top.values.numpy(), rtol=1e-6)
    assert event.label == 3 and np.array_equal(event.image, pixels.numpy())
    peak = max(abs(seen[name]).max().item() for name in seen)  # two 4-D maps of many
    assert event.peak >= peak - 1e-6 and event.peak >= np.abs(event.maps).max()
    vector = activations(clf, pixels, "classifier.fc1.fc")
    assert vector.maps.shape == (120, 1, 1)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in clf.model.modules())


def test_activation_jobs_take_any_image_and_name_bad_layers(source) -> None:
    cache, model = source
    drawn = np.zeros((280, 280, 3), np.uint8)
    drawn[40:240, 130:150] = 255
    event = only(activations_job(cache, model, ArrayImage(drawn), CONV1))
    assert isinstance(event, Activations) and event.maps.shape == (6, 28, 28)
    assert event.image[0, 14, 14] > 200 and event.image[0, 14, 2] == 0 and event.label is None
    labelled = only(activations_job(cache, model, DatasetImage(5), CONV1))
    assert labelled.label == int(cache.dataset(cache.classifier(model)).labels[5])
    with pytest.raises(ValueError, match="has no layer 'conv9'; its layers are: features, "):
        only(activations_job(cache, model, DatasetImage(5), "conv9"))
    with pytest.raises(ValueError, match="no filters to show.*features.conv1.conv, "):
        only(filters_job(cache, model, "features.conv1.bn"))


def test_layer_tree_names_every_module_with_its_shape(source) -> None:
    cache, model = source
    tree = only(layers_job(cache, model))
    assert isinstance(tree, LayerTree) and tree.shape == (1, 28, 28) and len(tree.classes) == 10
    shapes = {layer.name: layer.output_shape for layer in tree.tree.walk()}
    assert shapes[CONV1] == (6, 28, 28) and shapes["classifier.fc3"] == (10,)


def test_patches_are_crops_pushed_where_the_border_clipped_them() -> None:
    images = torch.arange(2 * 36, dtype=torch.uint8).reshape(2, 1, 6, 6)
    box = np.array([[[0, 0, 2, 3], [1, 2, 4, 5]], [[3, 4, 6, 6], [0, 0, 1, 1]]])  # C x K x 4
    field = ReceptiveField("conv", None, (6, 6), (4, 4), (1, 1, 4, 4), (1, 1))
    scan = UnitScan("conv", np.array([[1, 0], [0, 1]]), *np.zeros((2, 2, 2), np.int64),
                    np.ones((2, 2), np.float32), box, field)
    first = unit_patches(images, scan, 0).patches  # tiles of 3 x 3
    np.testing.assert_array_equal(first[0, 0], [[0, 0, 0], [36, 37, 38], [42, 43, 44]])
    np.testing.assert_array_equal(first[1, 0], [[8, 9, 10], [14, 15, 16], [20, 21, 22]])
    second = unit_patches(images, scan, 1).patches  # 3 x 2 tiles; the corner pixel at the far
    np.testing.assert_array_equal(second[1, 0], [[0, 0], [0, 0], [0, 36]])  # side of both
    np.testing.assert_array_equal(second[0, 0], [[22, 23], [28, 29], [34, 35]])
    with pytest.raises(ValueError, match="channel 2 is out of range: .* 2 channels"):
        unit_patches(images, scan, 2)


def test_patches_job_crops_a_scan_of_the_run(source) -> None:
    cache, model = source
    clf = cache.classifier(model)
    images = cache.dataset(clf)
    *_, scan = unit_scan_job(clf, images, np.arange(60), CONV2, top=4)
    p = only(patches_job(cache, model, scan, 9))
    assert p.channel == 9 and p.layer == CONV2 and p.patches.shape[:2] == (4, 1)
    np.testing.assert_array_equal(p.patches, unit_patches(images.images, scan, 9).patches)
