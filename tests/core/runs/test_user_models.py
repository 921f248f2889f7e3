"""The user's own models: a function in their Python file with safetensors weights, or a live
module, load as classifiers with the normalization given; everything else is refused in words."""

from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from deepscope.core.data.arrays import array_set
from deepscope.core.data.sources import DatasetImage
from deepscope.core.runs.inputs import InputCache
from deepscope.core.runs.loader import load_classifier
from deepscope.core.runs.model_args import add_model_args, function_ref, input_shape, model_source
from deepscope.core.runs.sources import LiveModel, RunModel, UserModel

NET = """
from torch import nn

def small():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 5))

def broken():
    raise RuntimeError("no GPU here")

def number():
    return 3

def features():
    return nn.Conv2d(3, 4, 3)
"""


@pytest.fixture
def net(tmp_path: Path) -> Path:
    (tmp_path / "net.py").write_text(NET)
    return tmp_path / "net.py"


def user(net: Path, function: str = "small", weights: Path | None = None,
         shape: tuple[int, int, int] = (3, 16, 16), **norm) -> UserModel:
    return UserModel(net, function, weights, shape, **norm)


def test_a_function_in_a_file_loads_with_its_weights_and_normalization(net, tmp_path):
    torch.manual_seed(1)
    saved = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(4, 5))
    save_file(saved.state_dict(), tmp_path / "w.safetensors")
    clf = load_classifier(user(net, weights=tmp_path / "w.safetensors",
                               mean=(0.5,), std=(0.1, 0.2, 0.4)), "cpu")
    x = torch.rand(2, 3, 16, 16)
    torch.testing.assert_close(clf.model(x), saved(x))
    assert (clf.channels, clf.image_size, len(clf.classes)) == (3, 16, 5)
    assert clf.classes[4] == "class 4" and clf.dataset is None
    torch.testing.assert_close(clf.mean.flatten(), torch.full((3,), 0.5))
    torch.testing.assert_close(clf.std.flatten(), torch.tensor([0.1, 0.2, 0.4]))


@pytest.mark.parametrize("function, shape, words", [
    ("nothing", (3, 16, 16), "net.py has no function 'nothing'; it defines: small, broken"),
    ("broken", (3, 16, 16), "net.py:broken failed: RuntimeError: no GPU here"),
    ("number", (3, 16, 16), "net.py:number() returned int, not a torch.nn.Module"),
    ("features", (3, 16, 16), "net.py:features must return class scores, N x classes; it "
     "returned (1, 4, 14, 14)"),
    ("small", (1, 16, 16), "net.py:small does not run on a 1x16x16 input: RuntimeError"),
    ("small", (3, 16, 20), "input 3x16x20: DeepScope's views take square images"),
])
def test_a_model_that_cannot_serve_is_refused_in_words(net, function, shape, words):
    with pytest.raises(ValueError, match="^" + words.replace("(", r"\(").replace(")", r"\)")):
        load_classifier(user(net, function, shape=shape), "cpu")


def test_weights_must_be_safetensors_that_fit(net, tmp_path):
    pickle = tmp_path / "w.pt"
    torch.save({"x": torch.zeros(1)}, pickle)
    with pytest.raises(ValueError, match="w.pt is a pickle, which DeepScope never loads"):
        load_classifier(user(net, weights=pickle), "cpu")
    save_file({"0.weight": torch.zeros(4, 3, 3, 3), "extra": torch.zeros(1)},
              tmp_path / "w.safetensors")
    with pytest.raises(ValueError, match="does not fit the model: missing 0.bias, 4.bias, "
                       "4.weight; unexpected extra"):
        load_classifier(user(net, weights=tmp_path / "w.safetensors"), "cpu")
    (tmp_path / "junk.safetensors").write_bytes(b"not safetensors at all")
    with pytest.raises(ValueError, match="cannot read weights from"):
        load_classifier(user(net, weights=tmp_path / "junk.safetensors"), "cpu")


def test_a_live_module_browses_the_images_it_was_given():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12 * 12, 3))
    pixels = np.random.default_rng(0).random((6, 3, 20, 20))  # RGB floats, for a grey model
    images = array_set(pixels, [0, 1, 2, 2, 1, 0], ["a", "b", "c"], channels=1)
    cache = InputCache("cpu")
    clf = cache.classifier(LiveModel(model, (1, 12, 12), classes=("a", "b", "c"),
                                     dataset=images))
    assert clf.model is model and clf.classes == ("a", "b", "c")
    data = cache.dataset(clf)
    assert data.images.shape == (6, 1, 12, 12) and data.labels.tolist() == [0, 1, 2, 2, 1, 0]
    pixel, label = cache.pixels(clf, DatasetImage(3))
    assert label == 2 and torch.equal(pixel, data.images[3])


@pytest.mark.parametrize("images, labels, classes, words", [
    (np.zeros((2, 4, 8, 8)), None, None, "images must be N x H x W or N x C x H x W"),
    (np.zeros((2, 8, 8)), [0], None, "2 images but labels of shape (1,)"),
    (np.zeros((2, 8, 8)), [0, 3], ["a", "b"], "labels must be 0..1"),
])
def test_images_that_do_not_fit_are_refused(images, labels, classes, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        array_set(images, labels, classes, 1)


def parse(*argv: str):
    parser = ArgumentParser()
    parser.add_argument("--runs-dir", default=None)
    add_model_args(parser)
    return parser.parse_args(argv)


def test_command_line_names_a_run_or_the_users_model(net, tmp_path):
    source = model_source(parse("--model", f"{net}:small", "--input", "3x16x16",
                                "--mean", "0.5", "--std", "0.2,0.3,0.4"))
    assert source == UserModel(net, "small", None, (3, 16, 16), (0.5,), (0.2, 0.3, 0.4))
    assert model_source(parse("--run", str(tmp_path))) == RunModel(tmp_path)
    with pytest.raises(ValueError, match="--model needs --input CxHxW"):
        model_source(parse("--model", f"{net}:small"))
    with pytest.raises(ValueError, match="--weights belong with --model, not with --run"):
        model_source(parse("--run", str(tmp_path), "--weights", str(net)))
    for bad in ("net.py", "net:make", "net.py:1x"):
        with pytest.raises(ArgumentTypeError, match="expected FILE.py:FUNCTION"):
            function_ref(bad)
    for bad in ("3x32", "2x32x32", "1x4x4", "axbxc"):
        with pytest.raises(ArgumentTypeError):
            input_shape(bad)
