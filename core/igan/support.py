"""Latents kept inside the prior's support while Adam moves them freely: z = support(w).

iGAN's prior is uniform on [-1, 1]^d and its latents are z = tanh(w). Here, by prior (see
models.latents):
- "uniform": the cube [-1, 1]^d, z = tanh(w): iGAN's own.
- "gaussian": N(0, I) has all of R^d for support, yet G never saw a coordinate far out in the
  tails; the iGAN convention is kept with the cube [-3, 3]^d, z = 3 tanh(w), which holds 99.7%
  of each coordinate's draws (a draw beyond it starts at the wall).
- "sphere": the sphere of radius sqrt(d) itself, z = sqrt(d) w / |w|.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

BOX = {"uniform": 1.0, "gaussian": 3.0}  # half-width of the cube z stays in
_EDGE = 1 - 1e-3  # to_w's furthest point: tanh's slope there is 2e-3, so Adam can bring it back


def prior_of(meta: dict) -> str:
    """The prior a GAN run's checkpoint meta says it was trained with."""
    return meta.get("config", {}).get("prior", "gaussian")


def to_z(w: Tensor, prior: str) -> Tensor:
    """The latents (N x dim) inside `prior`'s support that free parameters w stand for."""
    if prior == "sphere":
        return w * (math.sqrt(w.shape[1]) / w.norm(dim=1, keepdim=True).clamp_min(1e-12))
    return BOX[prior] * torch.tanh(w)


def to_w(z: Tensor, prior: str) -> Tensor:
    """Parameters w with to_z(w) = z (a latent on or beyond the cube's wall: just inside)."""
    if prior == "sphere":
        return z.clone()
    return torch.atanh((z / BOX[prior]).clamp(-_EDGE, _EDGE))


def in_support(z: Tensor, prior: str, tolerance: float = 1e-4) -> bool:
    """Whether every row of z lies in `prior`'s support as kept here."""
    if prior == "sphere":
        radius = math.sqrt(z.shape[1])
        return bool(((z.norm(dim=1) - radius).abs() <= tolerance * radius).all())
    return bool((z.abs() <= BOX[prior] + tolerance).all())
