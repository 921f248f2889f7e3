"""Hooks of the backprop views: none is left after many calls (failed ones too), and
torchvision's in-place ReLUs neither corrupt captured activations nor the views."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision
from captum.attr import GuidedBackprop, LayerGradCam
from torch import nn
from torch.nn.modules import module as torch_module

from deepscope.core.features import attribution
from deepscope.core.features.events import ClassTarget, UnitTarget
from deepscope.core.models.hooks import capture
from deepscope.core.runs.loader import Classifier
from tests.core.features import nets

HOOKS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
VIEWS = [("gradient", None), ("guided", None), ("deconv", None), ("gradcam", "conv2")]


def hooked(model: nn.Module) -> list[str]:
    """Every 'module: kind' that holds a hook, and any global module hook."""
    held = [f"{name or 'model'}: {kind}" for name, m in model.named_modules()
            for kind in HOOKS if getattr(m, kind)]
    return held + [kind for kind in ("_global_forward_hooks", "_global_forward_pre_hooks",
                                     "_global_backward_hooks") if getattr(torch_module, kind)]


def outputs(clf: Classifier, pixels: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return clf.model(clf.normalize(pixels[None]))


@pytest.mark.slow  # 4000 calls: 3 s alone, 11 s beside other work on 2 cores
def test_a_thousand_calls_of_every_view_leave_no_hook() -> None:
    clf = nets.tiny()
    pixels = nets.pixels((3, nets.SIZE, nets.SIZE))
    before, state = outputs(clf, pixels), copy.deepcopy(clf.model.state_dict())
    for method, layer in VIEWS:
        for i in range(1000):
            target = ClassTarget(i % 5) if i % 2 else UnitTarget("act2", i % 6, i % 4, i % 3)
            attribution(clf, pixels, target, method, layer)
        for i in range(10):  # refused after the forward pass, inside the hooks' block
            with pytest.raises(ValueError, match="out of range"):
                attribution(clf, pixels, UnitTarget("act1", 4 + i), method, layer)
    assert hooked(clf.model) == []
    torch.testing.assert_close(outputs(clf, pixels), before, rtol=0, atol=0)
    assert all(torch.equal(v, state[k]) for k, v in clf.model.state_dict().items())
    assert all(p.grad is None for p in clf.model.parameters())


@pytest.fixture(scope="module")
def resnet() -> Classifier:
    """torchvision's ResNet-18 (random weights, 10 classes): its ReLUs are in place."""
    torch.manual_seed(0)
    return nets.classifier(torchvision.models.resnet18(num_classes=10), 3, 32, 10)


@pytest.fixture(scope="module")
def copied(resnet: Classifier) -> Classifier:
    """The same ResNet-18 with every ReLU out of place."""
    model = copy.deepcopy(resnet.model)
    for m in model.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    return nets.classifier(model, 3, 32, 10)


PIXELS = nets.pixels((3, 32, 32), seed=2)


def test_an_in_place_relu_does_not_corrupt_captured_activations(resnet: Classifier) -> None:
    m, block = resnet.model, resnet.model.layer1[0]
    x = resnet.normalize(PIXELS[None])
    with torch.no_grad(), capture(m, ["bn1", "layer1.0.bn1", "layer1.0.bn2"]) as seen:
        m(x)
        stem = m.bn1(m.conv1(x))  # by hand, every ReLU out of place
        first = block.bn1(block.conv1(m.maxpool(F.relu(stem))))
        second = block.bn2(block.conv2(F.relu(first)))  # the block adds its input in place
    assert (stem < 0).any() and (first < 0).any() and (second < 0).any()
    for name, expected in (("bn1", stem), ("layer1.0.bn1", first), ("layer1.0.bn2", second)):
        torch.testing.assert_close(seen[name], expected, rtol=0, atol=0)


def test_views_at_a_layer_an_in_place_relu_follows(resnet: Classifier, copied) -> None:
    result = attribution(resnet, PIXELS, ClassTarget(4), "gradcam", "layer1.0.bn1")
    x = torch.from_numpy(result.input).requires_grad_()
    cam = LayerGradCam(copied.model, copied.model.layer1[0].bn1)
    expected = cam.attribute(x, 4, relu_attributions=True)[0, 0].detach()
    assert expected.max() > 0
    np.testing.assert_allclose(result.values, expected.numpy(), rtol=0, atol=1e-5)

    unit = attribution(resnet, PIXELS, UnitTarget("bn1", 3), "gradient")
    score = resnet.model.bn1(resnet.model.conv1(x))[0, 3].mean()  # before the in-place ReLU
    (grad,) = torch.autograd.grad(score, x)
    assert unit.score == pytest.approx(score.item(), abs=1e-6)
    np.testing.assert_allclose(unit.values, grad[0].numpy(), rtol=0, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Setting backward hooks on ReLU")
@pytest.mark.parametrize("method", ["guided", "deconv"])
def test_rules_on_in_place_relus_equal_those_on_a_copy_without(resnet, copied, method) -> None:
    before = outputs(resnet, PIXELS)
    result = attribution(resnet, PIXELS, ClassTarget(7), method)
    on_copy = attribution(copied, PIXELS, ClassTarget(7), method)
    assert np.abs(result.values).max() > 0
    np.testing.assert_array_equal(result.values, on_copy.values)
    if method == "guided":  # Captum's hooks need ReLUs out of place
        x = torch.from_numpy(result.input).requires_grad_()
        expected = GuidedBackprop(copied.model).attribute(x, 7)[0].detach().numpy()
        np.testing.assert_allclose(result.values, expected, rtol=0, atol=1e-5)
    assert all(m.inplace for m in resnet.model.modules() if isinstance(m, nn.ReLU))
    assert hooked(resnet.model) == []
    torch.testing.assert_close(outputs(resnet, PIXELS), before, rtol=0, atol=0)
