"""Checkpoints: safetensors weights plus a JSON sidecar with the spec; never unpickled.

The spec is a classifier's ModelSpec or a GAN's GanSpec (named by the sidecar's "spec" key;
sidecars without it hold a ModelSpec). A GAN checkpoint holds G, D and the EMA of G in one file.

A checkpoint named `best` in a run folder is `best.json` + `best.safetensors` (and, if an
optimizer state was saved, `best.optim.safetensors`). Files are written to a temporary name and
moved into place (files.write_atomic), so a killed writer never leaves a half file. A name that
is written again (`best`, `stopped`) could still pair a new sidecar with old weights after a
kill between the moves, so each save draws a token that the sidecar and the safetensors
metadata both carry, and loading refuses a pair whose tokens differ.

The training state (optimizers, random streams, replay buffer: what resume needs) is saved
beside the weights. A stopped run keeps it, with the weights of its last step, under `stopped`;
`resume_checkpoint` picks that over the latest epoch checkpoint.
"""

from __future__ import annotations

import json
import secrets
import warnings
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.numpy import save_file
from safetensors.torch import load_file
from torch import Tensor, nn

from ..models.build import build_model
from ..models.gan_spec import GanSpec
from ..models.spec import ModelSpec
from .files import write_atomic

FORMAT = "deepscope-checkpoint"
VERSION = 1
_SHOWN = 5  # keys listed per kind of mismatch
STOPPED = "stopped"  # the checkpoint of the step a run was stopped at
SPECS: dict[str, type[ModelSpec] | type[GanSpec]] = {"classifier": ModelSpec, "gan": GanSpec}
Spec = ModelSpec | GanSpec


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt, unsafe, or does not fit its model: bad input, so a
    ValueError, in the app's own words."""


def checkpoint_path(run_dir: Path, name: str | int) -> Path:
    """`run_dir/<name>.safetensors`; an int names an epoch checkpoint (3 -> epoch-0003)."""
    if isinstance(name, int):
        name = f"epoch-{name:04d}"
    return Path(run_dir) / f"{name}.safetensors"


def epoch_checkpoints(run_dir: Path) -> list[Path]:
    """The complete epoch checkpoints of a run folder, oldest first."""
    done = [p for p in Path(run_dir).glob("epoch-*.safetensors")
            if _sidecar(_stem(p)).exists() and not p.name.endswith(".optim.safetensors")]
    return sorted(done, key=lambda p: (len(p.name), p.name))


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The complete epoch checkpoint with the highest number in a run folder, if any."""
    return (epoch_checkpoints(run_dir) or [None])[-1]


def resume_checkpoint(run_dir: Path) -> Path | None:
    """Where a run goes on from: its `stopped` checkpoint if complete, else its latest epoch
    checkpoint (None if it has neither)."""
    stopped = checkpoint_path(run_dir, STOPPED)
    return stopped if _sidecar(_stem(stopped)).exists() and stopped.exists() else (
        latest_checkpoint(run_dir))


def remove_checkpoint(path: Path) -> None:
    """Delete a checkpoint's files: weights first, so a half-removed one is never listed."""
    stem = _stem(Path(path))
    for file in (_weights(stem), _optim(stem), _sidecar(stem)):
        file.unlink(missing_ok=True)


def remove_training_state(path: Path) -> None:
    """Delete the training state saved with a checkpoint, keeping its weights and sidecar."""
    _optim(_stem(Path(path))).unlink(missing_ok=True)


