"""Occlusion experiments (Zeiler & Fergus): slide a grey window over an image, watch the score.

Window placement and the per-pixel map match `captum.attr.Occlusion` with the model output
taken as the softmax probability of the target class: window k along an axis starts at
k * stride, and the last window is clipped at the image border.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from .reuse import ReusingForward, plan

Pair = int | tuple[int, int]
BATCH_VALUES = 2**19  # default batch: one batch for LeNet's 144 windows, 42 images at 3x64x64
Bounds = tuple[Tensor, Tensor]  # (start, end) pixel of each window position along one axis


@dataclass(frozen=True)
class OcclusionMaps:
    """Occlusion results; positions (and pixels) not computed yet hold NaN."""

    probability: np.ndarray  # float32 rows x cols: target probability, occluder at (row, col)
    drop: np.ndarray  # float32 rows x cols: base_probability - probability
    top_class: np.ndarray  # int64 rows x cols: most probable class (-1 when not computed)
    pixel: np.ndarray  # float32 H x W: mean drop over the computed windows covering a pixel
    base_probability: float
    target: int
    window: tuple[int, int]
    stride: tuple[int, int]
    done: int
    total: int


def windows_per_axis(dim: int, window: int, stride: int) -> int:
    """Number of window positions along an axis of `dim` pixels (the last one clipped)."""
    if not 1 <= window <= dim:
        if window > dim:
            raise ValueError(
                f"window {window} is larger than the {dim}-pixel image: use at most {dim}"
            )
        raise ValueError(f"window must be at least 1 pixel, got {window}")
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    return math.ceil((dim - window) / stride) + 1


def _pair(value: Pair) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


class _Axis:
    """The window positions along one axis: pixel bands and (start, end) of each position."""

    def __init__(self, dim: int, window: int, stride: int, device: torch.device) -> None:
        self.start = torch.arange(windows_per_axis(dim, window, stride), device=device) * stride
        self.end = (self.start + window).clamp(max=dim)
        pixels = torch.arange(dim, device=device)
        # bool positions x dim: the pixels each position covers
        self.band = (pixels >= self.start[:, None]) & (pixels < self.end[:, None])


def _full_baseline(baseline: float | Tensor, image: Tensor) -> Tensor:
    """The baseline broadcast to the image's C x H x W shape, dtype and device."""
    fill = torch.as_tensor(baseline, dtype=image.dtype, device=image.device)
    if fill.dim() == 1:
        fill = fill[:, None, None]
    try:
        return fill.expand_as(image)
    except RuntimeError:
        raise ValueError(f"a baseline of shape {tuple(fill.shape)} does not fit the "
                         f"{tuple(image.shape)} image: give a number, one value per channel or "
                         f"a C x H x W tensor") from None


def _check_inputs(image: Tensor, batch_size: int) -> None:
    if image.dim() != 3:
        raise ValueError(f"the image must be one C x H x W tensor, got shape {tuple(image.shape)}")
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")


def _check_target(target: int, classes: int) -> None:
    if not 0 <= target < classes:
        raise ValueError(f"target {target} is not a class of this model (0..{classes - 1})")


def occlude(
    image: Tensor, window: Pair, stride: Pair, baseline: float | Tensor, row: int, col: int
) -> tuple[Tensor, tuple[int, int, int, int]]:
    """The image occluded at one window position, and that window as (top, left, h, w)."""
    (wh, ww), (sh, sw) = _pair(window), _pair(stride)
    _, height, width = image.shape
    top, left = row * sh, col * sw
    box = (top, left, min(wh, height - top), min(ww, width - left))
    occluded = image.clone()
    region = (slice(None), slice(top, top + box[2]), slice(left, left + box[3]))
    occluded[region] = _full_baseline(baseline, image)[region]
    return occluded, box


def _is_out_of_memory(error: RuntimeError) -> bool:
    return isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in str(error)


