"""Run store (SQLite), checkpoints (safetensors + JSON), where a model comes from, the one
classifier loader with its cache, and the generators of GAN runs. Importing it does not import
torch."""

from ..lazy import lazy_names
from .sources import LiveModel, ModelSource, ModelStatus, RunModel, UserModel, ZooModel, ZooStatus

__getattr__ = lazy_names(__name__, {
    "Classifier": "loader", "load_classifier": "loader", "ModelCache": "cache",
    "checkpoint_stamp": "cache", "InputCache": "inputs", "CheckpointError": "checkpoint",
    "load_generator": "generators", "zoo_status_job": "loader",
    "model_status_job": "user_models"})
__all__ = ["CheckpointError", "Classifier", "InputCache", "LiveModel", "ModelCache",
           "ModelSource", "ModelStatus", "RunModel", "UserModel", "ZooModel", "ZooStatus",
           "checkpoint_stamp", "load_classifier", "load_generator", "model_status_job",
           "zoo_status_job"]
