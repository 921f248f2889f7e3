"""Reusing clean activations gives the same maps as full forward passes."""

import numpy as np
import pytest
import torch
from torch import nn

from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.occlusion.maps import occlusion_maps
from deepscope.core.occlusion.reuse import plan


def strided_net() -> nn.Sequential:
    """Padding, a stride-2 conv, a padded max-pool and an odd kernel: the awkward cases."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 5, stride=2, padding=2), nn.Tanh(),
        nn.MaxPool2d(3, stride=2, padding=1),
        nn.Conv2d(8, 4, (3, 1)), nn.LeakyReLU(),
        nn.Flatten(), nn.LazyLinear(10),
    )


@pytest.mark.parametrize("make, shape, window, stride", [
    (lambda: build_model(ModelSpec("lenet", 1, 28, 10)), (1, 28, 28), 7, 3),
    (lambda: build_model(ModelSpec("lenet", 1, 28, 10, activation="maxout")), (1, 28, 28), 5, 2),
    (lambda: build_model(ModelSpec("mini-vgg", 3, 32, 10)), (3, 32, 32), 8, 4),
    (strided_net, (3, 30, 26), (5, 7), (3, 2)),
])
def test_reuse_equals_full_forward(make, shape, window, stride):
    torch.manual_seed(0)
    model = make()
    model(torch.zeros(1, *shape))  # materialize lazy layers
    model.eval()
    assert plan(model) is not None, "the model should have a reusable conv prefix"
    image = torch.randn(shape)
    reused = occlusion_maps(model, image, 2, window, stride, 0.0, batch_size=16)
    full = occlusion_maps(model, image, 2, window, stride, 0.0, batch_size=16, reuse=False)
    for name in ("probability", "drop", "pixel"):
        np.testing.assert_allclose(getattr(reused, name), getattr(full, name), atol=1e-5)
    np.testing.assert_array_equal(reused.top_class, full.top_class)


def test_models_without_a_conv_prefix_are_not_planned():
    assert plan(build_model(ModelSpec("mlp", 1, 28, 10))) is None
    stages, _ = plan(build_model(ModelSpec("lenet", 1, 28, 10, activation="maxout")))
    assert len(stages) == 1  # the first conv (and its batch norm); maxout and on run in full
    assert plan(nn.Sequential(nn.Conv2d(1, 2, 3))) is None

