"""The occlusion panel's jobs on one image: preview, run (progressive maps) and probe.

Generator jobs for the compute thread; they yield frozen numpy events (occlusion.events), share
loaded models and datasets through a SourceCache and run on the model's device.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from .events import ImageInfo, Probe, TopK
from .experiment import Experiment, occluder, resolve_target
from .maps import occlude, occlusion_job
from .source import SourceCache
from .spec import OcclusionSettings, Setup


def top5(probs: torch.Tensor) -> TopK:
    """(class, probability) of the five most probable classes of a probability vector."""
    top = probs.cpu().topk(min(5, len(probs)))
    return tuple((int(i), float(p)) for p, i in zip(top.values, top.indices, strict=True))


def as_uint8(exp: Experiment, normalized: torch.Tensor) -> np.ndarray:
    """A normalized C x H x W input back in uint8 pixels."""
    pixels = (normalized * exp.std + exp.mean).clamp(0, 1)
    return (pixels * 255).round().byte().cpu().numpy()


def probabilities(exp: Experiment, images: torch.Tensor) -> torch.Tensor:
    """Softmax probabilities of a batch of normalized images, without autograd."""
    with torch.inference_mode():
        return exp.model(images).softmax(1)


def image_info(exp: Experiment, target: str) -> ImageInfo:
    """The unoccluded image, its top-5 and the target class `target` resolves to."""
    probs = probabilities(exp, exp.image[None])[0]
    return ImageInfo(as_uint8(exp, exp.image), exp.label, exp.classes,
                     resolve_target(target, exp), top5(probs))


def occlusion_events(exp: Experiment, info: ImageInfo, s: OcclusionSettings) -> Iterator:
    """The growing OcclusionMaps of `exp` for the settings (None ticks on OOM retries)."""
    baseline, _ = occluder(s.occluder, exp)
    yield from occlusion_job(exp.model, exp.image, info.target, s.window, s.stride, baseline,
                             s.batch_size)


def preview_job(cache: SourceCache, setup: Setup) -> Iterator[ImageInfo]:
    """The image as the model sees it and its prediction, before any occlusion."""
    yield image_info(cache.experiment(setup.model, setup.image), setup.settings.target)


def run_job(cache: SourceCache, setup: Setup) -> Iterator:
    """ImageInfo, then the growing maps (OcclusionMaps after each batch)."""
    exp = cache.experiment(setup.model, setup.image)
    info = image_info(exp, setup.settings.target)
    yield info
    yield from occlusion_events(exp, info, setup.settings)


def probe_job(cache: SourceCache, setup: Setup, row: int, col: int) -> Iterator[Probe]:
    """Occlude one window position and report the model's top-5 there."""
    exp = cache.experiment(setup.model, setup.image)
    s = setup.settings
    baseline, _ = occluder(s.occluder, exp)
    occluded, box = occlude(exp.image, s.window, s.stride, baseline, row, col)
    yield Probe(row, col, box, as_uint8(exp, occluded),
                top5(probabilities(exp, occluded[None])[0]))
