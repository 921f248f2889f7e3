"""The unit scan: for every channel of a layer, the K images that excite it most, in one pass.

DeepVis computed its top-9 offline; here each batch's per-image channel maxima are merged into
the running top-K with one torch.topk over all channels, so the scan costs about one inference
pass over the images.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from ..data.imageset import ImageSet
from ..jobs import ProgressEvent
from ..models.geometry import ReceptiveField, receptive_field, unit_boxes
from ..models.hooks import output_of, spatial_output
from ..runs.loader import Classifier
from .events import UnitScan

Best = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # value, image, position: C x K each


def unit_scan_job(
    clf: Classifier, images: ImageSet, indices: np.ndarray, layer: str, top: int = 9,
    batch_size: int = 256,
) -> Iterator[ProgressEvent | UnitScan]:
    """Scan images[indices] through `clf`'s model for `layer`'s top-`top` units per channel:
    a ProgressEvent after each batch (closing the job there cancels it), then a UnitScan.
    A layer that does not exist or gives no spatial map is refused before the scan."""
    if top < 1 or batch_size < 1:
        raise ValueError(f"top and batch size must be at least 1, got {top} and {batch_size}")
    if len(indices) == 0:
        raise ValueError("no image to scan: the chosen split is empty")
    shape = (clf.channels, clf.image_size, clf.image_size)
    field = receptive_field(clf.model, layer, shape)  # checks the layer, on one image
    best: Best | None = None
    for start in range(0, len(indices), batch_size):
        chunk = torch.from_numpy(np.asarray(indices[start : start + batch_size], np.int64))
        best = merge(best, batch_maxima(clf, images.images[chunk], layer), chunk, top)
        yield ProgressEvent(f"scanning {layer}", start + len(chunk), len(indices))
    assert best is not None
    yield result(clf, layer, field, best, shape)


def batch_maxima(clf: Classifier, pixels: torch.Tensor, layer: str) -> tuple[torch.Tensor, ...]:
    """Each image's maximum over the layer's map and its flat position there: B x C each."""
    with torch.inference_mode():
        seen = output_of(clf.model, layer, clf.normalize(pixels))
        value, position = spatial_output(seen, layer).flatten(2).max(2)
    return value.float(), position


def merge(best: Best | None, batch: tuple[torch.Tensor, ...], chunk: torch.Tensor,
          top: int) -> Best:
    """The running top-`top` per channel with a batch's maxima merged in (one topk)."""
    value, position = (t.T for t in batch)  # C x B
    image = chunk.to(value.device).expand_as(value)
    if best is not None:
        value, image, position = (torch.cat(pair, 1) for pair in
                                  zip(best, (value, image, position), strict=True))
    kept = value.topk(min(top, value.shape[1]), 1)
    return kept.values, image.gather(1, kept.indices), position.gather(1, kept.indices)


def result(
    clf: Classifier, layer: str, field: ReceptiveField, best: Best, shape: tuple[int, ...]
) -> UnitScan:
    """The final event: numpy copies, with each unit's receptive field: the centre unit's
    moved by the stride, when that is what the model gives at the map's corners and at the
    first and last unit found; else measured unit by unit."""
    value, image, position = (t.cpu().numpy() for t in best)
    y, x = np.divmod(position, field.grid[1])
    places = sorted(set(zip(y.flat, x.flat, strict=True)))
    boxes = {p: field.box(*p) for p in places}
    h, w = field.grid
    checks = list(dict.fromkeys([(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), places[0],
                                 places[-1]]))
    if [field.box(*p) for p in checks] != unit_boxes(clf.model, layer, shape, checks):
        boxes = dict(zip(places, unit_boxes(clf.model, layer, shape, places), strict=True))
    box = np.array([[boxes[p] for p in zip(ys, xs, strict=True)]
                    for ys, xs in zip(y, x, strict=True)], np.int64)
    return UnitScan(layer, image.astype(np.int64), y.astype(np.int64), x.astype(np.int64),
                    value.astype(np.float32), box, field)
