"""Run store (SQLite), checkpoints (safetensors + JSON), where a model comes from, the one
classifier loader with its cache, and the generators of GAN runs. Importing it does not import
torch."""

from ..lazy import lazy_names
from .sources import ModelSource, RunModel, ZooModel, ZooStatus

__getattr__ = lazy_names(__name__, {
    "Classifier": "loader", "load_classifier": "loader", "ModelCache": "cache",
    "checkpoint_stamp": "cache", "InputCache": "inputs", "CheckpointError": "checkpoint",
    "load_generator": "generators", "zoo_status_job": "loader"})
__all__ = ["CheckpointError", "Classifier", "InputCache", "ModelCache", "ModelSource",
           "RunModel", "ZooModel", "ZooStatus", "checkpoint_stamp", "load_classifier",
           "load_generator", "zoo_status_job"]
