"""Backprop views of one input for a class's logit or a unit of a layer: the gradient (Simonyan
et al.), guided backprop (Springenberg et al.), deconvnet (Zeiler & Fergus) and Grad-CAM
(Selvaraju et al.). They equal Captum's within 1e-5 (tests/core/features/test_saliency.py).

Guided backprop and deconvnet change the backward rule at every `nn.ReLU`. Backward hooks on
torchvision's `ReLU(inplace=True)` raise in torch, so instead each ReLU call is recomputed by an
autograd function from the input a pre-hook keeps, and the module itself runs on a detached
copy: neither its in-place write nor its own gradient reaches the graph, and the model is never
modified. Every hook lives in a `with` block and comes off however the call ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..models.activations import Maxout
from ..models.hooks import Hook, find_layer, forward_hooks, spatial_output
from ..runs.loader import Classifier
from .events import SALIENCY_METHODS, Attribution, ClassTarget, Target, UnitTarget
from .targets import check_unit, in_range

METHODS = SALIENCY_METHODS
RELU_METHODS = ("guided", "deconv")


def saliency_job(
    clf: Classifier, pixels: Tensor, target: Target, method: str, layer: str | None = None
) -> Iterator[Attribution]:
    """`attribution` as a job of one event, for the GUI's newest-wins slot."""
    yield attribution(clf, pixels, target, method, layer)


def attribution(
    clf: Classifier, pixels: Tensor, target: Target, method: str, layer: str | None = None
) -> Attribution:
    """The backprop view `method` (one of METHODS) of uint8 C x H x W `pixels` for `target`:
    the gradient with respect to the normalized input (C x H x W), or Grad-CAM at `layer` (its
    h x w map, and that map bilinearly upsampled to H x W). ValueError, in words, for a bad
    method, layer, channel, class or image."""
    check(clf, pixels, method, layer)
    x = clf.normalize(pixels[None]).detach().requires_grad_()
    unit = target.layer if isinstance(target, UnitTarget) else None
    names = [name for name in {layer, unit} if name is not None]
    with torch.enable_grad(), relu_rule(clf.model, method), tapped(clf.model, names) as seen:
        score = target_score(clf.model(x), seen, target)
        wrt = x if layer is None else spatial_output(seen, layer)
        (grad,) = torch.autograd.grad(score, wrt, allow_unused=True)
    if grad is None:
        raise ValueError(f"the target does not depend on layer {layer!r}: pick a Grad-CAM "
                         "layer that runs before the target")
    value = float(score.detach())
    if layer is None:
        return Attribution(method, target, None, to_numpy(grad[0]), None, to_numpy(x), value)
    cam, upsampled = gradcam(wrt, grad, x.shape[-2:])
    return Attribution(method, target, layer, to_numpy(cam), to_numpy(upsampled), to_numpy(x),
                       value)


def check(clf: Classifier, pixels: Tensor, method: str, layer: str | None) -> None:
    """Refuses what can be refused before a forward pass."""
    if method not in METHODS:
        raise ValueError(f"unknown backprop view {method!r}; choose one of: {', '.join(METHODS)}")
    if (method == "gradcam") != (layer is not None):
        raise ValueError("gradcam needs a layer: one with a spatial map" if layer is None
                         else f"a layer is only for gradcam, not {method}")
    if pixels.dim() != 3 or pixels.shape[0] != clf.channels:
        raise ValueError(f"expected one image of {clf.channels} x height x width pixels, "
                         f"got shape {tuple(pixels.shape)}")
    if method in RELU_METHODS and (note := relu_note(clf.model)):
        raise ValueError(note)


def relu_note(model: nn.Module) -> str | None:
    """Why guided backprop and deconvnet are undefined for `model` (it has no nn.ReLU module),
    or None when they are defined."""
    if any(isinstance(m, nn.ReLU) for m in model.modules()):
        return None
    kinds = sorted({type(m).__name__ for m in model.modules() if is_activation(m)})
    found = (f"its activations are {', '.join(kinds)}" if kinds
             else "it has no activation modules (its activations may be function calls)")
    return (f"{type(model).__name__} has no ReLU modules ({found}): guided backprop and "
            "deconvnet change the gradient at ReLUs, so they are undefined for it; use the "
            "gradient or Grad-CAM")


def is_activation(module: nn.Module) -> bool:
    return type(module).__module__ == nn.Tanh.__module__ or isinstance(module, Maxout)


class _ReluRule(torch.autograd.Function):
    """ReLU forward; backward passes only positive gradient (deconvnet), and with `guided`
    only where the input was positive too (guided backprop)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, guided: bool) -> Tensor:
        ctx.positive = x > 0 if guided else None
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        grad = grad.clamp(min=0)
        return (grad if ctx.positive is None else grad * ctx.positive), None


@contextmanager
def relu_rule(model: nn.Module, method: str) -> Iterator[None]:
    """Within the block, every nn.ReLU call of `model` backpropagates by `method`'s rule
    (guided or deconv; any other method leaves the model's gradient as it is)."""
    if method not in RELU_METHODS:
        yield
        return
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    kept: dict[nn.Module, Tensor] = {}

    def keep(module: nn.Module, args: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        kept[module] = args[0]
        return (args[0].detach().clone(), *args[1:])  # the module's result is replaced below

    def recompute(module: nn.Module, _args: Any, _output: Tensor) -> Tensor:
        return _ReluRule.apply(kept.pop(module), method == "guided")

    with forward_hooks([(m, keep) for m in relus], pre=True), \
            forward_hooks([(m, recompute) for m in relus]):
        yield


@contextmanager
def tapped(model: nn.Module, names: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Within the block, each named layer's latest output as the graph holds it, to take
    gradients with respect to it: the layer passes a copy on, so that a later in-place op
    (torchvision's ReLU(inplace=True) after a batch norm) changes neither its values nor what
    its gradient is of."""
    seen: dict[str, Any] = {}

    def tap(name: str) -> Hook:
        def hook(_module: nn.Module, _args: Any, output: Any) -> Any:
            seen[name] = output
            return output.clone() if isinstance(output, Tensor) else None

        return hook

    with forward_hooks([(find_layer(model, name), tap(name)) for name in names]):
        yield seen


def target_score(logits: Tensor, seen: Mapping[str, Any], target: Target) -> Tensor:
    """The target's scalar value: a class's logit, a channel's mean over its map, or one unit."""
    if isinstance(target, ClassTarget):
        in_range(target.klass, logits.shape[1], "class", "the model")
        return logits[0, target.klass]
    out = ran(seen, target.layer)
    if not isinstance(out, Tensor) or out.dim() < 2:
        raise ValueError(f"layer {target.layer!r} has no channels to pick from")
    check_unit(target, tuple(out.shape[1:]))
    if target.y is None:
        return out[0, target.channel].mean()
    return out[0, target.channel, target.y, target.x]


def ran(seen: Mapping[str, Any], layer: str) -> Any:
    if layer not in seen:
        raise ValueError(f"layer {layer!r} did not run in the model's forward pass")
    return seen[layer]


def gradcam(acts: Tensor, grad: Tensor, size: Sequence[int]) -> tuple[Tensor, Tensor]:
    """ReLU(sum over channels of the spatially averaged gradient times the activation): the
    layer's h x w map, and that map upsampled bilinearly to `size`."""
    cam = F.relu((grad[0].mean((1, 2), keepdim=True) * acts[0]).sum(0))
    up = F.interpolate(cam[None, None], size=tuple(size), mode="bilinear", align_corners=False)
    return cam, up[0, 0]


def to_numpy(t: Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()
