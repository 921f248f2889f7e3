"""Latent space walks of a trained generator: requests, events and the jobs that draw
samples, render interpolations, walks and class blends, and export them. Importing it does
not import torch."""

from ..lazy import lazy_names
from .events import (
    MAX_STEPS,
    MIN_STEPS,
    PATHS,
    Draws,
    Endpoint,
    Frames,
    GeneratorInfo,
    PathRequest,
    RunRef,
)

__getattr__ = lazy_names(__name__, dict.fromkeys(
    ("GeneratorCache", "open_job", "refresh_job", "draws_job", "frames_job", "export_job"),
    "jobs"))
__all__ = ["MAX_STEPS", "MIN_STEPS", "PATHS", "Draws", "Endpoint", "Frames", "GeneratorCache",
           "GeneratorInfo", "PathRequest", "RunRef", "draws_job", "export_job", "frames_job",
           "open_job", "refresh_job"]
