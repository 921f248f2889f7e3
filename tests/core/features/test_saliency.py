"""Backprop views against Captum (an independent implementation) and autograd by hand, on a
small CNN and the stored LeNet; the note for nets without ReLU modules; bad input in words."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from captum.attr import Deconvolution, GuidedBackprop, LayerGradCam, Saliency
from torch import nn

from deepscope.core.features import attribution, relu_note, saliency_job
from deepscope.core.features.events import Attribution, ClassTarget, UnitTarget
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.loader import Classifier
from tests.core.features import nets

pytestmark = pytest.mark.filterwarnings("ignore:Setting backward hooks on ReLU")
EXPLAINERS = {"gradient": Saliency, "guided": GuidedBackprop, "deconv": Deconvolution}
KLASS = 3


def reference(model: nn.Module, x: torch.Tensor, method: str, target: int,
              layer: str | None = None) -> np.ndarray:
    """Captum's attribution of the model's output `target` for input `x` (1 x C x H x W)."""
    x = x.clone().requires_grad_()
    if method == "gradcam":
        cam = LayerGradCam(model, model.get_submodule(layer))
        return cam.attribute(x, target, relu_attributions=True)[0, 0].detach().numpy()
    extra = {"abs": False} if method == "gradient" else {}
    return EXPLAINERS[method](model).attribute(x, target, **extra)[0].detach().numpy()


@pytest.fixture(params=["tiny", "lenet"])
def case(request: pytest.FixtureRequest) -> tuple[Classifier, torch.Tensor, str]:
    """A classifier, one image of its and a layer with a spatial map."""
    if request.param == "tiny":
        return nets.tiny(), nets.pixels((3, nets.SIZE, nets.SIZE)), "conv2"
    clf, images = request.getfixturevalue("lenet")
    return clf, images.images[7], "features.conv2"


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal within 1e-5, or 1e-5 of the values' scale where it is below 1 (the untrained
    LeNet's Grad-CAM peaks at 2e-4), and never all zero."""
    scale = np.abs(expected).max()
    assert actual.shape == expected.shape and scale > 0
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5 * min(scale, 1))


@pytest.mark.parametrize("method", EXPLAINERS)
def test_gradients_equal_captums(case, method: str) -> None:
    clf, pixels, _ = case
    result = attribution(clf, pixels, ClassTarget(KLASS), method)
    x = clf.normalize(pixels[None])
    np.testing.assert_array_equal(result.input, x.numpy())
    assert result.score == pytest.approx(clf.model(x)[0, KLASS].item(), abs=1e-6)
    assert (result.method, result.layer, result.upsampled) == (method, None, None)
    close(result.values, reference(clf.model, x, method, KLASS))


def test_gradcam_equals_captums_and_upsamples_bilinearly(case) -> None:
    clf, pixels, layer = case
    result = attribution(clf, pixels, ClassTarget(KLASS), "gradcam", layer)
    x = torch.from_numpy(result.input)
    close(result.values, reference(clf.model, x, "gradcam", KLASS, layer))
    upsampled = F.interpolate(torch.from_numpy(result.values)[None, None], size=pixels.shape[1:],
                              mode="bilinear", align_corners=False)[0, 0]
    np.testing.assert_allclose(result.upsampled, upsampled.numpy(), rtol=0, atol=1e-7)
    assert result.layer == layer


@pytest.mark.parametrize("where", [(None, None), (2, 1)])
def test_a_unit_targets_gradient_is_autograds_by_hand(case, where) -> None:
    clf, pixels, layer = case
    target = UnitTarget(layer, 5, *where)
    result = attribution(clf, pixels, target, "gradient")
    x = torch.from_numpy(result.input).requires_grad_()
    upto = clf.model.conv2 if layer == "conv2" else clf.model.features.conv2
    below = clf.model[:3] if layer == "conv2" else clf.model.features[:2]
    maps = upto(below(x))[0, 5]
    score = maps.mean() if where == (None, None) else maps[where]
    (grad,) = torch.autograd.grad(score, x)
    assert result.score == pytest.approx(score.item(), abs=1e-6)
    close(result.values, grad[0].numpy())


