"""Projection of an image onto the generator's manifold: the z whose G(z) is nearest to it.

By optimization it is an edit whose colour constraint is the whole image with no prior term:
the masked colour error over every pixel is the reconstruction's mean square error. "opt"
starts from seeded draws of the prior (iGAN ran L-BFGS from one random start; Adam from several
side by side costs about one step of one on a GPU), "encoder" takes the inverting network's
guess, "hybrid" refines that guess (iGAN's best). A cGAN's class is given, or searched: every
class's latents run side by side in one batch and the best image wins, whatever its class.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import torch

from .edit import Edit, draw_start, edit_job
from .encoder import Encoder, load_encoder
from .events import (
    Candidates,
    Constraints,
    EditSettings,
    Projection,
    ProjectionSettings,
    Start,
    dims,
)
from .generator import Gan

DEFAULTS = ProjectionSettings()
NO_ENCODER = ("no inverting network is saved for this generator's checkpoint yet: train one "
              "first (deepscope project trains it when it needs one)")


def check_target(gan: Gan, target: np.ndarray) -> None:
    shape = (gan.spec.channels, gan.spec.image_size, gan.spec.image_size)
    if target.shape != shape:
        raise ValueError(f"the image to project must be {dims(shape)} (the generator's "
                         f"size), got {dims(target.shape)}")
    if not (np.isfinite(target).all() and target.min() >= 0 and target.max() <= 1):
        raise ValueError("the image to project must hold values in [0, 1]")


def classes_to_try(gan: Gan, label: int | None) -> list[int | None]:
    """The classes the search runs: the one given, every class of a cGAN, or none."""
    if label is not None:
        gan.labels(torch.tensor([label]), 1)  # refuses a label G cannot take
        return [label]
    return list(range(gan.spec.num_classes)) if gan.spec.conditional else [None]


def start(gan: Gan, target: np.ndarray, settings: ProjectionSettings,
          encoder: Encoder | None) -> Start:
    """The latents the search starts from: for each class tried, `settings.starts` seeded
    draws ("opt") or the encoder's guess (otherwise)."""
    classes = classes_to_try(gan, settings.label)
    if settings.method == "opt":
        z = draw_start(gan, settings.starts * len(classes), settings.seed).z
    else:
        with torch.no_grad():
            pixels = torch.as_tensor(target, dtype=torch.float32, device=gan.device)
            z = encoder.latents(pixels[None]).cpu().expand(len(classes), -1).contiguous().numpy()
    per_class = len(z) // len(classes)
    labels = None if classes == [None] else np.repeat(np.array(classes), per_class)
    return Start(z, z.copy(), labels)


def projection_job(gan: Gan, target: np.ndarray, settings: ProjectionSettings = DEFAULTS,
                   encoder: Encoder | None = None) -> Iterator[Projection | None]:
    """Project `target` (C x H x W in [0, 1]): the best so far at step 0, every
    `settings.frame_interval` seconds and after the last step (a tick between them); the
    encoder alone gives one. `encoder` defaults to the one saved beside the run."""
    began = time.perf_counter()
    check_target(gan, target)
    if settings.method != "opt" and (encoder := encoder or load_encoder(gan)) is None:
        raise ValueError(NO_ENCODER)
    first = start(gan, target, settings, encoder)
    whole = Constraints(colour=target.astype(np.float32),
                        colour_mask=np.ones(target.shape[1:], np.float32))
    searched = gan.spec.conditional and settings.label is None
    if settings.method == "encoder":
        frame = Edit(gan, first, whole, EditSettings(steps=1)).still(1, 0.0)
        yield best_of(frame, settings.method, target, searched, time.perf_counter() - began)
        return
    best: Projection | None = None
    optimize = EditSettings(settings.steps, settings.lr, edge_weight=0, prior_weight=0,
                            frame_interval=settings.frame_interval)
    for frame in edit_job(gan, first, whole, optimize):
        if frame is None:
            yield None
            continue
        now = best_of(frame, settings.method, target, searched, time.perf_counter() - began)
        best = now if best is None or now.mse < best.mse else best
        yield replace(best, step=now.step, seconds=now.seconds)


def best_of(frame: Candidates, method: str, target: np.ndarray, searched: bool,
               seconds: float) -> Projection:
    """The best candidate of `frame` as a projection of `target`."""
    label = None if frame.labels is None else int(frame.labels[0])
    return Projection(method, frame.step, frame.steps, frame.z[:1].copy(), label, searched,
                      target, frame.images[0].copy(), float(frame.costs[0]), seconds)
