"""Datasets: embedded sets, torchvision layouts (offline), image folders, splits, statistics."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from deepscope.core.data import split as split_module
from deepscope.core.data import torchvision_sets as tv
from deepscope.core.data.digits import load_digits
from deepscope.core.data.folder import load_folder, load_image_file
from deepscope.core.data.imageset import DatasetUnavailable
from deepscope.core.data.load import download_job, load_dataset
from deepscope.core.data.shapes import CLASSES as SHAPE_CLASSES
from deepscope.core.data.shapes import load_shapes
from deepscope.core.data.split import channel_stats, split_indices
from deepscope.core.data.torchvision_sets import CIFAR_FILES, IDX_FILES, load_torchvision_set
from deepscope.core.jobs import Message, ProgressEvent

# --- helpers ---------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes((0, 0, 0x08, array.ndim)) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(root: Path, folder: str = "MNIST", gz: bool = False) -> dict[str, np.ndarray]:
    """Tiny IDX files (5 train, 3 test images) in torchvision's layout; returns the arrays."""
    rng = np.random.default_rng(0)
    return write_idx_set(root, (
        rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), np.array([0, 1, 2, 3, 9], np.uint8),
        rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), np.array([4, 5, 6], np.uint8),
    ), folder, gz)


def write_bars(root: Path, train: int, test: int, folder: str = "MNIST") -> dict[str, np.ndarray]:
    """IDX files a small net learns in a few steps: class k is a bright bar at rows 2k, 2k+1 over
    faint noise. Every other official test image carries the next class's label, so the test
    accuracy differs from the training one (about half of it)."""
    rng = np.random.default_rng(1)

    def images(labels: np.ndarray) -> np.ndarray:
        x = rng.integers(0, 60, (len(labels), 28, 28), dtype=np.uint8)
        for i, k in enumerate(labels):
            x[i, 2 * k : 2 * k + 2] = 255
        return x

    train_y, test_y = rng.integers(0, 10, train), rng.integers(0, 10, test)
    test_labels = np.where(np.arange(test) % 2, (test_y + 1) % 10, test_y)
    return write_idx_set(root, (images(train_y), train_y, images(test_y), test_labels), folder)


def write_idx_set(
    root: Path, arrays: tuple[np.ndarray, ...], folder: str = "MNIST", gz: bool = False
) -> dict[str, np.ndarray]:
    """Train images, train labels, test images and test labels as IDX files in torchvision's
    layout; returns them by file name (see IDX_FILES)."""
    arrays = dict(zip(IDX_FILES, (a.astype(np.uint8) for a in arrays), strict=True))
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    for stem, array in arrays.items():
        data = idx_bytes(array)
        if gz:
            (raw / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (raw / stem).write_bytes(data)
    return arrays


def write_cifar(folder: Path, per_batch: int = 2, protocol: int = pickle.DEFAULT_PROTOCOL) -> None:
    """Six tiny CIFAR batches written the way CIFAR's own are: a pickled dict of numpy arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(CIFAR_FILES):
        data = np.full((per_batch, 3072), i, np.uint8)
        data[:, 1024:2048] = 100  # green plane
        batch = {"data": data, "labels": [i % 10] * per_batch}
        with (folder / name).open("wb") as file:
            pickle.dump(batch, file, protocol=protocol)


class FakeResponse(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


class Exploit:
    """Unpickling this runs code that creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).write_text('pwned')",)


def save(path: Path, image: Image.Image) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


@pytest.fixture
def image_tree(tmp_path: Path) -> Path:
    """cats: RGB, RGBA, CMYK, palette + a corrupt PNG and a text file; dogs: 8- and 16-bit gray."""
    root = tmp_path / "pets"
    half = np.zeros((8, 8, 4), np.uint8)
    half[:, 4:] = (0, 0, 255, 255)  # right half opaque blue, left half fully transparent
    save(root / "cats" / "rgb.png", Image.new("RGB", (8, 8), (10, 200, 30)))
    save(root / "cats" / "rgba.png", Image.fromarray(half, "RGBA"))
    save(root / "cats" / "cmyk.tif", Image.new("CMYK", (8, 8), (0, 255, 255, 0)))
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 250, 128, 0] + [0] * 762)
    save(root / "cats" / "palette.png", palette)
    good_png = (root / "cats" / "rgb.png").read_bytes()
    (root / "cats" / "corrupt.png").write_bytes(good_png[:40])
    (root / "cats" / "notes.txt").write_text("not an image")
    save(root / "dogs" / "gray.png", Image.new("L", (8, 8), 77))
    save(root / "dogs" / "deep" / "gray16.png", Image.fromarray(np.full((8, 8), 32896, np.uint16)))
    (root / "empty").mkdir()
    return root


