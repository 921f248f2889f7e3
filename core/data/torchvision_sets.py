"""MNIST, Fashion-MNIST and CIFAR-10 read from torchvision's own on-disk layout.

Files are parsed here (IDX with numpy, CIFAR pickles with a numpy-only unpickler), so a dataset
copied from any torchvision install loads; downloads come from torchvision's own mirrors.
"""

from __future__ import annotations

import codecs
import gzip
import http.client
import pickle
import ssl
import tarfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
import torch

from ..jobs.download import ChecksumError, Progress, stream
from .imageset import DatasetUnavailable, ImageSet
from .names import TORCHVISION_SETS

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct


IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")
CLASSES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
    "cifar10": (
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck",
    ),
}  # fmt: skip
_IDX_FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
# Mirrors and MD5s as in torchvision.datasets.MNIST, FashionMNIST and CIFAR10 (torchvision 0.29),
# copied because importing torchvision takes seconds.
_IDX_MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}
_IDX_MD5 = {
    "mnist": dict(zip(IDX_FILES, (
        "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
        "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c",
    ), strict=True)),
    "fashion-mnist": dict(zip(IDX_FILES, (
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
        "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310",
    ), strict=True)),
}  # fmt: skip
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
_IDX_UBYTE = 0x08
_NETWORK_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
    ssl.SSLError,
)
_PICKLE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,  # how Python 3 writes bytes at protocol 2
}


def fetch_torchvision_set(name: str, root: Path, progress: Progress | None = None) -> None:
    """Download whatever files of the set are missing under root (no parsing, no torch)."""
    root = Path(root)
    if name == "cifar10":
        folder = root / CIFAR_FOLDER
        complete = all((folder / f).is_file() for f in CIFAR_FILES)
        if not complete and not (root / CIFAR_ARCHIVE).is_file():
            _fetch([CIFAR_URL], root / CIFAR_ARCHIVE, _CIFAR_MD5, progress)
        return
    folder = root / _IDX_FOLDERS[name] / "raw"
    missing = [f for f in IDX_FILES if _find_idx(folder, f) is None]
    for stem in missing:
        urls = [f"{mirror}{stem}.gz" for mirror in _IDX_MIRRORS[name]]
        _fetch(urls, folder / f"{stem}.gz", _IDX_MD5[name][stem], progress)


def load_torchvision_set(
    name: str, root: Path, download: bool = False, progress: Progress | None = None
) -> ImageSet:
    """Train then test images of "mnist", "fashion-mnist" or "cifar10" under root, as one set
    whose `test_from` is the index of the first official test image.

    Missing files are downloaded only when download is True; otherwise, like every failure,
    DatasetUnavailable says which files belong where.
    """
    if name not in TORCHVISION_SETS:
        raise ValueError(f"unknown torchvision set {name!r}; valid: {', '.join(TORCHVISION_SETS)}")
    root = Path(root)
    if download:
        fetch_torchvision_set(name, root, progress)
    if name == "cifar10":
        images, labels, test_from = _load_cifar(root)
    else:
        images, labels, test_from = _load_idx_set(name, root)
    return ImageSet(
        name=name,
        images=torch.from_numpy(images),
        labels=torch.from_numpy(labels.astype(np.int64)),
        classes=CLASSES[name],
        test_from=test_from,
    )


# --- MNIST and Fashion-MNIST: IDX files ----------------------------------------------------------


def _load_idx_set(name: str, root: Path) -> tuple[np.ndarray, np.ndarray, int]:
    folder = root / _IDX_FOLDERS[name] / "raw"
    missing = [f for f in IDX_FILES if _find_idx(folder, f) is None]
    if missing:
        raise _missing_error(name, folder, [f"{f} (or {f}.gz)" for f in missing])
    train_x, train_y, test_x, test_y = (_read_idx(_find_idx(folder, f)) for f in IDX_FILES)
    images, labels = _idx_pair(train_x, train_y, test_x, test_y, folder)
    if labels.size and labels.max() >= len(CLASSES[name]):
        raise _corrupt(folder, f"label {labels.max()} out of range")
    return images[:, None], labels, len(train_x)


def _find_idx(folder: Path, stem: str) -> Path | None:
    """The raw or gzipped file, whichever is there."""
    return next((p for p in (folder / stem, folder / f"{stem}.gz") if p.is_file()), None)


