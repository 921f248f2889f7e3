"""Activation maximization: it raises its target far above where it starts and above random
images, keeps pixels in [0, 1], reports values of exactly the input it shows, refuses what the
model does not have before any step, is deterministic for a seed and leaves the model as it was."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from deepscope.core.features import DreamSettings, dream_job
from deepscope.core.features import dream as dream_module
from deepscope.core.features.dream_settings import MAX_STEPS
from deepscope.core.features.events import ClassTarget, DreamFrame, Target, UnitTarget
from deepscope.core.models.build import build_model
from deepscope.core.models.spec import ModelSpec
from deepscope.core.runs.loader import Classifier
from tests.core.features.nets import classifier

CONV = "features.conv2.conv"  # LeNet's second conv: 16 x 10 x 10, before its ReLU
STEPS = DreamSettings(steps=40, seeds=(0, 1), frame_every=20)


@pytest.fixture(scope="module")
def resnet32() -> Classifier:
    """The zoo's mini-resnet on 32 px RGB, He-initialized: PyTorch's default weights (variance
    1 / (3 fan-in)) shrink the signal at every layer, so an untrained deep net's logits hardly
    depend on its input, where a trained net's do."""
    torch.manual_seed(0)
    model = build_model(ModelSpec("mini-resnet", 3, 32, 10))
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    return classifier(model, 3, 32, 10)


def frames(clf: Classifier, target: Target, settings: DreamSettings = STEPS) -> list[DreamFrame]:
    items = list(dream_job(clf, target, settings))
    assert len(items) == settings.steps + 1  # a frame at step 0, then one item a step
    return [item for item in items if item is not None]


def reference(clf: Classifier, target: Target, x: torch.Tensor) -> torch.Tensor:
    """The objective on normalized inputs `x`, computed here with a hook of this test's own."""
    if isinstance(target, ClassTarget):
        with torch.no_grad():
            return clf.model(x)[:, target.klass]
    maps: list[torch.Tensor] = []
    layer = clf.model.get_submodule(target.layer)
    handle = layer.register_forward_hook(lambda _m, _i, out: maps.append(out.clone()))
    try:
        with torch.no_grad():
            clf.model(x)
    finally:
        handle.remove()
    channel = maps[0][:, target.channel]
    return channel.mean((1, 2)) if target.y is None else channel[:, target.y, target.x]


def best_of_random_images(clf: Classifier, target: Target, n: int = 64) -> float:
    size = clf.image_size
    pixels = torch.rand(n, clf.channels, size, size, generator=torch.Generator().manual_seed(0))
    return float(reference(clf, target, (pixels - clf.mean) / clf.std).max())


