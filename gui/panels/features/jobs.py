"""The features panel's job factories, and what they keep on the compute thread: the loaded
model and dataset (an InputCache) and the unit scans done, per model checkpoint, layer and
split, so that scanning again or switching channels costs no second pass over the dataset.
Torch and core's torch modules are imported on the compute thread, on first use."""

from __future__ import annotations

from collections.abc import Iterator

from deepscope.core.data import ImageSource
from deepscope.core.features import DreamSettings, Target, UnitScan
from deepscope.core.jobs import Message
from deepscope.core.runs import ModelSource, RunModel

FROM_CACHE = "Top units from the scan already done for this checkpoint and layer."


class FeatureJobs:
    """Each method returns a generator job for the compute thread (and runs only there)."""

    def __init__(self) -> None:
        self._cache = None
        self._scans: dict[tuple, UnitScan] = {}  # of the latest model checkpoint scanned

    def cache(self):
        if self._cache is None:
            from deepscope.core.runs import InputCache

            self._cache = InputCache()
        return self._cache

    def layers(self, model: ModelSource) -> Iterator:
        from deepscope.core.features import layers_job

        return layers_job(self.cache(), model)

    def filters(self, model: ModelSource, layer: str, channel: int | None, scale: str,
                sort: bool) -> Iterator:
        from deepscope.core.features import filters_job

        return filters_job(self.cache(), model, layer, channel, scale, sort)

    def activations(self, model: ModelSource, image: ImageSource, layer: str) -> Iterator:
        from deepscope.core.features import activations_job

        return activations_job(self.cache(), model, image, layer)

    def scan(self, model: ModelSource, layer: str, split: str) -> Iterator:
        """The unit scan of `split` for `layer` (progress, then a UnitScan), or, when this
        checkpoint's layer was scanned before, a Message and that scan."""
        from deepscope.core.features import unit_scan_job

        clf = self.cache().classifier(model)
        images = self.cache().dataset(clf)
        key = scan_key(model, layer, split)
        if key in self._scans:
            yield Message(FROM_CACHE)
            yield self._scans[key]
            return
        for event in unit_scan_job(clf, images, clf.dataset.split(images, split), layer):
            if isinstance(event, UnitScan):
                self._scans = {k: v for k, v in self._scans.items() if k[:2] == key[:2]}
                self._scans[key] = event
            yield event

    def backprop(self, model: ModelSource, image: ImageSource, target: Target | str, method: str,
                 layer: str | None) -> Iterator:
        from deepscope.core.features.probes import backprop_job

        return backprop_job(self.cache(), model, image, target, method, layer)

    def maximize(self, model: ModelSource, target: Target, settings: DreamSettings) -> Iterator:
        from deepscope.core.features.probes import maximize_job

        return maximize_job(self.cache(), model, target, settings)

    def gram(self, model: ModelSource, image: ImageSource, layer: str,
             other: ImageSource | None) -> Iterator:
        from deepscope.core.features.probes import gram_view_job

        return gram_view_job(self.cache(), model, image, layer, other)

    def patches(self, model: ModelSource, scan: UnitScan, channel: int) -> Iterator:
        from deepscope.core.features import patches_job

        return patches_job(self.cache(), model, scan, channel)

    def predict(self, model: ModelSource, split: str) -> Iterator:
        """The split's predictions, for the dataset browser's filters."""
        from deepscope.core.occlusion.gallery import predict_split_job

        return predict_split_job(self.cache(), model, split)

    @staticmethod
    def download(name: str) -> Iterator:
        """Pretrained torchvision weights into the torch cache, with progress."""
        from deepscope.core.models.torchvision_zoo import download_weights_job

        return download_weights_job(name)


def scan_key(model: ModelSource, layer: str, split: str) -> tuple:
    """The model, its checkpoint as it is now (a run retrained or training on has another),
    the layer and the split."""
    from deepscope.core.runs import checkpoint_stamp

    stamp = checkpoint_stamp(model.run) if isinstance(model, RunModel) else None
    return model, stamp, layer, split
