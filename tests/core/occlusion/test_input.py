"""Bad and unusual input to the occlusion API the CLI and the panel use: clear messages, or
images converted correctly (values checked, not just shapes)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.core.models.spec import ModelSpec
from deepscope.core.occlusion.experiment import Experiment, load_experiment
from deepscope.core.occlusion.maps import occlusion_job, occlusion_maps
from deepscope.core.runs.checkpoint import CheckpointError
from tests.factories import classifier_meta, save_classifier

MEAN, STD = 0.4, 0.2


def make_run(root: Path, channels: int, size: int) -> Path:
    spec = ModelSpec("lenet", channels, size, 4)
    save_classifier(root, spec=spec, meta=classifier_meta(spec, "abcd", MEAN, STD))
    return root


@pytest.fixture(scope="module")
def rgb_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("rgb"), 3, 32)


@pytest.fixture(scope="module")
def grey_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("grey"), 1, 28)


def saved(path: Path, image: Image.Image, **options: object) -> Path:
    image.save(path, **options)
    return path


def as_bytes(exp: Experiment) -> np.ndarray:
    """The pixels the model sees, back in 0..255, H x W x C."""
    return (exp.pixels * 255).permute(1, 2, 0).cpu().numpy()


def blank_png(path: Path, width: int, height: int) -> Path:
    """A one-bit PNG of one colour, streamed row by row: no width x height buffer in memory."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row, packer = bytes(1 + (width + 7) // 8), zlib.compressobj()
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
                     + chunk(b"IEND", b""))
    return path


# --- files that cannot be used --------------------------------------------------------------


def test_a_file_that_is_not_an_image_is_named_in_the_message(rgb_run, tmp_path):
    fake = tmp_path / "photo.png"
    fake.write_text("not an image")
    with pytest.raises(ValueError, match=f"cannot use {fake}: not an image"):
        load_experiment(rgb_run, image_path=fake)


@pytest.mark.parametrize(("name", "words"), [
    ("truncated.png", "corrupt"), ("missing.png", "no such file"), (".", "a folder"),
])
def test_damaged_missing_or_folder_paths_say_why(rgb_run, tmp_path, name, words):
    good = saved(tmp_path / "good.png", Image.new("RGB", (40, 40), (9, 99, 199)))
    (tmp_path / "truncated.png").write_bytes(good.read_bytes()[:60])
    with pytest.raises(ValueError, match=words) as error:
        load_experiment(rgb_run, image_path=tmp_path / name)
    assert "Traceback" not in str(error.value) and "Error:" not in str(error.value)


def test_a_20000_pixel_square_is_refused_before_decoding(rgb_run, tmp_path):
    huge = blank_png(tmp_path / "huge.png", 20000, 20000)
    assert Image.open(huge).size == (20000, 20000)
    with pytest.raises(ValueError, match="20000 x 20000 pixels") as error:
        load_experiment(rgb_run, image_path=huge)
    message = str(error.value)
    assert "64 Mpx limit" in message and "8000 x 8000" in message


def test_jpeg_over_the_limit_is_read_at_reduced_scale(rgb_run, tmp_path, monkeypatch):
    monkeypatch.setattr("deepscope.core.data.folder.MAX_PIXELS", 100 * 100)
    halves = np.zeros((400, 400, 3), np.uint8)
    halves[:, :200] = (230, 20, 20)
    halves[:, 200:] = (20, 20, 230)
    jpeg = saved(tmp_path / "big.jpg", Image.fromarray(halves), quality=95)
    png = saved(tmp_path / "big.png", Image.fromarray(halves))
    pixels = as_bytes(load_experiment(rgb_run, image_path=jpeg))  # 400 -> 50 px, then 32
    np.testing.assert_allclose(pixels[:, :14], np.broadcast_to([230, 20, 20], (32, 14, 3)), atol=6)
    np.testing.assert_allclose(pixels[:, 18:], np.broadcast_to([20, 20, 230], (32, 14, 3)), atol=6)
    with pytest.raises(ValueError, match="400 x 400 pixels"):
        load_experiment(rgb_run, image_path=png)


def test_a_missing_checkpoint_is_named(rgb_run, tmp_path):
    run = make_run(tmp_path / "run", 3, 32)
    image = saved(tmp_path / "x.png", Image.new("RGB", (8, 8)))
    (run / "best.safetensors").unlink()
    with pytest.raises(CheckpointError, match=f"{run} holds no checkpoint"):
        load_experiment(run, image_path=image)
    with pytest.raises(CheckpointError, match=f"missing weights file {run / 'best.safetensors'}"):
        load_experiment(run / "best", image_path=image)
    with pytest.raises(ValueError, match=f"no run or checkpoint at {tmp_path / 'gone'}"):
        load_experiment(tmp_path / "gone", image_path=image)


# --- files that are converted ---------------------------------------------------------------


def test_a_one_pixel_image_is_upsampled_and_occluded(rgb_run, tmp_path):
    dot = saved(tmp_path / "dot.png", Image.new("RGB", (1, 1), (255, 64, 0)))
    exp = load_experiment(rgb_run, image_path=dot)
    np.testing.assert_allclose(as_bytes(exp), np.broadcast_to([255, 64, 0], (32, 32, 3)), atol=0.5)
    torch.testing.assert_close(exp.image, (exp.pixels - MEAN) / STD)
    maps = occlusion_maps(exp.model, exp.image, 0, 8, 4, 0.0)
    assert maps.done == maps.total == 49 and np.isfinite(maps.pixel).all()


