"""Projections of features to 2-D as generator jobs: t-SNE (openTSNE, live), PCA and UMAP
(scikit-learn; umap-learn when installed). Closing a job between frames stops it.

t-SNE runs openTSNE's own optimization (FFT-accelerated gradients from 10,000 points, linear
in N) in chunks of `frame_every` iterations, each continuing the previous one's state (its
gains and momentum), so the job yields a copy of the map, the iteration and the KL divergence
between chunks; scikit-learn's TSNE has no per-iteration hook and took 4x openTSNE's time on
10,000 x 512 features on 2 cores (../shared/design/ANCHORS.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from .events import METHODS, ProjectionFrame, TsneSettings

UMAP_MISSING = "UMAP is not installed: pip install deepscope[umap]"
DEFAULTS = TsneSettings()
# openTSNE's threads: one, its default. Beside torch (whose OpenMP runtime is a second one in
# the process) its 2 threads ran the gradient steps 15x slower on 269 points and 2x slower on
# 10,000 than one thread, on 2 busy cores.
TSNE_THREADS = 1


def projection_job(
    values: np.ndarray, method: str, settings: TsneSettings = DEFAULTS
) -> Iterator[ProjectionFrame]:
    """The map of N x D `values` by `method` (see METHODS); PCA and UMAP take the seed of
    `settings`, t-SNE all of them."""
    if method not in METHODS:
        raise ValueError(f"unknown projection {method!r}; choose one of {', '.join(METHODS)}")
    if len(values) < 3:
        raise ValueError(f"a map needs at least 3 points, got {len(values)}")
    if method == "tsne":
        return tsne_job(values, settings)
    return iter([(pca if method == "pca" else umap)(values, settings.seed)])


def tsne_job(values: np.ndarray, settings: TsneSettings = DEFAULTS) -> Iterator[ProjectionFrame]:
    """openTSNE's t-SNE of `values`: a frame every `settings.frame_every` iterations (the
    early-exaggeration phase's KL divergence is openTSNE's, corrected for the exaggeration)
    and after the last."""
    from openTSNE import TSNE

    settings.check(len(values))
    start = time.perf_counter()
    tsne = TSNE(perplexity=settings.perplexity, learning_rate=settings.learning_rate,
                initialization=settings.initialization, random_state=settings.seed,
                n_jobs=TSNE_THREADS)
    embedding = tsne.prepare_initial(np.asarray(values, np.float32))
    done, kl = 0, [0.0]
    while done < settings.iterations:
        early = done < settings.early_iterations
        chunk = min(settings.frame_every,
                    (settings.early_iterations if early else settings.iterations) - done)
        embedding.optimize(
            chunk, inplace=True, exaggeration=settings.exaggeration if early else None,
            callbacks=lambda _i, error, _e: kl.append(error), callbacks_every_iters=chunk)
        done += chunk
        yield ProjectionFrame("tsne", done, settings.iterations, np.array(embedding, np.float32),
                              time.perf_counter() - start, float(kl[-1]))


def pca(values: np.ndarray, seed: int = 0) -> ProjectionFrame:
    """The first two principal components, with the share of the variance each explains."""
    from sklearn.decomposition import PCA

    start = time.perf_counter()
    model = PCA(2, random_state=seed)
    coords = model.fit_transform(np.asarray(values, np.float32)).astype(np.float32)
    ratio = model.explained_variance_ratio_
    return ProjectionFrame("pca", 1, 1, coords, time.perf_counter() - start,
                           explained=(float(ratio[0]), float(ratio[1])))


def umap(values: np.ndarray, seed: int = 0) -> ProjectionFrame:
    """umap-learn's map with its defaults (an optional extra: its import alone takes ~20 s,
    numba's compilation)."""
    try:
        from umap import UMAP
    except ImportError:
        raise ValueError(UMAP_MISSING) from None
    start = time.perf_counter()
    coords = UMAP(random_state=seed).fit_transform(np.asarray(values, np.float32))
    return ProjectionFrame("umap", 1, 1, np.asarray(coords, np.float32),
                           time.perf_counter() - start)
