"""The live t-SNE against scikit-learn's, PCA's explained variance, UMAP only when installed."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.manifold import TSNE, trustworthiness
from threadpoolctl import threadpool_limits

from deepscope.core.embedding import ProjectionFrame, TsneSettings
from deepscope.core.embedding.projection import UMAP_MISSING, projection_job, tsne_job


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    """400 digits' 64 pixels: features enough for a map."""
    return load_digits().data[:400].astype(np.float32)


@pytest.mark.slow
def test_live_tsne_is_as_trustworthy_as_scikit_learns(digits) -> None:
    frames = list(tsne_job(digits, TsneSettings(frame_every=50)))
    assert [f.iteration for f in frames] == list(range(50, 751, 50))
    assert frames[-1].done and not frames[-2].done
    assert all(np.isfinite(f.kl) and f.kl > 0 for f in frames)
    assert frames[-1].kl < frames[4].kl  # it converges after the early exaggeration
    ours = trustworthiness(digits, frames[-1].coords, n_neighbors=10)
    with threadpool_limits(1, "openmp"):  # beside torch's OpenMP, 2 threads took 20x longer
        theirs = TSNE(random_state=0, init="pca").fit_transform(digits)
    theirs = trustworthiness(digits, theirs, n_neighbors=10)
    assert ours == pytest.approx(theirs, abs=0.01)


def test_tsne_frames_are_copies(digits) -> None:
    job = tsne_job(digits[:100], TsneSettings(perplexity=10, iterations=30, early_iterations=20,
                                              frame_every=10))
    first = next(job)
    kept = first.coords.copy()
    rest = list(job)
    assert [f.iteration for f in rest] == [20, 30]
    np.testing.assert_array_equal(first.coords, kept)  # later steps did not move it
    assert not np.array_equal(first.coords, rest[-1].coords)
    assert first.coords.shape == (100, 2) and first.coords.dtype == np.float32


def test_perplexity_must_fit_the_points(digits) -> None:
    with pytest.raises(ValueError, match=r"perplexity 33 does not fit 100 points: t-SNE needs "
                       r"0 < perplexity < \(N - 1\) / 3 = 33"):
        next(tsne_job(digits[:100], TsneSettings(perplexity=33)))
    next(tsne_job(digits[:100], TsneSettings(perplexity=32.9)))


def test_pca_explains_variance_as_the_spectrum_says(digits) -> None:
    (frame,) = projection_job(digits, "pca")
    centred = digits - digits.mean(0)
    spectrum = np.linalg.svd(centred, compute_uv=False) ** 2
    np.testing.assert_allclose(frame.explained, spectrum[:2] / spectrum.sum(), rtol=1e-4)
    assert frame.coords.shape == (400, 2) and frame.done
    np.testing.assert_allclose(frame.coords.var(0, ddof=1), spectrum[:2] / 399, rtol=1e-3)


def test_umap_without_umap_learn_says_how_to_get_it(digits, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap fails
    with pytest.raises(ValueError, match=r"pip install deepscope\[umap\]"):
        next(projection_job(digits, "umap"))
    assert "deepscope[umap]" in UMAP_MISSING


def test_umap_when_installed(digits) -> None:
    pytest.importorskip("umap")
    (frame,) = projection_job(digits, "umap")
    assert isinstance(frame, ProjectionFrame) and frame.coords.shape == (400, 2)


def test_unknown_method_and_too_few_points(digits) -> None:
    with pytest.raises(ValueError, match="unknown projection 'mds'; choose one of tsne, pca, umap"):
        projection_job(digits, "mds")
    with pytest.raises(ValueError, match="a map needs at least 3 points, got 2"):
        projection_job(digits[:2], "pca")