def test_rgba_is_composited_over_white(rgb_run, grey_run, tmp_path):
    alpha = np.arange(32 * 32, dtype=np.float64).reshape(32, 32) % 256
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[..., 0], rgba[..., 2], rgba[..., 3] = 200, 40, alpha
    path = saved(tmp_path / "rgba.png", Image.fromarray(rgba, "RGBA"))
    a = alpha[..., None] / 255
    expected = np.array([200, 0, 40]) * a + 255 * (1 - a)
    np.testing.assert_allclose(as_bytes(load_experiment(rgb_run, image_path=path)), expected,
                               atol=1)
    half = saved(tmp_path / "half.png", Image.new("RGBA", (28, 28), (200, 0, 40, 102)))
    r, g, b = np.array([200, 0, 40]) * 0.4 + 255 * 0.6  # alpha 102 / 255 = 0.4
    grey = as_bytes(load_experiment(grey_run, image_path=half))
    np.testing.assert_allclose(grey, np.full((28, 28, 1), 0.299 * r + 0.587 * g + 0.114 * b),
                               atol=1)


@pytest.mark.parametrize(("cmyk", "rgb"), [
    ((0, 255, 255, 0), (255, 0, 0)), ((255, 0, 255, 0), (0, 255, 0)),
    ((0, 0, 0, 255), (0, 0, 0)), ((0, 0, 0, 0), (255, 255, 255)),
])
def test_cmyk_jpeg_becomes_rgb(rgb_run, tmp_path, cmyk, rgb):
    path = saved(tmp_path / "cmyk.jpg", Image.new("CMYK", (40, 40), cmyk), quality=95)
    assert Image.open(path).mode == "CMYK"
    pixels = as_bytes(load_experiment(rgb_run, image_path=path))
    np.testing.assert_allclose(pixels, np.broadcast_to(rgb, pixels.shape), atol=3)


def test_sixteen_bit_grey_is_scaled_to_eight_bits(rgb_run, grey_run, tmp_path):
    deep = np.linspace(0, 65535, 28 * 28).round().astype(np.uint16).reshape(28, 28)
    path = saved(tmp_path / "deep.png", Image.fromarray(deep))
    assert Image.open(path).mode.startswith("I")
    expected = np.round(deep / 257.0)
    grey = load_experiment(grey_run, image_path=path)  # 28 px: no resizing
    np.testing.assert_array_equal(as_bytes(grey)[..., 0], expected)
    colour = as_bytes(load_experiment(rgb_run, image_path=path))  # grey into three channels
    assert np.array_equal(colour[..., 0], colour[..., 1]) and colour.min() == 0
    assert colour.max() == 255


# --- occlusion settings ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def experiment(rgb_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Experiment:
    path = tmp_path_factory.mktemp("img") / "x.png"
    noise = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    return load_experiment(rgb_run, image_path=saved(path, Image.fromarray(noise)))


@pytest.mark.parametrize(("settings", "message"), [
    ({"window": 40}, "window 40 is larger than the 32-pixel image: use at most 32"),
    ({"window": (8, 33)}, "window 33 is larger than the 32-pixel image"),
    ({"stride": 0}, "stride must be at least 1, got 0"),
    ({"target": 4}, r"target 4 is not a class of this model \(0..3\)"),
    ({"batch_size": 0}, "batch size must be at least 1"),
    ({"baseline": torch.zeros(2)}, r"baseline of shape \(2, 1, 1\) does not fit"),
])
def test_bad_settings_are_clear_errors(experiment, settings, message):
    args = {"target": 0, "window": 8, "stride": 4, "baseline": 0.0} | settings
    with pytest.raises(ValueError, match=message):
        occlusion_maps(experiment.model, experiment.image, **args)
    job = occlusion_job(experiment.model, experiment.image, **args)
    with pytest.raises(ValueError, match=message):
        next(job)


def test_a_batch_of_images_is_not_one_image(experiment):
    with pytest.raises(ValueError, match=r"one C x H x W tensor, got shape \(1, 3, 32, 32\)"):
        occlusion_maps(experiment.model, experiment.image[None], 0, 8, 4, 0.0)


def test_an_index_reads_the_image_the_run_trained_on(tmp_path):
    """Shapes are drawn from the run's seed: `--index N` is the image N of the run's own set
    (as the panel and `deepscope units` read it), not of seed 0's."""
    from dataclasses import asdict

    from deepscope.core.data.load import load_dataset

    spec = ModelSpec("lenet", in_channels=3, num_classes=4, image_size=32)
    meta = classifier_meta(spec, classes=("circle", "square", "triangle", "cross"),
                           dataset="shapes", seed=3)
    save_classifier(tmp_path, spec=spec, meta=meta | {"model": asdict(spec)})
    exp = load_experiment(tmp_path, dataset="shapes", index=5)
    own, other = (load_dataset("shapes", size=32, seed=s).images[5].float() / 255
                  for s in (3, 0))
    assert torch.allclose(exp.pixels.cpu(), own) and not torch.allclose(own, other)
