"""The model zoo: classifiers (small nets and torchvision), GAN generators and discriminators,
and latent priors with interpolation; hooks that always come off; layer discovery and per-layer
geometry (output shapes, receptive fields) of any model. Importing the package does not import
torch: the geometry's result types are plain data and its functions load torch when called."""

from ..lazy import lazy_names
from .geometry import Box, Layer, ReceptiveField, layer_tree, receptive_field, unit_boxes

__getattr__ = lazy_names(__name__, {"Captured": "hooks", "capture": "hooks",
                                    "find_layer": "hooks", "forward_hooks": "hooks"})
__all__ = ["Box", "Captured", "Layer", "ReceptiveField", "capture", "find_layer",
           "forward_hooks", "layer_tree", "receptive_field", "unit_boxes"]