def _probabilities(model: nn.Module, images: Tensor) -> Tensor:
    with torch.inference_mode():
        return model(images).softmax(1)


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Every module in eval mode for the duration; the ones that were training train again."""
    training = [m for m in model.modules() if m.training]
    for m in training:
        m.training = False
    try:
        yield
    finally:
        for m in training:
            m.training = True


Forward = Callable[[Tensor, slice], Tensor]  # (occluded images, their positions) -> probabilities


def _forward(model: nn.Module, image: Tensor, reuse: bool, rows: Bounds, cols: Bounds
             ) -> tuple[Forward, Tensor]:
    """How to score occluded images, and the clean image's class probabilities.

    rows, cols: (start, end) of the occluder at every position, for activation reuse.
    """
    staged = plan(model) if reuse else None
    if staged is None:
        clean = _probabilities(model, image[None])[0]
        return (lambda images, _: _probabilities(model, images)), clean
    reusing = ReusingForward(*staged, image, rows, cols)
    return reusing, reusing.clean_probabilities


class _Results:
    """Per-position results and the pixel-map sums, filled in batch by batch."""

    def __init__(self, rows: _Axis, cols: _Axis, base: float, target: int) -> None:
        self.rows, self.cols, self.base, self.target = rows, cols, base, target
        self.shape = (len(rows.start), len(cols.start))
        self.probability = np.full(self.shape, np.nan, dtype=np.float32)
        self.top_class = np.full(self.shape, -1, dtype=np.int64)
        pixels = (rows.band.shape[1], cols.band.shape[1])
        self.drop_sum = torch.zeros(pixels, dtype=torch.float64, device=rows.band.device)
        self.covered = torch.zeros_like(self.drop_sum)
        self.done = 0

    def add(self, probs: Tensor, row_band: Tensor, col_band: Tensor) -> None:
        """Results of the next len(probs) positions, whose windows cover these pixel bands."""
        # windows are separable (row band x column band): sums over them are matrix products
        row_band, col_band = row_band.double(), col_band.double()
        drop = self.base - probs[:, self.target].double()
        self.drop_sum += (row_band * drop[:, None]).T @ col_band
        self.covered += row_band.T @ col_band
        positions = slice(self.done, self.done + len(probs))
        self.probability.reshape(-1)[positions] = probs[:, self.target].float().cpu().numpy()
        self.top_class.reshape(-1)[positions] = probs.argmax(1).cpu().numpy()
        self.done = positions.stop

    def maps(self, window: tuple[int, int], stride: tuple[int, int]) -> OcclusionMaps:
        """A snapshot of the maps so far."""
        pixel = (self.drop_sum / self.covered).float().cpu().numpy()  # 0 / 0: NaN if uncovered
        return OcclusionMaps(
            probability=self.probability.copy(),
            drop=np.float32(self.base) - self.probability,
            top_class=self.top_class.copy(),
            pixel=pixel,
            base_probability=self.base,
            target=self.target,
            window=window,
            stride=stride,
            done=self.done,
            total=self.probability.size,
        )


def occlusion_job(
    model: nn.Module,
    image: Tensor,
    target: int,
    window: Pair,
    stride: Pair,
    baseline: float | Tensor,
    batch_size: int | None = None,
    reuse: bool = True,
) -> Iterator[OcclusionMaps | None]:
    """Occlude `image` (C x H x W, on the model's device) at every window position.

    Yields OcclusionMaps after each batch of occluded images (the last one complete) and
    None after an out-of-memory retry, which halves the batch size (by default, as many
    images as hold BATCH_VALUES input values). With `reuse`, a model that starts with
    convolutions recomputes only the activations each occluder changes.
    """
    window, stride = _pair(window), _pair(stride)
    if batch_size is None:
        batch_size = max(1, BATCH_VALUES // image.numel())
    _check_inputs(image, batch_size)
    rows, cols = (_Axis(d, w, s, image.device)
                  for d, w, s in zip(image.shape[1:], window, stride, strict=True))
    position = torch.arange(len(rows.start) * len(cols.start), device=image.device)
    row_of, col_of = position // len(cols.start), position % len(cols.start)  # row-major
    fill = _full_baseline(baseline, image)
    with _eval_mode(model):
        forward, clean = _forward(model, image, reuse, (rows.start[row_of], rows.end[row_of]),
                                  (cols.start[col_of], cols.end[col_of]))
        _check_target(target, len(clean))
        results = _Results(rows, cols, float(clean[target]), target)
        while results.done < len(position):
            batch = slice(results.done, results.done + batch_size)
            row_band, col_band = rows.band[row_of[batch]], cols.band[col_of[batch]]
            occluded = torch.where((row_band[:, :, None] & col_band[:, None, :])[:, None],
                                   fill, image)
            try:
                probs = forward(occluded, batch)
            except RuntimeError as error:
                if batch_size == 1 or not _is_out_of_memory(error):
                    raise
                batch_size //= 2
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                yield None
                continue
            results.add(probs, row_band, col_band)
            yield results.maps(window, stride)


def occlusion_maps(
    model: nn.Module,
    image: Tensor,
    target: int,
    window: Pair,
    stride: Pair,
    baseline: float | Tensor,
    batch_size: int | None = None,
    reuse: bool = True,
) -> OcclusionMaps:
    """Run `occlusion_job` to completion and return its final maps."""
    maps = None
    job = occlusion_job(model, image, target, window, stride, baseline, batch_size, reuse)
    for event in job:
        if event is not None:
            maps = event
    assert maps is not None  # the job always yields at least one position
    return maps
