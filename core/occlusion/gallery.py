"""Occlusion over a selection of a dataset: predict a split once, pick e.g. the 16 most
confident mistakes, and occlude each of them in one cancellable job."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from ..jobs import ProgressEvent
from ..runs.sources import ModelSource
from .events import GalleryItem, SplitPredictions
from .experiment import Experiment, overlay_image
from .jobs import image_info, occlusion_events
from .source import SourceCache
from .spec import GALLERY_SIZE, OcclusionSettings

PREDICT_BATCH = 256


def predict_split_job(
    cache: SourceCache, model: ModelSource, split: str, batch_size: int = PREDICT_BATCH
) -> Iterator[ProgressEvent | SplitPredictions]:
    """Predict every image of a split of the model's dataset, with progress per batch."""
    clf = cache.classifier(model)
    images = cache.dataset(clf)
    indices = clf.dataset.split(images, split)
    predicted = np.empty(len(indices), np.int64)
    confidence = np.empty(len(indices), np.float32)
    label = f"predicting the {split} split"
    for start in range(0, len(indices), batch_size):
        chunk = torch.from_numpy(indices[start : start + batch_size])
        with torch.inference_mode():
            probs = clf.model(clf.normalize(images.images[chunk])).softmax(1)
        top = probs.max(1)
        predicted[start : start + len(chunk)] = top.indices.cpu().numpy()
        confidence[start : start + len(chunk)] = top.values.cpu().numpy()
        yield ProgressEvent(label, start + len(chunk), len(indices))
    yield SplitPredictions(split, indices.astype(np.int64), images.labels[indices].numpy(),
                           predicted, confidence)


def gallery_job(
    cache: SourceCache, model: ModelSource, predictions: SplitPredictions | None, split: str,
    kind: str, klass: int | None, settings: OcclusionSettings, size: int = GALLERY_SIZE,
) -> Iterator:
    """Occlusion maps for up to `size` images chosen by `kind` (see SplitPredictions.select).

    Predicts the split first when `predictions` is None (yielding them), then yields a
    ProgressEvent and a GalleryItem per image; a cancel takes effect between batches.
    """
    if predictions is None:
        for event in predict_split_job(cache, model, split):
            yield event
            if isinstance(event, SplitPredictions):
                predictions = event
    assert predictions is not None
    chosen = predictions.select(kind, klass, size)
    if len(chosen) == 0:
        raise ValueError(f"no image of the {split} split fits the gallery ({kind})")
    clf = cache.classifier(model)
    images = cache.dataset(clf)
    for position, index in enumerate(chosen):
        yield ProgressEvent(f"occluding image {position + 1} of {len(chosen)}", position,
                            len(chosen))
        exp = Experiment.of(clf, images.images[index], int(images.labels[index]))
        info = image_info(exp, settings.target)
        maps = None
        for event in occlusion_events(exp, info, settings):
            maps = event or maps
            yield None  # a tick per batch: Cancel stops within one batch
        thumbnail = np.asarray(overlay_image(exp.pixels, maps.pixel, scale=1)).transpose(2, 0, 1)
        yield GalleryItem(position, len(chosen), int(index), info, maps, thumbnail.copy())
