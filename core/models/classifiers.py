"""Small from-scratch classifiers that train on a CPU in minutes on 28-64 px images.

Every model is an `nn.Sequential` with named children (`features`, `pool`, `flatten`,
`classifier`) whose blocks output activated feature maps, so views can list and hook them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import NamedTuple

import torch
from torch import nn

from .activations import make_activation, widen
from .spec import ModelSpec

POOL = "pool"
"""Marks a 2x2 max pool in a conv plan; other entries are (out_channels, kernel_size)."""

ConvPlan = Sequence[tuple[int, int] | str]

ALEXNET_PLAN: ConvPlan = ((32, 5), POOL, (64, 5), POOL, (64, 3), (64, 3), (64, 3), POOL)
VGG_PLAN: ConvPlan = ((32, 3), (32, 3), POOL, (64, 3), (64, 3), POOL, (128, 3), (128, 3), POOL)
LENET_MIN_SIZE = 12


def conv_block(
    in_channels: int,
    out_channels: int,
    activation: str | None,
    kernel_size: int = 3,
    *,
    stride: int = 1,
    padding: int | None = None,
) -> nn.Sequential:
    """Conv + batch norm (+ activation) giving `out_channels` maps for every activation."""
    width = out_channels * widen(activation)
    padding = kernel_size // 2 if padding is None else padding
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        conv=nn.Conv2d(in_channels, width, kernel_size, stride, padding, bias=False),
        bn=nn.BatchNorm2d(width),
    )
    if activation is not None:
        layers["act"] = make_activation(activation)
    return nn.Sequential(layers)


def linear_block(in_features: int, out_features: int, activation: str) -> nn.Sequential:
    """Linear + activation giving `out_features` for every activation."""
    fc = nn.Linear(in_features, out_features * widen(activation))
    return nn.Sequential(OrderedDict(fc=fc, act=make_activation(activation)))


def head(
    in_features: int, hidden: Sequence[int], num_classes: int, activation: str, dropout: float
) -> nn.Sequential:
    """Hidden fully connected blocks, dropout, then the final linear layer."""
    sizes = [in_features, *hidden]
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        (f"fc{i}", linear_block(a, b, activation)) for i, (a, b) in enumerate(pairwise(sizes), 1)
    )
    layers["dropout"] = nn.Dropout(dropout)
    layers[f"fc{len(sizes)}"] = nn.Linear(sizes[-1], num_classes)
    return nn.Sequential(layers)


def conv_stack(in_channels: int, plan: ConvPlan, activation: str) -> tuple[nn.Sequential, int]:
    """Conv blocks (conv1, conv2, ...) and max pools (pool1, ...) from a plan; also out channels."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    counts = {"conv": 0, POOL: 0}
    channels = in_channels
    for step in plan:
        kind = POOL if step == POOL else "conv"
        counts[kind] += 1
        name = f"{kind}{counts[kind]}"
        if step == POOL:
            layers[name] = nn.MaxPool2d(2)
        else:
            out_channels, kernel_size = step
            layers[name] = conv_block(channels, out_channels, activation, kernel_size)
            channels = out_channels
    return nn.Sequential(layers), channels


def _network(features: nn.Module, classifier: nn.Module, pool: nn.Module | None) -> nn.Sequential:
    parts: OrderedDict[str, nn.Module] = OrderedDict(features=features)
    if pool is not None:
        parts["pool"] = pool
    parts["flatten"] = nn.Flatten()
    parts["classifier"] = classifier
    return nn.Sequential(parts)


def mlp(spec: ModelSpec) -> nn.Sequential:
    """Flattened pixels through two hidden layers (256, 128)."""
    in_features = spec.in_channels * spec.image_size**2
    classifier = head(in_features, (256, 128), spec.num_classes, spec.activation, spec.dropout)
    return nn.Sequential(OrderedDict(flatten=nn.Flatten(), classifier=classifier))


def lenet(spec: ModelSpec) -> nn.Sequential:
    """LeNet-5: conv5x5 6 (padding 2), pool, conv5x5 16, pool, fc 120, fc 84, fc classes."""
    if spec.image_size < LENET_MIN_SIZE:
        raise ValueError(f"lenet needs images of at least {LENET_MIN_SIZE} px")
    act = spec.activation
    features = nn.Sequential(
        OrderedDict(
            conv1=conv_block(spec.in_channels, 6, act, 5, padding=2),
            pool1=nn.MaxPool2d(2),
            conv2=conv_block(6, 16, act, 5, padding=0),
            pool2=nn.MaxPool2d(2),
        )
    )
    side = (spec.image_size // 2 - 4) // 2  # after pool1, the unpadded conv2 and pool2
    classifier = head(16 * side**2, (120, 84), spec.num_classes, act, spec.dropout)
    return _network(features, classifier, pool=None)


def _planned(spec: ModelSpec, plan: ConvPlan, grid: int, hidden: int) -> nn.Sequential:
    act = spec.activation
    features, channels = conv_stack(spec.in_channels, plan, act)
    classifier = head(channels * grid**2, (hidden,), spec.num_classes, act, spec.dropout)
    return _network(features, classifier, pool=nn.AdaptiveAvgPool2d(grid))


def mini_alexnet(spec: ModelSpec) -> nn.Sequential:
    """Five convs (5x5 then 3x3, 32-64 maps) with three max pools, then two FC layers."""
    return _planned(spec, ALEXNET_PLAN, grid=3, hidden=256)


def mini_vgg(spec: ModelSpec) -> nn.Sequential:
    """Three blocks of two 3x3 convs and a max pool (32/64/128 maps), then two FC layers."""
    return _planned(spec, VGG_PLAN, grid=2, hidden=256)


class BasicBlock(nn.Module):
    """ResNet basic block: two 3x3 conv+BN, added to an identity or 1x1-projection shortcut."""

    def __init__(self, in_channels: int, out_channels: int, activation: str, stride: int = 1):
        super().__init__()
        width = out_channels * widen(activation)
        self.conv1 = conv_block(in_channels, out_channels, activation, stride=stride)
        self.conv2 = conv_block(out_channels, width, None)
        self.shortcut = (
            nn.Identity()
            if stride == 1 and in_channels == width
            else conv_block(in_channels, width, None, 1, stride=stride)
        )
        self.act = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv2(self.conv1(x)) + self.shortcut(x))


