"""GAN losses on discriminator logits (or WGAN critic values), and their helpers.

- minimax: D maximizes log D(x) + log(1 - D(G(z))); G minimizes log(1 - D(G(z))) (saturating).
- ns: the non-saturating heuristic, G minimizes -log D(G(z)).
- wgan: critic loss E[C(G(z))] - E[C(x)], G minimizes -E[C(G(z))]; weights clipped to +-0.01.
- wgan-gp: WGAN plus lambda E[(||grad C(x_hat)||_2 - 1)^2] on random interpolates, lambda 10.

D(x) = sigmoid(logit). One-sided label smoothing sets D's real target to 0.9 (minimax and ns).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

WGAN_LOSSES = ("wgan", "wgan-gp")
CLIP = 0.01
GP_WEIGHT = 10.0
SMOOTH_REAL_LABEL = 0.9


def discriminator_loss(
    loss: str, real: torch.Tensor, fake: torch.Tensor, real_label: float = 1.0
) -> torch.Tensor:
    """D's loss from its outputs on real and generated images (without the gradient penalty)."""
    if loss in WGAN_LOSSES:
        return fake.mean() - real.mean()
    real_target = torch.full_like(real, real_label)
    return (F.binary_cross_entropy_with_logits(real, real_target)
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


def generator_loss(loss: str, fake: torch.Tensor) -> torch.Tensor:
    """G's loss from D's outputs on generated images."""
    match loss:
        case "minimax":
            return -F.softplus(fake).mean()  # log(1 - sigmoid(l)) = -softplus(l)
        case "ns":
            return F.softplus(-fake).mean()  # -log sigmoid(l) = softplus(-l)
        case "wgan" | "wgan-gp":
            return -fake.mean()
    raise ValueError(f"unknown GAN loss {loss!r}")


def mean_output(loss: str, outputs: torch.Tensor) -> torch.Tensor:
    """What the curves show as D(x) or D(G(z)): mean probability, or mean critic value (WGAN)."""
    return outputs.detach().mean() if loss in WGAN_LOSSES else outputs.detach().sigmoid().mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
    eps: torch.Tensor, weight: float = GP_WEIGHT,
) -> torch.Tensor:
    """weight * mean((||grad_x critic(x_hat)|| - 1)^2), x_hat = eps x + (1 - eps) G(z).

    eps holds one uniform draw per image (N x 1 x 1 x 1)."""
    mixed = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return weight * (grad.flatten(1).norm(dim=1) - 1).square().mean()


@torch.no_grad()
def clip_weights(model: nn.Module, limit: float = CLIP) -> None:
    """WGAN's Lipschitz constraint: clamp every parameter to [-limit, limit]."""
    for p in model.parameters():
        p.clamp_(-limit, limit)
