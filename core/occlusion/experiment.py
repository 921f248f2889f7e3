"""A headless occlusion experiment: a stored run, one image, an occluder, maps written to disk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ..runs.inputs import class_index, command_image
from ..runs.loader import Classifier, Device, load_classifier
from ..runs.sources import ModelSource
from .maps import OcclusionMaps
from .spec import OCCLUDERS


@dataclass(frozen=True)
class Experiment:
    """A model with the normalization it was trained with, and one image to occlude; tensors on
    the model's device."""

    model: nn.Module
    pixels: torch.Tensor  # float C x H x W in [0, 1]
    label: int | None
    classes: tuple[str, ...]
    mean: torch.Tensor  # C x 1 x 1
    std: torch.Tensor

    @classmethod
    def of(cls, clf: Classifier, pixels: torch.Tensor, label: int | None) -> Experiment:
        """An experiment on uint8 C x H x W pixels of the classifier's size."""
        return cls(clf.model, pixels.to(clf.device).float() / 255, label, clf.classes, clf.mean,
                   clf.std)

    @property
    def image(self) -> torch.Tensor:
        """The exact normalized tensor fed to the model."""
        return (self.pixels - self.mean) / self.std


def load_experiment(
    source: ModelSource | Path, dataset: str | None = None, data_root: Path | None = None,
    index: int | None = None, image_path: Path | None = None, device: Device = None,
) -> Experiment:
    """The model (a source or a run's path) and an image: item `index` of a dataset, or a file
    converted to fit."""
    clf = load_classifier(source, device)
    image = Path(image_path).expanduser() if image_path is not None else None
    return Experiment.of(*command_image(clf, dataset, data_root, index, image))


def occluder(kind: str, exp: Experiment, seed: int = 0) -> tuple[torch.Tensor, list | None]:
    """The baseline in the model's input space, and its per-channel value (None if it varies)."""
    c, device = exp.pixels.shape[0], exp.pixels.device
    if kind in ("black", "grey", "mean"):
        value = {"black": torch.zeros(c, device=device),
                 "grey": torch.full((c,), 0.5, device=device), "mean": exp.mean.flatten()}[kind]
        normalized = (value - exp.mean.flatten()) / exp.std.flatten()
        return normalized, [float(v) for v in normalized]
    if kind == "blur":
        pixels = F.avg_pool2d(exp.pixels[None], 5, stride=1, padding=2, count_include_pad=False)[0]
    elif kind == "noise":  # drawn on the CPU: the same noise on every device
        pixels = torch.rand(exp.pixels.shape, generator=torch.Generator().manual_seed(seed))
        pixels = pixels.to(device)
    else:
        raise ValueError(f"unknown occluder {kind!r}; choose one of {', '.join(OCCLUDERS)}")
    return (pixels - exp.mean) / exp.std, None


def resolve_target(target: str, exp: Experiment) -> int:
    """'true' (the dataset label), 'pred' (the model's top class) or a class index."""
    return class_index(target, exp.label, lambda: exp.model(exp.image[None]), len(exp.classes))


def overlay_image(pixels: torch.Tensor, pixel_map: np.ndarray, scale: int = 8) -> Image.Image:
    """The image in grey with the drop map in red (drops) and blue (gains), enlarged."""
    grey = pixels.mean(0).cpu().numpy()[..., None].repeat(3, -1)
    peak = float(np.nanmax(np.abs(pixel_map))) or 1.0
    heat = np.nan_to_num(pixel_map / peak)
    color = np.stack([heat.clip(0, 1), np.zeros_like(heat), (-heat).clip(0, 1)], -1)
    alpha = np.abs(heat)[..., None] * 0.7
    rgb = ((1 - alpha) * grey + alpha * color) * 255
    image = Image.fromarray(rgb.astype(np.uint8))
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def save_maps(out: Path, maps: OcclusionMaps, exp: Experiment, occluder_value: list | None) -> None:
    """probability/drop/class/pixel/input .npy, meta.json and overlay.png in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"probability": maps.probability, "drop": maps.drop, "class": maps.top_class,
              "pixel": maps.pixel, "input": exp.image.cpu().numpy()}
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", array)
    meta = {"window": list(maps.window), "stride": list(maps.stride), "target": maps.target,
            "occluder_value": occluder_value, "base_probability": maps.base_probability,
            "classes": list(exp.classes)}
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    overlay_image(exp.pixels, maps.pixel).save(out / "overlay.png")