# --- embedded sets ---------------------------------------------------------------------------


def test_digits_shape_dtype_classes() -> None:
    ds = load_digits()
    assert ds.images.shape == (1797, 1, 28, 28) and ds.images.dtype == torch.uint8
    assert ds.labels.dtype == torch.int64 and set(ds.labels.tolist()) == set(range(10))
    assert ds.classes == tuple("0123456789") and ds.images.max() == 255
    assert load_digits(16).images.shape[-2:] == (16, 16)


def test_shapes_deterministic_masks_and_classes() -> None:
    a, b = load_shapes(200, 32, seed=3), load_shapes(200, 32, seed=3)
    assert torch.equal(a.images, b.images) and torch.equal(a.masks, b.masks)
    assert torch.equal(a.labels, b.labels)
    assert not torch.equal(a.images, load_shapes(200, 32, seed=4).images)
    assert a.images.shape == (200, 3, 32, 32) and a.images.dtype == torch.uint8
    assert a.masks.shape == (200, 32, 32) and a.masks.dtype == torch.bool
    assert a.classes == SHAPE_CLASSES and set(a.labels.tolist()) == set(range(len(SHAPE_CLASSES)))
    assert (a.masks.sum(dim=(1, 2)) > 10).all()
    border = a.masks[:, 0].any(1) | a.masks[:, -1].any(1) | a.masks[:, :, 0].any(1)
    assert not (border | a.masks[:, :, -1].any(1)).any()  # every shape lies inside its image


def test_shapes_contrast_with_background() -> None:
    ds = load_shapes(50, 40, seed=1)
    x, m = ds.images.float(), ds.masks[:, None].expand(-1, 3, -1, -1)
    inside = (x * m).sum(dim=(2, 3)) / m.sum(dim=(2, 3))
    outside = (x * ~m).sum(dim=(2, 3)) / (~m).sum(dim=(2, 3))
    assert ((inside - outside).abs().min(dim=1).values > 40).all()


@pytest.mark.parametrize("size", [27, 65])
def test_shapes_size_validated(size: int) -> None:
    with pytest.raises(ValueError, match="28..64"):
        load_shapes(10, size)


# --- torchvision layouts ---------------------------------------------------------------------


def test_mnist_idx_round_trip(tmp_path: Path) -> None:
    arrays = write_mnist(tmp_path)
    ds = load_dataset("mnist", root=tmp_path)
    images = np.concatenate([arrays[IDX_FILES[0]], arrays[IDX_FILES[2]]])
    assert torch.equal(ds.images, torch.from_numpy(images)[:, None])
    assert ds.labels.tolist() == [0, 1, 2, 3, 9, 4, 5, 6] and ds.labels.dtype == torch.int64
    assert ds.classes == tuple("0123456789") and ds.name == "mnist"
    assert load_dataset("mnist", root=tmp_path, size=14).images.shape == (8, 1, 14, 14)


def test_fashion_mnist_reads_gz(tmp_path: Path) -> None:
    write_mnist(tmp_path, "FashionMNIST", gz=True)
    ds = load_dataset("fashion-mnist", root=tmp_path)
    assert ds.images.shape == (8, 1, 28, 28) and ds.classes[0] == "T-shirt/top"


def test_truncated_idx_is_unavailable(tmp_path: Path) -> None:
    write_mnist(tmp_path)
    path = tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DatasetUnavailable, match="t10k-images-idx3-ubyte"):
        load_dataset("mnist", root=tmp_path)
    path.write_bytes(b"\x00\x00\x09\x03 garbage")
    with pytest.raises(DatasetUnavailable, match="magic"):
        load_dataset("mnist", root=tmp_path)


def test_missing_files_name_the_expected_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailable) as info:
        load_dataset("mnist", root=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw") in message and "train-images-idx3-ubyte" in message
    assert "--download" in message
    with pytest.raises(DatasetUnavailable, match="cifar-10-batches-py"):
        load_dataset("cifar10", root=tmp_path)
    with pytest.raises(DatasetUnavailable, match="--data-root"):
        load_dataset("mnist")


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_download_offline_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetUnavailable, match="offline") as info:
        load_torchvision_set(name, tmp_path, download=True)
    assert "no route to host" in str(info.value) and "http" in str(info.value)
    assert not list(tmp_path.rglob("*.part"))


