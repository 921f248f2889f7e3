"""Filters & activations panel: a layer's filters, its maps for an input (live while drawing)
and the dataset patches that excite each of its units most."""

from .panel import FeaturesPanel

__all__ = ["FeaturesPanel"]
