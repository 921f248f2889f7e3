"""The edit job: a batch of latents optimized side by side, on the compute thread, toward what
the user painted (iGAN's z* = argmin_z sum_g L_g(G(z), v_g) + lambda ||z - z0||^2).

Each step's forward pass is also its frame: the images and costs a step computes before Adam
moves w are the candidates as they stand, so ranking and showing them costs no extra pass.
A stroke restarts the job from the last frame: `edit_job(gan, frame.restart(), constraints)`.
Closing the job between steps cancels it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..models.gan import sample_labels
from ..models.latents import interpolate, sample_prior
from .encoder import encoder_saved
from .events import (
    MORPH_FRAMES,
    Candidates,
    Constraints,
    EditSettings,
    GanInfo,
    Morph,
    Start,
    default_candidates,
)
from .generator import Gan, GanCache
from .losses import colour_error, edge_error, prior_term, window
from .support import to_w, to_z

DEFAULTS = EditSettings()
FIX_SPREAD = 0.3  # Fix's jitter around the chosen latent, in w (z = support(w))


def draw_start(gan: Gan, n: int, seed: int = 0, label: int | None = None) -> Start:
    """n seeded draws of the prior, inside the support as the edit keeps it; a cGAN's draws
    take `label`, or cycle through the classes."""
    z = sample_prior(n, gan.spec.latent_dim, gan.prior, torch.Generator().manual_seed(seed))
    z = to_z(to_w(z, gan.prior), gan.prior).numpy()
    labels = sample_labels(gan.spec, n, label)
    return Start(z, z.copy(), None if labels is None else labels.numpy())


def fix_start(gan: Gan, z: np.ndarray, label: int | None, n: int, seed: int = 0,
              spread: float = FIX_SPREAD) -> Start:
    """n candidates around one latent (1 x dim), all anchored there: it first, then seeded
    jitters of it (Gaussian, sd `spread`, in w where z = support(w)), so that the batch does
    not optimize n copies of one latent."""
    w = to_w(torch.as_tensor(z, dtype=torch.float32), gan.prior)
    noise = torch.randn(n - 1, w.shape[1], generator=torch.Generator().manual_seed(seed))
    found = to_z(torch.cat([w, w + spread * noise]), gan.prior).numpy()
    labels = sample_labels(gan.spec, n, label)
    return Start(found, np.repeat(np.asarray(z, np.float32), n, 0),
                 None if labels is None else labels.numpy())


@dataclass(frozen=True)
class Evaluation:
    """The candidates at one point of the optimization (tensors, on the device)."""

    images: Tensor
    z: Tensor
    costs: Tensor
    colour: Tensor
    edges: Tensor


class Edit:
    """The latents being optimized, their anchors and labels, and the painted constraints as
    tensors on the generator's device."""

    def __init__(self, gan: Gan, start: Start, constraints: Constraints,
                 settings: EditSettings) -> None:
        self.gan, self.settings, device = gan, settings, gan.device

        def tensor(array: np.ndarray | None) -> Tensor | None:
            return None if array is None else torch.as_tensor(array, dtype=torch.float32,
                                                              device=device)

        self.colour, self.colour_mask = tensor(constraints.colour), tensor(constraints.colour_mask)
        self.edges, self.edge_mask = tensor(constraints.edges), tensor(constraints.edge_mask)
        if constraints.edge_mask is not None:  # the edge error on the sketch's crop only
            self.rows, self.cols = window(constraints.edge_mask)
            self.edges = self.edges[self.rows, self.cols]
            self.edge_mask = self.edge_mask[self.rows, self.cols]
        self.z0 = tensor(start.z0)
        labels = None if start.labels is None else torch.as_tensor(start.labels)
        self.labels = gan.labels(labels, len(start.z))
        self.w = to_w(tensor(start.z), gan.prior).requires_grad_()
        self.adam = torch.optim.Adam([self.w], lr=settings.lr)

    def evaluate(self) -> Evaluation:
        """The candidates' images and costs at the current w (differentiable in w)."""
        z = to_z(self.w, self.gan.prior)
        images = self.gan.images(z, self.labels)
        none = images.new_zeros(len(z))
        colour = none if self.colour is None else colour_error(images, self.colour,
                                                                self.colour_mask)
        edges = none if self.edges is None else edge_error(
            images[..., self.rows, self.cols], self.edges, self.edge_mask)
        costs = (colour + self.settings.edge_weight * edges
                 + prior_term(z, self.z0, self.settings.prior_weight))
        return Evaluation(images, z, costs, colour, edges)

    def step(self) -> Evaluation:
        """One Adam step on every candidate; the evaluation it started from."""
        now = self.evaluate()
        self.adam.zero_grad(set_to_none=True)
        now.costs.sum().backward()
        self.adam.step()
        return now

    def frame(self, now: Evaluation, step: int, seconds: float) -> Candidates:
        """The candidates of `now`, best first, as numpy copies."""
        order = torch.argsort(now.costs.detach(), stable=True)

        def ranked(t: Tensor | None) -> np.ndarray | None:
            return None if t is None else t.detach()[order].cpu().numpy()

        return Candidates(step, self.settings.steps, ranked(now.images), ranked(now.z),
                          ranked(self.z0), ranked(self.labels), ranked(now.costs),
                          ranked(now.colour), ranked(now.edges), seconds)

    @torch.no_grad()
    def still(self, step: int, seconds: float) -> Candidates:
        """The frame of the candidates as they stand, with no step taken."""
        return self.frame(self.evaluate(), step, seconds)


