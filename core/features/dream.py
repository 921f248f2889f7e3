"""Activation maximization: images optimized from noise to excite a class or a channel.

Lucent's recipe (Fourier parameterization, colour decorrelation, random transforms, Adam) at the
model's own size, so a 28 px gray LeNet and a 32-64 px colour net are dreamt natively, where
Lucent upsamples to 224 px and treats every model as RGB. Gradients are taken for the image's
spectrum alone (`torch.autograd.grad`): the model's weights get no gradient and stay as they were.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import torch
from torch import Tensor

from ..jobs.pacing import EMIT_INTERVAL
from ..models.geometry import layer_tree
from ..models.hooks import Captured, capture, find_layer, stop_after
from ..runs.loader import Classifier
from .dream_settings import DreamSettings
from .events import ClassTarget, DreamFrame, Target, UnitTarget
from .fourier import Adam, FourierImage, RandomWarps, warp
from .targets import check_unit, in_range


def dream_job(
    clf: Classifier, target: Target, settings: DreamSettings
) -> Iterator[DreamFrame | None]:
    """Maximize `target` on `clf`'s model, one image per seed: a tick (None) after each step
    (closing the job there cancels it), a DreamFrame at step 0, then every `frame_every` steps
    or every EMIT_INTERVAL seconds, and always at the last step. A layer, channel, unit or
    class the model does not have is refused before any step."""
    check_target(clf, target)
    layers = [target.layer] if isinstance(target, UnitTarget) else []
    with capture(clf.model, layers) as seen:  # (clones: an in-place ReLU after the layer)
        dream = Dream(clf, target, settings, seen)
        yield dream.frame(0)
        grids = dream.warps.grids() if settings.transforms else itertools.repeat(None)
        due = time.perf_counter() + EMIT_INTERVAL
        for step, grid in zip(range(1, settings.steps + 1), grids, strict=False):
            dream.ascend(grid)
            if step == settings.steps or _frame_due(settings.frame_every, step, due):
                yield dream.frame(step)
                due = time.perf_counter() + EMIT_INTERVAL
            else:
                yield None


def _frame_due(every: int, step: int, due: float) -> bool:
    return step % every == 0 if every else time.perf_counter() >= due


class Dream:
    """The seeds' images as they are optimized: each seed's generator draws its image's
    spectrum, then its transforms, so a seed dreams the same image alone or beside others."""

    def __init__(self, clf: Classifier, target: Target, settings: DreamSettings,
                 seen: Captured) -> None:
        generators = [torch.Generator().manual_seed(seed) for seed in settings.seeds]
        self.image = FourierImage(generators, clf.channels, clf.image_size, clf.device)
        self.warps = RandomWarps(generators, settings.steps, clf.image_size, clf.device)
        self.adam = Adam(self.image.spectrum, settings.lr)
        self.gain, self.bias = 1 / clf.std, -clf.mean / clf.std
        self.clf, self.target, self.seen, self.steps = clf, target, seen, settings.steps
        self.layer = find_layer(clf.model, target.layer) if isinstance(target, UnitTarget) \
            else None

    def ascend(self, grid: Tensor | None) -> None:
        """One step of Adam up the objective of the images, warped by `grid` when given."""
        logits = self.image.logits()
        pixels = (logits if grid is None else warp(logits, grid)).sigmoid()
        value = self.value(self.normalized(pixels)).sum()
        self.adam.step(torch.autograd.grad(value, self.image.spectrum)[0])

    def value(self, x: Tensor) -> Tensor:
        """The objective per image; a unit's layer ends the forward pass (the layers after it
        cannot change it)."""
        if isinstance(self.target, ClassTarget):
            return objective(self.clf.model(x), self.target, self.seen)
        with stop_after(self.layer):
            self.clf.model(x)
        return objective(None, self.target, self.seen)

    def normalized(self, pixels: Tensor) -> Tensor:
        """(pixels - mean) / std, in one op."""
        return torch.addcmul(self.bias, pixels, self.gain)

    def frame(self, step: int) -> DreamFrame:
        """The images as they stand, untransformed, with the objective on exactly that input."""
        with torch.no_grad():
            pixels = self.image.logits().sigmoid()
            x = self.normalized(pixels)
            values = self.value(x)
        clf = self.clf
        return DreamFrame(self.target, step, self.steps, pixels.cpu().numpy(),
                          values.cpu().numpy(), x.cpu().numpy(),
                          tuple(clf.mean.flatten().tolist()), tuple(clf.std.flatten().tolist()))


def objective(logits: Tensor | None, target: Target, seen: Captured) -> Tensor:
    """One value per image: the class logit, the channel's mean over its map or one unit."""
    if isinstance(target, ClassTarget):
        return logits[:, target.klass]
    channel = seen[target.layer][:, target.channel]
    if target.y is None:
        return channel.reshape(len(channel), -1).mean(1)
    return channel[:, target.y, target.x]


def check_target(clf: Classifier, target: Target) -> None:
    """ValueError, in the user's terms, for a target the model does not have."""
    if isinstance(target, ClassTarget):
        in_range(target.klass, len(clf.classes), "class", "the model")
        return
    find_layer(clf.model, target.layer)  # an unknown name: the message lists the valid ones
    tree = layer_tree(clf.model, (clf.channels, clf.image_size, clf.image_size))
    shape = next(layer for layer in tree.walk() if layer.name == target.layer).output_shape
    if not shape:
        raise ValueError(f"layer {target.layer!r} gives no single map of channels to maximize; "
                         "pick a layer whose output is one tensor")
    check_unit(target, shape)
