"""Hooks that always come off, and capturing what named layers compute."""

from __future__ import annotations

from collections import namedtuple

import pytest
import torch
from torch import nn

from deepscope.core.models.build import build_model
from deepscope.core.models.hooks import capture, find_layer, forward_hooks
from deepscope.core.models.spec import ModelSpec

LENET = ModelSpec("lenet", in_channels=1, image_size=28, num_classes=10)


def _lenet() -> nn.Module:
    torch.manual_seed(0)
    return build_model(LENET).eval()


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def _images(n: int = 2) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(1))


def test_capture_records_outputs_and_inputs_of_named_layers():
    model, x = _lenet(), _images()
    names = ["features.conv1", "features.pool1", "classifier.fc3"]
    with capture(model, names, inputs=True) as seen, torch.no_grad():
        logits = model(x)
    with torch.no_grad():
        conv1 = model.features.conv1(x)
        torch.testing.assert_close(seen["features.conv1"], conv1)
        torch.testing.assert_close(seen["features.pool1"], model.features.pool1(conv1))
    torch.testing.assert_close(seen["classifier.fc3"], logits)
    torch.testing.assert_close(seen.inputs["features.conv1"][0], x)
    assert list(seen) == names and len(seen) == 3
    assert _hook_count(model) == 0


def test_a_layer_that_runs_several_times_keeps_its_latest_output():
    model = build_model(ModelSpec("resnet18", in_channels=3, image_size=32, num_classes=10)).eval()
    block = "net.layer1.0"  # torchvision's BasicBlock calls its one ReLU twice
    with capture(model, [block, f"{block}.relu"]) as seen, torch.no_grad():
        model(torch.rand(1, 3, 32, 32))
    torch.testing.assert_close(seen[f"{block}.relu"], seen[block])


def test_capture_is_not_corrupted_by_a_later_in_place_relu():
    torch.manual_seed(0)
    model = build_model(ModelSpec("resnet18", in_channels=3, image_size=32, num_classes=10)).eval()
    x = torch.randn(2, 3, 32, 32)
    net = model.net  # conv1 -> bn1 -> ReLU(inplace=True)
    with torch.no_grad():
        expected = net.bn1(net.conv1(model.adapter(x)))
        with capture(model, ["net.bn1"]) as copied:
            model(x)
        with capture(model, ["net.bn1"], clone=False) as shared:
            model(x)
    assert expected.min() < 0
    torch.testing.assert_close(copied["net.bn1"], expected)
    assert shared["net.bn1"].min() >= 0  # overwritten in place by the ReLU: why clone is default


def test_capture_without_clone_keeps_the_tensor_of_the_autograd_graph():
    model, x = _lenet(), _images()
    with capture(model, ["features.conv2"], clone=False) as seen:
        score = model(x)[:, 3].sum()
    (grad,) = torch.autograd.grad(score, seen["features.conv2"])
    assert grad.shape == seen["features.conv2"].shape and grad.abs().sum() > 0


def test_hooks_are_removed_after_an_error_inside_the_block():
    model = _lenet()
    with pytest.raises(RuntimeError), capture(model, ["features.conv1", "classifier"], inputs=True):
        assert _hook_count(model) == 4
        model(torch.rand(1, 3, 28, 28))  # three channels into a grey model
    assert _hook_count(model) == 0


def test_hooks_are_removed_when_a_generator_job_is_closed():
    model = _lenet()

    def job():
        with capture(model, ["features.conv2"]) as seen:
            for _ in range(10):
                with torch.no_grad():
                    model(_images(1))
                yield seen["features.conv2"].amax().item()

    steps = job()
    next(steps)
    assert _hook_count(model) == 1
    steps.close()  # what Stop does to a job
    assert _hook_count(model) == 0


def test_many_captures_leave_no_hook_behind():
    model = _lenet()
    for i in range(50):
        with capture(model, ["features.conv1", "features.pool2"]) as seen, torch.no_grad():
            model(_images(1))
        assert seen["features.pool2"].shape == (1, 16, 5, 5), i
    assert _hook_count(model) == 0


def test_forward_hooks_removes_the_registered_ones_when_a_later_one_fails():
    model = _lenet()
    hook = lambda *_: None  # noqa: E731
    with pytest.raises(AttributeError), forward_hooks([(model.features, hook), (None, hook)]):
        pass
    assert _hook_count(model) == 0


def test_pre_hooks_see_the_input_before_an_in_place_layer_changes_it():
    model = nn.Sequential(nn.ReLU(inplace=True))
    x = torch.tensor([[-1.0, 2.0]])
    with capture(model, ["0"], inputs=True) as seen:
        model(x.clone())
    torch.testing.assert_close(seen.inputs["0"][0], x)


def test_tuple_and_named_tuple_outputs_are_cloned_with_their_structure():
    Pair = namedtuple("Pair", "left right")

    class Split(nn.Module):
        def forward(self, x):
            return Pair(x[:, :1], {"rest": [x[:, 1:]]})

    model = nn.Sequential()
    model.add_module("split", Split())
    x = torch.arange(6.0).reshape(2, 3)
    with capture(model, ["split"]) as seen:
        out = model(x)
    pair = seen["split"]
    assert type(pair) is Pair
    torch.testing.assert_close(pair.right["rest"][0], out.right["rest"][0])
    assert pair.left.data_ptr() != out.left.data_ptr()


def test_an_unknown_layer_is_refused_with_the_valid_names():
    model = _lenet()
    with pytest.raises(ValueError, match=r"no layer 'features\.conv9'.*features\.conv1, "), \
            capture(model, ["features.conv1", "features.conv9"]):
        pass
    assert _hook_count(model) == 0
    assert find_layer(model, "") is model


def test_a_layer_that_did_not_run_says_so():
    model = _lenet()
    with capture(model, ["classifier.fc3"]) as seen, pytest.raises(KeyError, match="did not run"):
        seen["classifier.fc3"]