def test_download_streams_with_progress_and_checks_md5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrays, payloads = fake_mnist_mirror(tmp_path, monkeypatch)
    calls: list[tuple[int, int]] = []
    ds = load_dataset("mnist", root=tmp_path, download=True, progress=lambda *a: calls.append(a))
    assert len(ds) == 8 and calls and all(done <= total for done, total in calls)
    assert {total for _, total in calls} == {len(p) for p in payloads.values()}

    monkeypatch.setitem(tv._IDX_MD5, "mnist", dict.fromkeys(arrays, "0" * 32))
    for path in (tmp_path / "MNIST" / "raw").iterdir():
        path.unlink()
    with pytest.raises(DatasetUnavailable, match="MD5"):
        load_dataset("mnist", root=tmp_path, download=True)
    assert not list((tmp_path / "MNIST" / "raw").iterdir())


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL])
def test_cifar_batches_load(tmp_path: Path, protocol: int) -> None:
    write_cifar(tmp_path / "cifar-10-batches-py", protocol=protocol)
    ds = load_dataset("cifar10", root=tmp_path)
    assert ds.images.shape == (12, 3, 32, 32) and ds.classes[0] == "airplane"
    assert ds.images[2, 0].unique().tolist() == [1] and ds.images[2, 1].unique().tolist() == [100]
    assert ds.labels.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_cifar_archive_extracted(tmp_path: Path) -> None:
    write_cifar(tmp_path / "build" / "cifar-10-batches-py")
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "build" / "cifar-10-batches-py", "cifar-10-batches-py")
    assert len(load_dataset("cifar10", root=tmp_path)) == 12


def test_malicious_pickle_is_refused(tmp_path: Path) -> None:
    proof = tmp_path / "proof"
    pickle.loads(pickle.dumps(Exploit(proof)))
    assert proof.exists()  # the payload is live under plain pickle

    marker = tmp_path / "marker"
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar(folder)
    with (folder / "data_batch_3").open("wb") as file:
        pickle.dump({"data": Exploit(marker), "labels": [0]}, file)
    with pytest.raises(DatasetUnavailable, match="data_batch_3"):
        load_dataset("cifar10", root=tmp_path)
    assert not marker.exists()


# --- image folders ---------------------------------------------------------------------------


def test_image_folder_converts_and_skips(image_tree: Path) -> None:
    ds = load_dataset(f"folder:{image_tree}", size=8)
    assert ds.classes == ("cats", "dogs") and ds.labels.tolist() == [0, 0, 0, 0, 1, 1]
    assert ds.images.shape == (6, 3, 8, 8) and ds.images.dtype == torch.uint8
    skipped = dict(ds.skipped)
    assert set(skipped) == {
        str(image_tree / "cats" / "corrupt.png"),
        str(image_tree / "cats" / "notes.txt"),
        str(image_tree / "empty"),
    }
    assert skipped[str(image_tree / "empty")] == "no images"
    assert "not an image" in skipped[str(image_tree / "cats" / "notes.txt")]
    cmyk, palette, rgb, rgba = ds.images[:4]  # sorted: cmyk, palette, rgb, rgba
    assert cmyk[:, 0, 0].tolist() == [255, 0, 0] and palette[:, 0, 0].tolist() == [250, 128, 0]
    assert rgb[:, 0, 0].tolist() == [10, 200, 30]
    assert rgba[:, 0, 0].tolist() == [255, 255, 255] and rgba[:, 0, 7].tolist() == [0, 0, 255]
    assert ds.images[4:, 0, 0, 0].tolist() == [128, 77]  # deep/gray16 sorts before gray


def test_grayscale_folder_has_one_channel(image_tree: Path) -> None:
    assert load_folder(image_tree, size=8).channels == 3
    only_dogs = image_tree.parent / "dogs_only"
    (only_dogs / "dogs").mkdir(parents=True)
    for file in (image_tree / "dogs").rglob("*.png"):
        (only_dogs / "dogs" / file.name).write_bytes(file.read_bytes())
    ds = load_folder(only_dogs, size=4)
    assert ds.images.shape == (2, 1, 4, 4) and ds.images[:, 0, 0, 0].tolist() == [77, 128]


