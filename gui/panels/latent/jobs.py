"""The latent panel's job factories: each returns a core job for the compute thread. Torch and
core.latent.jobs are imported there, on first use, never on the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from deepscope.core.latent.events import PathRequest, RunRef


class LatentJobs:
    """Holds the generator cache; it is created and used on the compute thread only."""

    def __init__(self) -> None:
        self._cache = None

    def cache(self):
        if self._cache is None:
            from deepscope.core.latent.jobs import GeneratorCache

            self._cache = GeneratorCache()
        return self._cache

    def open(self, run: RunRef, seeds: Sequence[int]) -> Iterator:
        from deepscope.core.latent.jobs import open_job

        return open_job(self.cache(), run, seeds)

    def refresh(self, run: RunRef, seeds: Sequence[int]) -> Iterator:
        from deepscope.core.latent.jobs import refresh_job

        return refresh_job(self.cache(), run, seeds)

    def draws(self, run: RunRef, seeds: Sequence[int]) -> Iterator:
        from deepscope.core.latent.jobs import draws_job

        return draws_job(self.cache(), run, seeds)

    def frames(self, request: PathRequest) -> Iterator:
        from deepscope.core.latent.jobs import frames_job

        return frames_job(self.cache(), request)

    @staticmethod
    def export(images: np.ndarray, path: str, frame_ms: int | None = None) -> Iterator:
        from deepscope.core.latent.jobs import export_job

        return export_job(images, path, frame_ms)
