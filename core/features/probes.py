"""The panel's probing jobs on a model and an image of any source, through the compute
thread's InputCache: a backprop view for a class (true, predicted or given) or the selected
unit, activation maximization, and the Gram matrix beside a second image."""

from __future__ import annotations

from collections.abc import Iterator

from ..data.sources import ImageSource
from ..runs.inputs import InputCache, class_index
from ..runs.sources import ModelSource
from .dream import dream_job
from .dream_settings import DreamSettings
from .events import Attribution, ClassTarget, DreamFrame, GramView, Target
from .gram import gram_job
from .saliency import attribution


def backprop_job(cache: InputCache, model: ModelSource, image: ImageSource,
                 target: Target | str, method: str, layer: str | None) -> Iterator[Attribution]:
    """`method`'s view of the image for `target`: a Target, or "true" / "pred" (the class)."""
    clf = cache.classifier(model)
    pixels, label = cache.pixels(clf, image)
    if isinstance(target, str):
        target = ClassTarget(class_index(target, label,
                                         lambda: clf.model(clf.normalize(pixels[None])),
                                         len(clf.classes)))
    yield attribution(clf, pixels, target, method, layer)


def maximize_job(cache: InputCache, model: ModelSource, target: Target,
                 settings: DreamSettings) -> Iterator[DreamFrame | None]:
    """Activation maximization of `target` on the model (see dream_job)."""
    yield from dream_job(cache.classifier(model), target, settings)


def gram_view_job(cache: InputCache, model: ModelSource, image: ImageSource, layer: str,
                  other: ImageSource | None) -> Iterator[GramView]:
    """The layer's Gram matrix for the image, and the style distance to `other` when given."""
    clf = cache.classifier(model)
    pixels, _ = cache.pixels(clf, image)
    second = None if other is None else cache.pixels(clf, other)[0]
    yield from gram_job(clf, pixels, layer, second)
