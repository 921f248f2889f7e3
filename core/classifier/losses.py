"""Classification losses: softmax cross-entropy and the multiclass hinge (SVM) loss."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def multiclass_hinge(
    scores: torch.Tensor, labels: torch.Tensor, margin: float = 1.0
) -> torch.Tensor:
    """Weston-Watkins hinge: mean over the batch of sum_{j != y} max(0, s_j - s_y + margin)."""
    correct = scores.gather(1, labels[:, None])
    margins = (scores - correct + margin).clamp_min(0)
    margins = margins.scatter(1, labels[:, None], 0.0)
    return margins.sum(1).mean()


def make_loss(name: str) -> Loss:
    """The loss function for a config name."""
    losses: dict[str, Loss] = {"cross_entropy": F.cross_entropy, "hinge": multiclass_hinge}
    if name not in losses:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(losses)}")
    return losses[name]
