"""Latent spaces of generators: priors, seeded draws, interpolation and random walks.

Latents are float32 rows (n x dim). Priors: "gaussian" N(0, 1); "uniform" in [-1, 1] (iGAN's
prior); "sphere", points on the sphere of radius sqrt(dim), a Gaussian's typical norm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from .gan_spec import INTERPOLATIONS, PRIORS

_PARALLEL_SIN = 1e-6  # below this sin(angle), the great circle is ill-defined: lerp instead


def _check_prior(prior: str) -> None:
    if prior not in PRIORS:
        raise ValueError(f"unknown prior {prior!r}; choose one of: {', '.join(PRIORS)}")


def _check_steps(steps: int) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (both endpoints included), got {steps!r}")


def sample_prior(n: int, dim: int, prior: str, generator: torch.Generator | None = None,
                 device: str | torch.device | None = None) -> Tensor:
    """n latents of size dim from `prior`, drawn on the generator's device, returned on `device`."""
    _check_prior(prior)
    if n < 0 or dim < 1:
        raise ValueError(f"need n >= 0 and dim >= 1, got n={n}, dim={dim}")
    where = generator.device if generator is not None else device
    if prior == "uniform":
        z = torch.rand(n, dim, generator=generator, device=where) * 2 - 1
    else:
        z = torch.randn(n, dim, generator=generator, device=where)
    if prior == "sphere":
        z = _on_sphere(z, math.sqrt(dim))
    return z.to(device) if device is not None else z


def seeded_latents(seeds: Sequence[int], dim: int, prior: str) -> Tensor:
    """One latent per seed (len(seeds) x dim); a seed always gives the same z, whatever else."""
    _check_prior(prior)
    rows = [sample_prior(1, dim, prior, torch.Generator().manual_seed(int(s))) for s in seeds]
    return torch.cat(rows) if rows else torch.empty(0, dim)


def interpolate(z0: Tensor, z1: Tensor, steps: int, mode: str) -> Tensor:
    """`steps` latents from z0 to z1 inclusive (steps x dim), endpoints exact.

    "lerp" is linear. "slerp" follows the great circle between the directions while the norm
    changes linearly, so equal-norm endpoints give equal-norm steps; (near-)parallel or
    anti-parallel vectors, where that circle is undefined, fall back to lerp.
    """
    _check_steps(steps)
    if mode not in INTERPOLATIONS:
        raise ValueError(f"unknown mode {mode!r}; choose one of: {', '.join(INTERPOLATIONS)}")
    if z0.ndim != 1 or z0.shape != z1.shape:
        raise ValueError(f"need two 1-D latents of the same size, got {tuple(z0.shape)} "
                         f"and {tuple(z1.shape)}")
    a, b = z0.double(), z1.to(z0.device).double()
    t = torch.linspace(0, 1, steps, dtype=torch.float64, device=z0.device)[:, None]
    path = _slerp(a, b, t) if mode == "slerp" else None
    if path is None:
        path = (1 - t) * a + t * b
    path[0], path[-1] = a, b
    return path.to(z0.dtype)


def _slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor | None:
    """Great-circle path with linearly interpolated norm, or None when it is ill-defined."""
    ra, rb = a.norm(), b.norm()
    if ra == 0 or rb == 0:
        return None
    ua, ub = a / ra, b / rb
    angle = torch.arccos(torch.clamp(ua @ ub, -1.0, 1.0))
    sin = torch.sin(angle)
    if sin < _PARALLEL_SIN:
        return None
    direction = (torch.sin((1 - t) * angle) * ua + torch.sin(t * angle) * ub) / sin
    return ((1 - t) * ra + t * rb) * direction


def random_walk(z0: Tensor, steps: int, step_size: float, prior: str,
                generator: torch.Generator | None = None, smoothness: float = 0.9) -> Tensor:
    """A smooth walk of `steps` latents starting at z0 (steps x dim) on the prior's typical set.

    The velocity is an AR(1) process (`smoothness` in [0, 1) is its memory), so the direction
    turns gradually. Each move has per-coordinate scale `step_size`. "sphere" stays on radius
    sqrt(dim), "gaussian" keeps z0's norm, "uniform" reflects off the walls of [-1, 1].
    """
    _check_steps(steps)
    _check_prior(prior)
    if not 0.0 <= smoothness < 1.0:
        raise ValueError(f"smoothness must be in [0, 1), got {smoothness}")
    if z0.ndim != 1:
        raise ValueError(f"need a 1-D latent, got shape {tuple(z0.shape)}")
    noise = sample_prior(steps, z0.numel(), "gaussian", generator).to(z0)
    radius = _radius(z0, prior)
    z, velocity, path = z0.clone(), noise[0], [z0.clone()]
    for k in range(1, steps):
        velocity = smoothness * velocity + math.sqrt(1 - smoothness**2) * noise[k]
        z = z + step_size * velocity
        if prior == "uniform":
            z, velocity = _reflect(z, velocity)
        else:
            z = _on_sphere(z[None], radius)[0]
        path.append(z)
    return torch.stack(path)


def _radius(z0: Tensor, prior: str) -> float:
    norm = float(z0.norm())
    return norm if prior == "gaussian" and norm > 0 else math.sqrt(z0.numel())


def _on_sphere(z: Tensor, radius: float) -> Tensor:
    """Rows of z scaled to `radius` (a zero row stays zero)."""
    return z * (radius / z.norm(dim=1, keepdim=True).clamp_min(1e-12))


def _reflect(z: Tensor, velocity: Tensor) -> tuple[Tensor, Tensor]:
    """Fold z back into [-1, 1] like a ball off walls; the velocity flips where it bounced."""
    folded = torch.remainder(z + 1, 4)
    bounced = folded > 2
    z = torch.where(bounced, 4 - folded, folded) - 1
    return z, torch.where(bounced, -velocity, velocity)