def start_job(gan: Gan, start: Start) -> Iterator[Candidates]:
    """The candidates of `start` before any stroke: their images, at cost 0, in their order."""
    yield Edit(gan, start, Constraints(), EditSettings(steps=1, prior_weight=0)).still(0, 0.0)


def edit_job(gan: Gan, start: Start, constraints: Constraints,
             settings: EditSettings = DEFAULTS) -> Iterator[Candidates | None]:
    """Optimize the candidates of `start` toward `constraints` for `settings.steps` steps: a
    frame at step 0, then one every `settings.frame_interval` seconds (a tick, None, between
    them) and one after the last step."""
    began = time.perf_counter()
    constraints.check(gan.spec.channels, gan.spec.image_size)
    edit = Edit(gan, start, constraints, settings)
    due = began
    for step in range(settings.steps):
        now = edit.step()
        if time.perf_counter() >= due:
            yield edit.frame(now, step, time.perf_counter() - began)
            due = time.perf_counter() + settings.frame_interval
        else:
            yield None
    yield edit.still(settings.steps, time.perf_counter() - began)


def info(gan: Gan, run: str) -> GanInfo:
    """What a panel shows of `gan`, loaded from `run`."""
    return GanInfo(run, gan.spec, gan.prior, gan.classes, gan.epoch, gan.device.type,
                   encoder_saved(gan))


def open_job(cache: GanCache, run: str, candidates: int | None = None,
             seed: int = 0) -> Iterator[GanInfo | Candidates]:
    """Load a run's generator: its GanInfo, then `candidates` seeded draws (default: by
    device, see events.default_candidates) as the first frame."""
    gan = cache.get(run)
    yield info(gan, run)
    n = candidates or default_candidates(gan.device.type)
    yield from start_job(gan, draw_start(gan, n, seed))


@torch.no_grad()
def morph(gan: Gan, z_from: np.ndarray, z_to: np.ndarray, label: int | None = None,
          frames: int = MORPH_FRAMES, mode: str = "lerp") -> Morph:
    """`frames` latents and images from `z_from` to `z_to`, both included, linear ("lerp") or
    spherical ("slerp"); a cGAN keeps `label` throughout."""
    z = interpolate(torch.as_tensor(z_from).float(), torch.as_tensor(z_to).float(), frames, mode)
    labels = None if label is None else torch.full((frames,), label)
    images = gan.images(z.to(gan.device), gan.labels(labels, frames))
    return Morph(mode, z.numpy(), images.cpu().numpy())


def morph_job(gan: Gan, z_from: np.ndarray, z_to: np.ndarray, label: int | None = None,
              frames: int = MORPH_FRAMES, mode: str = "lerp") -> Iterator[Morph]:
    yield morph(gan, z_from, z_to, label, frames, mode)
