"""GAN run folders: generator loading for the CLI and panels, and the sample timeline.

An epoch checkpoint (`epoch-NNNN`, see runs.checkpoint) of a GAN run holds the generator
(`generator.*`), the discriminator (`discriminator.*`) and, when EMA was on, the moving average
of the generator (`ema.*`). Sample grids live in `samples/step-NNNNNNN.npz` (uint8 images,
labels and the grid's diversity; no pickles).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ..models.gan import Generator
from ..models.gan_spec import GanSpec
from .checkpoint import CheckpointError, load_checkpoint, state_mismatch

SAMPLES_DIR = "samples"


def load_generator(
    path: Path, device: str | torch.device = "cpu", latent_dim: int | None = None,
    ema: bool = True,
) -> tuple[Generator, GanSpec, dict]:
    """(generator in eval mode on `device`, its spec, the checkpoint's meta) from a GAN run
    folder (latest epoch) or checkpoint. `ema` prefers the moving average of G when saved;
    `latent_dim`, when given, must match the generator's."""
    path = Path(path).expanduser()
    if not path.exists() and not path.with_name(path.name + ".safetensors").exists():
        raise CheckpointError(f"no GAN run folder or checkpoint at {path}")
    state, spec, meta = load_checkpoint(path)
    if not isinstance(spec, GanSpec):
        raise CheckpointError(f"{path} holds a classifier ({spec.name}), not a GAN generator")
    if latent_dim is not None and latent_dim != spec.latent_dim:
        raise CheckpointError(f"{path} holds a generator with latent size {spec.latent_dim}, "
                              f"not {latent_dim}: draw latents of size {spec.latent_dim}")
    prefix = "ema." if ema and any(k.startswith("ema.") for k in state) else "generator."
    weights = {k.removeprefix(prefix): v for k, v in state.items() if k.startswith(prefix)}
    generator = Generator(spec)
    if problem := state_mismatch(generator.state_dict(), weights):
        raise CheckpointError(f"{path} does not fit its {spec.name} generator: {problem}")
    generator.load_state_dict(weights, strict=True)
    return generator.to(device).eval(), spec, meta


def save_samples(run_dir: Path, step: int, images: np.ndarray, labels: np.ndarray | None,
                 diversity: float = math.nan) -> Path:
    """Write one sample grid (uint8 N x C x H x W, optional labels, its diversity)."""
    folder = Path(run_dir) / SAMPLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step-{step:07d}.npz"
    extra = {} if labels is None else {"labels": labels}
    np.savez_compressed(path, images=images, step=np.int64(step),
                        diversity=np.float64(diversity), **extra)
    return path


def load_samples(run_dir: Path) -> list[tuple[int, np.ndarray, np.ndarray | None, float]]:
    """The sample timeline of a run: (step, uint8 images, labels or None, diversity or NaN
    for grids saved without it), by step."""
    timeline = []
    for path in sorted((Path(run_dir) / SAMPLES_DIR).glob("step-*.npz")):
        with np.load(path, allow_pickle=False) as data:
            labels = data["labels"] if "labels" in data.files else None
            diversity = float(data["diversity"]) if "diversity" in data.files else math.nan
            timeline.append((int(data["step"]), data["images"], labels, diversity))
    return timeline
