"""Frozen events of the feature jobs: numpy copies only (torch-free, safe for the GUI)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jobs.events import Event
from ..models.geometry import Layer, ReceptiveField


@dataclass(frozen=True)
class UnitScan(Event):
    """Every channel's top-K units of a layer over a set of images, largest first: each image
    gives at most one unit per channel (its map's maximum). Arrays are C x K (K: at most the
    number of images); `index` holds the images' dataset indices."""

    layer: str
    index: np.ndarray  # int64
    y: np.ndarray  # int64, row in the layer's map
    x: np.ndarray  # int64, column in the layer's map
    value: np.ndarray  # float32, the activation there
    box: np.ndarray  # int64 C x K x 4: top, left, bottom, right in input pixels, end exclusive
    field: ReceptiveField



@dataclass(frozen=True)
class ClassTarget:
    """A class's logit (the score before softmax)."""

    klass: int


@dataclass(frozen=True)
class UnitTarget:
    """A channel of a layer: its mean over the map, or the unit at (y, x) when both are given."""

    layer: str
    channel: int
    y: int | None = None
    x: int | None = None


Target = ClassTarget | UnitTarget


SALIENCY_METHODS = ("gradient", "guided", "deconv", "gradcam")


@dataclass(frozen=True)
class Attribution(Event):
    """A backprop view of one input: `values` is C x H x W (gradient, guided, deconv: the
    gradient with respect to the normalized input) or the layer's h x w (gradcam, with
    `upsampled` at H x W); `input` is the exact 1 x C x H x W tensor fed to the model."""

    method: str
    target: Target
    layer: str | None
    values: np.ndarray  # float32
    upsampled: np.ndarray | None  # float32 H x W (gradcam only)
    input: np.ndarray  # float32
    score: float  # the target's value on `input`


@dataclass(frozen=True)
class DreamFrame(Event):
    """Activation maximization so far: one image per seed (S x C x H x W pixels in [0, 1],
    before normalization), the objective's value for each on `input` (S x C x H x W, the
    exact normalized tensor fed to the model), at `step` of `steps`."""

    target: Target
    step: int
    steps: int
    images: np.ndarray  # float32
    values: np.ndarray  # float32, one per seed
    input: np.ndarray  # float32
    mean: tuple[float, ...]
    std: tuple[float, ...]


@dataclass(frozen=True)
class LayerTree(Event):
    """A model's modules with their output shapes (models.geometry.Layer), for a layer picker,
    with its input (channels, height, width) and class names."""

    tree: Layer
    shape: tuple[int, int, int]
    classes: tuple[str, ...]


@dataclass(frozen=True)
class Filters(Event):
    """A layer's filters as image tiles, in the order shown: `tiles` is N x c x kh x kw in
    [0, 1] (c = 3: RGB, 1: grey); `channel` each tile's output channel, `norm` the L2 norm of
    its whole filter; `weights` the layer's weights as they are (out x in x kh x kw). `mode`
    says what a tile shows, `scale` whether each filter or the whole layer set its contrast."""

    layer: str
    tiles: np.ndarray  # float32
    channel: np.ndarray  # int64
    norm: np.ndarray  # float32
    weights: np.ndarray  # float32
    mode: str
    scale: str


@dataclass(frozen=True)
class Activations(Event):
    """Every channel of a layer's output for one input: `maps` is C x h x w (a vector's C
    values as C x 1 x 1); `image` the input as the model saw it, `label` its true class (None:
    unknown), `top5` the model's (class, probability), most probable first; `peak` the largest
    |activation| of the layer and of every leaf module whose output has the layer's rank, for
    one colour scale across the network."""

    layer: str
    maps: np.ndarray  # float32
    image: np.ndarray  # uint8 C x H x W
    label: int | None
    top5: tuple[tuple[int, float], ...]
    peak: float


@dataclass(frozen=True)
class UnitPatches(Event):
    """A channel's top units of a UnitScan as image crops, K x C x h x w: each crop in a tile
    as large as the channel's largest box, pushed to the tile's far side (black before it)
    where the image's border clipped it."""

    layer: str
    channel: int
    patches: np.ndarray  # uint8


@dataclass(frozen=True)
class GramView(Event):
    """A layer's Gram matrix for an image (lecture 3's style representation), G_cc' =
    1/(C H W) sum over h, w of phi_hwc phi_hwc', C x C; `order` lists the channels clustered
    (similar rows together); `distance` is ||G(x) - G(y)||_F^2 to a second image, when given."""

    layer: str
    gram: np.ndarray  # float32
    order: np.ndarray  # int64
    distance: float | None
