"""GAN panel: train a GAN live, look back at its samples, score it with a judge."""

from .panel import GanPanel

__all__ = ["GanPanel"]
