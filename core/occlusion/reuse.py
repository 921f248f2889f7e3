"""Exact incremental occlusion for sequential conv stacks (after Krypton, SIGMOD 2019).

An occluder changes only the activations whose receptive field touches it. For a model that
starts with convolutions, max-pools and element-wise layers, the activations of the clean image
are computed once; for each occluded image only the changed region of every layer is recomputed
(a batched patch computation) and pasted into the clean activations, until a layer where every
output changes; from there on, and for the rest of the model (flatten, linear layers), layers
run in full. Results equal a full forward pass up to float rounding.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

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
            y = _max_pool(x, m)
        for layer in self.after:
            y = layer(y)
        return y

    def pad_value(self) -> float:
        return float("-inf") if isinstance(self.spatial, nn.MaxPool2d) else 0.0


def _max_pool(x: Tensor, pool: nn.MaxPool2d) -> Tensor:
    """The pool (no padding) as a max over strided slices, rows then columns.

    Exact, and 10-15x faster than F.max_pool2d on CPU (PyTorch 2.x), which also computes
    the indices of the maxima.
    """
    for axis in (0, 1):
        k, s = _along(pool.kernel_size, axis), _along(pool.stride, axis)
        span = (x.shape[axis - 2] - k) // s * s + 1  # from the first to the last window start
        slices = (x[(..., slice(j, j + span, s)) + (slice(None),) * (1 - axis)] for j in range(k))
        x = functools.reduce(torch.maximum, slices)
    return x


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


Run = tuple[Tensor, int]  # per occluder position, the first changed output; and a length


class ReusingForward:
    """Class probabilities of occluded images, recomputing only what each occluder changes."""

    def __init__(self, stages: list[Stage], rest: nn.Module, image: Tensor,
                 rows: tuple[Tensor, Tensor], cols: tuple[Tensor, Tensor]) -> None:
        """rows, cols: (start, end) of the occluder at every position along each axis."""
        self.stages, self.rest = stages, rest
        with torch.inference_mode():
            self.clean = [image[None]]
            for stage in stages:
                self.clean.append(stage.patch(_pad(self.clean[-1], stage)))
            self.clean_probabilities = rest(self.clean[-1]).softmax(1)[0]
            # each stage's clean output, padded as the next stage's input
            self.padded = [_pad(out, following)
                           for out, (_, following) in zip(self.clean[1:], self._pairs(),
                                                          strict=True)]
        self.runs: list[tuple[Run, Run]] = []  # per stage, until one whose every output changes
        for stage, clean in zip(stages, self.clean[1:], strict=True):
            (r0, nr), (c0, nc) = (_changed(stage, 0, *rows, clean.shape[-2]),
                                  _changed(stage, 1, *cols, clean.shape[-1]))
            if (nr, nc) == clean.shape[-2:]:
                break
            self.runs.append(((r0, nr), (c0, nc)))
            rows, cols = (r0, r0 + nr), (c0, c0 + nc)

    def __call__(self, images: Tensor, positions: slice) -> Tensor:
        """images: B x C x H x W, occluded at these B consecutive positions."""
        with torch.inference_mode():
            x = _pad(images, self.stages[0])  # from here on, x is the next stage's padded input
            for i, (stage, following) in enumerate(self._pairs()):
                if i < len(self.runs):
                    (r0, nr), (c0, nc) = self.runs[i]
                    x = _patched(stage, x, self.padded[i], (r0[positions], nr),
                                 (c0[positions], nc), _padding(following))
                else:
                    x = _pad(stage.patch(x), following)
            return self.rest(x).softmax(1)

    def _pairs(self) -> list[tuple[Stage, Stage | None]]:
        """Each stage and the one after it (None after the last)."""
        return list(zip(self.stages, [*self.stages[1:], None], strict=True))


def _patched(stage: Stage, x: Tensor, clean: Tensor, rows: Run, cols: Run,
             margin: tuple[int, int]) -> Tensor:
    """The clean output (padded by margin) with each image's changed run recomputed.

    x: the stage's padded input; rows, cols: per image, where the run starts, and its length.
    """
    (r0, nr), (c0, nc) = rows, cols
    (k_r, s_r, _), (k_c, s_c, _) = stage.geometry(0), stage.geometry(1)
    batch = torch.arange(len(x), device=x.device)
    inputs = _windows(x, (nr - 1) * s_r + k_r, (nc - 1) * s_c + k_c)
    out = clean.expand(len(x), -1, -1, -1).clone()
    patch = stage.patch(inputs[batch, :, r0 * s_r, c0 * s_c])
    _windows(out, nr, nc)[batch, :, r0 + margin[0], c0 + margin[1]] = patch
    return out


def _padding(stage: Stage | None) -> tuple[int, int]:
    return (0, 0) if stage is None else (stage.geometry(0)[2], stage.geometry(1)[2])


def _pad(x: Tensor, stage: Stage | None) -> Tensor:
    """x padded as `stage` pads its input (unchanged when there is no stage)."""
    if stage is None or _padding(stage) == (0, 0):
        return x
    p_r, p_c = _padding(stage)
    return F.pad(x, (p_c, p_c, p_r, p_r), value=stage.pad_value())


def _changed(stage: Stage, axis: int, start: Tensor, end: Tensor, size: int) -> Run:
    """Per position, the first output of a fixed-length run covering every changed output."""
    k, s, p = stage.geometry(axis)
    first = torch.div(start + p - k, s, rounding_mode="floor") + 1
    last = -torch.div(-(end + p), s, rounding_mode="floor")  # ceil((end + p) / s)
    first, last = first.clamp(0, size), last.clamp(0, size)
    length = max(1, int((last - first).max()))
    return first.clamp(max=size - length), length


def _windows(x: Tensor, height: int, width: int) -> Tensor:
    """A view of every height x width window of x: B x C x rows x cols x height x width."""
    return x.unfold(2, height, 1).unfold(3, width, 1)
