"""What a layer holds and computes: its filters as image tiles, every channel of its output for
one input with the model's top-5, and the tree of the model's layers to pick one from.

Jobs for the compute thread, each on a model and input from an InputCache (so any model source
works: a run, torchvision, the user's own). One forward pass gives the layer's maps, the top-5
and, from one reduction per leaf module as it runs, the largest activation across the network:
no other output is kept. On LeNet (2 cores, one thread) the pass with its reductions takes
1.2 ms, against 0.6 ms for the layer's maps alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from ..data.sources import ImageSource
from ..models.geometry import layer_tree
from ..models.hooks import capture, find_layer, forward_hooks
from ..runs.inputs import InputCache
from ..runs.loader import Classifier
from ..runs.sources import ModelSource
from .events import Activations, Filters, LayerTree

SCALES = ("filter", "layer")  # what sets a tile's contrast: its own filter, or the whole layer


def input_shape(clf: Classifier) -> tuple[int, int, int]:
    return clf.channels, clf.image_size, clf.image_size


def layers_job(cache: InputCache, model: ModelSource) -> Iterator[LayerTree]:
    """The model's layer tree with output shapes, its input shape and classes."""
    clf = cache.classifier(model)
    shape = input_shape(clf)
    yield LayerTree(layer_tree(clf.model, shape), shape, clf.classes)


# --- filters ---------------------------------------------------------------------------------
def filter_weights(clf: Classifier, layer: str) -> torch.Tensor:
    """The layer's filters as out x in x kh x kw: a conv's weights, or a linear layer's rows
    reshaped to the input image when it reads the image (an MLP's first layer)."""
    module = find_layer(clf.model, layer)
    if isinstance(module, nn.Conv2d):
        return module.weight.detach().float().cpu()
    shape = input_shape(clf)
    if isinstance(module, nn.Linear) and module.in_features == math.prod(shape):
        return module.weight.detach().float().cpu().reshape(-1, *shape)
    usable = [name for name, m in clf.model.named_modules() if isinstance(m, nn.Conv2d) or (
        isinstance(m, nn.Linear) and m.in_features == math.prod(shape))]
    raise ValueError(f"layer {layer!r} ({type(module).__name__}) has no filters to show as "
                     "images; pick a convolution" + (f": {', '.join(usable)}" if usable else ""))


def filter_tiles(weights: torch.Tensor, channel: int | None, scale: str
                 ) -> tuple[torch.Tensor, str]:
    """Tiles in [0, 1] of out x in x kh x kw weights, and what they show. `channel` None: the
    whole filter (RGB for 3 inputs, grey for 1, else the L2 norm over the inputs); a number:
    that input channel alone. Signed weights map 0 to mid grey, ±(largest |w|) to 0 and 1; a
    norm maps 0 to black. `scale` "filter": each tile's own largest |w|; "layer": the layer's."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    inputs = weights.shape[1]
    if channel is not None and not 0 <= channel < inputs:
        raise ValueError(f"input channel {channel} is out of range: the layer's filters have "
                         f"{inputs} input channels (0..{inputs - 1})")
    if channel is not None:
        w, mode = weights[:, channel : channel + 1], f"input channel {channel}"
    elif inputs in (1, 3):
        w, mode = weights, "RGB" if inputs == 3 else "grey"
    else:
        w, mode = weights.norm(dim=1, keepdim=True), f"L2 norm over {inputs} inputs"
    dims = (1, 2, 3) if scale == "filter" else (0, 1, 2, 3)
    peak = w.abs().amax(dim=dims, keepdim=True).clamp_min(1e-12)
    return (w / peak if mode.startswith("L2") else 0.5 + w / (2 * peak)), mode


def filters_job(
    cache: InputCache, model: ModelSource, layer: str, channel: int | None = None,
    scale: str = "filter", sort: bool = False,
) -> Iterator[Filters]:
    """The layer's filters as tiles (see filter_tiles), largest L2 norm first with `sort`."""
    weights = filter_weights(cache.classifier(model), layer)
    tiles, mode = filter_tiles(weights, channel, scale)
    norm = weights.flatten(1).norm(dim=1)
    order = norm.argsort(descending=True, stable=True) if sort else torch.arange(len(norm))
    yield Filters(layer, tiles[order].numpy(), order.numpy().astype(np.int64),
                  norm[order].numpy(), weights.numpy(), mode, scale)


# --- activations -----------------------------------------------------------------------------
def as_maps(output: Any, layer: str) -> torch.Tensor:
    """A layer's 1 x C x h x w or 1 x C output as C x h x w (C x 1 x 1); ValueError else."""
    if isinstance(output, torch.Tensor) and output.dim() in (2, 4):
        maps = output[0].float()
        return maps if maps.dim() == 3 else maps[:, None, None]
    shape = " x ".join(map(str, output.shape[1:])) if isinstance(output, torch.Tensor) else (
        type(output).__name__)
    raise ValueError(f"layer {layer!r} gives {shape}; pick a layer whose output is channels x "
                     "height x width, or a vector")


def activations(clf: Classifier, pixels: torch.Tensor, layer: str,
                label: int | None = None) -> Activations:
    """Every channel of `layer` for uint8 C x H x W `pixels`, the top-5 and the network's
    peak activation (see Activations), from one forward pass."""
    peaks: dict[int, list[torch.Tensor]] = {}

    def peak(_module: nn.Module, _inputs: Any, out: Any) -> None:
        if isinstance(out, torch.Tensor) and out.is_floating_point():  # before in-place ops
            peaks.setdefault(out.dim(), []).append(out.detach().abs().amax())

    model = clf.model
    with torch.inference_mode(), capture(model, [layer]) as seen, \
            forward_hooks((m, peak) for m in model.modules() if not any(m.children())):
        logits = model(clf.normalize(pixels[None]))
    if layer not in seen:
        raise ValueError(f"layer {layer!r} did not run in a forward pass of the model")
    maps = as_maps(seen[layer], layer)
    rank = seen[layer].dim()
    probs = logits.float().softmax(1)[0].cpu()
    top = probs.topk(min(5, len(probs)))
    top5 = tuple((int(k), float(p)) for p, k in zip(top.values, top.indices, strict=True))
    peak = torch.stack([maps.abs().amax(), *peaks.get(rank, [])]).amax()
    return Activations(layer, maps.cpu().numpy(), pixels.cpu().numpy(), label, top5,
                       float(peak))


def activations_job(cache: InputCache, model: ModelSource, image: ImageSource,
                    layer: str) -> Iterator[Activations]:
    """The layer's activations for an image of any source (see `activations`)."""
    clf = cache.classifier(model)
    pixels, label = cache.pixels(clf, image)
    yield activations(clf, pixels, layer, label)
