"""Lucent's image parameterization (optvis/param/spatial.py and color.py) at a model's own size,
for gray and colour models, its random transforms scaled to that size, and the Adam that
climbs it.

An image is the sigmoid of the inverse FFT of a learned spectrum whose every frequency is
scaled by 1 / frequency: Adam moves each coefficient by about the learning rate, so coarse
structure moves more than fine detail and the image does not turn into high-frequency noise.
Colour images mix their three channels with Lucent's colour correlation matrix, so that a
coefficient moves a natural colour direction (luminance first) rather than one of R, G, B.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

SPREAD = 0.01  # Lucent's standard deviation of the initial spectrum
DAMPING = 4.0  # Lucid's "magic" divisor of the image: a less saturated start
COLOUR_CORRELATION = torch.tensor([[0.26, 0.09, 0.02],
                                   [0.27, 0.00, -0.05],
                                   [0.27, -0.09, 0.03]])
"""Lucent's square root of ImageNet's colour covariance (rows R, G, B)."""
SHIFT = 0.05
"""Largest shift, a fraction of the side: +-6.4 px at 128 px, as Lucent's jitters of 8 and 4 px
span there; +-1.4 px at 28 px, where Lucent's own (pad 12, jitter 8) would move a digit off."""
ZOOM = 0.1  # scales within 1 +- ZOOM, as Lucent's
ANGLE = 10.0  # degrees either way, as Lucent's
GRID_CHUNK = 2**20
"""Grid points computed by one matmul (8 MB): 34 us a step for LeNet's 4 x 28 x 28, against
84 us for a step's own F.affine_grid and 48 us for a matmul a step (one thread, measured)."""


class FourierImage:
    """One image per generator, `channels` x `size` x `size`: `spectrum` (complex) is the
    parameter; `logits()` gives the images before the sigmoid (0 is mid-gray)."""

    def __init__(self, generators: Sequence[torch.Generator], channels: int, size: int,
                 device: torch.device) -> None:
        shape = (channels, size, size // 2 + 1, 2)  # real and imaginary parts
        spectra = torch.stack([torch.randn(shape, generator=g) for g in generators]) * SPREAD
        self.spectrum = torch.view_as_complex(spectra).to(device).requires_grad_()
        self.size = size
        self.scale = (frequency_scale(size) / DAMPING).to(device)
        self.colour = colour_mixing(channels)
        if self.colour is not None:
            self.colour = self.colour.to(device)

    def logits(self) -> Tensor:
        """S x C x H x W, differentiable in `spectrum`."""
        image = torch.fft.irfft2(self.spectrum * self.scale, s=(self.size, self.size),
                                 norm="ortho")
        return image if self.colour is None else torch.einsum("dc,schw->sdhw", self.colour, image)


def frequency_scale(size: int) -> Tensor:
    """1 / frequency of each coefficient of an rfft2 spectrum (size x size // 2 + 1), the
    constant term counted at the lowest frequency, 1 / size (Lucent's decay power 1)."""
    fy = torch.fft.fftfreq(size)[:, None]
    fx = torch.fft.rfftfreq(size)[None, :]
    return 1 / (fx**2 + fy**2).sqrt().clamp(min=1 / size)


def colour_mixing(channels: int) -> Tensor | None:
    """Lucent's colour correlation scaled to a largest column norm of 1, for 3 channels; a gray
    model has no colours to decorrelate (None)."""
    if channels != 3:
        return None
    return COLOUR_CORRELATION / COLOUR_CORRELATION.norm(dim=0).max()


class RandomWarps:
    """A random rotation within +-ANGLE degrees, zoom within 1 +- ZOOM and shift within
    +-SHIFT of the side for each step and image, drawn up front from each image's generator;
    `grids()` gives one S x H x W x 2 sampling grid per step for `warp`."""

    def __init__(self, generators: Sequence[torch.Generator], steps: int, size: int,
                 device: torch.device) -> None:
        u = torch.stack([torch.rand(steps, 4, generator=g) for g in generators], 1) * 2 - 1
        angle, zoom = u[..., 0] * math.radians(ANGLE), 1 + ZOOM * u[..., 1]
        cos, sin = angle.cos() / zoom, angle.sin() / zoom
        rows = [cos, sin, -sin, cos, *(u[..., 2:] * 2 * SHIFT).unbind(-1)]  # grid: 2 units a side
        self.maps = torch.stack(rows, -1).unflatten(-1, (3, 2)).to(device)  # steps x S x 3 x 2
        centres = (torch.arange(size, device=device) * 2 + 1) / size - 1
        y, x = torch.meshgrid(centres, centres, indexing="ij")
        self.points = torch.stack([x, y, torch.ones_like(x)], -1).flatten(0, 1)  # H W x 3
        self.size = size

    def grids(self) -> Iterator[Tensor]:
        """The steps' grids in order, computed GRID_CHUNK points at a time."""
        steps = max(1, GRID_CHUNK // (self.maps.shape[1] * len(self.points)))
        for maps in self.maps.split(steps):
            yield from (self.points @ maps).unflatten(-2, (self.size, self.size))


def warp(logits: Tensor, grid: Tensor) -> Tensor:
    """Each image sampled at its grid, bilinear. Warped before the sigmoid, the area that comes
    in from outside is 0: mid-gray, as Lucent's padding."""
    return F.grid_sample(logits, grid, align_corners=False)


class Adam:
    """torch.optim.Adam's update with `maximize=True` (Kingma & Ba, torch's defaults) for one
    complex tensor, in seven small ops. torch's Adam has no fused kernel for complex tensors,
    and its fused one on the real view took 83 us a step against 42 us for these (LeNet's
    spectrum, one thread, measured): ~2% of a dream step, mostly Python around the kernel."""

    def __init__(self, param: Tensor, lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.param = torch.view_as_real(param.detach())  # the same memory, outside autograd
        self.mean = torch.zeros_like(self.param)
        self.square = torch.zeros_like(self.param)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.steps = 0

    def step(self, grad: Tensor) -> None:
        """One step up `grad`, the gradient of the objective to maximize."""
        self.steps += 1
        (b1, b2), g = self.betas, torch.view_as_real(grad)
        self.mean.lerp_(g, 1 - b1)
        self.square.mul_(b2).addcmul_(g, g, value=1 - b2)
        scale = (self.square.sqrt() / math.sqrt(1 - b2**self.steps)).add_(self.eps)
        self.param.addcdiv_(self.mean, scale, value=self.lr / (1 - b1**self.steps))
