"""What a target may name, checked in one wording for every view (backprop, maximization)."""

from __future__ import annotations

from .events import UnitTarget

BOTH_OR_NEITHER = ("a unit needs both its row y and its column x (or neither: the channel's "
                   "mean)")


def in_range(value: int, size: int, what: str, owner: str) -> None:
    """ValueError unless 0 <= value < size: '{what} {value} is out of range for {owner}'."""
    if not 0 <= value < size:
        raise ValueError(f"{what} {value} is out of range for {owner}: pick 0 to {size - 1}")


def check_unit(target: UnitTarget, shape: tuple[int, ...]) -> None:
    """The target's channel, and its unit when given, inside a layer's output `shape`."""
    owner = f"layer {target.layer!r}"
    in_range(target.channel, shape[0], "channel", owner)
    if (target.y is None) != (target.x is None):
        raise ValueError(BOTH_OR_NEITHER)
    if target.y is None:
        return
    if len(shape) != 3:
        raise ValueError(f"layer {target.layer!r} has no spatial map (its output: "
                         f"{' x '.join(map(str, shape))}); pick the whole channel instead")
    in_range(target.y, shape[1], "row y", owner)
    in_range(target.x, shape[2], "column x", owner)
