"""A channel's top units of a unit scan as image crops: one small job per channel, so that
switching channels after a scan costs a crop, not a scan (the crops of every channel of a deep
layer at 224 px would take hundreds of MB)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from ..runs.inputs import InputCache
from ..runs.sources import ModelSource
from .events import UnitPatches, UnitScan


def unit_patches(images: torch.Tensor, scan: UnitScan, channel: int) -> UnitPatches:
    """Channel `channel`'s boxes cropped from uint8 N x C x H x W `images` (indexed as the
    scan's `index`), each in a tile as large as the largest box; a box the image's top or left
    border clipped is pushed to the tile's bottom or right, where the border cut it."""
    if not 0 <= channel < len(scan.value):
        raise ValueError(f"channel {channel} is out of range: layer {scan.layer!r} has "
                         f"{len(scan.value)} channels")
    boxes = scan.box[channel]
    tile = (boxes[:, 2:] - boxes[:, :2]).max(0)
    patches = np.zeros((len(boxes), images.shape[1], *tile), np.uint8)
    for k, (i, (y0, x0, y1, x1)) in enumerate(zip(scan.index[channel], boxes, strict=True)):
        top = tile[0] - (y1 - y0) if y0 == 0 else 0
        left = tile[1] - (x1 - x0) if x0 == 0 else 0
        crop = images[i, :, y0:y1, x0:x1].cpu().numpy()
        patches[k, :, top : top + y1 - y0, left : left + x1 - x0] = crop
    return UnitPatches(scan.layer, channel, patches)


def patches_job(cache: InputCache, model: ModelSource, scan: UnitScan,
                channel: int) -> Iterator[UnitPatches]:
    """The crops of a scan of the model's dataset (see unit_patches)."""
    clf = cache.classifier(model)
    yield unit_patches(cache.dataset(clf).images, scan, channel)
