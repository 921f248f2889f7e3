"""The dream's parameterization, transforms and Adam against independent references: Lucent's
frequency scale in numpy, torch's affine_grid and torch.optim.Adam."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deepscope.core.features import fourier
from deepscope.core.features.fourier import Adam, FourierImage, RandomWarps, frequency_scale


@pytest.mark.parametrize("size", [28, 32, 64])
def test_frequency_scale_is_lucents(size: int) -> None:
    fy = np.fft.fftfreq(size)[:, None]  # Lucent's rfft2d_freqs for an even size
    fx = np.fft.fftfreq(size)[: size // 2 + 1]
    freqs = np.sqrt(fx * fx + fy * fy)
    lucent = 1.0 / np.maximum(freqs, 1.0 / size)
    np.testing.assert_allclose(frequency_scale(size).numpy(), lucent, rtol=1e-6)


def test_images_are_gray_or_colour_and_a_seed_draws_the_same_spectrum() -> None:
    def image(seeds, channels):
        gens = [torch.Generator().manual_seed(s) for s in seeds]
        return FourierImage(gens, channels, 32, torch.device("cpu"))

    gray, rgb = image([0, 1], 1), image([0, 1], 3)
    assert gray.logits().shape == (2, 1, 32, 32) and rgb.logits().shape == (2, 3, 32, 32)
    torch.testing.assert_close(image([1], 3).spectrum[0], rgb.spectrum[1], rtol=0, atol=0)
    channels = rgb.logits().detach().flatten(2)
    assert torch.corrcoef(channels[0]).min() > 0.5  # decorrelated coefficients, correlated RGB


def test_warps_are_affine_grids_of_small_rotations_zooms_and_shifts(monkeypatch) -> None:
    monkeypatch.setattr(fourier, "GRID_CHUNK", 3 * 8 * 8 * 2)  # two steps a chunk: 4 chunks
    gens = [torch.Generator().manual_seed(s) for s in range(3)]
    warps = RandomWarps(gens, 7, 8, torch.device("cpu"))
    grids = list(warps.grids())
    assert len(grids) == 7
    for grid, maps in zip(grids, warps.maps, strict=True):
        expected = F.affine_grid(maps.mT, [3, 1, 8, 8], align_corners=False)
        torch.testing.assert_close(grid, expected)
    linear, shift = warps.maps[..., :2, :], warps.maps[..., 2, :]
    zoom = 1 / torch.linalg.det(linear).sqrt()
    angle = torch.rad2deg(torch.atan2(linear[..., 0, 1], linear[..., 0, 0]))
    assert zoom.min() >= 1 - fourier.ZOOM and zoom.max() <= 1 + fourier.ZOOM
    assert angle.abs().max() <= fourier.ANGLE and shift.abs().max() <= 2 * fourier.SHIFT
    assert angle.std() > 1 and zoom.std() > 0.01 and shift.std() > 0.01  # they do move


def test_adam_takes_torchs_steps_up_a_complex_tensor() -> None:
    gen = torch.Generator().manual_seed(0)
    start = torch.randn(2, 3, 5, dtype=torch.complex64, generator=gen)
    ours, theirs = start.clone().requires_grad_(), start.clone().requires_grad_()
    adam, reference = Adam(ours, lr=0.05), torch.optim.Adam([theirs], lr=0.05, maximize=True)
    for _ in range(6):
        grad = torch.randn(2, 3, 5, dtype=torch.complex64, generator=gen)
        adam.step(grad)
        theirs.grad = grad
        reference.step()
    torch.testing.assert_close(ours, theirs)
    assert (ours - start).abs().max() > 0.05  # it moved
