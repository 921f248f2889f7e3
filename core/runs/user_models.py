"""The user's own classifiers: a function in their Python file (optionally with safetensors
weights), or a live nn.Module from `deepscope.explore`. DeepVis's users asked above all for
their own models; here they get the same hooks, maps and views as a trained run. A pickle is
never loaded: weights come from safetensors only. Compute thread only."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from ..models.spec import ModelSpec
from .loader import Classifier, stat_tensor
from .sources import LiveModel, ModelStatus, UserModel

PICKLES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar")
SHOWN_KEYS = 4  # a weights mismatch names this many keys of each kind


def user_classifier(source: UserModel, device: torch.device) -> Classifier:
    """`source.function()` from its file, with its weights, as a Classifier on `device` (a
    pickle is refused before the user's code runs)."""
    weights = source.weights and refuse_pickle(Path(source.weights).expanduser())
    model = call_function(source.file, source.function)
    if weights:
        load_weights(model, weights)
    return wrap(model, source.name, source.shape, source.mean, source.std, (), device)


def live_classifier(source: LiveModel, device: torch.device) -> Classifier:
    """The live module as a Classifier on `device` (moved there, like any model)."""
    if not isinstance(source.module, nn.Module):
        raise ValueError(f"explore needs a torch.nn.Module, got {type(source.module).__name__}")
    clf = wrap(source.module, source.name, source.shape, source.mean, source.std,
               source.classes, device)
    return replace(clf, dataset=source.dataset)


def model_status_job(source: UserModel | LiveModel) -> Iterator[ModelStatus]:
    """Load and run the user's model once: its classes, or the error that stops it."""
    from .loader import as_device, load_classifier

    yield ModelStatus(source.name, load_classifier(source, as_device(None)).classes)


def call_function(file: Path, function: str) -> nn.Module:
    """Run the user's file as a module and call `function()` in it; ValueError, in words, for a
    missing file or function, an error inside their code, or a result that is no nn.Module."""
    file = Path(file).expanduser()
    if not file.is_file():
        raise ValueError(f"no Python file at {file}")
    name = f"deepscope_user_model_{abs(hash(str(file.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None or file.suffix != ".py":
        raise ValueError(f"{file} is not a Python file (.py)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling-free imports inside it resolve
    try:
        spec.loader.exec_module(module)
        build = getattr(module, function, None)
        if not callable(build):
            found = ", ".join(n for n, v in vars(module).items()
                              if callable(v) and getattr(v, "__module__", None) == name)
            raise ValueError(f"{file.name} has no function {function!r}"
                             + (f"; it defines: {found}" if found else ""))
        model = build()
    except ValueError:
        raise
    except Exception as err:  # their code: any error is reported, never crashes the app
        raise ValueError(f"{file.name}:{function} failed: {type(err).__name__}: {err}") from err
    if not isinstance(model, nn.Module):
        raise ValueError(f"{file.name}:{function}() returned {type(model).__name__}, not a "
                         "torch.nn.Module")
    return model


def refuse_pickle(path: Path) -> Path:
    """`path`, unless its name says it is a pickle: ValueError with what to do instead."""
    if path.suffix.lower() in PICKLES:
        raise ValueError(f"{path.name} is a pickle, which DeepScope never loads (it can run any "
                         "code); save the weights with safetensors.torch.save_file("
                         "model.state_dict(), 'weights.safetensors') and open that")
    return path


def load_weights(model: nn.Module, path: Path) -> None:
    """Load a safetensors state dict into `model`; a pickle is refused, a mismatch named."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = load_file(path)
    except (OSError, SafetensorError) as err:
        raise ValueError(f"cannot read weights from {path}: {err}") from err
    own = model.state_dict().keys()
    missing, unexpected = own - state.keys(), state.keys() - own
    if missing or unexpected:
        raise ValueError(f"{path.name} does not fit the model: "
                         + "; ".join(f"{what} {', '.join(sorted(keys)[:SHOWN_KEYS])}"
                                     + (" …" if len(keys) > SHOWN_KEYS else "")
                                     for what, keys in (("missing", missing),
                                                        ("unexpected", unexpected)) if keys))
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise ValueError(f"{path.name} does not fit the model: {err}") from err


def wrap(model: nn.Module, name: str, shape: tuple[int, int, int], mean: tuple[float, ...],
         std: tuple[float, ...], classes: tuple[str, ...], device: torch.device) -> Classifier:
    """A Classifier around any image model, once it is checked on a `shape` input: it must
    give one row of class scores per image."""
    c, h, w = shape
    if h != w:
        raise ValueError(f"input {c}x{h}x{w}: DeepScope's views take square images; give the "
                         "model a square input size")
    for values, what in ((mean, "mean"), (std, "std")):
        if len(values) not in (1, c):
            raise ValueError(f"{what} needs 1 or {c} values (one per channel), got {len(values)}")
    if min(std) <= 0:
        raise ValueError(f"std must be positive, got {', '.join(map(str, std))}")
    model = model.to(device).eval()
    with torch.no_grad():
        try:
            out = model(torch.zeros(1, *shape, device=device))
        except Exception as err:
            raise ValueError(f"{name} does not run on a {c}x{h}x{w} input: "
                             f"{type(err).__name__}: {err}") from err
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"{name} must return class scores, N x classes; it returned {got}")
    k = out.shape[1]
    if classes and len(classes) != k:
        raise ValueError(f"{len(classes)} class names for a model with {k} outputs")
    names = tuple(classes) or tuple(f"class {i}" for i in range(k))
    return Classifier(model, names, stat_tensor(per_channel(mean, c), device),
                      stat_tensor(per_channel(std, c), device), ModelSpec(name, c, h, k), None,
                      device, {"source": name})


def per_channel(values: tuple[float, ...], channels: int) -> tuple[float, ...]:
    """One value repeated for every channel, or the values as given."""
    return values * channels if len(values) == 1 else values
