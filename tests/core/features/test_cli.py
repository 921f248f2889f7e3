"""`deepscope units` end to end (its parser and handler, Qt-free): units.json values against a
direct forward pass on the input images, the PNGs, and bad input refused in words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.core.features import cli
from deepscope.core.runs.store import RunInfo
from tests.core.commands import run_command

LAYER = "features.conv1.conv"


def units(*argv: str) -> int:
    """`deepscope units ARGV` as the app's command line runs it."""
    return run_command(cli, "units", *argv)


@pytest.fixture(scope="module")
def written(classifier_run: RunInfo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("units")
    assert units("--run", str(classifier_run.dir), "--dataset", "digits", "--split", "val",
                 "--layer", LAYER, "--top", "4", "--batch-size", "100", "--out", str(out)) == 0
    return out


def test_values_are_the_models_at_those_positions(written: Path, lenet) -> None:
    clf, images = lenet
    meta = json.loads((written / "units.json").read_text())
    split = clf.dataset.split(images, "validation")
    assert meta["layer"] == LAYER and meta["images"] == len(split)
    assert meta["receptive_field"] == {"size": [5, 5], "stride": [1, 1], "offset": [-2, -2]}
    assert len(meta["channels"]) == 6
    for c, entries in enumerate(meta["channels"]):
        assert len(entries) == 4 and {e["index"] for e in entries} <= set(split.tolist())
        for e in entries:
            with torch.no_grad():
                out = clf.model.features.conv1.conv(clf.normalize(images.images[e["index"]][None]))
            assert e["value"] == pytest.approx(float(out[0, c, e["y"], e["x"]]), abs=1e-5)
            assert e["value"] == pytest.approx(float(out[0, c].max()), abs=1e-5)
            y, x = e["y"], e["x"]
            assert e["box"] == [max(y - 2, 0), max(x - 2, 0), min(y + 3, 28), min(x + 3, 28)]


def test_a_png_of_patches_per_channel(written: Path, lenet) -> None:
    _, images = lenet
    meta = json.loads((written / "units.json").read_text())
    pngs = sorted(written.glob("channel-*.png"))
    assert [p.name for p in pngs] == [f"channel-{c:03d}.png" for c in range(6)]
    first = meta["channels"][0][0]
    y0, x0, y1, x1 = first["box"]
    with Image.open(pngs[0]) as png:
        row = np.asarray(png)
    scale = 64 // 5
    assert row.shape == (5 * scale, (4 * 6 - 1) * scale)  # 4 tiles of 5 px, 1 px apart
    crop = images.images[first["index"], 0, y0:y1, x0:x1].numpy()
    np.testing.assert_array_equal(row[: (y1 - y0) * scale : scale, : (x1 - x0) * scale : scale],
                                  crop)


def test_bad_input_is_refused_in_words(classifier_run: RunInfo, tmp_path: Path,
                                       capsys: pytest.CaptureFixture) -> None:
    run = ["--run", str(classifier_run.dir), "--dataset", "digits", "--out", str(tmp_path)]
    with pytest.raises(ValueError, match=r"no layer 'conv9'; its layers are: features, "):
        units(*run, "--layer", "conv9")
    with pytest.raises(ValueError, match="'classifier.fc3' has no spatial map"):
        units(*run, "--layer", "classifier.fc3")
    with pytest.raises(SystemExit):
        units(*run, "--layer", LAYER, "--top", "0")
    assert "argument --top: must be at least 1, got 0" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


USER_NET = """
import torch
from torch import nn

def make():
    torch.manual_seed(3)
    return nn.Sequential(nn.Conv2d(1, 4, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 14 * 14, 10))
"""


def test_the_users_own_model_is_scanned_like_a_run(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from deepscope.core.data.load import load_dataset

    (tmp_path / "net.py").write_text(USER_NET)
    namespace: dict = {}
    exec(USER_NET, namespace)
    model = namespace["make"]()
    with torch.no_grad():
        model[0].weight.mul_(-1)  # weights that differ from what make() returns
    save_file(model.state_dict(), tmp_path / "w.safetensors")
    out = tmp_path / "out"
    assert units("--model", f"{tmp_path}/net.py:make", "--weights", str(tmp_path / "w.safetensors"),
                 "--input", "1x28x28", "--mean", "0.5", "--std", "0.25", "--dataset", "digits",
                 "--layer", "1", "--top", "3", "--out", str(out)) == 0
    meta = json.loads((out / "units.json").read_text())
    images = load_dataset("digits", size=28).images
    with torch.no_grad():
        maps = model[:2]((images.float() / 255 - 0.5) / 0.25)
    best = maps.flatten(2).amax(2).topk(3, 0)  # 3 x C
    assert meta["images"] == len(images) and len(meta["channels"]) == 4
    for c, entries in enumerate(meta["channels"]):
        assert [e["index"] for e in entries] == best.indices[:, c].tolist()
        assert [e["value"] for e in entries] == pytest.approx(best.values[:, c].tolist(), abs=1e-5)


def command(name: str, *argv: str) -> int:
    return run_command(cli, name, *argv)


def test_saliency_is_the_gradient_of_the_target_logit(classifier_run, lenet, tmp_path) -> None:
    clf, images = lenet
    out = tmp_path / "s"
    assert command("saliency", "--run", str(classifier_run.dir), "--dataset", "digits",
                   "--index", "7", "--method", "gradient", "--target", "3", "--out", str(out)) == 0
    x = torch.from_numpy(np.load(out / "input.npy"))[None].requires_grad_()
    torch.testing.assert_close(x.detach(), clf.normalize(images.images[7][None]))
    clf.model(x)[0, 3].backward()
    np.testing.assert_allclose(np.load(out / "attribution.npy"), x.grad[0].numpy(), atol=1e-6)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["target"] == 3 and meta["true_class"] == int(images.labels[7])


def test_gradcam_weighs_the_layers_maps_by_their_mean_gradient(classifier_run, lenet,
                                                              tmp_path) -> None:
    clf, images = lenet
    out = tmp_path / "g"
    assert command("saliency", "--run", str(classifier_run.dir), "--dataset", "digits",
                   "--index", "7", "--method", "gradcam", "--layer", "features.conv2.conv",
                   "--target", "pred", "--out", str(out)) == 0
    x = torch.from_numpy(np.load(out / "input.npy"))[None]
    seen = {}
    hook = clf.model.features.conv2.conv.register_forward_hook(
        lambda _m, _i, o: seen.update(a=o))
    logits = clf.model(x)
    hook.remove()
    k = int(logits.argmax())
    (grad,) = torch.autograd.grad(logits[0, k], seen["a"])
    cam = torch.relu((grad.mean((2, 3), keepdim=True) * seen["a"]).sum(1))[0]
    np.testing.assert_allclose(np.load(out / "attribution.npy"), cam.detach().numpy(), atol=1e-5)
    assert np.load(out / "upsampled.npy").shape == (28, 28)
    assert json.loads((out / "meta.json").read_text())["target"] == k


def test_dream_raises_the_channel_and_reports_its_value(classifier_run, lenet, tmp_path) -> None:
    clf, _ = lenet
    out = tmp_path / "d"
    assert command("dream", "--run", str(classifier_run.dir), "--layer", "features.conv1.act",
                   "--channel", "2", "--steps", "40", "--seed", "1", "--out", str(out)) == 0
    meta = json.loads((out / "meta.json").read_text())
    assert (meta["objective"], meta["layer"], meta["channel"]) == ("channel",
                                                                    "features.conv1.act", 2)
    x = torch.from_numpy(np.load(out / "input.npy"))[None]
    with torch.no_grad():
        value = clf.model.features.conv1(x)[0, 2].mean()  # conv, then its activation
    assert meta["value"] == pytest.approx(float(value), abs=1e-4)
    mean, std = np.array(meta["mean"])[:, None, None], np.array(meta["std"])[:, None, None]
    pixels = x[0].numpy() * std + mean
    assert pixels.min() >= -1e-5 and pixels.max() <= 1 + 1e-5  # a valid image
    png = np.asarray(Image.open(out / "image.png"))
    np.testing.assert_allclose(png / 255, pixels[0], atol=1 / 255)


@pytest.mark.parametrize("argv, words", [
    (["saliency", "--method", "gradcam", "--index", "0", "--dataset", "digits"],
     "--method gradcam needs --layer"),
    (["saliency", "--method", "gradcam", "--layer", "nope", "--index", "0", "--dataset",
      "digits"], "has no layer 'nope'; its layers are: features"),
    (["dream", "--layer", "features.conv1.act", "--channel", "6"], "channel 6"),
    (["dream", "--channel", "1"], "--channel needs --layer"),
    (["dream", "--class", "10"], "class 10"),
])
def test_bad_feature_commands_are_refused_in_words(classifier_run, tmp_path, argv, words):
    with pytest.raises(ValueError, match=words):
        command(*argv[:1], "--run", str(classifier_run.dir), *argv[1:], "--out", str(tmp_path))


@pytest.mark.parametrize("steps", ["0", "10000000"])
def test_dream_steps_out_of_range_are_refused_while_reading(classifier_run, tmp_path, steps):
    with pytest.raises(SystemExit):
        command("dream", "--run", str(classifier_run.dir), "--class", "1", "--steps", steps,
                "--out", str(tmp_path))


def test_dream_of_a_class_reports_its_logit_on_the_input(classifier_run, lenet, tmp_path):
    clf, _ = lenet
    out = tmp_path / "c"
    assert command("dream", "--run", str(classifier_run.dir), "--class", "4", "--steps", "30",
                   "--out", str(out)) == 0
    meta = json.loads((out / "meta.json").read_text())
    with torch.no_grad():
        logits = clf.model(torch.from_numpy(np.load(out / "input.npy"))[None])
    assert meta["objective"] == "class" and meta["class"] == 4
    assert meta["value"] == pytest.approx(float(logits[0, 4]), abs=1e-4)
