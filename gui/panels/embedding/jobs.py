"""The Embeddings panel's job factories, and what they keep on the compute thread: the loaded
models and dataset (an InputCache) and each map's last features. Core's torch modules are
imported on the compute thread, on first use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from deepscope.core.embedding import TsneSettings
from deepscope.core.runs import ModelSource

SLOTS = 2  # maps side by side


class EmbeddingJobs:
    """Each method returns a generator job for the compute thread (and runs only there)."""

    def __init__(self) -> None:
        self._inputs = None
        self._caches: list = []

    def state(self):
        if self._inputs is None:
            from deepscope.core.embedding import FeatureCache
            from deepscope.core.runs import InputCache

            self._inputs = InputCache()
            self._caches = [FeatureCache() for _ in range(SLOTS)]
        return self._inputs, self._caches

    def setup(self, model: ModelSource) -> Iterator:
        from deepscope.core.embedding import setup_job

        return setup_job(self.state()[0], model)

    def maps(self, models: Sequence[ModelSource], layers: Sequence[str | None], split: str,
             n: int | None, method: str, settings: TsneSettings) -> Iterator:
        from deepscope.core.embedding import maps_job

        inputs, caches = self.state()
        return maps_job(inputs, caches, models, layers, split, n, method, settings)

    @staticmethod
    def neighbours(values: np.ndarray, row: int, k: int) -> Iterator:
        from deepscope.core.embedding import neighbours

        yield neighbours(values, row, k)
