"""iGAN brushing (issue 19): paint colours and sketches and a batch of latents follows them;
project a real image onto a generator's manifold (optimization, an inverting network, or
both) and edit it. Importing it does not import torch."""

from ..lazy import lazy_names
from .events import (
    FRAME_INTERVAL,
    MAX_CANDIDATES,
    MAX_STEPS,
    METHODS,
    MORPH_FRAMES,
    SHOWN,
    Candidates,
    Constraints,
    EditSettings,
    EncoderProgress,
    EncoderReady,
    EncoderSettings,
    GanInfo,
    Morph,
    Projection,
    ProjectionSettings,
    SavedEdit,
    Start,
    Target,
    default_candidates,
)

__getattr__ = lazy_names(__name__, {
    "Gan": "generator", "GanCache": "generator", "load_gan": "generator",
    "draw_start": "edit", "fix_start": "edit", "edit_job": "edit", "start_job": "edit",
    "open_job": "edit", "morph": "edit", "morph_job": "edit",
    "save_edit_job": "saved", "open_edit_job": "saved",
    "projection_job": "projection",
    "encoder_job": "encoder", "ready_encoder_job": "encoder", "load_encoder": "encoder",
    "encoder_saved": "encoder",
    "read_image": "images", "dataset_image": "images", "image_of": "images",
    "edge_map": "losses", "colour_error": "losses", "edge_error": "losses",
    "prior_term": "losses",
    "to_z": "support", "to_w": "support", "in_support": "support",
})
__all__ = ["Candidates", "Constraints", "EditSettings", "EncoderProgress", "EncoderReady",
           "EncoderSettings", "FRAME_INTERVAL", "Gan", "GanCache", "GanInfo", "MAX_CANDIDATES",
           "MAX_STEPS", "METHODS", "MORPH_FRAMES", "Morph", "Projection", "ProjectionSettings",
           "SHOWN", "SavedEdit", "Start", "Target", "colour_error", "dataset_image",
           "default_candidates", "draw_start", "edge_error", "edge_map", "edit_job",
           "encoder_job", "encoder_saved", "fix_start", "image_of", "in_support",
           "load_encoder", "load_gan", "morph", "morph_job", "open_edit_job", "open_job",
           "prior_term", "projection_job", "read_image", "ready_encoder_job", "save_edit_job",
           "start_job", "to_w", "to_z"]
