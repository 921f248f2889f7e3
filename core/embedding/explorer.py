"""The Embeddings panel's jobs on the compute thread: what a model offers (layers, splits), a
split's features with the predictions and the images, and a finished map's quality."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import zip_longest

import numpy as np
import torch

from ..data.sources import SPLITS
from ..jobs import ProgressEvent
from ..runs.inputs import InputCache
from ..runs.sources import ModelSource
from .events import Features, ForMap, Pictures, Quality, Setup, TsneSettings
from .features import FeatureCache, default_layer, is_similarity
from .projection import projection_job
from .quality import TRUST_POINTS, map_quality, sample


def setup_job(inputs: InputCache, model: ModelSource) -> Iterator[Setup]:
    """The model's layers, default layer, classes and split sizes."""
    clf = inputs.classifier(model)
    images = inputs.dataset(clf)
    layers = tuple(name for name, _ in clf.model.named_modules() if name)
    splits = {split: len(clf.dataset.split(images, split)) for split in SPLITS}
    yield Setup(layers, default_layer(clf), clf.classes, splits, is_similarity(clf))


def extract_job(
    inputs: InputCache, cache: FeatureCache, model: ModelSource, split: str, n: int | None,
    layer: str | None, seed: int = 0,
) -> Iterator[ProgressEvent | Features | Pictures]:
    """`layer`'s features (None: the default layer) of `n` images of `split` drawn with
    `seed` and kept in the split's order (None: all of it), with the predictions, then the
    images."""
    clf = inputs.classifier(model)
    images = inputs.dataset(clf)
    indices = clf.dataset.split(images, split)
    if n is not None and n > len(indices):
        raise ValueError(f"{n} images asked for, but the {split} split has {len(indices)}")
    indices = indices[sample(len(indices), n or len(indices), seed)]
    yield from cache.job(model, clf, images, indices, layer, predict=True)
    yield Pictures(images.images[torch.from_numpy(indices)].numpy())


def quality_job(features: Features, coords: np.ndarray, seed: int = 0) -> Iterator[Quality]:
    """The map's trustworthiness and the features' kNN accuracy, each on a seeded sample of
    TRUST_POINTS points when there are more (all 70,000 MNIST points' kNN accuracy alone
    takes ~20 s on 2 cores)."""
    yield map_quality(features.values, coords, features.labels, seed=seed,
                      knn_points=TRUST_POINTS)


def maps_job(
    inputs: InputCache, caches: Sequence[FeatureCache], models: Sequence[ModelSource],
    layers: Sequence[str | None], split: str, n: int | None, method: str,
    settings: TsneSettings,
) -> Iterator[ProgressEvent | ForMap]:
    """Maps of the same images (`n` of `split`, drawn with the settings' seed) for each model
    side by side: each one's features (cached per slot) and images, then the projections
    frame by frame in turns (the maps grow together), then each map's quality."""
    features = []
    for slot, (model, layer) in enumerate(zip(models, layers, strict=True)):
        for event in extract_job(inputs, caches[slot], model, split, n, layer, settings.seed):
            yield event if isinstance(event, ProgressEvent) else ForMap(slot, event)
            if isinstance(event, Features):
                features.append(event)
                if method == "tsne":
                    settings.check(len(event.values))
    last = {}
    projections = [projection_job(f.values, method, settings) for f in features]
    for frames in zip_longest(*projections):
        for slot, frame in enumerate(frames):
            if frame is not None:
                last[slot] = frame
                yield ForMap(slot, frame)
    for slot, found in enumerate(features):
        yield ProgressEvent("measuring the map's quality", slot, len(features))
        yield ForMap(slot, next(quality_job(found, last[slot].coords, settings.seed)))
