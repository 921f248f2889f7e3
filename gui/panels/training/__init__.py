"""Training panel: configure a classifier run, watch it learn live, compare runs."""

from .panel import TrainingPanel

__all__ = ["TrainingPanel"]
