"""Activation layers by name, including maxout, which needs wider layers before it."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .spec import ACTIVATIONS

MAXOUT_PIECES = 2


class Maxout(nn.Module):
    """Maximum over groups of `pieces` adjacent channels (dim 1): C channels become C / pieces."""

    def __init__(self, pieces: int = MAXOUT_PIECES) -> None:
        super().__init__()
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] % self.pieces:
            raise ValueError(f"maxout needs channels divisible by {self.pieces}, got {x.shape[1]}")
        return x.unflatten(1, (-1, self.pieces)).amax(dim=2)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


_FACTORIES: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "maxout": lambda: Maxout(MAXOUT_PIECES),
}


def make_activation(name: str) -> nn.Module:
    """A fresh activation layer; ValueError for an unknown name."""
    if name not in _FACTORIES:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return _FACTORIES[name]()


def widen(name: str | None) -> int:
    """How many times wider the layer before activation `name` must be (maxout merges pieces)."""
    return MAXOUT_PIECES if name == "maxout" else 1
