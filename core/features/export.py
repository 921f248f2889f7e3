"""A unit scan on disk: units.json and one PNG of patches per channel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from .events import UnitScan

TILE_PX = 64  # a patch row is enlarged (nearest neighbour) until a patch is about this tall
GAP_PX = 1


def save_units(out: Path, scan: UnitScan, images: np.ndarray, meta: dict) -> list[Path]:
    """units.json (with `meta`) and channel-NNN.png (the channel's patches in a row, cropped
    from `images`, uint8 N x C x H x W indexed by dataset index) in `out`; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    f = scan.field
    units = {**meta, "layer": scan.layer, "receptive_field": {
        "size": list(f.size), "stride": list(f.stride), "offset": list(f.offset)},
        "channels": [channel_entries(scan, c) for c in range(len(scan.value))]}
    (out / "units.json").write_text(json.dumps(units, indent=1))
    pngs = [out / f"channel-{c:03d}.png" for c in range(len(scan.value))]
    for c, png in enumerate(pngs):
        patch_row(images, scan.index[c], scan.box[c]).save(png)
    return [out / "units.json", *pngs]


def channel_entries(scan: UnitScan, c: int) -> list[dict]:
    """The channel's top-K as JSON: index, y, x, value, box."""
    return [{"index": int(i), "y": int(y), "x": int(x), "value": float(v),
             "box": [int(b) for b in box]}
            for i, y, x, v, box in zip(scan.index[c], scan.y[c], scan.x[c], scan.value[c],
                                       scan.box[c], strict=True)]


def patch_row(images: np.ndarray, index: np.ndarray, boxes: np.ndarray) -> Image.Image:
    """The crops side by side on black, each at its box's top-left in a tile as large as the
    largest box, enlarged by nearest neighbour."""
    height = int((boxes[:, 2] - boxes[:, 0]).max())
    width = int((boxes[:, 3] - boxes[:, 1]).max())
    row = np.zeros((images.shape[1], height, len(index) * (width + GAP_PX) - GAP_PX), np.uint8)
    for k, (i, (y0, x0, y1, x1)) in enumerate(zip(index, boxes, strict=True)):
        left = k * (width + GAP_PX)
        row[:, : y1 - y0, left : left + x1 - x0] = images[i][:, y0:y1, x0:x1]
    image = Image.fromarray(row[0] if len(row) == 1 else row.transpose(1, 2, 0))
    scale = max(1, TILE_PX // max(height, 1))
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
