"""Occlusion experiments (Zeiler & Fergus): what to occlude with what, the maps, and the jobs of
the panel and the command line. Importing it does not import torch."""

from ..lazy import lazy_names
from .events import (
    GalleryItem,
    ImageInfo,
    Probe,
    SplitPredictions,
    TopK,
)
from .spec import (
    GALLERY_KINDS,
    GALLERY_SIZE,
    OCCLUDERS,
    OcclusionSettings,
    Setup,
    default_window,
)

__getattr__ = lazy_names(__name__, {
    "OcclusionMaps": "maps", "occlusion_job": "maps", "occlusion_maps": "maps",
    "windows_per_axis": "maps", "preview_job": "jobs", "run_job": "jobs", "probe_job": "jobs",
    "predict_split_job": "gallery", "gallery_job": "gallery", "SourceCache": "source",
    "load_experiment": "experiment", "occluder": "experiment",
    "resolve_target": "experiment", "save_maps": "experiment"})
__all__ = ["GALLERY_KINDS", "GALLERY_SIZE", "OCCLUDERS", "GalleryItem", "ImageInfo",
           "OcclusionMaps", "OcclusionSettings", "Probe", "Setup", "SourceCache",
           "SplitPredictions", "TopK", "default_window", "gallery_job", "load_experiment",
           "occluder", "occlusion_job", "occlusion_maps", "predict_split_job", "preview_job",
           "probe_job", "resolve_target", "run_job", "save_maps", "windows_per_axis"]