def test_decompression_bomb_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save(tmp_path / "a" / "small.png", Image.new("RGB", (8, 8)))
    bomb = save(tmp_path / "a" / "bomb.png", Image.new("RGB", (40, 40)))
    warned = save(tmp_path / "a" / "warned.png", Image.new("RGB", (12, 12)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    ds = load_folder(tmp_path, size=8)
    assert len(ds) == 1
    reasons = dict(ds.skipped)
    assert "bomb" in reasons[str(bomb)] and "bomb" in reasons[str(warned)]
    with pytest.raises(ValueError, match="bomb"):
        load_image_file(bomb, 8, 3)


def test_folder_without_images_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "cls").mkdir()
    (tmp_path / "cls" / "a.txt").write_text("x")
    with pytest.raises(DatasetUnavailable, match="no usable images"):
        load_folder(tmp_path)
    with pytest.raises(DatasetUnavailable, match="does not exist"):
        load_folder(tmp_path / "nowhere")


def test_load_image_file(image_tree: Path) -> None:
    rgb = load_image_file(image_tree / "cats" / "rgb.png", 16, 3)
    assert rgb.shape == (3, 16, 16) and rgb.dtype == torch.uint8
    assert load_image_file(image_tree / "cats" / "rgb.png", 16, 1).shape == (1, 16, 16)
    for bad in ("notes.txt", "corrupt.png"):
        with pytest.raises(ValueError, match=bad):
            load_image_file(image_tree / "cats" / bad, 16, 3)


# --- dispatch, splits, statistics ------------------------------------------------------------


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="digits, shapes, mnist"):
        load_dataset("imagenet")


def test_split_disjoint_complete_reproducible() -> None:
    train, val, test = split_indices(1000, (0.7, 0.2, 0.1), seed=5)
    assert (len(train), len(val), len(test)) == (700, 200, 100)
    assert torch.equal(torch.cat([train, val, test]).sort().values, torch.arange(1000))
    again = split_indices(1000, (0.7, 0.2, 0.1), seed=5)
    assert all(torch.equal(a, b) for a, b in zip((train, val, test), again, strict=True))
    assert not torch.equal(train, split_indices(1000, (0.7, 0.2, 0.1), seed=6)[0])
    assert len(split_indices(1, (0.1, 0.45, 0.45), seed=0)[0]) == 1


@pytest.mark.parametrize(
    "fractions",
    [(0.5, 0.2, 0.2), (1.2, -0.1, -0.1), (0.0, 0.5, 0.5), (0.5, 0.5), (0.8, np.nan, 0.2)],
)
def test_bad_fractions_raise(fractions: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="fraction"):
        split_indices(10, fractions, seed=0)  # type: ignore[arg-type]


def test_channel_stats_matches_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split_module, "_CHUNK_ELEMENTS", 1000)  # several chunks
    images = torch.randint(0, 256, (37, 3, 9, 9), dtype=torch.uint8)
    mean, std = channel_stats(images)
    x = images.double() / 255
    assert np.allclose(mean, x.mean(dim=(0, 2, 3)).tolist(), atol=1e-9)
    assert np.allclose(std, x.std(dim=(0, 2, 3), correction=0).tolist(), atol=1e-9)
    flat_mean, flat_std = channel_stats(torch.full((4, 1, 5, 5), 51, dtype=torch.uint8))
    assert flat_mean == pytest.approx((0.2,)) and flat_std == (1e-3,)


def fake_mnist_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, np.ndarray], dict[str, bytes]]:
    """Serve tiny MNIST files (with matching MD5s) in place of the network."""
    arrays = write_mnist(tmp_path / "source")
    payloads = {f"{s}.gz": gzip.compress(idx_bytes(a)) for s, a in arrays.items()}
    md5 = {s: hashlib.md5(payloads[f"{s}.gz"]).hexdigest() for s in arrays}
    monkeypatch.setitem(tv._IDX_MIRRORS, "mnist", ("http://mirror.invalid/",))
    monkeypatch.setitem(tv._IDX_MD5, "mnist", md5)
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout: FakeResponse(payloads[url.split("/")[-1]])
    )
    return arrays, payloads


def test_download_job_reports_progress_then_a_ready_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_mnist_mirror(tmp_path, monkeypatch)
    events = [e for e in download_job("mnist", tmp_path / "data") if e is not None]
    progress = [e for e in events if isinstance(e, ProgressEvent)]
    assert progress and all(0 < e.done <= e.total for e in progress)
    assert isinstance(events[-1], Message) and "8 images ready" in events[-1].text


def test_closing_a_download_job_cancels_it_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, payloads = fake_mnist_mirror(tmp_path, monkeypatch)

    class SlowResponse(FakeResponse):  # 4 bytes every 10 ms: each file takes a second or more
        def read(self, size: int = -1) -> bytes:
            time.sleep(0.01)
            return super().read(4)

    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout: SlowResponse(payloads[url.split("/")[-1]])
    )
    job = download_job("mnist", tmp_path / "data")
    first = next(e for e in job if e is not None)
    job.close()
    assert isinstance(first, ProgressEvent)
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert not list(raw.glob("*.part")) and len(list(raw.glob("*.gz"))) < 4
