"""Latent space panel: walk a trained generator's latent space between two samples."""

from .panel import LatentPanel

__all__ = ["LatentPanel"]
