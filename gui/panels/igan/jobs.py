"""The iGAN panel's job factories, and what they keep on the compute thread: the generator
loaded (a GanCache, reloaded when its run saves a newer epoch). Core's torch modules are
imported on the compute thread, on first use."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from deepscope.core.data import ImageSource
from deepscope.core.igan import Constraints, EditSettings, ProjectionSettings, Start


class IganJobs:
    """Each method returns a generator job for the compute thread (and runs only there)."""

    def __init__(self) -> None:
        self._cache = None

    def cache(self):
        if self._cache is None:
            from deepscope.core.igan import GanCache

            self._cache = GanCache()
        return self._cache

    def gan(self, run: str):
        return self.cache().get(run)

    def open(self, run: str, n: int | None, seed: int) -> Iterator:
        """The generator's GanInfo, then its first candidates."""
        from deepscope.core.igan import open_job

        return open_job(self.cache(), run, n, seed)

    def draws(self, run: str, n: int, seed: int, label: int | None) -> Iterator:
        """Fresh candidates: n seeded draws of the prior."""
        from deepscope.core.igan import draw_start, start_job

        gan = self.gan(run)
        yield from start_job(gan, draw_start(gan, n, seed, label))

    def around(self, run: str, z: np.ndarray, label: int | None, n: int, seed: int) -> Iterator:
        """Candidates around one latent (Fix, or a projection to edit), anchored there."""
        from deepscope.core.igan import fix_start, start_job

        gan = self.gan(run)
        yield from start_job(gan, fix_start(gan, z, label, n, seed))

    def still(self, run: str, start: Start) -> Iterator:
        """The candidates of `start` as they are (a saved edit reopened)."""
        from deepscope.core.igan import start_job

        return start_job(self.gan(run), start)

    @staticmethod
    def save(folder: str, run: str, frame, chosen: int, morph, strokes: list[dict],
             picture: np.ndarray) -> Iterator:
        from deepscope.core.igan import save_edit_job

        return save_edit_job(folder, run, frame, chosen, morph, strokes, picture)

    @staticmethod
    def open_saved(folder: str) -> Iterator:
        from deepscope.core.igan import open_edit_job

        return open_edit_job(folder)

    def edit(self, run: str, start: Start, constraints: Constraints,
             settings: EditSettings) -> Iterator:
        from deepscope.core.igan import edit_job

        return edit_job(self.gan(run), start, constraints, settings)

    def morph(self, run: str, z_from: np.ndarray, z_to: np.ndarray, label: int | None,
              mode: str) -> Iterator:
        from deepscope.core.igan import morph_job

        return morph_job(self.gan(run), z_from, z_to, label, mode=mode)

    def project(self, run: str, source: ImageSource, settings: ProjectionSettings) -> Iterator:
        """The image to project (with its conversion), the inverting network when the method
        needs it (trained now if none is saved: progress), then the projection's frames."""
        from deepscope.core.igan import image_of, projection_job, ready_encoder_job
        from deepscope.core.igan.events import Target

        gan = self.gan(run)
        target, conversion = image_of(gan, source)
        yield Target(target, conversion)
        if settings.method != "opt":
            yield from ready_encoder_job(gan)
        yield from projection_job(gan, target, settings)

    def train_encoder(self, run: str) -> Iterator:
        """Train the inverting network anew (progress), saved beside the run."""
        from deepscope.core.igan import encoder_job

        return encoder_job(self.gan(run))