def mini_resnet(spec: ModelSpec) -> nn.Sequential:
    """Stem conv, three stages of two basic blocks (16/32/64 maps), global average pool, fc."""
    act = spec.activation
    layers: OrderedDict[str, nn.Module] = OrderedDict(stem=conv_block(spec.in_channels, 16, act))
    channels = 16
    for i, (out_channels, stride) in enumerate(((16, 1), (32, 2), (64, 2)), 1):
        layers[f"stage{i}"] = nn.Sequential(
            OrderedDict(
                block1=BasicBlock(channels, out_channels, act, stride),
                block2=BasicBlock(out_channels, out_channels, act),
            )
        )
        channels = out_channels
    classifier = head(channels, (), spec.num_classes, act, spec.dropout)
    return _network(nn.Sequential(layers), classifier, pool=nn.AdaptiveAvgPool2d(1))


class InceptionWidths(NamedTuple):
    """Output maps of each GoogLeNet inception branch (reduce = its 1x1 bottleneck)."""

    b1: int
    b3_reduce: int
    b3: int
    b5_reduce: int
    b5: int
    pool_proj: int

    @property
    def out_channels(self) -> int:
        return self.b1 + self.b3 + self.b5 + self.pool_proj


class Inception(nn.Module):
    """GoogLeNet inception module: 1x1, 3x3, 5x5 and pool-projection branches, concatenated."""

    def __init__(self, in_channels: int, widths: InceptionWidths, activation: str):
        super().__init__()

        def conv(cin: int, cout: int, kernel_size: int) -> nn.Sequential:
            return conv_block(cin, cout, activation, kernel_size)

        w = widths
        self.branch1 = conv(in_channels, w.b1, 1)
        self.branch3 = nn.Sequential(
            OrderedDict(reduce=conv(in_channels, w.b3_reduce, 1), conv=conv(w.b3_reduce, w.b3, 3))
        )
        self.branch5 = nn.Sequential(
            OrderedDict(reduce=conv(in_channels, w.b5_reduce, 1), conv=conv(w.b5_reduce, w.b5, 5))
        )
        self.branch_pool = nn.Sequential(
            OrderedDict(pool=nn.MaxPool2d(3, 1, 1), proj=conv(in_channels, w.pool_proj, 1))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch3, self.branch5, self.branch_pool)
        return torch.cat([branch(x) for branch in branches], dim=1)


INCEPTION_3A = InceptionWidths(16, 16, 32, 8, 8, 8)
INCEPTION_3B = InceptionWidths(32, 32, 48, 8, 16, 16)
INCEPTION_4A = InceptionWidths(48, 32, 64, 8, 16, 16)


def mini_inception(spec: ModelSpec) -> nn.Sequential:
    """Stem conv, pool, two inception modules, pool, one more module, global average pool, fc."""
    act = spec.activation
    features = nn.Sequential(
        OrderedDict(
            stem=conv_block(spec.in_channels, 32, act),
            pool2=nn.MaxPool2d(3, 2, 1),
            inception3a=Inception(32, INCEPTION_3A, act),
            inception3b=Inception(INCEPTION_3A.out_channels, INCEPTION_3B, act),
            pool3=nn.MaxPool2d(3, 2, 1),
            inception4a=Inception(INCEPTION_3B.out_channels, INCEPTION_4A, act),
        )
    )
    classifier = head(INCEPTION_4A.out_channels, (), spec.num_classes, act, spec.dropout)
    return _network(features, classifier, pool=nn.AdaptiveAvgPool2d(1))


SMALL_BUILDERS: dict[str, Callable[[ModelSpec], nn.Sequential]] = {
    "mlp": mlp,
    "lenet": lenet,
    "mini-alexnet": mini_alexnet,
    "mini-vgg": mini_vgg,
    "mini-resnet": mini_resnet,
    "mini-inception": mini_inception,
}


def small_classifier(spec: ModelSpec) -> nn.Sequential:
    """The small model named by `spec.name`, adapted to its channels, size and classes."""
    return SMALL_BUILDERS[spec.name](spec)
