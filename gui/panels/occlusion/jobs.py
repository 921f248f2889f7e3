"""The occlusion panel's job factories: each returns a core generator job for the compute
thread. Torch and the core's torch modules are imported there, on first use, never here."""

from __future__ import annotations

from collections.abc import Iterator

from deepscope.core.occlusion.events import SplitPredictions
from deepscope.core.occlusion.spec import OcclusionSettings, Setup
from deepscope.core.runs import ModelSource


class OcclusionJobs:
    """Holds the loaded models and datasets (a SourceCache) for the panel's jobs; the cache
    is created and used on the compute thread only."""

    def __init__(self) -> None:
        self._cache = None

    def cache(self):
        if self._cache is None:
            from deepscope.core.occlusion.source import SourceCache

            self._cache = SourceCache()
        return self._cache

    def preview(self, setup: Setup) -> Iterator:
        from deepscope.core.occlusion.jobs import preview_job

        return preview_job(self.cache(), setup)

    def run(self, setup: Setup) -> Iterator:
        from deepscope.core.occlusion.jobs import run_job

        return run_job(self.cache(), setup)

    def probe(self, setup: Setup, row: int, col: int) -> Iterator:
        from deepscope.core.occlusion.jobs import probe_job

        return probe_job(self.cache(), setup, row, col)

    def predict(self, model: ModelSource, split: str) -> Iterator:
        from deepscope.core.occlusion.gallery import predict_split_job

        return predict_split_job(self.cache(), model, split)

    def gallery(self, model: ModelSource, predictions: SplitPredictions | None, split: str,
                kind: str, klass: int | None, settings: OcclusionSettings) -> Iterator:
        from deepscope.core.occlusion.gallery import gallery_job

        return gallery_job(self.cache(), model, predictions, split, kind, klass, settings)

    @staticmethod
    def zoo_status(name: str) -> Iterator:
        from deepscope.core.runs import zoo_status_job

        return zoo_status_job(name)

    @staticmethod
    def download(name: str) -> Iterator:
        from deepscope.core.models.torchvision_zoo import download_weights_job

        return download_weights_job(name)
