"""Filters and activations (issue 17): what each unit of a layer responds to: its filters,
its maps for one input, the unit scan (every channel's top-K dataset images in one pass) and
their crops, backprop views, activation maximization and the Gram matrix. Importing it does not
import torch."""

from ..lazy import lazy_names
from .dream_settings import DreamSettings
from .events import (
    SALIENCY_METHODS,
    Activations,
    Attribution,
    ClassTarget,
    DreamFrame,
    Filters,
    GramView,
    LayerTree,
    Target,
    UnitPatches,
    UnitScan,
    UnitTarget,
)

__getattr__ = lazy_names(__name__, {
    "unit_scan_job": "units", "save_units": "export",
    "layers_job": "maps", "filters_job": "maps", "activations_job": "maps",
    "patches_job": "patches", "gram_job": "gram",
    "attribution": "saliency", "saliency_job": "saliency", "relu_note": "saliency",
    "dream_job": "dream",
})
__all__ = ["SALIENCY_METHODS", "Activations", "Attribution", "ClassTarget", "DreamFrame",
           "DreamSettings", "Filters", "GramView", "LayerTree", "Target", "UnitPatches",
           "UnitScan", "UnitTarget", "activations_job", "attribution", "dream_job", "filters_job",
           "gram_job", "layers_job", "patches_job", "relu_note", "saliency_job", "save_units",
           "unit_scan_job"]