def assert_dreams(clf: Classifier, target: Target) -> None:
    shown = frames(clf, target)
    first, last = shown[0], shown[-1]
    assert [f.step for f in shown] == [0, 20, 40] and last.steps == 40
    for f in shown:
        assert f.images.shape == (2, clf.channels, clf.image_size, clf.image_size)
        assert f.images.min() >= 0 and f.images.max() <= 1
        mean, std = (np.array(s, np.float32)[:, None, None] for s in (f.mean, f.std))
        np.testing.assert_allclose(f.input, (f.images - mean) / std, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(f.values, reference(clf, target, torch.from_numpy(f.input)),
                                   rtol=1e-4, atol=1e-5)
    assert last.values.min() > first.values.max()
    assert last.values.min() > best_of_random_images(clf, target)


@pytest.mark.parametrize("target", [ClassTarget(3), UnitTarget(CONV, 5), UnitTarget(CONV, 5, 4, 6)],
                         ids=["class", "channel", "unit"])
def test_lenet_28px_gray_dreams_its_target(lenet, target: Target) -> None:
    assert_dreams(lenet[0], target)


@pytest.mark.slow
@pytest.mark.parametrize("target", [ClassTarget(3), UnitTarget("features.stage2.block1.act", 5)],
                         ids=["class", "channel"])
def test_resnet_32px_rgb_dreams_its_target(resnet32: Classifier, target: Target) -> None:
    assert_dreams(resnet32, target)


def test_a_seed_dreams_the_same_image_every_time_alone_or_beside_others(lenet) -> None:
    clf, settings = lenet[0], DreamSettings(steps=15, seeds=(0, 1))
    once, again = (frames(clf, ClassTarget(1), settings)[-1] for _ in range(2))
    np.testing.assert_array_equal(once.images, again.images)
    alone = frames(clf, ClassTarget(1), DreamSettings(steps=15, seeds=(1,)))
    np.testing.assert_allclose(alone[-1].images[0], once.images[1], atol=1e-4)
    assert np.abs(once.images[0] - once.images[1]).max() > 0.1  # seeds differ


def test_transforms_off_still_dream_another_image(lenet) -> None:
    settings = DreamSettings(steps=40, seeds=(0,), frame_every=40, transforms=False)
    first, last = frames(lenet[0], ClassTarget(3), settings)
    assert last.values[0] > first.values[0]
    moved = frames(lenet[0], ClassTarget(3), replace(settings, transforms=True))[-1]
    assert np.abs(moved.images - last.images).max() > 0.1


def test_frames_follow_the_clock_when_no_step_count_is_given(lenet, monkeypatch) -> None:
    settings = DreamSettings(steps=5, seeds=(0,))
    monkeypatch.setattr(dream_module, "EMIT_INTERVAL", 3600.0)
    assert [f.step for f in frames(lenet[0], ClassTarget(0), settings)] == [0, 5]
    monkeypatch.setattr(dream_module, "EMIT_INTERVAL", 0.0)
    assert [f.step for f in frames(lenet[0], ClassTarget(0), settings)] == [0, 1, 2, 3, 4, 5]


def test_an_in_place_relu_after_the_layer_does_not_change_its_value() -> None:
    """torchvision's ReLU(inplace=True) overwrites a conv's map: the value must be the conv's."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(inplace=True), nn.Flatten(),
                          nn.Linear(2 * 8 * 8, 3))
    nn.init.constant_(model[0].bias, -1.0)  # negative maps: the ReLU would change them
    clf = classifier(model, 1, 8, 3)
    first = frames(clf, UnitTarget("0", 1), DreamSettings(steps=2, seeds=(0,)))[0]
    assert first.values[0] < -0.5
    np.testing.assert_allclose(first.values, reference(clf, UnitTarget("0", 1),
                                                       torch.from_numpy(first.input)), rtol=1e-5)


def hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_the_model_is_left_as_it_was_when_done_or_cancelled(lenet) -> None:
    clf = lenet[0]
    before = {k: v.clone() for k, v in clf.model.state_dict().items()}
    frames(clf, UnitTarget(CONV, 0), DreamSettings(steps=3, seeds=(0,)))
    job = dream_job(clf, UnitTarget(CONV, 0), DreamSettings(steps=100, seeds=(0,)))
    for _ in range(3):
        next(job)
    assert hooks(clf.model) == 1
    job.close()
    assert hooks(clf.model) == 0 and not clf.model.training
    assert all(p.grad is None for p in clf.model.parameters())
    for key, value in clf.model.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)


@pytest.mark.parametrize(("target", "message"), [
    (UnitTarget("features.conv9", 0), r"no layer 'features\.conv9'.*features\.conv2\.conv"),
    (UnitTarget(CONV, 16), r"channel 16 is out of range for layer .*: pick 0 to 15"),
    (UnitTarget(CONV, -1), "channel -1 is out of range"),
    (UnitTarget(CONV, 0, 10, 0), r"row y 10 is out of range for layer .*: pick 0 to 9"),
    (UnitTarget(CONV, 0, 0, -1), r"column x -1 is out of range"),
    (UnitTarget(CONV, 0, 3), "needs both its row y and its column x"),
    (UnitTarget("classifier.fc1.fc", 0, 0, 0), "no spatial map"),
    (ClassTarget(10), "class 10 is out of range for the model: pick 0 to 9"),
], ids=["layer", "channel", "negative channel", "row", "column", "row only", "no map", "class"])
def test_what_the_model_lacks_is_refused_before_any_step(lenet, target, message) -> None:
    job = dream_job(lenet[0], target, DreamSettings(steps=5))
    with pytest.raises(ValueError, match=message):
        next(job)
    assert hooks(lenet[0].model) == 0


def test_a_channel_of_a_linear_layer_is_its_value(lenet) -> None:
    target = UnitTarget("classifier.fc1.fc", 7)
    first = frames(lenet[0], target, DreamSettings(steps=1, seeds=(0,)))[0]
    with torch.no_grad():
        x = torch.from_numpy(first.input)
        expected = lenet[0].model.classifier.fc1.fc(lenet[0].model.flatten(
            lenet[0].model.features(x)))[:, 7]
    np.testing.assert_allclose(first.values, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("settings", "message"), [
    ({"steps": 0}, f"steps must be 1 to {MAX_STEPS:,}, got 0"),
    ({"steps": 10**7}, f"steps must be 1 to {MAX_STEPS:,}, got 10,000,000"),
    ({"seeds": ()}, "give 1 to 64 seeds, got 0"),
    ({"seeds": tuple(range(65))}, "give 1 to 64 seeds, got 65"),
    ({"seeds": (-1,)}, "seeds must be whole numbers from 0"),
    ({"seeds": (1.5,)}, "seeds must be whole numbers from 0"),
    ({"lr": 0.0}, "learning rate must be a positive number"),
    ({"lr": float("nan")}, "learning rate must be a positive number"),
    ({"frame_every": -1}, "frame_every must be a number of steps"),
])
def test_bad_settings_are_refused_in_words(settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        DreamSettings(**settings)


def test_settings_import_without_torch() -> None:
    code = ("import sys\n"
            "from deepscope.core.features import DreamSettings\n"
            "DreamSettings(steps=10, seeds=[3])\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
