"""Batch augmentations that run on the device: flip, crop (shift), rotation, noise."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def augment(x: torch.Tensor, kinds: tuple[str, ...], generator: torch.Generator) -> torch.Tensor:
    """Randomly augment a normalized N x C x H x W batch, each image drawn independently."""
    if not kinds:
        return x
    n, dev = x.shape[0], x.device

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator, device=dev) * (hi - lo) + lo

    if "flip" in kinds:
        flip = torch.rand(n, generator=generator, device=dev) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if "crop" in kinds or "rotate" in kinds:
        degrees = 15.0 if "rotate" in kinds else 0.0
        angle = uniform(-degrees, degrees) * (math.pi / 180)
        shift = 0.1 if "crop" in kinds else 0.0
        cos, sin = angle.cos(), angle.sin()
        theta = torch.stack(
            [
                torch.stack([cos, -sin, uniform(-shift, shift)], 1),
                torch.stack([sin, cos, uniform(-shift, shift)], 1),
            ],
            1,
        )
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
    if "noise" in kinds:
        x = x + 0.1 * torch.randn(x.shape, generator=generator, device=dev)
    return x
