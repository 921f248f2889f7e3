"""Datasets: embedded digits and shapes, torchvision sets, image folders, splits, and where an
image comes from. Importing it does not import torch."""

from ..lazy import lazy_names
from .sources import SPLITS, ArrayImage, DatasetImage, DatasetRef, FileImage, ImageSource

__getattr__ = lazy_names(__name__, {"array_pixels": "pixels", "load_dataset": "load"})
__all__ = ["SPLITS", "ArrayImage", "DatasetImage", "DatasetRef", "FileImage", "ImageSource",
           "array_pixels", "load_dataset"]
