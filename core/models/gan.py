"""DCGAN-style generator and discriminator for 16-128 px images, and the conditional variant.

G maps z (plus, for cGAN, a label embedding) through a linear layer to a small grid (4-7 px),
then doubles it with stride-2 transposed convolutions, cropping the centre if the last doubling
overshoots. D halves the image as many times with stride-2 convolutions (for cGAN the label is
embedded as an extra input channel) and ends in one linear unit: a logit, or a WGAN critic value;
there is no sigmoid at its output. Weights start as in DCGAN, N(0, 0.02); label embeddings keep
PyTorch's N(0, 1), so D sees the label as clearly as the pixels from the first step.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import nn

from .gan_spec import GAN_MODELS, MAX_GAN_SIZE, MIN_GAN_SIZE, GanSpec

MAX_BASE = 7  # G's first grid is at most 7 x 7 (28 px: 7 -> 14 -> 28)
LEAKY_SLOPE = 0.2
LABEL_EMBEDDING = 16  # size of G's label embedding (cGAN)


def validate_gan_spec(spec: GanSpec) -> None:
    """Raise ValueError naming the first field of `spec` no GAN can honour."""
    if spec.name not in GAN_MODELS:
        raise ValueError(f"unknown GAN model {spec.name!r}; choose one of {', '.join(GAN_MODELS)}")
    if spec.channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grey) or 3 (colour), got {spec.channels}")
    if not MIN_GAN_SIZE <= spec.image_size <= MAX_GAN_SIZE:
        raise ValueError(f"image_size must be {MIN_GAN_SIZE}..{MAX_GAN_SIZE} px, "
                         f"got {spec.image_size}")
    if not 1 <= spec.latent_dim <= 4096:
        raise ValueError(f"latent_dim must be 1..4096, got {spec.latent_dim}")
    if not 1 <= spec.width <= 1024:
        raise ValueError(f"width must be 1..1024, got {spec.width}")
    if spec.conditional and spec.num_classes < 2:
        raise ValueError(f"a conditional GAN needs at least 2 classes, got {spec.num_classes}; "
                         "use dcgan")


def grid_plan(size: int) -> tuple[int, int]:
    """(base, doublings): the smallest number of doublings from a base grid <= MAX_BASE px."""
    doublings = max(1, math.ceil(math.log2(size / MAX_BASE)))
    return math.ceil(size / 2**doublings), doublings


def _norm(channels: int, on: bool) -> nn.Module:
    return nn.BatchNorm2d(channels) if on else nn.Identity()


class Generator(nn.Module):
    """z (N x latent_dim) [and labels] -> images N x C x H x W in [-1, 1] (tanh) or [0, 1]."""

    def __init__(self, spec: GanSpec) -> None:
        super().__init__()
        validate_gan_spec(spec)
        self.spec = spec
        base, doublings = grid_plan(spec.image_size)
        channels = [spec.width * 2 ** (doublings - 1 - i) for i in range(doublings)]
        extra = LABEL_EMBEDDING if spec.conditional else 0
        self.embed = nn.Embedding(spec.num_classes, extra) if spec.conditional else None
        self.project = nn.Linear(spec.latent_dim + extra, channels[0] * base * base)
        self.base = base
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            norm0=_norm(channels[0], spec.g_batch_norm), act0=nn.ReLU())
        for i, (cin, cout) in enumerate(zip(channels, channels[1:], strict=False), 1):
            layers[f"up{i}"] = nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=not spec.g_batch_norm)
            layers[f"norm{i}"] = _norm(cout, spec.g_batch_norm)
            layers[f"act{i}"] = nn.ReLU()
        layers[f"up{doublings}"] = nn.ConvTranspose2d(channels[-1], spec.channels, 4, 2, 1)
        layers["out"] = nn.Tanh() if spec.tanh else nn.Sigmoid()
        self.body = nn.Sequential(layers)
        init_weights(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None,
                embedding: torch.Tensor | None = None) -> torch.Tensor:
        """`embedding` (cGAN, N x LABEL_EMBEDDING) stands in for the labels' embedding, so a
        blend of two classes' embeddings shows what lies between the classes."""
        if self.embed is not None:
            if embedding is None and labels is None:
                raise ValueError("a conditional generator needs class labels")
            z = torch.cat([z, self.embed(labels) if embedding is None else embedding], dim=1)
        x = self.project(z).view(len(z), -1, self.base, self.base)
        return center_crop(self.body(x), self.spec.image_size)


