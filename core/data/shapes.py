"""Procedural shapes on textured backgrounds, with ground-truth masks (occlusion, saliency)."""

from __future__ import annotations

import numpy as np
import torch

from .imageset import ImageSet

CLASSES = ("circle", "square", "triangle", "cross")
MIN_SIZE, MAX_SIZE = 28, 64
_CHUNK = 512  # images rendered at once: bounds the float working set


def load_shapes(n: int = 2000, size: int = 32, seed: int = 0) -> ImageSet:
    """n RGB images, one shape each at a random place, size and colour; same seed, same set.

    Shapes and background sit on opposite ends of the brightness range (>= 64 levels apart in
    every channel), so the class is plain to see while colour and texture carry no label.
    """
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"shape images must be {MIN_SIZE}..{MAX_SIZE} pixels, got {size}")
    if n < 1:
        raise ValueError(f"number of images must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASSES))
    params = _draw_params(rng, n, size)
    images = np.empty((n, 3, size, size), np.uint8)
    masks = np.empty((n, size, size), bool)
    for start in range(0, n, _CHUNK):
        part = slice(start, start + _CHUNK)
        chunk = {key: value[part] for key, value in params.items()}
        masks[part] = _masks(labels[part], chunk, size)
        images[part] = _render(masks[part], chunk, size, rng)
    return ImageSet(
        name="shapes",
        images=torch.from_numpy(images),
        labels=torch.from_numpy(labels).long(),
        classes=CLASSES,
        masks=torch.from_numpy(masks),
    )


def _draw_params(rng: np.random.Generator, n: int, size: int) -> dict[str, np.ndarray]:
    """Per-image geometry, colours and stripe texture, drawn up front so chunks don't matter."""
    radius = rng.uniform(0.22, 0.38, n) * size
    low, high = radius + 1, size - 2 - radius  # a one-pixel margin keeps shapes inside
    bright_shape = rng.random(n) < 0.5
    dark = rng.uniform(0, 90, (3, n, 3))
    light = rng.uniform(154, 255, (3, n, 3))
    pick = bright_shape[:, None]
    return {
        "radius": radius,
        "cx": low + rng.random(n) * (high - low),
        "cy": low + rng.random(n) * (high - low),
        "flip": rng.choice([-1.0, 1.0], n),
        "shape_rgb": np.where(pick, light[0], dark[0]),
        "bg_a": np.where(pick, dark[1], light[1]),
        "bg_b": np.where(pick, dark[2], light[2]),
        "angle": rng.uniform(0, np.pi, n),
        "freq": rng.uniform(0.15, 0.7, n),
        "phase": rng.uniform(0, 2 * np.pi, n),
    }


def _masks(labels: np.ndarray, p: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Bool m x size x size masks: every class is computed, each image keeps its own."""
    grid = np.arange(size, dtype=np.float32)
    dx = grid[None, None, :] - p["cx"][:, None, None].astype(np.float32)
    dy = grid[None, :, None] - p["cy"][:, None, None].astype(np.float32)
    r = p["radius"][:, None, None].astype(np.float32)
    ax, ay = np.abs(dx), np.abs(dy)
    t = dy * p["flip"][:, None, None]  # triangles point up or down
    arm = 0.3 * r
    candidates = np.stack(
        [
            dx * dx + dy * dy <= r * r,
            np.maximum(ax, ay) <= 0.8 * r,
            (t >= -r) & (t <= 0.8 * r) & (ax <= (t + r) / 1.8),
            ((ax <= arm) & (ay <= r)) | ((ay <= arm) & (ax <= r)),
        ]
    )
    return np.take_along_axis(candidates, labels[None, :, None, None], axis=0)[0]


def _render(
    masks: np.ndarray, p: dict[str, np.ndarray], size: int, rng: np.random.Generator
) -> np.ndarray:
    """uint8 m x 3 x size x size: the shape's colour over two-colour stripes, plus noise."""
    grid = np.arange(size, dtype=np.float32)
    cos, sin = (f(p["angle"])[:, None, None].astype(np.float32) for f in (np.cos, np.sin))
    along = grid[None, None, :] * cos + grid[None, :, None] * sin
    wave = 0.5 + 0.5 * np.sin(along * p["freq"][:, None, None] + p["phase"][:, None, None])
    bg_a, bg_b, shape_rgb = (
        p[k].astype(np.float32)[:, :, None, None] for k in ("bg_a", "bg_b", "shape_rgb")
    )
    background = bg_a + (bg_b - bg_a) * wave[:, None].astype(np.float32)
    image = np.where(masks[:, None], shape_rgb, background)
    image += rng.standard_normal(image.shape, dtype=np.float32) * 6.0
    return np.clip(image, 0, 255).round().astype(np.uint8)
