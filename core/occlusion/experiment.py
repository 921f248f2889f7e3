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

from ..data.folder import load_image_file
from ..data.load import load_dataset
from ..runs.checkpoint import load_checkpoint, load_model
from .maps import OcclusionMaps
from .spec import OCCLUDERS


@dataclass(frozen=True)
class Experiment:
    """A model with the normalization it was trained with, and one image to occlude."""

    model: nn.Module
    pixels: torch.Tensor  # float C x H x W in [0, 1]
    label: int | None
    classes: tuple[str, ...]
    mean: torch.Tensor  # C x 1 x 1
    std: torch.Tensor

    @property
    def image(self) -> torch.Tensor:
        """The exact normalized tensor fed to the model."""
        return (self.pixels - self.mean) / self.std


def load_experiment(
    run: Path, dataset: str | None = None, data_root: Path | None = None,
    index: int | None = None, image_path: Path | None = None,
) -> Experiment:
    """The run's model and an image: item `index` of a dataset, or a file converted to fit."""
    run = Path(run)
    if not run.exists() and not run.with_name(run.name + ".json").exists():
        raise ValueError(f"no run or checkpoint at {run}")
    _, spec, meta = load_checkpoint(run)
    if missing := sorted({"classes", "mean", "std"} - meta.keys()):
        raise ValueError(f"{run} was not saved by a training run: it lacks {', '.join(missing)}")
    model = load_model(run)
    label = None
    if image_path is not None:
        pixels = load_image_file(Path(image_path), spec.image_size, spec.in_channels)
    else:
        if dataset is None or index is None:
            raise ValueError("give --image FILE, or --dataset with --index")
        ds = load_dataset(dataset, root=data_root, size=spec.image_size)
        if not 0 <= index < len(ds):
            raise ValueError(f"index {index} is outside {dataset} (0..{len(ds) - 1})")
        if ds.channels != spec.in_channels:
            raise ValueError(f"{dataset} has {ds.channels} channels; the model expects "
                             f"{spec.in_channels}")
        pixels, label = ds.images[index], int(ds.labels[index])
    return Experiment(model, pixels.float() / 255, label, tuple(meta["classes"]),
                      _channel_stat(meta, "mean"), _channel_stat(meta, "std"))


def _channel_stat(meta: dict, key: str) -> torch.Tensor:
    return torch.tensor(meta[key], dtype=torch.float32)[:, None, None]


def occluder(kind: str, exp: Experiment, seed: int = 0) -> tuple[torch.Tensor, list | None]:
    """The baseline in the model's input space, and its per-channel value (None if it varies)."""
    c = exp.pixels.shape[0]
    if kind in ("black", "grey", "mean"):
        value = {"black": torch.zeros(c), "grey": torch.full((c,), 0.5),
                 "mean": exp.mean.flatten()}[kind]
        normalized = (value - exp.mean.flatten()) / exp.std.flatten()
        return normalized, [float(v) for v in normalized]
    if kind == "blur":
        pixels = F.avg_pool2d(exp.pixels[None], 5, stride=1, padding=2, count_include_pad=False)[0]
    elif kind == "noise":
        pixels = torch.rand(exp.pixels.shape, generator=torch.Generator().manual_seed(seed))
    else:
        raise ValueError(f"unknown occluder {kind!r}; choose one of {', '.join(OCCLUDERS)}")
    return (pixels - exp.mean) / exp.std, None


def resolve_target(target: str, exp: Experiment) -> int:
    """'true' (the dataset label), 'pred' (the model's top class) or a class index."""
    if target == "true":
        if exp.label is None:
            raise ValueError("an image file has no true class: use --target pred or a class index")
        return exp.label
    if target == "pred":
        with torch.inference_mode():
            return int(exp.model(exp.image[None]).argmax(1))
    k = int(target)
    if not 0 <= k < len(exp.classes):
        raise ValueError(f"target {k} is not a class of this model (0..{len(exp.classes) - 1})")
    return k


def overlay_image(pixels: torch.Tensor, pixel_map: np.ndarray, scale: int = 8) -> Image.Image:
    """The image in grey with the drop map in red (drops) and blue (gains), enlarged."""
    grey = pixels.mean(0).numpy()[..., None].repeat(3, -1)
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
              "pixel": maps.pixel, "input": exp.image.numpy()}
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", array)
    meta = {"window": list(maps.window), "stride": list(maps.stride), "target": maps.target,
            "occluder_value": occluder_value, "base_probability": maps.base_probability,
            "classes": list(exp.classes)}
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    overlay_image(exp.pixels, maps.pixel).save(out / "overlay.png")