def _read_idx(path: Path) -> np.ndarray:
    """An unsigned-byte IDX array; shape from the header, size checked against it."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise _corrupt(path, f"unreadable: {error}") from error
    if len(raw) < 4 or raw[:3] != bytes((0, 0, _IDX_UBYTE)) or raw[3] == 0:
        raise _corrupt(path, "bad magic number, not an unsigned-byte IDX file")
    header = 4 + 4 * raw[3]
    if len(raw) < header:
        raise _corrupt(path, "truncated header")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", raw[3], 4))
    if len(raw) != header + int(np.prod(shape)):
        raise _corrupt(
            path, f"{len(raw) - header} data bytes for shape {shape}; truncated or damaged"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def _idx_pair(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray, folder: Path
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test concatenated, after checking images are 3-D and labels match them."""
    for x, y in ((train_x, train_y), (test_x, test_y)):
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise _corrupt(folder, f"images {x.shape} do not match labels {y.shape}")
    if train_x.shape[1:] != test_x.shape[1:]:
        raise _corrupt(folder, f"train images {train_x.shape} and test {test_x.shape} differ")
    return np.concatenate([train_x, test_x]), np.concatenate([train_y, test_y])


# --- CIFAR-10: pickled python batches ------------------------------------------------------------


def _load_cifar(root: Path) -> tuple[np.ndarray, np.ndarray, int]:
    folder = root / CIFAR_FOLDER
    if any(not (folder / f).is_file() for f in CIFAR_FILES):
        archive = root / CIFAR_ARCHIVE
        if not archive.is_file():
            missing = [f for f in CIFAR_FILES if not (folder / f).is_file()]
            raise _missing_error("cifar10", folder, missing, f"or {CIFAR_ARCHIVE} in {root}")
        _extract_cifar(archive, folder)
    batches = [_read_cifar_batch(folder / f) for f in CIFAR_FILES]
    images = np.concatenate([data for data, _ in batches]).reshape(-1, 3, 32, 32)
    test_from = len(images) - len(batches[-1][0])  # test_batch comes last (CIFAR_FILES)
    return images, np.concatenate([labels for _, labels in batches]), test_from


def _extract_cifar(archive: Path, folder: Path) -> None:
    """Writes the regular files of the archive's batch folder, by base name only (no paths)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                path = PurePosixPath(member.name)
                if member.isfile() and path.parent.name == CIFAR_FOLDER:
                    (folder / path.name).write_bytes(tar.extractfile(member).read())
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise _corrupt(archive, f"cannot extract: {error}") from error
    missing = [f for f in CIFAR_FILES if not (folder / f).is_file()]
    if missing:
        raise _corrupt(archive, f"no {', '.join(missing)} inside")


class _ArrayUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays and plain containers; any other global is refused, never run."""

    def find_class(self, module: str, name: str) -> object:
        try:
            return _PICKLE_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refused pickled global {module}.{name}") from None


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 N x 3072 data, labels N) of one batch file."""
    try:
        with path.open("rb") as file:
            batch = _ArrayUnpickler(file, encoding="latin1").load()
    except Exception as error:  # any failure to decode means a damaged or foreign file
        raise _corrupt(path, f"not a CIFAR-10 batch: {error}") from error
    if not isinstance(batch, dict):
        raise _corrupt(path, f"not a CIFAR-10 batch: holds a {type(batch).__name__}")
    data = batch.get("data", batch.get(b"data"))
    labels = np.asarray(batch.get("labels", batch.get(b"labels", ())))
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise _corrupt(path, "no uint8 N x 3072 'data' array")
    if data.shape[1] != 3 * 32 * 32 or labels.shape != (len(data),):
        raise _corrupt(path, f"data {data.shape} does not match labels {labels.shape}")
    if labels.size and (labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() > 9):
        raise _corrupt(path, "labels are not integers 0..9")
    return data, labels


# --- downloads and messages ----------------------------------------------------------------------


def _fetch(urls: list[str], dest: Path, md5: str, progress: Progress | None) -> None:
    """Downloads to dest from the first mirror that answers."""
    reason = "no mirror"
    for url in urls:
        try:
            stream(url, dest, progress, md5)
            return
        except ChecksumError as error:
            raise DatasetUnavailable(
                f"{error}; try again, or download it elsewhere and place it in {dest.parent}"
            ) from error
        except _NETWORK_ERRORS as error:
            reason = str(getattr(error, "reason", error))
    raise DatasetUnavailable(
        f"{dest.name} could not be downloaded ({reason}); you appear to be offline: "
        f"download {urls[0]} elsewhere and place it in {dest.parent}"
    )


def _missing_error(name: str, folder: Path, files: list[str], alt: str = "") -> DatasetUnavailable:
    alternative = f" ({alt})" if alt else ""
    return DatasetUnavailable(
        f"{name} not found: expected {', '.join(files)} in {folder}{alternative}; "
        "pass --download (needs internet) or copy the files there"
    )


def _corrupt(path: Path, detail: str) -> DatasetUnavailable:
    return DatasetUnavailable(
        f"{path} is damaged ({detail}); replace it, or delete it and pass --download"
    )
