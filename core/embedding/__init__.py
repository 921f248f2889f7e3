"""Embeddings (issue 18): a layer's features over a split, mapped to 2-D live (t-SNE, PCA,
UMAP), with the map's quality and nearest neighbours in feature space. Importing it does not
import torch."""

from ..lazy import lazy_names
from .events import (
    METHODS,
    Features,
    ForMap,
    Neighbours,
    Pictures,
    ProjectionFrame,
    Quality,
    Setup,
    TsneSettings,
)

__getattr__ = lazy_names(__name__, {
    "default_layer": "features", "features_job": "features", "FeatureCache": "features",
    "projection_job": "projection", "tsne_job": "projection", "pca": "projection",
    "umap": "projection",
    "trustworthiness": "quality", "knn_accuracy": "quality", "neighbours": "quality",
    "map_quality": "quality",
    "setup_job": "explorer", "extract_job": "explorer", "quality_job": "explorer",
    "maps_job": "explorer",
})
__all__ = ["METHODS", "FeatureCache", "Features", "ForMap", "Neighbours", "Pictures",
           "ProjectionFrame", "Quality", "Setup", "TsneSettings", "default_layer", "extract_job",
           "features_job", "knn_accuracy", "map_quality", "maps_job", "neighbours", "pca",
           "projection_job", "quality_job", "setup_job", "trustworthiness", "tsne_job", "umap"]
