"""Scoring a generator offline with a classifier trained on the same data, and standard FID.

The course's recipe: a judge classifier labels generated images. Confident labels mean salient
samples (mean max-probability), labels spread over every class mean diversity (class histogram,
classes covered), and both together give an Inception-style score exp(E_x KL(p(y|x) || p(y))).
The Frechet distance compares Gaussian fits of real and generated features from the judge's
penultimate layer. `inception_fid` is the standard FID when torchvision's Inception v3 weights
are already in the torch hub cache (this module never downloads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..models.hooks import forward_hooks
from ..runs.checkpoint import CheckpointError
from ..runs.loader import IMAGENET_MEAN, IMAGENET_STD, load_classifier
from ..runs.sources import RunModel

COVERAGE = 0.05  # a class counts as covered when it gets at least this fraction of samples
_LUMA = (0.299, 0.587, 0.114)  # ITU-R 601 weights, as PIL's convert("L")
FID_SIZE = 299


@dataclass(frozen=True, eq=False)
class GanScores:
    """Scores of one batch of generated images; `classifier` names the judge behind them."""

    classifier: str
    inception_score: float
    frechet_distance: float
    mean_max_prob: float
    class_histogram: np.ndarray  # fraction of samples per predicted class
    classes_covered: int
    fid: float | None = None
    coverage_threshold: float = COVERAGE

    def to_dict(self) -> dict:
        """Plain JSON-ready values, with the field names of `deepscope train-gan --json`."""
        return {"classifier": self.classifier, "classifier_is": self.inception_score,
                "classifier_fd": self.frechet_distance, "mean_max_prob": self.mean_max_prob,
                "classes_covered": self.classes_covered,
                "class_histogram": self.class_histogram.tolist(), "fid": self.fid}


def inception_score(probs: Tensor | np.ndarray) -> float:
    """exp(mean over samples of KL(p(y|x) || p(y))), p(y) the mean of the rows of `probs`."""
    p = np.asarray(probs, dtype=np.float64)
    marginal = p.mean(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 log 0 terms are 0
        kl = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(kl.sum(axis=1).mean()))


def class_histogram(probs: Tensor | np.ndarray) -> np.ndarray:
    """Fraction of samples whose most probable class is each class (K values summing to 1)."""
    p = np.asarray(probs)
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)


def classes_covered(histogram: np.ndarray, threshold: float = COVERAGE) -> int:
    """Number of classes that get at least `threshold` of the samples."""
    return int((np.asarray(histogram) >= threshold).sum())


def feature_stats(features: Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64) of N x F features; fewer than 2 samples: zero covariance."""
    x = np.asarray(features, dtype=np.float64)
    sigma = np.cov(x, rowvar=False) if len(x) > 1 else np.zeros((x.shape[1], x.shape[1]))
    return x.mean(axis=0), np.atleast_2d(sigma)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)) between two Gaussians.

    tr (S1 S2)^(1/2) is the sum of square roots of the eigenvalues of S1^(1/2) S2 S1^(1/2), a
    symmetric PSD matrix with the same spectrum: no complex parts and no eps offset, even for
    singular covariances (a collapsed generator).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    dims = (len(mu1), len(mu1))
    if mu1.shape != mu2.shape or s1.shape != dims or s2.shape != dims:
        raise ValueError(f"mismatched statistics: means {mu1.shape}, {mu2.shape}, "
                         f"covariances {s1.shape}, {s2.shape}")
    root1 = _psd_sqrt(s1)
    inner = np.linalg.eigvalsh(_symmetric(root1 @ s2 @ root1))
    cross = np.sqrt(np.clip(inner, 0, None)).sum()
    diff = mu1 - mu2
    return max(float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * cross), 0.0)