class Discriminator(nn.Module):
    """Images N x C x H x W [and labels] -> N logits (or critic values); no output sigmoid."""

    def __init__(self, spec: GanSpec) -> None:
        super().__init__()
        validate_gan_spec(spec)
        self.spec = spec
        size = spec.image_size
        self.embed = nn.Embedding(spec.num_classes, size * size) if spec.conditional else None
        _, halvings = grid_plan(size)
        cin = spec.channels + (1 if spec.conditional else 0)
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for i in range(1, halvings + 1):
            cout = spec.width * 2 ** (i - 1)
            norm = spec.d_batch_norm and i > 1  # DCGAN: no norm on the first layer
            layers[f"down{i}"] = nn.Conv2d(cin, cout, 4, 2, 1, bias=not norm)
            layers[f"norm{i}"] = _norm(cout, norm)
            layers[f"act{i}"] = nn.LeakyReLU(LEAKY_SLOPE) if spec.leaky_relu else nn.ReLU()
            cin, size = cout, size // 2
        layers["flatten"] = nn.Flatten()
        layers["out"] = nn.Linear(cin * size * size, 1)
        self.body = nn.Sequential(layers)
        init_weights(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            if labels is None:
                raise ValueError("a conditional discriminator needs class labels")
            side = self.spec.image_size
            x = torch.cat([x, self.embed(labels).view(len(x), 1, side, side)], dim=1)
        return self.body(x).squeeze(1)


def center_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    """The central size x size window of N x C x H x W images (a no-op when they fit)."""
    top, left = (x.shape[-2] - size) // 2, (x.shape[-1] - size) // 2
    return x[..., top : top + size, left : left + size]


def init_weights(model: nn.Module) -> None:
    """DCGAN initialisation: conv and linear weights N(0, 0.02), norm scales N(1, 0.02)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)


def build_gan(spec: GanSpec) -> tuple[Generator, Discriminator]:
    """A fresh generator and discriminator for `spec`."""
    return Generator(spec), Discriminator(spec)


@torch.no_grad()
def generate(
    generator: Generator, z: torch.Tensor, labels: torch.Tensor | None = None, batch: int = 256,
    embedding: torch.Tensor | None = None,
) -> torch.Tensor:
    """Images in [0, 1] (float, N x C x H x W) from latents z (and labels, or label embeddings,
    for a cGAN), `batch` at a time, in the generator's current mode (eval for samples: running
    norm statistics)."""
    def rows(t: torch.Tensor | None, i: int) -> torch.Tensor | None:
        return None if t is None else t[i : i + batch]

    parts = [generator(zc, rows(labels, i), rows(embedding, i))
             for i, zc in zip(range(0, len(z), batch), z.split(batch), strict=True)]
    images = torch.cat(parts)
    return images.add_(1).div_(2) if generator.spec.tanh else images


def sample_labels(spec: GanSpec, n: int, label: int | None = None,
                  device: torch.device | str = "cpu") -> torch.Tensor | None:
    """Labels for n samples of a cGAN: all `label`, or cycling over the classes; None for an
    unconditional GAN (which refuses a label)."""
    if not spec.conditional:
        if label is not None:
            raise ValueError(f"{spec.name} is unconditional: it takes no class label")
        return None
    if label is None:
        return torch.arange(n, device=device) % spec.num_classes
    if not 0 <= label < spec.num_classes:
        raise ValueError(f"class label must be in 0..{spec.num_classes - 1}, got {label}")
    return torch.full((n,), label, device=device)
