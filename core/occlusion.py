"""Occlusion experiments (Zeiler & Fergus): slide a grey window over an image, watch the score.

Window placement and the per-pixel map match `captum.attr.Occlusion` with the model output
taken as the softmax probability of the target class: window k along an axis starts at
k * stride, and the last window is clipped at the image border.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from core.occlusion_reuse import ReusingForward, plan

Pair = int | tuple[int, int]


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


def _axis_masks(dim: int, window: int, stride: int, device: torch.device) -> Tensor:
    """Bool (positions x dim): which pixels of the axis each window position covers."""
    starts = torch.arange(windows_per_axis(dim, window, stride), device=device) * stride
    pixels = torch.arange(dim, device=device)
    return (pixels >= starts[:, None]) & (pixels < starts[:, None] + window)


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


def _bounds(position: Tensor, window: int, stride: int, dim: int) -> tuple[Tensor, Tensor]:
    """(start, end) pixels of each window position along one axis."""
    start = position * stride
    return start, (start + window).clamp(max=dim)


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


def occlusion_job(
    model: nn.Module,
    image: Tensor,
    target: int,
    window: Pair,
    stride: Pair,
    baseline: float | Tensor,
    batch_size: int = 64,
    reuse: bool = True,
) -> Iterator[OcclusionMaps | None]:
    """Occlude `image` (C x H x W, on the model's device) at every window position.

    Yields OcclusionMaps after each batch of occluded images (the last one complete) and
    None after an out-of-memory retry, which halves the batch size. With `reuse`, a model that
    starts with costly convolutions recomputes only the activations each occluder changes.
    """
    window, stride = _pair(window), _pair(stride)
    _check_inputs(image, batch_size)
    _, height, width = image.shape
    rows_mask = _axis_masks(height, window[0], stride[0], image.device)
    cols_mask = _axis_masks(width, window[1], stride[1], image.device)
    cols = len(cols_mask)
    total = len(rows_mask) * cols
    fill = _full_baseline(baseline, image)
    probability = np.full(total, np.nan, dtype=np.float32)
    top_class = np.full(total, -1, dtype=np.int64)
    drop_sum = torch.zeros(height, width, dtype=torch.float64, device=image.device)
    covered = torch.zeros(height, width, dtype=torch.float64, device=image.device)
    was_training = model.training
    model.eval()
    try:
        clean = _probabilities(model, image[None])[0]
        _check_target(target, len(clean))
        base = float(clean[target])
        staged = plan(model) if reuse else None
        reusing = ReusingForward(*staged, image) if staged else None
        if reusing is not None and not reusing.worthwhile():
            reusing = None
        done = 0
        while done < total:
            index = torch.arange(done, min(done + batch_size, total), device=image.device)
            row_band, col_band = rows_mask[index // cols], cols_mask[index % cols]  # B x H, B x W
            masks = row_band[:, :, None] & col_band[:, None, :]
            occluded = torch.where(masks[:, None], fill, image)
            try:
                if reusing is None:
                    probs = _probabilities(model, occluded)
                else:
                    bounds = [_bounds(i, w, s, d) for i, w, s, d in zip(
                        (index // cols, index % cols), window, stride, (height, width),
                        strict=True)]
                    probs = reusing(occluded, *bounds)
            except RuntimeError as error:
                if batch_size == 1 or not _is_out_of_memory(error):
                    raise
                batch_size //= 2
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                yield None
                continue
            drop = base - probs[:, target].double()
            # windows are separable (row band x column band): sums over them are matrix products
            row_band, col_band = row_band.double(), col_band.double()
            drop_sum += (row_band * drop[:, None]).T @ col_band
            covered += row_band.T @ col_band
            probability[done : done + len(index)] = probs[:, target].float().cpu().numpy()
            top_class[done : done + len(index)] = probs.argmax(1).cpu().numpy()
            done += len(index)
            pixel = (drop_sum / covered).float().cpu().numpy()  # 0 / 0 -> NaN where uncovered
            shape = (len(rows_mask), cols)
            yield OcclusionMaps(
                probability=probability.reshape(shape).copy(),
                drop=(np.float32(base) - probability).reshape(shape),
                top_class=top_class.reshape(shape).copy(),
                pixel=pixel,
                base_probability=base,
                target=target,
                window=window,
                stride=stride,
                done=done,
                total=total,
            )
    finally:
        model.train(was_training)


def occlusion_maps(
    model: nn.Module,
    image: Tensor,
    target: int,
    window: Pair,
    stride: Pair,
    baseline: float | Tensor,
    batch_size: int = 64,
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
