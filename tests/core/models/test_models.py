"""Classifier zoo: shapes, learning on a fixed batch, torchvision adapters, offline weights."""

from __future__ import annotations

import dataclasses
import io
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch
from torch import nn
from torchvision import models

from deepscope.core.models.activations import Maxout, make_activation, widen
from deepscope.core.models.build import build_model, count_parameters
from deepscope.core.models.spec import ACTIVATIONS, SMALL_MODELS, TORCHVISION_MODELS, ModelSpec
from deepscope.core.models.torchvision_zoo import WeightsUnavailable, weights_path


@pytest.fixture
def hub_dir(tmp_path: Path, monkeypatch):
    """An empty torch hub cache; yields its checkpoints folder. (TORCH_HOME, not
    torch.hub.set_dir: set_dir outlives the test and hides every later test's TORCH_HOME.)"""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    return tmp_path / "hub" / "checkpoints"


def _fit_losses(spec: ModelSpec, steps: int, lr: float = 3e-3) -> list[float]:
    torch.manual_seed(0)
    model = build_model(spec)
    x = torch.randn(16, spec.in_channels, spec.image_size, spec.image_size)
    y = torch.arange(16) % spec.num_classes
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert model(x).shape == (16, spec.num_classes)
    return losses


def fits(activations: tuple[str, ...]) -> list:
    """(model, activation) for every small model: the mini-* nets with sigmoid (3x the steps)
    or maxout (2x the channels) marked slow, at 1-3 s each on 2 cores."""
    return [pytest.param(name, activation, marks=pytest.mark.slow)
            if name.startswith("mini-") and activation in ("sigmoid", "maxout")
            else (name, activation) for name in SMALL_MODELS for activation in activations]


@pytest.mark.parametrize(("name", "activation"), fits(ACTIVATIONS))
def test_small_model_fits_a_grey_batch(name: str, activation: str) -> None:
    # Sigmoid saturates and learns slowly (the point of comparing activations): more steps.
    steps = 60 if activation == "sigmoid" else 20
    losses = _fit_losses(ModelSpec(name, 1, 28, 10, activation, dropout=0.1), steps)
    assert losses[-1] < 0.75 * losses[0]


@pytest.mark.parametrize(("name", "activation"), fits(("maxout",)))
def test_small_model_fits_a_colour_batch(name: str, activation: str) -> None:
    losses = _fit_losses(ModelSpec(name, 3, 32, 5, activation), steps=20)
    assert losses[-1] < 0.75 * losses[0]


@pytest.mark.parametrize("name", SMALL_MODELS)
def test_small_models_stay_small_and_take_64px(name: str) -> None:
    assert count_parameters(build_model(ModelSpec(name, 3, 32, 10))) < 1_500_000
    model = build_model(ModelSpec(name, 3, 64, 7, "tanh")).eval()
    assert model(torch.randn(2, 3, 64, 64)).shape == (2, 7)


def test_layers_have_readable_names() -> None:
    names = dict(build_model(ModelSpec("lenet", 1, 28, 10)).named_modules())
    assert {"features.conv1", "features.pool2", "classifier.fc3"} <= names.keys()
    resnet = dict(build_model(ModelSpec("mini-resnet", 1, 28, 10)).named_modules())
    assert "features.stage3.block2" in resnet


def test_maxout_takes_the_max_of_channel_pairs() -> None:
    x = torch.tensor([1.0, 5.0, -2.0, -3.0]).view(1, 4, 1, 1)
    assert Maxout(2)(x).flatten().tolist() == [5.0, -2.0]
    assert widen("maxout") == 2 and widen("relu") == 1
    assert isinstance(make_activation("maxout"), Maxout)


def test_unknown_activation_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="relu, leaky_relu, tanh, sigmoid, maxout"):
        make_activation("swish")


@pytest.mark.parametrize("name", TORCHVISION_MODELS)
def test_torchvision_model_takes_small_grey_images(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(ModelSpec(name, 1, 28, 10)).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)


def test_missing_pretrained_weights_name_the_expected_file(hub_dir: Path) -> None:
    path = weights_path("resnet18")
    assert path.parent == hub_dir
    with pytest.raises(WeightsUnavailable, match=re.escape(str(path))):
        build_model(ModelSpec("resnet18", 3, 32, 10, pretrained=True))


def _googlenet_with_aux() -> nn.Module:
    return models.googlenet(aux_logits=True, init_weights=False)


@pytest.mark.parametrize(
    ("name", "reference", "first_conv"),
    [
        ("resnet18", models.resnet18, "conv1.weight"),
        ("googlenet", _googlenet_with_aux, "conv1.conv.weight"),
    ],
)
def test_pretrained_weights_load_from_the_hub_cache(
    hub_dir: Path, name: str, reference, first_conv: str
) -> None:
    state = reference().state_dict()
    hub_dir.mkdir(parents=True)
    torch.save(state, weights_path(name))
    model = build_model(ModelSpec(name, 1, 28, 10, pretrained=True))
    assert torch.equal(model.net.state_dict()[first_conv], state[first_conv])
    assert model.net.fc.out_features == 10


class _FakeResponse(io.BytesIO):
    def __init__(self, payload: bytes) -> None:
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


def test_download_streams_into_the_cache_with_progress(hub_dir: Path, monkeypatch) -> None:
    state = models.resnet18().state_dict()
    payload = io.BytesIO()
    torch.save(state, payload)
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout: _FakeResponse(payload.getvalue())
    )
    calls: list[tuple[int, int]] = []
    spec = ModelSpec("resnet18", 3, 32, 1000, pretrained=True)
    model = build_model(
        spec, download=True, progress=lambda done, total: calls.append((done, total))
    )
    assert weights_path("resnet18").is_file()
    assert calls[-1] == (len(payload.getvalue()),) * 2 and len(calls) > 1
    assert torch.equal(model.net.fc.weight, state["fc.weight"])


def test_download_offline_raises_weights_unavailable(hub_dir: Path, monkeypatch) -> None:
    def offline(url: str, timeout: float) -> None:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(WeightsUnavailable, match="offline"):
        build_model(ModelSpec("resnet18", 3, 32, 10, pretrained=True), download=True)
    assert list(hub_dir.iterdir()) == []


VALID = ModelSpec("lenet", 1, 28, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "resnet999"}, "mlp, lenet"),
        ({"activation": "swish"}, "choose one of"),
        ({"in_channels": 2}, "in_channels"),
        ({"image_size": 7}, "image_size"),
        ({"image_size": 513}, "image_size"),
        ({"num_classes": 1}, "num_classes"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"pretrained": True}, "pretrained"),
    ],
)
def test_invalid_specs_are_refused(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_model(dataclasses.replace(VALID, **change))
