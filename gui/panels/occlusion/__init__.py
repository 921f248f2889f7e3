"""Occlusion panel: slide an occluder over an image, watch the target probability fall."""

from .panel import OcclusionPanel

__all__ = ["OcclusionPanel"]