def _symmetric(m: np.ndarray) -> np.ndarray:
    return (m + m.T) / 2


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    """Square root of a symmetric PSD matrix (negative round-off eigenvalues clipped)."""
    values, vectors = np.linalg.eigh(_symmetric(m))
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def last_linear(model: nn.Module) -> nn.Linear:
    """The classifier's final nn.Linear (the last one registered), whose input is its features."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(model).__name__} has no nn.Linear layer to take features from")
    return linears[-1]


@contextmanager
def penultimate_features(model: nn.Module) -> Iterator[list[Tensor]]:
    """Within the block, each forward of `model` appends its penultimate features (N x F) to
    the yielded list; the hook is removed on exit, even after an error."""
    captured: list[Tensor] = []

    def hook(_module: nn.Module, inputs: tuple[Tensor, ...], _output: Tensor) -> None:
        captured.append(inputs[0].flatten(1))

    with forward_hooks([(last_linear(model), hook)]):
        yield captured


def adapt_images(images01: Tensor, channels: int, size: int) -> Tensor:
    """N x C x H x W images in [0, 1] as `channels` (grey <-> RGB) at size x size, bilinear."""
    if images01.ndim != 4:
        raise ValueError(f"expected images N x C x H x W, got shape {tuple(images01.shape)}")
    x = images01.float()
    if x.shape[1] != channels:
        x = _convert_channels(x, channels)
    if tuple(x.shape[-2:]) != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False,
                          antialias=min(x.shape[-2:]) > size)
    return x


def _convert_channels(x: Tensor, channels: int) -> Tensor:
    if x.shape[1] == 1 and channels == 3:
        return x.expand(-1, 3, -1, -1)
    if x.shape[1] == 3 and channels == 1:
        return (x * x.new_tensor(_LUMA)[:, None, None]).sum(dim=1, keepdim=True)
    raise ValueError(f"cannot turn {x.shape[1]}-channel images into {channels}-channel ones")


class Judge:
    """A trained classifier that labels and embeds generated images, as in its training."""

    def __init__(self, model: nn.Module, mean: Sequence[float], std: Sequence[float],
                 classes: Sequence[str], name: str, device: str | torch.device = "cpu", *,
                 image_size: int, batch_size: int = 256) -> None:
        if len(mean) != len(std) or len(mean) not in (1, 3):
            raise ValueError(f"need 1 or 3 channel means and stds, got {len(mean)} and {len(std)}")
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.channels, self.image_size, self.batch_size = len(mean), image_size, batch_size
        self.mean = torch.tensor(mean, dtype=torch.float32, device=self.device)[:, None, None]
        self.std = torch.tensor(std, dtype=torch.float32, device=self.device)[:, None, None]
        self.classes, self.name = tuple(classes), name
        last_linear(model)  # fail now, not at the first score, if there are no features

    @classmethod
    def from_run(cls, path: Path, device: str | torch.device | None = None) -> Judge:
        """The judge from a classifier run folder (best checkpoint, else the latest) or
        checkpoint file, on `device` (None: CUDA when present, else the CPU)."""
        path = Path(path).expanduser()
        try:
            clf = load_classifier(RunModel(path), device)
        except CheckpointError as err:
            raise ValueError(f"{path} is not a classifier run or checkpoint: {err}") from err
        return cls(clf.model, clf.mean.flatten().tolist(), clf.std.flatten().tolist(),
                   clf.classes, _judge_name(path, clf.spec.name, clf.meta), clf.device,
                   image_size=clf.image_size)

    def predict(self, images01: Tensor) -> tuple[Tensor, Tensor]:
        """(penultimate features N x F, class probabilities N x K), float32 on the CPU."""
        if len(images01) == 0:
            raise ValueError("no images to judge")
        features, probs = [], []
        with penultimate_features(self.model) as captured, torch.inference_mode():
            for batch in images01.split(self.batch_size):
                x = adapt_images(batch.to(self.device), self.channels, self.image_size)
                probs.append(self.model((x - self.mean) / self.std).float().softmax(1).cpu())
                features.append(captured.pop().float().cpu())
        return torch.cat(features), torch.cat(probs)

    def score(self, fake01: Tensor, real01: Tensor, coverage_threshold: float = COVERAGE,
              with_fid: bool = False) -> GanScores:
        """Judge generated images against real ones; `with_fid` adds FID when available."""
        fake_features, probs = self.predict(fake01)
        real_features, _ = self.predict(real01)
        histogram = class_histogram(probs)
        fid = inception_fid(fake01, real01, self.device) if with_fid and fid_available() else None
        return GanScores(
            classifier=self.name,
            inception_score=inception_score(probs),
            frechet_distance=frechet_distance(*feature_stats(fake_features),
                                              *feature_stats(real_features)),
            mean_max_prob=float(probs.max(dim=1).values.mean()),
            class_histogram=histogram,
            classes_covered=classes_covered(histogram, coverage_threshold),
            fid=fid,
            coverage_threshold=coverage_threshold,
        )


def _judge_name(path: Path, model_name: str, meta: dict) -> str:
    """'lenet run 20250101-120000-3f2a (val acc 0.95)' from a checkpoint's path and meta."""
    run = path.name if path.is_dir() else path.parent.name
    accuracy = next(((key, meta[key]) for key in ("test_acc", "val_acc") if key in meta), None)
    suffix = f" ({accuracy[0].replace('_', ' ')} {float(accuracy[1]):.2f})" if accuracy else ""
    return f"{model_name} run {run}{suffix}"


def _inception_weights_path() -> Path:
    from urllib.parse import urlparse

    from torchvision.models import Inception_V3_Weights

    name = Path(urlparse(Inception_V3_Weights.IMAGENET1K_V1.url).path).name
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def fid_available() -> bool:
    """Whether torchvision's Inception v3 ImageNet weights are in the torch hub cache."""
    return _inception_weights_path().is_file()


def inception_extractor(device: str | torch.device = "cpu") -> nn.Module:
    """Inception v3 from the cached weights, returning 2048-d pool features (never downloads)."""
    from torchvision.models import inception_v3

    path = _inception_weights_path()
    if not path.is_file():
        raise FileNotFoundError(f"Inception v3 weights not found at {path}; FID needs them")
    state = torch.load(path, weights_only=True, map_location="cpu")
    net = inception_v3(weights=None, aux_logits=False, init_weights=False, transform_input=True)
    net.load_state_dict({k: v for k, v in state.items() if not k.startswith("AuxLogits.")})
    net.fc = nn.Identity()
    return net.to(device).eval()


def inception_fid(fake01: Tensor, real01: Tensor, device: str | torch.device = "cpu",
                  extractor: nn.Module | Callable[[Tensor], Tensor] | None = None,
                  size: int = FID_SIZE, batch_size: int = 64) -> float:
    """FID between images in [0, 1]: RGB at size x size, ImageNet-normalized, through
    `extractor` (default: cached Inception v3, 2048-d pool features at 299 px)."""
    net = extractor if extractor is not None else inception_extractor(device)
    stats = [feature_stats(_extract(net, images, device, size, batch_size))
             for images in (fake01, real01)]
    return frechet_distance(*stats[0], *stats[1])


def _extract(net: nn.Module | Callable[[Tensor], Tensor], images01: Tensor,
             device: str | torch.device, size: int, batch_size: int) -> Tensor:
    mean = torch.tensor(IMAGENET_MEAN, device=device)[:, None, None]
    std = torch.tensor(IMAGENET_STD, device=device)[:, None, None]
    out = []
    with torch.inference_mode():
        for batch in images01.split(batch_size):
            x = adapt_images(batch.to(device), 3, size)
            out.append(net((x - mean) / std).flatten(1).float().cpu())
    return torch.cat(out)
