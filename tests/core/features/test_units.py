"""The unit scan against a brute-force loop over the images, its receptive fields against the
geometry module, and cancelling it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from deepscope.core.features import UnitScan, unit_scan_job
from deepscope.core.jobs import ProgressEvent
from deepscope.core.models.geometry import receptive_field, unit_boxes

LAYER = "features.conv2.conv"  # before any ReLU: no ties among the maxima
INDICES = np.arange(3, 40, 2)  # 19 images, not from 0: indices must be the dataset's


def scan(lenet, indices=INDICES, layer=LAYER, top=5, batch_size=4) -> UnitScan:
    *progress, result = unit_scan_job(*lenet, indices, layer, top, batch_size)
    assert [p.done for p in progress] == [*range(batch_size, len(indices), batch_size),
                                          len(indices)]
    assert all(isinstance(p, ProgressEvent) and p.total == len(indices) for p in progress)
    return result


def brute_force(lenet, indices: np.ndarray, layer: str) -> torch.Tensor:
    """Every image's map maximum per channel, one image at a time: N x C."""
    clf, images = lenet
    maps: list[torch.Tensor] = []
    handle = clf.model.get_submodule(layer).register_forward_hook(
        lambda _m, _i, out: maps.append(out[0].clone()))
    for i in indices:
        with torch.no_grad():
            clf.model(clf.normalize(images.images[i : i + 1]))
    handle.remove()
    return torch.stack([m.flatten(1).max(1).values for m in maps])


def test_scan_equals_a_brute_force_loop(lenet) -> None:
    result = scan(lenet)
    maxima = brute_force(lenet, INDICES, LAYER)  # N x C
    expected = maxima.T.sort(1, descending=True)
    assert result.value.shape == (16, 5)
    np.testing.assert_allclose(result.value, expected.values[:, :5].numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(result.index, INDICES[expected.indices[:, :5].numpy()])


def test_positions_hold_the_reported_values(lenet) -> None:
    clf, images = lenet
    result = scan(lenet, top=3)
    with torch.no_grad():
        maps = clf.model.features[:2](clf.normalize(images.images[result.index.flatten()]))
        maps = clf.model.features.conv2.conv(maps)
    channels = np.repeat(np.arange(16), 3)
    at = maps[range(len(channels)), channels, result.y.flatten(), result.x.flatten()]
    np.testing.assert_allclose(at.numpy(), result.value.flatten(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.value, maps.amax((2, 3))[range(len(channels)), channels]
                               .reshape(16, 3).numpy(), rtol=1e-5, atol=1e-5)


def test_top_larger_than_the_images_keeps_each_image_once(lenet) -> None:
    indices = np.array([5, 1, 8])
    result = scan(lenet, indices, "features.conv1", top=9, batch_size=2)
    assert result.value.shape == (6, 3)
    assert all(sorted(row) == [1, 5, 8] for row in result.index.tolist())
    assert (np.diff(result.value, axis=1) <= 0).all()


def test_boxes_are_the_geometry_modules(lenet) -> None:
    clf, _ = lenet
    result = scan(lenet)
    shape = (1, 28, 28)
    places = list(zip(result.y.flat, result.x.flat, strict=True))
    assert result.box.reshape(-1, 4).tolist() == [list(b) for b in
                                                  unit_boxes(clf.model, LAYER, shape, places)]
    assert result.field == receptive_field(clf.model, LAYER, shape)
    assert result.field.size == (14, 14)  # conv 5, pool 2, conv 5: 5 + 1 + 2 * 4
    assert result.field.offset == (-2, -2)  # conv1's padding of 2


def test_cancelling_mid_scan_leaves_no_hook(lenet) -> None:
    clf, _ = lenet
    job = unit_scan_job(*lenet, INDICES, LAYER, 5, 4)
    assert isinstance(next(job), ProgressEvent)
    job.close()
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in clf.model.modules())


def test_bad_layers_are_refused_in_words(lenet) -> None:
    with pytest.raises(ValueError, match=r"no layer 'conv9'.*features\.conv1\.conv"):
        next(unit_scan_job(*lenet, INDICES, "conv9"))
    with pytest.raises(ValueError, match="'classifier.fc1.fc' has no spatial map"):
        next(unit_scan_job(*lenet, INDICES, "classifier.fc1.fc"))
    with pytest.raises(ValueError, match="at least 1"):
        next(unit_scan_job(*lenet, INDICES, LAYER, top=0))


def test_a_map_that_is_not_translation_equivariant_is_measured_unit_by_unit() -> None:
    """A transposed map: the centre unit's field moved by the stride is wrong, and the scan
    says what the model's own gradient says for every unit."""
    from deepscope.core.data.imageset import ImageSet
    from tests.core.features.nets import classifier
    from tests.core.models.test_geometry import Transposed

    torch.manual_seed(0)
    clf = classifier(nn.Sequential(Transposed(), nn.Flatten(), nn.Linear(2 * 8 * 9, 3)), 1, 20, 3)
    images = torch.randint(0, 256, (12, 1, 20, 20), dtype=torch.uint8)
    data = ImageSet("random", images, torch.zeros(12, dtype=torch.long), ("a", "b", "c"))
    *_, result = unit_scan_job(clf, data, np.arange(12), "0.out", 4, 5)
    places = list(zip(result.y.flat, result.x.flat, strict=True))
    exact = unit_boxes(clf.model, "0.out", (1, 20, 20), places)
    assert result.box.reshape(-1, 4).tolist() == [list(b) for b in exact]
    assert any(list(result.field.box(*p)) != list(b) for p, b in zip(places, exact, strict=True))
