"""Exact incremental occlusion for sequential conv stacks (after Krypton, SIGMOD 2019).

An occluder changes only the activations whose receptive field touches it. For a model that
starts with convolutions, max-pools and element-wise layers, the activations of the clean image
are computed once; for each occluded image only the changed region of every layer is recomputed
(a batched patch computation) and pasted into the clean activations. The rest of the model
(flatten, linear layers) runs as usual. Results equal a full forward pass up to float rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

MIN_PREFIX_MACS = 5e6  # smaller conv prefixes lose more to gathering and pasting than they save
ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.Tanh, nn.Sigmoid, nn.BatchNorm2d, nn.Dropout,
               nn.Identity)


@dataclass
class Stage:
    """A convolution or max-pool and the element-wise layers that follow it."""

    spatial: nn.Conv2d | nn.MaxPool2d
    after: list[nn.Module] = field(default_factory=list)

    def geometry(self, axis: int) -> tuple[int, int, int]:
        """(kernel, stride, padding) along axis 0 (rows) or 1 (columns)."""
        m = self.spatial
        return _along(m.kernel_size, axis), _along(m.stride, axis), _along(m.padding, axis)

    def patch(self, x: Tensor) -> Tensor:
        """The layer on an already padded patch, then the element-wise layers."""
        m = self.spatial
        if isinstance(m, nn.Conv2d):
            y = F.conv2d(x, m.weight, m.bias, m.stride, 0, 1, m.groups)
        else:
            y = F.max_pool2d(x, m.kernel_size, m.stride, 0)
        for layer in self.after:
            y = layer(y)
        return y

    def pad_value(self) -> float:
        return float("-inf") if isinstance(self.spatial, nn.MaxPool2d) else 0.0


def _along(value: int | tuple[int, ...], axis: int) -> int:
    return value if isinstance(value, int) else value[axis]


def _leaves(module: nn.Module) -> list[nn.Module]:
    if isinstance(module, nn.Sequential):
        return [leaf for child in module for leaf in _leaves(child)]
    return [module]


def _reusable(m: nn.Module) -> bool:
    if isinstance(m, nn.Conv2d):
        return m.dilation == (1, 1) and m.padding_mode == "zeros" and not isinstance(m.padding, str)
    if isinstance(m, nn.MaxPool2d):
        return m.dilation in (1, (1, 1)) and not m.ceil_mode and not m.return_indices
    return False


def plan(model: nn.Module) -> tuple[list[Stage], nn.Sequential] | None:
    """The reusable conv prefix of a sequential model and the rest, or None if there is none."""
    if not isinstance(model, nn.Sequential):
        return None
    layers, stages = _leaves(model), []
    for i, layer in enumerate(layers):
        if _reusable(layer):
            stages.append(Stage(layer))
        elif isinstance(layer, ELEMENTWISE) and stages:
            stages[-1].after.append(layer)
        else:
            return (stages, nn.Sequential(*layers[i:])) if stages else None
    return None  # a model of convolutions only has no classifier to reuse for


class ReusingForward:
    """Class probabilities of occluded images, recomputing only what each occluder changes."""

    def __init__(self, stages: list[Stage], rest: nn.Module, image: Tensor) -> None:
        self.stages, self.rest = stages, rest
        with torch.inference_mode():
            self.clean = [image[None]]
            for stage in stages:
                padded = _pad(self.clean[-1], stage)
                self.clean.append(stage.patch(padded))

    def worthwhile(self) -> bool:
        """Whether the conv prefix is costly enough to pay for patching (LeNet at 28 px: no)."""
        macs = sum(out.numel() * stage.spatial.weight[0].numel()
                   for stage, out in zip(self.stages, self.clean[1:], strict=True)
                   if isinstance(stage.spatial, nn.Conv2d))
        return macs >= MIN_PREFIX_MACS

    def __call__(self, images: Tensor, rows: tuple[Tensor, Tensor], cols: tuple[Tensor, Tensor]
                 ) -> Tensor:
        """images: occluded B x C x H x W; rows/cols: (start, end) of each changed region."""
        with torch.inference_mode():
            x = images
            for stage, clean in zip(self.stages, self.clean[1:], strict=True):
                (r0, nr), (c0, nc) = (_changed(stage, 0, *rows, clean.shape[-2]),
                                      _changed(stage, 1, *cols, clean.shape[-1]))
                k_r, s_r, _ = stage.geometry(0)
                k_c, s_c, _ = stage.geometry(1)
                patch = _gather(_pad(x, stage), r0 * s_r, (nr - 1) * s_r + k_r,
                                c0 * s_c, (nc - 1) * s_c + k_c)
                x = clean.expand(len(images), -1, -1, -1).clone()
                _paste(x, stage.patch(patch), r0, c0)
                rows, cols = (r0, r0 + nr), (c0, c0 + nc)
            return self.rest(x).softmax(1)


def _pad(x: Tensor, stage: Stage) -> Tensor:
    p_r, p_c = stage.geometry(0)[2], stage.geometry(1)[2]
    return F.pad(x, (p_c, p_c, p_r, p_r), value=stage.pad_value()) if p_r or p_c else x


def _changed(stage: Stage, axis: int, start: Tensor, end: Tensor, size: int) -> tuple[Tensor, int]:
    """Per image, the first output index of a fixed-length run covering every changed output."""
    k, s, p = stage.geometry(axis)
    first = torch.div(start + p - k, s, rounding_mode="floor") + 1
    last = -torch.div(-(end + p), s, rounding_mode="floor")  # ceil((end + p) / s)
    first, last = first.clamp(0, size), last.clamp(0, size)
    length = max(1, int((last - first).max()))
    return first.clamp(max=size - length), length


def _index(start: Tensor, length: int) -> Tensor:
    return start[:, None] + torch.arange(length, device=start.device)


def _gather(x: Tensor, r0: Tensor, nr: int, c0: Tensor, nc: int) -> Tensor:
    b = torch.arange(len(x), device=x.device)[:, None, None, None]
    ch = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return x[b, ch, _index(r0, nr)[:, None, :, None], _index(c0, nc)[:, None, None, :]]


def _paste(x: Tensor, patch: Tensor, r0: Tensor, c0: Tensor) -> None:
    b = torch.arange(len(x), device=x.device)[:, None, None, None]
    ch = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    rows = _index(r0, patch.shape[-2])[:, None, :, None]
    x[b, ch, rows, _index(c0, patch.shape[-1])[:, None, None, :]] = patch
