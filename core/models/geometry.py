"""Layer discovery and per-layer geometry of any image model: the tree of its modules with their
output shapes, and where in the input image each unit of a layer looks (its receptive field).

Nothing is hard-coded per architecture: the tree comes from one forward pass with hooks, the
receptive field from the input gradient of a unit in a positive, linearized run of the model,
where no path can vanish. The result types are plain frozen data and torch is imported only
inside the functions that run a model, so the GUI imports this module before torch has loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import Tensor, nn
    from torch.overrides import TorchFunctionMode

Shape = tuple[int, ...]
Position = tuple[int, int]
Box = tuple[int, int, int, int]
"""top, left, bottom, right of a region of the input in pixels, end exclusive."""


@dataclass(frozen=True)
class Layer:
    """One module of a model: its dotted name as `model.get_submodule` takes it ("" for the
    model), its class name, the shapes of the tensors its first call returned with the batch
    dimension dropped (several for a tuple, none when it did not run: an unused auxiliary head,
    a ModuleList) and how many times it ran in one forward pass (a shared ReLU runs several)."""

    name: str
    type: str
    output_shapes: tuple[Shape, ...]
    calls: int
    children: tuple[Layer, ...] = ()

    @property
    def output_shape(self) -> Shape | None:
        """The shape of its one output tensor; None when it returned several or did not run."""
        return self.output_shapes[0] if len(self.output_shapes) == 1 else None

    def walk(self) -> Iterator[Layer]:
        """This layer and every layer below it, depth first in the order the model defines."""
        yield self
        for child in self.children:
            yield from child.walk()


SEPARABLE_CHECKS = 4  # units measured to check that boxes compose from rows and columns


@dataclass(frozen=True)
class ReceptiveField:
    """Where the units of a layer's channel (of any channel, when None) look in the input:
    the box of the unit at the centre of the map (clipped to the image) and how many input
    pixels the box moves to the next unit (0 on an axis where no move shows: a single unit, or
    fields that cover the image)."""

    layer: str
    channel: int | None
    image: tuple[int, int]
    grid: tuple[int, int]
    centre: Box
    stride: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """Height and width of the centre unit's field."""
        top, left, bottom, right = self.centre
        return bottom - top, right - left

    @property
    def offset(self) -> tuple[int, int]:
        """Top-left input pixel of unit (0, 0)'s field before clipping (may be negative), read
        back from the centre unit's field and the stride."""
        centre = ((self.grid[0] - 1) // 2, (self.grid[1] - 1) // 2)
        return (self.centre[0] - centre[0] * self.stride[0],
                self.centre[1] - centre[1] * self.stride[1])

    def box(self, y: int, x: int) -> Box:
        """The field of unit (y, x) as the centre unit's moved by the stride, clipped to the
        image: exact where the layer is translation-equivariant and the centre's field is
        not clipped (`unit_boxes` measures it)."""
        (oy, ox), (h, w) = self.offset, self.image
        top, left = oy + y * self.stride[0], ox + x * self.stride[1]
        return (max(0, top), max(0, left), min(h, top + self.size[0]),
                min(w, left + self.size[1]))


def layer_tree(model: nn.Module, input_shape: Sequence[int]) -> Layer:
    """Every module of `model` with its output shapes, from one forward pass of a single zero
    input of `input_shape` (channels, height, width) in eval mode (restored afterwards): on
    the meta device when every op allows it, else on the model's own."""
    import torch

    from .hooks import forward_hooks

    runs: dict[nn.Module, tuple[tuple[Shape, ...], int]] = {}

    def record(module: nn.Module, _inputs: Any, output: Any) -> None:
        shapes, calls = runs.get(module, (_shapes(output), 0))
        runs[module] = (shapes, calls + 1)

    shape = _checked_shape(input_shape)
    with forward_hooks((module, record) for module in model.modules()), torch.no_grad():
        meta = {name: tensor.to("meta") for name, tensor in _state(model)}
        try:  # shapes alone, on the meta device: ~0.1 s for resnet18 at 224 px, at any load
            _forward(model, torch.zeros(1, *shape, **{**_placement(model), "device": "meta"}), meta)
        except (ValueError, NotImplementedError):  # an op with no meta kernel, a branch on values
            runs.clear()
            _forward(model, torch.zeros(1, *shape, **_placement(model)))
    return _tree(model, "", runs)


def receptive_field(
    model: nn.Module, layer: str, input_shape: Sequence[int], channel: int | None = None
) -> ReceptiveField:
    """The receptive field of `layer`'s units in `channel` (None: in any channel) for images of
    `input_shape` (channels, height, width), measured on the model as in `unit_boxes`."""

    def centre_and_next(grid: Position) -> list[Position]:
        centre = ((grid[0] - 1) // 2, (grid[1] - 1) // 2)
        return [centre, (min(centre[0] + 1, grid[0] - 1), min(centre[1] + 1, grid[1] - 1))]

    grid, (centre, next_) = _fields(model, layer, input_shape, channel, centre_and_next)
    image = (int(input_shape[1]), int(input_shape[2]))
    stride = (_shift(centre, next_, 0, image[0]), _shift(centre, next_, 1, image[1]))
    return ReceptiveField(layer, channel, image, grid, centre, stride)


def unit_boxes(
    model: nn.Module,
    layer: str,
    input_shape: Sequence[int],
    positions: Sequence[Position],
    channel: int | None = None,
) -> list[Box]:
    """The exact receptive field, clipped to the image, of `layer`'s unit at each (y, x) of
    `positions` in `channel` (None: the union over its channels).

    It is the bounding box of the pixels on which the unit (in the layer's first call) depends:
    the support of its input gradient when the model runs in eval mode (dropout off) with every
    weight positive (1 / fan-in) and every bias and buffer 1 (a functional call: the model is
    not changed), so that no sign cancels a path and batch norm keeps a positive scale, and with
    activations handing on their input and max pools averaging the same windows, so that none
    zeroes a gradient. Each op's gradient is cut to its support (0 or 1) on the way back, so no
    depth can overflow or underflow it. Any wiring (residual, inception-style, dilated,
    resizing) is measured, not assumed; normalizations over space (group, instance norm) make a
    unit see the whole image.
    """

    def inside(grid: Position) -> list[Position]:
        for y, x in positions:
            if not (0 <= y < grid[0] and 0 <= x < grid[1]):
                raise ValueError(f"unit ({y}, {x}) is outside the {grid[0]} x {grid[1]} map "
                                 f"of layer {layer!r}")
        return probes

    positions = list(positions)
    probes = _separable_probes(positions)
    if len(probes) >= len(positions):
        probes = positions
    boxes = _fields(model, layer, input_shape, channel, inside)[1]
    if probes is positions:
        return boxes
    found = dict(zip(probes, boxes, strict=True))
    rows = {y: found[(y, positions[0][1])] for y, _ in positions}
    cols = {x: found[(positions[0][0], x)] for _, x in positions}

    def composed(y: int, x: int) -> Box:
        return rows[y][0], cols[x][1], rows[y][2], cols[x][3]

    if all(composed(*p) == found[p] for p in probes):
        return [composed(*p) for p in positions]
    probes = positions  # not separable after all: measure every unit
    return _fields(model, layer, input_shape, channel, inside)[1]


def _separable_probes(positions: list[Position]) -> list[Position]:
    """The units whose boxes give every box of `positions` when a unit's rows depend on its y
    alone and its columns on its x alone (convolutions, pools, residual and inception wiring,
    dilation): one per row and per column in use, and a few others that check it."""
    y0, x0 = positions[0]
    probes = dict.fromkeys([(y, x0) for y, _ in positions] + [(y0, x) for _, x in positions])
    checks = [p for p in positions if p not in probes]
    return [*probes, *checks[:: max(1, len(checks) // SEPARABLE_CHECKS)][:SEPARABLE_CHECKS]]


def _fields(
    model: nn.Module,
    layer: str,
    input_shape: Sequence[int],
    channel: int | None,
    choose: Callable[[Position], list[Position]],
) -> tuple[Position, list[Box]]:
    """The layer's map size and the boxes of the units `choose` picks from it: one forward
    pass up to the layer, then one backward pass per unit."""
    import torch

    from .hooks import capture, find_layer, stop_after

    device = _placement(model).get("device")
    positive = {name: _positive(tensor) for name, tensor in _state(model)}
    x = torch.ones(1, *_checked_shape(input_shape, spatial=True), device=device)
    x.requires_grad_(True)
    with _tracing_support(), capture(model, [layer]) as seen, stop_after(find_layer(model, layer)):
        _forward(model, x, positive)
    out = _spatial_map(seen, layer, channel)
    grid = (out.shape[2], out.shape[3])
    positions = choose(grid)
    units = slice(None) if channel is None else channel
    boxes = []
    for y, x_ in positions:
        seed = torch.zeros_like(out)
        seed[0, units, y, x_] = 1
        (grad,) = torch.autograd.grad(out, x, seed, retain_graph=True)
        boxes.append(_bounding_box(grad[0].ne(0).any(0)))
    return grid, boxes


def _positive(tensor: Tensor) -> Tensor:
    """1 / fan-in for a weight, 1 for a bias or a buffer (float32 views of one number): the
    forward values stay near 1 at any depth."""
    import math

    import torch

    if not tensor.is_floating_point():
        return tensor
    fan_in = math.prod(tensor.shape[1:]) if tensor.dim() > 1 else 1
    return torch.full((), 1 / fan_in, device=tensor.device).expand(tensor.shape)


def _tracing_support() -> TorchFunctionMode:
    """A torch function mode where activations and dropout hand on their input unchanged, max
    pools average the same windows (called as modules or as functions), and the gradient of
    every op's result is cut to its support."""
    import torch
    import torch.nn.functional as F
    from torch.overrides import TorchFunctionMode

    passing = {
        F.relu, F.relu_, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_,
        F.relu6, F.hardtanh, F.hardtanh_, F.leaky_relu, F.leaky_relu_, F.elu, F.elu_, F.selu,
        F.celu, F.gelu, F.silu, F.mish, F.hardswish, F.hardsigmoid, F.softplus, F.threshold,
        F.prelu, torch.prelu, F.sigmoid, torch.sigmoid, torch.Tensor.sigmoid, F.tanh,
        torch.tanh, torch.Tensor.tanh, F.dropout, F.dropout1d, F.dropout2d, F.dropout3d,
        F.alpha_dropout, F.feature_alpha_dropout,
    }
    pools: dict[Callable, Callable] = {}
    for d in (1, 2, 3):
        average = _averaging(getattr(F, f"avg_pool{d}d"))
        pools[getattr(F, f"max_pool{d}d")] = pools[getattr(torch, f"max_pool{d}d")] = average
        adaptive = getattr(F, f"adaptive_avg_pool{d}d")
        pools[getattr(F, f"adaptive_max_pool{d}d")] = _adaptive(adaptive)

    class Linearized(TorchFunctionMode):
        def __torch_function__(self, func: Callable, types: Any, args: tuple = (),
                               kwargs: dict | None = None) -> Any:
            kwargs = kwargs or {}
            if func in passing:
                return args[0] if args else kwargs["input"]
            result = pools.get(func, func)(*args, **kwargs)
            if isinstance(result, torch.Tensor) and result.requires_grad:
                result.register_hook(_support)
            return result

    return Linearized()


def _support(grad: Tensor) -> Tensor:
    return grad.ne(0).to(grad.dtype)


def _averaging(avg_pool: Callable) -> Callable:
    def pool(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
             dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
        if return_indices or any(d != 1 for d in _as_tuple(dilation)):
            raise NotImplementedError("receptive fields through max pools with dilation or "
                                      "returned indices are not supported")
        return avg_pool(input, kernel_size, stride or None, padding, ceil_mode)

    return pool


def _adaptive(avg_pool: Callable) -> Callable:
    def pool(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
        if return_indices:
            raise NotImplementedError("receptive fields through max pools that return indices "
                                      "are not supported")
        return avg_pool(input, output_size)

    return pool


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _spatial_map(seen: Any, layer: str, channel: int | None) -> Tensor:
    """The layer's 1 x C x h x w output; ValueError when it has no such map or channel."""
    if layer not in seen:
        raise ValueError(f"layer {layer!r} did not run in a forward pass of the model")
    shapes = _shapes(seen[layer])
    if len(shapes) != 1 or len(shapes[0]) != 3:
        shown = ", ".join(" x ".join(map(str, s)) for s in shapes) or "no tensor"
        raise ValueError(f"layer {layer!r} has no spatial map (its output: {shown}); pick a "
                         "layer whose output is channels x height x width")
    out = seen[layer]
    if channel is not None and not 0 <= channel < out.shape[1]:
        raise ValueError(f"channel {channel} is out of range: layer {layer!r} has "
                         f"{out.shape[1]} channels")
    return out


def _bounding_box(support: Tensor) -> Box:
    """The smallest box around the True pixels of an H x W mask; (0, 0, 0, 0) when none is."""
    rows, cols = support.any(1).nonzero(), support.any(0).nonzero()
    if not len(rows):
        return (0, 0, 0, 0)
    return (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)


def _shift(a: Box, b: Box, axis: int, extent: int) -> int:
    """How far box b lies past box a along an axis, read from edges the image did not clip."""
    start, end = axis, axis + 2
    if a[start] > 0:
        return b[start] - a[start]
    if b[end] < extent:
        return b[end] - a[end]
    return 0


def _shapes(value: Any) -> tuple[Shape, ...]:
    """Shapes of the tensors in a module's output (through tuples, lists and dicts), batch
    dimension dropped."""
    if isinstance(getattr(value, "shape", None), tuple):
        return (tuple(value.shape[1:]),)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return tuple(shape for item in value for shape in _shapes(item))
    return ()


def _tree(module: nn.Module, name: str, runs: dict) -> Layer:
    shapes, calls = runs.get(module, ((), 0))
    children = tuple(_tree(child, f"{name}.{key}" if name else key, runs)
                     for key, child in module.named_children())
    return Layer(name, type(module).__name__, shapes, calls, children)


def _checked_shape(input_shape: Sequence[int], spatial: bool = False) -> tuple[int, ...]:
    shape = tuple(input_shape)
    if not shape or any(not isinstance(n, int) or n < 1 for n in shape) or (
        spatial and len(shape) != 3
    ):
        wanted = "channels, height, width" if spatial else "positive sizes"
        raise ValueError(f"input shape must be {wanted}, got {shape}")
    return shape


def _state(model: nn.Module) -> Iterator[tuple[str, Tensor]]:
    from itertools import chain

    return chain(model.named_parameters(), model.named_buffers())


def _placement(model: nn.Module) -> dict[str, Any]:
    """The device and floating dtype of the model's first floating tensor (default: CPU)."""
    for _, tensor in _state(model):
        if tensor.is_floating_point():
            return {"device": tensor.device, "dtype": tensor.dtype}
    return {}


@contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode within the block; every module's own mode comes back afterwards."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _forward(model: nn.Module, x: Tensor, state: dict[str, Tensor] | None = None) -> Any:
    """model(x) in eval mode, with `state` standing in for its parameters and buffers (a
    functional call: the model itself is never changed); ValueError when it cannot run."""
    from torch.func import functional_call

    try:
        with _evaluating(model):
            return functional_call(model, state or {}, (x,))
    except (RuntimeError, ValueError, TypeError) as err:
        shape = " x ".join(map(str, x.shape[1:]))
        raise ValueError(f"{type(model).__name__} does not run on a {shape} input "
                         f"(channels x height x width): {err}") from err
