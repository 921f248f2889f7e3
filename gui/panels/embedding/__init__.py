"""The Embeddings panel (issue 18): a layer's features mapped to 2-D live, neighbours in
feature space, and two models' maps side by side."""

from .panel import EmbeddingPanel

__all__ = ["EmbeddingPanel"]
