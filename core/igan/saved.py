"""An edit saved to a folder and opened again: the result, the candidates, the morph (PNG
strip and GIF), the latents and the strokes, as PNG, .npy and JSON (never a pickle)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..data.export import save_gif, save_strip
from ..jobs import Message
from .events import Candidates, Morph, SavedEdit

EDIT_FILE = "edit.json"


def save_edit_job(folder: str, run: str, frame: Candidates, chosen: int, morph: Morph | None,
                  strokes: list[dict], picture: np.ndarray) -> Iterator[Message]:
    """Write the edit into `folder`: result.png (the chosen candidate), candidates.png, z.npy
    and z0.npy (N x dim, best first; labels.npy for a cGAN), morph.png and morph.gif,
    strokes.png (`picture`, uint8 H x W x 4: the strokes as drawn), strokes.json (a warp
    stroke's patch as warp-<i>.png) and edit.json."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    images = torch.as_tensor(frame.images)
    save_strip(images[chosen : chosen + 1], out / "result.png")
    save_strip(images, out / "candidates.png")
    np.save(out / "z.npy", frame.z)
    np.save(out / "z0.npy", frame.z0)
    if frame.labels is not None:
        np.save(out / "labels.npy", frame.labels)
    if morph is not None:
        save_strip(torch.as_tensor(morph.images), out / "morph.png")
        save_gif(torch.as_tensor(morph.images), out / "morph.gif")
    Image.fromarray(picture, "RGBA").save(out / "strokes.png")
    records = []
    for i, stroke in enumerate(strokes):
        record = {k: v for k, v in stroke.items() if k != "patch"}
        if stroke.get("patch") is not None:
            record["patch"] = f"warp-{i}.png"
            Image.fromarray(stroke["patch"], "RGBA").save(out / record["patch"])
        records.append(record)
    (out / "strokes.json").write_text(json.dumps(records, indent=1))
    (out / EDIT_FILE).write_text(json.dumps({"run": run, "chosen": chosen,
                                             "candidates": len(frame.z),
                                             "morph": morph.mode if morph else None}, indent=1))
    yield Message(f"Saved the edit in {out}.")


def open_edit_job(folder: str) -> Iterator[SavedEdit]:
    """An edit saved by save_edit_job."""
    where = Path(folder)
    if not (where / EDIT_FILE).is_file():
        raise ValueError(f"{where} holds no saved edit ({EDIT_FILE} is missing)")
    meta = json.loads((where / EDIT_FILE).read_text())
    z, z0 = (np.load(where / f"{name}.npy", allow_pickle=False) for name in ("z", "z0"))
    labels = (np.load(where / "labels.npy", allow_pickle=False)
              if (where / "labels.npy").is_file() else None)
    strokes = []
    for record in json.loads((where / "strokes.json").read_text()):
        if record.get("patch"):
            record["patch"] = np.asarray(Image.open(where / record["patch"]).convert("RGBA"))
        strokes.append(record)
    yield SavedEdit(str(meta["run"]), z.astype(np.float32), z0.astype(np.float32), labels,
                    int(meta.get("chosen", 0)), tuple(strokes))
