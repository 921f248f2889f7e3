"""Forward hooks that always come off, and capturing what named layers compute.

Lucent and pytorch-grad-cam leak hooks when an exception or a closed generator skips their
clean-up (their issue trackers), and a leaked hook runs on every later forward of the model.
Here every hook lives in a `with` block: it is removed on exit, on error and when a generator
job holding the block is closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from torch import Tensor, nn

Hook = Callable[..., Any]
"""A forward hook (module, inputs, output) or, with `pre=True`, a pre-hook (module, inputs)."""


def find_layer(model: nn.Module, name: str) -> nn.Module:
    """The submodule at dotted path `name` ("" is the model); ValueError listing the valid names."""
    layers = dict(model.named_modules(remove_duplicate=False))
    if name not in layers:
        valid = ", ".join(n for n in layers if n)
        raise ValueError(f"{type(model).__name__} has no layer {name!r}; its layers are: {valid}")
    return layers[name]


@contextmanager
def forward_hooks(hooks: Iterable[tuple[nn.Module, Hook]], *, pre: bool = False) -> Iterator[None]:
    """Registers each (module, hook) pair as a forward hook (a pre-hook with `pre`) for the
    duration of the block, and removes every one of them however the block ends."""
    with ExitStack() as stack:
        for module, hook in hooks:
            register = module.register_forward_pre_hook if pre else module.register_forward_hook
            stack.callback(register(hook).remove)
        yield


def spatial_output(seen: Mapping[str, Any], layer: str) -> Tensor:
    """What `layer` returned in `seen` (e.g. a capture), as its N x C x h x w map; ValueError
    when it did not run or gave no spatial map."""
    if layer not in seen:
        raise ValueError(f"layer {layer!r} did not run in the model's forward pass")
    out = seen[layer]
    if not isinstance(out, Tensor) or out.dim() != 4:
        raise ValueError(f"layer {layer!r} has no spatial map; pick a layer whose output is "
                         "channels x height x width")
    return out


def output_of(model: nn.Module, layer: str, x: Tensor) -> Captured:
    """The capture of `layer` in a forward pass of `x` that ends right after it (the layers
    after it cost nothing); `seen[layer]` is what it returned, the very tensor (nothing after
    it runs that could change it in place)."""
    with capture(model, [layer], clone=False) as seen, stop_after(find_layer(model, layer)):
        model(x)
    return seen


class Reached(Exception):
    """The layer has run: nothing after it is needed (raised by `stop_after`'s hook)."""


@contextmanager
def stop_after(layer: nn.Module) -> Iterator[None]:
    """A block in which a forward pass ends (with Reached, which the block swallows) right
    after `layer` runs, so the layers after it cost nothing. Enter it after any capture of the
    layer, so that the capture's hook records first."""
    with suppress(Reached), forward_hooks([(layer, _reached)]):
        yield


def _reached(*_: Any) -> None:
    raise Reached


class Captured(Mapping[str, Any]):
    """What each captured layer returned in its latest call: `seen[name]`; with `inputs=True`,
    the positional inputs it was given in `seen.inputs[name]`."""

    def __init__(self) -> None:
        self.outputs: dict[str, Any] = {}
        self.inputs: dict[str, tuple[Any, ...]] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.outputs:
            raise KeyError(f"layer {name!r} did not run inside the capture block")
        return self.outputs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.outputs)

    def __len__(self) -> int:
        return len(self.outputs)


@contextmanager
def capture(
    model: nn.Module, names: Sequence[str], *, inputs: bool = False, clone: bool = True
) -> Iterator[Captured]:
    """Within the block, every forward of `model` records the output (and with `inputs`, the
    positional inputs) of each named layer; a layer that runs several times keeps its latest.

    `clone` copies what is recorded, because a later in-place op (torchvision's
    `ReLU(inplace=True)` after a batch norm) would otherwise overwrite it; pass False to keep
    the very tensors of the autograd graph, for gradients with respect to them. Inputs are
    recorded before the layer runs, so that an in-place layer's own change is not seen.
    """
    layers = [(name, find_layer(model, name)) for name in names]
    seen = Captured()
    keep = _cloned if clone else _same

    def output_hook(name: str) -> Hook:
        def hook(_module: nn.Module, _inputs: tuple[Any, ...], output: Any) -> None:
            seen.outputs[name] = keep(output)

        return hook

    def input_hook(name: str) -> Hook:
        def hook(_module: nn.Module, args: tuple[Any, ...]) -> None:
            seen.inputs[name] = keep(args)

        return hook

    outputs = [(layer, output_hook(name)) for name, layer in layers]
    pre_hooks = [(layer, input_hook(name)) for name, layer in layers] if inputs else []
    with forward_hooks(outputs), forward_hooks(pre_hooks, pre=True):
        yield seen


def _same(value: Any) -> Any:
    return value


def _cloned(value: Any) -> Any:
    """`value` with every tensor in it cloned, through tuples (named ones too), lists and dicts."""
    if isinstance(value, Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {key: _cloned(item) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*map(_cloned, value))
    if isinstance(value, (tuple, list)):
        return type(value)(map(_cloned, value))
    return value
