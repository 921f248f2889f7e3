"""Lecture 3's style representation: the Gram matrix of a layer's maps, G_cc' = 1/(C H W)
sum over h, w of phi_hwc phi_hwc', and the style distance ||G(x) - G(y)||_F^2 between two
images (Gatys et al.); the piece a style-transfer view builds on."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from scipy.cluster.hierarchy import leaves_list, linkage

from ..models.hooks import output_of, spatial_output
from ..runs.loader import Classifier
from .events import GramView


def gram_matrix(maps: torch.Tensor) -> torch.Tensor:
    """(N x) C x H x W maps to (N x) C x C Gram matrices, normalized by C H W."""
    c, h, w = maps.shape[-3:]
    phi = maps.flatten(-2)
    return phi @ phi.transpose(-1, -2) / (c * h * w)


def style_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||a - b||_F^2 of two Gram matrices."""
    return float((a - b).pow(2).sum())


def clustered_order(gram: np.ndarray) -> np.ndarray:
    """The channels in the leaf order of an average-linkage clustering of the Gram matrix's
    rows (centred, scaled to unit length: a correlation; a dead channel's row stays 0), so
    channels that fire together sit together."""
    if len(gram) < 3:
        return np.arange(len(gram))
    rows = gram - gram.mean(1, keepdims=True)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return leaves_list(linkage(rows, "average")).astype(np.int64)


def layer_maps(clf: Classifier, pixels: torch.Tensor, layer: str) -> torch.Tensor:
    """The layer's N x C x H x W maps for uint8 N x C x H x W pixels; ValueError when the layer
    has no spatial map."""
    with torch.inference_mode():
        return spatial_output(output_of(clf.model, layer, clf.normalize(pixels)), layer).float()


def gram_job(clf: Classifier, pixels: torch.Tensor, layer: str,
             other: torch.Tensor | None = None) -> Iterator[GramView]:
    """The Gram matrix of `layer` for uint8 C x H x W `pixels`, in clustered order, and the
    style distance to `other` pixels when given."""
    batch = pixels[None] if other is None else torch.stack([pixels, other])
    grams = gram_matrix(layer_maps(clf, batch, layer))
    gram = grams[0].cpu().numpy().astype(np.float32)
    distance = None if other is None else style_distance(grams[0], grams[1])
    yield GramView(layer, gram, clustered_order(gram), distance)