class ChannelMeans(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean((2, 3))


@pytest.mark.parametrize("method", ["guided", "deconv"])
def test_a_unit_targets_rules_equal_captums_on_the_net_up_to_the_unit(method: str) -> None:
    clf = nets.tiny()
    pixels = nets.pixels((3, nets.SIZE, nets.SIZE), seed=1)
    result = attribution(clf, pixels, UnitTarget("act2", 4), method)
    truncated = nn.Sequential(*clf.model[:5], ChannelMeans())  # up to act2, then its means
    close(result.values, reference(truncated, torch.from_numpy(result.input), method, 4))


def test_the_job_yields_the_one_attribution() -> None:
    clf, pixels = nets.tiny(), nets.pixels((3, nets.SIZE, nets.SIZE))
    (event,) = saliency_job(clf, pixels, ClassTarget(1), "gradcam", "conv1")
    assert isinstance(event, Attribution)
    direct = attribution(clf, pixels, ClassTarget(1), "gradcam", "conv1")
    np.testing.assert_array_equal(event.values, direct.values)
    assert event.values.shape == (nets.SIZE, nets.SIZE)


@pytest.mark.parametrize(("activation", "kind"), [
    ("tanh", "Tanh"), ("sigmoid", "Sigmoid"), ("leaky_relu", "LeakyReLU"), ("maxout", "Maxout"),
])
def test_nets_without_relu_modules_get_a_note(activation: str, kind: str) -> None:
    model = build_model(ModelSpec("lenet", 1, 28, 10, activation=activation))
    note = relu_note(model)
    assert note is not None
    assert f"its activations are {kind})" in note
    assert "guided backprop and deconvnet" in note
    clf = nets.classifier(model, 1, 28, 10)
    pixels = nets.pixels((1, 28, 28))
    for method in ("guided", "deconv"):
        with pytest.raises(ValueError, match=re.escape(note)):
            attribution(clf, pixels, ClassTarget(0), method)
    assert np.abs(attribution(clf, pixels, ClassTarget(0), "gradient").values).max() > 0


class Functional(nn.Module):
    """A net whose activations are function calls, not modules, with a layer it never runs."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 2)
        self.spare = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(F.relu(self.conv(x)).mean((2, 3)))


def test_the_note_names_function_calls_and_relu_nets_get_none() -> None:
    note = relu_note(Functional())
    assert note is not None and "(its activations may be function calls)" in note
    assert relu_note(nets.tiny().model) is None
    assert relu_note(build_model(ModelSpec("mini-resnet", 3, 32, 10))) is None


def test_a_layer_the_forward_pass_skips_is_named() -> None:
    clf = nets.classifier(Functional(), 3, nets.SIZE, 2)
    with pytest.raises(ValueError, match="layer 'spare' did not run in the model's forward"):
        attribution(clf, nets.pixels(IMAGE), ClassTarget(0), "gradcam", "spare")


IMAGE = (3, nets.SIZE, nets.SIZE)
LAYERS = "conv1, act1, pool, conv2, act2, flatten, fc"


@pytest.mark.parametrize(("method", "layer", "target", "shape", "message"), [
    ("saliency", None, ClassTarget(0), IMAGE,
     "unknown backprop view 'saliency'; choose one of: gradient, guided, deconv, gradcam"),
    ("gradcam", None, ClassTarget(0), IMAGE, "gradcam needs a layer: one with a spatial map"),
    ("guided", "conv1", ClassTarget(0), IMAGE, "a layer is only for gradcam, not guided"),
    ("gradcam", "conv9", ClassTarget(0), IMAGE,
     f"Sequential has no layer 'conv9'; its layers are: {LAYERS}"),
    ("gradient", None, UnitTarget("conv9", 0), IMAGE, "Sequential has no layer 'conv9'"),
    ("gradcam", "fc", ClassTarget(0), IMAGE, "layer 'fc' has no spatial map; pick a layer whose "
     "output is channels x height x width"),
    ("gradient", None, ClassTarget(5), IMAGE,
     "class 5 is out of range for the model: pick 0 to 4"),
    ("gradient", None, ClassTarget(-1), IMAGE, "class -1 is out of range"),
    ("deconv", None, UnitTarget("conv1", 4), IMAGE,
     "channel 4 is out of range for layer 'conv1': pick 0 to 3"),
    ("gradient", None, UnitTarget("conv1", 0, y=1), IMAGE,
     "a unit needs both its row y and its column x"),
    ("gradient", None, UnitTarget("conv1", 0, y=8, x=0), IMAGE,
     "row y 8 is out of range for layer 'conv1': pick 0 to 7"),
    ("gradient", None, UnitTarget("conv1", 0, y=0, x=-2), IMAGE, "column x -2 is out of range"),
    ("gradient", None, UnitTarget("fc", 0, y=0, x=0), IMAGE, "layer 'fc' has no spatial map"),
    ("gradcam", "conv2", UnitTarget("conv1", 0), IMAGE,
     "the target does not depend on layer 'conv2': pick a Grad-CAM layer that runs before"),
    ("gradient", None, ClassTarget(0), (1, *IMAGE),
     "expected one image of 3 x height x width pixels, got shape (1, 3, 8, 8)"),
    ("gradient", None, ClassTarget(0), (1, nets.SIZE, nets.SIZE), "expected one image of 3"),
])
def test_bad_input_is_refused_in_words(method, layer, target, shape, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        attribution(nets.tiny(), nets.pixels(shape), target, method, layer)