def save_checkpoint(path: Path, model: nn.Module, spec: Spec, meta: dict | None = None,
                    optimizer_state: dict | None = None) -> Path:
    """Write `<path>.json`, `<path>.optim.safetensors` if given, then `<path>.safetensors`,
    all three with one token."""
    stem = _stem(Path(path))
    stem.parent.mkdir(parents=True, exist_ok=True)
    kind = next(name for name, cls in SPECS.items() if isinstance(spec, cls))
    token = secrets.token_hex(8)
    sidecar = {"format": FORMAT, "version": VERSION, "spec": kind, "model": asdict(spec),
               "meta": meta or {}, "token": token}
    text = json.dumps(sidecar, indent=1, default=_scalar)
    write_atomic(_sidecar(stem), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    optim = _optim(stem)
    if optimizer_state is None:
        optim.unlink(missing_ok=True)
    else:
        tensors: dict[str, Tensor] = {}
        layout = json.dumps(_encode(optimizer_state, tensors))
        write_atomic(optim, lambda tmp: save_file(_arrays(tensors), tmp,
                                                  {"layout": layout, "token": token}))
    weights = _weights(stem)
    write_atomic(weights, lambda tmp: save_file(_arrays(model.state_dict()), tmp,
                                                {"format": "pt", "token": token}))
    return weights


def load_checkpoint(path: Path) -> tuple[dict[str, Tensor], Spec, dict]:
    """(state dict on the CPU, spec, meta) from a .safetensors, its .json, its stem, or a run
    folder (best, else latest). Other files (.pt, .pth, ...) are read with torch's weights-only
    loader, which refuses pickles that would run code, and still need their JSON sidecar."""
    weights = weights_file(path)
    foreign = not weights.name.endswith(".safetensors")
    state = _load_foreign(weights) if foreign else _load_safetensors(weights)
    sidecar = _sidecar(_stem(weights))
    spec, meta = _read_sidecar(sidecar)
    if not foreign:
        _check_pair(weights, sidecar)
    return state, spec, meta


def weights_file(path: Path) -> Path:
    """The weights file `load_checkpoint(path)` reads (it may not exist): a run folder's best
    checkpoint, else its latest; `<stem>.safetensors` for a stem or sidecar; else the path."""
    path = _resolve(Path(path))
    if path.suffix in (".safetensors", ".json") or not path.exists():
        return _weights(_stem(path))
    return path


def load_optimizer_state(path: Path) -> dict | None:
    """The optimizer state saved with a checkpoint, or None if it was saved without one."""
    stem = _stem(_resolve(Path(path)))
    optim = _optim(stem)
    if not optim.exists():
        return None
    try:
        with safe_open(optim, framework="pt", device="cpu") as f:
            tensors = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118 (not a dict)
            state = _decode(json.loads(f.metadata()["layout"]), tensors)
    except Exception as err:
        raise CheckpointError(f"{optim} is corrupt or truncated: {err}") from err
    _check_pair(optim, _sidecar(stem))
    return state


def load_model(path: Path, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild the model a checkpoint (or run folder) describes, load its weights strictly, and
    return it in eval mode on `device`. `from deepscope.core.runs.checkpoint import load_model`."""
    path = _resolve(Path(path))
    state, spec, _ = load_checkpoint(path)
    return rebuild_model(path, state, spec).to(device).eval()


def rebuild_model(path: Path, state: Mapping[str, Tensor], spec: Spec) -> nn.Module:
    """The classifier `spec` describes with `state` loaded strictly (on the CPU, train mode);
    errors name `path`, the checkpoint they came from."""
    if not isinstance(spec, ModelSpec):
        raise CheckpointError(f"{path} holds a GAN, not a classifier: load its generator with "
                              "deepscope.core.runs.generators.load_generator")
    try:
        model = build_model(replace(spec, pretrained=False))
    except ValueError as err:
        raise CheckpointError(f"{path} describes a model that cannot be built: {err}") from err
    if problem := state_mismatch(model.state_dict(), state):
        raise CheckpointError(f"{path} does not fit {spec.name}: {problem}")
    model.load_state_dict(state, strict=True)
    return model


def _resolve(path: Path) -> Path:
    """A checkpoint file for a path (`~` expanded) that may be a run folder (best, else latest
    epoch)."""
    path = path.expanduser()
    if not path.is_dir():
        return path
    best = checkpoint_path(path, "best")
    found = best if best.exists() and _sidecar(_stem(best)).exists() else latest_checkpoint(path)
    if found is None:
        raise CheckpointError(f"{path} holds no checkpoint (best.safetensors or epoch-*)")
    return found


def _stem(path: Path) -> Path:
    name = path.name
    for suffix in (".optim.safetensors", ".safetensors", ".json"):
        if name.endswith(suffix):
            return path.with_name(name[: -len(suffix)])
    return path if not path.suffix or not path.exists() else path.with_suffix("")


def _weights(stem: Path) -> Path:
    return stem.with_name(stem.name + ".safetensors")


def _sidecar(stem: Path) -> Path:
    return stem.with_name(stem.name + ".json")


def _optim(stem: Path) -> Path:
    return stem.with_name(stem.name + ".optim.safetensors")


def _check_pair(file: Path, sidecar: Path) -> None:
    """Refuse a safetensors file whose token differs from its sidecar's: a writer was killed
    between the two (sidecars and files saved before tokens carry none and pass)."""
    expected = json.loads(sidecar.read_text(encoding="utf-8")).get("token")
    if expected is None:
        return
    with safe_open(file, framework="pt", device="cpu") as f:
        found = (f.metadata() or {}).get("token")
    if found != expected:
        raise CheckpointError(
            f"{file} and {sidecar.name} come from different saves (the writer was stopped "
            "between them): use another checkpoint of the run")


def _arrays(state: Mapping[str, Tensor]) -> dict[str, np.ndarray]:
    """Host numpy views of the tensors: safetensors writes them as torch's saver would, in a
    third of the time (torch's checks for shared storage cost more than the write)."""
    return {key: value.detach().cpu().contiguous().numpy() for key, value in state.items()}


def _scalar(value: Any) -> Any:
    """JSON fallback for numpy and 0-d torch scalars in meta."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _encode(obj: Any, tensors: dict[str, Tensor]) -> Any:
    """A JSON layout of nested dicts/lists/tuples; tensors move to `tensors` by name."""
    if isinstance(obj, Tensor):
        name = f"t{len(tensors)}"
        tensors[name] = obj
        return {"tensor": name}
    if isinstance(obj, Mapping):
        return {"dict": [[key, _encode(value, tensors)] for key, value in obj.items()]}
    if isinstance(obj, tuple):
        return {"tuple": [_encode(value, tensors) for value in obj]}
    if isinstance(obj, list):
        return [_encode(value, tensors) for value in obj]
    return {"value": obj}


def _decode(layout: Any, tensors: Mapping[str, Tensor]) -> Any:
    if isinstance(layout, list):
        return [_decode(value, tensors) for value in layout]
    (kind, body), = layout.items()
    if kind == "tensor":
        return tensors[body]
    if kind == "dict":
        return {key: _decode(value, tensors) for key, value in body}
    if kind == "tuple":
        return tuple(_decode(value, tensors) for value in body)
    return body


def _load_safetensors(weights: Path) -> dict[str, Tensor]:
    if not weights.exists():
        raise CheckpointError(f"missing weights file {weights}")
    try:
        return load_file(weights, device="cpu")
    except Exception as err:
        raise CheckpointError(f"{weights} is corrupt or truncated: {err}") from err


def _load_foreign(path: Path) -> dict[str, Tensor]:
    """A state dict from a PyTorch file of plain tensors, through torch's weights-only
    unpickler; a pickle that needs more (code) is refused in one line, never run."""
    if not _is_pickle(path):
        raise CheckpointError(f"{path} is not a weights file: DeepScope loads safetensors "
                              "(or a PyTorch file of plain tensors)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on pickle protocols
            obj = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # torch's own text is 8 lines advising weights_only=False
        raise CheckpointError(f"refused: {path} is a pickle, which can run code; DeepScope "
                              "loads only safetensors (or a PyTorch file of plain tensors)"
                              ) from err
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, Mapping) and isinstance(obj.get(key), Mapping):
            obj = obj[key]
    if not (isinstance(obj, Mapping) and obj
            and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items())):
        raise CheckpointError(f"{path} is not a safe weights file: it holds no state dict")
    return dict(obj)


def _is_pickle(path: Path) -> bool:
    """Whether a file starts as a pickle (protocol 2+) or a torch.save zip of one."""
    with open(path, "rb") as f:
        head = f.read(4)
    return head[:1] == b"\x80" or head == b"PK\x03\x04"


def _read_sidecar(sidecar: Path) -> tuple[Spec, dict]:
    if not sidecar.exists():
        raise CheckpointError(
            f"missing JSON sidecar {sidecar}: it holds the model spec needed to rebuild the model")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version", 0) > VERSION:
            raise ValueError(f"expected format {FORMAT!r} version <= {VERSION}")
        return SPECS[data.get("spec", "classifier")](**data["model"]), dict(data.get("meta") or {})
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise CheckpointError(f"{sidecar} is not a valid checkpoint sidecar: {err}") from err


def state_mismatch(expected: Mapping[str, Tensor], state: Mapping[str, Tensor]) -> str:
    """What keeps `state` from loading strictly into a model with `expected`; "" if nothing."""
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(v.shape)}"
              for k, v in expected.items() if k in state and state[k].shape != v.shape]
    found = {"missing keys": missing, "unexpected keys": unexpected, "mismatched shapes": shapes}
    return "; ".join(f"{label} ({len(items)}): {', '.join(items[:_SHOWN])}"
                     + (", ..." if len(items) > _SHOWN else "")
                     for label, items in found.items() if items)
