"""Feature extraction: a layer's activations over a split, flattened to N x D float32, on the
compute thread, with progress; the last extraction is kept per checkpoint, layer and images."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterator

import numpy as np
import torch
from torch import nn

from ..data.imageset import ImageSet
from ..jobs import ProgressEvent
from ..models.hooks import capture, find_layer, output_of
from ..runs.cache import checkpoint_stamp
from ..runs.loader import Classifier
from ..runs.sources import ModelSource, RunModel
from .events import Features

PASS_THROUGH = (nn.Dropout, nn.Identity)


def default_layer(clf: Classifier) -> str:
    """A classifier's last hidden layer: the module whose output feeds its last nn.Linear.
    Found on one forward pass of a blank input: the last module to finish whose output shares
    its storage with the Linear's input (so a view such as ResNet's flatten after its pool
    counts, and an in-place ReLU counts rather than the Linear before it); a Dropout or an
    Identity, which hand on that same tensor in eval mode, is named only when nothing else
    is (LeNet: its block classifier.fc2, not the dropout after it). A similarity run's
    default is its embedding: the last Linear's output."""
    names = {module: name for name, module in clf.model.named_modules() if name}
    linear = [m for m in names if isinstance(m, nn.Linear)]
    if not linear:
        raise ValueError(f"{type(clf.model).__name__} has no nn.Linear layer: name the layer "
                         "to embed")
    if is_similarity(clf):  # a similarity run's output
        return names[linear[-1]]
    finished: list[tuple[str, torch.Tensor]] = []  # kept alive: no storage is reused
    fed: list[tuple[int, int]] = []  # the Linear's input's storage, modules finished by then

    def record(module: nn.Module, _inputs: tuple, output: object) -> None:
        if isinstance(output, torch.Tensor):
            finished.append((names[module], output))

    def feed(_module: nn.Module, inputs: tuple) -> None:
        fed.append((inputs[0].data_ptr(), len(finished)))

    handles = [m.register_forward_hook(record) for m in names]
    handles.append(linear[-1].register_forward_pre_hook(feed))
    try:
        with torch.inference_mode():
            clf.model(torch.zeros(1, clf.channels, clf.image_size, clf.image_size,
                                  device=clf.device))
    finally:
        for handle in handles:
            handle.remove()
    pointer, done = fed[-1] if fed else (None, 0)
    feeders = [name for name, out in finished[:done] if out.data_ptr() == pointer]
    if not feeders:
        raise ValueError("no module's output feeds the last nn.Linear: name the layer to embed")
    layers = dict(clf.model.named_modules())
    named = [n for n in feeders if not isinstance(layers[n], PASS_THROUGH)]
    return (named or feeders)[-1]


def features_job(
    clf: Classifier, images: ImageSet, indices: np.ndarray, layer: str | None = None,
    batch_size: int = 256, predict: bool = False,
) -> Iterator[ProgressEvent | Features]:
    """`layer`'s activations (None: default_layer) for images[indices], flattened: a
    ProgressEvent after each batch (closing the job there cancels it), then Features. The
    forward pass stops after the layer, unless `predict` asks for a classifier's predictions
    too (a similarity run has no classes: none)."""
    if len(indices) == 0:
        raise ValueError("no image to embed: the chosen split is empty")
    layer = layer or default_layer(clf)
    find_layer(clf.model, layer)  # an unknown name: the message lists the valid ones
    predict = predict and not is_similarity(clf)
    rows, predicted = [], []
    for start in range(0, len(indices), batch_size):
        chunk = torch.from_numpy(np.asarray(indices[start : start + batch_size], np.int64))
        x = clf.normalize(images.images[chunk])
        with torch.inference_mode():
            if predict:
                with capture(clf.model, [layer]) as seen:
                    predicted.append(clf.model(x).argmax(1).cpu().numpy())
            else:
                seen = output_of(clf.model, layer, x)
        rows.append(seen[layer].flatten(1).float().cpu().numpy())
        yield ProgressEvent(f"features of {layer}", start + len(chunk), len(indices))
    index = np.asarray(indices, np.int64).copy()
    yield Features(layer, np.concatenate(rows), images.labels[torch.from_numpy(index)].numpy(),
                   index, np.concatenate(predicted) if predict else None)


def is_similarity(clf: Classifier) -> bool:
    """A similarity run: its output is an embedding, not class scores."""
    return clf.meta.get("objective", "classify") != "classify"


class FeatureCache:
    """The last Features extracted, reused while the model's checkpoint (its stamp), the
    dataset, the layer and the images asked for stay the same. Compute thread only."""

    def __init__(self) -> None:
        self._key: Hashable = None
        self._features: Features | None = None

    def job(
        self, source: ModelSource, clf: Classifier, images: ImageSet, indices: np.ndarray,
        layer: str | None = None, batch_size: int = 256, predict: bool = False,
    ) -> Iterator[ProgressEvent | Features]:
        """features_job, or the Features kept when nothing it depends on changed."""
        layer = layer or default_layer(clf)
        stamp = checkpoint_stamp(source.run) if isinstance(source, RunModel) else None
        digest = hashlib.sha1(np.asarray(indices, np.int64).tobytes()).hexdigest()
        key = (source, stamp, clf.dataset, images.name, layer, digest, predict)
        if key != self._key or self._features is None:
            self._key, self._features = None, None
            for event in features_job(clf, images, indices, layer, batch_size, predict):
                if isinstance(event, Features):
                    self._key, self._features = key, event
                yield event
        else:
            yield self._features
