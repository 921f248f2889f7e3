"""The generator an iGAN job works on: the network, its spec and prior, and the checkpoint it
came from (an inverting network is trained for one checkpoint). Compute thread only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..data.sources import DatasetRef
from ..models.gan import Generator
from ..models.gan_spec import GanSpec
from ..runs.cache import ModelCache
from ..runs.checkpoint import weights_file
from ..runs.generators import load_generator
from ..runs.loader import Device, as_device
from .support import prior_of


@dataclass(frozen=True, eq=False)
class Gan:
    """A generator in eval mode with what the jobs need to know of it."""

    model: Generator
    spec: GanSpec
    prior: str
    checkpoint: Path  # the weights file loaded
    epoch: int
    step: int
    classes: tuple[str, ...]  # empty for an unconditional G
    dataset: DatasetRef  # what it was trained on

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def labels(self, labels: torch.Tensor | None, n: int) -> torch.Tensor | None:
        """The labels G takes for n latents: `labels`, checked against the spec, or None."""
        if not self.spec.conditional:
            if labels is not None:
                raise ValueError(f"{self.spec.name} is unconditional: it takes no class label")
            return None
        if labels is None or labels.shape != (n,):
            raise ValueError(f"a conditional generator needs one class label per latent ({n})")
        outside = labels[(labels < 0) | (labels >= self.spec.num_classes)]
        if len(outside):
            raise ValueError(f"class label must be in 0..{self.spec.num_classes - 1}, "
                             f"got {int(outside[0])}")
        return labels.to(self.device)

    def images(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """G(z) in [0, 1] (differentiable: the caller chooses no_grad)."""
        out = self.model(z, labels)
        return out.add(1).div(2) if self.spec.tanh else out


def load_gan(run: str | Path, device: Device = None) -> Gan:
    """The generator of a GAN run folder (its latest epoch) or checkpoint."""
    model, spec, meta = load_generator(Path(run), as_device(device))
    classes = tuple(map(str, meta.get("classes") or range(spec.num_classes)))
    return Gan(model.requires_grad_(False), spec, prior_of(meta), weights_file(Path(run)),
               int(meta.get("epoch", 0)), int(meta.get("step", 0)),
               classes if spec.conditional else (), DatasetRef.from_config(meta.get("config", {})))


class GanCache:
    """The last generator loaded, reloaded when its run writes a newer checkpoint."""

    def __init__(self, device: Device = None) -> None:
        self._models = ModelCache(device)

    def get(self, run: str | Path) -> Gan:
        key = str(Path(run).expanduser())
        return self._models.get(("gan", key), Path(key),
                                lambda: load_gan(key, self._models.device))
